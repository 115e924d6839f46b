"""The Jira mapping on real payloads nobody on this team wrote (../shared/compat/jira)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from triagewise.connectors.jira.errors import error_sentence
from triagewise.connectors.jira.fields import FieldMap, discover_fields
from triagewise.connectors.jira.mapping import map_issue
from triagewise.connectors.text import adf_to_text, wiki_to_text
from triagewise.model import StatusCategory, Tracker
from triagewise.sandbox.jira import JiraApp

# go-jira's Cloud recording names no fields; these ids are what its /field would have said
GO_JIRA = FieldMap(
    story_points="customfield_10105", rank="customfield_11200", epic_link="customfield_10700"
)


def _issues(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if "key" in node and isinstance(node.get("fields"), dict):
            found.append(node)
        for value in node.values():
            found += _issues(value)
    elif isinstance(node, list):
        for value in node:
            found += _issues(value)
    return found


def test_every_recorded_issue_maps(compat: Path) -> None:
    files = sorted((compat / "jira").rglob("*.json"))
    mapped = 0
    for path in files:
        if "openapi" in path.name:
            continue
        for payload in _issues(json.loads(path.read_text())):
            issue = map_issue(payload, "platform", "https://x.atlassian.net", GO_JIRA)
            assert issue.ref == payload["key"], path
            assert issue.tracker is Tracker.JIRA
            assert issue.created_at.tzinfo is not None
            mapped += 1
    assert mapped >= 30


def test_go_jira_cloud_recording(compat: Path) -> None:
    page = json.loads((compat / "jira/go-jira/issues_in_sprint_with_changelog.json").read_text())
    issue = map_issue(page["issues"][0], "platform", "https://example.atlassian.net", GO_JIRA)
    assert issue.ref == "AR-86"
    assert issue.estimate == 13.0
    assert issue.tracker_rank == "0|0zzzzd:vi"
    assert issue.epic == "AR-37"
    assert issue.priority == "Major" and issue.type == "Task"
    assert issue.created_at == datetime(2015, 12, 2, 15, 39, 15, tzinfo=UTC)  # -0800 → UTC
    assert issue.closed_at == datetime(2015, 12, 7, 22, 19, 13, tzinfo=UTC)
    assert issue.url == "https://example.atlassian.net/browse/AR-86"
    assert issue.assignees == ("mister Morris",)


def test_jira_ruby_server_search_page(compat: Path) -> None:
    page = json.loads((compat / "jira/jira-ruby/search-project-SAMPLEPROJECT.json").read_text())
    issues = [map_issue(p, "s", "http://localhost:2990/jira", FieldMap()) for p in page["issues"]]
    assert len(issues) == page["total"] == 11
    assert all(i.status_category is StatusCategory.TODO for i in issues)
    first = issues[0]
    assert first.priority == "Major" and first.author == "admin" and first.upvotes == 0


def test_jira_ruby_issue_with_components_and_labels(compat: Path) -> None:
    payload = json.loads((compat / "jira/jira-ruby/issue-10002.json").read_text())
    issue = map_issue(payload, "s", "http://localhost:2990/jira", FieldMap())
    assert issue.components
    assert issue.ref == payload["key"]


def test_atlassian_v3_example_has_an_adf_description(compat: Path) -> None:
    payload = json.loads(
        (compat / "jira/atlassian-examples/platform/getIssue.200.json").read_text()
    )
    issue = map_issue(payload, "p", "https://your-domain.atlassian.net", FieldMap())
    assert issue.body == "Main order flow broken"
    assert issue.title == ""  # the documentation example has no summary


def test_the_sandbox_renders_what_the_mapping_reads() -> None:
    app = JiraApp("cloud")
    item = app.add(
        "PLAT",
        "Invite API",
        description="Partners want to *invite* people.",
        labels=["onboarding"],
        story_points=5.0,
        epic="PLAT-1",
        sprint="S14",
        duedate=date(2027, 1, 4),
        votes=3,
    )
    fields = discover_fields(app.field_list())
    for version in ("2", "3"):
        issue = map_issue(app.render(item, "http://j", version, None), "p", "http://j", fields)
        assert (issue.title, issue.labels, issue.estimate, issue.epic, issue.sprints) == (
            "Invite API",
            ("onboarding",),
            5.0,
            "PLAT-1",
            ("S14",),
        )
        assert issue.body == "Partners want to invite people."
        assert issue.due_on == date(2027, 1, 4) and issue.upvotes == 3
        assert issue.tracker_rank is not None


@pytest.mark.parametrize(
    ("wiki", "text"),
    [
        ("h1. Title\nSome *bold* and _it_ text", "Title\nSome bold and it text"),
        ("See [the docs|https://x.y] and [https://a.b]", "See the docs and https://a.b"),
        ("{code:java}\nint x = 1;\n{code}", "int x = 1;"),
        ("* one\n** two\n# three", "- one\n- two\n- three"),
        ("{{monospace}} and !image.png|thumbnail!", "monospace and"),
        ("||h1||h2||\n|a|b|", "h1 h2\na b"),
        ("snake_case_name and some-thing", "snake_case_name and some-thing"),
        (None, ""),
    ],
)
def test_wiki_to_text(wiki: str | None, text: str) -> None:
    assert wiki_to_text(wiki) == text


def test_adf_to_text() -> None:
    doc = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "content": [{"type": "text", "text": "Title"}]},
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Hello "},
                {"type": "mention", "attrs": {"text": "@ana"}},
                {"type": "hardBreak"},
                {"type": "text", "text": "next line"},
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [{"type": "text", "text": "item"}]}]},
            ]},
        ],
    }  # fmt: skip
    assert adf_to_text(doc) == "Title\nHello @ana\nnext line\n- item"


def test_fields_are_found_by_schema_on_both_layouts() -> None:
    cloud = discover_fields(JiraApp("cloud").field_list())
    assert (cloud.story_points, cloud.rank, cloud.epic_link, cloud.sprint) == (
        "customfield_10016",
        "customfield_10019",
        "customfield_10014",
        "customfield_10020",
    )
    server = discover_fields(JiraApp("datacenter").field_list())
    assert server.story_points == "customfield_10106"  # a float field named "Story Points"
    bare = discover_fields(JiraApp("cloud", story_points=False).field_list())
    assert bare.story_points is None
    assert bare.notes == ("this site has no story points field, so Jira estimates are left empty",)


def test_fields_of_a_real_server_without_jira_software(compat: Path) -> None:
    fields = discover_fields(json.loads((compat / "jira/jira-ruby/fields.json").read_text()))
    assert fields.rank is None and len(fields.notes) == 2


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


def test_every_real_error_body_becomes_a_sentence(compat: Path) -> None:
    for path in (compat / "jira/jira-ruby").glob("error-*.json"):
        sentence = error_sentence(path.read_text())
        assert sentence and sentence != "no details given", path
    examples = json.loads(
        (compat / "jira/atlassian-examples/platform/_error-examples.json").read_text()
    )
    assert len(examples) > 20
    said_something = [e for e in examples if any(str(v).strip() for v in _strings(e["body"]))]
    assert len(said_something) > 20
    for example in said_something:
        assert error_sentence(example["body"]) != "no details given", example["operationId"]
    invalid = json.loads(
        (compat / "jira/jira-ruby/error-issue-edit-invalid-field-400.json").read_text()
    )
    assert error_sentence(invalid) == "Field 'invalid' is not valid for this operation."
