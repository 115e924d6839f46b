"""triagewise's own labels are outputs, never inputs (issue 13, item 1).

A goal whose id is a theme word (`goal/sharing` against the theme word "share") used to count
as evidence once written back, so a second sync with nothing changed moved issues."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BASE, lexical_demo, sandbox_issues
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.config import parse_config
from triagewise.rules.owned import owned_labels
from triagewise.rules.triage import Assessment, assess
from triagewise.sandbox import DEMO_REPO, build_sandbox, jira_of

NOW = datetime(2026, 11, 26, tzinfo=UTC)
# A goal id that is also a theme word and a keyword: the trap the issue describes.
SHARING = """
[[goals]]
id = "sharing"
title = "Boards get shared"
weight = 2
keywords = ["share"]
labels = ["sharing"]
"""


def _config(url: str = "http://127.0.0.1:1") -> str:
    text = lexical_demo(url)
    return text.replace("[triage]\n", SHARING + "\n[triage]\n", 1)


def _view(assessments: list[Assessment]) -> list[dict[str, object]]:
    return [a.report() for a in assessments]


_ISSUES = None


def _demo_issues() -> list:  # type: ignore[type-arg]
    global _ISSUES
    if _ISSUES is None:
        _, app = build_sandbox(base=NOW)
        _ISSUES = list(sandbox_issues(app, DEMO_REPO, "http://sandbox").values())
    return _ISSUES


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.data())
def test_owned_labels_never_change_an_assessment(data: st.DataObject) -> None:
    config = parse_config(_config(), Path("triagewise.toml"))
    owned = sorted(owned_labels(config))
    issues = _demo_issues()
    before = _view(assess(issues, config, NOW))
    relabelled = []
    for issue in issues:
        extra = data.draw(st.lists(st.sampled_from(owned), max_size=4, unique=True))
        cased = [x.upper() if data.draw(st.booleans()) else x for x in extra]
        relabelled.append(issue.model_copy(update={"labels": (*issue.labels, *cased)}))
    assert _view(assess(relabelled, config, NOW)) == before


def test_labels_under_the_prefix_that_triagewise_does_not_own_stay_visible() -> None:
    config = parse_config(_config(), Path("triagewise.toml"))
    assert "triage/accepted" not in owned_labels(config)
    assert "goal/sharing" in owned_labels(config) and "triage/now" in owned_labels(config)


def _cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--config", str(config), *args], env=ENV)


@pytest.mark.slow
def test_sync_report_sync_writes_nothing_the_second_time_and_keeps_the_ranking(
    tmp_path: Path,
) -> None:
    server, app = build_sandbox(base=BASE)
    with server:
        config = tmp_path / "triagewise.toml"
        config.write_text(_config(server.url))
        assert _cli(config, "pull").exit_code == 0
        planned = json.loads(_cli(config, "report", "--json").stdout)["issues"]
        first = _cli(config, "sync", "--json")
        assert first.exit_code == 0, first.output
        after = json.loads(_cli(config, "report", "--json").stdout)["issues"]
        # the report after the sync ranks exactly as the plan that was applied
        assert [(r["ref"], r["bucket"], r["goals"]) for r in after] == [
            (r["ref"], r["bucket"], r["goals"]) for r in planned
        ]
        assert any("sharing" in r["goals"] for r in after)  # the trap is armed
        writes = (len(app.label_writes), len(jira_of(server).writes))
        moves = app.projects[("tandem", 1)].moves
        second = json.loads(_cli(config, "sync", "--json").stdout)
        assert (second["label_changes"], second["rank_moves"], second["score_writes"]) == (0, 0, 0)
        assert (len(app.label_writes), len(jira_of(server).writes)) == writes
        assert app.projects[("tandem", 1)].moves == moves
        again = json.loads(_cli(config, "report", "--json").stdout)["issues"]
        assert [(r["ref"], r["rank"], r["score"]) for r in again] == [
            (r["ref"], r["rank"], r["score"]) for r in after
        ]
