"""Words as people write them: case, punctuation, inflections, phrases, compounds. Pure.

The stemmer is deliberately small. It only has to map the forms of one word to the same key
on both sides of a match ("invites", "inviting", "invitation" -> "invit"), not to be
linguistically right.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SUFFIXES = (
    "ational",
    "izations",
    "ization",
    "ations",
    "ation",
    "ingly",
    "ings",
    "ing",
    "ies",
    "ied",
    "edly",
    "ed",
    "es",
    "ly",
    "s",
)
_KEEP = {"is", "was", "has", "this", "its", "us", "bus", "gas", "yes", "news", "ios", "saas", "sso"}
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "do",
        "for",
        "from",
        "get",
        "gets",
        "got",
        "has",
        "have",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "or",
        "our",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "to",
        "too",
        "up",
        "us",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "within",
        "without",
        "you",
        "your",
        "i",
        "me",
        "my",
    ]
)


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    word = word.lower().removesuffix("'s")
    if len(word) <= 3 or word in _KEEP or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= (4 if suffix == "ly" else 3):
            if suffix in ("ies", "ied"):
                word = word[: -len(suffix)] + "y"
            elif suffix == "es" and word[-3] not in "sxz" and word[-4:-2] not in ("ch", "sh"):
                word = word[:-1]  # "invites" -> "invite": the e belongs to the word
            else:
                word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        word = word[:-1]  # shipping -> shipp -> ship
    if len(word) > 3 and word.endswith("e"):
        word = word[:-1]  # invite -> invit, matching inviting -> invit
    return word


_BREAK = re.compile(r"[.,;:!?()\[\]{}\n]+")
BOUNDARY = "|"  # a phrase never spans punctuation: "first, run" is not "first run"


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("-", " ").replace("_", " "))


def stems(text: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in _BREAK.split(text):
        found = [stem(w) for w in words(part)]
        if found:
            if out:
                out.append(BOUNDARY)
            out.extend(found)
    return tuple(out)


@dataclass(frozen=True)
class Term:
    """A keyword or phrase as configured, with its stems."""

    text: str
    stems: tuple[str, ...]
    joined: str  # the stems run together: "first run" also matches "firstrun"


def term(text: str) -> Term:
    found = tuple(s for s in stems(text) if s != BOUNDARY)
    return Term(text, found, "".join(found))


@dataclass(frozen=True)
class Field:
    """One field of an issue, tokenized once and matched against many terms."""

    name: str
    tokens: tuple[str, ...]
    counts: Counter[str]
    compounds: Counter[str]  # adjacent pairs joined: "sign up" also matches "signup"

    def count(self, t: Term) -> int:
        if not t.stems:
            return 0
        if len(t.stems) == 1:
            return self.counts.get(t.stems[0], 0) + self.compounds.get(t.stems[0], 0)
        hits = self.counts.get(t.joined, 0)
        first, n = t.stems[0], len(t.stems)
        if self.counts.get(first, 0):
            tokens = self.tokens
            hits += sum(
                1
                for i in range(len(tokens) - n + 1)
                if tokens[i] == first and tokens[i : i + n] == t.stems
            )
        return hits


def field(name: str, text: str) -> Field:
    tokens = stems(text)
    compounds = Counter(a + b for a, b in pairwise(tokens) if BOUNDARY not in (a, b))
    counts = Counter(t for t in tokens if t != BOUNDARY)
    return Field(name, tokens, counts, compounds)
