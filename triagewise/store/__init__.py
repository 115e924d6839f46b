"""The mirror: issues, cursors, shadows, decisions, the apply journal, run history, and the
lock that keeps one writer at a time; in a SQLite file, or in PostgreSQL for a shared store."""

from triagewise.store.backend import Location
from triagewise.store.db import SCHEMA_VERSION, Store, default_db_path
from triagewise.store.location import DATABASE_URL_ENV, locate
from triagewise.store.lock import store_lock
from triagewise.store.postgres import DatabaseUrl

__all__ = [
    "DATABASE_URL_ENV",
    "SCHEMA_VERSION",
    "DatabaseUrl",
    "Location",
    "Store",
    "default_db_path",
    "locate",
    "store_lock",
]
