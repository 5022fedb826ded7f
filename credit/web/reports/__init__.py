"""Reports for regulators, as HTML pages and PDFs with charts."""
