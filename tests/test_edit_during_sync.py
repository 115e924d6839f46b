"""A person's edit during a sync is never written over (issue 17 item 2), against the sandbox
over real HTTP: labels are read fresh right before writing (GitHub `nodes(ids:)`, Jira
`key in (…)`), GitHub's write answers are checked, and two bucket labels on one issue resolve
in the person's favour."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox, jira_of
from triagewise.sandbox.server import Request, Response

pytestmark = pytest.mark.slow


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


def once(server: Sandbox, when: bytes, then: object) -> list[int]:
    """Run `then()` once, right after the first request whose body holds `when` answered."""
    fired: list[int] = []

    def hook(request: Request, response: Response) -> None:
        if not fired and when in request.body:
            fired.append(1)
            then()  # type: ignore[operator]

    server.hooks.append(hook)
    return fired


def adds(plan: dict[str, object], source: str) -> list[tuple[str, list[str]]]:
    changes = plan["changes"]
    assert isinstance(changes, list)
    return [
        (c["ref"], c["add"])
        for c in changes
        if c["kind"] == "labels" and c["source"] == source and "triage/never" not in c["add"]
    ]


def test_a_persons_edit_between_pull_and_write_is_held_not_written_over(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """After the pull, a person sets triage/never on a GitHub issue and a Jira issue that
    triagewise would label now or later. The fresh read right before writing sees it: both
    keep exactly the person's label, the sync names them held, and the next sync neither
    writes them nor reports them again as new."""
    server, app, config = demo_site
    jira = jira_of(server)
    assert cli(config, "pull").exit_code == 0
    plan = json.loads(cli(config, "plan", "--json").stdout)
    gh_ref = adds(plan, "app")[3][0]
    jira_key = adds(plan, "platform")[2][0]
    number = int(gh_ref.rsplit("#", 1)[1])

    def person() -> None:
        app.edit("tandem/app", number, labels=["triage/never"])
        jira.edit(jira_key, labels=["triage/never"])

    # the boards' sweep runs after the pull and before the writes
    fired = once(server, b"projectV2(number", person)
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    assert fired
    summary = json.loads(result.stdout)
    held = summary["applied"]["held"]
    assert any(line.startswith(f"{gh_ref}:") for line in held), held
    assert any(line.startswith(f"{jira_key}:") for line in held), held
    assert app.repos["tandem/app"].items[number].labels == ["triage/never"]
    assert jira.items[jira_key].labels == ["triage/never"]
    assert summary["applied"]["requests"]["fresh"] >= 2  # one read per tracker at least
    report = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    assert report[gh_ref]["bucket"] == "never"
    assert report[jira_key]["bucket"] == "never"
    # the held issues left slots to others: the next sync may move those, never the held
    pending = json.loads(cli(config, "plan", "--json").stdout)
    relabel = [c["ref"] for c in pending["changes"] if c["kind"] == "labels"]
    assert {gh_ref, jira_key}.isdisjoint(relabel), pending  # (its board place may move)
    assert cli(config, "sync").exit_code == 0
    writes = len(app.label_writes), len(jira.writes)
    again = json.loads(cli(config, "sync", "--json").stdout)
    assert again["label_changes"] == 0 and again["conflicts"] == []
    assert (len(app.label_writes), len(jira.writes)) == writes
    assert app.repos["tandem/app"].items[number].labels == ["triage/never"]


def test_a_bucket_label_that_arrives_during_the_write_makes_triagewise_take_its_own_off(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """Between the fresh read and the mutation, a person sets triage/never on an issue of
    that batch. The mutation's answer (`labelable { labels }`) shows it beside the label
    triagewise just added: triagewise takes its own label back off and holds the issue."""
    server, app, config = demo_site
    text = config.read_text()
    board = 'project = { owner = "tandem", number = 1, score_field = "Triage score" }'
    config.write_text(text.replace(board, ""))
    assert cli(config, "pull").exit_code == 0
    plan = json.loads(cli(config, "plan", "--json").stdout)
    ref, added = adds(plan, "app")[1]
    number = int(ref.rsplit("#", 1)[1])
    fired = once(
        server,
        b"nodes(ids",
        lambda: app.edit("tandem/app", number, labels=["triage/never", "needs-design"]),
    )
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    assert fired
    summary = json.loads(result.stdout)
    assert any(line.startswith(f"{ref}:") for line in summary["applied"]["held"])
    labels = app.repos["tandem/app"].items[number].labels
    assert sorted(labels) == ["needs-design", "triage/never"], (labels, added)
    report = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    assert report[ref]["bucket"] == "never"
    assert cli(config, "sync").exit_code == 0  # others may move into the slot it left
    again = json.loads(cli(config, "sync", "--json").stdout)
    assert again["label_changes"] == 0, again
    assert sorted(app.repos["tandem/app"].items[number].labels) == ["needs-design", "triage/never"]


def test_two_bucket_labels_resolve_in_the_persons_favour(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """A person adds triage/never beside triagewise's triage/now: a conflict, reported,
    held at never (the label triagewise did not write), and triagewise's now comes off."""
    _server, app, config = demo_site
    assert cli(config, "sync").exit_code == 0
    repo = app.repos["tandem/app"]
    number = next(n for n, i in sorted(repo.items.items()) if "triage/now" in i.labels)
    app.edit("tandem/app", number, labels=[*repo.items[number].labels, "triage/never"])
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    ref = f"tandem/app#{number}"
    sentence = next(c for c in summary["conflicts"] if c.startswith(f"{ref}:"))
    assert "two bucket labels" in sentence and "held at never" in sentence
    assert "triage/now" not in repo.items[number].labels
    assert "triage/never" in repo.items[number].labels
    report = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    assert report[ref]["bucket"] == "never"
    again = json.loads(cli(config, "sync", "--json").stdout)
    assert again["label_changes"] == 0 and again["conflicts"] == []


def test_two_bucket_labels_by_people_resolve_by_the_most_recent_label_event(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """Neither bucket label is triagewise's: ana moved an issue from triagewise's now to
    later, then bob added never. The label events decide: bob's never is the most recent, the
    issue is held at never, and both people's labels stay."""
    _server, app, config = demo_site
    assert cli(config, "sync").exit_code == 0
    repo = app.repos["tandem/app"]
    number = next(n for n, i in sorted(repo.items.items()) if "triage/now" in i.labels)
    app.label("tandem/app", number, "ana", add=("triage/later",), remove=("triage/now",))
    time.sleep(1.1)  # label events carry whole seconds
    app.label("tandem/app", number, "bob", add=("triage/never",))
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    ref = f"tandem/app#{number}"
    sentence = next(c for c in json.loads(result.stdout)["conflicts"] if c.startswith(f"{ref}:"))
    assert "two bucket labels" in sentence and "held at never" in sentence
    assert {"triage/later", "triage/never"} <= set(repo.items[number].labels)
    report = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    assert report[ref]["bucket"] == "never"


def test_a_jira_issue_deleted_between_pull_and_write_does_not_stop_the_fresh_read(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """Jira refuses a whole `key in (…)` search when one key no longer exists (400); the fresh
    read then asks that chunk's issues one by one, the deleted one is left out, and every other
    issue is written."""
    server, _app, config = demo_site
    jira = jira_of(server)
    assert cli(config, "pull").exit_code == 0
    plan = json.loads(cli(config, "plan", "--json").stdout)
    gone = adds(plan, "platform")[0][0]
    fired = once(server, b"projectV2(number", lambda: jira.delete_issue(gone))
    result = cli(config, "sync", "--json")
    assert fired
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    for row in report:
        if row["source"] == "platform" and row["ref"] != gone and row["ref"] in jira.items:
            want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
            labels = {
                x for x in jira.items[row["ref"]].labels if x.startswith(("triage/", "goal/"))
            }
            assert labels == want, row["ref"]
