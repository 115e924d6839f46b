"""Two sources whose refs collide (as one `owner/repo` on two GitHub hosts would), end to end:
pull → assess → plan → apply → a second sync with zero writes, each tracker written only with
its own issues' labels and comments, and a person's edit on one host holding only that issue
(issue 17 item 4)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import MEMORY, TRACKERS, MemoryIssue, MemoryTracker
from test_connector_registry import CONFIG, TITLES

from conftest import BASE
from triagewise.config import parse_config
from triagewise.connectors import registry
from triagewise.connectors.retry import RetryPolicy
from triagewise.model import Key
from triagewise.report import report_json
from triagewise.store import Location, Store
from triagewise.sync.run import make_plan, run_sync

TWO = CONFIG.replace(
    '[[sources]]\nname = "mem"\ntype = "memory"\ntracker = "board-1"\n',
    '[[sources]]\nname = "public"\ntype = "memory"\ntracker = "host-a"\n\n'
    '[[sources]]\nname = "enterprise"\ntype = "memory"\ntracker = "host-b"\n',
)
REFS = [f"MEM-{n}" for n in range(1, len(TITLES) + 1)]


@pytest.fixture
def hosts() -> Iterator[dict[str, MemoryTracker]]:
    """The same refs on two trackers, with different issues behind them (the enterprise host's
    titles in the other order)."""
    registry.register(MEMORY)
    made = {}
    for name, titles in (("host-a", TITLES), ("host-b", TITLES[::-1])):
        made[name] = TRACKERS[name] = MemoryTracker(
            {
                ref: MemoryIssue(title, labels=["customer"])
                for ref, title in zip(REFS, titles, strict=True)
            },
            order=list(REFS),
            created_at=BASE - timedelta(days=20),
        )
    try:
        yield made
    finally:
        for name in made:
            TRACKERS.pop(name, None)
        registry.unregister("memory")


def _owned(labels: list[str]) -> set[str]:
    return {x for x in labels if x.startswith(("triage/", "goal/"))}


def test_two_sources_with_the_same_refs_sync_apart(
    hosts: dict[str, MemoryTracker], tmp_path: Path, db: Location
) -> None:
    assert TWO != CONFIG
    config = parse_config(TWO, tmp_path / "triagewise.toml")
    policy = RetryPolicy(attempts=1, wait_budget=0)

    def clock() -> datetime:
        return BASE

    trackers = {"public": hosts["host-a"], "enterprise": hosts["host-b"]}
    with Store.open(db) as store:
        first = run_sync(store, config, {}, policy, now=clock)
        assert first.failed == []
        assert [r.new for r in first.pulled] == [len(TITLES), len(TITLES)]
        data = first.as_dict()
        assert data["label_changes"] == 2 * len(TITLES) and data["comments"] == 2 * len(TITLES)

        # each tracker holds exactly what the report says of its own issue with that ref
        assessments = make_plan(store, config, BASE).assessments
        report: list[dict[str, Any]] = report_json(assessments)["issues"]  # type: ignore[assignment]
        assert len(report) == 2 * len(TITLES)
        for a in assessments:
            item = trackers[a.issue.source].issues[a.ref]
            assert item.title == a.issue.title
            want = {f"triage/{a.bucket.value}", *(f"goal/{g.goal}" for g in a.goals)}
            assert _owned(item.labels) == want
        for tracker in trackers.values():
            assert all(len(c) == 1 for c in tracker.comments.values())
            assert set(tracker.comments) == set(REFS)
        # the two hosts' issues behind one ref differ, and so do some of their labels
        assert any(
            _owned(hosts["host-a"].issues[r].labels) != _owned(hosts["host-b"].issues[r].labels)
            for r in REFS
        )
        assert set(store.comments()) == {Key(s, r) for s in trackers for r in REFS}

        writes = {n: len(t.writes) for n, t in hosts.items()}
        second = run_sync(store, config, {}, policy, now=clock)
        assert second.plan.changes == () and second.failed == []
        assert {n: len(t.writes) for n, t in hosts.items()} == writes

        # a person moves the enterprise host's MEM-1 (SCIM, never) to later: that issue is held, the public
        # MEM-1 is not, and nothing is written back over the person's edit
        person = hosts["host-b"].issues["MEM-1"]
        person.labels = [x for x in person.labels if not x.startswith("triage/")] + ["triage/later"]
        person.updated_at = BASE + timedelta(minutes=1)
        third = run_sync(store, config, {}, policy, now=clock)
        assert [c.key for c in third.plan.conflicts] == [Key("enterprise", "MEM-1")]
        decisions = store.decisions()
        assert list(decisions) == [Key("enterprise", "MEM-1")]
        assert decisions[Key("enterprise", "MEM-1")].bucket == "later"
        assert _owned(person.labels) == {"triage/later"}
        public = {a.issue.key: a for a in make_plan(store, config, BASE).assessments}
        assert not public[Key("public", "MEM-1")].pinned
        assert public[Key("enterprise", "MEM-1")].pinned


def test_explain_asks_which_source_when_two_hold_the_ref(
    hosts: dict[str, MemoryTracker], tmp_path: Path, db: Location
) -> None:
    from click.testing import CliRunner

    from triagewise.cli import main
    from triagewise.store import DatabaseUrl

    path = tmp_path / "triagewise.toml"
    path.write_text(TWO)
    config = parse_config(TWO, path)
    with Store.open(db) as store:
        run_sync(store, config, {}, RetryPolicy(attempts=1, wait_budget=0), now=lambda: BASE)
    # the SQLite file through --db, the PostgreSQL store through TRIAGEWISE_DATABASE_URL
    if isinstance(db, DatabaseUrl):
        runner, where = CliRunner(env={"TRIAGEWISE_DATABASE_URL": db.url}), ["--config", str(path)]
    else:
        runner, where = CliRunner(), ["--config", str(path), "--db", str(db)]
    both = runner.invoke(main, [*where, "explain", "MEM-1"])
    assert both.exit_code == 2
    assert "MEM-1 is an open issue in 2 sources (enterprise, public)" in both.output
    for source, title in (("public", TITLES[0]), ("enterprise", TITLES[-1])):
        one = runner.invoke(main, [*where, "explain", "MEM-1", "--source", source, "--json"])
        assert one.exit_code == 0, one.output
        data = json.loads(one.output)
        assert (data["source"], data["title"]) == (source, title)
    none = runner.invoke(main, [*where, "explain", "MEM-1", "--source", "x"])
    assert none.exit_code == 2 and "not an open issue of source x" in none.output
