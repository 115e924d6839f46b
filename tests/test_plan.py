"""The planner: rank moves (properties), owned labels only, humans win, checksum, threshold."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BASE, make_issue, rules_config
from triagewise.config.models import WritebackConfig
from triagewise.connectors.jira.connector import RANK_BATCH
from triagewise.model import Issue, Key
from triagewise.rules.triage import Assessment, assess
from triagewise.sync.moves import (
    apply_block_moves,
    longest_increasing,
    plan_block_moves,
    plan_single_moves,
)
from triagewise.sync.plan import (
    BoardInput,
    Conflict,
    LabelChange,
    Plan,
    PlanInputs,
    RankMove,
    exceeds_threshold,
    find_conflicts,
)
from triagewise.sync.plan import build_plan as build

WB = WritebackConfig().with_goals(("activation", "collaboration", "x"))  # the goals the tests use


def build_plan(
    assessments: Sequence[Assessment],
    issues: Mapping[Key, Issue],
    shadows: Mapping[Key, frozenset[str]],
    conflicts: Sequence[Conflict],
    wb: WritebackConfig,
    rank_orders: Mapping[str, list[str]],
) -> Plan:
    """The planner with block-moving boards (Jira's batch), as these tests describe them."""
    boards = {
        s: BoardInput(order, "block", RANK_BATCH) for s, order in rank_orders.items() if order
    }
    return build(PlanInputs(assessments, issues, shadows, conflicts, wb, boards))


def lis_length(current: list[str], target: list[str]) -> int:
    where = {k: n for n, k in enumerate(target)}
    return len(longest_increasing([where[k] for k in current]))


permutations = st.integers(0, 400).flatmap(
    lambda n: st.permutations([f"P-{i}" for i in range(n)]).map(
        lambda p: (sorted(p, key=lambda k: int(k[2:])), list(p))
    )
)


@settings(max_examples=200, deadline=None)
@given(permutations)
def test_block_moves_always_sort_and_stay_within_the_bound(
    pair: tuple[list[str], list[str]],
) -> None:
    current, target = pair
    moves = plan_block_moves(current, target, RANK_BATCH)
    assert apply_block_moves(current, moves) == target
    n, lis = len(target), lis_length(current, target)
    assert len(moves) <= min(n - lis, math.ceil(n / 50))
    assert all(len(block) <= 50 for block, _, _ in moves)


@settings(max_examples=200, deadline=None)
@given(permutations)
def test_single_moves_are_exactly_n_minus_lis(pair: tuple[list[str], list[str]]) -> None:
    current, target = pair
    moves = plan_single_moves(current, target)
    assert len(moves) == len(target) - lis_length(current, target)
    order = list(current)
    for item, after in moves:
        order.remove(item)
        order.insert(0 if after is None else order.index(after) + 1, item)
    assert order == target


def test_known_patterns() -> None:
    keys = [f"K-{i}" for i in range(2000)]
    shuffled = list(keys)
    random.Random(1).shuffle(shuffled)
    assert (
        len(plan_block_moves(shuffled, keys, RANK_BATCH)) <= 40
    )  # random reorder of 2,000: ⌈2000/50⌉
    displaced = list(keys)
    for i in range(0, 2000, 20):  # 100 issues moved far away
        displaced.append(displaced.pop(i))
    assert len(plan_block_moves(displaced, keys, RANK_BATCH)) <= 100
    top = keys[1500:] + keys[:1500]  # a block of 500 moved to the top
    assert len(plan_block_moves(top, keys, RANK_BATCH)) == 10


CONFIG = rules_config(
    """
[vision]
themes = { onboarding = ["invite"] }
[[goals]]
id = "activation"
title = "Activation"
keywords = ["invite"]
[triage]
now_capacity = 1
"""
)


def test_labels_only_owned_and_only_when_different() -> None:
    issues = [
        make_issue(1, title="Invite people", labels=("bug", "triage/later")),
        make_issue(2, title="Dark mode", labels=("ux",)),
        make_issue(3, title="Invite more", labels=("triage/later", "goal/activation")),
    ]
    by_ref = {i.key: i for i in issues}
    shadows = {
        Key("app", "acme/app#1"): frozenset({"triage/later"}),
        Key("app", "acme/app#3"): frozenset({"triage/later", "goal/activation"}),
    }
    result = assess(issues, CONFIG, BASE)
    plan = build_plan(result, by_ref, shadows, [], WB, {})
    changes = {c.ref: c for c in plan.changes if isinstance(c, LabelChange)}
    assert changes["acme/app#1"].add == ("goal/activation", "triage/now")
    assert changes["acme/app#1"].remove == ("triage/later",)  # "bug" is not ours: untouched
    # low fit alone waits in later (issue 13): never needs evidence
    assert changes["acme/app#2"].add == ("triage/later",) and changes["acme/app#2"].remove == ()
    assert "acme/app#3" not in changes  # already right: no write
    assert plan.checksum == build_plan(result, by_ref, shadows, [], WB, {}).checksum
    assert plan.as_json()["changes"][0] == {
        "ref": "acme/app#1",
        "kind": "labels",
        "source": "app",
        "add": ["goal/activation", "triage/now"],
        "remove": ["triage/later"],
    }


def test_a_persons_edit_is_held_and_reported() -> None:
    issues = [make_issue(1, title="Invite people", labels=("triage/never",))]
    conflicts = find_conflicts(issues, {Key("app", "acme/app#1"): frozenset({"triage/now"})}, WB)
    assert [(c.ref, c.bucket) for c in conflicts] == [("acme/app#1", "never")]
    assert (
        conflicts[0].sentence
        == "acme/app#1: triagewise wrote triage/now; a person changed it to triage/never; held at never."
    )
    plan = build_plan(
        assess(issues, CONFIG, BASE), {i.key: i for i in issues}, {}, conflicts, WB, {}
    )
    assert plan.changes == ()
    assert find_conflicts([make_issue(2, labels=("triage/now",))], {}, WB)[0].wrote == ()


def test_safety_threshold() -> None:
    issues = [make_issue(n, title="Dark mode", labels=("triage/now",)) for n in range(1, 11)]
    shadows = {i.key: frozenset({"triage/now"}) for i in issues}
    plan = build_plan(assess(issues, CONFIG, BASE), {i.key: i for i in issues}, shadows, [], WB, {})
    assert plan.relabelled == 10
    assert "relabels 10 of 10 issues" in (exceeds_threshold(plan, WB) or "")
    first = build_plan(assess(issues, CONFIG, BASE), {i.key: i for i in issues}, {}, [], WB, {})
    assert exceeds_threshold(first, WB) is None  # nothing labelled before: first write-back


def test_jira_rank_moves_follow_the_ranking() -> None:
    issues = [make_issue(n, title="Invite" if n == 3 else "x", source="plat") for n in range(1, 5)]
    result = assess(issues, CONFIG, BASE)
    target = [a.ref for a in result]
    current = list(reversed(target))
    plan = build_plan(result, {i.key: i for i in issues}, {}, [], WB, {"plat": current})
    moves = [c for c in plan.changes if isinstance(c, RankMove)]
    assert (
        moves
        and apply_block_moves(current, [(m.issues, m.position, m.anchor) for m in moves]) == target
    )
