"""kill -9 at the HTTP level during batched and bulk writes (issue 16): a Jira Cloud bulk task
that completes after the kill is polled on resume, never submitted again; a GitHub batch whose
answer the killed process never heard is read back, never sent again. Both end with every
issue carrying exactly its report labels, and no label added twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import BASE, OWNED, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox, build_sandbox, jira_of
from triagewise.sandbox.server import Request, Response
from triagewise.store import Store

pytestmark = pytest.mark.slow


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    server, app = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        board = 'project = { owner = "tandem", number = 1, score_field = "Triage score" }'
        path.write_text(lexical_demo(server.url).replace(board, ""))
        yield server, app, path


def start_sync(config: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "triagewise", "--config", str(config), "sync"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **ENV},
    )  # fmt: skip


def wait_for(check: Any, proc: subprocess.Popen[bytes], seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert proc.poll() is None, "the sync ended before the point to kill it at"
        assert time.monotonic() < deadline, "the sync never reached the point to kill it at"
        time.sleep(0.02)


def finish_and_check(server: Sandbox, app: GitHubApp, config: Path) -> None:
    result = CliRunner().invoke(
        main, ["--config", str(config), "sync", "--json"], env=ENV, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    report = json.loads(
        CliRunner().invoke(main, ["--config", str(config), "report", "--json"], env=ENV).stdout
    )["issues"]
    jira = jira_of(server)
    for row in report:
        if row["source"] == "app":
            labels = app.repos["tandem/app"].items[int(row["ref"].rsplit("#", 1)[1])].labels
        else:
            labels = jira.items[row["ref"]].labels
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert {x for x in labels if x.startswith(OWNED)} == want, row["ref"]


def test_a_bulk_task_that_completes_after_the_kill_is_polled_not_resubmitted(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    jira = jira_of(server)
    jira.bulk_seconds = 120.0  # the tasks run on long after the kill
    submitted: list[tuple[str, str, str]] = []  # (option, label, key) of every bulk submit

    def record(request: Request, response: Response) -> None:
        if request.path.endswith("/bulk/issues/fields") and response.status == 201:
            body = json.loads(request.body)
            edit = body["editedFieldsInput"]["labelsFields"][0]
            for key in body["selectedIssueIdsOrKeys"]:
                for label in edit["labels"]:
                    submitted.append((edit["bulkEditMultiSelectFieldOption"], label["name"], key))

    server.hooks.append(record)
    proc = start_sync(config)
    wait_for(lambda: jira.bulk_polls >= 2, proc)  # task ids journaled, now being polled
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    tasks_before = dict(jira.tasks)
    assert tasks_before
    with Store.open(config.parent / ".triagewise" / "triagewise.db") as store:
        plan = store.unfinished_plan()
        assert plan is not None
        details = store.journal_details(plan)
        journaled = {t for d in details.values() for t in d.split() if t.startswith("task:")}
    assert {f"task:{t}" for t in tasks_before} <= journaled  # every accepted task journaled
    jira.bulk_seconds = 0.05  # the tasks complete while nobody is polling
    polls = jira.bulk_polls
    finish_and_check(server, app, config)
    assert jira.bulk_polls > polls  # the resume polled the journaled tasks
    repeated = [x for x, n in Counter(submitted).items() if n > 1]
    assert repeated == []  # no label submitted twice for an issue
    puts = Counter(key for kind, key in jira.writes if kind == "labels")
    assert all(n == 1 for n in puts.values()), puts


def test_a_github_batch_whose_answer_the_killed_run_never_heard_is_not_sent_again(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    arrived = threading.Event()

    def hold_the_answer(request: Request, response: Response) -> None:
        if b"addLabelsToLabelable" in request.body and not arrived.is_set():
            arrived.set()  # processed: the labels are on the issues
            time.sleep(3)  # ... and the answer waits until the client is dead

    server.hooks.append(hold_the_answer)
    proc = start_sync(config)
    wait_for(arrived.is_set, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    landed = len(app.label_writes)
    assert landed > 1  # one batch of several issues landed unheard
    time.sleep(3.2)  # the held answer goes nowhere
    finish_and_check(server, app, config)
    writes = Counter(f"{r}#{n}" for r, n in app.label_writes)
    assert writes and max(writes.values()) == 1, writes  # read back, not sent again
