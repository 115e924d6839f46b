"""`[store]`: where a shared store is. Only the name of the variable that holds its URL: the
URL carries a password, so it never lives in the config file."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from triagewise.connectors.config import Strict


class StoreConfig(Strict):
    """Where a shared store is: only the name of the variable that holds its URL. The URL
    itself carries a password, so it never lives in this file."""

    url_env: str | None = Field(
        default=None,
        description="the environment variable with the postgresql:// URL "
        "(default TRIAGEWISE_DATABASE_URL)",
    )
    url: str | None = None  # refused below with the sentence that says where it goes

    @field_validator("url")
    @classmethod
    def _no_url(cls, value: str | None) -> None:
        raise ValueError(
            "a database URL carries a password, so it never lives in the config file; put it "
            "in TRIAGEWISE_DATABASE_URL (or in the variable store.url_env names) and remove "
            "this line"
        )

    @field_validator("url_env")
    @classmethod
    def _variable(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value):
            raise ValueError(
                "url_env names an environment variable (like TRIAGEWISE_DATABASE_URL), not a "
                "URL; put the URL in that variable"
            )
        return value
