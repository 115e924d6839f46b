"""What every source's config model shares: strictness, environment variable names, safe URLs.

Here, not in `triagewise.config`, because that package builds its union of sources from the
connector registry: a connector's own model (`connectors/<tracker>/config.py`) must not import
it back.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class Strict(BaseModel):
    """Unknown keys are errors; a loaded config never changes."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SourceConfig(Strict):
    """One `[[sources]]` entry. Each connector subclasses it with its own keys and narrows
    `type` to its own literal, which is the union's tag."""

    name: str
    type: str

    def env_names(self) -> list[tuple[str, str]]:
        """(key, variable) for every environment variable this source names: the fields that
        end in `_env` and are set, whatever the connector calls them."""
        return [
            (key, value)
            for key in type(self).model_fields
            if key.endswith("_env") and isinstance(value := getattr(self, key), str) and value
        ]


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_http_url(url: str, allow_insecure: bool) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) URL")
    if parts.scheme == "http" and not allow_insecure and not is_loopback(url):
        raise ValueError(
            f"{url!r} uses plain http to a non-loopback host; use https "
            "or set allow_insecure_http = true for this source"
        )
    return url.rstrip("/")


def check_env_name(value: str | None) -> str | None:
    if value is not None and not ENV_NAME.match(value):
        raise ValueError(f"{value!r} is not an environment variable name")
    return value
