"""Statistics, targets and quality warnings: what the registry tells the city about quality.

`figures(session, caller, region=, industry=, date_from=, date_to=, by=)` is the one entry point
for the statistics, the API's and the quality-status report's alike.
"""

# The function takes the name of its module here, as the package's entry point: import the
# module's other names from it directly (`from credit.services.statistics.figures import BY`).
from credit.services.statistics.figures import figures

__all__ = ["figures"]
