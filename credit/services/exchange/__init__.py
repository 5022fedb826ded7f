"""Data exchange with other departments: reading their files and writing their rows in bulk."""
