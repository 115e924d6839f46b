"""A store on PostgreSQL, shared by every machine that has its URL: the URL itself (its password
masked in every sentence), the backend, and the advisory lock that keeps one writer at a time
across machines.

psycopg 3 is the optional `postgres` extra; it is imported only when a URL is used.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from triagewise.errors import LockedError, StoreError, StoreUnreachableError

if TYPE_CHECKING:
    import psycopg

    from triagewise.store.backend import Rows

SCHEMES = ("postgresql", "postgres")
_USERINFO = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*://[^/@:?#\s]*):[^@/?#\s]*@")
_PASSWORD_PARAM = re.compile(r"(password=)[^&\s]*", re.IGNORECASE)
# advisory lock namespaces (the first of the two int4 keys): the store lock a sync or apply
# holds for its whole run, and the lock a process holds while it migrates
LOCK_SPACE = 0x74770001
MIGRATION_SPACE = 0x74770002
_UNREADABLE = re.compile(
    r'invalid (integer |connection )?(value|option)|invalid URI|URI query parameter|missing "="'
    r"|unrecognized|invalid sslmode"
)  # libpq could not read the URL itself (as opposed to a server or a host it cannot reach)
CONNECT_TIMEOUT = 10  # seconds; a URL's own connect_timeout wins


def mask(text: str) -> str:
    """`text` with the password of any URL in it, and any `password=` parameter, hidden."""
    return _PASSWORD_PARAM.sub(r"\1***", _USERINFO.sub(r"\1:***@", text))


@dataclass(frozen=True)
class DatabaseUrl:
    """A PostgreSQL URL and where it came from (`--db`, or the variable that held it), for the
    sentences. `str()` never shows the password."""

    url: str
    origin: str

    @classmethod
    def parse(cls, text: str, origin: str) -> DatabaseUrl:
        scheme = text.split("://", 1)[0].lower() if "://" in text else ""
        if scheme not in SCHEMES:
            raise StoreError(
                f"{origin} holds {mask(text)!r}, which is not a PostgreSQL URL; it must start "
                "with postgresql:// (a SQLite store is a path, given with --db)."
            )
        try:
            urlsplit(text).port  # noqa: B018 (a port that is not a number raises here)
        except ValueError as exc:
            raise StoreError(
                f"{origin} holds {mask(text)}, which is not a valid URL: {exc}."
            ) from None
        return cls(text, origin)

    def __str__(self) -> str:
        return mask(self.url)

    @property
    def password(self) -> str:
        return unquote(urlsplit(self.url).password or "")

    def exists(self) -> bool:
        """Whether a triagewise store lives in this database (it connects to find out)."""
        backend = PostgresBackend(self)
        try:
            return backend.schema_table_exists()
        finally:
            backend.close()

    def connect(self, purpose: str = "store") -> psycopg.Connection[Any]:
        """An autocommit connection named after this process, so that a held lock can say who
        holds it; every failure is one sentence."""
        try:
            import psycopg
        except ImportError:
            raise StoreError(
                f"{self} is a PostgreSQL store, and psycopg is not installed; install it with "
                "pip install 'triagewise[postgres]'."
            ) from None
        options: dict[str, Any] = {"autocommit": True}
        if "connect_timeout" not in self.url:
            options["connect_timeout"] = CONNECT_TIMEOUT
        host = socket.gethostname()[:40]
        options["application_name"] = f"triagewise {purpose} {os.getpid()}@{host}"
        try:
            return psycopg.connect(self.url, **options)
        except psycopg.Error as exc:
            raise self.refused(exc) from None

    def refused(self, exc: BaseException) -> StoreError:
        """The sentence for a connection PostgreSQL or the network refused."""
        text = self.hide(str(exc)).strip()
        detail = text.splitlines()[0] if text else type(exc).__name__
        detail = re.sub(r"^connection (failed|is bad): ", "", detail)
        detail = re.sub(r"^.* failed: (FATAL:\s+)?", "", detail)
        where, origin = str(self), self.origin
        if "no password supplied" in text:
            return StoreError(
                f"PostgreSQL at {where} asks for a password and {origin} gives none; put it in "
                "the URL (postgresql://user:password@host/db) or in ~/.pgpass."
            )
        if "password authentication failed" in text:
            user = urlsplit(self.url).username or "the user"
            return StoreError(
                f"PostgreSQL at {where} refused the password for {user}; check the password "
                f"in {origin}."
            )
        if re.search(r"does not exist|permission denied|not permitted", text):
            return StoreError(f"PostgreSQL at {where} refused the connection: {detail}.")
        if _UNREADABLE.search(text):
            return StoreError(f"{origin} holds {where}, which PostgreSQL cannot read: {detail}.")
        return StoreUnreachableError(
            f"PostgreSQL at {where} cannot be reached ({detail}); check the host and port in "
            f"{origin}, and that the server is running."
        )

    def hide(self, text: str) -> str:
        """A driver's message with this URL's password hidden wherever it appears."""
        text = mask(text)
        secret = self.password
        return text.replace(secret, "***") if len(secret) >= 4 else text


@lru_cache(maxsize=512)
def _dialect(sql: str) -> str:
    """The store's portable SQL in psycopg's style: `%s` placeholders, a literal `%` doubled."""
    return sql.replace("%", "%%").replace("?", "%s")


_DDL = (
    (re.compile(r"\bINTEGER PRIMARY KEY\b"), "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"),
    (re.compile(r"\bBLOB\b"), "BYTEA"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),  # SQLite's REAL is 8 bytes; PostgreSQL's 4
)


def pg_ddl(statement: str) -> str:
    for pattern, replacement in _DDL:
        statement = pattern.sub(replacement, statement)
    return statement


def _REFUSALS() -> tuple[type[Exception], ...]:
    """What a statement may meet that is the database's condition, not a bug: a lost
    connection, a value PostgreSQL cannot hold (a NUL character in text), a missing grant."""
    import psycopg

    return (psycopg.OperationalError, psycopg.DataError, psycopg.errors.InsufficientPrivilege)


class PostgresBackend:
    """One connection to the shared store; statements run in autocommit unless `begin` opened
    a transaction (read committed: every write the store makes is one upsert or a keyed
    update, and the advisory lock keeps writers of plans one at a time)."""

    def __init__(self, url: DatabaseUrl) -> None:
        self.url = url
        self.name = str(url)
        self._conn = url.connect()

    def _failed(self, exc: Exception) -> StoreError:
        import psycopg

        if isinstance(exc, psycopg.OperationalError) and self._conn.closed:
            return StoreUnreachableError(
                f"The connection to PostgreSQL at {self.name} was lost "
                f"({self.url.hide(str(exc)).strip().splitlines()[0]}); everything committed "
                "before it is kept, and the next run goes on from there."
            )
        detail = self.url.hide(str(exc)).strip().splitlines()[0]
        if isinstance(exc, psycopg.errors.InsufficientPrivilege):
            return StoreError(
                f"PostgreSQL at {self.name} refused a statement: {detail}; the role needs "
                "CREATE on the schema for the first run, and to read and write its tables."
            )
        return StoreError(f"PostgreSQL at {self.name} refused a statement: {detail}.")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Rows:
        try:
            return self._conn.execute(_dialect(sql), tuple(params))
        except _REFUSALS() as exc:
            raise self._failed(exc) from None

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        try:
            with self._conn.cursor() as cur:
                cur.executemany(_dialect(sql), [tuple(r) for r in rows])
        except _REFUSALS() as exc:
            raise self._failed(exc) from None

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self._conn.info.transaction_status != TransactionStatus.IDLE

    def begin(self) -> None:
        self.execute("BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        if not self._conn.closed:
            self.execute("ROLLBACK")

    def schema_table_exists(self) -> bool:
        row = self.execute("SELECT to_regclass('triagewise_schema') IS NOT NULL").fetchone()
        return bool(row[0])

    def schema_version(self) -> int:
        if not self.schema_table_exists():
            return 0
        row = self.execute("SELECT MAX(version) FROM triagewise_schema").fetchone()
        return int(row[0] or 0)

    def set_schema_version(self, version: int) -> None:
        self.execute("CREATE TABLE IF NOT EXISTS triagewise_schema (version INTEGER NOT NULL)")
        self.execute("DELETE FROM triagewise_schema")
        self.execute("INSERT INTO triagewise_schema (version) VALUES (?)", (version,))

    @contextmanager
    def migrating(self) -> Iterator[None]:
        """A session-level advisory lock taken outside any transaction: the version read after
        it starts a new transaction, which sees the tables another process just created (a
        transaction that began before their commit may still not see them by name)."""
        key = self.lock_key()
        self.execute("SELECT pg_advisory_lock(?, ?)", (MIGRATION_SPACE, key))
        try:
            yield
        finally:
            if not self._conn.closed:
                self.execute("SELECT pg_advisory_unlock(?, ?)", (MIGRATION_SPACE, key))

    def lock_key(self) -> int:
        """This store's key: its database and schema, so two stores on one server (or two
        schemas in one database) have their own locks, and every machine derives the same."""
        database, schema = self.execute("SELECT current_database(), current_schema()").fetchone()
        digest = hashlib.blake2b(f"{database}/{schema}".encode(), digest_size=4).digest()
        return int.from_bytes(digest, "big") & 0x7FFFFFFF

    def ddl(self, statement: str) -> str:
        return pg_ddl(statement)

    def integrity_ok(self) -> bool:
        """Every table of the schema answers a count (PostgreSQL checks its own pages)."""
        tables = self.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        ).fetchall()
        for (table,) in tables:
            self.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()
        return bool(tables)

    def refresh_statistics(self, table: str) -> None:
        self.execute(f'ANALYZE "{table}"')

    def defer_checkpoints(self) -> None:
        """The server checkpoints in its own processes; a client connection never waits."""

    def close(self) -> None:
        self._conn.close()


@contextmanager
def advisory_lock(url: DatabaseUrl, wait: float) -> Iterator[None]:
    """The store lock on PostgreSQL: a session-level advisory lock on the store's key, held by
    a connection of its own for the whole run. It holds across machines, and a holder that
    dies (kill -9, a lost network) lets go when its session ends."""
    backend = PostgresBackend(url)
    try:
        key = backend.lock_key()
        deadline = time.monotonic() + wait
        while not backend.execute(
            "SELECT pg_try_advisory_lock(?, ?)", (LOCK_SPACE, key)
        ).fetchone()[0]:
            if time.monotonic() < deadline:
                time.sleep(0.2)
                continue
            waited = f" after waiting {wait:g} s" if wait else ""
            holder = _holder(backend, key)
            raise LockedError(
                f"Another triagewise sync or apply is running on {url} (pid {holder}); "
                f"this run stops{waited} without touching anything."
            )
        yield
    finally:
        backend.close()  # the session ends, and its advisory lock with it


def _holder(backend: PostgresBackend, key: int) -> str:
    """'4242 on ci-runner' from the holder's application name, when the server shows it."""
    row = backend.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = ? AND l.objid = ?"
        " AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database"
        " WHERE datname = current_database())",
        (LOCK_SPACE, key),
    ).fetchone()
    name = str(row[0]) if row and row[0] else ""
    found = re.fullmatch(r"triagewise \w+ (\d+)@(.+)", name)
    return f"{found.group(1)} on {found.group(2)}" if found else "another process"
