"""Watchlists: an account's own lists of followed firms, and the change feed read through one."""

from __future__ import annotations

import pytest

from credit.policy import WATCHLIST_MAX_SIZE
from credit.uscc import with_check_character


def codes(count: int, start: int = 0) -> list[str]:
    """Valid codes of firms of 京口区, none of them registered."""
    return [with_check_character(f"91321102{n:09d}") for n in range(start, start + count)]


def create(client, headers, name="贷后监测", uscc=(), expect=201) -> dict:
    response = client.post(
        "/api/v1/watchlists",
        headers=headers,
        json={"name": name, "uscc": None if uscc is None else list(uscc)},
    )
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def poll(client, headers, expect=200, **query):
    response = client.get("/api/v1/changes", headers=headers, query_string=query)
    assert response.status_code == expect, response.get_json()
    return response.get_json()


def violation(client, regulator, uscc: str, number: str) -> dict:
    response = client.post(
        f"/api/v1/enterprises/{uscc}/violations",
        headers=regulator,
        json={
            "category": "recall",
            "severity": "general",
            "decided_on": "2026-06-01",
            "authority": "镇江市市场监督管理局",
            "decision_no": number,
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_bank_creates_replaces_and_lists_its_watchlists(client, bank):
    first, second, third = codes(3)
    made = create(client, bank, name=" 贷后  监测 ", uscc=[first, second, first, third.lower()])
    assert made == {"id": made["id"], "name": "贷后 监测", "size": 3}

    replaced = client.put(
        f"/api/v1/watchlists/{made['id']}",
        headers=bank,
        json={"name": "重点客户", "uscc": [third]},
    )
    assert replaced.status_code == 200, replaced.get_json()
    assert replaced.get_json() == {"id": made["id"], "name": "重点客户", "size": 1}

    other = create(client, bank, name="供应链", uscc=[])
    listed = client.get("/api/v1/watchlists", headers=bank).get_json()
    assert listed["total"] == 2 and listed["page"] == 1 and listed["per_page"] == 50
    assert [(w["id"], w["name"], w["size"]) for w in listed["items"]] == [
        (made["id"], "重点客户", 1),
        (other["id"], "供应链", 0),
    ]
    assert all(w["created_at"] for w in listed["items"])
    second_page = client.get("/api/v1/watchlists", headers=bank, query_string={"per_page": 1})
    assert [w["id"] for w in second_page.get_json()["items"]] == [made["id"]]


def test_ten_thousand_codes_are_accepted_and_one_more_is_refused(client, bank):
    made = create(client, bank, uscc=codes(WATCHLIST_MAX_SIZE))
    assert made["size"] == WATCHLIST_MAX_SIZE
    refused = create(client, bank, uscc=codes(WATCHLIST_MAX_SIZE + 1), expect=422)
    assert list(refused["errors"]) == ["uscc"]
    replaced = client.put(
        f"/api/v1/watchlists/{made['id']}",
        headers=bank,
        json={"name": "x", "uscc": codes(WATCHLIST_MAX_SIZE + 1)},
    )
    assert replaced.status_code == 422 and list(replaced.get_json()["errors"]) == ["uscc"]
    listed = client.get("/api/v1/watchlists", headers=bank).get_json()["items"]
    assert [w["size"] for w in listed] == [WATCHLIST_MAX_SIZE]


def test_a_malformed_code_is_named_by_its_index(client, bank):
    good = codes(2)
    refused = create(client, bank, uscc=[good[0], good[1], "91321102000000000X"], expect=422)
    assert list(refused["errors"]) == ["uscc.2"]
    assert refused["status"] == 422
    missing = create(client, bank, uscc=None, expect=422)
    assert "uscc" in missing["errors"]
    unnamed = client.post("/api/v1/watchlists", headers=bank, json={"uscc": good})
    assert unnamed.status_code == 422 and "name" in unnamed.get_json()["errors"]
    extra = client.post(
        "/api/v1/watchlists", headers=bank, json={"name": "a", "uscc": good, "colour": "red"}
    )
    assert extra.status_code == 422 and "colour" in extra.get_json()["errors"]


def test_a_watchlist_is_its_owners_alone(client, make, bank):
    firm = make.enterprise()
    made = create(client, bank, uscc=[firm])
    stranger = make.headers("bank")
    assert client.get("/api/v1/watchlists", headers=stranger).get_json()["total"] == 0
    taken = client.put(
        f"/api/v1/watchlists/{made['id']}", headers=stranger, json={"name": "x", "uscc": []}
    )
    assert taken.status_code == 404
    assert taken.headers["Content-Type"] == "application/problem+json"
    poll(client, stranger, expect=404, watchlist=made["id"])
    poll(client, bank, expect=404, watchlist=made["id"] + 1)
    poll(client, bank, expect=404, watchlist=2**40)
    # The list is unchanged by the stranger's attempt.
    assert client.get("/api/v1/watchlists", headers=bank).get_json()["items"][0]["size"] == 1


@pytest.mark.parametrize(("role", "status"), [("enterprise", 403), ("admin", 403)])
def test_roles_that_do_not_read_the_feed_keep_no_watchlists(client, make, role, status):
    headers = make.headers(role)
    create(client, headers, uscc=codes(1), expect=status)
    assert client.get("/api/v1/watchlists", headers=headers).status_code == status
    assert client.post("/api/v1/watchlists", json={"name": "a", "uscc": []}).status_code == 401


@pytest.mark.parametrize("role", ["bank", "procurement", "regulator"])
def test_lenders_purchasers_and_officers_keep_watchlists(client, make, role):
    headers = make.headers(role)
    made = create(client, headers, uscc=codes(2))
    assert client.get("/api/v1/watchlists", headers=headers).get_json()["total"] == 1
    assert poll(client, headers, watchlist=made["id"]) == {"items": [], "next": 0}


def test_the_feed_through_a_watchlist_is_the_feed_of_its_firms(client, make, bank, regulator):
    watched = [make.enterprise(), make.enterprise()]
    other = make.enterprise()
    for n, firm in enumerate([*watched, other]):
        violation(client, regulator, firm, f"召{n}")
    made = create(client, bank, uscc=[*watched, *codes(3)])

    listed = poll(client, bank, watchlist=made["id"])
    named = poll(client, bank, uscc=watched)
    assert listed == named
    assert {i["uscc"] for i in listed["items"]} == set(watched)
    assert [i["cursor"] for i in listed["items"]] == sorted(i["cursor"] for i in listed["items"])

    both = client.get(
        "/api/v1/changes",
        headers=bank,
        query_string={"watchlist": made["id"], "uscc": watched[0]},
    )
    assert both.status_code == 422 and "watchlist" in both.get_json()["errors"]


def test_the_since_cursor_reads_on_from_where_the_last_poll_ended(client, make, bank, regulator):
    firm = make.enterprise()
    made = create(client, bank, uscc=[firm])
    first = poll(client, bank, watchlist=made["id"])
    assert [i["kind"] for i in first["items"]] == ["enterprise_registered", "grade_changed"]
    assert poll(client, bank, watchlist=made["id"], since=first["next"]) == {
        "items": [],
        "next": first["next"],
    }
    record = violation(client, regulator, firm, "召新")
    news = poll(client, bank, watchlist=made["id"], since=first["next"])
    assert [(i["kind"], i.get("record_id")) for i in news["items"]] == [
        ("violation_recorded", record["id"]),
        ("grade_changed", None),
    ]
    one = poll(client, bank, watchlist=made["id"], since=first["next"], limit=1)
    assert [i["kind"] for i in one["items"]] == ["violation_recorded"]
    assert poll(client, bank, watchlist=made["id"], since=one["next"])["items"] == news["items"][1:]


def test_a_watched_firm_registered_after_the_list_was_made_appears(client, make, bank):
    future = codes(1, start=700_000)[0]
    made = create(client, bank, uscc=[future])
    assert poll(client, bank, watchlist=made["id"])["items"] == []
    make.enterprise(uscc=future)
    kinds = [(i["uscc"], i["kind"]) for i in poll(client, bank, watchlist=made["id"])["items"]]
    assert kinds[0] == (future, "enterprise_registered")


def test_replacing_the_members_changes_whose_changes_the_feed_gives(client, make, bank):
    first, second = make.enterprise(), make.enterprise()
    made = create(client, bank, uscc=[first])
    assert {i["uscc"] for i in poll(client, bank, watchlist=made["id"])["items"]} == {first}
    client.put(
        f"/api/v1/watchlists/{made['id']}", headers=bank, json={"name": "b", "uscc": [second]}
    )
    assert {i["uscc"] for i in poll(client, bank, watchlist=made["id"])["items"]} == {second}


def test_an_officers_feed_through_a_watchlist_stays_inside_its_region(client, make):
    zhenjiang, fuzhou = make.enterprise(region="321102"), make.enterprise(region="350102")
    officer = make.headers("regulator", region="3211")
    made = create(client, officer, uscc=[zhenjiang, fuzhou])
    assert {i["uscc"] for i in poll(client, officer, watchlist=made["id"])["items"]} == {zhenjiang}


def test_ten_thousand_codes_are_written_and_read_without_a_statement_per_code(
    client, make, bank, database, count_statements
):
    with count_statements(database) as writing:
        made = create(client, bank, uscc=codes(WATCHLIST_MAX_SIZE))
    with count_statements(database) as replacing:
        client.put(
            f"/api/v1/watchlists/{made['id']}",
            headers=bank,
            json={"name": "x", "uscc": codes(WATCHLIST_MAX_SIZE, start=1)},
        )
    with count_statements(database) as reading:
        poll(client, bank, watchlist=made["id"])
    # One executemany per write (SQLite's driver reports each of its rows; PostgreSQL's
    # batches them): nothing else is run per code, and the poll is three statements.
    for counted in (writing, replacing):
        others = [sql for sql in counted.statements if "INSERT INTO watchlist_member" not in sql]
        assert len(others) <= 6, others
        assert len(counted) <= WATCHLIST_MAX_SIZE + len(others)
    assert len(reading) == 3, reading.statements
