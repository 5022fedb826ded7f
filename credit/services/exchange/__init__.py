"""Data exchange with other departments: bulk files in and out of the registry."""
