"""A connector from outside the package: registered, configured, pulled, assessed, planned and
applied, then a second sync that writes nothing. No core file knows it exists."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from helpers import MEMORY, TRACKERS, MemoryIssue, MemoryTracker

from conftest import BASE
from triagewise.config import parse_config
from triagewise.connectors import registry
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError
from triagewise.report import report_json
from triagewise.store import Location, Store
from triagewise.sync.run import make_plan, run_sync

CONFIG = """
[vision]
backend = "lexical"
statement = "Small teams get from sign-up to a shared board in five minutes."
themes = { onboarding = ["signup", "invite"], collaboration = ["share", "comment"] }
anti_themes = { enterprise = ["saml", "scim"] }

[[goals]]
id = "activation"
title = "Week-1 activation"
weight = 3
keywords = ["signup", "invite"]

[[goals]]
id = "sharing"
title = "Boards shared"
keywords = ["share"]

[triage]
now_capacity = 2

[[sources]]
name = "mem"
type = "memory"
tracker = "board-1"

[writeback]
comments = "all"

[network]
write_interval = 0
"""

TITLES = [
    "Invite teammates during signup",
    "SAML single sign-on",
    "Share a board by link",
    "Signup form forgets the email",
    "Dark mode",
    "Share boards with guests and invite them",
    "SCIM provisioning",
]


@pytest.fixture
def memory() -> Iterator[MemoryTracker]:
    registry.register(MEMORY)
    refs = [f"MEM-{n}" for n in range(1, len(TITLES) + 1)]
    tracker = MemoryTracker(
        {
            ref: MemoryIssue(title, labels=["customer"])
            for ref, title in zip(refs, TITLES, strict=True)
        },
        order=list(refs),
        created_at=BASE - timedelta(days=20),
    )
    TRACKERS["board-1"] = tracker
    try:
        yield tracker
    finally:
        TRACKERS.pop("board-1", None)
        registry.unregister("memory")


def test_the_config_accepts_a_registered_type_and_only_then(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="type must be 'github' or 'jira'"):
        parse_config(CONFIG, tmp_path / "triagewise.toml")
    registry.register(MEMORY)
    try:
        config = parse_config(CONFIG, tmp_path / "triagewise.toml")
        assert [s.type for s in config.sources] == ["memory"]
        broken = CONFIG.replace('type = "memory"', 'type = "gitlab"')
        with pytest.raises(ConfigError, match="type must be 'github', 'jira' or 'memory'"):
            parse_config(broken, tmp_path / "triagewise.toml")
    finally:
        registry.unregister("memory")


def test_pull_assess_plan_apply_then_a_sync_that_writes_nothing(
    memory: MemoryTracker, tmp_path: Path, db: Location
) -> None:
    config = parse_config(CONFIG, tmp_path / "triagewise.toml")
    policy = RetryPolicy(attempts=1, wait_budget=0)

    def clock() -> datetime:
        return BASE

    with Store.open(db) as store:
        first = run_sync(store, config, {}, policy, now=clock)
        assert first.failed == []
        assert first.pulled[0].new == len(TITLES)
        assert first.applied is not None and first.applied.sent == len(first.plan.changes)
        data = first.as_dict()
        assert data["label_changes"] == len(TITLES) and data["comments"] == len(TITLES)
        assert isinstance(data["rank_moves"], int) and data["rank_moves"] >= 1

        # the tracker holds exactly what the report says, and the board follows the ranking
        report: list[dict[str, Any]] = report_json(  # type: ignore[assignment]
            make_plan(store, config, BASE).assessments
        )["issues"]
        for item in report:
            labels = memory.issues[item["ref"]].labels
            owned = {x for x in labels if x.startswith(("triage/", "goal/"))}
            assert owned == {f"triage/{item['bucket']}", *(f"goal/{g}" for g in item["goals"])}
            assert "customer" in labels  # not triagewise's: untouched
        assert memory.order == [item["ref"] for item in report]
        assert all(len(c) == 1 for c in memory.comments.values())
        assert all(len(w) <= 3 + 2 for w in memory.writes if w[0] == "rank")  # batch of 2

        writes = len(memory.writes)
        second = run_sync(store, config, {}, policy, now=clock)
        assert second.plan.changes == () and second.failed == []
        assert len(memory.writes) == writes  # nothing written twice
        assert second.pulled[0].new == 0
