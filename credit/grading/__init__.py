"""Grading: versioned rulesets and the engine that applies them."""
