"""Each connector's cursor is a typed model that writes itself as the JSON the store keeps and
reads back what earlier versions wrote (dict cursors)."""

from __future__ import annotations

from triagewise.connectors.github.cursor import GitHubCursor, GitHubScan
from triagewise.connectors.jira.cursor import JiraCursor, JiraScan

GITHUB = {
    "endpoint": "https://api.github.com/repos/o/r/issues",
    "hwm": "2026-11-25T12:00:00Z",
    "probe_url": "https://api.github.com/repos/o/r/issues?state=all",
    "probe_etag": 'W/"v1"',
    "since_set_at": "2026-11-25T00:00:00Z",
    "checked_at": "2026-11-26T00:00:00Z",
    "scan": {
        "probe_url": "https://api.github.com/repos/o/r/issues?state=all",
        "probe_etag": None,
        "stop_at": "2026-11-25T11:55:00Z",
        "max_updated": "2026-11-25T12:00:00Z",
        "next_url": "https://api.github.com/repos/o/r/issues?state=all&page=2",
        "page": 1,
    },
}
JIRA = {
    "endpoint": "https://jira.example (cloud)",
    "jql": "project = PLAT",
    "hwm": "2026-11-25T12:00:00Z",
    "checked_at": "2026-11-26T00:00:00Z",
    "notes": ["this site has no story points field, so Jira estimates are left empty"],
    "scan": {"jql": "x", "token": "t2", "start_at": 0, "max_updated": None, "page": 2},
}


def test_a_github_cursor_reads_what_the_dict_cursor_wrote_and_writes_it_back() -> None:
    cursor = GitHubCursor.from_json(GITHUB)
    assert cursor is not None and isinstance(cursor.scan, GitHubScan)
    assert cursor.scan.page == 1 and cursor.probe_etag == 'W/"v1"'
    assert cursor.to_json() == GITHUB
    assert GitHubCursor.from_json(cursor.to_json()) == cursor


def test_a_jira_cursor_reads_what_the_dict_cursor_wrote_and_writes_it_back() -> None:
    cursor = JiraCursor.from_json(JIRA)
    assert cursor is not None and cursor.scan == JiraScan("x", "t2", 0, None, 2)
    assert cursor.to_json() == JIRA
    assert JiraCursor.from_json({"endpoint": "e", "jql": "j"}) == JiraCursor("e", "j")


def test_a_cursor_that_cannot_be_resumed_starts_over() -> None:
    assert GitHubCursor.from_json(None) is None
    assert GitHubCursor.from_json({"hwm": "x"}) is None  # no endpoint
    assert JiraCursor.from_json({}) is None
    # a field this version does not know is dropped, not an error
    assert GitHubCursor.from_json({"endpoint": "e", "future": 1}) == GitHubCursor("e")
