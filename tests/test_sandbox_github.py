"""The sandbox GitHub speaks GitHub's wire format: checked against GitHub's own OpenAPI
description and driven by the unmodified PyGithub library over real HTTP."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import github
import httpx
import pytest

from conftest import Spec
from triagewise.connectors.github.client import parse_links
from triagewise.sandbox import DEMO_REPO, DEMO_TOKEN, Faults, GitHubApp, Sandbox

AUTH = {"Authorization": f"Bearer {DEMO_TOKEN}"}


@pytest.fixture(scope="module")
def spec(compat: Path) -> Spec:
    return Spec(compat / "github/github-issues-openapi.json")


def get(server: Sandbox, path: str, **kwargs: Any) -> httpx.Response:
    headers = kwargs.pop("headers", AUTH)
    return httpx.get(server.url + path, headers=headers, timeout=10, **kwargs)


def test_issue_listing_pages_validate_against_github_openapi(
    sandbox: tuple[Sandbox, GitHubApp], spec: Spec
) -> None:
    server, _ = sandbox
    url = f"/repos/{DEMO_REPO}/issues?state=all&per_page=100"
    pages = 0
    total = 0
    while url:
        response = get(server, url.removeprefix(server.url))
        assert response.status_code == 200
        body = response.json()
        spec.validate("GET", "/repos/{owner}/{repo}/issues", 200, body)
        total += len(body)
        pages += 1
        url = parse_links(response.headers.get("link")).get("next", "")
    assert (pages, total) == (2, 161)  # 146 issues and 15 pull requests


def test_single_issue_and_label_operations_validate(
    sandbox: tuple[Sandbox, GitHubApp], spec: Spec
) -> None:
    server, _ = sandbox
    base = f"/repos/{DEMO_REPO}"
    one = get(server, f"{base}/issues/5")
    spec.validate("GET", "/repos/{owner}/{repo}/issues/{issue_number}", 200, one.json())
    labels = get(server, f"{base}/labels")
    spec.validate("GET", "/repos/{owner}/{repo}/labels", 200, labels.json())
    added = httpx.post(
        server.url + f"{base}/issues/5/labels", headers=AUTH, json={"labels": ["triage/now"]}
    )
    assert added.status_code == 200
    spec.validate("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", 200, added.json())
    removed = httpx.delete(
        server.url + f"{base}/issues/5/labels/{quote('triage/now', safe='')}", headers=AUTH
    )
    assert removed.status_code == 200
    missing = get(server, f"{base}/issues/99999")
    assert missing.status_code == 404
    spec.validate("GET", "/repos/{owner}/{repo}/issues/{issue_number}", 404, missing.json())


def test_wire_details(sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, _ = sandbox
    path = f"/repos/{DEMO_REPO}/issues?state=all&per_page=50&page=2"
    first = get(server, path)
    links = parse_links(first.headers["link"])
    assert set(links) == {"prev", "first", "next", "last"}
    assert links["last"].endswith("page=4") and "per_page=50" in links["next"]
    assert first.headers["x-ratelimit-limit"] == "5000"
    remaining = int(first.headers["x-ratelimit-remaining"])
    again = get(server, path, headers=AUTH | {"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert int(again.headers["x-ratelimit-remaining"]) == remaining  # 304s are free
    assert get(server, path, headers={}).status_code == 401
    bad = get(server, path, headers={"Authorization": "Bearer nope"})
    assert (bad.status_code, bad.json()["message"]) == (401, "Bad credentials")
    assert get(server, "/repos/nobody/nothing/issues").status_code == 404


def test_since_filters_by_update_time(sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, app = sandbox
    app.edit(DEMO_REPO, 3, title="edited")
    stamp = app.repos[DEMO_REPO].items[3].updated_at.strftime("%Y-%m-%dT%H:%M:%SZ")
    body = get(server, f"/repos/{DEMO_REPO}/issues?state=all&since={stamp}").json()
    assert [i["number"] for i in body] == [3]


def test_unmodified_pygithub_works_against_the_sandbox(sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, app = sandbox
    gh = github.Github(
        base_url=server.url,
        auth=github.Auth.Token(DEMO_TOKEN),
        per_page=100,
        seconds_between_requests=0,
        seconds_between_writes=0,
    )
    repo = gh.get_repo(DEMO_REPO)
    assert repo.full_name == DEMO_REPO
    everything = list(repo.get_issues(state="all"))
    assert len(everything) == 161
    prs = [i for i in everything if i._rawData.get("pull_request")]
    assert len(prs) == 15
    issue = repo.get_issue(7)
    issue.add_to_labels("triage/now", "goal/activation")
    issue.remove_from_labels("triage/now")
    assert "goal/activation" in app.repos[DEMO_REPO].items[7].labels
    assert "triage/now" not in app.repos[DEMO_REPO].items[7].labels
    issue.set_labels("bug")
    assert [label.name for label in repo.get_issue(7).get_labels()] == ["bug"]
    assert gh.get_user().login == "sandbox-user"
    wrong = github.Github(base_url=server.url, auth=github.Auth.Token("wrong"))
    with pytest.raises(github.BadCredentialsException):
        wrong.get_repo(DEMO_REPO).get_issue(1)
    with pytest.raises(github.UnknownObjectException):
        gh.get_repo("nobody/nothing").get_issue(1)


def test_fault_injection_and_request_counting(sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, _ = sandbox
    server.reset_counts()
    server.faults = Faults(script=["500", "429", "secondary", "truncate"])
    path = f"/repos/{DEMO_REPO}/issues"
    assert get(server, path).status_code == 500
    limited = get(server, path)
    assert (limited.status_code, limited.headers["retry-after"]) == (429, "1")
    secondary = get(server, path)
    assert secondary.status_code == 403 and "secondary rate limit" in secondary.json()["message"]
    truncated = get(server, path)
    with pytest.raises(ValueError):
        truncated.json()
    assert get(server, path).status_code == 200
    assert server.requests == 5
    stats = httpx.get(server.url + "/_sandbox/stats").json()
    assert stats["requests"] == 5
