"""The seam between the store and its database: SQLite (the embedded default) or PostgreSQL (a
store a team shares across machines).

`Store` speaks one portable SQL with `?` placeholders and `ON CONFLICT … DO UPDATE` upserts,
which both databases understand. A backend connects, runs statements in its own dialect, keeps
the schema version, serialises migrations, and turns its driver's connection failures into one
`StoreError` sentence. The migrations are plain SQL that both run; the few column types that
differ (`INTEGER PRIMARY KEY`, `BLOB`, `REAL`) are translated by `ddl()`.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from triagewise.errors import StoreError
from triagewise.store.failure import store_failure

if TYPE_CHECKING:
    from triagewise.store.postgres import DatabaseUrl

Location: TypeAlias = "Path | DatabaseUrl"  # a SQLite file, or a PostgreSQL URL


class Rows(Protocol):
    """What a statement answers: rows as tuples, and how many rows it changed."""

    @property
    def rowcount(self) -> int: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Backend(Protocol):
    """One open connection to a store's database.

    `execute` takes the store's portable SQL (`?` placeholders). Transactions are explicit:
    `begin` takes the write lock where the database has one (SQLite's `BEGIN IMMEDIATE`), and
    a statement outside `begin … commit` commits on its own. Nothing here raises the driver's
    own connection errors: a lost or refused connection is a `StoreError` naming the store
    (a URL with its password masked)."""

    name: str  # what sentences call the store: a path, or a URL without its password

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    @property
    def in_transaction(self) -> bool: ...

    def begin(self) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def schema_version(self) -> int:
        """The number of migrations this database has run (0 for an empty one)."""
        ...

    def set_schema_version(self, version: int) -> None:
        """Record `version`; called inside the migration's own transaction."""
        ...

    def migrating(self) -> AbstractContextManager[None]:
        """Held while this process migrates: another process opening the same empty database
        waits for it, then reads the version again and finds nothing left to run."""
        ...

    def ddl(self, statement: str) -> str:
        """A migration statement in this database's dialect."""
        ...

    def integrity_ok(self) -> bool: ...

    def refresh_statistics(self, table: str) -> None:
        """After a bulk insert: let the planner know the table grew (PostgreSQL plans a keyed
        read of a table it still thinks empty as a scan)."""
        ...

    def defer_checkpoints(self) -> None:
        """This connection must answer at once: leave the database's housekeeping (SQLite's
        WAL checkpoint, which syncs the disk) to other connections."""
        ...

    def close(self) -> None: ...


class SQLiteBackend:
    """A local file, owner-only; WAL so that readers never wait for the writer."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            # created owner-only before SQLite touches it: it holds a company's backlog
            fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
            os.close(fd)
        self.name = str(path)
        self._conn = sqlite3.connect(path, isolation_level=None, timeout=10)
        try:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("PRAGMA foreign_keys=ON")
            # a damaged page is found before anything is written (a write could spread it)
            found = self._conn.execute("PRAGMA quick_check(1)").fetchone()
            if found is None or found[0] != "ok":
                raise sqlite3.DatabaseError("database disk image is malformed")
        except sqlite3.DatabaseError as exc:
            self._conn.close()
            known = store_failure(path, exc, fallback=False)
            raise known or StoreError(
                f"{path} is not a usable triagewise database ({exc})."
            ) from None

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    def begin(self) -> None:
        self._conn.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._conn.execute("COMMIT")

    def rollback(self) -> None:
        self._conn.execute("ROLLBACK")

    def schema_version(self) -> int:
        return int(self._conn.execute("PRAGMA user_version").fetchone()[0])

    def set_schema_version(self, version: int) -> None:
        self._conn.execute(f"PRAGMA user_version = {int(version)}")

    def migrating(self) -> AbstractContextManager[None]:
        """Each migration's `BEGIN IMMEDIATE` holds the only write lock, and the version is
        read again inside it."""
        return nullcontext()

    def ddl(self, statement: str) -> str:
        return statement

    def integrity_ok(self) -> bool:
        return bool(self._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    def refresh_statistics(self, table: str) -> None:
        """SQLite reads by primary key whatever it knows of the table."""

    def defer_checkpoints(self) -> None:
        self._conn.execute("PRAGMA wal_autocheckpoint = 0")

    def close(self) -> None:
        self._conn.close()


def connect(location: Location) -> Backend:
    """The backend for a location: a path opens (or creates) a SQLite file, a URL connects to
    PostgreSQL (psycopg is imported only then: it is the optional `postgres` extra)."""
    if isinstance(location, Path):
        try:
            return SQLiteBackend(location)
        except sqlite3.DatabaseError as exc:
            # read-only, a full disk, a damaged file: store/failure.py says which
            known = store_failure(location, exc, fallback=False)
            raise known or StoreError(
                f"{location} is not a usable triagewise database ({exc})."
            ) from None
        except OSError as exc:
            known = store_failure(location, exc, fallback=False)
            raise known or StoreError(
                f"{location} cannot be opened: {exc.strerror or exc}."
            ) from None
    from triagewise.store.postgres import PostgresBackend

    return PostgresBackend(location)
