"""Where the API lives: the base path every endpoint of the HTTP contract is under."""

API_PREFIX = "/api/v1"

# Where the request limits apply (credit.api.rate_limits): every check posted, per account, and
# every read of firms' files and search, per client address.
CHECKS_PATH = f"{API_PREFIX}/checks/"
LOOKUPS_PATH = f"{API_PREFIX}/enterprises"
