"""Where the store lives: `--db` (a path or a PostgreSQL URL), else the URL in
TRIAGEWISE_DATABASE_URL (or the variable `[store] url_env` names), else the SQLite file beside
the config. A URL carries a password, so it comes from the command line or the environment,
never from the config file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from triagewise.errors import ConfigError
from triagewise.store.backend import Location
from triagewise.store.db import default_db_path
from triagewise.store.postgres import DatabaseUrl

DATABASE_URL_ENV = "TRIAGEWISE_DATABASE_URL"


def locate(
    db_option: str | None,
    config_path: Path,
    url_env: str | None,
    environ: Mapping[str, str],
) -> Location:
    """The store's location. A path is resolved, so that a symlink shares the store's lock.

    `url_env` is what `[store] url_env` says (None when the config names no variable): a
    variable the config names must be set, while an unset TRIAGEWISE_DATABASE_URL simply
    means the SQLite default."""
    if db_option:
        if "://" in db_option:
            return DatabaseUrl.parse(db_option, "--db")
        return Path(db_option).resolve()
    name = url_env or DATABASE_URL_ENV
    value = environ.get(name, "").strip()
    if value:
        return DatabaseUrl.parse(value, name)
    if url_env:
        raise ConfigError(
            f"{config_path}: store.url_env names {url_env}, which is not set; set it to the "
            "store's postgresql:// URL, or remove [store] url_env to use the SQLite file."
        )
    return default_db_path(config_path).resolve()
