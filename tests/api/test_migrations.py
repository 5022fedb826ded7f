"""The Alembic revisions build exactly the tables the models describe, on both engines, and
rewrite stored data as they say, both ways."""

from contextlib import contextmanager
from typing import Iterator

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from credit import dbschema
from credit.config import Settings
from credit.db import make_engine
from credit.models import AuditEvent, Base, Enterprise
from credit.services import audit
from credit.services.enterprises import NewEnterprise, register_many
from credit.uscc import with_check_character
from tests.conftest import fresh_database_url


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


# As the register stored industry codes before they carried their section letter.
STORED_BEFORE = {"01": "A01", "38": "C38", "383": "C383", "3831": "C3831", "4811": "E4811",
                 "C": "C", "E": "E", None: None}


def _codes(engine) -> dict[str, str | None]:
    with engine.connect() as connection:
        return dict(connection.execute(select(Enterprise.uscc, Enterprise.industry_code)).all())


def _mismatches(engine) -> list[str]:
    with engine.connect() as connection, Session(bind=connection) as session:
        return [str(m) for m in audit.verify(session)]


def _register(engine, firms: dict[str, str | None]) -> None:
    """Firms registered through the service, as the register stored them at revision 0010."""
    with engine.begin() as connection, Session(bind=connection) as session:
        register_many(session, [NewEnterprise(uscc=code, name=f"镇江迁移{n}有限公司",
                                              region_code="321102", industry_code=industry)
                                for n, (code, industry) in enumerate(firms.items())],
                      grade=False)  # grading reads state columns of later revisions
        session.flush()


@contextmanager
def engine_at_0010(tmp_path) -> Iterator[Engine]:
    with fresh_database_url(tmp_path) as url:
        engine = make_engine(Settings(instance_dir=tmp_path, database_url=url))
        try:
            dbschema.upgrade(engine, "0010")
            yield engine
        finally:
            engine.dispose()


def test_industry_codes_gain_their_section_letter_on_upgrade_and_lose_it_on_downgrade(
        tmp_path):
    with engine_at_0010(tmp_path) as engine:
        firms = {with_check_character(f"91321102{n:08d}0"): old
                 for n, old in enumerate(STORED_BEFORE, start=1)}
        _register(engine, firms)
        assert _codes(engine) == firms

        dbschema.upgrade(engine)
        upgraded = {code: STORED_BEFORE[old] for code, old in firms.items()}
        assert _codes(engine) == upgraded
        # Each firm changed has its event, and the chain and every row still verify.
        assert _mismatches(engine) == []
        with engine.connect() as connection:
            logged = connection.scalars(
                select(AuditEvent.enterprise_id)
                .where(AuditEvent.kind == "enterprise_industry_code_normalised")).all()
        assert len(logged) == 5

        command.downgrade(dbschema.alembic_config(engine), "0010")
        assert _codes(engine) == firms

        dbschema.upgrade(engine)
        assert _codes(engine) == upgraded
        assert _mismatches(engine) == []


def test_a_row_altered_outside_the_registry_stays_named_after_the_upgrade(tmp_path):
    with engine_at_0010(tmp_path) as engine:
        code = with_check_character("91321102000009900")
        _register(engine, {code: "38"})
        with engine.begin() as connection:
            connection.execute(Enterprise.__table__.update().values(name="镇江改名有限公司"))
        dbschema.upgrade(engine)
        assert _codes(engine) == {code: "C38"}
        [mismatch] = _mismatches(engine)
        assert mismatch.startswith("enterprise ") and mismatch.endswith(" in: name")
