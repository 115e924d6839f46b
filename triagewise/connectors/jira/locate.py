"""Which mirrored Jira issues are gone or moved: a search of the source's own query with
`id in (…)`, 100 ids a search (ids survive a move; keys do not), then one `GET issue/{id}` per
issue the search no longer returns: 404 deleted; another key, moved out of the query; the same
key, merely out of the query's scope now (closed, relabelled): not gone, left alone."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from triagewise.connectors.gone import Gone
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.jql import strip_order_by
from triagewise.errors import NotFoundError
from triagewise.model import Issue

GROUP = 100


def _search(client: JiraClient, jql: str) -> list[dict[str, Any]]:
    if client.cloud:
        found = client.search_cloud(jql, ["key"], None, page_size=GROUP)
    else:
        found = client.search_datacenter(jql, ["key"], 0)
    rows = found.get("issues") if isinstance(found, dict) else None
    return [r for r in rows or [] if isinstance(r, dict)]


def locate(client: JiraClient, issues: Sequence[Issue]) -> list[Gone]:
    by_id = {i.tracker_id: i.ref for i in issues if i.tracker_id.isdigit()}
    scope = strip_order_by(client.source.jql).strip()
    ids = list(by_id)
    out: list[Gone] = []
    for start in range(0, len(ids), GROUP):
        chunk = ids[start : start + GROUP]
        listed = f"id in ({', '.join(chunk)})"
        jql = f"({scope}) AND {listed}" if scope else listed
        keys = {str(r.get("id")): str(r.get("key")) for r in _search(client, jql)}
        for issue_id in chunk:
            old = by_id[issue_id]
            if issue_id in keys:
                if keys[issue_id] != old:  # moved, and still inside this source's query
                    out.append(Gone(old, f"was moved to {keys[issue_id]}", keys[issue_id]))
                continue
            try:
                payload = client.get_json("issue", f"issue/{issue_id}", {"fields": "key"})
            except NotFoundError:
                out.append(Gone(old, "was deleted"))
                continue
            key = str(payload.get("key") or old) if isinstance(payload, dict) else old
            if key != old:
                elsewhere = f"{client.source.url} {key}"  # no configured source's scope
                out.append(Gone(old, f"was moved to {key}", key, elsewhere))
    return out
