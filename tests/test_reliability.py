"""Faults, crashes, concurrency and secrets: nothing lost, nothing duplicated, nothing leaked.
Seeds are fixed, so a failure reproduces."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, SleepRecorder, lexical_demo, tracker_state
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.config import load_config
from triagewise.connectors.retry import RetryPolicy
from triagewise.sandbox import (
    DEMO_JIRA_USER,
    DEMO_TOKEN,
    Faults,
    build_sandbox,
    jira_of,
)
from triagewise.store import Store, store_lock
from triagewise.sync.run import run_sync


def synced(
    tmp_path: Path, faults: Faults | None, policy: RetryPolicy
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    server, app = build_sandbox(base=BASE, faults=faults)
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        with Store.open(tmp_path / "t.db") as store:
            result = run_sync(store, load_config(path), ENV, policy)
            assert result.failed == []
        return tracker_state(server, app)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_a_faulty_sync_ends_like_a_clean_one(
    tmp_path: Path, seed: int, sleeps: SleepRecorder
) -> None:
    policy = RetryPolicy(attempts=8, wait_budget=600, sleep=sleeps, jitter=lambda: 1.0)
    (tmp_path / "clean").mkdir()
    (tmp_path / "faulty").mkdir()
    clean = synced(tmp_path / "clean", None, policy)
    faults = Faults(
        error_rate=0.08,
        rate_limit_rate=0.05,
        secondary_rate=0.03,
        reset_rate=0.03,
        truncate_rate=0.03,
        seed=seed,
    )
    faulty = synced(tmp_path / "faulty", faults, policy)
    assert faulty == clean
    assert sleeps.sleeps  # the faults happened and were waited out


@pytest.mark.slow
def test_a_fault_that_outlasts_the_retries_stops_with_exit_4(tmp_path: Path) -> None:
    server, _ = build_sandbox(base=BASE, faults=Faults(error_rate=1.0))
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(
            lexical_demo(server.url).replace(
                "write_interval = 0 ", "write_interval = 0\nattempts = 2\nwait_budget = 5 "
            )
        )
        started = time.monotonic()
        result = CliRunner().invoke(
            main, ["--config", str(path), "sync"], env=ENV, catch_exceptions=False
        )
        assert result.exit_code == 4
        assert "still failing after 2 attempts (500 Server Error)" in result.stderr
        assert time.monotonic() - started < 30  # bounded


def _serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.mark.slow
def test_kill_9_during_pull_at_random_points(tmp_path: Path) -> None:
    """A pull killed anywhere leaves a sound store; the next pull completes the mirror."""
    proc, url = _serve(
        "--synthetic",
        "3000",
        "--prs",
        "300",
        "--jira-synthetic",
        "2000",
        "--jira-mode",
        "datacenter",
    )
    try:
        path = tmp_path / "triagewise.toml"
        path.write_text(
            f'[[sources]]\nname = "gh"\ntype = "github"\nrepo = "acme/big"\napi_url = "{url}"\ntoken_env = "T"\n'
            f'[[sources]]\nname = "jira"\ntype = "jira"\nurl = "{url}"\njql = "project = BIG"\nuser_env = "U"\ntoken_env = "T"\n'
        )
        env = {**os.environ, "T": DEMO_TOKEN, "U": DEMO_JIRA_USER}
        rng = random.Random(7)
        command = [sys.executable, "-m", "triagewise", "--config", str(path), "pull"]
        for _ in range(6):
            run = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
            )
            time.sleep(rng.uniform(0.3, 1.6))
            run.send_signal(signal.SIGKILL)
            run.wait()
            with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
                assert store.integrity_ok()
        final = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        assert final.returncode == 0, final.stderr
        with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
            assert store.integrity_ok()
            assert store.count_issues("gh") == 3000
            assert store.count_issues("jira") == 2000
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.mark.slow
def test_a_second_sync_waits_when_asked(tmp_path: Path) -> None:
    server, _ = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        db = tmp_path / ".triagewise" / "triagewise.db"
        released = threading.Event()

        def hold() -> None:
            with store_lock(db):
                released.wait(1.0)

        holder = threading.Thread(target=hold)
        holder.start()
        time.sleep(0.2)
        waited = CliRunner().invoke(
            main, ["--config", str(path), "sync", "--wait", "10"], env=ENV, catch_exceptions=False
        )
        holder.join()
        assert waited.exit_code == 0, waited.output
        lock = db.with_suffix(".lock")
        assert stat.S_IMODE(lock.stat().st_mode) == 0o600
        assert stat.S_IMODE(db.stat().st_mode) == 0o600


@pytest.mark.slow
def test_a_token_never_leaks(tmp_path: Path) -> None:
    secret = "ghp_TRIAGEWISE_SECRET_0123456789abcdef"
    server, app = build_sandbox(base=BASE, token=secret)
    jira_of(server).credentials.add((DEMO_JIRA_USER, secret))
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(
            lexical_demo(server.url).replace("rank = true\n", 'rank = true\ncomments = "all"\n')
        )
        env = {"TRIAGEWISE_DEMO_TOKEN": secret, "TRIAGEWISE_DEMO_JIRA_USER": DEMO_JIRA_USER}
        outputs = []
        for args in (
            ["sync", "--json"],
            ["sync"],
            ["plan", "--json"],
            ["report", "--json"],
            ["status", "--json"],
            ["explain", "tandem/app#5"],
            ["report", "-o", str(tmp_path / "r.md")],
        ):
            result = CliRunner().invoke(
                main, ["--config", str(path), *args], env=env, catch_exceptions=False
            )
            outputs += [result.stdout, result.stderr]
        wrong = CliRunner().invoke(
            main,
            ["--config", str(path), "pull"],
            env={**env, "TRIAGEWISE_DEMO_TOKEN": secret + "x"},
            catch_exceptions=False,
        )
        outputs += [wrong.stdout, wrong.stderr]
        assert wrong.exit_code == 3
        for text in outputs:
            assert secret not in text
        for file in (tmp_path / ".triagewise").iterdir():
            assert secret.encode() not in file.read_bytes(), file
        assert secret not in (tmp_path / "r.md").read_text()
        assert all(secret not in body for _, body in app.comments.values())
        assert json.dumps(jira_of(server).writes).find(secret) == -1


@pytest.mark.slow
@pytest.mark.parametrize("tracker", ["github", "jira"])
def test_a_timeout_is_retried(tmp_path: Path, tracker: str, sleeps: SleepRecorder) -> None:
    server, _ = build_sandbox(base=BASE, faults=Faults(script=["slow"]))
    with server:
        path = tmp_path / "triagewise.toml"
        text = lexical_demo(server.url) + "timeout = 0.5\n"
        if tracker == "jira":  # only the Jira source, so the slow answer lands on it
            start = text.index('[[sources]]\nname = "app"')
            end = text.index('[[sources]]\nname = "platform"')
            text = text[:start] + text[end:]
        path.write_text(text)
        policy = RetryPolicy(sleep=sleeps, jitter=lambda: 1.0)
        with Store.open(tmp_path / "t.db") as store:
            from triagewise.sync.pull import pull_all

            results = pull_all(store, load_config(path), ENV, policy)
        assert sleeps.sleeps == [1.0]  # one timeout, one backoff, then the page
        assert sum(r.new for r in results) == (34 if tracker == "jira" else 180)
