"""The audit chain on a real, committed database: verification, tampering, concurrent writers."""

import threading

import pytest
from sqlalchemy import func, select, text, update

from credit import clock
from credit.errors import Conflict
from credit.models import AuditEvent, EnterpriseState
from credit.services import audit
from credit.services.blacklist import list_enterprise
from tests.days import DEFAULT_TODAY, days_before
from tests.factories import REGULATOR, cli_verify, code, fine, mismatches, register, tamper


def test_an_untouched_database_verifies(history):
    assert mismatches(history) == []
    result = cli_verify(history)
    assert result.exit_code == 0, result.output
    assert "verified" in result.output


def test_every_write_appends_one_event_in_order(history):
    with history.reading() as session:
        kinds = session.scalars(select(AuditEvent.kind).order_by(AuditEvent.seq)).all()
    assert kinds == [
        "enterprise_registered",
        "grade_changed",
        "enterprise_registered",
        "grade_changed",
        "record_added",
        "grade_changed",
        "record_rescinded",
        "grade_changed",
        "record_added",
        "grade_changed",
    ]


def test_an_edited_record_row_is_named(history):
    tamper(history, "UPDATE violation SET fine_fen = 100 WHERE decision_no = '罚2'")
    found = mismatches(history)
    assert found[0].startswith("record ") and "fine_fen" in found[0]
    # the public profile still shows the fine as recorded: the state row no longer matches it
    assert found[1:] == [
        f"the state row of enterprise {firm_id(history, 2)} ({code(2)}) "
        "differs from its records in: public_profile"
    ]
    result = cli_verify(history)
    assert result.exit_code == 1
    assert "fine_fen" in result.output


def test_an_edited_enterprise_row_is_named(history):
    tamper(history, "UPDATE enterprise SET name = '别的公司' WHERE uscc = :c", c=code(2))
    assert any(m.startswith("enterprise ") and "name" in m for m in mismatches(history))


def test_a_removed_correction_is_found(history):
    tamper(history, "DELETE FROM record_correction")
    assert any("correction" in m and "not in the database" in m for m in mismatches(history))


def test_an_edited_event_is_named(history):
    tamper(history, "UPDATE audit_event SET actor = 'someone else' WHERE seq = 5")
    assert mismatches(history) == ["event 5 (record_added) was altered: its hash does not match"]


def test_a_deleted_event_breaks_the_chain(history):
    tamper(history, "DELETE FROM audit_event WHERE seq = 2")
    found = mismatches(history)
    assert "event 2 is missing (next is event 3)" in found
    assert "event 3 does not link to the event before it" in found


def test_reordered_events_break_the_chain(history):
    tamper(history, "UPDATE audit_event SET seq = 100 WHERE seq = 2")
    tamper(history, "UPDATE audit_event SET seq = 2 WHERE seq = 3")
    tamper(history, "UPDATE audit_event SET seq = 3 WHERE seq = 100")
    assert mismatches(history)


def test_concurrent_writers_never_fork_the_chain(live):
    writers, each = 4, 6
    for n in range(writers):
        register(live, 100 + n)
    failures = []

    def write(n):
        try:
            for i in range(each):
                fine(live, 100 + n, f"并发{n}-{i}")
        except Exception as error:  # the test reports any failure below
            failures.append(repr(error))

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with live.reading() as session:
        seqs = session.scalars(select(AuditEvent.seq).order_by(AuditEvent.seq)).all()
        added = session.scalar(select(func.count()).where(AuditEvent.kind == "record_added"))
    # each registration and each fine: its own event and a grade_changed event
    assert seqs == list(range(1, 2 * (writers + writers * each) + 1))
    assert added == writers * each
    assert mismatches(live) == []


def test_two_registrations_of_one_code_at_once_admit_exactly_one(live):
    outcomes = []
    barrier = threading.Barrier(2)

    def attempt():
        barrier.wait()
        try:
            register(live, 7)
            outcomes.append("created")
        except Conflict:
            outcomes.append("conflict")

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "created"]
    assert mismatches(live) == []


def list_firm(database, n):
    with database.writing() as session:
        list_enterprise(
            session,
            REGULATOR,
            uscc=code(n),
            reason="严重违法",
            legal_basis="令第44号",
            decision_no=f"黑{n}",
            listed_on=clock.today(),
        )


def firm_id(database, n):
    with database.reading() as session:
        return session.scalar(text("SELECT id FROM enterprise WHERE uscc = :c"), {"c": code(n)})


def test_a_cleared_blacklist_flag_on_a_state_row_is_named(history):
    list_firm(history, 2)
    assert mismatches(history) == []
    tamper(
        history,
        "UPDATE enterprise_state SET blacklisted = :f WHERE enterprise_id = :e",
        f=False,
        e=firm_id(history, 2),
    )
    found = mismatches(history)
    assert len(found) == 1 and f"state row of enterprise {firm_id(history, 2)}" in found[0]
    assert "blacklisted" in found[0]
    result = cli_verify(history)
    assert result.exit_code == 1 and "blacklisted" in result.output


@pytest.mark.parametrize("profile", ["NULL", "'{}'"])
def test_an_emptied_public_profile_is_served_no_more_and_a_forged_one_is_named(history, profile):
    tamper(
        history,
        f"UPDATE enterprise_state SET public_profile = {profile} WHERE enterprise_id = :e",
        e=firm_id(history, 2),
    )
    found = mismatches(history)
    if profile == "NULL":
        assert found == []  # never served: the profile is projected afresh when read
    else:
        assert len(found) == 1 and "public_profile" in found[0]


def test_a_forged_fine_in_the_public_profile_is_named(history):
    firm = firm_id(history, 2)
    with history.reading() as session:
        profile = session.get(EnterpriseState, firm).public_profile
    profile["violations"][0]["fine_amount"] = "9999999.00"
    with history.engine.begin() as connection:
        connection.execute(
            update(EnterpriseState)
            .where(EnterpriseState.enterprise_id == firm)
            .values(public_profile=profile)
        )
    found = mismatches(history)
    assert len(found) == 1 and "public_profile" in found[0]


def test_an_edited_grade_is_found(history):
    tamper(
        history, "UPDATE assessment SET grade = 'AAA' WHERE id = (SELECT max(id) FROM assessment)"
    )
    assert any(m.startswith("assessment ") for m in mismatches(history))


def test_an_edited_current_grade_is_found(history):
    tamper(history, "UPDATE enterprise_state SET grade = 'AAA', risk_class = 'A'")
    assert any("current grade of enterprise" in m for m in mismatches(history))


def test_a_forged_listing_link_is_found(session, make):
    listing = make.listing(make.enterprise())
    other = make.enterprise()
    fine = make.record(
        other,
        "violation",
        category="recall",
        severity="general",
        decided_on=days_before(DEFAULT_TODAY, 30),
        authority="镇江市市场监督管理局",
        decision_no="召9",
    )
    assert list(audit.verify(session)) == []
    session.execute(
        text("INSERT INTO listing_violation (listing_id, record_id) VALUES (:l, :r)"),
        {"l": listing, "r": fine},
    )
    assert any(f"listing {listing}" in m for m in map(str, audit.verify(session)))


@pytest.mark.parametrize(
    "edit",
    [
        "valid_until = '2199-01-01'",
        "graded_on = '2000-01-01'",
        "next_change_on = '2199-01-01'",
        "open_disputes = 3",
        "active_records = 9",
        "last_major_violation_on = '2020-01-01'",
        "result_digest = 'x'",
    ],
)
def test_any_edit_to_a_served_state_row_is_named(history, edit):
    tamper(history, f"UPDATE enterprise_state SET {edit} WHERE enterprise_id = :e", e=1)
    found = mismatches(history)
    assert found and all("enterprise 1" in m for m in found), found
