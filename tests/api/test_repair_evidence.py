"""Evidence a firm attaches to its credit repair applications: what is accepted, how it is kept,
and who may download it."""

from __future__ import annotations

import base64
import hashlib
import io

import pytest
from sqlalchemy import text

from credit.rules import periods
from credit.services import audit
from tests.api.problems import assert_problem
from tests.days import DEFAULT_TODAY

AUTHORITY = "镇江市市场监督管理局"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(20)
MIB = 1024 * 1024


@pytest.fixture
def own(make, firm):
    return make.headers("enterprise", uscc=firm)


@pytest.fixture
def violation(client, regulator, firm):
    """A general violation decided 3 months ago: credit repair may be applied for today."""
    response = client.post(
        f"/api/v1/enterprises/{firm}/violations",
        headers=regulator,
        json={
            "category": "administrative_penalty",
            "severity": "general",
            "decided_on": periods.months_before(DEFAULT_TODAY, 3).isoformat(),
            "authority": AUTHORITY,
            "decision_no": "镇市监罚〔2026〕7号",
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


@pytest.fixture
def applied(client, own, violation):
    response = client.post(
        f"/api/v1/records/{violation}/repair", headers=own, json={"statement": "已整改并缴清罚款"}
    )
    assert response.status_code == 201, response.get_json()
    return violation


def upload(client, path, headers, *files):
    return client.post(
        path,
        headers=headers,
        data={"file": [(io.BytesIO(content), name) for name, content in files]},
        content_type="multipart/form-data",
    )


def attachments_path(record_id):
    return f"/api/v1/records/{record_id}/repair/attachments"


def test_pdf_and_images_are_kept_with_their_hash_and_listed_on_the_application(
    client, session, firm, own, regulator, applied
):
    response = upload(
        client,
        attachments_path(applied),
        own,
        ("整改报告.pdf", PDF),
        ("现场照片.png", PNG),
        ("缴款凭证.jpg", JPEG),
    )
    assert response.status_code == 201, response.get_json()
    listed = response.get_json()["attachments"]
    assert [(a["filename"], a["media_type"], a["size"], a["sha256"]) for a in listed] == [
        ("整改报告.pdf", "application/pdf", len(PDF), hashlib.sha256(PDF).hexdigest()),
        ("现场照片.png", "image/png", len(PNG), hashlib.sha256(PNG).hexdigest()),
        ("缴款凭证.jpg", "image/jpeg", len(JPEG), hashlib.sha256(JPEG).hexdigest()),
    ]
    file = client.get(f"/api/v1/enterprises/{firm}/file", headers=regulator).get_json()
    repair = next(r for r in file["records"] if r["id"] == applied)["repairs"][0]
    assert [a["sha256"] for a in repair["attachments"]] == [a["sha256"] for a in listed]
    assert list(audit.verify(session)) == []


def test_the_deciding_regulator_and_the_firm_download_the_file_as_sent(
    client, make, firm, own, regulator, applied
):
    attachment = upload(client, attachments_path(applied), own, ("整改报告.pdf", PDF)).get_json()[
        "attachments"
    ][0]
    path = f"{attachments_path(applied)}/{attachment['id']}"
    for reader in (regulator, own):
        response = client.get(path, headers=reader)
        assert response.status_code == 200
        assert response.data == PDF and response.mimetype == "application/pdf"
        assert response.headers["Repr-Digest"] == (
            f"sha-256=:{base64.b64encode(hashlib.sha256(PDF).digest()).decode()}:"
        )
        assert "attachment" in response.headers["Content-Disposition"]
    assert_problem(client.get(path), 401)
    for stranger in (
        make.headers("enterprise"),
        make.headers("regulator", region="3501"),
        make.headers("bank"),
    ):
        assert_problem(client.get(path, headers=stranger), 403)
    assert_problem(client.get(f"{attachments_path(applied)}/{2**40}", headers=regulator), 404)


def test_a_file_is_judged_by_its_content_not_its_name(client, own, applied):
    response = upload(
        client, attachments_path(applied), own, ("决定书.pdf", PDF), ("说明.pdf", b"just text")
    )
    body = assert_problem(response, 422, "file.1")
    assert "PDF, PNG or JPEG" in body["errors"]["file.1"][0]
    assert_problem(upload(client, attachments_path(applied), own, ("空.pdf", b"")), 422, "file.0")


def test_a_file_over_the_size_limit_is_refused_naming_it(client, own, applied, settings):
    big = PDF + bytes(settings.repair_attachment_max_bytes)
    body = assert_problem(
        upload(client, attachments_path(applied), own, ("a.png", PNG), ("大.pdf", big)),
        422,
        "file.1",
    )
    assert "5 MiB" in body["errors"]["file.1"][0]
    exactly = PDF + bytes(settings.repair_attachment_max_bytes - len(PDF))
    assert upload(client, attachments_path(applied), own, ("满.pdf", exactly)).status_code == 201


def test_a_body_over_every_files_limit_together_is_a_413(client, own, applied, settings):
    response = client.post(
        attachments_path(applied),
        headers=own,
        data={"file": (io.BytesIO(bytes(settings.repair_upload_bytes + 1)), "huge.pdf")},
        content_type="multipart/form-data",
    )
    assert_problem(response, 413)


def test_an_application_carries_a_limited_number_of_files(client, own, applied, settings):
    many = [(f"{n}.png", PNG) for n in range(settings.repair_attachment_max_count + 1)]
    body = assert_problem(upload(client, attachments_path(applied), own, *many), 422, "file")
    assert str(settings.repair_attachment_max_count) in body["errors"]["file"][0]
    assert upload(client, attachments_path(applied), own, *many[:-2]).status_code == 201
    assert_problem(
        upload(client, attachments_path(applied), own, ("a.pdf", PDF), ("b.pdf", PDF)),
        422,
        "file",
    )
    assert upload(client, attachments_path(applied), own, ("a.pdf", PDF)).status_code == 201


def test_only_the_firm_attaches_and_only_to_a_pending_application(
    client, make, own, regulator, violation
):
    assert_problem(upload(client, attachments_path(violation), own, ("a.pdf", PDF)), 409)
    client.post(f"/api/v1/records/{violation}/repair", headers=own, json={"statement": "已整改"})
    for other in (make.headers("enterprise"), regulator):
        assert_problem(upload(client, attachments_path(violation), other, ("a.pdf", PDF)), 403)
    assert_problem(upload(client, attachments_path(violation), {}, ("a.pdf", PDF)), 401)
    no_file = client.post(
        attachments_path(violation), headers=own, data={}, content_type="multipart/form-data"
    )
    assert_problem(no_file, 422, "file")
    decided = client.post(
        f"/api/v1/records/{violation}/repair/decision",
        headers=regulator,
        json={"approved": False, "reason": "材料不全"},
    )
    assert decided.status_code == 200
    assert_problem(upload(client, attachments_path(violation), own, ("a.pdf", PDF)), 409)


def test_listing_repair_takes_evidence_too(client, make, firm, own, regulator, today):
    listing = make.listing(firm, listed_on=periods.months_before(today, 12))
    applied = client.post(
        f"/api/v1/blacklist/{listing}/repair", headers=own, json={"statement": "已履行处罚"}
    )
    assert applied.status_code == 201, applied.get_json()
    path = f"/api/v1/blacklist/{listing}/repair/attachments"
    response = upload(client, path, own, ("履行证明.pdf", PDF))
    assert response.status_code == 201, response.get_json()
    attachment = response.get_json()["attachments"][0]
    assert attachment["sha256"] == hashlib.sha256(PDF).hexdigest()
    shown = client.get(f"/api/v1/blacklist/{listing}", headers=regulator).get_json()
    assert shown["repairs"][0]["attachments"][0]["id"] == attachment["id"]
    download = client.get(f"{path}/{attachment['id']}", headers=regulator)
    assert download.status_code == 200 and download.data == PDF
    assert_problem(
        client.get(f"{path}/{attachment['id']}", headers=make.headers("enterprise")), 403
    )


def test_an_attachment_row_altered_in_the_database_is_named_by_verify(
    client, session, own, applied
):
    attachment = upload(client, attachments_path(applied), own, ("a.pdf", PDF)).get_json()[
        "attachments"
    ][0]
    session.execute(
        text("UPDATE repair_attachment SET sha256 = :digest WHERE id = :id"),
        {"digest": hashlib.sha256(PNG).hexdigest(), "id": attachment["id"]},
    )
    assert [str(m) for m in audit.verify(session)] == [
        f"attachment {attachment['id']} differs from audit event "
        f"{mismatch_seq(session, attachment['id'])} in: sha256"
    ]


def mismatch_seq(session, attachment_id):
    return session.execute(
        text(
            "SELECT seq FROM audit_event WHERE kind = 'record_repair_evidence_added' "
            "ORDER BY seq DESC"
        )
    ).scalar()


def test_the_openapi_document_describes_the_upload(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/api/v1/records/{record_id}/repair/attachments",
        "/api/v1/blacklist/{listing_id}/repair/attachments",
    ):
        body = spec["paths"][path]["post"]["requestBody"]
        assert "multipart/form-data" in body["content"]
        assert "file.0" in body["description"]
        assert {"409", "413", "422"} <= set(spec["paths"][path]["post"]["responses"])
    download = spec["paths"]["/api/v1/records/{record_id}/repair/attachments/{attachment_id}"]
    assert "get" in download
