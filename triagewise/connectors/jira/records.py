"""A person's decision in triagewise's own Jira comment. Jira's wiki markup has no hidden text
(an HTML comment would show as text), so the record goes where the writes already put the
nonce: a comment property (`triagewise-decision`), which readers never see and which only the
comment's author (or someone allowed to edit every comment) may set.

Read back with few requests: a `key in (…)` search with `fields=comment`, 100 issues a call,
finds triagewise's own comment on each issue (by author: a comment anyone else wrote is never
read for a record); then one property read per such comment."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from triagewise.errors import AuthError, TriagewiseError, UnreachableError
from triagewise.model import Issue

if TYPE_CHECKING:
    from triagewise.connectors.jira.history import JiraHistory

PROPERTY = "triagewise-decision"
SEARCH_BATCH = 100  # keys per `key in (…)` search


def record_property(record: str | None) -> dict[str, Any]:
    """The comment property a write sends: the record, or an empty value that clears one."""
    return {"key": PROPERTY, "value": json.loads(record) if record else {}}


def _own_comments(history: JiraHistory, keys: Sequence[str]) -> dict[str, str]:
    """Issue key -> the id of triagewise's newest comment on it."""
    client, ours = history.client, history.identities()
    found: dict[str, str] = {}
    for start in range(0, len(keys), SEARCH_BATCH):
        jql = f"key in ({', '.join(keys[start : start + SEARCH_BATCH])})"
        at = 0
        while True:
            if client.cloud:
                data = client.search_cloud(jql, ["comment"], None, SEARCH_BATCH)
            else:
                data = client.search_datacenter(jql, ["comment"], at)
            rows = data.get("issues") or []
            for issue in rows:
                comments = ((issue.get("fields") or {}).get("comment") or {}).get("comments")
                mine = [c for c in comments or [] if history.author_ids(c.get("author")) & ours]
                if mine:
                    found[str(issue["key"])] = str(mine[-1]["id"])
            at += len(rows)
            if client.cloud or not rows or at >= int(data.get("total", 0)):
                break
    return found


def decision_records(history: JiraHistory, issues: Sequence[Issue]) -> dict[str, tuple[str, str]]:
    """ref -> (comment id, record JSON) from triagewise's own comments."""
    out: dict[str, tuple[str, str]] = {}
    for key, cid in _own_comments(history, [i.ref for i in issues]).items():
        try:
            data = history.client.get_json(
                f"the decision recorded on {key}",
                f"comment/{cid}/properties/{PROPERTY}",
            )
        except (UnreachableError, AuthError):
            raise
        except TriagewiseError:
            continue  # no record (404): the comment explains, it records no decision
        value = (data or {}).get("value")
        if isinstance(value, dict) and value:
            out[key] = (cid, json.dumps(value, sort_keys=True))
    return out
