"""Explanation comments speak to the person who asked: the visible part is one or two plain
sentences on what was decided and why; every number stays in the collapsed block."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import sandbox_issues
from triagewise.config import parse_config
from triagewise.config.starter import demo_config
from triagewise.connectors.github.connector import MARKDOWN
from triagewise.connectors.jira.connector import WIKI
from triagewise.rules.plain import plain_words
from triagewise.rules.triage import Assessment, Bucket, assess
from triagewise.sandbox import DEMO_REPO, build_sandbox
from triagewise.sync.plan import comment_body

NOW = datetime(2026, 11, 26, tzinfo=UTC)
# what a requester should never have to read: scores, thresholds, formulas, rule names
INTERNAL = re.compile(
    r"\d\.\d\d|weighted|alignment|score|demand|urgency|capacity|threshold|confidence|"
    r"rule “|[<>]|×|P\(|AUC|below-line|low-fit|anti-theme|\bslots?\b|\d+(st|nd|rd|th) of"
)


@pytest.fixture(scope="module")
def demo() -> list[Assessment]:
    _, app = build_sandbox(base=NOW)
    issues = list(sandbox_issues(app, DEMO_REPO, "http://sandbox").values())
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    return assess(issues, config, NOW)


def visible(body: str, opening: str, closing: str) -> str:
    before, _, rest = body.partition(opening)
    _, _, after = rest.partition(closing)
    return before + after


def test_every_demo_comment_reads_as_plain_sentences(demo: list[Assessment]) -> None:
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    assert len(demo) > 50 and {a.bucket for a in demo} == set(Bucket)
    for a in demo:
        for style in (MARKDOWN, WIKI):
            body = comment_body(a, config.writeback, style)
            opening, closing = style.details
            assert body.count(opening) == 1 and body.count(closing) == 1
            shown = visible(body, opening, closing).replace(style.footer, "")
            lines = [x for x in shown.splitlines() if x.strip()]
            assert len(lines) == 2, (a.ref, lines)  # the label line and the words
            sentence = lines[1]
            assert INTERNAL.search(sentence) is None, (a.ref, a.rule, sentence)
            assert sentence.startswith("We") and sentence.endswith((".", "?")), sentence
            assert 1 <= len(re.findall(r"[.?](\s|$)", sentence)) <= 3, sentence
            # the numbers are still there, behind the fold
            hidden = body.partition(opening)[2].partition(closing)[0]
            assert "Score" in hidden and "alignment" in hidden


def test_the_words_name_the_decision_and_the_goal(demo: list[Assessment]) -> None:
    later = next(a for a in demo if a.rule == "below-line" and a.goals)
    words = plain_words(later)
    assert words.startswith("We've put this in Later: it serves “")
    assert later.goals[0].title in words and ", but the work in Now ranks higher" in words
    never = next(a for a in demo if a.rule == "anti-theme")
    assert plain_words(never).startswith("We've decided not to do this for now: it asks for ")
    assert never.review_on is not None and never.review_on.isoformat() in plain_words(never)
    now = next(a for a in demo if a.rule == "capacity")
    assert plain_words(now).startswith("We're working on this now: ")


def test_the_comment_is_deterministic(demo: list[Assessment]) -> None:
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    again = {
        a.ref: a
        for a in assess(
            list(sandbox_issues(build_sandbox(base=NOW)[1], DEMO_REPO, "http://sandbox").values()),
            config,
            NOW,
        )
    }
    for a in demo:
        assert comment_body(a, config.writeback, MARKDOWN) == comment_body(
            again[a.ref], config.writeback, MARKDOWN
        )
