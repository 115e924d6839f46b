"""The triage session's pure state machine: duplicates, snoozes, the body, the browser — with
an injected clock, no store, no terminal."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from conftest import BASE, make_issue, rules_config
from triagewise.model import DecisionRow, Issue
from triagewise.rules.triage import Assessment, Bucket, Pin, assess
from triagewise.session import DecisionQueue, Item, Refused, body_lines, build_queue
from triagewise.session.queue import SNOOZE, Decision
from triagewise.session.saved import open_in_browser

CONFIG = """
[vision]
statement = "Teams share boards."
themes = { collaboration = ["share", "comment"] }

[[goals]]
id = "collab"
title = "Collaboration"
keywords = ["share"]

[triage]
now_capacity = 1
"""
NOW = BASE + timedelta(days=40)


def issues() -> list[Issue]:
    # each by its own reporter, each with words of its own: what a duplicate needs to lend
    # its demand to the original (rules/scoring.demand_lenders)
    return [
        make_issue(1, title="Share a board by link", body="People want to share boards.",
                   upvotes=2, reactions=2, author="ana"),
        make_issue(2, title="Share boards with a link please",
                   body="Our team needs a link to show the board.", upvotes=5, reactions=5,
                   author="bo"),
        make_issue(3, title="Dark mode", body="Please add a dark theme to the app.",
                   author="cy"),
    ]  # fmt: skip


def assessed(pins: dict[str, Pin] | None = None) -> list[Assessment]:
    found = issues()
    keyed = {i.key: pins[i.ref] for i in found if i.ref in pins} if pins else None
    return assess(found, rules_config(CONFIG), NOW, keyed)


def machine(refs: tuple[str, ...] = ("acme/app#2", "acme/app#3")) -> DecisionQueue:
    everything = assessed()
    by_ref = {a.ref: a for a in everything}
    queue = [Item(by_ref[r], "test") for r in refs]
    return DecisionQueue(rules_config(CONFIG), queue, everything, NOW)


def row(d: Decision) -> DecisionRow:
    return DecisionRow(
        d.source, d.ref, d.bucket, d.goal, d.reason, d.origin, NOW.isoformat(), d.review_on
    )


def test_duplicate_records_never_with_the_link_and_lends_demand() -> None:
    q = machine()
    made = q.duplicate("acme/app#1")
    assert (made.ref, made.bucket, made.reason) == (
        "acme/app#2",
        "never",
        "duplicate of acme/app#1",
    )
    assert made.review_on is not None and q.position == 1 and q.decided == 1
    before = {a.ref: a for a in assessed()}
    after = {a.ref: a for a in assessed({made.ref: Pin(Bucket.NEVER, made.reason)})}
    assert after["acme/app#2"].bucket is Bucket.NEVER and after["acme/app#2"].pinned
    assert after["acme/app#2"].duplicate_of == ("acme/app#1",)
    assert after["acme/app#1"].duplicated_by == ("acme/app#2",)
    assert after["acme/app#1"].signals.duplicates == before["acme/app#1"].signals.duplicates + 1
    assert after["acme/app#1"].score.value > before["acme/app#1"].score.value


def test_duplicate_takes_a_short_ref_and_any_case() -> None:
    assert machine().duplicate("#1").reason == "duplicate of acme/app#1"
    assert machine().duplicate("ACME/APP#1").reason == "duplicate of acme/app#1"


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("acme/app#99", "acme/app#99 is not an open issue in the store"),
        ("", "an empty ref is not an open issue"),
        ("#2", "cannot be a duplicate of itself"),
    ],
)
def test_a_bad_duplicate_ref_records_nothing(ref: str, words: str) -> None:
    q = machine()
    with pytest.raises(Refused, match=words.replace("#", r"\#")):
        q.duplicate(ref)
    assert (q.position, q.decided, q.known, q.undo_stack) == (0, 0, {}, [])


def test_snooze_leaves_the_queue_and_comes_back_on_its_day() -> None:
    q = machine()
    made = q.snooze("+7")
    day = (NOW + timedelta(days=7)).date().isoformat()
    assert (made.bucket, made.origin, made.review_on) == (None, SNOOZE, day)
    assert made.reason == f"snoozed until {day}" and q.current is not None
    assert q.current.assessment.ref == "acme/app#3"
    everything = assessed()
    decisions = {made.key: row(made)}

    # the issue is new (filed in the window), yet while snoozed it is not asked about
    def refs(at: timedelta) -> list[str]:
        return [i.assessment.ref for i in build_queue(everything, decisions, NOW + at, None)]

    assert "acme/app#2" not in refs(timedelta(days=6))
    back = build_queue(everything, decisions, NOW + timedelta(days=7), None)
    assert [i.why for i in back if i.assessment.ref == "acme/app#2"] == [
        f"snoozed until {day}; that day has come"
    ]
    # a snooze is not a bucket: the rules see no pin
    assert made.bucket is None


def test_snooze_dates() -> None:
    assert machine().snooze("2w").review_on == (NOW + timedelta(weeks=2)).date().isoformat()
    assert machine().snooze("2027-01-05").review_on == "2027-01-05"
    for bad, words in (("yesterday", "is not a date"), (NOW.date().isoformat(), "not after today")):
        q = machine()
        with pytest.raises(Refused, match=words):
            q.snooze(bad)
        assert (q.position, q.known) == (0, {})


def test_snoozing_a_never_due_for_review_keeps_the_decision() -> None:
    q = machine()
    key = q.queue[0].assessment.issue.key
    q.known[key] = Decision(
        "acme/app#2", "app", "never", "not this year", "triage", None, "2026-01-01"
    )
    made = q.snooze("+30")
    assert (made.bucket, made.reason, made.origin) == ("never", "not this year", "triage")
    assert made.review_on == (NOW + timedelta(days=30)).date().isoformat()
    held = machine()
    held.known[key] = Decision("acme/app#2", "app", "now", "set triage/now", "label")
    with pytest.raises(Refused, match="a snooze would drop that decision"):
        held.snooze("+3")


def test_undo_of_a_duplicate_and_a_snooze() -> None:
    q = machine()
    q.duplicate("acme/app#1")
    q.snooze("+3")
    assert (q.decided, len(q.snoozed)) == (1, 1)  # a snooze is not a decision sync writes
    message, undo = q.undo() or ("", None)
    assert message == "snooze of acme/app#3 undone" and undo is not None and undo.before is None
    assert q.undo() is not None and q.undo() is None
    assert (q.position, q.decided, q.known, q.snoozed) == (0, 0, {}, set())


def test_the_body_is_safe_and_trimmed() -> None:
    body = "first\x1b]52;c;ZXZpbA==\x07 line\r\n" + "\n".join(f"line {n}" for n in range(2, 31))
    first = assessed()[0]
    a = replace(first, issue=first.issue.model_copy(update={"body": body}))
    lines, more = body_lines(Item(a, "t"))
    assert lines[0] == "first line" and len(lines) == 12 and more == 18  # no OSC 52 left
    everything, none = body_lines(Item(a, "t"), None)
    assert len(everything) == 30 and none == 0 and everything[-1] == "line 30"
    empty = replace(a, issue=a.issue.model_copy(update={"body": "  "}))
    assert body_lines(Item(empty, "t")) == (["(no description)"], 0)


def test_open_says_what_happened() -> None:
    url = "https://github.com/acme/app/issues/1"
    asked: list[str] = []

    def opener(result: bool):  # type: ignore[no-untyped-def]
        def open_(u: str) -> bool:
            asked.append(u)
            return result

        return open_

    no_display = open_in_browser(url, {}, opener(True), platform="linux")
    assert no_display == f"no display to open a browser on; the issue is at {url}" and asked == []
    failed = open_in_browser(url, {"DISPLAY": ":0"}, opener(False), platform="linux")
    assert failed == f"no browser could be started; the issue is at {url}"
    assert open_in_browser(url, {"DISPLAY": ":0"}, opener(True), platform="linux") == (
        f"asked the browser to open {url}"
    )
    assert asked == [url, url]
