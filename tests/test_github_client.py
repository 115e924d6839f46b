"""The GitHub reader through httpx's MockTransport: pagination, ETags, errors and retries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import SleepRecorder
from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.github.cursor import GitHubCursor
from triagewise.connectors.github.mirror import scan_issues
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import (
    AuthError,
    ExitCode,
    NotFoundError,
    RateLimitedError,
    TriagewiseError,
    UnreachableError,
)

TOKEN = "ghp_recognizable_secret_123"
NOW = datetime(2026, 11, 26, tzinfo=UTC)


def client_for(
    handler: Callable[[httpx.Request], httpx.Response],
    policy: RetryPolicy,
    api_url: str = "https://api.github.com",
    repo: str = "o/r",
) -> GitHubClient:
    return GitHubClient(api_url, TOKEN, repo, "GH_TOKEN", policy, httpx.MockTransport(handler))


def issue(number: int, updated: str = "2026-11-20T10:00:00Z") -> dict[str, Any]:
    return {
        "id": 100 + number,
        "number": number,
        "title": f"issue {number}",
        "state": "open",
        "labels": [],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": updated,
    }


def test_octokit_recorded_pagination_is_followed(compat: Path, policy: RetryPolicy) -> None:
    """Five real recorded pages (per_page=3) with real Link headers: 13 issues, 5 requests."""
    exchanges = json.loads(
        (compat / "github/octokit-fixtures/normalized/paginate-issues.json").read_text()
    )
    by_page = {1: exchanges[0]}
    for exchange in exchanges[1:]:
        by_page[int(exchange["path"].rsplit("page=", 1)[1])] = exchange
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        page = int(request.url.params.get("page", 1))
        exchange = by_page[page]
        headers = {k: str(v) for k, v in exchange["headers"].items() if k != "content-length"}
        return httpx.Response(exchange["status"], json=exchange["response"], headers=headers)

    client = client_for(handler, policy, repo="octokit-fixture-org/paginate-issues")
    batches = list(scan_issues(client, "app", None, NOW))
    refs = [i.ref for b in batches for i, _ in b.issues]
    assert len(refs) == 13 and len(set(refs)) == 13
    assert client.requests == 5
    assert batches[0].last_page == 5
    assert batches[-1].done
    assert batches[-1].cursor.to_json()["probe_etag"] == '"00000000000000000000000000000000"'
    first = seen[0]
    assert first.url.params["per_page"] == "100"
    assert first.url.params["state"] == "all"
    assert first.url.params["sort"] == "updated"
    assert first.url.params["direction"] == "desc"
    assert first.headers["authorization"] == f"Bearer {TOKEN}"
    assert first.headers["x-github-api-version"] == "2022-11-28"


def test_conditional_probe_costs_one_request(policy: RetryPolicy) -> None:
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if request.headers.get("if-none-match") == 'W/"v1"':
            return httpx.Response(304, headers={"etag": 'W/"v1"'})
        return httpx.Response(200, json=[issue(1), issue(2)], headers={"etag": 'W/"v1"'})

    client = client_for(handler, policy)
    state = list(scan_issues(client, "app", None, NOW))[-1].cursor
    # the cursor goes through the store as JSON and reads back as the same value
    saved = GitHubCursor.from_json(state.to_json())
    assert saved == state
    again = list(scan_issues(client, "app", saved, NOW))
    assert [b.status for b in again] == [304]
    assert len(calls) == 2 and client.not_modified == 1
    assert calls[1].url == calls[0].url  # the same query, so the ETag applies


def test_incremental_scan_stops_at_the_high_water_mark(policy: RetryPolicy) -> None:
    old = [issue(n, "2026-10-01T00:00:00Z") for n in range(1, 301)]
    changed = [issue(n, "2026-11-25T12:00:00Z") for n in range(301, 351)]
    listing = changed + old  # newest first
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        page = int(request.url.params.get("page", 1))
        chunk = listing[(page - 1) * 100 : page * 100]
        link = f'<{str(request.url).split("&page=")[0]}&page={page + 1}>; rel="next"'
        return httpx.Response(200, json=chunk, headers={"link": link if page < 4 else ""})

    client = client_for(handler, policy)
    state = {
        "endpoint": "https://api.github.com/repos/o/r/issues",
        "hwm": "2026-11-01T00:00:00Z",
        "probe_url": client.issues_url(None),
        "probe_etag": 'W/"old"',
        "since_set_at": "2026-11-25T00:00:00Z",
    }
    batches = list(scan_issues(client, "app", GitHubCursor.from_json(state), NOW))
    assert len(calls) == 1  # 50 changed issues fit in one page: stop there
    assert sum(len(b.issues) for b in batches) == 100
    assert batches[-1].cursor.to_json()["hwm"] == "2026-11-25T12:00:00Z"


def test_pull_requests_are_skipped(policy: RetryPolicy) -> None:
    pr = issue(3) | {
        "pull_request": {"url": "x", "html_url": "x", "diff_url": "x", "patch_url": "x"}
    }

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[issue(1), pr, issue(2)])

    batches = list(scan_issues(client_for(handler, policy), "app", None, NOW))
    assert [i.ref for i, _ in batches[0].issues] == ["o/r#1", "o/r#2"]
    assert batches[0].skipped_prs == 1


def sequence(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


OK = httpx.Response(200, json=[issue(1)])


@pytest.mark.parametrize(
    ("responses", "expected_sleeps"),
    [
        ([httpx.Response(502), httpx.Response(503), OK], [1.0, 2.0]),
        ([httpx.Response(429, headers={"retry-after": "7"}), OK], [7.0]),
        ([httpx.Response(200, content=b'[{"id": 1, "num'), OK], [1.0]),
        ([httpx.ConnectError("reset by peer"), OK], [1.0]),
        ([httpx.ReadTimeout("slow"), OK], [1.0]),
        (
            [
                httpx.Response(
                    403,
                    json={"message": "You have exceeded a secondary rate limit."},
                ),
                OK,
            ],
            [60.0],  # no hint: GitHub says wait at least a minute
        ),
    ],
)
def test_transient_failures_are_retried(
    responses: list[Any], expected_sleeps: list[float], policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    client = client_for(sequence(*responses), policy)
    page = client.fetch_page(client.issues_url(None))
    assert page.status == 200 and len(page.items) == 1
    assert sleeps.sleeps == expected_sleeps


def _replay(compat: Path, name: str) -> httpx.Response:
    record = json.loads((compat / "github/pygithub-replaydata" / name).read_text())["records"][-1]
    headers = {k: v for k, v in record["response_headers"].items() if k.lower() != "content-length"}
    headers.pop("Transfer-Encoding", None)
    headers.pop("Content-Encoding", None)
    return httpx.Response(record["status"], json=record["response_body"], headers=headers)


def test_recorded_secondary_limit_honours_retry_after(
    compat: Path, policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    recorded = _replay(compat, "secondary-rate-limit-403-retry-after.json")
    assert recorded.status_code == 403
    client = client_for(sequence(recorded, OK), policy)
    client.fetch_page(client.issues_url(None))
    assert sleeps.sleeps == [60.0]


def test_recorded_primary_limit_is_a_rate_limit_not_a_permission_error(
    compat: Path, policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    recorded = _replay(compat, "primary-rate-limit-403.json")
    client = client_for(sequence(recorded, OK), policy)
    client.fetch_page(client.issues_url(None))
    assert sleeps.sleeps == [60.0]


def test_wait_past_the_budget_stops_the_run(sleeps: SleepRecorder) -> None:
    policy = RetryPolicy(attempts=6, wait_budget=300, sleep=sleeps)
    reset = str(int(time.time()) + 3600)
    limited = httpx.Response(
        403,
        json={"message": "API rate limit exceeded for user ID 1."},
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": reset},
    )
    client = client_for(sequence(limited), policy)
    with pytest.raises(RateLimitedError) as info:
        client.fetch_page(client.issues_url(None))
    assert info.value.exit_code == ExitCode.UNREACHABLE
    assert "wait budget of 300 s" in str(info.value)
    assert sleeps.sleeps == []  # it did not sleep for an hour first


def test_persistent_failure_is_unreachable_after_bounded_attempts(
    policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    client = client_for(sequence(httpx.ConnectError("connection refused")), policy)
    with pytest.raises(UnreachableError, match="still failing after 6 attempts"):
        client.fetch_page(client.issues_url(None))
    assert sleeps.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0]
    assert client.requests == 6


@pytest.mark.parametrize(
    ("response", "error", "code", "text"),
    [
        (httpx.Response(401, json={"message": "Bad credentials"}), AuthError, 3, "$GH_TOKEN"),
        (httpx.Response(403, json={"message": "Resource not accessible"}), AuthError, 3, "denied"),
        (httpx.Response(404, json={"message": "Not Found"}), NotFoundError, 2, "was not found"),
        (httpx.Response(422, json={"message": "Validation Failed"}), TriagewiseError, 2, "422"),
    ],
)
def test_fatal_answers_are_not_retried(
    response: httpx.Response,
    error: type[Exception],
    code: int,
    text: str,
    policy: RetryPolicy,
    sleeps: SleepRecorder,
) -> None:
    client = client_for(sequence(response), policy)
    with pytest.raises(error) as info:
        client.fetch_page(client.issues_url(None))
    assert isinstance(info.value, TriagewiseError)
    assert info.value.exit_code == code
    assert text in str(info.value)
    assert TOKEN not in str(info.value)
    assert sleeps.sleeps == [] and client.requests == 1


def test_pagination_links_to_another_host_are_refused(policy: RetryPolicy) -> None:
    hosts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        hosts.append(request.url.host)
        link = '<https://evil.example/repos/o/r/issues?page=2>; rel="next"'
        return httpx.Response(200, json=[issue(1)], headers={"link": link})

    client = client_for(handler, policy)
    with pytest.raises(TriagewiseError, match="another host"):
        list(scan_issues(client, "app", None, NOW))
    assert hosts == ["api.github.com"]


def test_repeated_page_is_detected(policy: RetryPolicy) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        link = '<https://api.github.com/repos/o/r/issues?page=2>; rel="next"'
        return httpx.Response(200, json=[issue(1)], headers={"link": link})

    client = client_for(handler, policy)
    with pytest.raises(TriagewiseError, match="same page twice"):
        list(scan_issues(client, "app", None, NOW))


def test_github_enterprise_api_url_keeps_its_path_prefix(policy: RetryPolicy) -> None:
    paths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path)
        return httpx.Response(200, json=[issue(1)])

    client = client_for(handler, policy, api_url="https://ghe.corp.example/api/v3/")
    batches = list(scan_issues(client, "app", None, NOW))
    assert paths == ["/api/v3/repos/o/r/issues"]
    assert (
        batches[-1].cursor.to_json()["endpoint"]
        == "https://ghe.corp.example/api/v3/repos/o/r/issues"
    )
