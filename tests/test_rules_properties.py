"""Properties of the rules layer that must hold for any backlog (hypothesis)."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import BASE, make_issue, rules_config
from triagewise.model import Issue
from triagewise.report import report_json
from triagewise.rules.goals import GoalMapper
from triagewise.rules.severity import Severity
from triagewise.rules.triage import Bucket, Pin, assess
from triagewise.rules.vision import issue_text

CONFIG = rules_config(
    """
[vision]
statement = "Small teams share boards fast."
themes = { onboarding = ["invite", "signup"], collaboration = ["share", "comment"] }
anti_themes = { enterprise = ["saml"] }

[[goals]]
id = "activation"
title = "Activation"
weight = 3
keywords = ["invite", "signup"]
labels = ["onboarding"]

[[goals]]
id = "collab"
title = "Collaboration"
weight = 1
keywords = ["share"]
labels = ["collaboration"]

[triage]
now_capacity = 4
"""
)
WORDS = ["invite", "signup", "share", "comment", "saml", "dark", "mode", "slow", "board", "team"]
WORDS += ["crash", "cannot", "regression", "lost", "data", "typo", "add", "support", "flaky"]
LABELS = ["onboarding", "collaboration", "bug", "ux", "size/S", "size/XL", "P1", "enhancement"]
LABELS += ["priority/critical", "security", "question", "triage/never", "goal/activation"]

issue_strategy = st.builds(
    lambda n, title, body, labels, up, comments, age: make_issue(
        n,
        title=" ".join(title) or "x",
        body=" ".join(body),
        labels=tuple(labels),
        upvotes=up,
        reactions=up,
        comments=comments,
        created_at=BASE - timedelta(days=age),
    ),
    st.integers(1, 10_000),
    st.lists(st.sampled_from(WORDS), max_size=5),
    st.lists(st.sampled_from(WORDS), max_size=12),
    st.lists(st.sampled_from(LABELS), max_size=3, unique=True),
    st.integers(0, 50),
    st.integers(0, 30),
    st.integers(0, 900),
)
backlogs = st.lists(issue_strategy, max_size=25, unique_by=lambda i: i.ref)


@settings(max_examples=60, deadline=None)
@given(backlogs, st.randoms(use_true_random=False))
def test_the_same_inputs_give_the_same_ranking_byte_for_byte(
    issues: list[Issue], rnd: random.Random
) -> None:
    first = json.dumps(report_json(assess(issues, CONFIG, BASE)), sort_keys=True)
    shuffled = list(issues)
    rnd.shuffle(shuffled)
    second = json.dumps(report_json(assess(shuffled, CONFIG, BASE)), sort_keys=True)
    assert first == second


@settings(max_examples=60, deadline=None)
@given(backlogs)
def test_capacity_is_never_exceeded(issues: list[Issue]) -> None:
    result = assess(issues, CONFIG, BASE)
    assert sum(a.bucket is Bucket.NOW for a in result) <= CONFIG.triage.now_capacity  # type: ignore[operator]
    assert [a.rank for a in result] == list(range(1, len(result) + 1))


@settings(max_examples=60, deadline=None)
@given(backlogs, st.data())
def test_a_pinned_decision_always_wins(issues: list[Issue], data: st.DataObject) -> None:
    if not issues:
        return
    chosen = data.draw(st.lists(st.sampled_from([i.ref for i in issues]), unique=True, max_size=5))
    pins = {
        ref: Pin(data.draw(st.sampled_from(list(Bucket))), "a person said so") for ref in chosen
    }
    keyed = {i.key: pins[i.ref] for i in issues if i.ref in pins}
    result = {a.ref: a for a in assess(issues, CONFIG, BASE, keyed)}
    for ref, pin in pins.items():
        assert result[ref].bucket is pin.bucket
        assert result[ref].pinned
    fixed_now = sum(p.bucket is Bucket.NOW for p in pins.values())
    chosen_now = sum(a.bucket is Bucket.NOW and not a.pinned for a in result.values())
    assert chosen_now <= max(0, 4 - fixed_now)


@settings(max_examples=100, deadline=None)
@given(issue_strategy, st.sampled_from(LABELS))
def test_adding_a_matching_label_never_lowers_a_goal_confidence(issue: Issue, label: str) -> None:
    mapper = GoalMapper(CONFIG.goals)
    before = {g.goal: g.confidence for g in mapper.map(issue, issue_text(issue), 0.0)}
    more = issue.model_copy(update={"labels": (*issue.labels, label)})
    after = {g.goal: g.confidence for g in mapper.map(more, issue_text(more), 0.0)}
    for goal, confidence in before.items():
        assert after[goal] >= confidence


@settings(max_examples=60, deadline=None)
@given(backlogs)
def test_scores_and_alignment_stay_in_range(issues: list[Issue]) -> None:
    for a in assess(issues, CONFIG, BASE):
        assert 0.0 <= a.alignment.score <= 1.0
        assert 0.0 <= a.score.value <= 100.0
        assert a.reasons and all(r.endswith((".", ")")) for r in a.reasons)


NEVER_EVIDENCE = ("anti-theme", "pinned")


@settings(max_examples=40, deadline=None)
@given(backlogs)
def test_never_needs_evidence(issues: list[Issue]) -> None:
    """Only an anti-theme, a forced rule or a person sends an issue to never; a severe defect
    or a raised tracker priority goes there only by a rule or a person."""
    for a in assess(issues, CONFIG, BASE):
        if a.bucket is Bucket.NEVER:
            assert a.rule in NEVER_EVIDENCE or a.rule.startswith("rule:"), a.rule
            assert a.alignment.anti_theme is not None or a.rule != "anti-theme"
            protected = a.severity.level >= Severity.MAJOR or (
                a.signals.priority is not None and a.signals.priority > 0.5
            )
            assert not protected or a.rule != "anti-theme", a.issue.title


@settings(max_examples=40, deadline=None)
@given(backlogs)
def test_an_issue_that_says_too_little_is_flagged_and_never_never(issues: list[Issue]) -> None:
    for a in assess(issues, CONFIG, BASE):
        if len(a.issue.body.split()) < CONFIG.triage.needs_detail_below:
            assert "needs detail" in a.flags and "needs detail" in a.report()["flags"]  # type: ignore[operator]
            assert a.bucket is not Bucket.NEVER or a.rule == "anti-theme"
        else:
            assert not a.flags


@settings(max_examples=60, deadline=None)
@given(issue_strategy, st.sampled_from(["crashes on start", "loses data", "regression"]))
def test_severity_never_lowers_a_score(issue: Issue, words: str) -> None:
    bug = issue.model_copy(update={"labels": ("bug",), "title": "Board", "body": ""})
    worse = bug.model_copy(update={"title": f"Board {words}"})
    plain = {a.ref: a for a in assess([bug], CONFIG, BASE)}[bug.ref]
    severe = {a.ref: a for a in assess([worse], CONFIG, BASE)}[bug.ref]
    assert severe.severity.level > plain.severity.level
    assert severe.score.value >= plain.score.value
