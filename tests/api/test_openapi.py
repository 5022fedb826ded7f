"""The OpenAPI document and the interactive docs, which must work without the internet."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

DOCS = "/api/v1/docs"


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def test_the_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Quality Credit Registry"


@pytest.mark.parametrize(
    "path, methods",
    [
        ("/api/v1/auth/token", {"post"}),
        ("/api/v1/enterprises", {"get", "post"}),
        ("/api/v1/enterprises/{uscc}", {"get"}),
    ],
)
def test_the_document_lists_the_contracts_paths(spec, path, methods):
    assert path in spec["paths"]
    assert methods <= set(spec["paths"][path])


def test_every_operation_has_a_summary(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                assert operation.get("summary"), f"{method.upper()} {path}"


def test_registration_documents_its_responses_and_bearer_auth(spec):
    post = spec["paths"]["/api/v1/enterprises"]["post"]
    assert {"201", "409", "422"} <= set(post["responses"])
    assert post["security"] == [{"bearer": []}]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_search_parameters_are_documented(spec):
    get = spec["paths"]["/api/v1/enterprises"]["get"]
    assert {"q", "region", "page", "per_page"} <= {p["name"] for p in get["parameters"]}


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"', html)


def test_the_docs_page_is_html_with_local_assets(client):
    response = client.get(DOCS)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    urls = _asset_urls(html)
    assert any(url.endswith(".js") for url in urls)
    assert any(url.endswith(".css") for url in urls)
    for url in urls:
        assert not re.match(r"^(https?:)?//", url), url
    assert not re.search(r"""(src|href|url)\s*[=:]\s*["'](https?:)?//""", html)


def test_every_docs_asset_loads(client):
    html = client.get(DOCS).get_data(as_text=True)
    for url in _asset_urls(html):
        response = client.get(urljoin(DOCS, url))
        assert response.status_code == 200, url
        assert len(response.data) > 1000, url


def test_the_docs_point_at_the_served_document(client, spec):
    html = client.get(DOCS).get_data(as_text=True)
    found = re.search(r"""url:\s*["']([^"']+)["']""", html)
    assert found and client.get(urljoin(DOCS, found.group(1))).get_json() == spec


@pytest.mark.parametrize("name", ["../../../../etc/passwd", "..%2F..%2Fsetup.cfg", "nothing.js"])
def test_the_asset_route_serves_nothing_else(client, name):
    response = client.get(f"{DOCS}/assets/{name}")
    assert response.status_code == 404


# Error responses: every one a problem document, declared wherever it can happen.

PROBLEM_CONTENT = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
METHODS = {"get", "post", "put", "patch", "delete"}


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, item.get("parameters", []), operation


def _resolved(spec, response):
    if "$ref" in response:
        return spec["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    return response


def test_every_error_response_is_a_problem_document_and_nothing_else(spec):
    checked = 0
    for path, method, _params, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status == "default" or int(status) >= 400:
                assert _resolved(spec, response).get("content") == PROBLEM_CONTENT, (
                    method,
                    path,
                    status,
                )
                checked += 1
    assert checked > 100


def test_the_problem_schema_has_the_problem_fields(spec):
    properties = spec["components"]["schemas"]["Problem"]["properties"]
    assert {"type", "title", "status", "detail", "errors"} <= properties.keys()


def test_success_responses_keep_their_own_content_types(spec):
    for path, method, _params, operation in _operations(spec):
        for status, response in operation["responses"].items():
            if status != "default" and int(status) < 400:
                content = _resolved(spec, response).get("content", {})
                assert content and "application/problem+json" not in content, (method, path)
    report = spec["paths"]["/api/v1/enterprises/{uscc}/report"]["get"]["responses"]["200"]
    assert set(report["content"]) == {"application/jose"}
    plan = spec["paths"]["/api/v1/inspection-plan"]["get"]["responses"]["200"]
    assert set(plan["content"]) == {"application/json", "text/csv"}
    assert set(spec["paths"]["/api/v1/catalog"]["get"]["responses"]["200"]["content"]) == {
        "application/json"
    }


def _expected_errors(path_params, operation) -> set[str]:
    # A bad token is refused on every operation, public ones included.
    expected = {"401"}
    if operation.get("security"):
        expected |= {"403"}
    if path_params:
        expected |= {"404"}
    if operation.get("parameters") or any(p["schema"]["type"] == "string" for p in path_params):
        expected |= {"422"}
    if operation.get("requestBody"):
        expected |= {"400", "413", "422"}
    return expected


def test_every_operation_declares_the_errors_it_can_answer(spec):
    for path, method, path_params, operation in _operations(spec):
        missing = _expected_errors(path_params, operation) - set(operation["responses"])
        assert not missing, (method, path, missing)


# The operations whose state rules answer 409, and the limited sign-in.
CONFLICTS = [
    ("post", "/api/v1/enterprises"),
    ("post", "/api/v1/enterprises/{uscc}/awards"),
    ("post", "/api/v1/enterprises/{uscc}/violations"),
    ("post", "/api/v1/records/{record_id}/rescind"),
    ("post", "/api/v1/records/{record_id}/revoke"),
    ("post", "/api/v1/records/{record_id}/objections"),
    ("post", "/api/v1/records/{record_id}/objections/{objection_id}/decision"),
    ("post", "/api/v1/records/{record_id}/repair"),
    ("post", "/api/v1/records/{record_id}/repair/decision"),
    ("post", "/api/v1/blacklist"),
    ("post", "/api/v1/blacklist/{listing_id}/objections"),
    ("post", "/api/v1/blacklist/{listing_id}/objections/{objection_id}/decision"),
    ("post", "/api/v1/blacklist/{listing_id}/repair"),
    ("post", "/api/v1/blacklist/{listing_id}/repair/decision"),
]


@pytest.mark.parametrize("method, path", CONFLICTS)
def test_operations_refused_by_the_state_of_a_record_declare_409(spec, method, path):
    assert "409" in spec["paths"][path][method]["responses"]


def test_signing_in_declares_its_rate_limit(spec):
    assert "429" in spec["paths"]["/api/v1/auth/token"]["post"]["responses"]


def test_the_grade_history_is_documented_as_signed_in(spec):
    operation = spec["paths"]["/api/v1/enterprises/{uscc}/grades"]["get"]
    assert operation["security"] == [{"bearer": []}]
    assert {"401", "403"} <= set(operation["responses"])


def test_real_error_answers_are_declared_for_their_operation(client, make, spec):
    firm = make.enterprise()
    own = make.headers("enterprise", uscc=firm)
    answers = {
        ("get", "/api/v1/catalog"): client.get(
            "/api/v1/catalog", headers={"Authorization": "Bearer nonsense"}
        ),
        ("get", "/api/v1/enterprises/{uscc}"): client.get("/api/v1/enterprises/" + make.uscc()),
        ("get", "/api/v1/enterprises/{uscc}/report"): client.get(
            f"/api/v1/enterprises/{firm}/report", headers=make.headers("admin")
        ),
        ("post", "/api/v1/enterprises"): client.post(
            "/api/v1/enterprises",
            data="{",
            content_type="application/json",
            headers=make.headers("regulator"),
        ),
        ("get", "/api/v1/enterprises/{uscc}/grades"): client.get(
            f"/api/v1/enterprises/{firm}/grades", headers=make.headers("procurement")
        ),
        ("get", "/api/v1/blacklist/{listing_id}"): client.get(
            "/api/v1/blacklist/999999", headers=own
        ),
    }
    for (method, path), response in answers.items():
        assert response.status_code >= 400 and response.mimetype == "application/problem+json"
        assert str(response.status_code) in spec["paths"][path][method]["responses"], (
            method,
            path,
            response.status_code,
        )


def test_the_problem_schema_allows_extension_members_and_names_the_listing_state(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert problem.get("additionalProperties", True) is not False
    assert "state" in problem["properties"]


@pytest.mark.parametrize(
    "method, path",
    [
        ("post", "/api/v1/checks/procurement"),
        ("post", "/api/v1/checks/lending"),
        ("get", "/api/v1/enterprises"),
        ("get", "/api/v1/enterprises/{uscc}"),
    ],
)
def test_checks_and_lookups_declare_their_rate_limits(spec, method, path):
    response = spec["paths"][path][method]["responses"]["429"]
    assert "application/problem+json" in response["content"]
