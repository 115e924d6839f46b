"""The Jira client's error table, unit-tested through the real `jira` library with strict
`responses` mocks (every registered call must fire, nothing else may be called)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import responses

from conftest import SleepRecorder
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.config import JiraSource
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import AuthError, ConfigError, NotFoundError, RateLimitedError

SITE = "https://acme.atlassian.net"
SOURCE = JiraSource(
    name="platform", type="jira", url=SITE, jql="project = PLAT", user_env="JU", token_env="JT"
)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(
            f"{SITE}/rest/api/2/serverInfo",
            json={"deploymentType": "Cloud", "versionNumbers": [1001, 0, 0], "baseUrl": SITE},
        )
        yield rsps


FIELDS = [
    {
        "id": "summary",
        "name": "Summary",
        "clauseNames": ["summary"],
        "schema": {"system": "summary"},
    }
]


def client(policy: RetryPolicy, mocked: responses.RequestsMock | None = None) -> JiraClient:
    c = JiraClient(SOURCE, "me@acme.example", "secret-token", policy)
    if mocked is not None:  # as every scan does: fields first, handed to the library's cache
        mocked.get(f"{SITE}/rest/api/2/field", json=FIELDS)
        c.fields()
    return c


def test_one_constructor_call_and_a_cloud_search(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    mocked.post(f"{SITE}/rest/api/2/search/jql", json={"issues": [], "isLast": True})
    c = client(policy, mocked)
    assert c.cloud
    assert c.search_cloud("project = PLAT", ["summary"], None) == {"issues": [], "isLast": True}
    assert (c.requests, c.searches) == (3, 1)  # serverInfo, field, one search: no second /field
    body = json.loads(mocked.calls[2].request.body or "")
    assert (
        body["jql"] == "project = PLAT"
        and body["fields"] == ["summary"]
        and body["maxResults"] == 100
    )
    assert mocked.calls[2].request.headers["Authorization"].startswith("Basic ")


def test_429_honours_retry_after_and_names_the_reason(
    mocked: responses.RequestsMock, policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    limited = {"Retry-After": "7", "RateLimit-Reason": "jira-burst-based"}
    mocked.post(
        f"{SITE}/rest/api/2/search/jql",
        status=429,
        json={"errorMessages": ["Rate limit exceeded."]},
        headers=limited,
    )
    mocked.post(f"{SITE}/rest/api/2/search/jql", json={"issues": [], "isLast": True})
    client(policy, mocked).search_cloud("project = PLAT", ["summary"], None)
    assert sleeps.sleeps == [7.0]


def test_an_hourly_quota_stops_the_run_instead_of_sleeping(
    mocked: responses.RequestsMock, sleeps: SleepRecorder
) -> None:
    quota = {"Retry-After": "3400", "RateLimit-Reason": "jira-quota-tenant-based"}
    mocked.post(
        f"{SITE}/rest/api/2/search/jql", status=429, json={"errorMessages": []}, headers=quota
    )
    with pytest.raises(RateLimitedError, match="jira-quota-tenant-based") as info:
        client(RetryPolicy(sleep=sleeps), mocked).search_cloud("project = PLAT", ["summary"], None)
    assert info.value.exit_code == 4 and sleeps.sleeps == []


def test_503_without_a_hint_backs_off(
    mocked: responses.RequestsMock, policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    mocked.post(f"{SITE}/rest/api/2/search/jql", status=503, body="<html>maintenance</html>")
    mocked.post(f"{SITE}/rest/api/2/search/jql", json={"issues": [], "isLast": True})
    client(policy, mocked).search_cloud("project = PLAT", ["summary"], None)
    assert sleeps.sleeps == [1.0]


def test_bad_jql_is_a_config_error_with_jiras_words(
    mocked: responses.RequestsMock, policy: RetryPolicy
) -> None:
    body = {"errorMessages": ["Error in the JQL Query: Expecting ')' but got 'EOF'."], "errors": {}}
    mocked.post(f"{SITE}/rest/api/2/search/jql", status=400, json=body)
    with pytest.raises(
        ConfigError,
        match=r"Jira rejected the JQL of source 'platform' \(Error in the JQL Query: Expecting '\)' but got 'EOF'.\)",
    ):
        client(policy, mocked).search_cloud("project = (PLAT", ["summary"], None)


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthError, "refused the credentials in $JU and $JT"),
        (403, AuthError, "denied access"),
        (404, NotFoundError, "no such resource"),
    ],
)
def test_fatal_answers(
    mocked: responses.RequestsMock,
    policy: RetryPolicy,
    sleeps: SleepRecorder,
    status: int,
    error: type[Exception],
    words: str,
) -> None:
    mocked.get(
        f"{SITE}/rest/api/2/field", status=status, json={"errorMessages": ["nope"], "errors": {}}
    )
    with pytest.raises(error) as info:
        client(policy).fields()
    assert words in str(info.value) and "secret-token" not in str(info.value)
    assert sleeps.sleeps == []
