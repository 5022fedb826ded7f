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


@pytest.mark.parametrize("path, methods", [
    ("/api/v1/auth/token", {"post"}),
    ("/api/v1/enterprises", {"get", "post"}),
    ("/api/v1/enterprises/{uscc}", {"get"}),
])
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


def test_the_problem_schema_allows_extension_members_and_names_the_listing_state(spec):
    problem = spec["components"]["schemas"]["Problem"]
    assert problem.get("additionalProperties", True) is not False
    assert "state" in problem["properties"]
