"""Vision alignment: how well an issue serves the vision, with the evidence. Pure.

Behind `AlignmentBackend`, so a semantic backend can be added without touching callers.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from triagewise.config.models import VisionConfig
from triagewise.model import Issue, Key
from triagewise.rules.text import STOPWORDS, Field, Term, field, stem, term, words

# Title and labels say what an issue is about; the body also says everything else.
FIELD_WEIGHTS: Mapping[str, float] = {"title": 1.0, "labels": 0.8, "body": 0.35}
# What speaks against an issue is weighed wherever it stands: "this should be a SAML plugin"
# in the body rules it out as surely as the same words in the title.
ANTI_WEIGHTS: Mapping[str, float] = {"title": 1.0, "labels": 0.8, "body": 0.6}
STATEMENT_WEIGHT = 0.3  # the statement's own words count less than the themes chosen for it
STATEMENT = "vision statement"
OUT_OF_SCOPE = "out of scope"  # the anti-theme `[vision] anti_phrases` evidence counts for
# Words of a vision statement that say nothing on their own: every product is fast and easy.
VAGUE = frozenset(
    stem(w)
    for w in (
        "fast", "faster", "quick", "quickly", "easy", "easily", "simple", "simply", "like",
        "code", "app", "apps", "application", "build", "builds", "make", "makes", "use", "uses",
        "user", "users", "way", "ways", "thing", "things", "better", "best", "great", "good",
        "beautiful", "modern", "powerful", "single", "any", "every", "all", "one", "new", "work",
        "works", "help", "helps", "people", "team", "teams", "product", "products", "world",
        "everyone", "anyone", "anywhere", "everywhere", "minutes", "seconds", "day", "days",
        "first", "small", "big", "large", "open", "source", "free", "tool", "tools", "two",
        "three", "five", "ten",
    )
)  # fmt: skip


@dataclass(frozen=True)
class IssueText:
    """An issue's fields, tokenized once for every matcher."""

    title: Field
    labels: Field
    body: Field
    vocabulary: frozenset[str]  # every stem and compound in any field: a cheap first test

    def fields(self) -> tuple[Field, ...]:
        return (self.title, self.labels, self.body)

    def hits(self, t: Term) -> list[tuple[str, int]]:
        """(field name, count) for each field the term occurs in."""
        if not t.stems or (t.stems[0] not in self.vocabulary and t.joined not in self.vocabulary):
            return []
        return [(f.name, n) for f in self.fields() if (n := f.count(t))]


def issue_text(issue: Issue) -> IssueText:
    tags = " ".join([*issue.labels, *issue.components])
    fields = (field("title", issue.title), field("labels", tags), field("body", issue.body))
    vocabulary = frozenset(k for f in fields for k in (*f.counts, *f.compounds))
    return IssueText(*fields, vocabulary=vocabulary)


@dataclass(frozen=True)
class Evidence:
    theme: str
    term: str
    field: str
    count: int
    anti: bool


@dataclass(frozen=True)
class Alignment:
    score: float  # [0, 1]: support, discounted by what speaks against it
    support: float  # [0, 1] from themes and the statement
    against: float  # [0, 1] from anti-themes
    evidence: tuple[Evidence, ...]
    theme: str | None  # the strongest theme
    anti_theme: str | None  # the strongest anti-theme

    def themes(self, anti: bool) -> dict[str, list[Evidence]]:
        found: dict[str, list[Evidence]] = {}
        for ev in self.evidence:
            if ev.anti == anti:
                found.setdefault(ev.theme, []).append(ev)
        return found


class AlignmentBackend(Protocol):
    name: str

    def align(self, issue: Issue, text: IssueText) -> Alignment: ...


@dataclass(frozen=True)
class SemanticInputs:
    """What a semantic backend lends the rules (`semantic/inputs.py` builds it); the empty
    value leaves them lexical.

    `backend` aligns issues with the vision by meaning; `similar_goals` maps an issue's
    `(source, ref)` to (goal id, similarity); `similar_issues` to its likely duplicates (ref,
    similarity); `goal_neighbours` to labelled issues like it (goal id, similarity, ref,
    title); `vectors` to its embedding."""

    backend: AlignmentBackend | None = None
    similar_goals: Mapping[Key, Sequence[tuple[str, float]]] = dataclasses.field(
        default_factory=dict
    )
    similar_issues: Mapping[Key, Sequence[tuple[str, float]]] = dataclasses.field(
        default_factory=dict
    )
    goal_neighbours: Mapping[Key, Sequence[tuple[str, float, str, str]]] = dataclasses.field(
        default_factory=dict
    )
    # each issue's meaning as the backend's vector (unit length), for the learned model
    vectors: Mapping[Key, Sequence[float]] = dataclasses.field(default_factory=dict)


LEXICAL = SemanticInputs()


def _saturate(raw: float) -> float:
    return 1.0 - math.exp(-raw)


def _term_strength(hits: list[tuple[str, int]], weights: Mapping[str, float]) -> float:
    """One term's contribution: its best field counts fully, further fields a little, and
    repeats hardly at all (fifty mentions are not fifty times the evidence)."""
    strengths = sorted(
        (weights[name] * (1 + 0.15 * math.log(count)) for name, count in hits), reverse=True
    )
    return strengths[0] + 0.25 * sum(strengths[1:])


def product_words(repos: Iterable[str]) -> frozenset[str]:
    """A product's own names ("flutter" of flutter/flutter): in its vision statement they
    say nothing about an issue, since every issue of the product is about the product."""
    return frozenset(stem(w) for repo in repos for w in words(repo.replace("/", " ")))


class LexicalAlignment:
    name = "lexical"

    def __init__(self, vision: VisionConfig, ignore: frozenset[str] = frozenset()) -> None:
        self.themes = {name: [term(t) for t in terms] for name, terms in vision.themes.items()}
        self.anti = {name: [term(t) for t in terms] for name, terms in vision.anti_themes.items()}
        if vision.anti_phrases:
            self.anti[OUT_OF_SCOPE] = [
                *self.anti.get(OUT_OF_SCOPE, []),
                *(term(p) for p in vision.anti_phrases),
            ]
        covered = {s for terms in self.themes.values() for t in terms for s in t.stems}
        statement = [
            w for w in dict.fromkeys(words(vision.statement)) if w not in STOPWORDS and len(w) > 2
        ]
        # only the statement's distinctive words count: not "fast", not the product's name
        self.statement = [
            t
            for t in map(term, statement)
            if t.stems and t.stems[0] not in covered | VAGUE | ignore
        ]

    def _match(
        self, text: IssueText, groups: Mapping[str, list[Term]], anti: bool, scale: float = 1.0
    ) -> tuple[dict[str, float], list[Evidence]]:
        strength: dict[str, float] = {}
        evidence: list[Evidence] = []
        weights = ANTI_WEIGHTS if anti else FIELD_WEIGHTS
        for theme, terms in groups.items():
            for t in terms:
                hits = text.hits(t)
                if not hits:
                    continue
                strength[theme] = strength.get(theme, 0.0) + scale * _term_strength(hits, weights)
                evidence += [Evidence(theme, t.text, name, n, anti) for name, n in hits]
        return strength, evidence

    def align(self, issue: Issue, text: IssueText) -> Alignment:
        support, evidence = self._match(text, self.themes, anti=False)
        said, said_evidence = self._match(
            text, {STATEMENT: self.statement}, anti=False, scale=STATEMENT_WEIGHT
        )
        against, anti_evidence = self._match(text, self.anti, anti=True)
        pro = _saturate(sum(support.values()) + sum(said.values()))
        con = _saturate(sum(against.values()))
        return Alignment(
            score=pro * (1.0 - con),
            support=pro,
            against=con,
            evidence=tuple(evidence + said_evidence + anti_evidence),
            theme=max(sorted(support), key=support.__getitem__) if support else None,
            anti_theme=max(sorted(against), key=against.__getitem__) if against else None,
        )
