"""Scan a Jira project page by page, newest update first, incrementally and resumably.

The user's JQL is combined with the cursor, never replaced. JQL dates have minute resolution
and absolute ones are read in the searching user's time zone, so the cursor is a relative
`updated >= "-Nm"` with an overlap window; the upsert by issue id folds the duplicates.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from triagewise.connectors.base import Page
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.cursor import JiraCursor, JiraScan
from triagewise.connectors.jira.fields import FieldMap, discover_fields
from triagewise.connectors.jira.jql import strip_order_by
from triagewise.connectors.jira.mapping import map_issue, parse_time
from triagewise.connectors.skip import skipped
from triagewise.errors import ProtocolError
from triagewise.model import Issue

OVERLAP = timedelta(minutes=5)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def build_jql(user_jql: str, since: datetime | None, now: datetime) -> str:
    """The user's JQL (its ORDER BY dropped), AND the cursor, newest update first."""
    where = strip_order_by(user_jql)
    parts = [f"({where})"] if where else []
    if since is not None:
        minutes = max(1, math.ceil((now - since).total_seconds() / 60))
        parts.append(f'updated >= "-{minutes}m"')
    return f"{' AND '.join(parts)} ORDER BY updated DESC, key DESC".strip()


def _map_page(
    client: JiraClient, source: str, fields: FieldMap, raw: list[Any], notes: list[str]
) -> tuple[list[tuple[Issue, dict[str, Any]]], datetime | None]:
    out: list[tuple[Issue, dict[str, Any]]] = []
    newest: datetime | None = None
    for item in raw:
        if not isinstance(item, dict) or "key" not in item:
            raise ProtocolError(f"Jira {client.source.name} sent an issue without a key.")
        try:
            issue = map_issue(item, source, client.source.url, fields)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            # one issue in a shape nobody expected must not fail every run
            notes.append(skipped(f"Jira issue {item['key']}", exc))
            continue
        out.append((issue, item))
        updated = parse_time((item.get("fields") or {}).get("updated"))
        if updated is not None and (newest is None or updated > newest):
            newest = updated
    return out, newest


def scan_issues(
    client: JiraClient, source: str, state: JiraCursor | None, now: datetime
) -> Iterator[Page]:
    endpoint = f"{client.source.url} ({'cloud' if client.cloud else 'datacenter'})"
    if state is None or state.endpoint != endpoint or state.jql != client.source.jql:
        state = JiraCursor(endpoint, client.source.jql)  # another scope: start over
    fields = discover_fields(client.fields())
    scan = state.scan
    if scan is None:
        hwm = parse_time(state.hwm)
        scan = JiraScan(
            jql=build_jql(client.source.jql, hwm - OVERLAP if hwm else None, now),
            token=None,
            start_at=0,
            max_updated=state.hwm,
            page=0,
        )
    tokens: set[str] = set()
    notes = list(fields.notes)
    while True:
        if client.cloud:
            data = client.search_cloud(scan.jql, fields.search_fields(), scan.token)
            token = data.get("nextPageToken") or None
            if token is not None and (token in tokens or token == scan.token):
                # a known Jira Cloud bug: a repeated token would loop forever; start afresh
                state = replace(state, scan=None)
                yield Page([], state, 200, done=True)
                raise ProtocolError(
                    f"Jira {client.source.name} repeated a page token; the next pull starts "
                    "this scan again."
                )
            if token:
                tokens.add(token)
            last = bool(data.get("isLast", token is None)) or token is None
            raw = data.get("issues") or []
            last_page = None
            following = replace(scan, token=token)
        else:
            data = client.search_datacenter(scan.jql, fields.search_fields(), scan.start_at)
            raw = data.get("issues") or []
            start = int(data.get("startAt", scan.start_at))
            total = int(data.get("total", 0))
            nxt = start + len(raw)  # page by what was sent, not by what was asked for
            last = not raw or nxt >= total
            last_page = math.ceil(total / len(raw)) if raw else None
            following = replace(scan, start_at=nxt)
        issues, newest = _map_page(client, source, fields, raw, notes)
        previous = parse_time(scan.max_updated)
        if previous is not None and (newest is None or previous > newest):
            newest = previous
        scan = replace(following, page=scan.page + 1, max_updated=_iso(newest) if newest else None)
        if last:
            state = replace(
                state, scan=None, hwm=scan.max_updated, checked_at=_iso(now), notes=notes
            )
        else:
            state = replace(state, scan=scan)
        yield Page(issues, state, 200, page=scan.page, last_page=last_page, done=last, notes=notes)
        notes = []
        if last:
            return
