"""Who set an issue's labels on Jira: the changelog's `labels` items with their author. Cloud
fetches the changelogs of up to 1,000 issues a call (`POST changelog/bulkfetch`); Data Center
has no bulk changelog, so it reads each issue once with `expand=changelog`. `/myself` names
the credentials' own user."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from triagewise.connectors.base import LabelEvent, fold_identity
from triagewise.connectors.jira.client import JiraClient
from triagewise.errors import ProtocolError
from triagewise.model import Issue

BULK_CHANGELOG = 1000  # issues per bulk changelog call (API-FACTS §7)


def _ids(user: Any) -> frozenset[str]:
    """Every id Jira gives a user: the Cloud account id, the Data Center name and key."""
    if not isinstance(user, dict):
        return frozenset()
    found = (user.get(k) for k in ("accountId", "name", "key"))
    return frozenset(fold_identity(str(v)) for v in found if v)


def _when(value: Any) -> datetime | None:
    """Jira's changelog time: ISO with a `+0000` offset, or (in Atlassian's own bulk
    example) epoch seconds."""
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    text = str(value or "")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = text[:-2] + ":" + text[-2:]  # +0000 -> +00:00
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def map_histories(ref: str, histories: Sequence[Any], labels: frozenset[str]) -> list[LabelEvent]:
    """Changelog entries as label events: Jira logs the whole label set before and after,
    space-separated; only the labels asked for (lower-cased) count."""
    out: list[LabelEvent] = []
    for history in histories:
        if not isinstance(history, dict):
            continue
        at = _when(history.get("created"))
        author = history.get("author") or {}
        ids = _ids(author)
        name = str(author.get("displayName") or author.get("name") or "someone")
        if at is None:
            continue
        for item in history.get("items") or []:
            if not isinstance(item, dict) or (item.get("fieldId") or item.get("field")) != "labels":
                continue
            before = set(str(item.get("fromString") or "").split())
            after = set(str(item.get("toString") or "").split())
            for label in sorted(before ^ after):
                if label.lower() in labels:
                    out.append(LabelEvent(ref, label, label in after, name, ids, at))
    return sorted(out, key=lambda e: e.at)


class JiraHistory:
    """The `LabelHistory` of one Jira source."""

    def __init__(self, client: JiraClient) -> None:
        self.client = client
        self._me: frozenset[str] | None = None
        self._extra: frozenset[str] = frozenset()

    def add_identities(self, names: Iterable[str]) -> None:
        self._extra |= {fold_identity(n) for n in names if n.strip()}

    def identities(self) -> frozenset[str]:
        if self._me is None:
            me = _ids(self.client.get_json("the credentials' user", "myself"))
            if not me:
                raise ProtocolError("Jira answered /myself without an account id or name.")
            self._me = me
        return self._me | self._extra

    def author_ids(self, user: Any) -> frozenset[str]:
        return _ids(user)

    def decision_records(self, issues: Sequence[Issue]) -> dict[str, tuple[str, str]]:
        """The records in triagewise's own comments (`records.py`)."""
        from triagewise.connectors.jira.records import decision_records

        return decision_records(self, issues)

    def label_events(
        self, issues: Sequence[Issue], labels: frozenset[str]
    ) -> dict[str, list[LabelEvent]]:
        if self.client.cloud:
            return self._bulk(issues, labels)
        out: dict[str, list[LabelEvent]] = {}
        for issue in issues:
            data = self.client.get_json(
                f"the changelog of {issue.ref}",
                f"issue/{issue.ref}",
                {"expand": "changelog", "fields": "labels"},
            )
            histories = ((data or {}).get("changelog") or {}).get("histories") or []
            out[issue.ref] = map_histories(issue.ref, histories, labels)
        return out

    def _bulk(self, issues: Sequence[Issue], labels: frozenset[str]) -> dict[str, list[LabelEvent]]:
        by_id = {str(i.tracker_id): i.ref for i in issues} | {i.ref: i.ref for i in issues}
        found: dict[str, list[Any]] = {i.ref: [] for i in issues}
        url = self.client.url("changelog/bulkfetch")
        for start in range(0, len(issues), BULK_CHANGELOG):
            body: dict[str, Any] = {
                "issueIdsOrKeys": [i.ref for i in issues[start : start + BULK_CHANGELOG]],
                "fieldIds": ["labels"],
                "maxResults": 10000,  # histories a page (the API allows up to 10,000)
            }
            while True:
                response = self.client.rest("the label changelogs", "post", url, body)
                try:
                    page = response.json()
                except ValueError:
                    raise ProtocolError("Jira's bulk changelog answer was not JSON.") from None
                for log in page.get("issueChangeLogs") or []:
                    ref = by_id.get(str(log.get("issueId")))
                    if ref is not None:
                        found[ref] += list(log.get("changeHistories") or [])
                token = page.get("nextPageToken")
                if not token:
                    break
                body["nextPageToken"] = token
        return {ref: map_histories(ref, rows, labels) for ref, rows in found.items()}
