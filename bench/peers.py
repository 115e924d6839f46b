"""The obvious way, measured against the same sandbox: PyGithub and the jira library used with
their defaults, as API-FACTS §1.10 and §2.4 describe them."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

TOKEN = "bench-token"
USER = "demo@tandem.example"


def _stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(url + "/_sandbox/stats", timeout=60) as r:
        return dict(json.loads(r.read()))


def _reset(url: str) -> None:
    urllib.request.urlopen(
        urllib.request.Request(url + "/_sandbox/reset", data=b"{}", method="POST"), timeout=60
    )


def pygithub_mirror(url: str) -> dict[str, Any]:
    """`repo.get_issues(state="all")` at the default 30 a page, reading each issue's raw data
    (what a mirror stores): PyGithub completes every list element with its own GET."""
    import github

    _reset(url)
    started = time.perf_counter()
    gh = github.Github(base_url=url, auth=github.Auth.Token(TOKEN), seconds_between_requests=0)
    count = 0
    for issue in gh.get_repo("acme/big", lazy=True).get_issues(state="all"):
        if issue.raw_data.get("pull_request") is None:
            count += 1
    return {
        "requests": _stats(url)["requests"],
        "issues": count,
        "seconds": round(time.perf_counter() - started, 1),
    }


def jira_mirror(url: str) -> dict[str, Any]:
    """`search_issues(jql, maxResults=False)` with the library's default fields (`*all`)."""
    from jira import JIRA

    _reset(url)
    started = time.perf_counter()
    jira = JIRA(server=url, basic_auth=(USER, TOKEN))
    found = jira.search_issues("project = BIG", maxResults=False)
    return {
        "requests": _stats(url)["requests"],
        "issues": len(found),
        "seconds": round(time.perf_counter() - started, 1),
        "client": jira,
    }


def jira_labels(url: str, jira: Any, keys: list[str]) -> dict[str, Any]:
    """`issue.update(update={"labels": [...]})` one by one: a GET to get the issue object,
    then a PUT, then the library's reload GET."""
    _reset(url)
    started = time.perf_counter()
    for key in keys:
        jira.issue(key, fields="labels").update(update={"labels": [{"add": "triage/later"}]})
    return {"requests": _stats(url)["requests"], "seconds": round(time.perf_counter() - started, 1)}


def jira_rank(url: str, jira: Any, target: list[str], current: list[str]) -> dict[str, Any]:
    """`jira.rank()` one issue a call: N − LIS calls with the best possible plan."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from triagewise.sync.moves import plan_single_moves

    _reset(url)
    started = time.perf_counter()
    order = list(current)
    for key, after in plan_single_moves(current, target):
        order.remove(key)
        if after is None:
            jira.rank(key, next_issue=order[0])  # to the top: before the current first
            order.insert(0, key)
        else:
            jira.rank(key, prev_issue=after)
            order.insert(order.index(after) + 1, key)
    return {"requests": _stats(url)["requests"], "seconds": round(time.perf_counter() - started, 1)}
