"""Bringing a database's tables up to date with the Alembic revisions in migrations/."""

from __future__ import annotations

from dataclasses import dataclass

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine, inspect

from credit.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


class RevisionError(Exception):
    """A revision that does not exist, or that the database cannot move to from where it is."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands: its revision (None when no migration was ever applied)
    and the newest revision in migrations/."""

    revision: str | None
    head: str
    known: bool = True  # whether migrations/ holds the database's revision

    @property
    def at_head(self) -> bool:
        return self.revision == self.head


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    try:
        command.upgrade(alembic_config(engine), revision)
    except CommandError as error:
        raise RevisionError(str(error)) from None


def downgrade(engine: Engine, revision: str) -> None:
    """Undo migrations down to `revision`: a revision id, `-N` for N steps, or `base` (no tables).

    The tables and columns the undone migrations added are dropped with what they held.
    """
    try:
        command.downgrade(alembic_config(engine), revision)
    except CommandError as error:
        raise RevisionError(str(error)) from None


def state(engine: Engine) -> SchemaState:
    script = ScriptDirectory.from_config(alembic_config(engine))
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    known = revision is None or revision in {r.revision for r in script.walk_revisions()}
    return SchemaState(revision=revision, head=script.get_current_head(), known=known)


def is_empty(engine: Engine) -> bool:
    return not inspect(engine).has_table("enterprise")
