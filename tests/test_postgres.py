"""The real PostgreSQL server the test run starts (tests/pg.py) works, and a missing one can
never make CI pass: the groundwork for issue 11's organisation store."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from pg import PostgresServer, ServerUnavailable, start_server, unavailable

from mastery.identity import Identity

WHEN = datetime(2026, 11, 21, 10, 0, tzinfo=UTC)


@pytest.mark.postgres
def test_a_row_round_trips_through_the_real_server(pg_dsn: str) -> None:
    sealed = Identity.generate().seal(b"week 47: 5 members active", Identity.generate().public)
    with psycopg.connect(pg_dsn) as conn:
        conn.execute(
            "CREATE TABLE contribution (id serial PRIMARY KEY, round text NOT NULL,"
            " sealed bytea NOT NULL, received_at timestamptz NOT NULL, meta jsonb)"
        )
        conn.execute(
            "INSERT INTO contribution (round, sealed, received_at, meta) VALUES (%s, %s, %s, %s)",
            ("2026-W47", sealed, WHEN, psycopg.types.json.Jsonb({"team": "équipe ✓"})),
        )
    # A second connection sees what the first committed: a real server, not a mock.
    with psycopg.connect(pg_dsn) as conn:
        row = conn.execute("SELECT round, sealed, received_at, meta FROM contribution").fetchone()
        version = conn.execute("SHOW server_version_num").fetchone()
    assert row == ("2026-W47", sealed, WHEN, {"team": "équipe ✓"})
    assert version is not None and int(version[0]) >= 150000


@pytest.mark.postgres
def test_sqlalchemy_reaches_the_server_with_the_psycopg_driver(pg_dsn: str) -> None:
    """The organisation store will use SQLModel (SQLAlchemy) over psycopg 3."""
    metadata = sa.MetaData()  # not SQLModel's: its tables are every profile's schema
    member = sa.Table(
        "member",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("signing_key", sa.String(44), nullable=False, unique=True),
    )
    engine = sa.create_engine(pg_dsn.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.create_all(engine)
        key = Identity.generate().public.signing_key
        with engine.begin() as conn:
            conn.execute(member.insert().values(signing_key=key))
        with engine.connect() as conn:
            assert conn.execute(sa.select(member.c.signing_key)).scalars().all() == [key]
            assert engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_each_test_gets_an_empty_database_of_its_own(
    postgres_server: PostgresServer, pg_dsn: str
) -> None:
    other = postgres_server.new_database()
    try:
        with psycopg.connect(pg_dsn) as conn:
            conn.execute("CREATE TABLE mine (x int)")
        with psycopg.connect(other) as conn:
            tables = conn.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
            ).fetchone()
        assert tables == (0,)
    finally:
        postgres_server.drop_database(other)


# ----------------------------------------------------------------------------- no server
@pytest.mark.parametrize("ci", ["true", "1"])
def test_without_a_server_ci_fails_instead_of_skipping(
    ci: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.fail.Exception, match="unavailable in CI: no initdb"):
        unavailable("no initdb and postgres")


@pytest.mark.parametrize("ci", [None, "", "false"])
def test_without_a_server_a_local_run_skips(
    ci: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    with pytest.raises(pytest.skip.Exception, match="unavailable: no initdb"):
        unavailable("no initdb and postgres")


def test_missing_binaries_are_reported_as_unavailable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MASTERY_PG_BIN", str(tmp_path / "nowhere"))
    with pytest.raises(ServerUnavailable, match="no initdb and postgres in MASTERY_PG_BIN="):
        start_server()
