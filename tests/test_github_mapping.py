"""The GitHub mapping on real payloads that nobody on this team wrote (../shared/compat)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from triagewise.connectors.github.mapping import is_pull_request, map_issue, repo_of
from triagewise.connectors.text import markdown_to_text
from triagewise.model import Issue, StatusCategory


def _issue_payloads(compat: Path) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for folder in ("normalized", "raw"):
        for path in sorted((compat / "github/octokit-fixtures" / folder).glob("*.json")):
            for n, exchange in enumerate(json.loads(path.read_text())):
                body = exchange.get("response")
                items = body.get("items") if isinstance(body, dict) else body
                candidates = items if isinstance(items, list) else [body]
                for item in candidates:
                    if isinstance(item, dict) and "number" in item and "labels_url" in item:
                        found.append((f"{folder}/{path.stem}[{n}]", item))
    examples = json.loads((compat / "github/github-openapi-examples.json").read_text())
    for name in ("issue", "issue-items", "issue-with-repo-items"):
        value = examples["examples"][name]
        for item in value if isinstance(value, list) else [value]:
            found.append((f"openapi/{name}", item))
    search = examples["examples"]["issue-search-result-item-paginated"]["items"]
    found += [("openapi/search", item) for item in search]
    return found


def test_every_recorded_issue_payload_maps(compat: Path) -> None:
    payloads = _issue_payloads(compat)
    assert len(payloads) >= 20  # 13 paginated issues, search, add-labels, OpenAPI examples
    for where, payload in payloads:
        issue = map_issue(payload, "app", repo_of(payload) or "o/r")
        assert isinstance(issue, Issue), where
        assert issue.ref.endswith(f"#{payload['number']}"), where
        assert issue.created_at.tzinfo is not None, where
        assert issue.title == payload["title"], where


def test_paginate_fixture_details(compat: Path) -> None:
    exchanges = json.loads(
        (compat / "github/octokit-fixtures/normalized/paginate-issues.json").read_text()
    )
    first = exchanges[0]["response"][0]
    issue = map_issue(first, "app", "octokit-fixture-org/paginate-issues")
    assert issue.ref == "octokit-fixture-org/paginate-issues#13"
    assert issue.body == ""  # body: null
    assert issue.assignees == ()  # assignee: null
    assert issue.versions == ()  # milestone: null
    assert issue.comments == 42
    assert issue.status_category is StatusCategory.TODO
    assert issue.created_at == datetime(2017, 10, 10, 16, 0, tzinfo=UTC)
    assert issue.author == "octokit-fixture-user-a"


def test_openapi_issue_example_is_a_pull_request_and_maps_its_fields(compat: Path) -> None:
    examples = json.loads((compat / "github/github-openapi-examples.json").read_text())
    payload = examples["examples"]["issue"]
    assert is_pull_request(payload)
    issue = map_issue(payload, "app", "octocat/Hello-World")
    assert issue.labels == ("bug",)
    assert issue.assignees == ("octocat",)
    assert issue.versions == ("v1.0",)
    assert issue.due_on is not None


def _payload(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": 1,
        "number": 7,
        "title": "t",
        "state": "open",
        "labels": [],
        "created_at": "2026-01-01T10:00:00Z",
        "updated_at": "2026-01-02T10:00:00Z",
    }
    return base | overrides


@pytest.mark.parametrize(
    ("overrides", "field", "expected"),
    [
        ({"state": "closed", "state_reason": "not_planned"}, "state", "closed (not_planned)"),
        ({"state": "closed"}, "status_category", StatusCategory.DONE),
        ({"labels": ["plain", {"name": "obj"}, {"name": None}]}, "labels", ("plain", "obj")),
        ({"assignee": {"login": "a"}, "assignees": None}, "assignees", ("a",)),
        ({"user": None}, "author", None),
        ({"reactions": {"total_count": 5, "+1": 3}}, "upvotes", 3),
        ({"reactions": None}, "reactions", 0),
        ({"type": {"name": "Bug"}}, "type", "Bug"),
        ({"type": None}, "type", None),
        ({"comments": None}, "comments", 0),
        ({"updated_at": None}, "updated_at", datetime(2026, 1, 1, 10, tzinfo=UTC)),
        (
            {"created_at": "2026-01-01T10:00:00+02:00"},
            "created_at",
            datetime(2026, 1, 1, 8, tzinfo=UTC),
        ),
    ],
)
def test_tolerant_mapping(overrides: dict[str, Any], field: str, expected: Any) -> None:
    issue = map_issue(_payload(**overrides), "app", "o/r")
    assert getattr(issue, field) == expected


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("# Title\n\nSome **bold** and _it_ text", "Title\n\nSome bold and it text"),
        ("See [the docs](https://x.y) and ![img](a.png)", "See the docs and img"),
        ("```python\nprint(1)\n```", "print(1)"),
        ("> quoted\n- [ ] task\n* item", "quoted\n- task\n- item"),
        ("<!-- hidden -->visible &amp; <b>bold</b>", "visible & bold"),
        ("a\r\n\r\n\r\n\r\nb", "a\n\nb"),
        (None, ""),
        ("snake_case_name stays", "snake_case_name stays"),
    ],
)
def test_markdown_to_text(markdown: str | None, text: str) -> None:
    assert markdown_to_text(markdown) == text
