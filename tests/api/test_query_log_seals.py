"""Query-log seals on a committed database: the normal flow verifies, and a deleted or edited entry,
or a removed or edited seal, is named with the entries it covers."""

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from credit.auth.caller import Caller
from credit.chain import lock_chain
from credit.cli import main
from credit.models import QueryLogEntry, QueryLogSeal
from credit.services import lookup, seals
from credit.services.query_log import log_queries
from tests.conftest import Builder
from tests.factories import code, mismatches, register, tamper

BANK = Caller(username="bank-9", role="bank")
LENDING = "/api/v1/checks/lending"
PROCUREMENT = "/api/v1/checks/procurement"


def run(database, *args):
    env = {
        "CREDIT_DATABASE_URL": database.engine.url.render_as_string(hide_password=False),
        "CREDIT_INSTANCE_DIR": str(database.settings.instance_dir),
    }
    return CliRunner().invoke(main, ["audit", *args], env=env)


def seal_all(database, size=seals.SEAL_SIZE) -> list[int]:
    made = []
    while True:
        with database.writing() as session:
            found = seals.seal(session, size)
            if found is None:
                return made
            made.append(found.id)


@pytest.fixture
def logged(live, live_app, password_hash):
    """Two firms, a bank's lending check of both, a procurement check and a bank's file read:
    four entries in the query log, sealed two by two."""
    make = Builder(live, live_app, password_hash)
    register(live, 1)
    register(live, 2)
    bank = make.headers("bank")
    client = live_app.test_client()
    answer = client.post(
        LENDING, headers=bank, json={"uscc": [code(1), code(2)], "purpose": "授信审批"}
    )
    assert answer.status_code == 200
    answer = client.post(PROCUREMENT, headers=make.headers("procurement"), json={"uscc": [code(1)]})
    assert answer.status_code == 200
    answer = client.get(
        f"/api/v1/enterprises/{code(2)}/file", headers=bank, query_string={"purpose": "贷后检查"}
    )
    assert answer.status_code == 200
    assert seal_all(live, size=2) == [1, 2]
    return live


def entry_ids(database) -> list[int]:
    with database.reading() as session:
        return session.scalars(select(QueryLogEntry.id).order_by(QueryLogEntry.id)).all()


def test_checks_and_reads_sealed_through_the_command_verify_clean(logged):
    result = run(logged, "verify")
    assert result.exit_code == 0, result.output
    ids = entry_ids(logged)
    assert f"query log sealed up to entry {ids[-1]}" in result.output
    assert "every query-log entry is sealed" in result.output


def test_sealing_again_changes_nothing(logged):
    with logged.reading() as session:
        before = session.execute(select(QueryLogSeal.id, QueryLogSeal.hash)).all()
    assert seal_all(logged) == []
    result = run(logged, "seal")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("0 new seals; newest seal 2")
    with logged.reading() as session:
        assert session.execute(select(QueryLogSeal.id, QueryLogSeal.hash)).all() == before


def test_entries_written_after_the_last_seal_are_reported_as_not_sealed_yet(logged):
    with logged.writing() as session:
        firm = lookup.get_enterprise(session, code(1))
        log_queries(session, BANK, "lending_check", [firm], purpose="复查")
    newest = entry_ids(logged)[-1]
    assert mismatches(logged) == []
    result = run(logged, "verify")
    assert result.exit_code == 0, result.output
    assert f"1 query-log entries (ids {newest}–{newest}) are not sealed yet" in result.output
    result = run(logged, "seal")
    assert result.exit_code == 0 and result.output.startswith("1 new seals; newest seal 3")
    assert mismatches(logged) == []


def test_a_deleted_bank_read_is_named_by_its_seal(logged):
    ids = entry_ids(logged)
    tamper(logged, "DELETE FROM query_log WHERE kind = 'file_read'")
    assert mismatches(logged) == [
        f"query-log seal 2 (entries {ids[2]}–{ids[3]}) does not match its entries: "
        "it sealed 2, 1 are there (an entry was deleted or added)"
    ]
    result = run(logged, "verify")
    assert result.exit_code == 1
    assert "query-log seal 2" in result.output


def test_an_edited_purpose_is_named_by_its_seal(logged):
    ids = entry_ids(logged)
    tamper(logged, "UPDATE query_log SET purpose = '贷后监控' WHERE id = :id", id=ids[0])
    assert mismatches(logged) == [
        f"query-log seal 1 (entries {ids[0]}–{ids[1]}) does not match its entries: "
        "an entry was edited"
    ]


def test_a_deleted_seal_is_named(logged):
    ids = entry_ids(logged)
    tamper(logged, "DELETE FROM query_log_seal WHERE id = 1")
    assert mismatches(logged) == [
        "query-log seal 1 is missing (next is seal 2)",
        "query-log seal 2 does not link to the seal before it",
        f"2 query-log entries between ids 1 and {ids[2] - 1} are in no seal "
        "(a seal was removed, or entries added)",
    ]


def test_an_edited_seal_hash_is_named(logged):
    ids = entry_ids(logged)
    tamper(logged, "UPDATE query_log_seal SET hash = :h WHERE id = 1", h="0" * 64)
    assert mismatches(logged) == [
        f"query-log seal 1 (entries {ids[0]}–{ids[1]}) was altered: its hash does not match",
        "query-log seal 2 does not link to the seal before it",
    ]


def test_a_seal_moved_to_cover_fewer_entries_is_named(logged):
    ids = entry_ids(logged)
    tamper(logged, "UPDATE query_log_seal SET last_entry_id = :id WHERE id = 2", id=ids[2])
    found = mismatches(logged)
    assert found[0] == (
        f"query-log seal 2 (entries {ids[2]}–{ids[2]}) was altered: its hash does not match"
    )


def test_two_sealers_at_once_never_overlap_and_seal_every_entry_once(live):
    register(live, 1)
    writers, each = 3, 8
    failures = []

    def write(n):
        try:
            for i in range(each):
                with live.writing() as session:
                    firm = lookup.get_enterprise(session, code(1))
                    log_queries(session, BANK, "lending_check", [firm], purpose=f"{n}-{i}")
        except Exception as error:  # the test reports any failure below
            failures.append(repr(error))

    def sealer():
        try:
            for _ in range(each):
                seal_all(live, size=3)
        except Exception as error:  # the test reports any failure below
            failures.append(repr(error))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    threads += [threading.Thread(target=sealer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    seal_all(live, size=3)
    with live.reading() as session:
        found = session.execute(
            select(
                QueryLogSeal.id, QueryLogSeal.first_entry_id, QueryLogSeal.last_entry_id
            ).order_by(QueryLogSeal.id)
        ).all()
        counted = session.scalar(select(func.sum(QueryLogSeal.entry_count)))
    assert [seal.id for seal in found] == list(range(1, len(found) + 1))
    for before, after in zip(found, found[1:], strict=False):
        assert after.first_entry_id > before.last_entry_id
    assert counted == writers * each == len(entry_ids(live))
    assert mismatches(live) == []


def test_a_check_does_not_wait_for_the_records_chain_lock(live, live_app, password_hash):
    if live.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one write lock for the whole database, the chain's among it")
    make = Builder(live, live_app, password_hash)
    register(live, 1)
    bank = make.headers("bank")
    answers = []

    def lending_check():
        client = live_app.test_client()
        answer = client.post(LENDING, headers=bank, json={"uscc": [code(1)], "purpose": "授信"})
        answers.append(answer.status_code)

    with live.writing() as session:
        lock_chain(session)
        checking = threading.Thread(target=lending_check)
        checking.start()
        checking.join(timeout=20)
        answered_while_locked = list(answers)
    checking.join(timeout=20)
    assert answered_while_locked == [200]


@pytest.fixture
def firm_log(logged, live_app, password_hash):
    """A firm's query log as its regulator reads it."""
    regulator = Builder(logged, live_app, password_hash).headers("regulator")

    def read(n: int, **query) -> dict:
        answer = live_app.test_client().get(
            f"/api/v1/enterprises/{code(n)}/queries", headers=regulator, query_string=query
        )
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    return read


def read_by_bank(database, n: int, purpose: str) -> None:
    with database.writing() as session:
        firm = lookup.get_enterprise(session, code(n))
        log_queries(session, BANK, "lending_check", [firm], purpose=purpose)


def test_a_firm_reads_its_entries_sealed_and_not_yet_sealed_newest_first(logged, firm_log):
    # Firm 2 has two sealed entries (the lending check of both firms, the file read).
    read_by_bank(logged, 2, "复查一")
    read_by_bank(logged, 1, "复查二")
    read_by_bank(logged, 2, "复查三")
    log = firm_log(2)
    assert log["total"] == 4
    assert [i["purpose"] for i in log["items"]] == ["复查三", "复查一", "贷后检查", "授信审批"]
    ids = [i["id"] for i in log["items"]]
    # Pages cross from the entries not sealed yet to the sealed ones.
    pages = [firm_log(2, per_page=3, page=p) for p in (1, 2)]
    assert [i["id"] for page in pages for i in page["items"]] == ids
    seal_all(logged)
    assert firm_log(2)["items"] == log["items"]
    assert mismatches(logged) == []


def test_an_entry_taken_out_of_its_firms_log_is_named_by_its_seal(logged):
    ids = entry_ids(logged)
    tamper(logged, "DELETE FROM query_log_firm WHERE entry_id = :id", id=ids[3])
    assert mismatches(logged) == [
        f"query-log seal 2 (entries {ids[2]}–{ids[3]}): 1 of its entries are not filed under "
        "their firm (the firm's query log would not show them)"
    ]


def test_another_firms_entry_filed_under_a_firm_does_not_show_in_its_log(logged, firm_log):
    before = firm_log(1)
    with logged.reading() as session:
        theirs = session.scalar(
            select(QueryLogEntry.id).where(QueryLogEntry.kind == "file_read")  # firm 2's
        )
        firm_1 = lookup.get_enterprise(session, code(1)).id
    tamper(logged, "INSERT INTO query_log_firm VALUES (:firm, :entry)", firm=firm_1, entry=theirs)
    assert firm_log(1) == before
