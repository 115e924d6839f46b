"""Deleted and transferred issues leave the ranking (issue 17 item 9), against the sandbox over
real HTTP: a write to a deleted issue fails ("Could not resolve to a node") once, the issue is
looked up (REST 410) and leaves the ranking with a note instead of failing every run; the
weekly full check finds a transfer (REST 301 to the new place) and follows it when a configured
source mirrors the new repository, with the person's decision."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.model import Key
from triagewise.sandbox import GitHubApp, build_sandbox, jira_of
from triagewise.store import Store
from triagewise.sync.gone import RUN


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


def report(config: Path) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(cli(config, "report", "--json").stdout)["issues"]
    return rows


def number(ref: object) -> int:
    return int(str(ref).rsplit("#", 1)[1])


@pytest.mark.slow
def test_a_deleted_issue_leaves_the_ranking_instead_of_failing_every_run(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    with server:
        config = tmp_path / "triagewise.toml"
        config.write_text(lexical_demo(server.url))
        assert cli(config, "sync").exit_code == 0
        top = next(r for r in report(config) if r["source"] == "app" and r["bucket"] == "now")
        app.delete_issue("tandem/app", number(top["ref"]))
        second = cli(config, "sync", "--json")
        assert second.exit_code == 0, second.output  # not "some writes failed"
        summary = json.loads(second.stdout)
        assert summary["failed"] == []
        assert f"{top['ref']} was deleted: it is no longer ranked or written." in summary["notes"]
        assert top["ref"] not in {r["ref"] for r in report(config)}
        writes = len(app.label_writes), app.projects[("tandem", 1)].made
        third = cli(config, "sync", "--json")
        assert third.exit_code == 0, third.output
        assert json.loads(third.stdout)["notes"] == []
        assert (len(app.label_writes), app.projects[("tandem", 1)].made) == writes


def web_config(config: Path, url: str) -> None:
    text = lexical_demo(url)
    web = f"""
[[sources]]
name = "web"
type = "github"
repo = "tandem/web"
api_url = "{url}"
token_env = "TRIAGEWISE_DEMO_TOKEN"
"""
    config.write_text(text.replace("[writeback]", web + "\n[writeback]", 1))


def a_week_passes(db: Path) -> None:
    """The last full check was more than a week ago (the runs table is where it is kept)."""
    with Store.open(db) as store:
        last = store.last_run(RUN)
        assert last is not None
        store._conn.execute(
            "UPDATE runs SET started_at = ? WHERE command = ?",
            ("2000-01-01T00:00:00+00:00", RUN),
        )


def held_issue(app: GitHubApp) -> int:
    """An issue a person filed under never before triagewise ever wrote: a held decision."""
    app.label("tandem/app", 5, actor="maintainer", add=("triage/never",))
    return 5


@pytest.mark.slow
def test_a_transfer_is_followed_into_a_configured_source_and_out_of_the_others(
    tmp_path: Path,
) -> None:
    server, app = build_sandbox(base=BASE)
    web = app.add_repo("tandem/web")
    web.labels.update({"triage/never": ("ededed", ""), "triage/later": ("ededed", "")})
    app.add_repo("tandem/elsewhere")
    with server:
        config = tmp_path / "triagewise.toml"
        web_config(config, server.url)
        moved = held_issue(app)
        first = cli(config, "sync", "--json")
        assert first.exit_code == 0, first.output
        before = {r["ref"]: r for r in report(config)}
        assert before[f"tandem/app#{moved}"]["pinned"] is True
        away = next(
            number(r)
            for r, row in before.items()
            if row["source"] == "app" and number(r) != moved and row["bucket"] == "later"
        )
        new = app.transfer_issue("tandem/app", moved, "tandem/web")
        app.transfer_issue("tandem/app", away, "tandem/elsewhere")
        # an incremental sync cannot see it: the old refs stay ranked until the full check
        db = tmp_path / ".triagewise" / "triagewise.db"
        a_week_passes(db)
        requests = server.requests
        second = cli(config, "sync", "--json")
        assert second.exit_code == 0, second.output
        notes = json.loads(second.stdout)["notes"]
        assert (
            f"tandem/app#{moved} was transferred to tandem/web#{new}, which source 'web' "
            "mirrors: it is ranked there, and its decision and explanation comment follow it."
        ) in notes, notes
        assert (
            f"tandem/app#{away} was transferred to tandem/elsewhere#1, outside the configured "
            "sources: it is no longer ranked or written."
        ) in notes, notes
        after = {r["ref"]: r for r in report(config)}
        assert f"tandem/app#{moved}" not in after and f"tandem/app#{away}" not in after
        followed = after[f"tandem/web#{new}"]
        assert (followed["pinned"], followed["bucket"]) == (True, "never")
        with Store.open(db) as store:
            assert Key("web", f"tandem/web#{new}") in store.decisions()
            assert Key("app", f"tandem/app#{moved}") not in store.decisions()
        print(f"second sync: {server.requests - requests} requests")


@pytest.mark.slow
def test_jira_deleted_and_moved_issues_leave_with_the_weekly_check(tmp_path: Path) -> None:
    """Without the board's sweep (rank off) nothing else would notice. A move inside the
    source's query (another project it covers) gets a new key with the same id: the old key's
    decision follows the new one; a deleted key (404) leaves the ranking."""
    server, _ = build_sandbox(base=BASE)
    jira = jira_of(server)
    with server:
        config = tmp_path / "triagewise.toml"
        text = lexical_demo(server.url).replace("rank = true", "rank = false", 1)
        text = text.replace(
            'jql = "project = PLAT ORDER BY Rank ASC"', 'jql = "project in (PLAT, OPS)"'
        )
        config.write_text(text)
        keys = sorted(jira.items, key=lambda k: int(k.split("-")[1]))
        held, deleted = keys[0], keys[1]
        jira.edit(held, labels=[*jira.items[held].labels, "triage/never"])  # a person's never
        assert cli(config, "sync").exit_code == 0
        assert {r["ref"]: r for r in report(config)}[held]["pinned"] is True
        new = jira.move_issue(held, "OPS")
        jira.delete_issue(deleted)
        a_week_passes(tmp_path / ".triagewise" / "triagewise.db")
        second = cli(config, "sync", "--json")
        assert second.exit_code == 0, second.output
        summary = json.loads(second.stdout)
        notes = summary["notes"]
        assert f"{deleted} was deleted: it is no longer ranked or written." in notes, notes
        # the move is seen by the pull itself (the same id under a new key)
        pulled = [n for r in summary["pulled"] for n in r["notes"]]
        assert f"{held} was moved to {new}: its decision and explanation comment follow it." in (
            pulled
        ), pulled
        after = {r["ref"]: r for r in report(config)}
        assert held not in after and deleted not in after
        assert (after[new]["pinned"], after[new]["bucket"]) == (True, "never")


@pytest.mark.slow
@pytest.mark.parametrize("source", ["app", "platform"])
def test_an_issue_deleted_before_its_write_is_a_note_on_both_trackers(
    tmp_path: Path, source: str
) -> None:
    """A run capped by --max-writes leaves most labels for the next one; an issue deleted in
    between meets its write (GitHub: "Could not resolve to a node"; Jira: a bulk task that
    fails it, then 404 on its own PUT) and leaves the ranking with a note, exit 0."""
    server, app = build_sandbox(base=BASE)
    jira = jira_of(server)
    with server:
        config = tmp_path / "triagewise.toml"
        text = lexical_demo(server.url).replace("rank = true", "rank = false", 1)
        config.write_text(text)
        first = cli(config, "sync", "--max-writes", "3")
        assert first.exit_code == 0, first.output
        rows = report(config)
        waiting = [r for r in rows[3:] if r["source"] == source]
        victim = str(waiting[0]["ref"])
        if source == "app":
            app.delete_issue("tandem/app", number(victim))
        else:
            jira.delete_issue(victim)
        second = cli(config, "sync", "--json")
        assert second.exit_code == 0, second.output
        summary = json.loads(second.stdout)
        assert summary["failed"] == []
        assert f"{victim} was deleted: it is no longer ranked or written." in summary["notes"]
        assert victim not in {r["ref"] for r in report(config)}
        again = cli(config, "sync", "--json")  # its freed place may relabel another: fine
        assert again.exit_code == 0, again.output
        assert (json.loads(again.stdout)["failed"], json.loads(again.stdout)["notes"]) == ([], [])
