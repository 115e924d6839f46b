"""Words for counts, in one place: "1 comment", "2 comments". Pure."""

from __future__ import annotations

_IRREGULAR = {"reply": "replies", "was": "were", "is": "are", "has": "have"}


def plural(n: float, singular: str, many: str | None = None) -> str:
    """`singular` when `n` is exactly 1, else its plural: `many`, a known irregular one, or
    `singular` + "s" (on the last word: "rank move" → "rank moves")."""
    if n == 1:
        return singular
    if many is not None:
        return many
    head, _, last = singular.rpartition(" ")
    word = _IRREGULAR.get(last, last + "s")
    return f"{head} {word}" if head else word


def counted(n: float, singular: str, many: str | None = None) -> str:
    """The count and its noun: counted(1, "comment") → "1 comment"; a float shows as `:g`."""
    number = f"{n:g}" if isinstance(n, float) else str(n)
    return f"{number} {plural(n, singular, many)}"
