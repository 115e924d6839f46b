"""The local SQLite mirror: issues, cursors, run history (and, later, shadows and decisions)."""

from triagewise.store.db import SCHEMA_VERSION, Store, default_db_path

__all__ = ["SCHEMA_VERSION", "Store", "default_db_path"]
