"""The HTTP API: flask-smorest blueprints under /api/v1, documented as OpenAPI 3."""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from schemas.common import ProblemSchema

API_PREFIX = "/api/v1"


class RegistryApi(Api):
    """flask-smorest's Api with errors documented as problem details and rendered by credit.errors."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # credit.errors renders every error as application/problem+json.
        pass


def init_api(app: Flask) -> Api:
    from credit.api import (auth, blacklist, catalog, checks, docs, enterprises, grades, records,
                           reports, service)

    app.config.update(
        API_TITLE="Quality Credit Registry",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = RegistryApi(app, spec_kwargs={
        "info": {"description": "Quality credit files, GB/T 23791-style grades and the quality "
                                "blacklist of a city's market regulator."},
    })
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for blueprint in (auth.blp, enterprises.blp, records.blp, grades.blp, blacklist.blp,
                      checks.blp, reports.blp, catalog.blp):
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(service.blp)
    app.register_blueprint(docs.blp, url_prefix=f"{API_PREFIX}/docs")
    return api
