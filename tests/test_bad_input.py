"""Every way a user can hold it wrong ends in one sentence and the documented exit code."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo
from triagewise.cli import main
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN, Sandbox, build_sandbox, jira_of
from triagewise.store import SCHEMA_VERSION, Store

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
