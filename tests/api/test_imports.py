"""Bulk imports over HTTP: agency accounts and their rights, uploads in every format, the error
report (row and column as the spreadsheet shows them, in Chinese), all or nothing, and rows sent
again."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json

import openpyxl
import pytest
from sqlalchemy import func, select

from credit import create_app
from credit.auth.caller import Caller
from credit.models import AuditEvent, Record, User
from tests.api.problems import assert_problem

IMPORTS = "/api/v1/imports"
AGENCY = "镇江市产品质量监督检验院"
HEADER_ZH = "来源编号,统一社会信用代码,抽查级别,产品名称,抽样日期,检验结论,报告编号,不合格项目"
HEADER_EN = "source_id,uscc,level,product,sampled_on,result,report_no,failed_items"


def agency_headers(make, *, kinds=("inspection",), region="3211", agency=AGENCY) -> dict:
    make._serial += 1
    username = f"agency-{make._serial}"
    with make.database.writing() as session:
        session.add(
            User(
                username=username,
                role="agency",
                region=region,
                agency=agency,
                kinds=",".join(kinds),
                password_hash=make.password_hash,
            )
        )
    caller = Caller(username, "agency", region=region, agency=agency, kinds=tuple(kinds))
    return {"Authorization": f"Bearer {make.token(caller)}"}


def upload(client, headers, content, filename="抽查结果.csv", kind="inspections", **query):
    if isinstance(content, str):
        content = content.encode("utf-8")
    params = "&".join(f"{k}={v}" for k, v in {"kind": kind, **query}.items())
    return client.post(
        f"{IMPORTS}?{params}",
        data={"file": (io.BytesIO(content), filename)},
        headers=headers,
        content_type="multipart/form-data",
    )


def inspection_rows(firm, count=2, start=1, header=HEADER_ZH):
    lines = [header]
    for n in range(start, start + count):
        lines.append(f"S{n},{firm},省级监督抽查,电线电缆,2026-03-0{1 + n % 9},合格,R{n},")
    return "\n".join(lines) + "\n"


def records_of(database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(Record))


def events_of(database) -> int:
    with database.reading() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent))


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# Agency accounts ------------------------------------------------------------------------------


def test_an_agency_records_its_kind_in_its_region_as_its_source(client, make, firm):
    headers = agency_headers(make)
    body = {"level": "provincial", "product": "电线", "sampled_on": "2026-03-01", "result": "pass"}
    created = client.post(f"/api/v1/enterprises/{firm}/inspections", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["source"]["agency"] == AGENCY
    # It records as itself only.
    other = {**body, "source_agency": "别的机构"}
    refused = client.post(f"/api/v1/enterprises/{firm}/inspections", json=other, headers=headers)
    assert_problem(refused, 422, "source_agency")


def test_an_agency_writes_no_other_kind_and_no_other_region(client, make, firm):
    headers = agency_headers(make)
    fine = {
        "category": "administrative_penalty",
        "severity": "general",
        "decided_on": "2026-03-01",
        "authority": "镇江市市场监督管理局",
        "decision_no": "镇市监罚〔2026〕1号",
    }
    refused = client.post(f"/api/v1/enterprises/{firm}/violations", json=fine, headers=headers)
    assert_problem(refused, 403)
    elsewhere = make.enterprise(region="350102")
    body = {"level": "provincial", "product": "电线", "sampled_on": "2026-03-01", "result": "pass"}
    refused = client.post(
        f"/api/v1/enterprises/{elsewhere}/inspections", json=body, headers=headers
    )
    assert_problem(refused, 403)
    new_firm = {"uscc": make.uscc(), "name": "镇江新登记有限公司"}
    assert_problem(client.post("/api/v1/enterprises", json=new_firm, headers=headers), 403)
    assert records_of(make.database) == 0


def test_an_agency_decides_nothing(client, make, firm):
    headers = agency_headers(make, kinds=("inspection", "violation"))
    record = make.record(
        firm,
        "violation",
        category="administrative_penalty",
        severity="general",
        decided_on=datetime.date(2026, 1, 5),
        authority="镇江市市场监督管理局",
        decision_no="罚1",
    )
    listing = {
        "uscc": firm,
        "reason": "严重违法失信",
        "legal_basis": "《市场监督管理严重违法失信名单管理办法》",
        "decision_no": "黑1",
        "listed_on": "2026-06-01",
    }
    assert_problem(client.post("/api/v1/blacklist", json=listing, headers=headers), 403)
    decision = {"upheld": True, "reason": "核实有误"}
    assert_problem(
        client.post(
            f"/api/v1/records/{record}/objections/1/decision", json=decision, headers=headers
        ),
        403,
    )
    repair = {"approved": True, "reason": "已整改"}
    assert_problem(
        client.post(f"/api/v1/records/{record}/repair/decision", json=repair, headers=headers), 403
    )
    rescind = {"reason": "录入错误"}
    assert_problem(
        client.post(f"/api/v1/records/{record}/rescind", json=rescind, headers=headers), 403
    )
    override = {"grade": "A", "reason": "复核", "valid_until": "2026-12-31"}
    assert_problem(
        client.post(f"/api/v1/enterprises/{firm}/grade/override", json=override, headers=headers),
        403,
    )


def test_an_agency_may_not_import_another_kind_or_region_and_the_file_is_not_read(client, make):
    headers = agency_headers(make)
    # Not even a file: the answer comes before it would be read.
    garbage = b"\x00\x01 not a table"
    assert_problem(upload(client, headers, garbage, kind="violations"), 403)
    assert_problem(upload(client, headers, garbage, region="3501"), 403)
    assert_problem(upload(client, make.headers("bank"), garbage), 403)
    assert_problem(upload(client, {}, garbage), 401)


def test_an_agency_imports_its_rows_as_its_source(client, make, firm, regulator):
    headers = agency_headers(make)
    done = upload(client, headers, inspection_rows(firm))
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["state"] == "applied"
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert {r["source"]["agency"] for r in profile["inspections"]} == {AGENCY}
    # Its report: to the agency and to the region's regulators, to no one else.
    report = f"{IMPORTS}/{done.get_json()['id']}"
    assert client.get(report, headers=headers).status_code == 200
    assert client.get(report, headers=regulator).status_code == 200
    assert_problem(client.get(report, headers=make.headers("regulator", region="3501")), 404)
    assert_problem(client.get(report, headers=agency_headers(make, agency="另一检验所")), 404)


# Uploads in every format ----------------------------------------------------------------------


def test_a_csv_upload_is_applied_and_the_firm_regraded(client, firm, regulator):
    done = upload(client, regulator, inspection_rows(firm, 3))
    assert done.status_code == 201
    body = done.get_json()
    assert {k: body[k] for k in ("kind", "state", "rows", "created", "unchanged", "errors")} == {
        "kind": "inspections",
        "state": "applied",
        "rows": 3,
        "created": 3,
        "unchanged": 0,
        "errors": [],
    }
    profile = client.get(f"/api/v1/enterprises/{firm}").get_json()
    assert len(profile["inspections"]) == 3
    assert profile["graded"] is True
    assert client.get(f"{IMPORTS}/{body['id']}", headers=regulator).get_json() == body


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="utf-8 with BOM"),
        pytest.param(lambda text: text.encode("gb18030"), id="gb18030"),
    ],
)
def test_csv_in_each_encoding_offices_save(client, firm, regulator, encode):
    done = upload(client, regulator, encode(inspection_rows(firm)))
    assert done.get_json()["state"] == "applied", done.get_json()
    names = {
        r["product"] for r in client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]
    }
    assert names == {"电线电缆"}


def test_english_headers_and_chinese_choices_work_alike(client, firm, regulator):
    text = (
        f"{HEADER_EN}\n"
        f"E1,{firm},provincial,电线,2026-03-01,pass,R1,\n"
        f"E2,{firm},国家监督抽查,电缆,2026-03-02,不合格,R2,导体电阻；绝缘厚度\n"
    )
    assert upload(client, regulator, text).get_json()["state"] == "applied"
    found = client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]
    by_report = {r["report_no"]: r for r in found}
    assert by_report["R2"]["level"] == "national"
    assert by_report["R2"]["result"] == "fail"
    assert by_report["R2"]["failed_items"] == ["导体电阻", "绝缘厚度"]


def test_an_xlsx_upload_with_dates_as_cells_and_as_serial_numbers(client, firm, regulator):
    content = workbook(
        [
            HEADER_ZH.split(","),
            ["X1", firm, "市级监督抽查", "陶瓷砖", datetime.date(2026, 3, 1), "合格", "R1", None],
            # A date cell that lost its format shows its serial number: 46082 is 2026-03-01.
            ["X2", firm, "市级监督抽查", "陶瓷砖", 46082, "合格", 20260002, None],
        ]
    )
    done = upload(client, regulator, content, filename="抽查.xlsx")
    assert done.get_json()["state"] == "applied", done.get_json()
    found = client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]
    assert sorted((r["sampled_on"], r["report_no"]) for r in found) == [
        ("2026-03-01", "20260002"),
        ("2026-03-01", "R1"),
    ]


def test_json_lines_name_their_fields_on_each_line(client, firm, regulator):
    lines = [
        {
            "source_id": "J1",
            "uscc": firm,
            "level": "provincial",
            "product": "白酒",
            "sampled_on": "2026-03-01",
            "result": "fail",
            "failed_items": ["酒精度"],
        },
        {
            "来源编号": "J2",
            "统一社会信用代码": firm,
            "抽查级别": "省级监督抽查",
            "产品名称": "白酒",
            "抽样日期": "2026-03-02",
            "检验结论": "合格",
        },
    ]
    content = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n"
    done = upload(client, regulator, content, filename="results.jsonl")
    assert done.get_json()["state"] == "applied", done.get_json()
    found = client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]
    assert sorted(r["result"] for r in found) == ["fail", "pass"]


def test_enterprises_are_imported_and_then_their_records(client, make, regulator):
    first, second = make.uscc(), make.uscc()
    firms = (
        "来源编号,统一社会信用代码,企业名称,行业代码,成立日期\n"
        f"F1,{first},镇江导入一有限公司,C38,2010-05-01\n"
        f"F2,{second},镇江导入二有限公司,,\n"
    )
    done = upload(client, regulator, firms, kind="enterprises", filename="企业.csv")
    assert done.get_json()["created"] == 2, done.get_json()
    profile = client.get(f"/api/v1/enterprises/{first}").get_json()
    assert (profile["name"], profile["industry_code"], profile["region_code"]) == (
        "镇江导入一有限公司",
        "C38",
        "321102",
    )
    assert upload(client, regulator, inspection_rows(second)).get_json()["created"] == 2
    # The same firms again are unchanged; a firm registered otherwise is refused.
    again = upload(client, regulator, firms, kind="enterprises", filename="企业.csv").get_json()
    assert (again["state"], again["created"], again["unchanged"]) == ("applied", 0, 2)
    other = make.enterprise()
    clash = f"来源编号,统一社会信用代码,企业名称\nF9,{other},重复有限公司\n"
    refused = upload(client, regulator, clash, kind="enterprises").get_json()
    assert refused["errors"] == [
        {"row": 2, "column": "统一社会信用代码", "message": f"企业 {other} 已登记。"}
    ]


def test_templates_show_the_headers_an_upload_takes(client, regulator, firm):
    csv_template = client.get(f"{IMPORTS}/templates/inspections.csv")
    assert csv_template.status_code == 200
    header = csv_template.get_data().decode("utf-8-sig").strip()
    assert header.startswith("来源编号,统一社会信用代码,抽查级别,产品名称,抽样日期,检验结论")
    xlsx = client.get(f"{IMPORTS}/templates/violations.xlsx")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()))
    assert [c.value for c in book["数据"][1]][:4] == [
        "来源编号",
        "统一社会信用代码",
        "违法类别",
        "严重程度",
    ]
    assert "填写说明" in book.sheetnames
    assert_problem(client.get(f"{IMPORTS}/templates/lions.xlsx"), 422, "name")
    # A template filled in is an upload.
    filled = header + f"\nT1,{firm},省级监督抽查,电线,2026-03-01,合格,R1,,,,\n"
    assert upload(client, regulator, filled).get_json()["state"] == "applied"


# Rows sent again, all or nothing, dry runs --------------------------------------------------


def test_the_same_rows_again_are_unchanged_and_a_changed_row_is_refused(
    client, firm, regulator, database
):
    assert upload(client, regulator, inspection_rows(firm, 2)).get_json()["created"] == 2
    events = events_of(database)
    again = upload(client, regulator, inspection_rows(firm, 2)).get_json()
    assert (again["state"], again["created"], again["unchanged"]) == ("applied", 0, 2)
    assert events_of(database) == events
    changed = inspection_rows(firm, 2).replace("电线电缆", "插头插座")
    refused = upload(client, regulator, changed).get_json()
    assert refused["state"] == "rejected"
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [
        (2, "来源编号"),
        (3, "来源编号"),
    ]
    assert "内容不同" in refused["errors"][0]["message"]
    assert records_of(database) == 2


def test_one_bad_row_rejects_the_file_and_every_error_is_listed(client, firm, regulator, database):
    text = (
        f"{HEADER_ZH}\n"
        f"B1,{firm},省级监督抽查,电线,2026-03-01,合格,R1,\n"
        f"B2,{firm},省级,电线,2026-02-30,优,R2,\n"
        f"B3,{firm},省级监督抽查,,2099-01-01,合格,R3,\n"
    )
    done = upload(client, regulator, text)
    assert done.status_code == 201
    body = done.get_json()
    assert (body["state"], body["rows"], body["created"]) == ("rejected", 3, 0)
    assert [(e["row"], e["column"]) for e in body["errors"]] == [
        (3, "抽样日期"),
        (3, "检验结论"),
        (4, "产品名称"),
        (4, "抽样日期"),
    ]
    messages = {(e["row"], e["column"]): e["message"] for e in body["errors"]}
    assert messages[(3, "抽样日期")] == "“2026-02-30”不是存在的日期。"
    assert messages[(3, "检验结论")].startswith("应为以下之一：pass, fail")
    assert messages[(4, "产品名称")] == "必填，不能为空。"
    assert messages[(4, "抽样日期")] == "2099-01-01 晚于今天。"
    assert records_of(database) == 0
    # Kept, for the region's officers to see.
    kept = client.get(f"{IMPORTS}/{body['id']}", headers=regulator).get_json()
    assert kept["state"] == "rejected" and kept["errors"] == body["errors"]


def test_a_dry_run_validates_and_writes_nothing(client, firm, regulator, database):
    events = events_of(database)
    done = upload(client, regulator, inspection_rows(firm, 3), dry_run="true").get_json()
    assert (done["state"], done["created"], done["dry_run"]) == ("validated", 3, True)
    assert records_of(database) == 0
    assert events_of(database) == events


def test_a_firm_outside_the_region_or_unknown_is_a_row_error(client, make, regulator, database):
    elsewhere = make.enterprise(region="350102")
    unknown = make.uscc()
    text = (
        f"{HEADER_ZH}\n"
        f"O1,{elsewhere},省级监督抽查,电线,2026-03-01,合格,R1,\n"
        f"O2,{unknown},省级监督抽查,电线,2026-03-01,合格,R2,\n"
    )
    body = upload(client, regulator, text).get_json()
    assert body["errors"] == [
        {
            "row": 2,
            "column": "统一社会信用代码",
            "message": "企业所在地区 350102 不在本次导入的地区 3211 内。",
        },
        {
            "row": 3,
            "column": "统一社会信用代码",
            "message": f"企业 {unknown} 未登记；请先导入或登记该企业。",
        },
    ]
    assert records_of(database) == 0


def test_a_report_already_recorded_is_refused_as_a_single_write_is(client, firm, regulator):
    make_body = {
        "level": "provincial",
        "product": "电线",
        "sampled_on": "2026-03-01",
        "result": "pass",
        "report_no": "R1",
    }
    assert (
        client.post(
            f"/api/v1/enterprises/{firm}/inspections", json=make_body, headers=regulator
        ).status_code
        == 201
    )
    body = upload(client, regulator, inspection_rows(firm, 1)).get_json()
    assert body["state"] == "rejected"
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "报告编号")]
    assert "已记录" in body["errors"][0]["message"]


# Bad files -----------------------------------------------------------------------------------


def only_error(response) -> dict:
    body = response.get_json()
    assert response.status_code == 201, body
    assert body["state"] == "rejected" and len(body["errors"]) == 1, body
    return body["errors"][0]


def test_a_workbook_named_csv_and_text_named_xlsx(client, firm, regulator, database):
    content = workbook([HEADER_ZH.split(",")])
    error = only_error(upload(client, regulator, content, filename="抽查.csv"))
    assert error["row"] is None and "XLSX" in error["message"]
    error = only_error(upload(client, regulator, inspection_rows(firm), filename="抽查.xlsx"))
    assert error["row"] is None and "不是 XLSX 工作簿" in error["message"]
    error = only_error(upload(client, regulator, inspection_rows(firm), filename="抽查.pdf"))
    assert ".csv、.xlsx 或 .jsonl" in error["message"]
    assert records_of(database) == 0


@pytest.mark.parametrize(
    "content", [b"", b"\xef\xbb\xbf", b"\n\n  \n"], ids=["empty", "BOM", "blank"]
)
def test_an_empty_file(client, regulator, content):
    error = only_error(upload(client, regulator, content))
    assert error == {"row": None, "column": None, "message": "文件为空：没有表头，也没有数据行。"}


def test_a_header_missing_a_required_column(client, firm, regulator):
    text = f"来源编号,统一社会信用代码,抽查级别,产品名称,抽样日期\nM1,{firm},省级监督抽查,电线,2026-03-01\n"
    assert only_error(upload(client, regulator, text)) == {
        "row": 1,
        "column": "检验结论",
        "message": "缺少必填列“检验结论”（result）。",
    }


def test_an_unknown_column(client, firm, regulator):
    text = inspection_rows(firm).replace("不合格项目", "备注")
    error = only_error(upload(client, regulator, text))
    assert (error["row"], error["column"]) == (1, "备注")
    assert error["message"].startswith("未知的列“备注”")


def test_a_row_with_more_cells_than_the_header(client, firm, regulator):
    text = f"{HEADER_ZH}\nC1,{firm},省级监督抽查,电线,2026-03-01,合格,R1,,多出来的\n"
    error = only_error(upload(client, regulator, text))
    assert (error["row"], error["column"]) == (2, "第 9 列")
    assert "比表头的 8 列多" in error["message"]


def test_formula_cells_are_refused(client, firm, regulator, database):
    content = workbook(
        [
            HEADER_ZH.split(","),
            ["F1", firm, "省级监督抽查", '=B1&"电线"', "2026-03-01", "合格", "R1", None],
        ]
    )
    error = only_error(upload(client, regulator, content, filename="抽查.xlsx"))
    assert (error["row"], error["column"]) == (2, "产品名称")
    assert "公式" in error["message"]
    text = f'{HEADER_ZH}\nF1,{firm},省级监督抽查,=HYPERLINK("http://x"),2026-03-01,合格,R1,\n'
    error = only_error(upload(client, regulator, text))
    assert (error["row"], error["column"]) == (2, "产品名称")
    assert records_of(database) == 0


def test_a_serial_number_in_a_text_file_is_refused_clearly(client, firm, regulator):
    text = f"{HEADER_ZH}\nD1,{firm},省级监督抽查,电线,46082,合格,R1,\n"
    error = only_error(upload(client, regulator, text))
    assert (error["row"], error["column"]) == (2, "抽样日期")
    assert "Excel 的日期序号" in error["message"]


def test_dates_as_people_write_them(client, firm, regulator):
    text = (
        f"{HEADER_ZH}\n"
        f"D1,{firm},省级监督抽查,电线,2026/3/1,合格,R1,\n"
        f"D2,{firm},省级监督抽查,电线,2026年3月2日,合格,R2,\n"
    )
    assert upload(client, regulator, text).get_json()["state"] == "applied"
    found = client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]
    assert sorted(r["sampled_on"] for r in found) == ["2026-03-01", "2026-03-02"]


def test_full_width_digits_in_a_uscc_are_read_as_the_code(client, firm, regulator):
    wide = firm.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHJKLMNPQRTUWXY"})
    assert wide != firm
    text = f"{HEADER_ZH}\nW1,{wide},省级监督抽查,电线,2026-03-01,合格,R1,\n"
    assert upload(client, regulator, text).get_json()["created"] == 1
    assert len(client.get(f"/api/v1/enterprises/{firm}").get_json()["inspections"]) == 1


def test_a_wrong_uscc_is_named_in_chinese(client, firm, regulator):
    wrong = firm[:17] + ("0" if firm[17] != "0" else "1")
    text = f"{HEADER_ZH}\nU1,{wrong},省级监督抽查,电线,2026-03-01,合格,R1,\n"
    error = only_error(upload(client, regulator, text))
    assert (error["row"], error["column"]) == (2, "统一社会信用代码")
    assert error["message"].startswith("统一社会信用代码校验位错误")


def test_duplicate_source_ids_in_one_file(client, firm, regulator):
    text = (
        f"{HEADER_ZH}\n"
        f"S1,{firm},省级监督抽查,电线,2026-03-01,合格,R1,\n"
        f"S1,{firm},省级监督抽查,电缆,2026-03-02,合格,R2,\n"
    )
    assert only_error(upload(client, regulator, text)) == {
        "row": 3,
        "column": "来源编号",
        "message": "来源编号“S1”与第 2 行重复；同一文件中每行的来源编号应唯一。",
    }


@pytest.fixture
def small_limits(settings, database):
    """The app with an upload limit of 4 rows and 4 KiB, to test what lies beyond."""
    app = create_app(dataclasses.replace(settings, import_max_rows=4, import_max_bytes=4096))
    app.config["TESTING"] = True
    app.extensions["credit.database"].dispose()
    app.extensions["credit.database"] = database
    return app.test_client()


def test_a_file_over_the_limit_is_413(small_limits, make, firm):
    regulator = make.headers("regulator", region="3211")
    assert upload(small_limits, regulator, inspection_rows(firm, 4)).get_json()["created"] == 4
    too_many = upload(small_limits, regulator, inspection_rows(firm, 5, start=10))
    assert_problem(too_many, 413)
    too_big = inspection_rows(firm, 2) + "#" * 5000
    assert_problem(upload(small_limits, regulator, too_big), 413)
    # Rights are decided before the upload is read: a kind the agency may not write is 403.
    agency = agency_headers(make)
    assert_problem(upload(small_limits, agency, too_big, kind="violations"), 403)
    assert records_of(make.database) == 4


def test_no_kind_or_no_file_is_422(client, regulator):
    response = client.post(
        f"{IMPORTS}?kind=lions", headers=regulator, data={}, content_type="multipart/form-data"
    )
    assert_problem(response, 422, "kind")
    response = client.post(
        f"{IMPORTS}?kind=inspections",
        headers=regulator,
        data={},
        content_type="multipart/form-data",
    )
    assert_problem(response, 422, "file")


def test_a_decision_already_recorded_is_refused_and_one_rescinded_may_be_recorded_again(
    client, firm, regulator
):
    fine = {
        "category": "administrative_penalty",
        "severity": "general",
        "decided_on": "2026-03-01",
        "authority": "镇江市市场监督管理局",
        "decision_no": "镇市监罚〔2026〕7号",
    }
    made = client.post(f"/api/v1/enterprises/{firm}/violations", json=fine, headers=regulator)
    header = "来源编号,统一社会信用代码,违法类别,严重程度,决定日期,决定机关,决定书文号"
    row = f"V1,{firm},行政处罚,一般,2026-03-01,镇江市市场监督管理局,镇市监罚〔2026〕7号"
    other = f"V2,{firm},行政处罚,一般,2026-03-01,丹阳市市场监督管理局,镇市监罚〔2026〕7号"
    body = upload(client, regulator, f"{header}\n{row}\n{other}\n", kind="violations").get_json()
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(2, "决定书文号")]
    assert body["errors"][0]["message"] == (
        f"决定机关、决定书文号为“镇江市市场监督管理局 镇市监罚〔2026〕7号”的违法违规记录已记录"
        f"（记录 {made.get_json()['id']}）。"
    )
    rescinded = client.post(
        f"/api/v1/records/{made.get_json()['id']}/rescind",
        json={"reason": "录入错误"},
        headers=regulator,
    )
    assert rescinded.status_code == 200
    body = upload(client, regulator, f"{header}\n{row}\n{other}\n", kind="violations").get_json()
    assert (body["state"], body["created"]) == ("applied", 2)
