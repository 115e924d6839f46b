"""Only the labels triagewise defines are its own (issue 17, item 8): `triage/accepted` is a
person's, never removed, never read as a bucket decision; `config validate` says the prefix is
already in use. Label case (item 7): `Triage/Later` is `triage/later`, matched and reused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox, jira_of

pytestmark = pytest.mark.slow  # each syncs the demo sandbox


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], env=ENV)


def test_a_persons_label_under_the_prefix_is_never_touched(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, path = demo_site
    repo = app.repos["tandem/app"]
    jira = jira_of(server)
    people = {1: "triage/accepted", 2: "goal/someday", 3: "triage/needs-design"}
    for n, label in people.items():
        repo.items[n].labels = [*repo.items[n].labels, label]
    key = sorted(jira.items)[0]
    jira.items[key].labels = [*jira.items[key].labels, "triage/accepted"]
    assert cli(path, "pull").exit_code == 0
    validated = cli(path, "config", "validate")
    assert validated.exit_code == 0
    assert "warning:" in validated.stderr and "triage/accepted" in validated.stderr
    first = cli(path, "sync", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    refs = {f"tandem/app#{n}" for n in people} | {key}
    assert not [c for c in summary["conflicts"] if c.split(":")[0] in refs]
    report = {r["ref"]: r for r in json.loads(cli(path, "report", "--json").stdout)["issues"]}
    for n, label in people.items():
        ref = f"tandem/app#{n}"
        assert label in repo.items[n].labels  # kept
        if ref in report:  # and triagewise's own decision written beside it, not held
            assert f"triage/{report[ref]['bucket']}" in repo.items[n].labels
            assert not report[ref]["pinned"]
    assert "triage/accepted" in jira.items[key].labels
    # a person adds their label to an issue triagewise labelled: not an edit of triagewise's
    n = next(n for n, i in repo.items.items() if "triage/now" in i.labels and n not in people)
    repo.items[n].labels = [*repo.items[n].labels, "triage/accepted"]
    app.edit("tandem/app", n)
    writes = len(app.label_writes)
    second = json.loads(cli(path, "sync", "--json").stdout)
    assert second["label_changes"] == 0 and len(app.label_writes) == writes
    assert not [c for c in second["conflicts"] if c.startswith(f"tandem/app#{n}:")]
    assert {"triage/accepted", "triage/now"} <= set(repo.items[n].labels)
    # `init` beside a store that has issues warns too (it rewrites the config: last)
    started = cli(path, "init", "--force")
    assert started.exit_code == 0 and "warning:" in started.stderr, started.output
    assert "triage/accepted" in started.stderr


def test_a_label_that_differs_only_in_case_is_matched_and_reused(
    demo_site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    _, app, path = demo_site
    repo = app.repos["tandem/app"]
    for name in ("Triage/Later", "TRIAGE/NOW", "Triage/Never"):
        repo.labels[name] = ("ededed", "made by a person, in their own case")
    cased = [n for n, i in sorted(repo.items.items()) if i.state == "open" and not i.is_pr][:6]
    for n in cased:  # a person labels them on the tracker (their label events say so)
        app.label("tandem/app", n, actor="maintainer", add=("Triage/Later",))
    first = cli(path, "sync", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["failed"] == []
    # one label per name, in the repository's spelling: none re-created in lower case
    folded = [name.lower() for name in repo.labels]
    assert len(folded) == len(set(folded))
    assert {"Triage/Later", "TRIAGE/NOW", "Triage/Never"} <= set(repo.labels)
    report = {r["ref"]: r for r in json.loads(cli(path, "report", "--json").stdout)["issues"]}
    for n, item in repo.items.items():
        ref = f"tandem/app#{n}"
        if ref not in report:
            continue
        buckets = [x for x in item.labels if x.lower().startswith("triage/")]
        assert [b.lower() for b in buckets] == [f"triage/{report[ref]['bucket']}"], ref
    # a person's `Triage/Later` set before triagewise wrote is their decision, read as later
    # (the tracker's label events name the person: provenance holds it on the first sync)
    assert json.loads(first.stdout)["provenance"]["held"] == len(cased)
    picked = [report[f"tandem/app#{n}"] for n in cased]
    assert [(r["bucket"], r["pinned"]) for r in picked] == [("later", True)] * len(cased)
    writes = len(app.label_writes)
    second = json.loads(cli(path, "sync", "--json").stdout)
    assert second["label_changes"] == 0 and len(app.label_writes) == writes
