"""Scoring and now / later / never: table-driven cases and the precedence of decisions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import BASE, make_issue, rules_config
from triagewise.model import Issue, StatusCategory
from triagewise.rules.scoring import duplicate_targets, effort_points, priority_level
from triagewise.rules.triage import Assessment, Bucket, Pin, assess

CONFIG = """
[vision]
statement = "Teams share boards."
themes = { onboarding = ["invite", "signup"], collaboration = ["share", "comment"] }
anti_themes = { enterprise = ["saml", "scim"] }

[[goals]]
id = "activation"
title = "Activation"
weight = 3
keywords = ["invite", "signup"]

[[goals]]
id = "collab"
title = "Collaboration"
weight = 1
keywords = ["share", "comment"]

[triage]
now_capacity = 2
"""


def run(
    issues: list[Issue], extra: str = "", pins: dict[str, Pin] | None = None
) -> dict[str, Assessment]:
    config = rules_config(CONFIG + extra)
    keyed = {i.key: pins[i.ref] for i in issues if i.ref in pins} if pins else None
    return {a.ref: a for a in assess(issues, config, BASE, keyed)}


@pytest.mark.parametrize(
    ("fields", "level", "source"),
    [
        ({"priority": "High"}, 0.75, "High"),
        ({"priority": "Lowest"}, 0.1, "Lowest"),
        ({"labels": ("priority/critical",)}, 1.0, "priority/critical"),
        ({"labels": ("P1",)}, 0.75, "P1"),
        ({"labels": ("prio: low",)}, 0.25, "prio: low"),
        ({"labels": ("urgent",)}, 1.0, "urgent"),
        ({"labels": ("pending",)}, None, None),
        ({}, None, None),
    ],
)
def test_priority(fields: dict[str, Any], level: float | None, source: str | None) -> None:
    assert priority_level(make_issue(**fields)) == (level, source)


@pytest.mark.parametrize(
    ("fields", "points"),
    [
        ({"estimate": 8.0}, 8.0),
        ({"labels": ("size/XL",)}, 8.0),
        ({"labels": ("size: s",)}, 2.0),
        ({"labels": ("5 points",)}, 5.0),
        ({"labels": ("bug",)}, 3.0),
        ({"estimate": 0.0}, 3.0),
    ],
)
def test_effort(fields: dict[str, Any], points: float) -> None:
    assert effort_points(make_issue(**fields), 3.0)[0] == points


@pytest.mark.parametrize(
    ("body", "targets"),
    [
        ("Probably the same as #12.", ["acme/app#12"]),
        ("Duplicate of #3 and dup of #4", ["acme/app#3", "acme/app#4"]),
        ("duplicate of APP-7", ["APP-7"]),
        ("see #12", []),
        ("same as #1", []),  # itself
    ],
)
def test_duplicate_targets(body: str, targets: list[str]) -> None:
    assert duplicate_targets(make_issue(1, body=body)) == targets


def test_precedence_pin_then_rule_then_anti_theme_then_low_fit_then_capacity() -> None:
    issues = [
        make_issue(1, title="Invite people", labels=("security",)),
        make_issue(2, title="SAML login"),
        make_issue(3, title="Dark mode"),
        make_issue(4, title="Invite by signup link", reactions=9, upvotes=9),
        make_issue(5, title="Share a board", comments=4),
        make_issue(6, title="Comment threads"),
        make_issue(7, title="SAML for invites", labels=("security",)),
    ]
    rules = """
[[triage.rules]]
name = "security first"
when = { labels = ["security"] }
bucket = "now"
reason = "Security ships first."
"""
    result = run(issues, rules, pins={"acme/app#7": Pin(Bucket.LATER, "waiting for legal")})
    assert result["acme/app#7"].bucket is Bucket.LATER and result["acme/app#7"].pinned
    assert result["acme/app#7"].reasons[0] == "Later: a person decided so: waiting for legal."
    assert result["acme/app#1"].rule == "rule:security first"
    assert result["acme/app#1"].reasons[0] == "Now: rule “security first” — Security ships first."
    assert (result["acme/app#2"].bucket, result["acme/app#2"].rule) == (Bucket.NEVER, "anti-theme")
    assert "it asks for enterprise (saml)" in result["acme/app#2"].reasons[0]
    # low fit alone is no evidence against an issue: it waits in later (issue 13)
    assert (result["acme/app#3"].bucket, result["acme/app#3"].rule) == (Bucket.LATER, "low-fit")
    assert result["acme/app#3"].review_on is None  # only a never comes back for review
    # capacity 2, one slot taken by the security rule: the best-scored candidate gets the other
    now = sorted(a.ref for a in result.values() if a.bucket is Bucket.NOW)
    assert now == ["acme/app#1", "acme/app#4"]
    assert result["acme/app#5"].bucket is Bucket.LATER
    assert (
        result["acme/app#5"].reasons[0].startswith("Later: 2nd of 3 by score; the 1 free now slots")
    )
    ranks = [a.rank for a in sorted(result.values(), key=lambda a: a.rank)]
    assert ranks == list(range(1, 8))


def test_ranking_is_now_then_later_then_never_and_closed_issues_are_left_out() -> None:
    issues = [
        make_issue(1, title="Invite"),
        make_issue(2, title="Share"),
        make_issue(3, title="Comment"),
        make_issue(4, title="SCIM"),
        make_issue(5, title="Invite", state="closed", status_category=StatusCategory.DONE),
    ]
    ordered = sorted(run(issues).values(), key=lambda a: a.rank)
    assert [a.bucket.value for a in ordered] == ["now", "now", "later", "never"]
    assert "acme/app#5" not in {a.ref for a in ordered}


def test_capacity_in_points() -> None:
    issues = [
        make_issue(1, title="Invite signup", estimate=8.0, upvotes=5, reactions=5),
        make_issue(2, title="Invite", estimate=3.0),
        make_issue(3, title="Signup", estimate=2.0),
    ]
    result = run(issues)  # two issues, no points limit
    assert sum(a.bucket is Bucket.NOW for a in result.values()) == 2
    config = CONFIG.replace("now_capacity = 2", "now_capacity = 3\nnow_points = 5")
    by_points = {a.ref: a for a in assess(issues, rules_config(config), BASE)}
    now = sorted(r for r, a in by_points.items() if a.bucket is Bucket.NOW)
    assert now == ["acme/app#2", "acme/app#3"]  # 8 points do not fit in 5
    assert (
        by_points["acme/app#1"].reasons[0].startswith("Later: 1st of 3 by score; the points left")
    )


def test_velocity_capacity_comes_from_the_mirror() -> None:
    closed = [
        make_issue(
            100 + n,
            title="done",
            state="closed",
            status_category=StatusCategory.DONE,
            closed_at=BASE - timedelta(days=n * 3 + 1),
        )
        for n in range(8)  # closed within the last 4 weeks: days 1..22
    ]
    open_ = [make_issue(n, title="Invite") for n in range(1, 10)]
    config = CONFIG.replace("now_capacity = 2", 'now_capacity = "velocity"')
    result = assess(closed + open_, rules_config(config), BASE)
    now = [a for a in result if a.bucket is Bucket.NOW]
    assert len(now) == 4  # 8 closed ÷ 4 weeks × 2-week cycle
    assert (
        "velocity: 8 issues closed in the last 4 weeks = 2.0 a week × a 2-week cycle"
        in now[0].reasons[0]
    )


def test_duplicates_add_demand_to_the_original_and_wait_themselves() -> None:
    issues = [
        make_issue(1, title="Invite teammates", author="ana"),
        # a duplicate lends demand with its own reporter and some text (one-liners do not:
        # tests/test_duplicates.py)
        make_issue(
            2, title="Invite my team", body="Same as #1. My team waits for it.", author="bo"
        ),
        make_issue(
            3,
            title="Invite the whole team",
            body="duplicate of #1, we need this at work",
            author="cy",
        ),
    ]
    result = run(issues)
    assert result["acme/app#1"].signals.duplicates == 2
    assert result["acme/app#1"].duplicated_by == ("acme/app#2", "acme/app#3")
    assert result["acme/app#2"].rule == "duplicate" and result["acme/app#2"].bucket is Bucket.LATER
    assert (
        "Demand" in result["acme/app#1"].reasons[3]
        and "2 duplicates pointing here" in result["acme/app#1"].reasons[3]
    )


def test_an_issue_moves_when_the_backlog_moves_and_the_reason_says_so() -> None:
    mine = make_issue(1, title="Share boards", upvotes=4, reactions=4)
    alone = run([mine, make_issue(2, title="x", upvotes=4, reactions=4)])["acme/app#1"]
    crowded = run([mine, make_issue(2, title="x", upvotes=40, reactions=40)])["acme/app#1"]
    assert crowded.score.value < alone.score.value
    assert "measured against the most-asked-for open issue (acme/app#2, 40" in crowded.reasons[3]


@pytest.mark.parametrize(
    ("framework", "inputs", "expected"),
    [
        ("weighted", "", "weighted sum (0–100) of impact"),
        ("rice", "", "RICE = reach × impact × confidence ÷ effort"),
        ("wsjf", "", "WSJF = (value + time criticality + opportunity) ÷ job size"),
        ("ice", "", "ICE = impact × confidence × ease"),
        ("rice", 'inputs = { reach = "upvotes" }', "reach 1.00 (upvotes)"),
    ],
)
def test_frameworks(framework: str, inputs: str, expected: str) -> None:
    config = CONFIG.replace(
        "now_capacity = 2", f'now_capacity = 2\nframework = "{framework}"\n{inputs}'
    )
    issues = [
        make_issue(1, title="Invite via signup", upvotes=3, reactions=3),
        make_issue(2, title="Share"),
    ]
    result = {a.ref: a for a in assess(issues, rules_config(config), BASE)}
    score_reason = next(r for r in result["acme/app#1"].reasons if r.startswith("Score"))
    assert expected in score_reason
    assert result["acme/app#1"].score.value > result["acme/app#2"].score.value


def test_rice_by_hand() -> None:
    config = CONFIG.replace("now_capacity = 2", 'now_capacity = 2\nframework = "rice"')
    issue = make_issue(1, title="Invite", upvotes=2, reactions=2, estimate=2.0)
    [a] = assess([issue], rules_config(config), BASE)
    parts = {c.slot: c.value for c in a.score.components}
    assert parts["reach"] == 1.0  # the only issue is the most asked for
    assert parts["effort"] == 2.0
    expected = 100 * parts["reach"] * parts["impact"] * parts["confidence"] / 2.0
    assert a.score.value == pytest.approx(expected)


def test_forced_rule_conditions() -> None:
    rules = """
[[triage.rules]]
name = "old and quiet"
when = { older_than_days = 100, reactions_below = 2, text = "(?i)fax" }
bucket = "never"
reason = "Nobody wants fax."
"""
    old = BASE - timedelta(days=200)
    issues = [
        make_issue(1, title="Fax support", created_at=old),
        make_issue(2, title="Fax support", created_at=old, reactions=5, upvotes=5),
        make_issue(3, title="Fax support"),
    ]
    result = run(issues, rules)
    assert result["acme/app#1"].rule == "rule:old and quiet"
    assert result["acme/app#2"].rule != "rule:old and quiet"
    assert result["acme/app#3"].rule != "rule:old and quiet"


def test_pinned_goal_replaces_the_mapping() -> None:
    result = run(
        [make_issue(1, title="Dark mode")],
        pins={"acme/app#1": Pin(Bucket.NOW, "CEO ask", goal="collab")},
    )
    assert [g.goal for g in result["acme/app#1"].goals] == ["collab"]
    assert result["acme/app#1"].report()["goals"] == ["collab"]
