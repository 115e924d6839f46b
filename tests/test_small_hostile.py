"""The smaller findings of issue 17 (item 12), each against the sandbox where a tracker is
involved: a malformed token is never echoed; ORDER BY is found by a tokenizer; prefixes that
break GitHub's label limit or collide are config errors; a symlinked store shares the lock;
SIGTERM ends a sync as Ctrl-C does."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.config.starter import DEMO_TOKEN_ENV
from triagewise.connectors.jira.jql import strip_order_by
from triagewise.errors import LockedError
from triagewise.sandbox import DEMO_TOKEN, build_sandbox
from triagewise.store import store_lock


def cli(config: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["--config", str(config), *args], env=env or ENV)
    return done.exit_code, done.output


def test_a_token_with_a_line_break_is_never_echoed(tmp_path: Path) -> None:
    server, _ = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        secret = "SECRET-TAIL-0123456789"
        for broken in (f"{DEMO_TOKEN}\n{secret}", f"{DEMO_TOKEN}\r\n{secret}", f"{secret}\x1b[2J"):
            code, output = cli(path, "pull", env={**ENV, DEMO_TOKEN_ENV: broken})
            assert code == 2, output
            assert secret not in output and DEMO_TOKEN not in output
            assert DEMO_TOKEN_ENV in output and "control character" in output


def test_order_by_inside_a_quoted_string_is_kept(tmp_path: Path) -> None:
    assert strip_order_by('summary ~ "order by" ORDER BY Rank') == 'summary ~ "order by"'
    assert strip_order_by("text ~ 'sort order by date'") == "text ~ 'sort order by date'"
    assert strip_order_by('summary ~ "a \\"order by\\" b" order  by x') == (
        'summary ~ "a \\"order by\\" b"'
    )
    assert strip_order_by("reorder = 1 AND border ~ x") == "reorder = 1 AND border ~ x"
    assert strip_order_by("ORDER BY Rank") == ""
    server, _ = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        text = lexical_demo(server.url)
        old = 'jql = "project = PLAT ORDER BY Rank ASC"'
        assert old in text
        path.write_text(
            text.replace(old, "jql = \"project = PLAT AND summary !~ 'order by' ORDER BY Rank\"")
        )
        code, output = cli(path, "pull")  # cut short, the JQL was an error (exit 2)
        assert code == 0, output
        assert "platform: " in output and " 0 issues mirrored" not in output


@pytest.mark.parametrize(
    ("toml", "found"),
    [
        (
            f'[writeback]\nlabel_prefix = "{"t" * 45}"\n',
            "writeback.label_prefix: the label '" + "t" * 45 + "/later' is longer than GitHub's 50",
        ),
        (
            f'[writeback]\ngoal_prefix = "{"g" * 30}"\n[[goals]]\nid = "short"\ntitle = "x"\n'
            f'[[goals]]\nid = "{"l" * 20}"\ntitle = "y"\n',
            "goals[1].id: the label '" + "g" * 30 + "/" + "l" * 20 + "' is longer than 50",
        ),
        (
            '[writeback]\nlabel_prefix = "triage"\ngoal_prefix = "Triage"\n',
            "writeback.goal_prefix: the goal prefix 'Triage' is the label prefix too",
        ),
    ],
)
def test_prefixes_that_break_labels_are_config_errors(
    tmp_path: Path, toml: str, found: str
) -> None:
    path = tmp_path / "triagewise.toml"
    path.write_text(toml)
    code, output = cli(path, "config", "validate")
    assert code == 2 and found in output, output


def test_a_symlinked_store_takes_the_same_lock(tmp_path: Path) -> None:
    real = tmp_path / "real" / "triagewise.db"
    real.parent.mkdir()
    real.touch()
    link = tmp_path / "elsewhere.db"
    link.symlink_to(real)
    with store_lock(real), pytest.raises(LockedError), store_lock(link):
        pass
    server, _ = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        with store_lock(real):
            code, output = cli(path, "--db", str(link), "sync")
        assert code == 2 and "Another triagewise sync" in output, output


@pytest.mark.slow
def _applying(db: Path) -> bool:
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return bool(conn.execute("SELECT COUNT(*) FROM journal").fetchone()[0])
    except sqlite3.Error:  # not made yet, or busy
        return False


@pytest.mark.slow  # a served sandbox and two syncs in processes of their own
def test_sigterm_ends_a_sync_as_ctrl_c_does(tmp_path: Path) -> None:
    serve = subprocess.Popen(
        # every answer slow, so that batched writes still take a while
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0", "--latency", "0.3"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        assert serve.stdout is not None
        url = serve.stdout.readline().strip()
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(url).replace("write_interval = 0", "write_interval = 0.05", 1))
        env = {**os.environ, **ENV}
        command = [sys.executable, "-m", "triagewise", "--config", str(path), "sync"]
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        db = tmp_path / ".triagewise" / "triagewise.db"
        deadline = time.monotonic() + 120
        while not _applying(db):  # into the apply: its journal has rows
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 143, stderr
        assert b"terminated; everything finished so far is saved" in stderr
        assert b"Traceback" not in stderr
        again = subprocess.run(command, capture_output=True, env=env, check=False)
        assert again.returncode == 0, again.stderr
    finally:
        serve.terminate()
        serve.wait(timeout=10)
