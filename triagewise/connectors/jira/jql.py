"""The user's JQL without its ORDER BY, found by a tokenizer: `order by` inside a quoted string
(`summary ~ "order by date"`) or as part of a word is text, not the clause. Pure."""

from __future__ import annotations

from itertools import pairwise


def strip_order_by(jql: str) -> str:
    """The JQL up to its top-level ORDER BY (the whole JQL when it has none), stripped."""
    words = list(_words(jql))
    for (start, word), (_, after) in pairwise(words):
        if word.lower() == "order" and after.lower() == "by":
            return jql[:start].strip()
    return jql.strip()


def _words(jql: str) -> list[tuple[int, str]]:
    """(offset, text) of each bare word outside quoted strings."""
    out: list[tuple[int, str]] = []
    i, n = 0, len(jql)
    while i < n:
        c = jql[i]
        if c in "\"'":
            i += 1
            while i < n and jql[i] != c:
                i += 2 if jql[i] == "\\" else 1
            i += 1
        elif c.isspace() or c in "=!<>~(),":
            i += 1
        else:
            start = i
            while i < n and not jql[i].isspace() and jql[i] not in "=!<>~(),\"'":
                i += 1
            out.append((start, jql[start:i]))
    return out
