"""`credit users create --role agency` and `credit import`: any size, in chunks, and a run killed
half-way finished by the next without writing a row twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from credit.cli import main
from credit.models import ImportedRow, Inspection, User
from credit.services.enterprises import NewEnterprise, register_many
from credit.uscc import with_check_character

PASSWORD = "a long enough secret"
HEADER = "来源编号,统一社会信用代码,抽查级别,产品名称,抽样日期,检验结论,报告编号"


@pytest.fixture
def env(live):
    return {
        "CREDIT_DATABASE_URL": live.settings.database_url,
        "CREDIT_INSTANCE_DIR": str(live.settings.instance_dir),
        "CREDIT_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def credit(env):
    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(main, list(args), input=input, env=env)

    return run


@pytest.fixture
def officer(credit) -> str:
    """A regulator of Zhenjiang, created as an operator would: the account imports run as."""
    made = credit(
        "users",
        "create",
        "officer",
        "--role",
        "regulator",
        "--region",
        "3211",
        "--password-stdin",
        input=PASSWORD,
    )
    assert made.exit_code == 0, made.output
    return "officer"


def firms(live, count: int, start: int = 1) -> list[str]:
    codes = [with_check_character(f"91321102{start + n:08d}0") for n in range(count)]
    with live.writing() as session:
        register_many(
            session, [NewEnterprise(uscc=c, name=f"镇江导入{c[-8:]}有限公司") for c in codes]
        )
    return codes


def inspections(path, codes, per_firm: int) -> None:
    lines = [HEADER]
    for n, code in enumerate(codes):
        for k in range(per_firm):
            lines.append(
                f"S{n}-{k},{code},省级监督抽查,电线电缆,2024-0{1 + k % 9}-1{k % 9},合格,R{n}-{k}"
            )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_agency_account_is_created_with_its_agency_region_and_kinds(credit, live):
    made = credit(
        "users",
        "create",
        "jsqi",
        "--role",
        "agency",
        "--agency",
        "镇江市产品质量监督检验院",
        "--region",
        "3211",
        "--kinds",
        "inspection",
        "--password-stdin",
        input=PASSWORD,
    )
    assert made.exit_code == 0, made.output
    with live.reading() as session:
        user = session.scalar(select(User).where(User.username == "jsqi"))
    assert (user.role, user.agency, user.region, user.kinds) == (
        "agency",
        "镇江市产品质量监督检验院",
        "3211",
        "inspection",
    )
    # An agency needs its name and what it supplies; a regulator names no agency.
    refused = credit(
        "users",
        "create",
        "x-agency",
        "--role",
        "agency",
        "--region",
        "3211",
        "--password-stdin",
        input=PASSWORD,
    )
    assert refused.exit_code == 1
    assert "agency" in refused.output and "kinds" in refused.output
    refused = credit(
        "users",
        "create",
        "x-reg",
        "--role",
        "regulator",
        "--region",
        "3211",
        "--agency",
        "某院",
        "--password-stdin",
        input=PASSWORD,
    )
    assert refused.exit_code == 1


def test_credit_import_validates_everything_then_writes(credit, live, tmp_path, officer):
    codes = firms(live, 3)
    path = tmp_path / "抽查.csv"
    inspections(path, codes, 2)
    dry = credit(
        "import", str(path), "--kind", "inspections", "--as", "officer", "--dry-run", "--quiet"
    )
    assert dry.exit_code == 0, dry.output
    assert "validated: 6 rows, 6 to write, 0 unchanged" in dry.output
    done = credit(
        "import", str(path), "--kind", "inspections", "--as", "officer", "--quiet", "--chunk", "2"
    )
    assert done.exit_code == 0, done.output
    assert "applied: 6 rows, 6 written, 0 unchanged" in done.output
    again = credit("import", str(path), "--kind", "inspections", "--as", "officer", "--quiet")
    assert "applied: 6 rows, 0 written, 6 unchanged" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text(f"{HEADER}\nB1,{codes[0]},省里,电线,2024-01-01,合格,RB\n", encoding="utf-8")
    refused = credit("import", str(bad), "--kind", "inspections", "--as", "officer", "--quiet")
    assert refused.exit_code == 1
    assert "rejected" in refused.output
    assert "row 2 抽查级别: 应为以下之一" in refused.output
    with live.reading() as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == 6


def test_a_killed_import_run_again_writes_every_row_exactly_once(
    credit, live, env, tmp_path, officer
):
    codes = firms(live, 300)
    path = tmp_path / "抽查.csv"
    inspections(path, codes, 10)
    total = 3000

    # Every run is a process of its own, on the machine's clock, as an operator's would be.
    def command(*args: str) -> list[str]:
        return [sys.executable, "-c", "from credit.cli import main; main()", *args]

    importing = command(
        "import", str(path), "--kind", "inspections", "--as", "officer", "--quiet", "--chunk", "10"
    )
    # A killed run leaves its temporary rows behind: in the test's own folder.
    environment = {**os.environ, **env, "TMPDIR": str(tmp_path)}
    process = subprocess.Popen(
        importing, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    def written() -> int:
        with live.reading() as session:
            return session.scalar(select(func.count()).select_from(ImportedRow))

    deadline = time.monotonic() + 120
    while written() == 0 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = written()
    assert 0 < done_before < total, process.stderr.read().decode()
    finished = subprocess.run(importing, env=environment, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert f"{total - done_before} written, {done_before} unchanged" in finished.stdout
    with live.reading() as session:
        reports = session.scalars(select(Inspection.report_no)).all()
    assert len(reports) == len(set(reports)) == total
    assert written() == total
    verified = subprocess.run(
        command("audit", "verify"), env=environment, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr


def test_a_file_checked_part_by_part_finds_repeats_across_the_parts(
    credit, live, tmp_path, monkeypatch, officer
):
    """The valid rows wait on disk and the register is checked a few rows at a time: a report
    number or a firm repeated in a later part is still the same report or firm."""
    from credit.services.exchange import spill

    monkeypatch.setattr(spill, "CHECK_CHUNK", 2)
    codes = firms(live, 3)
    path = tmp_path / "抽查.csv"

    def write(fourth_report: str) -> None:
        reports = ["R-1", "R-2", "R-3", fourth_report, "R-5"]
        lines = [
            f"A{n + 1},{codes[n % 3]},省级监督抽查,电线电缆,2024-01-1{n},合格,{report}"
            for n, report in enumerate(reports)
        ]
        path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")

    write("R-1")  # row 5 repeats row 2's report, two parts later
    refused = credit("import", str(path), "--kind", "inspections", "--as", "officer", "--quiet")
    assert refused.exit_code == 1
    assert "row 5 报告编号" in refused.output and "与第 2 行重复" in refused.output
    with live.reading() as session:
        assert session.scalar(select(func.count()).select_from(Inspection)) == 0

    write("R-4")
    done = credit(
        "import", str(path), "--kind", "inspections", "--as", "officer", "--quiet", "--chunk", "1"
    )
    assert "applied: 5 rows, 5 written, 0 unchanged" in done.output, done.output
    again = credit("import", str(path), "--kind", "inspections", "--as", "officer", "--quiet")
    assert "applied: 5 rows, 0 written, 5 unchanged" in again.output
    with live.reading() as session:
        reports = sorted(session.scalars(select(Inspection.report_no)))
    assert reports == ["R-1", "R-2", "R-3", "R-4", "R-5"]


def test_firms_registered_from_a_file_checked_part_by_part(
    credit, live, tmp_path, monkeypatch, officer
):
    from credit.services.exchange import spill

    monkeypatch.setattr(spill, "CHECK_CHUNK", 1)
    one, two = (with_check_character(f"91321102{n:08d}0") for n in (71, 72))
    path = tmp_path / "企业.csv"
    path.write_text(
        "来源编号,统一社会信用代码,企业名称\n"
        f"E1,{one},镇江甲演示有限公司\nE2,{two},镇江乙演示有限公司\nE3,{one},镇江丙演示有限公司\n",
        encoding="utf-8",
    )
    refused = credit("import", str(path), "--kind", "enterprises", "--as", "officer", "--quiet")
    assert refused.exit_code == 1
    assert f"企业 {one} 与第 2 行重复" in refused.output
