"""The sandbox Jira: the unmodified `jira` library against it in Cloud and Data Center modes,
its answers checked against Atlassian's OpenAPI descriptions, its JQL and its errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from jira import JIRA, JIRAError

from conftest import BASE, Spec
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN, JiraApp, Sandbox, build_sandbox, jira_of
from triagewise.sandbox.jql import JqlError, parse

AUTH = (DEMO_JIRA_USER, DEMO_TOKEN)


@pytest.fixture(params=["cloud", "datacenter"])
def site(request: pytest.FixtureRequest) -> Iterator[tuple[Sandbox, JiraApp]]:
    server, _ = build_sandbox(base=BASE, jira_mode=request.param)
    with server:
        yield server, jira_of(server)


def test_the_jira_library_works_against_the_sandbox(site: tuple[Sandbox, JiraApp]) -> None:
    server, app = site
    jira = JIRA(server=server.url, basic_auth=AUTH, max_retries=0)
    assert jira.deploymentType == ("Cloud" if app.mode == "cloud" else "Server")
    found = jira.search_issues(
        "project = PLAT ORDER BY Rank ASC", maxResults=False, fields=["summary", "labels"]
    )
    assert len(found) == 34
    assert [i.key for i in found] == app.order[:34]
    issue = jira.issue("PLAT-3")
    assert issue.fields.summary == "Invite API: create invitations in bulk"
    issue.update(update={"labels": [{"add": "triage/now"}, {"remove": "api"}]})
    assert jira.issue("PLAT-3").fields.labels == ["onboarding", "triage/now"]
    assert jira.rank("PLAT-3", prev_issue="PLAT-1").status_code == 204
    assert app.order[app.order.index("PLAT-1") + 1] == "PLAT-3"
    with pytest.raises(JIRAError) as info:
        jira.search_issues("project = ", maxResults=10)
    assert info.value.status_code == 400
    assert "Error in the JQL Query" in str(info.value.text)


def test_bearer_tokens_and_wrong_credentials(site: tuple[Sandbox, JiraApp]) -> None:
    server, _ = site
    assert JIRA(server=server.url, token_auth=DEMO_TOKEN, max_retries=0).server_info()["baseUrl"]
    with pytest.raises(JIRAError) as info:
        JIRA(server=server.url, basic_auth=(DEMO_JIRA_USER, "wrong"), max_retries=0)
    assert info.value.status_code == 401


def test_cloud_and_datacenter_search_endpoints() -> None:
    cloud, _ = build_sandbox(base=BASE, jira_mode="cloud")
    server, _ = build_sandbox(base=BASE, jira_mode="datacenter")
    with cloud, server:
        old = httpx.get(
            f"{cloud.url}/rest/api/2/search", params={"jql": "project = PLAT"}, auth=AUTH
        )
        assert old.status_code == 410 and "search/jql" in old.json()["errorMessages"][0]
        new = httpx.get(
            f"{server.url}/rest/api/2/search/jql", params={"jql": "project = PLAT"}, auth=AUTH
        )
        assert new.status_code == 404
        unbounded = httpx.get(
            f"{cloud.url}/rest/api/3/search/jql", params={"jql": "ORDER BY key"}, auth=AUTH
        )
        assert unbounded.status_code == 400


def test_answers_follow_atlassian_openapi(compat: Path) -> None:
    spec = Spec(compat / "jira/jira-issues-openapi.json")
    server, _ = build_sandbox(base=BASE, jira_mode="cloud")
    with server:

        def get(path: str, **params: Any) -> Any:
            response = httpx.get(server.url + path, params=params, auth=AUTH)
            return response.status_code, response.json()

        status, body = get(
            "/rest/api/3/search/jql", jql="project = PLAT", fields="*all", maxResults=10
        )
        spec.validate("GET", "/rest/api/3/search/jql", status, body)
        assert len(body["issues"]) == 10 and body["isLast"] is False
        status, body = get("/rest/api/3/serverInfo")
        spec.validate("GET", "/rest/api/3/serverInfo", status, body)
        status, body = get("/rest/api/3/field")
        spec.validate("GET", "/rest/api/3/field", status, body)
        status, body = get("/rest/api/3/issue/PLAT-3")
        spec.validate("GET", "/rest/api/3/issue/{issueIdOrKey}", status, body)
        assert body["fields"]["description"]["type"] == "doc"  # v3 speaks ADF
        status, body = get("/rest/api/3/myself")
        spec.validate("GET", "/rest/api/3/myself", status, body)
        status, body = get("/rest/api/3/search/jql", jql="labels = ")
        assert status == 400
        spec.validate_schema("ErrorCollection", body)


def test_datacenter_pages_by_the_size_it_allows() -> None:
    server, _ = build_sandbox(base=BASE, jira_mode="datacenter")
    jira_of(server).dc_max_results = 7
    with server:
        body = httpx.get(
            f"{server.url}/rest/api/2/search",
            params={"jql": "project = PLAT", "maxResults": 100, "startAt": 28},
            auth=AUTH,
        ).json()
        assert (body["maxResults"], body["startAt"], body["total"], len(body["issues"])) == (
            7,
            28,
            34,
            6,
        )


def test_label_edits_and_rank_with_jiras_errors(compat: Path) -> None:
    server, _ = build_sandbox(base=BASE)
    app = jira_of(server)
    with server:
        url = f"{server.url}/rest/api/2/issue/PLAT-3"
        spaced = httpx.put(url, json={"update": {"labels": [{"add": "triage now"}]}}, auth=AUTH)
        assert spaced.status_code == 400
        assert spaced.json() == {
            "errorMessages": [],
            "errors": {"labels": "The label 'triage now' contains spaces which is invalid."},
        }
        assert (
            httpx.put(
                url, json={"update": {"labels": [{"add": "triage/now"}]}}, auth=AUTH
            ).status_code
            == 204
        )
        rank = f"{server.url}/rest/agile/1.0/issue/rank"
        block = ["PLAT-5", "PLAT-6", "PLAT-7"]
        assert (
            httpx.put(
                rank, json={"issues": block, "rankAfterIssue": "PLAT-2"}, auth=AUTH
            ).status_code
            == 204
        )
        at = app.order.index("PLAT-2")
        assert app.order[at + 1 : at + 4] == block  # placed as a block, in the order given
        partial = httpx.put(
            rank, json={"issues": ["PLAT-8", "PLAT-999"], "rankBeforeIssue": "PLAT-2"}, auth=AUTH
        )
        assert partial.status_code == 207
        example = json.loads(
            (compat / "jira/atlassian-examples/agile/rankIssues.207.json").read_text()
        )
        assert set(partial.json()) == set(example)  # the same shape as Atlassian's example
        assert set(partial.json()["entries"][0]) == set(example["entries"][0])
        assert [e["status"] for e in partial.json()["entries"]] == [200, 404]
        too_many = httpx.put(
            rank,
            json={"issues": [f"PLAT-{n}" for n in range(1, 52)], "rankBeforeIssue": "PLAT-2"},
            auth=AUTH,
        )
        assert too_many.status_code == 400


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ROWS = [
    {
        "key": "PLAT-1",
        "project": "PLAT",
        "labels": ["a"],
        "statuscategory": ["Done", "done"],
        "updated": NOW - timedelta(hours=1),
        "priority": "High",
    },
    {
        "key": "PLAT-2",
        "project": "PLAT",
        "labels": [],
        "statuscategory": ["To Do", "new"],
        "updated": NOW - timedelta(days=3),
        "priority": "Low",
    },
    {
        "key": "OPS-1",
        "project": "OPS",
        "labels": ["a", "b"],
        "statuscategory": ["In Progress", "indeterminate"],
        "updated": NOW - timedelta(minutes=5),
        "priority": "High",
    },
]


@pytest.mark.parametrize(
    ("jql", "keys"),
    [
        ("project = PLAT", ["PLAT-1", "PLAT-2"]),
        ("project = PLAT AND statusCategory != Done", ["PLAT-2"]),
        ('statusCategory = "In Progress"', ["OPS-1"]),
        ("key in (PLAT-2, OPS-1)", ["PLAT-2", "OPS-1"]),
        ("labels = a OR labels is EMPTY", ["PLAT-1", "PLAT-2", "OPS-1"]),
        ('updated >= "-10m"', ["OPS-1"]),
        ('updated >= "-2h" AND priority = High', ["PLAT-1", "OPS-1"]),
        ('updated >= "2026/11/26 11:30"', ["OPS-1"]),
        ('updated < "2026-11-24"', ["PLAT-2"]),
        ("(project = OPS OR labels = a) AND NOT project = OPS", ["PLAT-1"]),
        ("project = PLAT ORDER BY updated DESC, key DESC", ["PLAT-1", "PLAT-2"]),
    ],
)
def test_jql(jql: str, keys: list[str]) -> None:
    query = parse(jql, NOW)
    assert [r["key"] for r in ROWS if query.matches(r)] == keys


@pytest.mark.parametrize(
    ("jql", "message"),
    [
        ("project = ", "Expecting either a value, list or function but got 'EOF'"),
        ("colour = red", "Field 'colour' does not exist"),
        ("project PLAT", "Expecting operator but got 'PLAT'"),
        ('updated >= "yesterday"', "Date value 'yesterday' for field is invalid"),
        ("project = PLAT ORDER BY colour", "Not able to sort using field 'colour'"),
        ("project = PLAT project = OPS", "Expecting either 'OR' or 'AND' but got 'project'"),
    ],
)
def test_jql_errors_speak_jira(jql: str, message: str) -> None:
    with pytest.raises(JqlError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(jql, NOW)
