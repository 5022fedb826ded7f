"""Domain operations: plain functions that hold the rules, raise credit.errors, flush, never commit."""
