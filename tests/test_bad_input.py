"""Every way a user can hold it wrong ends in one sentence and the documented exit code."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, REPO_ROOT, TOKEN_ENV, lexical_demo, write_config
from triagewise.cli import main
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN, Sandbox, build_sandbox, jira_of
from triagewise.store import SCHEMA_VERSION, Store, store_lock

REPO = REPO_ROOT

GOOD = {"TRIAGEWISE_DEMO_TOKEN": DEMO_TOKEN, "TRIAGEWISE_DEMO_JIRA_USER": DEMO_JIRA_USER}


@pytest.fixture(scope="module")
def site() -> Iterator[Sandbox]:
    server, app = build_sandbox(base=BASE)
    app.read_only = {"read-only-token"}
    jira_of(server).credentials.add((DEMO_JIRA_USER, "read-only-token"))
    jira_of(server).credentials.add(("viewer@tandem.example", DEMO_TOKEN))
    jira_of(server).read_only = {"viewer@tandem.example"}
    with server:
        yield server


def config_text(url: str) -> str:
    return lexical_demo(url).replace("write_interval = 0 ", "write_interval = 0\nattempts = 2 ")


Case = tuple[str, Callable[[str, Path], tuple[str, dict[str, str | None]]], str, int, str]


def edit(old: str, new: str) -> Callable[[str, Path], tuple[str, dict[str, str | None]]]:
    def make(url: str, folder: Path) -> tuple[str, dict[str, str | None]]:
        text = config_text(url)
        assert old in text, old
        return text.replace(old, new, 1), dict(GOOD)

    return make


def env(**changes: str | None) -> Callable[[str, Path], tuple[str, dict[str, str | None]]]:
    return lambda url, folder: (config_text(url), {**GOOD, **changes})


def github_at(new: str) -> Callable[[str, Path], tuple[str, dict[str, str | None]]]:
    def make(url: str, folder: Path) -> tuple[str, dict[str, str | None]]:
        return config_text(url).replace(f'api_url = "{url}"', f'api_url = "{new}"', 1), dict(GOOD)

    return make


def newer_db(url: str, folder: Path) -> tuple[str, dict[str, str | None]]:
    db = folder / ".triagewise" / "triagewise.db"
    Store.open(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    return config_text(url), dict(GOOD)


CASES: list[Case] = [
    ("broken TOML", edit("[vision]", "[vision"), "pull", 2, "this is not valid TOML"),
    (
        "unknown key",
        edit("[triage]", "[triage]\ncolour = 1"),
        "pull",
        2,
        "triage.colour: unknown key",
    ),
    (
        "missing token variable",
        env(TRIAGEWISE_DEMO_TOKEN=None),
        "pull",
        2,
        "The environment variable TRIAGEWISE_DEMO_TOKEN (named by sources[0].token_env) is not set.",
    ),
    (
        "empty token variable",
        env(TRIAGEWISE_DEMO_TOKEN=""),
        "pull",
        2,
        "TRIAGEWISE_DEMO_TOKEN (named by sources[0].token_env) is empty.",
    ),
    (
        "missing Jira user variable",
        env(TRIAGEWISE_DEMO_JIRA_USER=None),
        "pull",
        2,
        "TRIAGEWISE_DEMO_JIRA_USER (named by sources[1].user_env) is not set.",
    ),
    (
        "wrong token",
        env(TRIAGEWISE_DEMO_TOKEN="ghp_wrong"),
        "pull",
        3,
        "GitHub refused the token in $TRIAGEWISE_DEMO_TOKEN",
    ),
    (
        "no permission to edit labels",
        env(TRIAGEWISE_DEMO_TOKEN="read-only-token"),
        "sync",
        3,
        "GitHub refused the write with the token in $TRIAGEWISE_DEMO_TOKEN (403)",
    ),
    (
        "unknown repository",
        edit('repo = "tandem/app"', 'repo = "tandem/nothing"'),
        "pull",
        2,
        "GitHub repository tandem/nothing was not found",
    ),
    (
        "bad JQL",
        edit('jql = "project = PLAT ORDER BY Rank ASC"', 'jql = "project = PLAT AND"'),
        "pull",
        2,
        "Jira rejected the JQL of source 'platform' (Error in the JQL Query",
    ),
    (
        "a label Jira rejects (spaces)",
        edit('label_prefix = "triage"', 'label_prefix = "triage now"'),
        "pull",
        2,
        "writeback.label_prefix: prefix 'triage now' may hold only letters",
    ),
    (
        "a goal id that is not a valid label",
        edit('id = "speed"', 'id = "Speed Goal"'),
        "pull",
        2,
        "goals[2].id: goal id 'Speed Goal' is not a valid label",
    ),
    (
        "an unknown goal in a rule",
        edit(
            'when = {{ types = ["Epic"] }}'.replace("{{", "{").replace("}}", "}"),
            'when = { goals = ["growth"] }',
        ),
        "pull",
        2,
        "unknown goal id 'growth'",
    ),
    (
        "a broken rule regex",
        edit('when = { types = ["Epic"] }', 'when = { text = "(" }'),
        "pull",
        2,
        "is not a valid regular expression",
    ),
    (
        "negative capacity",
        edit("now_capacity = 12", "now_capacity = -2"),
        "pull",
        2,
        'now_capacity must be 0 or more, or "velocity"',
    ),
    (
        "unreachable host",
        github_at("http://127.0.0.1:9"),
        "pull",
        4,
        "cannot connect to http://127.0.0.1:9",
    ),
    (
        "plain http to another host",
        github_at("http://github.corp.example"),
        "pull",
        2,
        "uses plain http to a non-loopback host",
    ),
    ("a database from a newer version", newer_db, "status", 2, "was written by a newer triagewise"),
]


@pytest.mark.parametrize(
    ("name", "make", "command", "code", "words"), CASES, ids=[c[0] for c in CASES]
)
def test_bad_input(
    site: Sandbox,
    tmp_path: Path,
    name: str,
    make: Callable[..., tuple[str, dict[str, str | None]]],
    command: str,
    code: int,
    words: str,
) -> None:
    text, variables = make(site.url, tmp_path)
    path = tmp_path / "triagewise.toml"
    path.write_text(text)
    before = path.read_text()
    result = CliRunner().invoke(
        main, ["--config", str(path), command], env=variables, catch_exceptions=False
    )
    assert result.exit_code == code, (name, result.output)
    assert "Traceback" not in result.output
    assert result.stderr.startswith("error: ") and words in result.stderr, result.stderr
    assert path.read_text() == before  # nothing the user wrote is touched


@pytest.mark.slow
def test_no_permission_to_rank_on_jira(site: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    text = config_text(site.url).replace(
        'user_env = "TRIAGEWISE_DEMO_JIRA_USER"', 'user_env = "VIEWER"'
    )
    path.write_text(text)
    result = CliRunner().invoke(
        main,
        ["--config", str(path), "sync"],
        env={**GOOD, "VIEWER": "viewer@tandem.example"},
        catch_exceptions=False,
    )
    assert result.exit_code == 3
    assert (
        "denied access with the credentials in $VIEWER and $TRIAGEWISE_DEMO_TOKEN (403"
        in result.stderr
    )


# --- the first hour's snags (issue 19) ---------------------------------------------------------

BLOCKER = '''
import sys


class _Missing:
    """A broken install: numpy and onnxruntime do not import (the import really fails)."""

    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("numpy", "onnxruntime"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, _Missing())
'''


def run_blocked(
    folder: Path, args: list[str], env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """The real command in a fresh interpreter whose numpy and onnxruntime cannot be imported."""
    blocker = folder / "blocked"
    blocker.mkdir(exist_ok=True)
    (blocker / "sitecustomize.py").write_text(BLOCKER)
    paths = [str(blocker), str(REPO), os.environ.get("PYTHONPATH", "")]
    return subprocess.run(
        [sys.executable, "-m", "triagewise", *args],
        env={**os.environ, **env, "PYTHONPATH": os.pathsep.join(p for p in paths if p)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow
def test_semantic_backend_without_its_libraries_is_one_sentence(
    site: Sandbox, tmp_path: Path
) -> None:
    path = tmp_path / "triagewise.toml"
    lexical = config_text(site.url)
    path.write_text(lexical)
    assert CliRunner().invoke(main, ["--config", str(path), "pull"], env=GOOD).exit_code == 0
    path.write_text(lexical.replace('backend = "lexical"', 'backend = "semantic"', 1))
    config = ["--config", str(path)]
    sentence = '[vision] backend = "semantic" needs onnxruntime, tokenizers and numpy'
    with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
        held = sum(1 for _ in store.issues())
    for args in (
        ["config", "validate"],
        ["report"],
        ["report", "--json"],
        ["plan"],
        ["explain", "tandem/app#1"],
        ["sync"],
    ):
        done = run_blocked(tmp_path, [*config, *args], GOOD)
        assert done.returncode == 2, (args, done.stderr)
        assert "Traceback" not in done.stderr, (args, done.stderr)
        assert done.stderr.startswith("error: ") and sentence in done.stderr, (args, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1, (args, done.stderr)
        assert "is valid" not in done.stdout, (args, done.stdout)
    # the mirror is intact, and the same store works again once the config says lexical
    with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
        assert sum(1 for _ in store.issues()) == held
    path.write_text(lexical)
    assert run_blocked(tmp_path, [*config, "plan"], GOOD).returncode == 0


def test_json_errors_are_one_json_document(tmp_path: Path) -> None:
    """Another sync holds the lock: `sync --json` still prints exactly one JSON document."""
    path = tmp_path / "triagewise.toml"
    path.write_text(config_text("http://127.0.0.1:9"))
    db = tmp_path / ".triagewise" / "triagewise.db"
    with store_lock(db):
        result = CliRunner().invoke(main, ["--config", str(path), "sync", "--json"], env=GOOD)
    assert result.exit_code == 2
    document = json.loads(result.stdout)  # one document, nothing else on stdout
    assert document["error"].startswith("Another triagewise sync or apply is running on")
    assert (document["exit_code"], document["retriable"]) == (2, True)
    assert result.stderr.startswith("error: Another triagewise sync")
    # every --json command, whatever fails: a config error, a bad option value
    for args in (["report", "--json"], ["plan", "--json"], ["sync", "--json", "--wait", "x"]):
        failed = CliRunner().invoke(main, ["--config", str(tmp_path / "nope.toml"), *args])
        assert failed.exit_code == 2, (args, failed.output)
        assert set(json.loads(failed.stdout)) == {"error", "exit_code", "retriable"}, args


@pytest.mark.slow
def test_triage_without_a_terminal_says_plain(site: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    path.write_text(config_text(site.url))
    done = subprocess.run(
        [sys.executable, "-m", "triagewise", "--config", str(path), "triage"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,  # the full-screen UI would hang here until the timeout
        env={**os.environ, **GOOD, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith("error: ") and "use 'triagewise triage --plain'" in done.stderr
    assert done.stdout == ""


def test_validate_warns_of_a_goal_without_matchers_and_unset_variables(tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    text = config_text("http://127.0.0.1:9") + (
        '\n[[goals]]\nid = "delight"\ntitle = "Customers love it"\n'
    )
    path.write_text(text)
    result = CliRunner().invoke(
        main,
        ["--config", str(path), "config", "validate"],
        env={"TRIAGEWISE_DEMO_TOKEN": "t", "TRIAGEWISE_DEMO_JIRA_USER": None},
    )
    assert result.exit_code == 0, result.output
    assert "is valid: 4 goals" in result.stdout
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning: ")]
    assert any("('delight') has no keywords, labels, components, types or text: it matches "
               "nothing" in w for w in warnings), result.stderr  # fmt: skip
    assert any("TRIAGEWISE_DEMO_JIRA_USER (named by sources[1].user_env) is not set" in w
               for w in warnings), result.stderr  # fmt: skip
    assert not any("TRIAGEWISE_DEMO_TOKEN" in w for w in warnings)
    assert len(warnings) == 2, result.stderr
    quiet = CliRunner().invoke(main, ["--config", str(path), "config", "validate"], env={**GOOD})
    assert [w for w in quiet.stderr.splitlines() if "environment variable" in w] == []


def test_report_after_an_empty_pull_says_the_sources_returned_nothing(tmp_path: Path) -> None:
    server, _ = build_sandbox(base=BASE, synthetic=("acme/empty", 0, 0))
    with server:
        path = write_config(tmp_path, server.url, repo="acme/empty")
        assert (
            CliRunner().invoke(main, ["--config", str(path), "pull"], env=TOKEN_ENV).exit_code == 0
        )
        result = CliRunner().invoke(main, ["--config", str(path), "report"], env=TOKEN_ENV)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: The sources returned no issues (last pull of app)")
    assert "run 'triagewise pull' first" not in result.stderr
