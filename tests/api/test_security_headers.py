"""Security headers on every kind of response, no caching of private answers, HSTS on HTTPS."""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import re

import pytest

from credit import create_app
from tests.conftest import TEST_PASSWORD, Builder

PLAN = {"region": "321102", "date": "2026-01-05", "seed": 7}


def assert_safe(response, *, private: bool):
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    if private:
        assert headers["Cache-Control"] == "no-store"
    else:
        assert "no-store" not in headers.get("Cache-Control", "")
    assert "Strict-Transport-Security" not in headers  # off unless configured, and not HTTPS here


def test_json_and_problem_answers_carry_the_api_policy(client, make: Builder):
    firm = make.enterprise()
    answers = [
        client.get(f"/api/v1/enterprises/{firm}"),  # JSON 200
        client.get(f"/api/v1/enterprises/{make.uscc()}"),  # problem+json 404
        client.get("/api/v1/changes"),  # problem+json 401
        client.get("/api/v1/enterprises", query_string={"page": "x"}),  # problem+json 422
        client.get("/api/v1/nothing-here"),  # no route
    ]
    assert [r.status_code for r in answers] == [200, 404, 401, 422, 404]
    assert answers[1].mimetype == "application/problem+json"
    for response in answers:
        assert_safe(response, private=False)
        assert (
            response.headers["Content-Security-Policy"]
            == "default-src 'none'; frame-ancestors 'none'"
        )


def test_the_docs_page_allows_only_its_own_files_and_its_one_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert_safe(response, private=False)
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'none'"
    for directive in ("script-src", "style-src"):
        assert (
            "'unsafe-inline'" not in policy[directive] and "'unsafe-eval'" not in policy[directive]
        )
    assert policy["connect-src"] == "'self'"
    html = response.get_data(as_text=True)
    inline = re.findall(r"<script>(.*?)</script>", html, re.S)
    assert inline
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"]
    asset = client.get("/api/v1/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200 and asset.headers["X-Content-Type-Options"] == "nosniff"


def test_the_published_keys_stay_cacheable(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert_safe(response, private=False)
    assert response.headers["Cache-Control"] == "public, max-age=300"


def test_tokens_are_never_cached(client, make: Builder):
    account = make.account("bank")
    response = client.post(
        "/api/v1/auth/token", json={"username": account.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200
    assert_safe(response, private=True)
    refused = client.post(
        "/api/v1/auth/token", json={"username": account.username, "password": "wrong password"}
    )
    assert refused.status_code == 401
    assert_safe(refused, private=True)


def test_private_answers_are_never_cached(client, make: Builder):
    firm = make.enterprise(region="321102")
    regulator = make.headers("regulator", region="3211")
    own = make.headers("enterprise", uscc=firm)
    bank = make.headers("bank")
    answers = {
        "file": client.get(f"/api/v1/enterprises/{firm}/file", headers=own),
        "grade": client.get(f"/api/v1/enterprises/{firm}/grade", headers=regulator),
        "anonymous grade": client.get(f"/api/v1/enterprises/{firm}/grade"),
        "grades": client.get(f"/api/v1/enterprises/{firm}/grades", headers=regulator),
        "queries": client.get(f"/api/v1/enterprises/{firm}/queries", headers=own),
        "report": client.get(f"/api/v1/enterprises/{firm}/report", headers=own),
        "lending check": client.post(
            "/api/v1/checks/lending", headers=bank, json={"uscc": [firm], "purpose": "授信审批"}
        ),
        "plan": client.get("/api/v1/inspection-plan", headers=regulator, query_string=PLAN),
        "CSV plan": client.get(
            "/api/v1/inspection-plan",
            query_string=PLAN,
            headers={**regulator, "Accept": "text/csv"},
        ),
        "public profile with a token": client.get(f"/api/v1/enterprises/{firm}", headers=bank),
        "forbidden": client.get(f"/api/v1/enterprises/{firm}/queries", headers=bank),
    }
    assert {name: r.status_code for name, r in answers.items()} == {
        name: 403 if name == "forbidden" else 200 for name in answers
    }
    assert answers["CSV plan"].mimetype == "text/csv"
    for response in answers.values():
        assert_safe(response, private=True)


@pytest.mark.parametrize(
    "base_url, forwarded, sent",
    [
        ("https://registry.example", None, True),
        ("http://registry.example", None, False),
        # A forwarded scheme counts only when the server trusts the proxy (gunicorn does that for
        # the addresses in its forwarded_allow_ips); the application itself never reads the header.
        ("http://registry.example", "https", False),
    ],
)
def test_hsts_is_sent_on_https_when_configured(settings, base_url, forwarded, sent):
    app = create_app(dataclasses.replace(settings, hsts_seconds=31536000))
    try:
        headers = {"X-Forwarded-Proto": forwarded} if forwarded else {}
        response = app.test_client().get(
            "/.well-known/jwks.json", base_url=base_url, headers=headers
        )
        assert response.status_code == 200
        assert response.headers.get("Strict-Transport-Security") == (
            "max-age=31536000" if sent else None
        )
    finally:
        app.extensions["credit.database"].dispose()


def test_no_hsts_unless_configured(client):
    response = client.get("/.well-known/jwks.json", base_url="https://registry.example")
    assert "Strict-Transport-Security" not in response.headers
