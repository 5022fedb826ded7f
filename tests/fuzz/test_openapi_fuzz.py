"""Generated requests to every operation, without a token and as each role: no 5xx, answers as documented."""

from __future__ import annotations

import datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.conftest import with_existing_ids

pytestmark = pytest.mark.fuzz

schema = schemathesis.from_pytest_fixture("api_schema")
schema.hook("before_generate_path_parameters")(with_existing_ids)


def success_content_type(ctx, response, case):
    """A successful answer has a content type the document declares."""
    if response.status_code < 400:
        return content_type_conformance(ctx, response, case)
    return None


def error_content_type(ctx, response, case):
    """An error answer has a content type the document declares."""
    if response.status_code >= 400:
        return content_type_conformance(ctx, response, case)
    return None


CHECKS = (
    not_a_server_error,
    status_code_conformance,
    success_content_type,
    error_content_type,
    response_schema_conformance,
    response_headers_conformance,
)
# Checks left out of the run (none: every error is declared as application/problem+json).
EXCLUDED_CHECKS: frozenset[str] = frozenset()


# Declared here so that pytest makes one test per role (the fixture's params); schemathesis then
# runs every operation as a subtest. Six examples per operation and role keep the layer to about
# half a minute per engine; derandomized, every run sends the same requests.
@pytest.mark.usefixtures("role_headers")
@settings(
    max_examples=6,
    deadline=datetime.timedelta(seconds=5),
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)
@schema.parametrize()
def test_every_operation_answers_as_documented(case, role_headers):
    # Only the role's own token: a made-up Authorization header would make every case a 401.
    case.headers = {
        name: value
        for name, value in (case.headers or {}).items()
        if name.lower() != "authorization"
    }
    response = case.call_wsgi(headers=role_headers)
    case.validate_response(
        response, checks=tuple(check for check in CHECKS if check.__name__ not in EXCLUDED_CHECKS)
    )
