"""The real connector over real HTTP against the sandbox: full, no-op, incremental, edits
during a scan, resume after a crash, faults."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from conftest import BASE, TOKEN_ENV, SleepRecorder, sandbox_issues, write_config
from triagewise.config import load_config
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import AuthError, NotFoundError, UnreachableError
from triagewise.sandbox import DEMO_REPO, Faults, GitHubApp, Request, Response, Sandbox
from triagewise.store import Location, Store
from triagewise.sync.pull import pull_all


def mirror(store: Store) -> dict[str, tuple[str, tuple[str, ...], str]]:
    return {i.ref: (i.title, i.labels, i.updated_at.isoformat()) for i in store.issues()}


def expected(
    app: GitHubApp, server: Sandbox, repo: str = DEMO_REPO
) -> dict[str, tuple[str, tuple[str, ...], str]]:
    return {
        ref: (i.title, i.labels, i.updated_at.isoformat())
        for ref, i in sandbox_issues(app, repo, server.url).items()
    }


@pytest.fixture
def store(db: Location) -> Iterator[Store]:
    with Store.open(db) as opened:
        yield opened


def config_for(tmp_path: Path, server: Sandbox, repo: str = DEMO_REPO, extra: str = ""):  # type: ignore[no-untyped-def]
    return load_config(write_config(tmp_path, server.url, repo, extra))


def test_full_then_noop_then_incremental(
    tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp], store: Store, policy: RetryPolicy
) -> None:
    server, app = sandbox
    config = config_for(tmp_path, server)
    [full] = pull_all(store, config, TOKEN_ENV, policy)
    assert (full.requests, full.pages, full.new, full.skipped_prs) == (2, 2, 146, 15)
    assert mirror(store) == expected(app, server)

    [noop] = pull_all(store, config, TOKEN_ENV, policy)
    assert (noop.requests, noop.not_modified, noop.new, noop.changed) == (1, 1, 0, 0)

    for number in (4, 9, 30):
        app.edit(DEMO_REPO, number, title=f"edited {number}")
    [incremental] = pull_all(store, config, TOKEN_ENV, policy)
    assert incremental.requests == 1
    assert incremental.changed == 3
    assert mirror(store) == expected(app, server)

    [settled] = pull_all(store, config, TOKEN_ENV, policy)
    assert (settled.requests, settled.not_modified) == (1, 1)
    assert store.last_pull("app") is not None


@pytest.mark.slow
def test_edits_during_a_scan_lose_nothing(
    tmp_path: Path, store: Store, policy: RetryPolicy
) -> None:
    """An issue edited while the scan runs jumps to the front: duplicates, never skips."""
    from triagewise.sandbox import build_sandbox

    server, app = build_sandbox(base=BASE, synthetic=("acme/big", 950, 50))
    big = app.repos["acme/big"]
    served: list[int] = []

    def edit_after_page(request: Request, response: Response) -> None:
        if request.path.endswith("/issues") and response.status == 200:
            served.append(int(request.query.get("page", 1)))
            if len(served) in (2, 5):
                # edit two issues far down the listing that the scan has not reached yet
                for number in sorted(n for n, i in big.items.items() if not i.is_pr)[:2]:
                    app.edit("acme/big", number, comments=big.items[number].comments + 1)

    with server:
        server.hooks.append(edit_after_page)
        config = config_for(tmp_path, server, "acme/big")
        [first] = pull_all(store, config, TOKEN_ENV, policy)
        assert first.pages == 10
        server.hooks.clear()
        pull_all(store, config, TOKEN_ENV, policy)
        assert mirror(store) == expected(app, server, "acme/big")


@pytest.mark.slow
def test_a_killed_scan_resumes_where_it_stopped(
    tmp_path: Path, store: Store, policy: RetryPolicy
) -> None:
    from triagewise.sandbox import build_sandbox

    server, app = build_sandbox(base=BASE, synthetic=("acme/big", 900, 100))
    with server:
        config = config_for(tmp_path, server, "acme/big")

        def crash(source: str, page: int, last: int | None, requests: int | None = None) -> None:
            if page == 4:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            pull_all(store, config, TOKEN_ENV, policy, progress=crash)
        newest = sorted(app.repos["acme/big"].items.values(), key=lambda i: i.updated_at)[-400:]
        # four pages, each committed with its cursor
        assert store.count_issues("app") == sum(not i.is_pr for i in newest)
        assert store.integrity_ok()
        server.reset_counts()
        [resumed] = pull_all(store, config, TOKEN_ENV, policy)
        assert resumed.requests == 6  # pages 5..10, not a fresh scan
        assert mirror(store) == expected(app, server, "acme/big")


@pytest.mark.parametrize(
    "script",
    [
        ["500", "502", "503"],
        ["429", "429"],
        ["secondary"],
        ["primary"],
        ["truncate", "truncate"],
        ["reset", "reset"],
    ],
)
def test_faults_end_in_the_same_state(
    tmp_path: Path, script: list[str], policy: RetryPolicy, sleeps: SleepRecorder, db: Location
) -> None:
    from triagewise.sandbox import build_sandbox

    server, app = build_sandbox(base=BASE, faults=Faults(script=list(script)))
    with server:
        store = Store.open(db)
        [result] = pull_all(store, config_for(tmp_path, server), TOKEN_ENV, policy)
        assert result.requests == 2 + len(script)
        assert mirror(store) == expected(app, server)
        assert len(sleeps.sleeps) == len(script)


@pytest.mark.slow
def test_random_faults_with_a_seed(tmp_path: Path, policy: RetryPolicy) -> None:
    from triagewise.sandbox import build_sandbox

    faults = Faults(error_rate=0.2, rate_limit_rate=0.1, truncate_rate=0.1, seed=42)
    server, app = build_sandbox(base=BASE, synthetic=("acme/big", 1000, 0), faults=faults)
    with server:
        store = Store.open(tmp_path / "t.db")
        pull_all(store, config_for(tmp_path, server, "acme/big"), TOKEN_ENV, policy)
        assert mirror(store) == expected(app, server, "acme/big")


def test_user_errors(
    tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp], store: Store, policy: RetryPolicy
) -> None:
    server, _ = sandbox
    with pytest.raises(AuthError, match=r"refused the token in \$TW_TEST_TOKEN"):
        pull_all(store, config_for(tmp_path, server), {"TW_TEST_TOKEN": "wrong"}, policy)
    with pytest.raises(NotFoundError, match="acme/missing was not found"):
        pull_all(store, config_for(tmp_path, server, "acme/missing"), TOKEN_ENV, policy)
    assert store.count_issues("app") == 0


def test_unreachable_host(tmp_path: Path, store: Store, sleeps: SleepRecorder) -> None:
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9"))
    policy = RetryPolicy(attempts=3, sleep=sleeps, jitter=lambda: 1.0)
    with pytest.raises(UnreachableError, match="still failing after 3 attempts"):
        pull_all(store, config, TOKEN_ENV, policy)
    assert sleeps.sleeps == [1.0, 2.0]


def test_another_server_is_another_mirror(
    tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp], store: Store, policy: RetryPolicy
) -> None:
    server, _ = sandbox
    pull_all(store, config_for(tmp_path, server), TOKEN_ENV, policy)
    from triagewise.sandbox import build_sandbox

    other, _ = build_sandbox(base=BASE + timedelta(days=1))
    with other:
        [result] = pull_all(store, config_for(tmp_path, other), TOKEN_ENV, policy)
        assert result.pages == 2  # a full read, not a probe against the old server's ETag
        assert result.changed == 146  # every timestamp moved by a day
