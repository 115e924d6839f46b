"""Scan a repository's issues page by page, newest update first, resumably.

Why descending by `updated`: when someone edits an issue during the scan it jumps to the front
(already read), so later pages only shift right — duplicates, never skips (API-FACTS §3). The
scan stops at the high-water mark of the previous scan minus an overlap window, so an
incremental pull reads ⌈changed/100⌉ pages.

Why the probe URL stays put: a 304 on page 1 of the same query proves nothing changed since it
was last read (any update would put that issue first), and costs no quota. Changing `since`
changes the URL and loses the ETag, so `since` is advanced at most once a week.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from triagewise.connectors.base import Page
from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.github.cursor import GitHubCursor, GitHubScan
from triagewise.connectors.github.mapping import is_pull_request, map_issue, parse_time
from triagewise.connectors.skip import skipped
from triagewise.errors import ProtocolError
from triagewise.model import Issue

OVERLAP = timedelta(minutes=5)
SINCE_REFRESH = timedelta(days=7)


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _finish(
    state: GitHubCursor, scan: GitHubScan, client: GitHubClient, now: datetime
) -> GitHubCursor:
    done = replace(
        state,
        scan=None,
        hwm=scan.max_updated,
        probe_url=scan.probe_url,
        probe_etag=scan.probe_etag,
    )
    set_at = parse_time(state.since_set_at)
    if set_at is None:
        done = replace(done, since_set_at=_iso(now))
    elif now - set_at > SINCE_REFRESH and scan.max_updated:
        newest = parse_time(scan.max_updated)
        assert newest is not None
        since = _iso(newest - OVERLAP)
        done = replace(
            done,
            since=since,
            since_set_at=_iso(now),
            probe_url=client.issues_url(since),
            probe_etag=None,
        )
    return replace(done, checked_at=_iso(now))


def scan_issues(
    client: GitHubClient, source: str, state: GitHubCursor | None, now: datetime
) -> Iterator[Page]:
    """Yield one batch per page; the last batch carries the completed cursor."""
    endpoint = client.issues_url(None).split("?")[0]
    if state is None or state.endpoint != endpoint:
        state = GitHubCursor(endpoint)  # another server is another mirror: start over
    scan = state.scan
    etag: str | None = None
    if scan is None:
        hwm = parse_time(state.hwm)
        probe_url = state.probe_url or client.issues_url(state.since)
        scan = GitHubScan(
            probe_url=probe_url,
            probe_etag=None,
            stop_at=_iso(hwm - OVERLAP) if hwm else None,
            max_updated=state.hwm,
            next_url=probe_url,
            page=0,
        )
        etag = state.probe_etag
    stop_at = parse_time(scan.stop_at)
    seen_urls: set[str] = set()
    url: str | None = scan.next_url
    while url:
        if url in seen_urls:
            raise ProtocolError(f"GitHub returned the same page twice ({url}); stopping.")
        seen_urls.add(url)
        page = client.fetch_page(url, etag)
        if page.status == 304:
            yield Page([], replace(state, checked_at=_iso(now)), 304, done=True)
            return
        if scan.page == 0:
            scan = replace(scan, probe_etag=page.etag)
        etag = None
        issues: list[tuple[Issue, dict[str, Any]]] = []
        notes: list[str] = []
        prs = 0
        reached_stop = False
        newest = parse_time(scan.max_updated)
        for item in page.items:
            updated = parse_time(item.get("updated_at"))
            if updated is not None:
                newest = updated if newest is None else max(newest, updated)
                if stop_at is not None and updated < stop_at:
                    reached_stop = True
            if is_pull_request(item):
                prs += 1
                continue
            try:
                issues.append((map_issue(item, source, client.repo), item))
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                # one issue in a shape nobody expected must not fail every run
                number = item.get("number", "?") if isinstance(item, dict) else "?"
                notes.append(skipped(f"GitHub issue {client.repo}#{number}", exc))
        scan = replace(
            scan,
            page=scan.page + 1,
            max_updated=_iso(newest) if newest else None,
            next_url=None if reached_stop else page.next_url,
        )
        finished = scan.next_url is None
        state = _finish(state, scan, client, now) if finished else replace(state, scan=scan)
        yield Page(issues, state, 200, prs, scan.page, page.last_page, finished, notes)
        url = scan.next_url
