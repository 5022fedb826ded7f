"""Bulk regrading on a committed database: counts, no-op runs, interruption and resumption."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select, update

from credit.cli import main
from credit.models import Assessment, Enterprise, EnterpriseState, RegradeRun
from credit.services import regrading, state
from credit.services.enterprises import NewEnterprise, register_many
from credit.services.regrading import regrade
from credit.uscc import with_check_character
from tests.factories import code, fine


@pytest.fixture
def firms(live):  # noqa: F811
    with live.writing() as session:
        register_many(
            session,
            [
                NewEnterprise(
                    uscc=with_check_character(f"91321102{n:09d}"), name=f"镇江批量{n}有限公司"
                )
                for n in range(30)
            ],
            actor="import",
        )
    return live


def assessments(database):
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(Assessment))


def forget_grades(database, count):
    """Makes the stored result of the first `count` firms differ from what the engine gives."""
    with database.writing() as session:
        ids = session.scalars(
            select(EnterpriseState.enterprise_id)
            .order_by(EnterpriseState.enterprise_id)
            .limit(count)
        ).all()
        session.execute(
            update(EnterpriseState)
            .where(EnterpriseState.enterprise_id.in_(ids))
            .values(result_digest="stale")
        )


def test_a_regrade_that_changes_nothing_writes_nothing(firms):
    before = assessments(firms)
    report = regrade(firms, scope="all", batch=7)
    assert (report.examined, report.changed) == (30, 0)
    assert assessments(firms) == before == 30


def test_changed_grades_are_counted_and_stored(firms):
    forget_grades(firms, 4)
    report = regrade(firms, scope="all", batch=7)
    assert (report.examined, report.changed) == (30, 4)
    assert assessments(firms) == 34


def test_an_interrupted_regrade_resumes_without_losing_or_doubling_work(firms):
    forget_grades(firms, 30)
    seen = []

    def stop_after_two_batches(done, changed):
        seen.append(done)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        regrade(firms, scope="all", batch=7, on_progress=stop_after_two_batches)
    assert assessments(firms) == 30 + 14
    report = regrade(firms, scope="all", batch=7)
    assert report.resumed_from > 0
    assert (report.examined, report.changed) == (30, 30)
    assert assessments(firms) == 60
    with firms.reading() as session:
        runs = session.scalars(select(RegradeRun)).all()
    assert len(runs) == 1 and runs[0].finished_at is not None


def test_due_regrades_only_firms_whose_grade_may_have_changed(firms):
    with firms.writing() as session:
        first = session.scalar(select(func.min(EnterpriseState.enterprise_id)))
        session.execute(
            update(EnterpriseState)
            .where(EnterpriseState.enterprise_id == first)
            .values(next_change_on=EnterpriseState.graded_on)
        )
    report = regrade(firms, scope="due")
    assert report.examined == 1


def test_the_command_reports_counts(firms):
    env = {
        "CREDIT_DATABASE_URL": firms.engine.url.render_as_string(hide_password=False),
        "CREDIT_INSTANCE_DIR": str(firms.settings.instance_dir),
    }
    result = CliRunner().invoke(main, ["regrade", "--all", "--quiet"], env=env)
    assert result.exit_code == 0, result.output
    assert "30 firms regraded, 0 grades changed" in result.output
    bad = CliRunner().invoke(main, ["regrade", "--ruleset", "qc-1999.9", "--quiet"], env=env)
    assert bad.exit_code == 1 and "no ruleset 'qc-1999.9'" in bad.output


@pytest.fixture
def in_two_processes(monkeypatch):
    """Thirty firms are enough to split a regrade over two processes."""
    monkeypatch.setattr(regrading, "MIN_FIRMS_PER_PROCESS", 10)
    return 2


def state_of(database, uscc):
    with database.reading() as session:
        return session.execute(
            select(EnterpriseState)
            .join(Enterprise, Enterprise.id == EnterpriseState.enterprise_id)
            .where(Enterprise.uscc == uscc)
        ).scalar_one()


def test_two_processes_share_a_regrade_and_store_what_one_would(firms, in_two_processes):
    forget_grades(firms, 30)
    report = regrade(firms, scope="all", batch=4, processes=in_two_processes)
    assert (report.examined, report.changed) == (30, 30)
    assert assessments(firms) == 60
    with firms.reading() as session:
        runs = session.scalars(select(RegradeRun).order_by(RegradeRun.id)).all()
        ids = session.scalars(
            select(EnterpriseState.enterprise_id).order_by(EnterpriseState.enterprise_id)
        ).all()
    assert [(r.last_enterprise_id, r.until_enterprise_id, r.examined) for r in runs] == [
        (ids[14], ids[14], 15),
        (ids[-1], None, 15),
    ]
    assert all(run.finished_at is not None for run in runs)
    assert regrade(firms, scope="all").changed == 0  # one process finds nothing to correct


def test_an_interrupted_regrade_in_processes_resumes_without_losing_or_doubling_work(
    firms, in_two_processes
):
    forget_grades(firms, 30)

    def interrupt(done, changed):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        regrade(firms, scope="all", batch=2, processes=in_two_processes, on_progress=interrupt)
    report = regrade(firms, scope="all", batch=2, processes=in_two_processes)
    assert report.examined == 30
    assert assessments(firms) == 60  # each firm graded anew exactly once
    with firms.reading() as session:
        assert (
            session.scalar(
                select(func.count()).select_from(RegradeRun).where(RegradeRun.finished_at.is_(None))
            )
            == 0
        )


def test_a_firm_written_while_its_batch_was_graded_is_graded_again_before_writing(
    firms, monkeypatch
):
    forget_grades(firms, 30)  # every firm of the batch has something to write
    planned = state.plan_states
    calls = []

    def plan_then_a_record_arrives(session, ids, **kw):
        plan = planned(session, ids, **kw)
        if kw["trigger"] == "regrade":
            calls.append(list(ids))
            if len(calls) == 1:
                fine(firms, 0, "镇市监罚〔2026〕77号")  # committed by another writer meanwhile
        return plan

    monkeypatch.setattr(regrading.state, "plan_states", plan_then_a_record_arrives)
    regrade(firms, scope="all", batch=10)
    assert calls[1] == [state_of(firms, code(0)).enterprise_id]  # planned again, in the lock
    assert state_of(firms, code(0)).active_records == 1
    monkeypatch.setattr(regrading.state, "plan_states", planned)
    assert regrade(firms, scope="all").changed == 0
