"""Payload shapes nobody expected, served by the sandbox over real HTTP: a null where a list
belongs, a label object without a name, a field whose type changed (a count as a word, a Jira
label list as one string, a date as a number), an issue without its number. The odd parts read
as absent; an issue that cannot be read at all is skipped with one note naming it. The run
ends as a clean one (exit 0) and the next is the same: one issue cannot fail a run."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, JiraApp, build_sandbox, jira_of
from triagewise.store import Store

Odd = Callable[[GitHubApp, JiraApp], None]


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


CASES: dict[str, tuple[Odd, str, str | None]] = {
    # name: (make it odd, the ref to look at, the note that names it, or None: read as absent)
    "a null where a list belongs": (
        lambda gh, j: gh.odd.update({3: {"labels": None, "assignees": None}}),
        "tandem/app#3",
        None,
    ),
    "a label object without a name": (
        lambda gh, j: gh.odd.update({3: {"labels": [{"id": 1, "color": "fff"}, None, 7]}}),
        "tandem/app#3",
        None,
    ),
    "a GitHub count that became a word": (
        lambda gh, j: gh.odd.update({3: {"comments": "many", "reactions": {"+1": "x"}}}),
        "tandem/app#3",
        None,
    ),
    "a Jira field with a changed type": (
        lambda gh, j: j.odd_fields.update(
            {"PLAT-1": {"votes": {"votes": "lots"}, "labels": "ux mobile", "duedate": 20261201}}
        ),
        "PLAT-1",
        None,
    ),
    "Jira objects that became strings": (
        lambda gh, j: j.odd_fields.update(
            {"PLAT-1": {"priority": "High", "parent": {"fields": {"issuetype": "Epic"}}}}
        ),
        "PLAT-1",
        None,
    ),
    "an issue without its number": (
        lambda gh, j: gh.odd.update({3: {"number": None}}),
        "tandem/app#3",
        "GitHub issue tandem/app#None was skipped: its payload could not be read",
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_an_odd_payload_never_fails_the_run(tmp_path: Path, name: str) -> None:
    make, ref, note = CASES[name]
    server, app = build_sandbox(base=BASE)
    with server:
        make(app, jira_of(server))
        config = tmp_path / "triagewise.toml"
        config.write_text(lexical_demo(server.url))
        first = cli(config, "sync", "--json")
        assert first.exit_code == 0, first.output
        assert "Traceback" not in first.output
        notes = [n for r in json.loads(first.stdout)["pulled"] for n in r["notes"]]
        with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
            found = store.find(ref)
            refs = {i.ref for i in store.issues()}
        if note is None:
            assert len(found) == 1, found  # read, its odd parts as absent
            issue = found[0]
            assert all(len(label) > 1 for label in issue.labels)  # never a string's letters
            assert issue.comments >= 0 and issue.upvotes >= 0
            assert not notes
        else:
            assert not found and not [r for r in refs if r.endswith("#None")]
            assert [n for n in notes if note in n], notes
        second = cli(config, "sync", "--json")
        assert second.exit_code == 0, second.output
        assert json.loads(second.stdout)["label_changes"] == 0
