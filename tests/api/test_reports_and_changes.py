"""Signed credit reports (verification, tampering, key rotation, the offline command) and the
change feed (cursors, filters, roles, concurrent writers)."""

import base64
import datetime
import json
import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from credit.auth.caller import Caller
from credit.cli import main
from credit.models import AuditEvent
from credit.services import changes, reports
from tests.api.problems import assert_problem
from tests.days import days_before
from tests.factories import code, fine, register


def download(client, firm, headers, **query):
    return client.get(f"/api/v1/enterprises/{firm}/report", headers=headers, query_string=query)


def tampered(token: str, **changes_to_make) -> str:
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body.update(changes_to_make)
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    return ".".join((header, forged, signature))


def test_a_report_is_a_jws_that_verifies_against_the_published_keys(client, make, regulator, today):
    firm = make.enterprise()
    client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "criminal_penalty",
            "severity": "serious",
            "decided_on": "2025-06-01",
            "authority": "镇江市市场监督管理局",
            "decision_no": "刑1",
        },
    )
    response = download(client, firm, make.headers("procurement"))
    assert response.status_code == 200
    assert response.mimetype == "application/jose"
    token = response.get_data(as_text=True)
    header = json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert header["alg"] == "EdDSA" and header["kid"]
    jwks = client.get("/.well-known/jwks.json").get_json()
    content = reports.verify(token, jwks)
    assert content["enterprise"]["uscc"] == firm
    assert content["as_of"] == today.isoformat()
    assert content["procurement"]["eligible"] is False
    assert content["procurement"]["reasons"][0]["code"] == "criminal_penalty"
    assert [v["decision_no"] for v in content["violations"]] == ["刑1"]


def test_a_tampered_report_fails(client, make):
    firm = make.enterprise()
    token = download(client, firm, make.headers("bank")).get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").get_json()
    with pytest.raises(reports.ReportInvalid, match="signature"):
        reports.verify(tampered(token, grade="AAA"), jwks)
    with pytest.raises(reports.ReportInvalid, match="not in the key set"):
        reports.verify(token, {"keys": []})
    with pytest.raises(reports.ReportInvalid):
        reports.verify("not a report", jwks)


def test_old_reports_still_verify_after_a_key_rotation(app, client, make):
    firm = make.enterprise()
    old = download(client, firm, make.headers("bank")).get_data(as_text=True)
    app.extensions["credit.report_keys"].rotate()
    new = download(client, firm, make.headers("bank")).get_data(as_text=True)
    jwks = client.get("/.well-known/jwks.json").get_json()
    assert len(jwks["keys"]) >= 2
    assert reports.verify(old, jwks)["enterprise"]["uscc"] == firm
    assert (
        json.loads(base64.urlsafe_b64decode(new.split(".")[0] + "=="))["kid"]
        == jwks["keys"][-1]["kid"]
    )


def test_the_report_command_verifies_offline(app, client, make, tmp_path, settings):
    firm = make.enterprise()
    token = download(client, firm, make.headers("bank")).get_data(as_text=True)
    good, bad, keys = tmp_path / "good.jws", tmp_path / "bad.jws", tmp_path / "jwks.json"
    good.write_text(token)
    bad.write_text(tampered(token, blacklisted=False, grade="AAA"))
    keys.write_text(json.dumps(client.get("/.well-known/jwks.json").get_json()))
    env = {
        "CREDIT_INSTANCE_DIR": str(settings.instance_dir),
        "CREDIT_DATABASE_URL": settings.database,
    }
    ok = CliRunner().invoke(main, ["report", "verify", str(good)], env=env)
    assert ok.exit_code == 0, ok.output
    assert "valid report" in ok.output and firm in ok.output
    with_file = CliRunner().invoke(
        main, ["report", "verify", str(good), "--jwks", str(keys)], env=env
    )
    assert with_file.exit_code == 0
    refused = CliRunner().invoke(main, ["report", "verify", str(bad)], env=env)
    assert refused.exit_code == 1 and "INVALID" in refused.output


def test_reports_need_a_signed_in_caller_and_as_of_works(client, make, today):
    firm = make.enterprise(registered_on=datetime.date(2000, 1, 1))
    assert download(client, firm, {}).status_code == 401
    assert download(client, make.uscc(), make.headers("bank")).status_code == 404
    future = days_before(today, -1).isoformat()
    assert download(client, firm, make.headers("bank"), as_of=future).status_code == 422
    yesterday = days_before(today, 1).isoformat()
    # the registry did not hold this firm yesterday
    assert download(client, firm, make.headers("bank"), as_of=yesterday).status_code == 404


@pytest.mark.parametrize(
    "role, status",
    [
        ("procurement", 200),
        ("bank", 200),
        ("regulator", 200),
        ("the firm itself", 200),
        ("another firm", 403),
        ("admin", 403),
    ],
)
def test_who_may_fetch_a_firms_report(client, make, role, status):
    firm = make.enterprise()
    if role == "the firm itself":
        headers = make.headers("enterprise", uscc=firm)
    elif role == "another firm":
        headers = make.headers("enterprise", uscc=make.enterprise())
    else:
        headers = make.headers(role)
    response = download(client, firm, headers)
    if status == 200:
        assert response.status_code == 200 and response.mimetype == "application/jose"
    else:
        assert_problem(response, status)
        assert "eyJ" not in response.get_data(as_text=True)


def test_another_firm_is_refused_before_anything_is_logged_or_said_of_the_firm(client, make):
    firm = make.enterprise()
    other = make.headers("enterprise", uscc=make.enterprise())
    assert_problem(download(client, firm, other), 403)
    assert_problem(download(client, make.uscc(), other), 403)
    log = client.get(
        f"/api/v1/enterprises/{firm}/queries", headers=make.headers("enterprise", uscc=firm)
    ).get_json()["items"]
    assert log == []


def test_downloads_are_logged(client, make):
    firm = make.enterprise()
    download(client, firm, make.headers("procurement"))
    log = client.get(
        f"/api/v1/enterprises/{firm}/queries", headers=make.headers("enterprise", uscc=firm)
    ).get_json()["items"]
    assert [e["kind"] for e in log] == ["report_download"]


def poll(client, headers, **query):
    response = client.get("/api/v1/changes", headers=headers, query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("since", [2**31 - 1, 2**31, 2**62])
def test_a_cursor_past_every_change_gives_nothing_new(client, make, since):
    firm = make.enterprise()
    assert poll(client, make.headers("bank"), uscc=firm, since=since) == {
        "items": [],
        "next": since,
    }


def test_the_feed_gives_changes_after_a_cursor_oldest_first(client, make, regulator):
    watched, other = make.enterprise(), make.enterprise()
    bank = make.headers("bank")
    first = poll(client, bank, uscc=watched)
    assert [i["kind"] for i in first["items"]] == ["enterprise_registered", "grade_changed"]
    assert first["items"][1]["grade"] is None  # no record yet: not graded
    again = poll(client, bank, uscc=watched, since=first["next"])
    assert again == {"items": [], "next": first["next"]}
    record = client.post(
        f"/api/v1/enterprises/{watched}/violations",
        headers=regulator,
        json={
            "category": "recall",
            "severity": "general",
            "decided_on": "2026-06-01",
            "authority": "镇江市市场监督管理局",
            "decision_no": "召1",
        },
    ).get_json()
    client.post(
        f"/api/v1/enterprises/{other}/violations",
        headers=regulator,
        json={
            "category": "recall",
            "severity": "general",
            "decided_on": "2026-06-01",
            "authority": "镇江市市场监督管理局",
            "decision_no": "召2",
        },
    )
    news = poll(client, bank, uscc=watched, since=first["next"])
    assert [(i["kind"], i.get("record_id")) for i in news["items"]] == [
        ("violation_recorded", record["id"]),
        ("grade_changed", None),
    ]
    assert news["items"][1]["previous_grade"] is None and news["items"][1]["grade"] == "C"
    assert news["next"] == news["items"][-1]["cursor"] > first["next"]
    both = poll(client, bank, uscc=[watched, other], since=first["next"])
    assert {i["uscc"] for i in both["items"]} == {watched, other}
    limited = poll(client, bank, uscc=[watched, other], since=first["next"], limit=1)
    assert len(limited["items"]) == 1


def test_feed_roles_and_filters(client, make):
    zhenjiang, fuzhou = make.enterprise(region="321102"), make.enterprise(region="350102")
    assert client.get("/api/v1/changes", query_string={"uscc": zhenjiang}).status_code == 401
    bank_without = client.get("/api/v1/changes", headers=make.headers("bank"))
    assert bank_without.status_code == 422 and "uscc" in bank_without.get_json()["errors"]
    assert (
        client.get(
            "/api/v1/changes",
            headers=make.headers("enterprise", uscc=fuzhou),
            query_string={"uscc": zhenjiang},
        ).status_code
        == 403
    )
    bad = client.get(
        "/api/v1/changes",
        headers=make.headers("bank"),
        query_string={"uscc": ["91321100700004117A", "x"]},
    )
    assert bad.status_code == 422 and "uscc.1" in bad.get_json()["errors"]
    region = poll(client, make.headers("regulator", region="3211"))
    assert {i["uscc"] for i in region["items"]} == {zhenjiang}
    assert poll(client, make.headers("procurement"), uscc=fuzhou)["items"]


def test_a_poller_never_skips_an_event_committed_concurrently(live):  # noqa: F811
    writers, each = 3, 5
    for n in range(writers):
        register(live, 200 + n)
    watcher = Caller(username="bank", role="bank")
    watched = [code(200 + n) for n in range(writers)]
    done = threading.Event()
    failures, seen = [], []

    def write(n):
        try:
            for i in range(each):
                fine(live, 200 + n, f"轮询{n}-{i}")
        except Exception as error:  # reported by the assertion below
            failures.append(repr(error))

    def watch():
        cursor = 0
        while True:
            finished = done.is_set()
            with live.reading() as session:
                page = changes.changes(session, watcher, since=cursor, usccs=watched, limit=7)
            seen.extend(item["cursor"] for item in page["items"])
            cursor = page["next"]
            if finished and not page["items"]:
                return

    poller = threading.Thread(target=watch)
    poller.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    poller.join(timeout=120)
    assert failures == []
    with live.reading() as session:
        expected = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
    assert seen == expected
    assert len(seen) == len(set(seen))


def test_a_purchasers_feed_carries_no_scores(client, make):
    firm = make.graded_enterprise()
    procurement = client.get(
        "/api/v1/changes", headers=make.headers("procurement"), query_string={"uscc": firm}
    ).get_json()["items"]
    bank = client.get(
        "/api/v1/changes", headers=make.headers("bank"), query_string={"uscc": firm}
    ).get_json()["items"]
    graded = [i for i in procurement if i["kind"] == "grade_changed"]
    assert graded and all("score" not in i for i in graded)
    assert [i["score"] for i in bank if i["kind"] == "grade_changed"] == [None, "66.00"]


def test_a_firm_follows_its_own_file_and_no_other(client, make, regulator):
    own, other = make.enterprise(), make.enterprise()
    headers = make.headers("enterprise", uscc=own)
    first = poll(client, headers)
    assert [(i["uscc"], i["kind"]) for i in first["items"]] == [
        (own, "enterprise_registered"),
        (own, "grade_changed"),
    ]
    assert poll(client, headers, uscc=own) == first
    for firm in (own, other):
        client.post(
            f"/api/v1/enterprises/{firm}/certifications",
            headers=regulator,
            json={
                "scheme": "iso_9001",
                "certificate_no": f"Q-{firm}",
                "issuer": "中国质量认证中心",
                "valid_from": "2025-01-01",
                "valid_to": "2028-12-31",
            },
        )
    news = poll(client, headers, since=first["next"])
    assert [i["kind"] for i in news["items"]] == ["certification_recorded", "grade_changed"]
    assert news["items"][1]["grade"] == "B" and news["items"][1]["score"] == "66.00"
    for refused in ({"uscc": other}, {"uscc": [own, other]}, {"watchlist": 1}):
        response = client.get("/api/v1/changes", headers=headers, query_string=refused)
        assert response.status_code == 403, response.get_json()
