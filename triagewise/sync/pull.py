"""Pull every configured source into the store, one transaction per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

import httpx

from triagewise.config.models import Config, GitHubSource, JiraSource
from triagewise.connectors.clients import open_github, open_jira
from triagewise.connectors.common import PageBatch
from triagewise.connectors.github.mirror import scan_issues
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.mirror import scan_issues as scan_jira
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError
from triagewise.store.db import Store, UpsertCounts

ProgressFn = Callable[[str, int, int | None], None]


@dataclass
class PullResult:
    source: str
    requests: int = 0
    not_modified: int = 0
    pages: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_prs: int = 0
    searches: int = 0  # listing requests; the rest is metadata (server info, fields)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _store_scan(
    store: Store,
    name: str,
    batches: Iterator[PageBatch],
    result: PullResult,
    now: Callable[[], datetime],
    progress: ProgressFn | None,
) -> None:
    counts = UpsertCounts()
    for batch in batches:
        with store.transaction():
            counts += store.upsert_issues(batch.issues, now())
            store.save_cursor(name, batch.cursor, now())
        result.pages += batch.status == 200
        result.skipped_prs += batch.skipped_prs
        result.notes += batch.notes
        if progress is not None:
            progress(name, batch.page, batch.last_page)
    result.new, result.changed, result.unchanged = counts.new, counts.changed, counts.unchanged


def pull_github(
    store: Store,
    index: int,
    source: GitHubSource,
    env: Mapping[str, str],
    policy: RetryPolicy,
    now: Callable[[], datetime] = _utcnow,
    progress: ProgressFn | None = None,
    transport: httpx.BaseTransport | None = None,
    timeout: float = 30.0,
) -> PullResult:
    client = open_github(source, index, env, policy, timeout, transport)
    result = PullResult(source.name)
    run = store.begin_run("pull", source.name, now())
    status = "failed"
    try:
        batches = scan_issues(client, source.name, store.cursor(source.name), now())
        _store_scan(store, source.name, batches, result, now, progress)
        status = "ok"
    finally:
        result.requests = result.searches = client.requests
        result.not_modified = client.not_modified
        client.close()
        store.finish_run(run, status, result.as_dict(), now())
    return result


def pull_jira(
    store: Store,
    index: int,
    source: JiraSource,
    env: Mapping[str, str],
    policy: RetryPolicy,
    now: Callable[[], datetime] = _utcnow,
    progress: ProgressFn | None = None,
    timeout: float = 30.0,
) -> PullResult:
    result = PullResult(source.name)
    run = store.begin_run("pull", source.name, now())
    status = "failed"
    client: JiraClient | None = None
    try:
        client = open_jira(source, index, env, policy, timeout)
        batches = scan_jira(client, source.name, store.cursor(source.name), now())
        _store_scan(store, source.name, batches, result, now, progress)
        status = "ok"
    finally:
        if client is not None:
            result.requests = client.requests
            result.searches = client.searches
            client.close()
        store.finish_run(run, status, result.as_dict(), now())
    return result


def pull_all(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy | None = None,
    only: str | None = None,
    progress: ProgressFn | None = None,
) -> list[PullResult]:
    policy = policy or RetryPolicy(
        attempts=config.network.attempts, wait_budget=config.network.wait_budget
    )
    if only is not None and only not in {s.name for s in config.sources}:
        raise ConfigError(f"There is no source named {only!r} in the config.")
    if not config.sources:
        raise ConfigError("The config has no [[sources]]; add one (see 'triagewise init').")
    results: list[PullResult] = []
    for index, source in enumerate(config.sources):
        if only is not None and source.name != only:
            continue
        timeout = config.network.timeout
        if isinstance(source, JiraSource):
            results.append(
                pull_jira(store, index, source, env, policy, progress=progress, timeout=timeout)
            )
        else:
            results.append(
                pull_github(store, index, source, env, policy, progress=progress, timeout=timeout)
            )
    return results
