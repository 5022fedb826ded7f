"""The public lookup's read path: one statement on a kept connection, with the same answer as a
full read of the firm."""

import datetime
import json

from sqlalchemy import update

from credit import clock
from credit.models import EnterpriseState
from credit.services.profiles import PROFILE_ROW
from tests.conftest import Builder
from tests.days import DEFAULT_TODAY
from tests.factories import AWARD, CERT, days_ago, post, violation

ENTERPRISES = "/api/v1/enterprises"


def _idle(connection) -> bool:
    driver = connection.connection.driver_connection
    if connection.dialect.name == "sqlite":
        return not driver.in_transaction
    import psycopg

    return driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE


def test_a_lookup_sees_every_write_committed_after_it_and_holds_no_transaction(
    live_app, password_hash
):
    database = live_app.extensions["credit.database"]
    builder = Builder(database, live_app, password_hash)
    client = live_app.test_client()
    firm = builder.enterprise()
    assert client.get(f"{ENTERPRISES}/{firm}").get_json()["violations"] == []
    kept = database.lookup()
    assert _idle(kept)

    regulator = builder.headers("regulator", region="3211")
    assert post(client, firm, "violations", violation(), regulator).status_code == 201
    body = client.get(f"{ENTERPRISES}/{firm}").get_json()
    assert [v["decision_no"] for v in body["violations"]] == [violation()["decision_no"]]
    assert database.lookup() is kept and _idle(kept)


def test_a_lost_lookup_connection_is_replaced(live_app, password_hash):
    database = live_app.extensions["credit.database"]
    firm = Builder(database, live_app, password_hash).enterprise()
    client = live_app.test_client()
    assert client.get(f"{ENTERPRISES}/{firm}").status_code == 200
    lost = database.lookup()
    lost.invalidate()
    assert client.get(f"{ENTERPRISES}/{firm}").status_code == 200
    assert database.lookup() is not lost


def test_the_one_row_query_converts_values_as_sqlalchemy_does(client, database, make):
    firm = make.enterprise(registered_on=datetime.date(2019, 3, 4))
    regulator = make.headers("regulator", region="3211")
    post(client, firm, "awards", AWARD, regulator)
    post(client, firm, "violations", violation(), regulator)
    connection = database.lookup()
    ours = PROFILE_ROW.first(connection, uscc=firm)
    theirs = connection.execute(PROFILE_ROW.statement, {"uscc": firm}).first()
    assert tuple(ours) == tuple(theirs)
    assert isinstance(ours.next_change_on, datetime.date)
    profile = json.loads(ours.public_profile)  # sent as it is stored
    assert profile["registered_on"] == "2019-03-04" and profile["blacklisted"] is False
    assert PROFILE_ROW.first(connection, uscc=make.uscc()) is None


def _not_current(database):
    with database.writing() as session:
        session.execute(update(EnterpriseState).values(next_change_on=DEFAULT_TODAY))


def test_a_profile_read_in_full_is_the_profile_read_from_the_state_row(client, database, make):
    firm = make.enterprise(registered_on=datetime.date(2019, 3, 4))
    regulator = make.headers("regulator", region="3211")
    for path, body in (
        ("awards", AWARD),
        ("certifications", CERT),
        ("violations", violation(decided_on=days_ago(3))),
    ):
        assert post(client, firm, path, body, regulator).status_code == 201
    from_row = client.get(f"{ENTERPRISES}/{firm}")
    _not_current(database)  # the grade may have changed today: the profile is read in full
    in_full = client.get(f"{ENTERPRISES}/{firm}")
    assert from_row.status_code == in_full.status_code == 200
    assert from_row.get_json() == in_full.get_json()
    assert len(from_row.get_json()["awards"]) == len(from_row.get_json()["violations"]) == 1
    assert from_row.get_json()["registered_on"] == "2019-03-04"


def test_the_profile_path_is_documented_as_a_path_parameter(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    parameters = [p for path in spec["paths"].values() for p in path.get("parameters", [])]
    parameters += [
        p
        for path in spec["paths"].values()
        for operation in path.values()
        if isinstance(operation, dict)
        for p in operation.get("parameters", [])
    ]
    assert {p["in"] for p in parameters} <= {"path", "query", "header"}
    profile = spec["paths"]["/api/v1/enterprises/{uscc}"]
    assert profile["parameters"][0]["description"].startswith("Unified social credit code")
    assert {"200", "422"} <= set(profile["get"]["responses"])


def test_a_public_lookup_is_one_statement(live_app, password_hash, count_statements):
    database = live_app.extensions["credit.database"]
    builder = Builder(database, live_app, password_hash)
    client = live_app.test_client()
    firm = builder.enterprise()
    regulator = builder.headers("regulator", region="3211")
    assert post(client, firm, "awards", AWARD, regulator).status_code == 201
    assert post(client, firm, "violations", violation(), regulator).status_code == 201
    client.get(f"{ENTERPRISES}/{firm}")  # the first lookup of a worker prepares its statement
    with count_statements(database) as counted:
        body = client.get(f"{ENTERPRISES}/{firm}").get_json()
    assert len(counted) == 1, counted.statements
    assert body["awards"] and body["violations"]
    with count_statements(database) as counted:
        assert client.get(f"{ENTERPRISES}/{builder.uscc()}").status_code == 404
    assert len(counted) == 1
    with database.engine.begin() as connection:  # a row past its next change is not served
        connection.execute(update(EnterpriseState).values(next_change_on=clock.today()))
    with count_statements(database) as counted:
        assert client.get(f"{ENTERPRISES}/{firm}").get_json() == body
    assert len(counted) > 1


def test_the_profile_kept_ready_to_send_is_what_its_schema_documents(client, make):
    from schemas.enterprises import PublicProfile

    firm = make.enterprise(registered_on=datetime.date(2019, 3, 4))
    regulator = make.headers("regulator", region="3211")
    for kind, body in (("awards", AWARD), ("certifications", CERT), ("violations", violation())):
        assert post(client, firm, kind, body, regulator).status_code == 201
    sent = client.get(f"{ENTERPRISES}/{firm}").get_json()
    schema = PublicProfile()
    assert schema.validate(sent) == {}  # every documented field, as documented
    assert schema.dump(schema.load(sent)) == sent
