"""Vision alignment and goal mapping, table-driven: how people really write."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_issue, rules_config
from triagewise.config.models import VisionConfig
from triagewise.rules.goals import GoalMapper
from triagewise.rules.text import field, stem, term
from triagewise.rules.vision import LexicalAlignment, issue_text

VISION = VisionConfig(
    statement="Small teams get from sign-up to a shared board in five minutes.",
    themes={"onboarding": ["invite", "first run", "signup"], "collaboration": ["share", "comment"]},
    anti_themes={"enterprise": ["saml", "scim", "single sign-on"]},
)


def align(**fields: Any) -> Any:
    issue = make_issue(**fields)
    return LexicalAlignment(VISION).align(issue, issue_text(issue))


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (["invite", "invites", "inviting", "invited", "invitation", "Invitations"], True),
        (["share", "shared", "sharing", "shares"], True),
        (["comment", "comments", "commenting", "commented"], True),
        (["reply", "replies", "replied"], True),
        (["ship", "shipping", "shipped"], True),
        (["bill", "billing"], True),
        (["board", "boring"], False),
        (["sso", "so"], False),
    ],
)
def test_stemmer_folds_inflections(words: list[str], same: bool) -> None:
    assert (len({stem(w) for w in words}) == 1) is same


@pytest.mark.parametrize(
    ("text", "phrase", "count"),
    [
        ("Improve the first-run experience", "first run", 1),
        ("FIRST RUN!!! first, run", "first run", 1),
        ("Sign-up is slow; signups drop; sign up later", "signup", 3),
        ("Signup broken", "sign up", 1),
        ("the run first", "first run", 0),
        ("invite invite invite", "invite", 3),
    ],
)
def test_phrases_case_punctuation_and_compounds(text: str, phrase: str, count: int) -> None:
    assert field("title", text).count(term(phrase)) == count


def test_inflected_words_match_their_theme() -> None:
    for title in ("Invites are lost", "Inviting a colleague fails", "Invitation link expired"):
        a = align(title=title)
        assert a.theme == "onboarding", title
        assert a.score > 0.5, title
        assert a.evidence[0].term == "invite" and a.evidence[0].field == "title"


def test_title_and_labels_weigh_more_than_the_body() -> None:
    title = align(title="Invite teammates").score
    labels = align(title="Issue", labels=("invite",)).score
    body = align(title="Issue", body="We should invite teammates").score
    assert title > labels > body > 0


def test_repetition_saturates() -> None:
    once = align(title="x", body="invite").score
    fifty = align(title="x", body=" ".join(["invite"] * 50)).score
    assert once < fifty < 2 * once
    more_themes = align(title="x", body="invite and share and comment").score
    assert more_themes > fifty  # breadth of evidence beats repetition


def test_anti_themes_count_against_and_are_named() -> None:
    plain = align(title="Invite teammates")
    against = align(title="Invite teammates with SAML single sign-on")
    assert against.score < plain.score
    assert against.anti_theme == "enterprise"
    assert {e.term for e in against.evidence if e.anti} == {"saml", "single sign-on"}


def test_unrelated_issue_scores_zero() -> None:
    a = align(title="Dark mode", body="Everyone asks for it.")
    assert (a.score, a.theme, a.evidence) == (0.0, None, ())


def test_statement_words_count_a_little() -> None:
    a = align(title="A board for teams")
    assert 0 < a.score < align(title="Invite a team").score
    assert {e.theme for e in a.evidence} == {"vision statement"}


GOALS = """
[[goals]]
id = "activation"
title = "Activation"
weight = 3
keywords = ["invite", "first run"]
labels = ["onboarding"]

[[goals]]
id = "stability"
title = "Fewer crashes"
weight = 1
types = ["Bug"]
components = ["Editor"]
text = ["crash(es|ed)?\\\\b"]
"""


def mapped(**fields: Any) -> dict[str, tuple[float, tuple[str, ...]]]:
    config = rules_config(GOALS)
    issue = make_issue(**fields)
    found = GoalMapper(config.goals).map(issue, issue_text(issue), 0.3)
    return {g.goal: (round(g.confidence, 3), g.reasons) for g in found}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"labels": ("onboarding",)}, {"activation": (0.8, ("labelled 'onboarding'",))}),
        ({"labels": ("Onboarding",)}, {"activation": (0.8, ("labelled 'onboarding'",))}),
        ({"title": "Invites get lost"}, {"activation": (0.6, ("'invite' in the title",))}),
        ({"body": "first-run screen"}, {"activation": (0.35, ("'first run' in the body",))}),
        ({"type": "Bug"}, {"stability": (0.5, ("of type Bug",))}),
        ({"components": ("editor",)}, {"stability": (0.8, ("in component 'Editor'",))}),
        ({"body": "It crashed twice"}, {"stability": (0.6, ("matches /crash(es|ed)?\\b/",))}),
        ({"title": "Dark mode"}, {}),
    ],
)
def test_goal_matchers(fields: dict[str, Any], expected: dict[str, Any]) -> None:
    assert mapped(**fields) == expected


def test_evidence_combines_and_the_strongest_goal_comes_first() -> None:
    found = mapped(title="Invite crashes", labels=("onboarding",), type="Bug")
    assert list(found) == ["activation", "stability"]
    assert found["activation"][0] == round(1 - 0.2 * 0.4, 3)
    assert found["stability"][0] == round(1 - 0.5 * 0.4, 3)


def test_below_the_threshold_is_no_mapping() -> None:
    config = rules_config(GOALS)
    issue = make_issue(body="first run")
    assert GoalMapper(config.goals).map(issue, issue_text(issue), 0.5) == []
