"""Pull every configured source into the store, one transaction per page."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from triagewise.config.models import Config
from triagewise.connectors import registry
from triagewise.connectors.base import Connection, Page
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError
from triagewise.store.db import Store, UpsertCounts


class ProgressFn(Protocol):
    """Progress on stderr: `source`'s `page` of `last` pages; for writes (`source` "writes")
    the changes done of those planned, with the write requests sent so far."""

    def __call__(
        self, source: str, page: int, last: int | None, requests: int | None = None
    ) -> None: ...


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
    batches: Iterator[Page],
    result: PullResult,
    now: Callable[[], datetime],
    progress: ProgressFn | None,
) -> None:
    counts = UpsertCounts()
    for batch in batches:
        with store.transaction():
            for old, new in store.renamed(i for i, _ in batch.issues):
                # moved inside the query (a new key, the same id): its decision follows it
                store.carry_over(old, new)
                result.notes.append(
                    f"{old.ref} was moved to {new.ref}: its decision and explanation comment "
                    "follow it."
                )
            counts += store.upsert_issues(batch.issues, now())
            store.save_cursor(name, batch.cursor.to_json(), now())
        result.pages += batch.status == 200
        result.skipped_prs += batch.skipped_prs
        result.notes += batch.notes
        if progress is not None:
            progress(name, batch.page, batch.last_page)
    result.new, result.changed, result.unchanged = counts.new, counts.changed, counts.unchanged


def pull_source(
    store: Store,
    index: int,
    source: SourceConfig,
    env: Mapping[str, str],
    policy: RetryPolicy,
    now: Callable[[], datetime] = _utcnow,
    progress: ProgressFn | None = None,
    timeout: float = 30.0,
) -> PullResult:
    """One source's changes since its cursor into the store, through its connector; the run
    is recorded (ok or failed) with what the connection sent."""
    result = PullResult(source.name)
    run = store.begin_run("pull", source.name, now())
    status = "failed"
    conn: Connection | None = None
    try:
        conn = registry.connector_for(source).open(source, index, env, policy, timeout)
        batches = conn.scan(store.cursor(source.name), now())
        _store_scan(store, source.name, batches, result, now, progress)
        status = "ok"
    finally:
        if conn is not None:
            meter = conn.meter()
            result.requests, result.searches = meter.requests, meter.searches
            result.not_modified = meter.not_modified
            conn.close()
        store.finish_run(run, status, result.as_dict(), now())
    return result


def pull_all(
    store: Store,
    config: Config,
    env: Mapping[str, str],
    policy: RetryPolicy | None = None,
    only: str | None = None,
    progress: ProgressFn | None = None,
    now: Callable[[], datetime] = _utcnow,
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
        results.append(pull_source(store, index, source, env, policy, now, progress, timeout))
    return results
