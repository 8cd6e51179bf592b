"""A real PostgreSQL server for the tests that need one (issue 11: organisations on PostgreSQL).

The test run starts its own server: `initdb` into a temporary folder, `postgres` listening
only on a unix socket in that folder (no TCP port, so nothing can collide with another run or
a system server), and a fast shutdown at the end. Each test gets a database of its own.

Mark such tests `@pytest.mark.postgres` and ask for `pg_dsn` (or `postgres_server`). When the
server cannot start (no PostgreSQL binaries, no psycopg, a root run without a `postgres` user)
the tests are skipped on a developer's machine but FAIL in CI (`CI=true`): a missing server
must never make the suite pass silently. `.ci/run` installs the Debian `postgresql` package.

PostgreSQL refuses to run as root; a root test run starts it as the `postgres` system user
(or `MASTERY_PG_USER`). `MASTERY_PG_BIN` names the folder of `initdb` and `postgres` when they
are not in the usual places.
"""

from __future__ import annotations

import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT = 120.0  # seconds; a busy two-core CI machine runs initdb slowly
PORT = 5432  # only names the socket file: the server listens on no TCP port
SUPERUSER = "mastery"
# Trust: only our own user can reach the socket folder. No fsync: the tests check behaviour,
# not durability across power cuts, and a busy CI machine syncs slowly.
INITDB_OPTIONS = ("-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
SERVER_SETTINGS = {
    "listen_addresses": "",  # the unix socket only
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
}


def in_ci() -> bool:
    """`CI` set to anything but an explicit no (GitHub, GitLab and .ci/run set `CI=true`)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> None:
    """No server: skip here, fail in CI. Never returns."""
    if in_ci():
        pytest.fail(
            f"PostgreSQL test server unavailable in CI: {reason} "
            "(.ci/run installs the postgresql package; these tests must run there)",
            pytrace=False,
        )
    pytest.skip(f"PostgreSQL test server unavailable: {reason}")


class ServerUnavailable(Exception):
    """Why the server could not start (turned into a skip or a CI failure by the fixture)."""


def bin_dir() -> Path:
    """The folder with `initdb` and `postgres`: MASTERY_PG_BIN, the PATH, or Debian's
    /usr/lib/postgresql/<version>/bin (the newest version)."""
    named = os.environ.get("MASTERY_PG_BIN")
    candidates: list[Path] = [Path(named)] if named else []
    if not named:
        found = shutil.which("initdb")
        if found:
            candidates.append(Path(found).resolve().parent)  # initdb finds its files there

        def version(p: Path) -> tuple[int, ...]:
            return tuple(int(n) for n in re.findall(r"\d+", p.parent.name))

        debian = Path("/usr/lib/postgresql")
        if debian.is_dir():
            candidates += sorted(debian.glob("*/bin"), key=version, reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    where = f"MASTERY_PG_BIN={named}" if named else "the PATH or /usr/lib/postgresql/*/bin"
    raise ServerUnavailable(f"no initdb and postgres in {where}")


def run_as() -> pwd.struct_passwd | None:
    """The user to run the server as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    name = os.environ.get("MASTERY_PG_USER", "postgres")
    try:
        return pwd.getpwnam(name)
    except KeyError:
        raise ServerUnavailable(
            f"running as root and there is no {name!r} user to run PostgreSQL as "
            "(PostgreSQL refuses root; create one with `useradd --system postgres`)"
        ) from None


@dataclass
class PostgresServer:
    """A running server of the test run: its socket folder, its log and how to reach it."""

    folder: Path
    process: subprocess.Popen[bytes]
    log: Path
    databases: list[str] = field(default_factory=list)

    @property
    def socket_dir(self) -> Path:
        return self.folder

    def dsn(self, database: str = "postgres") -> str:
        """A libpq URI (psycopg); SQLAlchemy takes the same with `postgresql+psycopg://`."""
        return f"postgresql://{SUPERUSER}@/{database}?host={self.folder}&port={PORT}"

    def new_database(self) -> str:
        """A fresh, empty database for one test; returns its DSN."""
        import psycopg

        name = f"test_{secrets.token_hex(6)}"
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.databases.append(name)
        return self.dsn(name)

    def drop_database(self, dsn: str) -> None:
        import psycopg

        name = dsn.split("/", 3)[3].split("?", 1)[0]
        with psycopg.connect(self.dsn(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, then exit), then the folder."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        shutil.rmtree(self.folder, ignore_errors=True)


def _as_user(user: pwd.struct_passwd | None) -> dict[str, Any]:
    """Popen arguments that drop root for the server (its own uid, gid and groups)."""
    if user is None:
        return {}
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


def start_server(timeout: float = START_TIMEOUT) -> PostgresServer:
    """initdb and start a server in a new temporary folder; raises ServerUnavailable."""
    try:
        import psycopg
    except ImportError:
        raise ServerUnavailable("psycopg is not installed (pip install -e '.[test]')") from None
    binaries, user = bin_dir(), run_as()
    # /tmp, not pytest's tmp_path: that is private to our user (and a unix socket path must
    # stay under ~100 bytes).
    folder = Path(
        tempfile.mkdtemp(prefix="mastery-pg-", dir="/tmp" if Path("/tmp").is_dir() else None)
    )
    if user is not None:
        os.chown(folder, user.pw_uid, user.pw_gid)
    data, log = folder / "data", folder / "server.log"
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}
    deadline = time.monotonic() + timeout
    init = subprocess.run(
        [str(binaries / "initdb"), "-D", str(data), *INITDB_OPTIONS],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        **_as_user(user),
    )
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        last = (init.stderr or init.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ServerUnavailable(f"initdb failed: {last[0]}")
    with open(log, "wb") as out:  # the server writes to this inherited descriptor
        process = subprocess.Popen(
            [str(binaries / "postgres"), "-D", str(data), "-k", str(folder), "-p", str(PORT)]
            + [arg for name, value in SERVER_SETTINGS.items() for arg in ("-c", f"{name}={value}")],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            **_as_user(user),
        )
    server = PostgresServer(folder, process, log)
    while True:
        if process.poll() is not None:
            tail = server.log_tail()
            server.stop()
            raise ServerUnavailable(f"postgres exited with status {process.returncode}:\n{tail}")
        try:
            psycopg.connect(server.dsn(), connect_timeout=2).close()
            return server
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                tail = server.log_tail()
                server.stop()
                raise ServerUnavailable(
                    f"postgres did not accept connections within {timeout:.0f} s:\n{tail}"
                ) from None
            time.sleep(0.1)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The test run's server, started on first use (once per xdist worker), stopped at the end."""
    try:
        server = start_server()
    except ServerUnavailable as exc:
        reason = str(exc)
    else:
        reason = ""
    if reason:
        unavailable(reason)  # skips here, fails in CI (outside `except`: one clean message)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_dsn(postgres_server: PostgresServer) -> Iterator[str]:
    """The DSN of a new empty database for this test, dropped afterwards."""
    dsn = postgres_server.new_database()
    try:
        yield dsn
    finally:
        postgres_server.drop_database(dsn)
