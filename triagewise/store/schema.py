"""The migration runner, the same for both backends: each pending entry of `MIGRATIONS` in one
transaction with the version it brings (PostgreSQL's DDL is transactional too), statements in
the backend's dialect. A store written by a newer triagewise is refused and left alone."""

from __future__ import annotations

from triagewise.errors import StoreError
from triagewise.store.backend import Backend
from triagewise.store.migrations import MIGRATIONS

SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: Backend, name: str) -> None:
    """Bring the store `name` (a path, or a masked URL) to `SCHEMA_VERSION`. Two first runs at
    once: one migrates while the other waits, then reads the version again."""
    if _refuse_newer(conn.schema_version(), name) == SCHEMA_VERSION:
        return
    with conn.migrating():
        for number in range(_refuse_newer(conn.schema_version(), name), SCHEMA_VERSION):
            conn.begin()
            try:
                if conn.schema_version() <= number:  # else another process ran it meanwhile
                    for statement in MIGRATIONS[number].split(";"):
                        if statement.strip():
                            conn.execute(conn.ddl(statement))
                    conn.set_schema_version(number + 1)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()


def _refuse_newer(version: int, name: str) -> int:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{name} was written by a newer triagewise (schema {version}, this version knows "
            f"{SCHEMA_VERSION}); upgrade triagewise or use another --db."
        )
    return version
