"""Fuzzing fixtures: the OpenAPI document with USCCs marked, things to find, a token per role."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import strategies as st

from credit.services.watchlists import OWNERS as WATCHLIST_OWNERS
from credit.uscc import with_check_character
from tests import statistics_fake
from tests.conftest import Builder
from tests.fuzz.strategies import valid_usccs

# Firms that exist in every fuzzing test's database, so generated codes reach real files.
KNOWN_FIRMS = tuple(with_check_character(f"91321102{n:09d}") for n in range(900001, 900004))
ROLES = ("anonymous", "regulator", "enterprise", "bank", "procurement", "admin")

schemathesis.openapi.format("uscc", valid_usccs(KNOWN_FIRMS))

# Ids of the records, listings and objections the running test made, by path parameter name;
# generated ids are often swapped for one of these, so the fuzzer reaches real objections,
# repairs and decisions instead of 404s only.
EXISTING_IDS: dict[str, list[int]] = {}


def with_existing_ids(context, strategy):
    """A `before_generate_path_parameters` hook."""

    def swap(parameters: dict) -> st.SearchStrategy[dict]:
        known = {name: EXISTING_IDS[name] for name in parameters or {} if EXISTING_IDS.get(name)}
        if not known:
            return st.just(parameters)
        return st.fixed_dictionaries(
            {
                name: st.one_of(st.just(value), st.sampled_from(known[name]))
                if name in known
                else st.just(value)
                for name, value in parameters.items()
            }
        )

    return strategy.flatmap(swap)


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


@pytest.fixture(autouse=True)
def statistics_figures(monkeypatch):
    statistics_fake.stand_in_while_missing(monkeypatch)


@pytest.fixture
def api_schema(app):
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    return schemathesis.openapi.from_dict(with_uscc_format(document), app=app)


@pytest.fixture
def existing_ids(client, make: Builder) -> dict[str, list[int]]:
    """The known firms, the first with a violation, an honour and a blacklist listing, each
    objected to by the firm: the ids the fuzzer's paths may name."""
    for code in KNOWN_FIRMS:
        make.enterprise(region="321102", uscc=code)
    firm = KNOWN_FIRMS[0]
    regulator = make.headers("regulator", region="3211")
    own = make.headers("enterprise", uscc=firm)

    def created(response) -> dict:
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    fine = created(
        client.post(
            f"/api/v1/enterprises/{firm}/violations",
            headers=regulator,
            json={
                "category": "administrative_penalty",
                "severity": "serious",
                "decided_on": "2025-11-03",
                "authority": "镇江市市场监督管理局",
                "decision_no": "镇市监罚〔2025〕901号",
            },
        )
    )
    honour = created(
        client.post(
            f"/api/v1/enterprises/{firm}/awards",
            headers=regulator,
            json={
                "kind": "mayor_quality_award",
                "title": "镇江市市长质量奖",
                "level": "municipal",
                "issuer": "镇江市人民政府",
                "awarded_on": "2025-06-01",
            },
        )
    )
    listing = created(
        client.post(
            "/api/v1/blacklist",
            headers=regulator,
            json={
                "uscc": firm,
                "reason": "生产销售不合格产品",
                "legal_basis": "《产品质量法》第五十条",
                "decision_no": "镇市监失信〔2025〕9号",
                "listed_on": "2025-11-10",
                "violation_ids": [fine["id"]],
            },
        )
    )
    record_objection = created(
        client.post(
            f"/api/v1/records/{fine['id']}/objections",
            headers=own,
            json={"reason": "处罚决定已被撤销"},
        )
    )
    listing_objection = created(
        client.post(
            f"/api/v1/blacklist/{listing['id']}/objections", headers=own, json={"reason": "不服"}
        )
    )
    EXISTING_IDS.update(
        record_id=[fine["id"], honour["id"]],
        listing_id=[listing["id"]],
        objection_id=[record_objection["id"], listing_objection["id"]],
    )
    yield EXISTING_IDS
    EXISTING_IDS.clear()


@pytest.fixture(params=ROLES)
def role_headers(request, client, make: Builder, existing_ids) -> dict[str, str]:
    """The headers of the test's role, in a registry with known firms, records and listings."""
    role = request.param
    if role == "anonymous":
        return {}
    if role == "enterprise":
        return make.headers("enterprise", uscc=KNOWN_FIRMS[0])
    headers = make.headers(role)
    if role in WATCHLIST_OWNERS:
        # A list of the role's own, so that replacing one reaches the rules, not only the 404.
        response = client.post(
            "/api/v1/watchlists", headers=headers, json={"name": "贷后", "uscc": list(KNOWN_FIRMS)}
        )
        assert response.status_code == 201, response.get_json()
        existing_ids["watchlist_id"] = [response.get_json()["id"]]
    return headers
