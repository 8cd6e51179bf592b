"""The tables of a team in PostgreSQL, and the migrations that make and upgrade them.

SQLModel models on a metadata of their own (`_Table`), so importing them never adds a table
to a profile's SQLite schema. Every row is keyed by its team's id: several teams (departments)
share one database. `team_schema_version` records each numbered migration applied; `migrate`
runs the missing ones inside the caller's transaction under an advisory lock, and refuses a
database of a newer schema than this Mastery knows with one line.
"""

from collections.abc import Callable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from mastery.limits import MAX_TEXT_BYTES
from mastery.team.config import MAX_TEAM_FILE_BYTES, TeamError
from mastery.team.store import MAX_CONTRIBUTION_BYTES, MAX_MEMBER_BYTES, MAX_PARTIAL_BYTES

__all__ = [
    "CONTRIBUTION",
    "DECK",
    "MEMBER",
    "META",
    "MIGRATIONS",
    "PARTIAL",
    "SCHEMA_VERSION",
    "TeamContribution",
    "TeamDeck",
    "TeamMember",
    "TeamMeta",
    "TeamPartial",
    "TeamSchemaVersion",
    "VERSION",
    "migrate",
]

SCHEMA_VERSION = 1
_MIGRATION_LOCK = 0x6D617374  # pg_advisory_xact_lock key: two first runs migrate one by one
_NAME_SQL = "^[0-9a-z][0-9a-z-]{0,79}$"  # store.NAME, for the database's own checks
_ROUND_SQL = "^[0-9]{4}-W[0-9]{2}$"  # store.ROUND_NAME
_TEAM_SQL = "^[a-z0-9][a-z0-9-]*$"  # config.TEAM_ID


# ----------------------------------------------------------------------------- the tables
class _Table(SQLModel, registry=registry()):
    """The team tables' own metadata: importing them never adds a table to a profile."""


def _checks(*rules: tuple[str, str]) -> tuple[sa.CheckConstraint, ...]:
    """The database refuses a row Mastery would never write even from a client that is not
    Mastery (a member with plain SQL access): names, rounds and sizes as the store's."""
    return tuple(sa.CheckConstraint(rule, name=name) for name, rule in rules)


class TeamSchemaVersion(_Table, table=True):
    """One row per migration applied; the highest is the schema's version."""

    __tablename__ = "team_schema_version"

    version: int = Field(primary_key=True)
    applied_at: datetime = Field(
        sa_column=sa.Column(
            sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        )
    )


class TeamMeta(_Table, table=True):
    """A team's `team.toml`, as published by its lead (`publish_team`)."""

    __tablename__ = "team_meta"
    __table_args__ = _checks(
        ("team_meta_team", f"team ~ '{_TEAM_SQL}'"),
        ("team_meta_size", f"octet_length(team_toml) <= {MAX_TEAM_FILE_BYTES}"),
    )

    team: str = Field(primary_key=True, max_length=80)
    team_toml: str


class TeamDeck(_Table, table=True):
    """One of a team's deck files (`decks/<name>`)."""

    __tablename__ = "team_deck"
    __table_args__ = _checks(
        ("team_deck_name", "name ~ '^[0-9A-Za-z][0-9A-Za-z_.-]{0,99}\\.toml$'"),
        ("team_deck_size", f"octet_length(text) <= {MAX_TEXT_BYTES}"),
    )

    team: str = Field(primary_key=True, max_length=80)
    name: str = Field(primary_key=True, max_length=105)
    text: str


class TeamMember(_Table, table=True):
    """A roster entry (`members/<name>.json`): signed bytes, believed only once verified."""

    __tablename__ = "team_member"
    __table_args__ = _checks(
        ("team_member_name", f"name ~ '{_NAME_SQL}'"),
        ("team_member_size", f"octet_length(data) <= {MAX_MEMBER_BYTES}"),
    )

    team: str = Field(primary_key=True, max_length=80)
    name: str = Field(primary_key=True, max_length=80)
    data: bytes


class TeamContribution(_Table, table=True):
    """A sealed contribution (`rounds/<round>/contributions/<name>.json`)."""

    __tablename__ = "team_contribution"
    __table_args__ = _checks(
        ("team_contribution_round", f"round ~ '{_ROUND_SQL}'"),
        ("team_contribution_name", f"name ~ '{_NAME_SQL}'"),
        ("team_contribution_size", f"octet_length(data) <= {MAX_CONTRIBUTION_BYTES}"),
    )

    team: str = Field(primary_key=True, max_length=80)
    round: str = Field(primary_key=True, max_length=10)
    name: str = Field(primary_key=True, max_length=80)
    data: bytes


class TeamPartial(_Table, table=True):
    """A steward's signed partial sum (`rounds/<round>/partials/<name>.json`)."""

    __tablename__ = "team_partial"
    __table_args__ = _checks(
        ("team_partial_round", f"round ~ '{_ROUND_SQL}'"),
        ("team_partial_name", f"name ~ '{_NAME_SQL}'"),
        ("team_partial_size", f"octet_length(data) <= {MAX_PARTIAL_BYTES}"),
    )

    team: str = Field(primary_key=True, max_length=80)
    round: str = Field(primary_key=True, max_length=10)
    name: str = Field(primary_key=True, max_length=80)
    data: bytes


META = TeamMeta.__table__  # type: ignore[attr-defined]
DECK = TeamDeck.__table__  # type: ignore[attr-defined]
MEMBER = TeamMember.__table__  # type: ignore[attr-defined]
CONTRIBUTION = TeamContribution.__table__  # type: ignore[attr-defined]
PARTIAL = TeamPartial.__table__  # type: ignore[attr-defined]
VERSION = TeamSchemaVersion.__table__  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- migrations
def _v1(conn: Connection) -> None:
    """The first schema: team files, roster, contributions, partial sums."""
    _Table.metadata.create_all(
        conn, tables=[VERSION, META, DECK, MEMBER, CONTRIBUTION, PARTIAL], checkfirst=True
    )


MIGRATIONS: dict[int, Callable[[Connection], None]] = {1: _v1}


def _version(conn: Connection) -> int:
    """The schema version of the database: 0 when no team ever lived in it."""
    exists = conn.execute(sa.text("SELECT to_regclass('team_schema_version')")).scalar()
    if exists is None:
        return 0
    return int(
        conn.execute(sa.select(sa.func.coalesce(sa.func.max(VERSION.c.version), 0))).scalar_one()
    )


def migrate(conn: Connection, where: str, *, create: bool = True) -> int:
    """Bring the schema to `SCHEMA_VERSION` inside the caller's transaction (so a failed
    migration leaves nothing half-made); returns the version found before. Concurrent first
    runs wait for each other on an advisory lock, and each step is recorded, so running it
    again changes nothing. With `create` False (a read), an empty database stays empty."""
    found = _version(conn)
    if found > SCHEMA_VERSION:
        raise TeamError(
            where,
            f"the database's team tables are of schema version {found}, newer than this "
            f"Mastery knows ({SCHEMA_VERSION}): upgrade Mastery",
        )
    if found == SCHEMA_VERSION or (found == 0 and not create):
        return found
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK})
    found = _version(conn)  # another process may have migrated while we waited
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](conn)
        conn.execute(insert(VERSION).values(version=version).on_conflict_do_nothing())
    return found
