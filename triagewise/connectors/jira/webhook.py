"""Jira webhooks. An admin webhook with a secret signs the raw body as `X-Hub-Signature:
sha256=<hex HMAC-SHA256>` (WebSub's method=signature); `X-Atlassian-Webhook-Identifier` names
a delivery and stays the same across Jira's retries (API-FACTS §7). A delivery without it (an
older Data Center) is named by its `timestamp`, event, issue id and changelog id."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from triagewise.connectors.base import WebhookEvent, hmac_ok
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.jira.config import JiraSource
from triagewise.connectors.jira.mapping import parse_time

_PROJECT_IS = re.compile(r"\bproject\s*=\s*\"?([A-Za-z][A-Za-z0-9_]*)\"?", re.IGNORECASE)
_PROJECT_IN = re.compile(r"\bproject\s+in\s*\(([^)]*)\)", re.IGNORECASE)


class JiraWebhook:
    def signature_ok(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return hmac_ok(secret, body, headers.get("x-hub-signature"))

    def read(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("the body is not a JSON object")
        event = str(payload.get("webhookEvent") or "")
        issue = _dict(payload.get("issue"))
        fields = _dict(issue.get("fields"))
        changelog = _dict(payload.get("changelog"))
        delivery = (headers.get("x-atlassian-webhook-identifier") or "").strip()
        if not delivery:
            parts = [payload.get("timestamp"), event, issue.get("id"), changelog.get("id")]
            if parts[0] is None or not event:
                raise ValueError("no X-Atlassian-Webhook-Identifier header and no timestamp")
            delivery = ":".join(str(p) for p in parts if p is not None)
        key = issue.get("key")
        project = _dict(fields.get("project")).get("key") or (
            str(key).rsplit("-", 1)[0] if key else ""
        )
        site = str(issue.get("self") or "").split("/rest/api/", 1)[0].rstrip("/").lower()
        user = _dict(payload.get("user"))
        labels = fields.get("labels")
        items = [i for i in changelog.get("items") or [] if isinstance(i, dict)]
        return WebhookEvent(
            delivery=delivery,
            action=event or "unknown",
            scope=f"{site} {str(project).upper()}",
            ref=str(key) if key and event.startswith("jira:issue_") else None,
            sender=user.get("accountId") or user.get("name") or user.get("key"),
            labels=tuple(str(x) for x in labels) if isinstance(labels, list) else None,
            label_only=bool(items) and all(str(i.get("field")).lower() == "labels" for i in items),
            gone=event == "jira:issue_deleted",
            updated=parse_time(fields.get("updated")),
        )

    def matches(self, source: SourceConfig, event: WebhookEvent) -> bool:
        if not isinstance(source, JiraSource):
            return False
        site, _, project = event.scope.partition(" ")
        if site != source.url.rstrip("/").lower():
            return False
        named = projects_of(source.jql)
        return not named or project in named


def projects_of(jql: str) -> set[str]:
    """The project keys a source's JQL names (`project = X`, `project in (X, Y)`); empty when it
    names none (then every event of the site is taken, and the fetch decides)."""
    keys = {m.group(1).upper() for m in _PROJECT_IS.finditer(jql)}
    for m in _PROJECT_IN.finditer(jql):
        keys |= {k.strip().strip("\"'").upper() for k in m.group(1).split(",") if k.strip()}
    return keys


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


JIRA_WEBHOOK = JiraWebhook()
