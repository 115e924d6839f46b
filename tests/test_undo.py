"""`history`, `release` and `revert` end to end through the CLI against the sandbox (issue 15
items 3 and 4): the reason for each move ("moved because the now line moved"), handing a
person's decision back to the rules, reverting a run except where a person changed it since,
and bad input (an unknown ref, a run that does not exist, a revert a person has since
overridden) in one sentence with exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import DEMO_REPO, GitHubApp, build_sandbox, jira_of


def cli(config: Path, *args: str, code: int = 0) -> Result:
    result = CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV | {"TRIAGEWISE_USER": "pm-lee"}
    )
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    return result


def bucket_labels(app: GitHubApp, number: int) -> set[str]:
    return {x for x in app.repos[DEMO_REPO].items[number].labels if x.startswith("triage/")}


def report(config: Path) -> dict[str, Any]:
    return {i["ref"]: i for i in json.loads(cli(config, "report", "--json").stdout)["issues"]}


@pytest.mark.slow
def test_history_release_and_revert(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    config = tmp_path / "triagewise.toml"
    text = lexical_demo(server.url)
    config.write_text(text)
    with server:
        cli(config, "sync")
        first = report(config)
        now = sorted(
            (i for i in first.values() if i["bucket"] == "now" and i["ref"].startswith(DEMO_REPO)),
            key=lambda i: i["rank"],
        )
        held = int(now[0]["ref"].rsplit("#", 1)[1])
        # a person moves one issue to never on the tracker; the next sync holds it
        app.label(DEMO_REPO, held, "ana", add=("triage/never",), remove=("triage/now",))
        cli(config, "sync")
        # the team shrinks now: issues past the new line move to later without changing
        config.write_text(text.replace("now_capacity = 12", "now_capacity = 9"))
        cli(config, "sync")
        second = report(config)
        moved = [
            r for r, i in first.items() if i["bucket"] == "now" and second[r]["bucket"] == "later"
        ]
        assert moved, "lowering the capacity moved nothing"
        story = json.loads(cli(config, "history", moved[0], "--json").stdout)["history"]
        assert [s["kind"] for s in story][-1] == "moved"
        assert "moved because the now line moved" in story[-1]["why"]
        shown = cli(config, "history", f"{DEMO_REPO}#{held}").stdout
        assert "moved because it was decided by ana: a person set" in shown

        # revert the run that moved them, except where a person changed one since
        gh = [int(r.rsplit("#", 1)[1]) for r in moved if r.startswith(DEMO_REPO)]
        assert gh, moved
        app.label(DEMO_REPO, gh[0], "ben", add=("triage/never",), remove=("triage/later",))
        dry = json.loads(cli(config, "revert", "--dry-run", "--json").stdout)
        assert dry["dry_run"] is True and dry["changes"]
        assert all(bucket_labels(app, n) == {"triage/later"} for n in gh[1:])  # nothing written
        done = cli(config, "revert")
        assert f"{DEMO_REPO}#{gh[0]}: changed since that run wrote it" in done.output
        assert all(bucket_labels(app, n) == {"triage/now"} for n in gh[1:])
        assert bucket_labels(app, gh[0]) == {"triage/never"}  # ben's edit wins

        # hand the held issue back to the rules: the rules' label returns
        gone = cli(config, "release", f"{DEMO_REPO}#{held}", "--dry-run", "--json")
        assert json.loads(gone.stdout)["changes"]
        assert bucket_labels(app, held) == {"triage/never"}
        cli(config, "release", f"{DEMO_REPO}#{held}")
        assert bucket_labels(app, held) != {"triage/never"}
        after = cli(config, "history", f"{DEMO_REPO}#{held}").stdout
        assert "released by pm-lee" in after

        # bad input: one sentence, exit 2
        unknown = cli(config, "release", "tandem/app#99999", code=2)
        assert "There is no issue tandem/app#99999 in the store" in unknown.output
        undecided = cli(config, "release", f"{DEMO_REPO}#{held}", code=2)
        assert "no decision to release" in undecided.output
        missing = cli(config, "revert", "99", code=2)
        assert "There is no applied run 99" in missing.output
        assert "no issue" in cli(config, "history", "PLAT-9999", code=2).output


@pytest.mark.slow
def test_a_revert_a_person_has_overridden_everywhere_says_so(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    with server:
        cli(config, "sync")
        runs = json.loads(cli(config, "revert", "1", "--dry-run", "--json").stdout)
        labelled = {c["ref"] for c in runs["changes"]}
        jira = jira_of(server)
        for ref in labelled:
            if ref.startswith(DEMO_REPO):
                number = int(ref.rsplit("#", 1)[1])
                labels = app.repos[DEMO_REPO].items[number].labels
            else:
                labels = jira.items[ref].labels
            other = "triage/later" if "triage/never" in labels else "triage/never"
            mine = tuple(x for x in labels if x.startswith(("triage/", "goal/")))
            if ref.startswith(DEMO_REPO):
                app.label(DEMO_REPO, number, "ana", add=(other,), remove=mine)
            else:
                kept = [x for x in labels if x not in mine]
                jira.edit(ref, actor="ana", labels=[*kept, other])
        refused = cli(config, "revert", "1", code=2)
        assert "Cannot revert run 1: every issue it labelled was changed since" in refused.output
