"""A real PostgreSQL server for the tests, started by the tests themselves: `initdb` in a
temporary folder owned by an unprivileged user (the postgres server refuses to run as root),
listening on 127.0.0.1 at a free port with password (SCRAM) authentication, one fresh database
per test cloned from an empty template.

No binaries on a developer's machine: the PostgreSQL tests skip and say why. In CI (CI=true)
they fail instead: `.ci/run` installs Debian's `postgresql`.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

USER = "tw"
PASSWORD = "tw-secret-pass"
TEMPLATE = "tw_template"


def find_bin() -> Path | None:
    """The newest /usr/lib/postgresql/*/bin holding initdb, else one on PATH."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _runner() -> tuple[list[str], pwd.struct_passwd | None]:
    """As root: run the server's programs as `postgres` (Debian's package makes it) or, without
    it, as `nobody`. As anyone else: as that user."""
    if os.geteuid() != 0:
        return [], None
    for name in ("postgres", "nobody"):
        try:
            account = pwd.getpwnam(name)
        except KeyError:
            continue
        return ["runuser", "-u", name, "--"], account
    raise RuntimeError("running as root and there is neither a postgres nor a nobody user")


class PgServer:
    """One server for the test session."""

    def __init__(self, bindir: Path, fsync: bool = False) -> None:
        self.bindir = bindir
        self.folder = Path(tempfile.mkdtemp(prefix="tw-pg-"))
        self.data = self.folder / "data"
        self.port = _free_port()
        self.prefix, account = _runner()
        self._names = itertools.count(1)
        if account is not None:
            os.chown(self.folder, account.pw_uid, account.pw_gid)
        self.folder.chmod(0o700)
        pwfile = self.folder / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if account is not None:
            os.chown(pwfile, account.pw_uid, account.pw_gid)
        self._run(
            "initdb", "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}", "-E", "UTF8",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync", "--no-instructions",
        )  # fmt: skip
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        if not fsync:  # the tests' server: nothing to keep after a crash, so no flushes
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        log = str(self.folder / "server.log")
        self._run("pg_ctl", "-D", str(self.data), "-l", log, "-o", options, "-w", "start")
        self.admin(f"CREATE DATABASE {TEMPLATE}")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run(
            [*self.prefix, str(self.bindir / program), *args],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def url(self, database: str, password: str | None = PASSWORD) -> str:
        auth = f"{USER}:{password}" if password is not None else USER
        return f"postgresql://{auth}@127.0.0.1:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(sql.encode())  # test-made names, not user input

    def admin_in(self, url: str, sql: str) -> None:
        """Statements run in the database `url` names."""
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.encode())

    def fresh_database(self) -> str:
        """A new empty database (cloned from the template: fast) and its URL."""
        name = f"t{os.getpid()}_{next(self._names)}"
        self.admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
