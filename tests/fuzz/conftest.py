"""The fuzzing layer's fixtures: the OpenAPI document with USCCs marked, firms to find, a token per role."""

from __future__ import annotations

import pytest
import schemathesis

from credit.uscc import with_check_character
from tests.conftest import Builder
from tests.fuzz.strategies import valid_usccs

# Firms that exist in every fuzzing test's database, so generated codes reach real files.
KNOWN_FIRMS = tuple(with_check_character(f"91321102{n:09d}") for n in range(900001, 900004))
ROLES = ("anonymous", "regulator", "enterprise", "bank", "procurement", "admin")

schemathesis.openapi.format("uscc", valid_usccs(KNOWN_FIRMS))


def with_uscc_format(document: dict) -> dict:
    """The document with every USCC (path parameter, body field, list of codes) marked
    `format: uscc`, so the fuzzer sends valid codes and gets past their check to the rules."""

    def mark(schema: dict) -> None:
        if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
            schema["items"]["format"] = "uscc"
        elif schema.get("type", "string") == "string":
            schema["format"] = "uscc"

    for operations in document["paths"].values():
        for parameter in operations.get("parameters", []):
            if parameter.get("name") == "uscc":
                mark(parameter["schema"])
        for operation in operations.values():
            if isinstance(operation, dict):
                for parameter in operation.get("parameters", []):
                    if parameter.get("name") == "uscc":
                        mark(parameter["schema"])
    for schema in document.get("components", {}).get("schemas", {}).values():
        uscc = schema.get("properties", {}).get("uscc")
        if isinstance(uscc, dict):
            mark(uscc)
    return document


@pytest.fixture
def api_schema(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return schemathesis.openapi.from_dict(with_uscc_format(document), app=app)


@pytest.fixture(params=ROLES)
def role_headers(request, make: Builder) -> dict[str, str]:
    """The firms every generated code may name, and the headers of the test's role."""
    for code in KNOWN_FIRMS:
        make.enterprise(region="321102", uscc=code)
    role = request.param
    if role == "anonymous":
        return {}
    if role == "enterprise":
        return make.headers("enterprise", uscc=KNOWN_FIRMS[0])
    return make.headers(role)
