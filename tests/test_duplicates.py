"""A duplicate lends its target demand only when a different person filed it and it says
something of its own: one-line "duplicate of #N" issues, or a pile from one reporter, do not
inflate demand."""

from __future__ import annotations

from collections.abc import Sequence

from conftest import BASE, make_issue, rules_config
from triagewise.rules.triage import assess


def _demand(dups: Sequence[tuple[str | None, str]]) -> tuple[int, float]:
    target = make_issue(1, title="Export the board", body="Export the board to CSV", author="ana")
    other = make_issue(2, title="Something else", body="Unrelated words here", author="bo")
    issues = [target, other] + [
        make_issue(10 + n, title=f"copy {n}", body=body, author=author)
        for n, (author, body) in enumerate(dups)
    ]
    result = {a.ref: a for a in assess(issues, rules_config(), BASE)}
    top = result["acme/app#1"]
    return top.signals.duplicates, top.signals.demand_raw


def test_one_liners_and_one_reporters_pile_lend_no_demand() -> None:
    text = "duplicate of #1 — we need CSV export for the weekly finance review"
    assert _demand([])[0] == 0
    one_liners = [(f"user{n}", "duplicate of #1") for n in range(5)]
    assert _demand(one_liners) == _demand([])  # no text of their own
    assert _demand([(None, text)]) == _demand([])  # no reporter
    assert _demand([("ana", text)]) == _demand([])  # the target's own reporter
    pile = [("cy", text), ("cy", text + " again"), ("cy", text + " please")]
    assert _demand(pile)[0] == 1  # one person, counted once
    real = [("cy", text), ("dee", "same as #1: the auditors ask for a CSV of the board")]
    assert _demand(real)[0] == 2
    assert _demand(real)[1] > _demand([])[1]
