"""The local SQLite mirror: issues, cursors, shadows, decisions, the apply journal, run history,
and the lock that keeps one writer at a time."""

from triagewise.store.db import SCHEMA_VERSION, Store, default_db_path
from triagewise.store.lock import store_lock

__all__ = ["SCHEMA_VERSION", "Store", "default_db_path", "store_lock"]
