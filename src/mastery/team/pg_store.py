"""A team in PostgreSQL: the same opaque files as a team folder, in tables (issue 11).

Where a folder is not enough (thousands of members, many teams, departments rolling up), a
team lives in a database: `PostgresStore` keeps the roster, the sealed contributions and the
signed partial sums exactly as `FolderStore` keeps files, one row per file, and the protocol
trusts the database no more than a folder: every row is checked by a signature or a seal
before it counts (`roster.py`, `steward.py`, `report.py`). The team's own files (`team.toml`
and `decks/*.toml`) are published into the database by `publish_team` and downloaded by
`download_team` into a cache folder in the profile, so layout, decks and pull read a folder
as before.

Several teams share one database: every row is keyed by its team's id. The tables are
SQLModel models on a metadata of their own (never a profile's SQLite schema), created and
upgraded by numbered migrations recorded in `team_schema_version`; a database of a newer
schema than this Mastery knows is refused with one line. Every fault (no server, wrong
password, no such database, no permission) is one `TeamError` line naming the database
without its password.
"""

import re
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa
import sqlalchemy.exc
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.engine import Connection, Engine

from mastery.files import write_atomic
from mastery.limits import MAX_TEXT_BYTES
from mastery.team.config import (
    DECKS_DIR,
    MAX_TEAM_FILE_BYTES,
    TEAM_FILE,
    TEAM_ID,
    TeamConfig,
    TeamError,
    _read_bounded,
    _Refused,
    load_team,
    redacted_url,
)
from mastery.team.pg_schema import (
    CONTRIBUTION,
    DECK,
    MEMBER,
    META,
    PARTIAL,
    SCHEMA_VERSION,
    migrate,
)
from mastery.team.store import (
    CONTRIBUTIONS,
    MAX_CONTRIBUTION_BYTES,
    MAX_MEMBER_BYTES,
    MAX_PARTIAL_BYTES,
    MEMBERS_DIR,
    NAME,
    PARTIALS,
    ROUND_NAME,
    ROUNDS_DIR,
    Entry,
    _is_week,
)

__all__ = [
    "SCHEMA_VERSION",
    "URL_SCHEMES",
    "PostgresStore",
    "download_team",
    "is_url",
    "migrate",
    "publish_team",
]

URL_SCHEMES = ("postgresql://", "postgres://")
DECK_FILE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_.-]{0,99}\.toml$")
MAX_DECKS = 1_000
CONNECT_TIMEOUT = 10  # seconds; an unreachable host must not hang a command


def is_url(location: object) -> bool:
    """Whether a team location names a PostgreSQL database rather than a folder."""
    return isinstance(location, str) and location.startswith(URL_SCHEMES)


EACH_PAGE = 256  # contributions per page of `each_contribution`
MEMBER_PAGE = 2048  # roster entries per page of `each_member` (a few KB each: a query per
# 2,048 members, not per 256, and at most 32 MB of them held)


# ----------------------------------------------------------------------------- the store
def _engine_url(url: str) -> tuple[sa.URL, str | None]:
    """SQLAlchemy's URL for psycopg 3, and the team named by `?team=` (libpq knows no such
    parameter, so it is taken out before connecting)."""
    if not is_url(url):
        raise TeamError(redacted_url(url), "not a postgresql:// URL")
    try:
        parsed = sa.make_url("postgresql+psycopg://" + url.split("://", 1)[1])
    except (sqlalchemy.exc.ArgumentError, ValueError) as exc:
        raise TeamError(redacted_url(url), f"not a database URL ({exc})") from None
    team = parsed.query.get("team")
    if isinstance(team, tuple):
        raise TeamError(redacted_url(url), "names ?team= more than once")
    if team is not None and not TEAM_ID.fullmatch(team):
        raise TeamError(
            redacted_url(url), f"team id {team[:40]!r} must be lowercase letters, digits, dashes"
        )
    return parsed.difference_update_query(["team"]), team


def _reason(exc: BaseException) -> str:
    """The first line of a database fault, as libpq words it ("password authentication
    failed", "database ... does not exist", "permission denied for table ...")."""
    cause = getattr(exc, "orig", None) or exc
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    text = lines[0] if lines else type(cause).__name__
    for noise in ("connection failed: ", "connection is bad: "):
        text = text.removeprefix(noise)
    return re.sub(r"\s+", " ", text.replace("FATAL:", "")).strip()


class PostgresStore:
    """A team's roster and rounds in PostgreSQL, row for file as `FolderStore` keeps them.

    `url` is a libpq URL (`postgresql://user@host:5432/db`, or `?host=/run/postgresql` for a
    unix socket); `?team=ID` (or the `team` argument) picks the team when the database holds
    several. Each call opens its own connection (closed when it returns) and each write is
    one transaction."""

    def __init__(self, url: str, team: str | None = None) -> None:
        self.url = url
        engine_url, named = _engine_url(url)
        if team is not None and named is not None and team != named:
            raise TeamError(redacted_url(url), f"names team {named!r}, not {team!r}")
        if team is not None and not TEAM_ID.fullmatch(team):
            raise TeamError(
                redacted_url(url),
                f"team id {team[:40]!r} must be lowercase letters, digits, dashes",
            )
        self._team = team or named
        self._base = redacted_url(url, drop=("team",))
        connect_args: dict[str, Any] = {}
        if "connect_timeout" not in engine_url.query:
            connect_args["connect_timeout"] = CONNECT_TIMEOUT
        # No pool: the protocol's callers never close a store, and a pooled connection left
        # to the garbage collector is a ResourceWarning; a connection per call costs a few
        # ms, and a call reads or writes a whole round at once.
        self._engine: Engine = sa.create_engine(
            engine_url, connect_args=connect_args, poolclass=sa.pool.NullPool
        )
        self._schema: int | None = None  # the version once checked

    def close(self) -> None:
        """Release the engine (nothing stays open between calls anyway)."""
        self._engine.dispose()

    def __enter__(self) -> "PostgresStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def where(self) -> str:
        return f"{self._base}#{self._team}" if self._team else self._base

    # -------------------------------------------------------------- plumbing
    @contextmanager
    def _faults(self) -> Iterator[None]:
        """Database faults as one line naming the database (never its password)."""
        try:
            yield
        except sqlalchemy.exc.IntegrityError as exc:
            raise TeamError(self.where, f"refused by the database: {_reason(exc)}") from None
        except (sqlalchemy.exc.SQLAlchemyError, psycopg.Error) as exc:
            raise TeamError(self.where, _reason(exc)) from None
        except UnicodeError as exc:
            raise TeamError(self.where, f"not text the database can hold ({exc})") from None

    @contextmanager
    def _reading(self) -> Iterator[Connection | None]:
        """A connection for a read, or None when the database holds no team tables yet (a
        read never creates them)."""
        with self._faults(), self._engine.connect() as conn:
            if self._schema != SCHEMA_VERSION:
                found = migrate(conn, self.where, create=False)
                if found == 0:
                    yield None
                    return
                if found < SCHEMA_VERSION:  # an older schema: upgrade it before reading
                    conn.rollback()
                    with conn.begin():
                        migrate(conn, self.where)
                self._schema = SCHEMA_VERSION
            yield conn

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One transaction, the schema created or upgraded first when it must be."""
        with self._faults(), self._engine.begin() as conn:
            if self._schema != SCHEMA_VERSION:
                migrate(conn, self.where)
            yield conn
        self._schema = SCHEMA_VERSION

    @property
    def team(self) -> str:
        """The team this store reads and writes: named in the URL, or the only one there."""
        if self._team is None:
            with self._reading() as conn:
                teams = (
                    [] if conn is None else sorted(conn.execute(sa.select(META.c.team)).scalars())
                )
            if not teams:
                raise TeamError(
                    self.where,
                    "no team lives in this database yet: publish one with "
                    "`mastery team init URL --from DIR`",
                )
            if len(teams) > 1:
                raise TeamError(
                    self.where,
                    f"several teams live in this database ({', '.join(teams[:10])}): name one "
                    "with ?team=ID at the end of the URL",
                )
            self._team = teams[0]
        return self._team

    def _read(
        self, table: sa.Table, limit: int, folder: str, **keys: str
    ) -> tuple[list[Entry], list[str]]:
        """Rows of one kind as entries; a row with a name Mastery never writes, or larger
        than the folder store's limit (never fetched), is a problem line."""
        entries, problems, _ = self._read_page(table, limit, folder, None, **keys)
        return entries, problems

    def _read_page(
        self,
        table: sa.Table,
        limit: int,
        folder: str,
        page: tuple[str, int] | None,
        **keys: str,
    ) -> tuple[list[Entry], list[str], str | None]:
        """`_read`, of one page when `page` is (after, size); also the page's last name."""
        team = self.team
        # Written for psycopg's binary protocol: bytea arrives as raw bytes, not hex text to
        # decode (a round of 10,000 contributions, 70 MB, reads in 0.2 s instead of 0.6 s).
        # A row over the limit is counted, never fetched.
        where = " AND ".join(f"{k} = %({k})s" for k in ("team", *keys))
        order = ""
        if page is not None:  # names after `after`, `size` of them: one page of a long read
            where += " AND name > %(after)s"
            order = " ORDER BY name LIMIT %(size)s"
        query = (
            f"SELECT name, CASE WHEN octet_length(data) <= %(limit)s THEN data END, "
            f"octet_length(data) FROM {table.name} WHERE {where}{order}"
        )
        params: dict[str, object] = {"team": team, "limit": limit, **keys}
        if page is not None:
            params |= {"after": page[0], "size": page[1]}
        entries: list[Entry] = []
        problems: list[str] = []
        with self._reading() as conn:
            rows = []
            if conn is not None:
                raw = conn.connection.driver_connection
                assert raw is not None  # a live psycopg connection inside the transaction
                with raw.cursor(binary=True) as cursor:
                    cursor.execute(query, params)
                    rows = cursor.fetchall()
        last = max((r[0] for r in rows), default=None)
        for name, data, length in sorted(rows, key=lambda r: r[0]):
            path = f"{self.where}/{folder}/{name[:80]}.json"
            if not NAME.match(name):
                problems.append(f"{self.where}/{folder}/{name[:40]!r}: not a name Mastery writes")
            elif data is None:
                problems.append(f"{path}: larger than {limit // 1024} KB ({length} bytes)")
            else:
                entries.append(Entry(name, bytes(data)))
        return entries, problems, last

    def _check_round(self, round_id: str) -> None:
        if not ROUND_NAME.match(round_id) or not _is_week(round_id):
            raise TeamError(self.where, f"{round_id[:40]!r} is not a round")

    def _check_name(self, folder: str, name: str) -> None:
        if not NAME.match(name):
            raise TeamError(
                f"{self.where}/{folder}", f"{name[:80]!r} is not a file name Mastery writes"
            )

    def _upsert(self, table: sa.Table, data: bytes, **keys: str) -> None:
        statement = insert(table).values(team=self.team, data=data, **keys)
        statement = statement.on_conflict_do_update(
            index_elements=["team", *keys], set_={"data": statement.excluded.data}
        )
        with self._writing() as conn:
            conn.execute(statement)

    def _delete(self, table: sa.Table, **keys: str) -> bool:
        with self._writing() as conn:
            result = conn.execute(
                sa.delete(table).where(
                    table.c.team == self.team, *(table.c[k] == v for k, v in keys.items())
                )
            )
        return bool(result.rowcount)

    # -------------------------------------------------------------- the roster
    def roster(self) -> tuple[list[Entry], list[str]]:
        return self._read(MEMBER, MAX_MEMBER_BYTES, MEMBERS_DIR)

    def each_member(self) -> Iterator[Entry | str]:
        return self._each_page(MEMBER, MAX_MEMBER_BYTES, MEMBERS_DIR, size=MEMBER_PAGE)

    def put_member(self, name: str, data: bytes) -> None:
        self._check_name(MEMBERS_DIR, name)
        self._upsert(MEMBER, data, name=name)

    def remove_member(self, name: str) -> bool:
        if not NAME.match(name):
            return False
        return self._delete(MEMBER, name=name)

    # -------------------------------------------------------------- rounds
    def rounds(self) -> list[str]:
        team = self.team
        query = sa.union(
            sa.select(CONTRIBUTION.c.round).where(CONTRIBUTION.c.team == team).distinct(),
            sa.select(PARTIAL.c.round).where(PARTIAL.c.team == team).distinct(),
        )
        with self._reading() as conn:
            found = [] if conn is None else list(conn.execute(query).scalars())
        return sorted(r for r in found if ROUND_NAME.match(r) and _is_week(r))

    def contributions(self, round_id: str) -> tuple[list[Entry], list[str]]:
        self._check_round(round_id)
        folder = f"{ROUNDS_DIR}/{round_id}/{CONTRIBUTIONS}"
        return self._read(CONTRIBUTION, MAX_CONTRIBUTION_BYTES, folder, round=round_id)

    def each_contribution(self, round_id: str) -> Iterator[Entry | str]:
        """The round's contributions a page at a time (keyset pages by name, each its own
        short read): a steward holds one page, never the whole round."""
        self._check_round(round_id)
        folder = f"{ROUNDS_DIR}/{round_id}/{CONTRIBUTIONS}"
        return self._each_page(
            CONTRIBUTION, MAX_CONTRIBUTION_BYTES, folder, size=EACH_PAGE, round=round_id
        )

    def _each_page(
        self, table: sa.Table, limit: int, folder: str, *, size: int, **keys: str
    ) -> Iterator[Entry | str]:
        """A table's rows `size` at a time (keyset pages by name, each its own short read)."""
        after = ""
        while True:
            entries, problems, last = self._read_page(table, limit, folder, (after, size), **keys)
            yield from problems
            yield from entries
            if last is None or len(entries) + len(problems) < size:
                return
            after = last  # the page's last name, rows refused as problems included

    def put_contribution(self, round_id: str, name: str, data: bytes) -> None:
        self._check_round(round_id)
        self._check_name(f"{ROUNDS_DIR}/{round_id}/{CONTRIBUTIONS}", name)
        self._upsert(CONTRIBUTION, data, round=round_id, name=name)

    def put_contributions(self, round_id: str, items: list[tuple[str, bytes]]) -> None:
        """Many contributions in one transaction and one COPY (a benchmark, an import of a
        folder's rounds); the same checks as `put_contribution`, all before any row."""
        self._check_round(round_id)
        for name, _ in items:
            self._check_name(f"{ROUNDS_DIR}/{round_id}/{CONTRIBUTIONS}", name)
        team = self.team
        with self._writing() as conn:
            raw = conn.connection.driver_connection
            assert raw is not None  # a live psycopg connection inside the transaction
            with (
                raw.cursor() as cursor,
                cursor.copy("COPY team_contribution (team, round, name, data) FROM STDIN") as copy,
            ):
                for name, data in items:
                    copy.write_row((team, round_id, name, data))

    def remove_contribution(self, round_id: str, name: str) -> bool:
        self._check_round(round_id)
        if not NAME.match(name):
            return False
        return self._delete(CONTRIBUTION, round=round_id, name=name)

    def partials(
        self, round_id: str, names: Collection[str] | None = None
    ) -> tuple[list[Entry], list[str]]:
        self._check_round(round_id)
        folder = f"{ROUNDS_DIR}/{round_id}/{PARTIALS}"
        entries, problems = self._read(PARTIAL, MAX_PARTIAL_BYTES, folder, round=round_id)
        if names is None:
            return entries, problems
        for e in entries:
            if e.name not in names:
                problems.append(f"{self.where}/{folder}/{e.name}.json: not a steward's partial sum")
        return [e for e in entries if e.name in names], problems

    def put_partial(self, round_id: str, name: str, data: bytes, *, replace: bool = False) -> None:
        """Inserted only if the steward has none for the round, in the same statement, so
        two runs of one steward at the same moment cannot both publish. `replace` changes
        nothing here: only stewards may insert sums (docs/teams.md, the grants), so a row at
        a steward's name is that steward's."""
        self._check_round(round_id)
        folder = f"{ROUNDS_DIR}/{round_id}/{PARTIALS}"
        self._check_name(folder, name)
        statement = (
            insert(PARTIAL)
            .values(team=self.team, round=round_id, name=name, data=data)
            .on_conflict_do_nothing()
            .returning(PARTIAL.c.name)
        )
        with self._writing() as conn:
            added = conn.execute(statement).scalar_one_or_none()
        if added is None:
            raise TeamError(
                f"{self.where}/{folder}/{name}.json",
                "this steward already published a partial sum for the round",
            )

    # -------------------------------------------------------------- team files
    def publish(self, team_id: str, team_toml: str, decks: list[tuple[str, str]]) -> None:
        """Replace a team's `team.toml` and deck files in one transaction."""
        if self._team is not None and self._team != team_id:
            raise TeamError(self.where, f"names team {self._team!r}, not {team_id!r}")
        self._team = team_id
        with self._writing() as conn:
            conn.execute(
                insert(META)
                .values(team=team_id, team_toml=team_toml)
                .on_conflict_do_update(index_elements=["team"], set_={"team_toml": team_toml})
            )
            conn.execute(sa.delete(DECK).where(DECK.c.team == team_id))
            if decks:
                conn.execute(
                    sa.insert(DECK), [{"team": team_id, "name": n, "text": t} for n, t in decks]
                )

    def team_files(self) -> tuple[str, list[tuple[str, str]]]:
        """The team's `team.toml` text and deck files (name, text), as published."""
        team = self.team
        with self._reading() as conn:
            toml = None
            decks: list[tuple[str, str]] = []
            if conn is not None:
                toml = conn.execute(
                    sa.select(META.c.team_toml).where(META.c.team == team)
                ).scalar_one_or_none()
                decks = [
                    (str(n), str(t))
                    for n, t in conn.execute(
                        sa.select(DECK.c.name, DECK.c.text)
                        .where(DECK.c.team == team)
                        .limit(MAX_DECKS + 1)
                    )
                ]
        if toml is None:
            raise TeamError(
                self.where,
                f"no team {team!r} in this database: publish it with "
                "`mastery team init URL --from DIR`",
            )
        return toml, sorted(decks)


# ----------------------------------------------------------------------------- team files
def publish_team(url: str, folder: str | Path) -> TeamConfig:
    """Upload a team folder's `team.toml` and `decks/*.toml` into the database (checked by
    `load_team` first, so a broken team is never published); publishing again replaces them.
    Returns the folder's `TeamConfig` with `store_url` set."""
    import dataclasses

    config = load_team(folder)
    try:
        team_toml = _read_bounded(config.folder / TEAM_FILE, MAX_TEAM_FILE_BYTES).decode("utf-8")
        decks = []
        for path in config.deck_files:
            if not DECK_FILE.match(path.name):
                raise TeamError(path, "a deck file name must be letters, digits, '_', '.', '-'")
            decks.append((path.name, _read_bounded(path, MAX_TEXT_BYTES).decode("utf-8")))
    except (OSError, UnicodeDecodeError, _Refused) as exc:
        raise TeamError(config.folder, f"cannot read the team's files ({exc})") from None
    if len(decks) > MAX_DECKS:
        raise TeamError(config.folder / DECKS_DIR, f"more than {MAX_DECKS} deck files")
    with PostgresStore(url) as store:
        store.publish(config.id, team_toml, decks)
    return dataclasses.replace(config, store_url=url)


def download_team(url: str, cache: str | Path) -> Path:
    """Write the team's published files into `cache/<team id>/` (team.toml and decks/,
    deck files no longer published removed) and return that folder, for `load_team`.

    Everything from the database is untrusted: the team id and the deck file names become
    paths only after they match the names Mastery writes, so a hostile row cannot write
    outside the cache."""
    with PostgresStore(url) as store:
        team = store.team
        team_toml, decks = store.team_files()
    if not TEAM_ID.fullmatch(team) or len(team) > 80:
        raise TeamError(store.where, f"team id {team[:40]!r} is not one Mastery writes")
    if len(decks) > MAX_DECKS:
        raise TeamError(store.where, f"more than {MAX_DECKS} deck files")
    for name, text in decks:
        if not DECK_FILE.match(name):
            raise TeamError(store.where, f"deck file name {name[:40]!r} is not one Mastery writes")
        if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
            raise TeamError(f"{store.where}/{DECKS_DIR}/{name}", "too large")
    if len(team_toml.encode("utf-8")) > MAX_TEAM_FILE_BYTES:
        raise TeamError(f"{store.where}/{TEAM_FILE}", "too large")
    folder = Path(cache).expanduser() / team
    write_atomic(folder / TEAM_FILE, team_toml)
    names = {name for name, _ in decks}
    for name, text in decks:
        write_atomic(folder / DECKS_DIR / name, text)
    for stale in (folder / DECKS_DIR).glob("*.toml"):
        if stale.name not in names:
            stale.unlink(missing_ok=True)
    return folder
