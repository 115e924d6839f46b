"""What a new user or an operator meets first, held to the README: a file that cannot be
written is one sentence and exit 2 (nothing already there is lost), a read-only command never
creates a store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, TOKEN_ENV, make_issue, write_config
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox
from triagewise.store import Store, default_db_path


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, env=TOKEN_ENV)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A config and a store holding three open issues, as after a pull."""
    path = write_config(tmp_path, "http://127.0.0.1:9", repo="acme/app")
    with Store.open(default_db_path(path)) as store:
        issues = [make_issue(n, title=f"Signup step {n}") for n in (1, 2, 3)]
        store.upsert_issues([(i, {"number": 1}) for i in issues], BASE)
    return path


def one_sentence(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "fmt", [[], ["--json"], ["--format", "html"], ["--format", "digest"], ["--format", "pptx"]]
)
def test_report_to_a_path_that_cannot_be_written_is_one_sentence(
    config: Path, tmp_path: Path, fmt: list[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("kept")
    target = blocker / "roadmap.out"
    result = run(["--config", str(config), "report", *fmt, "-o", str(target)])
    said = one_sentence(result, 2)
    assert said.startswith(f"error: Cannot write {target} (")
    assert blocker.read_text() == "kept"
    if "--json" in fmt:
        assert json.loads(result.stdout)["exit_code"] == 2


def test_report_replaces_a_file_whole_and_leaves_no_temporary_file(
    config: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out" / "roadmap.md"
    target.parent.mkdir()
    target.write_text("old")
    target.chmod(0o640)
    result = run(["--config", str(config), "report", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text().startswith("# Roadmap")
    assert target.stat().st_mode & 0o777 == 0o640  # the file's own mode is kept
    assert [p.name for p in target.parent.iterdir()] == ["roadmap.md"]


def test_init_where_nothing_can_be_written_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("kept")
    result = run(["--config", str(blocker / "triagewise.toml"), "init"])
    assert one_sentence(result, 2).startswith(f"error: Cannot write {blocker}/triagewise.toml (")
    assert blocker.read_text() == "kept"


def test_demo_in_a_folder_that_cannot_be_made_is_one_sentence(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("kept")
    result = run(["demo", "--dir", str(blocker / "demo")])
    assert one_sentence(result, 2).startswith(f"error: Cannot make the demo folder {blocker}/demo")
    assert blocker.read_text() == "kept"


@pytest.mark.parametrize("as_json", [False, True])
def test_status_of_a_store_not_made_yet_creates_nothing(tmp_path: Path, as_json: bool) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", repo="acme/app")
    typo = tmp_path / "elsewhere" / "typo.db"
    result = run(["--config", str(path), "--db", str(typo), "status", *(["--json"] * as_json)])
    assert result.exit_code == 0, result.output
    assert not typo.parent.exists()
    assert f"no store at {typo} yet" in result.stderr
    if as_json:
        assert json.loads(result.stdout) == {
            "sources": [{"name": "app", "type": "github", "issues": 0, "last_pull": None}]
        }


@pytest.mark.slow
def test_apply_counts_one_write_in_the_singular(
    tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp]
) -> None:
    server, _ = sandbox
    path = write_config(tmp_path, server.url, extra="")
    path.write_text(path.read_text() + "\n[triage]\nnow_capacity = 3\n")
    config = ["--config", str(path)]
    assert run([*config, "sync"]).exit_code == 0
    path.write_text(path.read_text().replace("now_capacity = 3", "now_capacity = 2"))
    applied = run([*config, "apply"])
    assert applied.exit_code == 0, applied.output
    assert ": 1 write, 0 failed." in applied.stdout


@pytest.mark.parametrize("command", ["sync", "learn"])
def test_a_negative_wait_is_a_usage_error(config: Path, command: str) -> None:
    result = run(["--config", str(config), command, "--wait", "-5", "--json"])
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"].startswith("Invalid value for '--wait': -5")


def test_apply_before_any_pull_is_one_sentence_and_makes_no_store(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9", repo="acme/app")
    result = run(["--config", str(path), "apply"])
    assert "run 'triagewise pull' first" in one_sentence(result, 2)
    assert not (tmp_path / ".triagewise").exists()


@pytest.mark.parametrize(
    ("before", "says"),
    [
        (["--config", "."], "Invalid value for '--config'"),
        (["--no-such-option"], "No such option '--no-such-option'"),
    ],
)
def test_json_is_one_document_when_a_global_option_is_wrong(before: list[str], says: str) -> None:
    result = run([*before, "status", "--json"])
    assert result.exit_code == 2
    doc = json.loads(result.stdout)  # exactly one document: json.loads refuses any more
    assert doc["exit_code"] == 2 and doc["error"].startswith(says)
    assert result.stderr == f"error: {doc['error']}\n"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--no-such-option", "status"], "No such option '--no-such-option'."),
        (["status", "--no-such-option"], "No such option '--no-such-option'."),
        (["report", "--format", "nope"], "Invalid value for '--format': 'nope' is not one of"),
        (["explain"], "Missing argument 'REF'."),
        (["config", "validate", "--nope"], "No such option '--nope'."),
    ],
)
def test_a_usage_error_is_one_sentence_on_stderr(args: list[str], says: str) -> None:
    """The README: every error is one sentence on stderr, starting with `error:`."""
    result = run(args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(f"error: {says}") and result.stderr.count("\n") == 1


def test_a_group_alone_still_shows_its_help() -> None:
    assert "Commands:" in run([]).output
    assert "validate" in run(["config"]).output
