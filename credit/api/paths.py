"""Where the API lives: the base path every endpoint of the HTTP contract is under."""

API_PREFIX = "/api/v1"
