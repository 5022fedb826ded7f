"""The HTTP API: flask-smorest blueprints under /api/v1, documented as OpenAPI 3."""

from __future__ import annotations

import http

from apispec import BasePlugin
from flask import Flask
from flask_smorest import Api

from credit.api.paths import API_PREFIX, CHECKS_PATH, LOOKUPS_PATH
from credit.errors import PROBLEM_MIMETYPE
from schemas.common import ProblemSchema

# The component name the problem schema is documented under (ProblemSchema without "Schema").
PROBLEM_SCHEMA_NAME = "Problem"


# The errors an operation may answer, by what the operation takes: every request may carry a
# bad token (refused even where none is needed); a signed-in role may be the wrong one; a path
# names something that may not exist (or that the caller may not know exists); a body may be
# malformed or too large; parameters and bodies may be invalid. Operations declare their own 409s.
ERRORS_OF_EVERY_OPERATION = {
    401: "No token where one is needed, or a token that is not valid (refused even where no "
    "token is needed)",
}
ERRORS_OF_SIGNED_IN_OPERATIONS = {403: "The caller's role or region may not do this"}
ERRORS_OF_PATHS = {404: "Unknown, or not known to the caller"}
ERRORS_OF_BODIES = {
    400: "The body is not JSON, or not a JSON object",
    413: "The body is larger than the registry accepts",
    422: "Invalid input; `errors` names each field",
}
ERRORS_OF_PARAMETERS = {422: "Invalid input; `errors` names each field"}
# Where a limit is kept on every deployment: failed sign-ins.
RATE_LIMITED = {("/api/v1/auth/token", "post"): {429: "Too many failed sign-ins; see Retry-After"}}
# Where the request limits apply unless an operator lifts them (credit.api.rate_limits).
CHECKS_LIMITED = {429: "Too many checks by this account (CREDIT_LIMIT_CHECKS); see Retry-After"}
LOOKUPS_LIMITED = {
    429: "Too many lookups from this address (CREDIT_LIMIT_LOOKUPS); see Retry-After"
}


class ProblemResponses(BasePlugin):
    """Declares every error an operation can answer, each as application/problem+json with the
    problem schema, so that a client generated from the document accepts every error body."""

    def operation_helper(self, path=None, operations=None, **kwargs):
        rule = kwargs.get("rule")
        in_path = bool(rule is not None and rule.arguments)
        for method, operation in (operations or {}).items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            declared = dict(ERRORS_OF_EVERY_OPERATION)
            if operation.get("security"):
                declared.update(ERRORS_OF_SIGNED_IN_OPERATIONS)
            if in_path:
                declared.update(ERRORS_OF_PATHS)
            if operation.get("parameters"):
                declared.update(ERRORS_OF_PARAMETERS)
            if operation.get("requestBody"):
                declared.update(ERRORS_OF_BODIES)
            declared.update(RATE_LIMITED.get((path, method), {}))
            if method == "post" and path.startswith(CHECKS_PATH):
                declared.update(CHECKS_LIMITED)
            if method == "get" and path.startswith(LOOKUPS_PATH):
                declared.update(LOOKUPS_LIMITED)
            for status, description in declared.items():
                if status not in responses and str(status) not in responses:
                    responses[status] = {"description": description}
            for status, response in responses.items():
                if str(status) == "default" or int(status) >= 400:
                    responses[status] = _as_problem(response)


def _as_problem(response):
    """A response named by reference (a component) is a problem already; one written out gets
    the problem content, whatever content it was given."""
    if not isinstance(response, dict):
        return response
    return {**response, "content": {PROBLEM_MIMETYPE: {"schema": PROBLEM_SCHEMA_NAME}}}


class RegistryApi(Api):
    """flask-smorest's Api with errors documented as problem details and rendered by credit.errors."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        # credit.errors renders every error as application/problem+json.
        pass

    def _register_responses(self):
        # flask-smorest's shared responses, with every error one as problem+json.
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["content"] = {PROBLEM_MIMETYPE: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            self.DEFAULT_ERROR_RESPONSE_NAME,
            {
                "description": "Any other error",
                "content": {PROBLEM_MIMETYPE: {"schema": ProblemSchema}},
            },
            lazy=True,
        )


def init_api(app: Flask) -> Api:
    from credit.api import (
        auth,
        blacklist,
        catalog,
        checks,
        docs,
        enterprises,
        exports,
        grades,
        imports,
        inbox,
        inspections,
        quality_reports,
        records,
        reports,
        service,
        statistics,
        watchlists,
    )

    app.config.update(
        API_TITLE="Quality Credit Registry",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
    )
    api = RegistryApi(
        app,
        spec_kwargs={
            "extra_plugins": [ProblemResponses()],
            "info": {
                "description": "Quality credit files, GB/T 23791-style grades and the quality "
                "blacklist of a city's market regulator."
            },
        },
    )
    api.spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for blueprint in (
        auth.blp,
        enterprises.blp,
        records.blp,
        grades.blp,
        blacklist.blp,
        inspections.blp,
        checks.blp,
        reports.blp,
        watchlists.blp,
        imports.blp,
        exports.blp,
        quality_reports.blp,
        statistics.blp,
        inbox.blp,
        catalog.blp,
    ):
        api.register_blueprint(blueprint, url_prefix=API_PREFIX)
    app.register_blueprint(service.blp)
    app.register_blueprint(docs.blp, url_prefix=f"{API_PREFIX}/docs")
    return api
