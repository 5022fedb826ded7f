"""The console's imports page: an upload with kind and dry run, the row errors as a table, the
templates, and who may use it."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from credit.models import Record, User
from tests.api.test_imports import AGENCY, HEADER_ZH, inspection_rows
from tests.web.test_sign_in import csrf_token, sign_in, text_of


def agency(make, kinds=("inspection",), region="3211") -> str:
    make._serial += 1
    username = f"agency-{make._serial}"
    with make.database.writing() as session:
        session.add(
            User(
                username=username,
                role="agency",
                region=region,
                agency=AGENCY,
                kinds=",".join(kinds),
                password_hash=make.password_hash,
            )
        )
    return username


def send(client, content: str, kind="inspections", filename="抽查结果.csv", **form):
    data = {
        "csrf_token": csrf_token(client, "/console/imports"),
        "kind": kind,
        "file": (io.BytesIO(content.encode("utf-8")), filename),
        **form,
    }
    return client.post("/console/imports", data=data, content_type="multipart/form-data")


def records(session) -> int:
    return session.scalar(select(func.count()).select_from(Record))


def test_an_agency_uploads_a_file_with_a_bad_row_and_sees_it_named(client, make, session):
    firm = make.enterprise()
    assert sign_in(client, agency(make)).status_code == 303
    rows = inspection_rows(firm, 2) + f"S9,{firm},省级监督抽查,电线电缆,2026-02-30,合格,R9,\n"
    response = send(client, rows)
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "未导入：有错误" in page
    error = re.search(r"<tr><td data-label=\"行\">4</td><td data-label=\"列\">(.*?)</td>", page)
    assert error and error.group(1) == "抽样日期"
    assert records(session) == 0  # all or nothing


def test_a_dry_run_writes_nothing_and_a_clean_upload_is_applied(client, make, session):
    firm = make.enterprise()
    assert sign_in(client, agency(make)).status_code == 303
    tried = client.get(send(client, inspection_rows(firm, 2), dry_run="true").headers["Location"])
    assert "校验通过（试导入，未写入）" in text_of(tried) and records(session) == 0
    applied = client.get(send(client, inspection_rows(firm, 2)).headers["Location"])
    assert "已导入" in text_of(applied) and records(session) == 2


def test_the_form_offers_an_agency_its_own_kinds_and_their_templates(client, make):
    assert sign_in(client, agency(make)).status_code == 303
    page = text_of(client.get("/console/imports"))
    assert '<option value="inspections"' in page and '<option value="violations"' not in page
    assert 'href="/api/v1/imports/templates/inspections.xlsx"' in page
    template = client.get("/api/v1/imports/templates/inspections.csv")
    assert template.status_code == 200 and HEADER_ZH.split(",")[0] in template.text
    refused = send(client, "x", kind="violations")
    assert refused.status_code == 422 and 'id="kind-problem"' in text_of(refused)


def test_a_missing_file_is_named_next_to_its_field(client, make):
    assert sign_in(client, make.account("regulator", region="3211").username).status_code == 303
    response = client.post(
        "/console/imports",
        data={"csrf_token": csrf_token(client, "/console/imports"), "kind": "inspections"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422 and 'id="file-problem"' in text_of(response)


def test_banks_purchasers_and_firms_are_refused_and_reports_are_their_senders(client, make):
    firm = make.enterprise()
    assert sign_in(client, agency(make)).status_code == 303
    report = send(client, inspection_rows(firm, 1)).headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/console/imports")})
    for role, binding in (("bank", {}), ("procurement", {}), ("enterprise", {"uscc": firm})):
        assert sign_in(client, make.account(role, **binding).username).status_code == 303
        assert client.get("/console/imports").status_code == 403
        client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert sign_in(client, make.account("regulator", region="3501").username).status_code == 303
    assert client.get(report).status_code == 404
