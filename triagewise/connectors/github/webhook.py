"""GitHub webhooks: `X-Hub-Signature-256` over the raw body, `X-GitHub-Delivery` ids, and what
an `issues` / `issue_comment` delivery says about one issue (API-FACTS §7)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from triagewise.connectors.base import WebhookEvent, hmac_ok
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.github.config import GitHubSource
from triagewise.connectors.github.mapping import parse_time

LABEL_ACTIONS = frozenset({"labeled", "unlabeled"})
GONE_ACTIONS = frozenset({"deleted", "transferred"})


class GitHubWebhook:
    def signature_ok(self, headers: Mapping[str, str], body: bytes, secret: str) -> bool:
        return hmac_ok(secret, body, headers.get("x-hub-signature-256"))

    def read(self, headers: Mapping[str, str], body: bytes) -> WebhookEvent:
        delivery = (headers.get("x-github-delivery") or "").strip()
        kind = (headers.get("x-github-event") or "").strip()
        if not delivery or not kind:
            raise ValueError("no X-GitHub-Delivery or X-GitHub-Event header")
        payload = json.loads(body)
        if not isinstance(payload, dict):
            raise ValueError("the body is not a JSON object")
        action = str(payload.get("action") or "")
        repo = _dict(payload.get("repository"))
        scope = str(repo.get("full_name") or "").lower()
        issue = _dict(payload.get("issue"))
        ref: str | None = None
        # a pull request's events carry `issue.pull_request`: pull requests are not mirrored
        about_issue = "number" in issue and "pull_request" not in issue
        if kind in ("issues", "issue_comment") and about_issue and scope:
            ref = f"{repo.get('full_name')}#{issue['number']}"
        labels = issue.get("labels")
        names = (
            tuple(str(x.get("name")) for x in labels if isinstance(x, dict) and x.get("name"))
            if isinstance(labels, list)
            else None
        )
        return WebhookEvent(
            delivery=delivery,
            action=f"{kind}.{action}" if action else kind,
            scope=scope,
            ref=ref,
            sender=_dict(payload.get("sender")).get("login"),
            labels=names,
            label_only=kind == "issues" and action in LABEL_ACTIONS,
            gone=kind == "issues" and action in GONE_ACTIONS,
            updated=parse_time(issue.get("updated_at")) if ref else None,
        )

    def matches(self, source: SourceConfig, event: WebhookEvent) -> bool:
        return isinstance(source, GitHubSource) and source.repo.lower() == event.scope


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


GITHUB_WEBHOOK = GitHubWebhook()
