"""Every status code of the contract's conventions, produced by the input that should produce it."""

from __future__ import annotations

import datetime
import io
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from credit import clock
from credit.config import MAX_HEADER_BYTES, MAX_URL_BYTES
from credit.models import Enterprise
from credit.uscc import with_check_character
from tests.api.problems import assert_problem
from tests.days import days_before

ENTERPRISES = "/api/v1/enterprises"
TOKEN = "/api/v1/auth/token"
NAME = "镇江市华东电气设备有限公司"
VECTORS = json.loads(
    (Path(__file__).parent.parent / "data" / "uscc_vectors.json").read_text(encoding="utf-8")
)


def enterprise_count(session) -> int:
    return session.scalar(select(func.count()).select_from(Enterprise))


# 400


@pytest.mark.parametrize("raw", ['{"uscc": ', "{bad}", "{'uscc': 'x'}", '{"a": 1,}', "\xff"])
def test_malformed_json_is_400(client, regulator, raw):
    response = client.post(
        ENTERPRISES, data=raw, content_type="application/json", headers=regulator
    )
    body = assert_problem(response, 400)
    assert "JSON" in body["detail"]


@pytest.mark.parametrize(
    "raw", ["[]", '[{"uscc": "91321100700004117A"}]', '"text"', "42", "null", "true"]
)
def test_a_body_that_is_not_an_object_is_400(client, regulator, raw):
    response = client.post(
        ENTERPRISES, data=raw, content_type="application/json", headers=regulator
    )
    body = assert_problem(response, 400)
    assert "object" in body["detail"]


def test_malformed_json_at_sign_in_is_400(client):
    assert_problem(client.post(TOKEN, data="{", content_type="application/json"), 400)


@pytest.mark.parametrize(
    "path, query, names",
    [
        (ENTERPRISES, "q=%FF%FE%FD", {"q"}),
        (ENTERPRISES, "q=%E5%8D%8E%E4%B8%9C&region=32%C3", {"region"}),
        (ENTERPRISES, "q=%C0%AF&grade=%ED%A0%80", {"q", "grade"}),  # overlong; an encoded surrogate
        (ENTERPRISES, "q=ab&%FF=1", {"\ufffd"}),
        ("/api/v1/blacklist", "page=%FF", {"page"}),
        ("/api/v1/catalog", "lang=%FE", {"lang"}),  # a parameter the endpoint does not even read
    ],
)
def test_a_query_parameter_that_is_not_utf8_is_400_naming_it(client, path, query, names):
    body = assert_problem(client.get(f"{path}?{query}"), 400)
    assert set(body["errors"]) == names
    assert "UTF-8" in body["detail"]


def test_a_query_in_utf8_is_read_as_before(client, make):
    firm = make.enterprise(name="镇江市华东电气设备有限公司")
    response = client.get(f"{ENTERPRISES}?q=%E5%8D%8E%E4%B8%9C")  # 华东
    assert response.status_code == 200
    assert [item["uscc"] for item in response.get_json()["items"]] == [firm]


# 401


def test_no_token_on_a_protected_endpoint_is_401(client, make, session):
    before = enterprise_count(session)
    response = client.post(ENTERPRISES, json={"uscc": make.uscc(), "name": NAME})
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert enterprise_count(session) == before


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-token",
        "Bearer a.b.c",
        "Bearer ",
        "Basic dXNlcjpwYXNzd29yZA==",
        "Token abc",
        "Bearer",
    ],
)
@pytest.mark.parametrize("path", [ENTERPRISES, ENTERPRISES + "/{uscc}", "/api/v1/openapi.json"])
def test_a_bad_token_is_401_even_on_a_public_endpoint(client, make, header, path):
    url = path.format(uscc=make.enterprise())
    assert client.get(url).status_code == 200
    response = client.get(url, headers={"Authorization": header})
    assert_problem(response, 401)
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_bad_token_is_401_at_sign_in_too(client, make):
    account = make.account("bank")
    response = client.post(
        TOKEN,
        headers={"Authorization": "Bearer nonsense"},
        json={"username": account.username, "password": "correct horse battery"},
    )
    assert_problem(response, 401)


# 403


@pytest.mark.parametrize("role", ["bank", "procurement", "admin", "enterprise"])
def test_a_role_that_may_not_register_firms_is_403(client, make, session, role):
    headers = make.headers(role)
    before = enterprise_count(session)
    response = client.post(
        ENTERPRISES, headers=headers, json={"uscc": make.uscc("321102"), "name": NAME}
    )
    body = assert_problem(response, 403)
    assert role in body["detail"]
    assert enterprise_count(session) == before


def test_a_regulator_of_another_region_is_403(client, make, session):
    before = enterprise_count(session)
    response = client.post(
        ENTERPRISES,
        headers=make.headers("regulator", region="3201"),
        json={"uscc": make.uscc("321102"), "name": NAME},
    )
    body = assert_problem(response, 403)
    assert "321102" in body["detail"]
    assert enterprise_count(session) == before


# 404


def test_an_unknown_enterprise_is_404(client, make):
    code = make.uscc()
    body = assert_problem(client.get(f"{ENTERPRISES}/{code}"), 404)
    assert code in body["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nothing-here",
        "/nothing",
        "/api/v2/enterprises",
        ENTERPRISES + "/91321100700004117A/nothing",
    ],
)
def test_an_unknown_route_is_404(client, path):
    # A program says it wants JSON; a browser asking for an unknown page gets the 404 page.
    assert_problem(client.get(path, headers={"Accept": "application/json"}), 404)


# 405


@pytest.mark.parametrize(
    "method, path, allowed",
    [
        ("delete", ENTERPRISES, {"GET", "POST"}),
        ("put", ENTERPRISES + "/91321100700004117A", {"GET"}),
        ("delete", ENTERPRISES + "/91321100700004117A", {"GET"}),
        ("get", TOKEN, {"POST"}),
    ],
)
def test_a_wrong_method_is_405_with_allow(client, method, path, allowed):
    response = getattr(client, method)(path)
    assert_problem(response, 405)
    assert allowed <= {m.strip() for m in response.headers["Allow"].split(",")}


# 409


@pytest.mark.parametrize("spelling", [str, str.lower, lambda c: f" {c[:8]}-{c[8:]} "])
def test_a_duplicate_uscc_is_409(client, make, regulator, session, spelling):
    code = make.enterprise("321102", name="镇江已登记有限公司")
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": spelling(code), "name": NAME}
    )
    body = assert_problem(response, 409)
    assert code in body["detail"]
    names = session.scalars(select(Enterprise.name).where(Enterprise.uscc == code)).all()
    assert names == ["镇江已登记有限公司"]


# 413


def test_a_body_over_the_limit_is_413(client, make, regulator, settings, session):
    assert settings.max_body_bytes == 1024 * 1024
    before = enterprise_count(session)
    body = json.dumps({"uscc": make.uscc(), "name": "x" * settings.max_body_bytes})
    assert_problem(
        client.post(ENTERPRISES, data=body, content_type="application/json", headers=regulator), 413
    )
    assert enterprise_count(session) == before


def test_a_body_just_under_the_limit_is_read(client, make, regulator, settings):
    # The same request, small enough: refused for its content (name too long), not for its size.
    padding = settings.max_body_bytes - 200
    body = json.dumps({"uscc": make.uscc(), "name": "x" * padding})
    assert len(body.encode()) < settings.max_body_bytes
    assert_problem(
        client.post(ENTERPRISES, data=body, content_type="application/json", headers=regulator),
        422,
        "name",
    )


PROCUREMENT = "/api/v1/checks/procurement"


def chunked(client, path, body: bytes, headers):
    """A POST whose body is sent in chunks, with no Content-Length, as gunicorn hands it on."""
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={**headers, "Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def json_then_garbage(make, settings) -> bytes:
    """A valid check request in the first MiB, padded to the limit, then more bytes past it."""
    head = json.dumps({"uscc": [make.enterprise()]}).encode()
    return head + b" " * (settings.max_body_bytes - len(head)) + b"garbage" * 100


def test_a_chunked_body_over_the_limit_is_413_not_cut_at_the_limit(client, make, settings):
    buyer = make.headers("procurement")
    body = json_then_garbage(make, settings)
    assert_problem(chunked(client, PROCUREMENT, body, buyer), 413)
    # The same body with its length given is refused the same way.
    assert_problem(
        client.post(PROCUREMENT, data=body, headers=buyer, content_type="application/json"), 413
    )


def test_a_chunked_body_up_to_the_limit_is_read_whole(client, make, settings):
    buyer = make.headers("procurement")
    firm = make.enterprise()
    head = json.dumps({"uscc": [firm]}).encode()
    exactly = head + b" " * (settings.max_body_bytes - len(head))
    for body in (head, exactly):
        response = chunked(client, PROCUREMENT, body, buyer)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert [r["uscc"] for r in response.get_json()["results"]] == [firm]


def test_a_chunked_body_just_over_the_limit_is_413(client, make, settings):
    buyer = make.headers("procurement")
    head = json.dumps({"uscc": [make.enterprise()]}).encode()
    body = head + b" " * (settings.max_body_bytes + 1 - len(head))
    assert_problem(chunked(client, PROCUREMENT, body, buyer), 413)


def test_sign_in_with_a_body_over_the_limit_is_413(client, settings):
    body = json.dumps({"username": "x", "password": "p" * (settings.max_body_bytes + 1)})
    assert_problem(client.post(TOKEN, data=body, content_type="application/json"), 413)


# 414, 431


def test_a_url_past_what_the_registry_reads_is_414(client):
    assert_problem(client.get(ENTERPRISES, query_string={"q": "x" * (MAX_URL_BYTES + 1)}), 414)
    assert_problem(client.get("/api/v1/" + "x" * MAX_URL_BYTES), 414)


def test_the_longest_documented_search_fits(client):
    # Every parameter of the search at its longest, the name in characters of 4 UTF-8 bytes.
    query = {
        "q": "\U00020000" * 100,
        "region": "321102",
        "grade": "AAA",
        "page": "1000000",
        "per_page": "200",
    }
    response = client.get(ENTERPRISES, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_header_past_what_the_registry_reads_is_431(client):
    body = assert_problem(
        client.get(ENTERPRISES, headers={"X-Note": "x" * (MAX_HEADER_BYTES + 1)}), 431
    )
    assert "X-Note" in body["detail"]


def test_a_header_up_to_the_limit_is_read(client):
    response = client.get(ENTERPRISES, headers={"X-Note": "x" * MAX_HEADER_BYTES})
    assert response.status_code == 200


# 422


def test_a_bad_uscc_is_422_naming_uscc(client, regulator):
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": "91321100700004117B", "name": NAME}
    )
    body = assert_problem(response, 422, "uscc")
    assert "'A'" in body["errors"]["uscc"][0]


@pytest.mark.parametrize("vector", VECTORS["invalid"], ids=lambda v: v["why"])
def test_every_invalid_vector_is_422_saying_what_is_wrong(client, regulator, vector):
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": vector["input"], "name": NAME}
    )
    message = assert_problem(response, 422, "uscc")["errors"]["uscc"][0]
    why = vector["why"]
    if why == "check character":
        assert f"expected '{vector['expected_check']}'" in message
    elif why.startswith("length"):
        assert f"has {why.split()[1]} characters" in message
    elif why.startswith("character"):
        assert f"'{why.split()[1]}'" in message
    else:
        assert "empty" in message


@pytest.mark.parametrize(
    "code", ["91321100700004117B", "913211007I0004117A", with_check_character("9132A100700004117")]
)
def test_the_uscc_message_reads_as_a_sentence(client, code):
    body = assert_problem(client.get(f"{ENTERPRISES}/{code}"), 422, "uscc")
    message = body["errors"]["uscc"][0]
    assert not re.search(r"\bit (check|character|positions)\b", message), message


def test_an_unknown_field_is_422_naming_it(client, make, regulator, session):
    before = enterprise_count(session)
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": make.uscc(), "name": NAME, "colour": "red"}
    )
    assert_problem(response, 422, "colour")
    assert enterprise_count(session) == before


def test_every_invalid_field_is_named_at_once(client, regulator):
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": "91321100700004117B", "colour": "red"}
    )
    assert_problem(response, 422, "uscc", "name", "colour")


@pytest.mark.parametrize("per_page", [201, 1000, 0, -1, "many"])
def test_a_bad_per_page_is_422(client, per_page):
    response = client.get(ENTERPRISES, query_string={"per_page": per_page})
    assert_problem(response, 422, "per_page")


def test_per_page_200_is_allowed(client):
    response = client.get(ENTERPRISES, query_string={"per_page": 200})
    assert response.status_code == 200
    assert response.get_json()["per_page"] == 200


@pytest.mark.parametrize("page", [0, -3, "first"])
def test_a_bad_page_is_422(client, page):
    assert_problem(client.get(ENTERPRISES, query_string={"page": page}), 422, "page")


def test_a_future_registration_date_is_422(client, make, regulator, today):
    tomorrow = days_before(today, -1)
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "registered_on": tomorrow.isoformat()},
    )
    body = assert_problem(response, 422, "registered_on")
    assert tomorrow.isoformat() in body["errors"]["registered_on"][0]


def test_todays_registration_date_is_allowed(client, make, regulator, today):
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "registered_on": today.isoformat()},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["registered_on"] == today.isoformat()


@pytest.mark.parametrize("registered_on, status", [("2026-03-02", 201), ("2026-03-03", 422)])
def test_today_is_reckoned_in_shanghai(client, make, regulator, monkeypatch, registered_on, status):
    # 17:30 UTC on 1 March is 01:30 on 2 March in Shanghai: the 2nd has begun, the 3rd has not.
    monkeypatch.setattr(
        clock, "utcnow", lambda: datetime.datetime(2026, 3, 1, 17, 30, tzinfo=datetime.UTC)
    )
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "registered_on": registered_on},
    )
    assert response.status_code == status, response.get_json()


@pytest.mark.parametrize("value", ["2024-02-30", "yesterday", "2024/01/01", 20240101])
def test_a_malformed_registration_date_is_422(client, make, regulator, value):
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "registered_on": value},
    )
    assert_problem(response, 422, "registered_on")


@pytest.mark.parametrize("value", ["3211", "32110", "3211020", "991102", "00A102", ""])
def test_a_bad_region_code_is_422(client, make, regulator, value):
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "region_code": value},
    )
    assert_problem(response, 422, "region_code")


@pytest.mark.parametrize(
    "value",
    [
        "U",
        "99",
        "00",
        "C1",
        "38311",
        "C38311",
        "制造业",
        "CC38",
        "38C",
        "C-38",
        "C 38",
        "",
        "Ｃ38",
        "U38",
        38,
        None,
    ],
)
def test_a_bad_industry_code_is_422(client, make, regulator, value):
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "industry_code": value},
    )
    assert_problem(response, 422, "industry_code")


@pytest.mark.parametrize(
    "value, division, section", [("D38", "38", "C"), ("A3811", "38", "C"), ("C01", "01", "A")]
)
def test_a_section_letter_that_does_not_match_the_division_is_422_naming_both(
    client, make, regulator, value, division, section
):
    response = client.post(
        ENTERPRISES,
        headers=regulator,
        json={"uscc": make.uscc(), "name": NAME, "industry_code": value},
    )
    body = assert_problem(response, 422, "industry_code")
    message = body["errors"]["industry_code"][0]
    assert f"division {division} belongs to section {section}" in message


@pytest.mark.parametrize(
    "value, stored",
    [
        ("C", "C"),
        ("c", "C"),
        ("38", "C38"),
        ("C38", "C38"),
        ("c38", "C38"),
        ("381", "C381"),
        ("C381", "C381"),
        ("3811", "C3811"),
        ("C3811", "C3811"),
        (" C3811 ", "C3811"),
        ("01", "A01"),
        ("A0111", "A0111"),
        ("97", "T97"),
        ("E48", "E48"),
        ("4811", "E4811"),
    ],
)
def test_an_industry_code_is_accepted_as_people_write_it_and_stored_in_one_form(
    client, make, regulator, session, value, stored
):
    code = make.uscc()
    response = client.post(
        ENTERPRISES, headers=regulator, json={"uscc": code, "name": NAME, "industry_code": value}
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["industry_code"] == stored
    assert client.get(f"{ENTERPRISES}/{code}").get_json()["industry_code"] == stored
    firm = session.scalar(select(Enterprise).where(Enterprise.uscc == code))
    assert firm.industry_code == stored


@pytest.mark.parametrize("code", ["91321100700004117B", "913211", "913211007I0004117A"])
def test_a_malformed_uscc_in_the_path_is_422(client, code):
    assert_problem(client.get(f"{ENTERPRISES}/{code}"), 422, "uscc")


def test_the_problem_carries_the_request_id(client):
    response = client.get("/api/v1/nothing", headers={"X-Request-ID": "trace-12345678"})
    assert response.get_json()["request_id"] == "trace-12345678"
    assert response.headers["X-Request-ID"] == "trace-12345678"


# No 500, however malformed the request


ODD_REQUESTS = [
    ("post", ENTERPRISES, {"json": {"uscc": 91321100700004117, "name": NAME}}),
    ("post", ENTERPRISES, {"json": {"uscc": None, "name": None}}),
    ("post", ENTERPRISES, {"json": {"uscc": ["91321100700004117A"], "name": {"zh": NAME}}}),
    ("post", ENTERPRISES, {"json": {"uscc": "91321100700004117A", "name": ""}}),
    ("post", ENTERPRISES, {"json": {"uscc": "91321100700004117A", "name": "   "}}),
    ("post", ENTERPRISES, {"json": {"uscc": "91321100700004117A", "name": "x" * 201}}),
    ("post", ENTERPRISES, {"json": {}}),
    ("post", ENTERPRISES, {"data": "", "content_type": "application/json"}),
    (
        "post",
        ENTERPRISES,
        {"data": "uscc=1&name=2", "content_type": "application/x-www-form-urlencoded"},
    ),
    ("post", ENTERPRISES, {"data": "hello", "content_type": "text/plain"}),
    ("post", ENTERPRISES, {"data": b"\x00\x01\x02", "content_type": "application/octet-stream"}),
    (
        "post",
        ENTERPRISES,
        {"data": '{"uscc": NaN, "name": Infinity}', "content_type": "application/json"},
    ),
    (
        "post",
        ENTERPRISES,
        {"data": '{"uscc": 1' + "0" * 5000 + "}", "content_type": "application/json"},
    ),
    ("get", ENTERPRISES, {"query_string": {"q": "%"}}),
    ("get", ENTERPRISES, {"query_string": {"q": "x" * 5000}}),
    ("get", ENTERPRISES, {"query_string": {"region": "'; drop table enterprise; --"}}),
    ("get", ENTERPRISES, {"query_string": {"page": "1e9", "per_page": "1.5"}}),
    ("get", ENTERPRISES, {"query_string": {"q": ["华东", "电气"]}}),
    ("get", ENTERPRISES + "/%00", {}),
    ("get", ENTERPRISES + "/" + "9" * 5000, {}),
    ("get", ENTERPRISES + "/华东电气设备有限公司", {}),
    ("post", TOKEN, {"json": {"username": "x" * 65, "password": "p"}}),
    ("post", TOKEN, {"json": {"username": 1, "password": 2}}),
    ("post", TOKEN, {"json": {"username": "a", "password": "b", "scope": "admin"}}),
    ("get", ENTERPRISES, {"headers": {"Authorization": "Bearer " + "a" * 100_000}}),
    ("get", ENTERPRISES, {"headers": {"Authorization": "Bearer e30.e30.e30"}}),
    ("get", ENTERPRISES, {"headers": {"Authorization": "Bearer W10.W10.W10"}}),
]


@pytest.mark.parametrize("method, path, kwargs", ODD_REQUESTS)
def test_no_request_gets_a_500(client, regulator, method, path, kwargs):
    kwargs = {"headers": regulator, **kwargs} if method == "post" else kwargs
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert_problem(response, response.status_code, *response.get_json().get("errors", {}))


@pytest.mark.parametrize(
    "raw", ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000]
)
def test_deeply_nested_json_is_400(client, regulator, raw):
    response = client.post(
        ENTERPRISES, data=raw, content_type="application/json", headers=regulator
    )
    assert_problem(response, 400)


@pytest.mark.parametrize("page", [2**62, 10**21])
def test_a_page_number_beyond_any_offset_is_not_a_500(client, page):
    response = client.get(ENTERPRISES, query_string={"page": page})
    assert response.status_code < 500


@pytest.mark.parametrize(
    "path, raw",
    [
        (ENTERPRISES, '{"uscc": "%s", "name": "华东\\ud800电气"}'),
        (TOKEN, '{"username": "bank\\udfff", "password": "correct horse battery"}'),
    ],
)
def test_a_lone_surrogate_in_a_string_is_not_a_500(client, make, regulator, path, raw):
    response = client.post(
        path,
        data=raw.replace("%s", make.uscc()),
        content_type="application/json",
        headers=regulator if path == ENTERPRISES else {},
    )
    assert 400 <= response.status_code < 500


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("get", ENTERPRISES, {"query_string": {"q": "华东\x00"}}),
        ("post", TOKEN, {"json": {"username": "bank\x00", "password": "correct horse battery"}}),
        ("post", ENTERPRISES, {"json": {"name": "华东\x00电气"}}),
    ],
)
def test_a_nul_character_is_not_a_500(client, make, regulator, method, path, kwargs):
    if path == ENTERPRISES and method == "post":
        kwargs = {"headers": regulator, "json": {**kwargs["json"], "uscc": make.uscc()}}
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 500


@pytest.mark.parametrize("field, value", [("valid_to", "9999-12-31"), ("valid_from", "0001-01-01")])
def test_dates_outside_the_calendar_the_registry_keeps_are_422(
    client, make, regulator, field, value
):
    firm = make.enterprise()
    body = {
        "scheme": "iso_9001",
        "certificate_no": "C1",
        "issuer": "CQC",
        "valid_from": "2024-01-01",
        "valid_to": "2027-01-01",
        field: value,
    }
    response = client.post(
        f"/api/v1/enterprises/{firm}/certifications", json=body, headers=regulator
    )
    assert response.status_code == 422 and field in response.get_json()["errors"]


def test_an_as_of_day_before_1900_is_422(client, make):
    response = client.post(
        "/api/v1/checks/procurement",
        headers=make.headers("procurement"),
        json={"uscc": [make.enterprise()], "as_of": "0001-01-01"},
    )
    assert response.status_code == 422 and "as_of" in response.get_json()["errors"]


@pytest.mark.parametrize("region", ["3211\n", "3211\u0663", "32\uff11"])
def test_region_prefixes_are_ascii_digits_only(client, make, region):
    headers = {**make.headers("regulator", region="32"), "Accept": "text/csv"}
    response = client.get(
        "/api/v1/inspection-plan",
        headers=headers,
        query_string={"region": region, "date": "2026-01-01", "seed": 1},
    )
    assert response.status_code == 422 and "region" in response.get_json()["errors"]
    search = client.get("/api/v1/enterprises", query_string={"region": region})
    assert search.status_code == 422
