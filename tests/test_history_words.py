"""The words `triagewise history` uses for each move (pure)."""

from __future__ import annotations

from triagewise.report.history import Decided, Placed, history_steps


def at(minute: int, second: str = "00.000000") -> str:
    return f"2026-12-02T10:{minute:02d}:{second}Z"


def test_each_move_says_why() -> None:
    placed = [
        Placed(at(0), "now", 10, "Now: 10th of 50 by score.", 12),
        Placed(at(1), "later", 11, "Later: 11th by score.", 9),  # the line moved
        Placed(at(2), "later", 14, "Later: 14th by score.", 9),  # its rank moved
        Placed(at(3, "30.500000"), "never", 140, "Never: decided by ana.", 9),
        Placed(at(4), "later", 14, "Later: 14th by score.", 9),
    ]
    decided = [
        # a tracker event has whole seconds: it reads before the sync that saw it
        Decided("2026-12-02T10:03:30Z", "decided", "never", "duplicate of #153", "ana"),
        Decided(at(3, "50.000000"), "released", None, "handed back to the rules", "pm-lee"),
    ]
    steps = history_steps(placed, decided)
    why = [(s.kind, s.why) for s in steps]
    assert why[0] == ("placed", "Now: 10th of 50 by score.")
    assert why[1] == (
        "moved",
        "moved because the now line moved (from #12 to #9); its rank went from #10 to #11",
    )
    assert why[2] == ("reranked", "its rank moved from #11 to #14: Later: 14th by score.")
    assert why[3] == ("decided", "decided by ana: duplicate of #153")
    assert why[4] == ("moved", "moved because it was decided by ana: duplicate of #153")
    assert why[5] == ("released", "released by pm-lee: handed back to the rules")
    assert why[6] == ("moved", "moved because it was handed back to the rules by pm-lee")
    assert [s.rank for s in steps if s.kind != "decided" and s.kind != "released"] == [
        10,
        11,
        14,
        140,
        14,
    ]
