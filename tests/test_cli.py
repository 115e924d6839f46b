"""The commands as a user runs them: exit codes, one-sentence errors, JSON shapes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import TOKEN_ENV, write_config
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox


def run(args: list[str], env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


def one_sentence_error(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ")
    return result.stderr


def test_init_writes_a_valid_starter_and_will_not_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    assert run(["--config", str(path), "init"]).exit_code == 0
    assert "[vision]" in path.read_text()
    ok = run(["--config", str(path), "config", "validate"])
    assert ok.exit_code == 0 and "is valid: 1 goal; sources: app (github)" in ok.stdout
    again = run(["--config", str(path), "init"])
    assert "already exists; pass --force" in one_sentence_error(again, 2)
    assert run(["--config", str(path), "init", "--force"]).exit_code == 0


def test_config_validate_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    path.write_text('[vision]\ncolour = 1\n[[goals]]\nid = "Bad"\ntitle = "x"\n')
    result = run(["--config", str(path), "config", "validate"])
    text = one_sentence_error(result, 2)
    assert "has 2 problems" in text
    assert f"{path}:2: vision.colour: unknown key" in text
    assert f"{path}:4: goals[0].id" in text


def test_missing_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(["status"])
    assert "No triagewise.toml in" in one_sentence_error(result, 2)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "The environment variable TW_TEST_TOKEN (named by sources[0].token_env) is not set."),
        (
            {"TW_TEST_TOKEN": "  "},
            "The environment variable TW_TEST_TOKEN (named by sources[0].token_env) is empty.",
        ),
    ],
)
def test_missing_or_empty_token(tmp_path: Path, env: dict[str, str], message: str) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    result = run(["--config", str(path), "pull"], env={"TW_TEST_TOKEN": None, **env})  # type: ignore[dict-item]
    assert one_sentence_error(result, 2).strip() == f"error: {message}"


def test_pull_status_json_and_secrets(tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, _ = sandbox
    path = write_config(tmp_path, server.url)
    db = tmp_path / "elsewhere.db"
    result = run(["--config", str(path), "--db", str(db), "pull", "--json"], env=TOKEN_ENV)
    assert result.exit_code == 0
    summary = json.loads(result.stdout)
    assert summary["sources"][0] == {
        "source": "app",
        "requests": 2,
        "searches": 2,
        "not_modified": 0,
        "pages": 2,
        "new": 146,
        "changed": 0,
        "unchanged": 0,
        "skipped_prs": 15,
        "notes": [],
    }
    again = run(["--config", str(path), "--db", str(db), "pull"], env=TOKEN_ENV)
    assert again.stdout.strip() == (
        "app: 146 issues mirrored; unchanged (answered 304, no quota used); 1 request"
    )
    status = json.loads(run(["--config", str(path), "--db", str(db), "status", "--json"]).stdout)
    [row] = status["sources"]
    assert set(row) == {"name", "type", "issues", "last_pull"}
    assert (row["name"], row["type"], row["issues"]) == ("app", "github", 146)
    assert row["last_pull"].endswith("Z")
    token = TOKEN_ENV["TW_TEST_TOKEN"]
    for text in (result.output, again.output):
        assert token not in text
    assert token.encode() not in db.read_bytes()


def test_tracker_errors_map_to_exit_codes(
    tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp]
) -> None:
    server, _ = sandbox
    wrong = write_config(tmp_path, server.url)
    result = run(["--config", str(wrong), "pull"], env={"TW_TEST_TOKEN": "ghp_wrong_one"})
    text = one_sentence_error(result, 3)
    assert "refused the token in $TW_TEST_TOKEN" in text and "ghp_wrong_one" not in text
    unknown = write_config(tmp_path, server.url, repo="acme/missing")
    assert "acme/missing was not found" in one_sentence_error(
        run(["--config", str(unknown), "pull"], env=TOKEN_ENV), 2
    )
    offline = write_config(tmp_path, "http://127.0.0.1:9", extra="[network]\nattempts = 1\n")
    offline.write_text(
        offline.read_text().replace(
            'token_env = "TW_TEST_TOKEN"\n[network]', 'token_env = "TW_TEST_TOKEN"\n\n[network]'
        )
    )
    text = one_sentence_error(run(["--config", str(offline), "pull"], env=TOKEN_ENV), 4)
    assert "cannot connect to http://127.0.0.1:9" in text


@pytest.mark.slow
def test_demo_mirrors_the_backlog_and_leaves_nothing_running(tmp_path: Path) -> None:
    threads = threading.active_count()
    folder = tmp_path / "demo"
    result = run(["demo", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    assert "app: 146 issues mirrored; 146 new, 0 changed; 2 requests" in result.stdout
    assert "changes back: 150 issues labelled" in result.stdout
    assert "; 0 failed." in result.stdout
    assert "Now (12) · later" in result.stdout
    assert (folder / "roadmap.md").read_text().startswith("# Roadmap")
    assert (
        "platform: 34 issues mirrored; 34 new, 0 changed; 3 requests (1 search, 2 metadata)"
        in result.stdout
    )
    assert (folder / ".triagewise" / "triagewise.db").is_file()
    # the sandbox's server threads are gone (a semantic model may keep a worker of its own)
    assert not [
        t.name
        for t in threading.enumerate()
        if "serve_forever" in t.name or "process_request" in t.name
    ]
    del threads
    again = run(["demo", "--dir", str(folder)])
    assert again.exit_code == 0 and "146 issues mirrored" in again.stdout


def test_demo_will_not_touch_a_real_config(tmp_path: Path) -> None:
    write_config(tmp_path, "https://api.github.com")
    before = (tmp_path / "triagewise.toml").read_text()
    result = run(["demo", "--dir", str(tmp_path)])
    assert "was not written by the demo" in one_sentence_error(result, 2)
    assert (tmp_path / "triagewise.toml").read_text() == before


@pytest.mark.slow
def test_python_dash_m() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "triagewise", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().startswith("triagewise, version ")


@pytest.mark.slow
def test_report_and_explain_after_the_demo(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert run(["demo", "--dir", str(folder)]).exit_code == 0
    config = ["--config", str(folder / "triagewise.toml")]
    data = json.loads(run([*config, "report", "--json"]).stdout)
    rows = data["issues"]
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    contract = {
        "ref",
        "source",
        "title",
        "bucket",
        "rank",
        "score",
        "alignment",
        "goals",
        "pinned",
        "reasons",
    }
    assert all(contract <= set(r) for r in rows)
    assert [r["bucket"] for r in rows[:12]] == ["now"] * 12
    assert {r["bucket"] for r in rows} == {"now", "later", "never"}
    markdown = run([*config, "report"]).stdout
    assert markdown.startswith("# Roadmap")
    assert (
        "## Now (12)" in markdown
        and "### activation — Week-1 activation from 25% to 40%" in markdown
    )
    saml = next(r for r in rows if r["title"] == "SAML single sign-on")
    explained = run([*config, "explain", saml["ref"]])
    assert explained.exit_code == 0
    assert saml["reasons"][0] in explained.stdout  # the same words as the report
    assert "against enterprise: 'saml' in the title" in explained.stdout
    out = tmp_path / "roadmap.md"
    assert run([*config, "report", "-o", str(out)]).exit_code == 0
    assert out.read_text() == markdown
    missing = run([*config, "explain", "tandem/app#9999"])
    assert "is not an open issue in the store" in one_sentence_error(missing, 2)


def test_report_before_any_pull(tmp_path: Path) -> None:
    path = write_config(tmp_path, "http://127.0.0.1:9")
    result = run(["--config", str(path), "report"])
    assert "run 'triagewise pull' first" in one_sentence_error(result, 2)


def test_jira_errors_through_the_cli(tmp_path: Path, sandbox: tuple[Sandbox, GitHubApp]) -> None:
    server, _ = sandbox
    path = tmp_path / "triagewise.toml"

    def write(jql: str) -> None:
        path.write_text(
            f'[[sources]]\nname = "platform"\ntype = "jira"\nurl = "{server.url}"\n'
            f'jql = "{jql}"\nuser_env = "JU"\ntoken_env = "JT"\n'
        )

    write("project = PLAT AND")
    env = {"JU": "demo@tandem.example", "JT": TOKEN_ENV["TW_TEST_TOKEN"]}
    text = one_sentence_error(run(["--config", str(path), "pull"], env=env), 2)
    assert "Jira rejected the JQL of source 'platform' (Error in the JQL Query" in text
    write("project = PLAT")
    text = one_sentence_error(run(["--config", str(path), "pull"], env={**env, "JT": "bad"}), 3)
    assert "refused the credentials in $JU and $JT" in text
    ok = run(["--config", str(path), "pull", "--json"], env=env)
    assert json.loads(ok.stdout)["sources"][0]["new"] == 34


def test_counts_say_one_thing_and_many_things() -> None:
    from conftest import make_issue
    from triagewise.cli.render import pull_line
    from triagewise.rules.scoring import effort_points
    from triagewise.sync.pull import PullResult
    from triagewise.words import counted

    assert [counted(n, "comment") for n in (0, 1, 2)] == ["0 comments", "1 comment", "2 comments"]
    assert counted(1, "rank move") == "1 rank move" and counted(3, "rank move") == "3 rank moves"
    assert f"{counted(1, 'human edit')} held" == "1 human edit held"
    assert counted(1.0, "point") == "1 point" and counted(2.5, "point") == "2.5 points"
    assert counted(2, "search", "searches") == "2 searches"
    line = pull_line(PullResult("platform", requests=3, searches=1, pages=1, new=1), 1)
    assert "1 issue mirrored; 1 new" in line and "(1 search, 2 metadata)" in line
    assert "1 requests" not in pull_line(PullResult("app", requests=1, searches=1, pages=1), 2)
    assert effort_points(make_issue(estimate=1), 3) == (1.0, "estimate of 1 point")
    assert effort_points(make_issue(), 1)[1] == "the default effort of 1 point"


@pytest.mark.slow
def test_demo_keep_serving_lets_triage_and_sync_go_on(tmp_path: Path) -> None:
    """`demo --keep-serving` prints its variables; triage and sync from the demo folder with
    them reach the sandbox it keeps up; SIGTERM stops it cleanly."""
    import os
    import re
    import signal
    import time

    import httpx

    folder = tmp_path / "demo"
    repo = Path(__file__).resolve().parents[1]
    base_env = {**os.environ, "PYTHONPATH": str(repo)}
    base_env.pop("TRIAGEWISE_DEMO_TOKEN", None)
    demo = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "demo", "--dir", str(folder), "--keep-serving"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=base_env,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        lines: list[str] = []
        deadline = time.monotonic() + 240
        while not any(line.startswith("  curl ") for line in lines):
            assert time.monotonic() < deadline and demo.poll() is None, "".join(lines)
            lines.append(demo.stdout.readline())
        text = "".join(lines)
        url = re.search(r"keeps serving at (http://127\.0\.0\.1:\d+)", text)
        assert url, text
        exported = dict(re.findall(r"^  export (\w+)=(\S+)$", text, re.M))
        assert set(exported) == {"TRIAGEWISE_DEMO_TOKEN", "TRIAGEWISE_DEMO_JIRA_USER"}
        assert f"  cd {folder.resolve()}" in text
        env = {**base_env, **exported}

        def cli(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "triagewise", *args],
                cwd=folder, env=env, input=stdin, capture_output=True, text=True, timeout=120,
            )  # fmt: skip

        decided = cli("triage", "--plain", stdin="never not for this product\nquit\n")
        assert decided.returncode == 0, decided.stderr
        ref = decided.stdout.split()[0]
        synced = cli("sync")
        assert synced.returncode == 0, synced.stderr
        assert synced.stdout.startswith("sync: pulled ") and "; 0 failed" in synced.stdout
        # the person's decision is on the tracker the demo left running
        token = exported["TRIAGEWISE_DEMO_TOKEN"]
        if "#" in ref:
            got = httpx.get(
                f"{url.group(1)}/repos/tandem/app/issues/{ref.split('#')[1]}",
                headers={"Authorization": f"token {token}"},
            )
            labels = [x["name"] for x in got.json()["labels"]]
        else:
            got = httpx.get(
                f"{url.group(1)}/rest/api/2/issue/{ref}",
                auth=(exported["TRIAGEWISE_DEMO_JIRA_USER"], token),
            )
            labels = got.json()["fields"]["labels"]
        assert "triage/never" in labels, (ref, labels)
    finally:
        demo.send_signal(signal.SIGTERM)
        code = demo.wait(timeout=30)
    assert code == 0
    assert demo.stderr is not None and "sandbox stopped" in demo.stderr.read()


def test_demo_will_not_replace_a_store_it_did_not_write(tmp_path: Path) -> None:
    """A store with no demo config beside it may be someone's real mirror (their config lives
    elsewhere, or was moved): the demo refuses in one sentence and leaves it byte for byte."""
    from triagewise.store import Store

    db = tmp_path / ".triagewise" / "triagewise.db"
    with Store.open(db) as store:
        store.save_snapshot({"PLAT-1": "now"}, datetime(2026, 11, 1, tzinfo=UTC))
    before = db.read_bytes()
    result = run(["demo", "--dir", str(tmp_path)])
    assert f"{db} exists and was not written by the demo" in one_sentence_error(result, 2)
    assert db.read_bytes() == before and not (tmp_path / "triagewise.toml").exists()
