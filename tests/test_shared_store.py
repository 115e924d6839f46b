"""Two workspaces (two config folders, as on two machines) on one PostgreSQL database, through
the real command line over real HTTP against the sandbox: a triage decision made in one is
what a sync in the other writes; two syncs at once never both write; a sync killed -9 mid-apply
is finished by the other exactly as an uninterrupted run would have ended."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo, tracker_state
from conftest import DEMO_ENV as ENV
from pgserver import PgServer
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox, build_sandbox, jira_of
from triagewise.sandbox.server import Request, Response
from triagewise.store import DatabaseUrl, Store

pytestmark = pytest.mark.slow  # a PostgreSQL server, the sandbox, subprocesses

TEAM_VAR = "TEAM_TRIAGE_DB"  # workspace b names its own variable with [store] url_env


@pytest.fixture
def database(pg_server: PgServer) -> str:
    return pg_server.fresh_database()


def workspaces(tmp_path: Path, url: str, interval: float = 0.0) -> tuple[Path, Path]:
    """Two config folders on one database: a reads TRIAGEWISE_DATABASE_URL, b the variable its
    `[store] url_env` names. `interval` slows a's writes, so that a kill lands mid-apply."""
    text = lexical_demo(url).replace("rank = true\n", 'rank = true\ncomments = "never"\n')
    folders = []
    for name, extra in (("a", ""), ("b", f'\n[store]\nurl_env = "{TEAM_VAR}"\n')):
        folder = tmp_path / name
        folder.mkdir()
        body = (
            text
            if name == "b"
            else text.replace("write_interval = 0", f"write_interval = {interval}")
        )
        (folder / "triagewise.toml").write_text(body + extra)
        folders.append(folder / "triagewise.toml")
    return folders[0], folders[1]


def tw(
    config: Path, database: str, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The real command line in a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "triagewise", "--config", str(config), *args],
        input=stdin, capture_output=True, text=True, env=env(database), check=False, timeout=300,
    )  # fmt: skip


def start(config: Path, database: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "triagewise", "--config", str(config), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(database),
    )  # fmt: skip


def env(database: str) -> dict[str, str]:
    return {
        **os.environ,
        **ENV,
        "TRIAGEWISE_DATABASE_URL": database,
        TEAM_VAR: database,
        "TRIAGEWISE_USER": "ana",  # who decides in the triage session
    }


def is_write(request: Request) -> bool:
    """A request that changes the tracker: a GraphQL mutation, or any REST call but a read or
    a search."""
    if request.path.endswith("/graphql"):
        return b"mutation" in request.body
    if request.method in ("PUT", "DELETE", "PATCH"):
        return True
    return request.method == "POST" and "/search" not in request.path


class WriteLog:
    """The sandbox's write requests, counted from its request hook."""

    def __init__(self, server: Sandbox) -> None:
        self.count = 0
        self._lock = threading.Lock()
        server.hooks.append(self)

    def __call__(self, request: Request, response: Response) -> None:
        if is_write(request) and response.status < 400:
            with self._lock:
                self.count += 1


def all_comments(server: Sandbox, app: GitHubApp) -> list[str]:
    jira = [str(body) for body in jira_of(server).comments.values()]
    return [body for _, body in app.comments.values()] + jira


@pytest.fixture
def reference(
    tmp_path: Path,
) -> Iterator[tuple[tuple[dict[str, list[str]], list[str], list[str]], int]]:
    """An uninterrupted sync of a fresh sandbox from one workspace with its own SQLite store:
    the end state and the number of write requests every shared run must match."""
    server, app = build_sandbox(base=BASE)
    with server:
        writes = WriteLog(server)
        folder = tmp_path / "reference"
        folder.mkdir()
        config = folder / "triagewise.toml"
        config.write_text(
            lexical_demo(server.url).replace("rank = true\n", 'rank = true\ncomments = "never"\n')
        )
        result = CliRunner().invoke(
            main, ["--config", str(config), "sync"], env=ENV, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        yield tracker_state(server, app), writes.count


def test_a_decision_made_in_one_workspace_is_written_by_a_sync_in_the_other(
    tmp_path: Path, database: str
) -> None:
    server, app = build_sandbox(base=BASE)
    with server:
        a, b = workspaces(tmp_path, server.url)
        first = tw(a, database, "sync")
        assert first.returncode == 0, first.stderr
        assert not (a.parent / ".triagewise").exists()  # the store is the database
        session = tw(a, database, "triage", "--plain", stdin="never Duplicate of #153\nquit\n")
        assert session.returncode == 0, session.stderr
        assert "1 decision saved" in session.stderr
        with Store.open(DatabaseUrl.parse(database, "test")) as store:
            [(key, decision)] = [
                (k, d) for k, d in store.decisions().items() if d.origin == "triage"
            ]
        assert (decision.bucket, decision.reason) == ("never", "Duplicate of #153")
        assert decision.author == "ana"
        assert decision.review_on is not None  # a never comes back for review
        before = len(all_comments(server, app))
        other = tw(b, database, "sync")
        assert other.returncode == 0, other.stderr
        labels, _, _ = tracker_state(server, app)
        assert "triage/never" in labels[key.ref]
        assert [c for c in all_comments(server, app) if "Duplicate of #153" in c]  # with its reason
        assert len(all_comments(server, app)) >= before
        explained = tw(b, database, "explain", key.ref)
        assert explained.returncode == 0 and "Duplicate of #153" in explained.stdout
        assert "decided by ana on " in explained.stdout  # and its author, on the other machine
        assert [c for c in all_comments(server, app) if "decided by ana on " in c]
        assert f"review on {decision.review_on}" in explained.stdout  # and its review date
        again = tw(a, database, "sync", "--json")  # back in a: everything is written already
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)
        assert summary["label_changes"] == 0 and summary["comments"] == 0


@pytest.mark.parametrize("wait", ["0", "120"])
def test_two_syncs_at_once_never_both_write(
    tmp_path: Path, database: str, reference: tuple[object, int], wait: str
) -> None:
    """Started together from the two workspaces: one holds the advisory lock and writes; the
    other stops with the lock's sentence (exit 2), or with --wait runs after it and finds
    nothing left to write. Either way the tracker sees exactly one run's writes."""
    want_state, want_writes = reference
    server, app = build_sandbox(base=BASE)
    with server:
        writes = WriteLog(server)
        a, b = workspaces(tmp_path, server.url, interval=0.04)  # ~12 s of writes: they overlap
        runs = [start(config, database, "sync", "--wait", wait) for config in (a, b)]
        results = [(run.wait(timeout=300), *run.communicate()) for run in runs]
        assert writes.count == want_writes  # one run's writes, once
        assert tracker_state(server, app) == want_state
        if wait == "0":
            assert sorted(code for code, _, _ in results) == [0, 2], results
            [(_, _, locked)] = [r for r in results if r[0] == 2]
            assert "Another triagewise sync or apply is running on postgresql://tw:***@" in locked
            assert "this run stops without touching anything" in locked
            assert "tw-secret-pass" not in locked and "Traceback" not in locked
        else:
            assert [code for code, _, _ in results] == [0, 0], results


def test_kill_9_mid_apply_then_a_sync_from_the_other_ends_like_an_uninterrupted_run(
    tmp_path: Path,
    database: str,
    reference: tuple[tuple[dict[str, list[str]], list[str], list[str]], int],
) -> None:
    want_state, _ = reference
    server, app = build_sandbox(base=BASE)
    with server:
        writes = WriteLog(server)
        a, b = workspaces(tmp_path, server.url, interval=0.3)
        run = subprocess.Popen(
            [sys.executable, "-m", "triagewise", "--config", str(a), "sync"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env(database),
        )  # fmt: skip
        deadline = time.monotonic() + 120
        while run.poll() is None and writes.count == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(random.Random(20261202).uniform(0.5, 1.5))
        run.send_signal(signal.SIGKILL)
        run.wait()
        killed_at = writes.count
        assert killed_at > 0
        with Store.open(DatabaseUrl.parse(database, "test")) as store:
            assert store.unfinished_plan() is not None  # the kill landed mid-apply
        finish = tw(b, database, "sync", "--wait", "30")
        assert finish.returncode == 0, finish.stderr
        assert tracker_state(server, app) == want_state
        repeated = [ref for ref, n in Counter(app.label_writes).items() if n > 1]
        assert repeated == []  # no GitHub issue's labels written twice
        jira_labels = Counter(key for kind, key in jira_of(server).writes if kind == "labels")
        assert [k for k, n in jira_labels.items() if n > 1] == []
        with Store.open(DatabaseUrl.parse(database, "test")) as store:
            assert store.unfinished_plan() is None
        after = tw(a, database, "sync", "--json")
        assert after.returncode == 0, after.stderr
        assert tracker_state(server, app) == want_state
