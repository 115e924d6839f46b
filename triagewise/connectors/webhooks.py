"""How a tracker's webhooks are verified and read (`triagewise serve`): the event one delivery
carries and the format each connector supplies as `Connector.webhook`."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from triagewise.connectors.config import SourceConfig

__all__ = ["WebhookEvent", "WebhookFormat", "hmac_ok"]


@dataclass(frozen=True)
class WebhookEvent:
    """What one delivery says, read from its headers and body; the body itself is not kept.

    `scope` is what the event concerns, for `WebhookFormat.matches` (a repository, a site and
    project); `ref` the issue (None when the event is about no one issue: a ping, a repository
    label, a board item); `labels` the issue's labels as the payload carried them (None when it
    carried none); `label_only` when the change was to labels alone (an echo of triagewise's
    own write when they equal its shadow); `gone` when the issue was deleted or moved away;
    `updated` the issue's last update as the payload saw it (an event no newer than the mirror's
    copy of the issue carries nothing the mirror lacks)."""

    delivery: str
    action: str
    scope: str
    ref: str | None
    sender: str | None = None
    labels: tuple[str, ...] | None = None
    label_only: bool = False
    gone: bool = False
    updated: datetime | None = None  # the update time as the payload carried it


class WebhookFormat(Protocol):
    """A tracker's webhooks: how a delivery is signed and what it says."""

    def signature_ok(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        """The delivery's signature header (names lower-cased) matches the raw body under
        `secret`, compared in constant time; False when it is missing."""
        ...

    def read(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        """The event in a verified delivery; raises ValueError when it is not one this tracker
        sends (not JSON, no delivery id)."""
        ...

    def matches(self, source: SourceConfig, event: WebhookEvent) -> bool:
        """The event concerns what `source` mirrors."""
        ...


def hmac_ok(secret: str, body: bytes, header: str | None, prefix: str = "sha256=") -> bool:
    """`header` is `prefix` + the hex HMAC-SHA256 of `body` under `secret` (constant time)."""
    if not header or not header.startswith(prefix):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len(prefix) :].strip().lower(), expected)
