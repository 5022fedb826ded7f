"""The Alembic revisions build exactly the tables the models describe, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from credit.models import Base


def test_migrations_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []
