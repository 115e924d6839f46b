"""Fitting the team's standard from its own decisions (`triagewise learn`).

scikit-learn's L2-regularised logistic regression on tf-idf of words, word pairs and what the
rules know (labels, kind, severity, the themes, anti-themes and goals they find), beside the
rules' own signals as numbers and, with a semantic backend, the meaning vector. Why this
model: the history of one team is small (tens to thousands of decisions) and wide (thousands
of words), which is the case linear models with regularisation handle best; it fits 10,000
issues in seconds on two cores; its coefficients are the explanation (the words that pushed an
issue towards "high" or "never"); and fitted with liblinear and a fixed fold seed it is
deterministic, so the same store gives the same model. Scores are calibrated (Platt scaling on
cross-validated margins), and the held-out agreement of the cold rules and of the model on the
same decisions is reported side by side.

No I/O: a History in, a LearnedModel (plain data, stored as JSON) and a report out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from triagewise.config.models import Config
from triagewise.held_out import (
    DEFECT_PRECISION,
    MIN_CLASS,
    blend_weight,
    held_out,
    never_threshold,
)
from triagewise.model import Issue, Key, StatusCategory
from triagewise.rules.draft import NEEDS_DETAIL
from triagewise.rules.history import HIGH, Decision, History, gather, strip_decisions
from triagewise.rules.kind import Kind
from triagewise.rules.learned import (
    DENSE,
    MODEL_FORMAT,
    LearnedModel,
    Target,
    bag_of,
    rule_tokens,
    rules_signals,
)
from triagewise.rules.severity import Severity
from triagewise.rules.triage import Assessment, LearnedInputs
from triagewise.rules.vision import LEXICAL, SemanticInputs
from triagewise.store.db import Store


@dataclass(frozen=True)
class TargetReport:
    name: str
    positives: int
    negatives: int
    cv_auc: float | None
    rules_auc: float | None
    recall: float | None  # held out: share of positives with a calibrated P at the threshold
    threshold: float | None = None  # never: the probability a learned never needs
    defect_threshold: float | None = None  # the same for an issue the rules see as a defect


@dataclass(frozen=True)
class LearnReport:
    decisions: int
    nevers: int
    highs: int
    targets: tuple[TargetReport, ...]
    note: str  # empty, or why the cold rules stay alone
    weight: float | None = None  # the share of the score held out best (blend_weight)

    def as_json(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "nevers": self.nevers,
            "highs": self.highs,
            "targets": [t.__dict__ for t in self.targets],
            "note": self.note,
            "weight": self.weight,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LearnReport:
        targets = tuple(TargetReport(**t) for t in data["targets"])
        return cls(
            data["decisions"],
            data["nevers"],
            data["highs"],
            targets,
            data["note"],
            data.get("weight"),
        )


def opened(history: History, config: Config) -> list[Issue]:
    """The history's issues as if still open, without the labels that state their decision."""
    return [
        strip_decisions(i, config).model_copy(update={"status_category": StatusCategory.TODO})
        for i, _ in history.examples
    ]


def assess_history(
    history: History, config: Config, now: datetime, semantic: SemanticInputs = LEXICAL
) -> list[Assessment]:
    """Each history issue assessed by the cold rules as if it were still open, without the
    labels that state its decision."""
    from triagewise.rules.triage import assess

    return assess(opened(history, config), config, now, semantic=semantic)


def cold_signals(a: Assessment) -> tuple[float, ...]:
    """What the cold rules said about one issue, as the model reads it (rules/learned.DENSE)."""
    s = a.signals
    return rules_signals(
        a.score.value, s.impact, a.alignment.score, a.alignment.against, s.severity, s.demand_raw
    )


def sendable(a: Assessment) -> bool:
    """Could a learned never send this issue to never? Not a severe defect, a raised priority
    or an issue that says too little (rules/triage.py holds those in later)."""
    raised = a.signals.priority is not None and a.signals.priority > 0.5
    return a.severity.level < Severity.MAJOR and not raised and NEEDS_DETAIL not in a.flags


class Cold(NamedTuple):
    """What the cold rules said about one history issue, as the fit reads it."""

    signals: tuple[float, ...]  # rules/learned.DENSE
    sendable: bool  # could a learned never send it there
    defect: bool  # do the rules see a defect in it
    tokens: tuple[str, ...]  # the themes, anti-themes and goals they found (rule_tokens)


def cold_of(
    history: History, config: Config, now: datetime, semantic: SemanticInputs = LEXICAL
) -> dict[Key, Cold]:
    """Each history issue as the cold rules assess it (Cold)."""
    return {
        a.issue.key: Cold(
            cold_signals(a),
            sendable(a),
            a.kind.kind is Kind.BUG,
            tuple(rule_tokens(a.alignment, a.goals)),
        )
        for a in assess_history(history, config, now, semantic)
    }


def fit(
    history: History,
    config: Config,
    now: datetime,
    semantic: SemanticInputs = LEXICAL,
    backend: str = "lexical",
) -> tuple[LearnedModel | None, LearnReport]:
    """The model, or None with a note when the history is too small to learn from. With a
    semantic backend (`semantic` carries every history issue's vector) the model reads the
    issues' meaning too, and the rules' signals are the ones that backend gives."""
    h = config.history
    n = len(history.examples)
    if n < h.min_decisions:
        note = (
            f"{n} decision{'s' if n != 1 else ''} in the tracker's history; the model needs at "
            f"least {h.min_decisions} (priorities set, issues closed as not planned): the cold "
            "rules decide alone."
        )
        return None, LearnReport(n, history.nevers, history.highs, (), note)

    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    cold = cold_of(history, config, now, semantic)
    keys = [issue.key for issue, _ in history.examples]
    nothing = Cold((0.0,) * len(DENSE), False, False, ())
    seen = [cold.get(key, nothing) for key in keys]
    # what assess reads of an open issue: its bag and the rules' findings (rules/triage.py)
    bags = [
        bag_of(i, config) + list(c.tokens) for (i, _), c in zip(history.examples, seen, strict=True)
    ]
    vectorizer = TfidfVectorizer(
        analyzer=_identity, min_df=2, sublinear_tf=True, norm="l2", dtype=np.float64
    )
    vocabulary = {str(t): int(i) for t, i in vectorizer.fit(bags).vocabulary_.items()}
    rules = np.array([c.signals for c in seen], dtype=np.float64)
    may_send = np.array([c.sendable for c in seen], dtype=bool)
    defect = np.array([c.defect for c in seen], dtype=bool)
    # the columns, in the order rules/learned.LearnedModel.features reads them: the words,
    # the rules' signals, the meaning vector
    parts = [vectorizer.transform(bags), csr_matrix(rules)]
    vectors = semantic.vectors
    embedding = 0
    if keys and all(key in vectors for key in keys):
        meaning = np.array([np.asarray(vectors[key], dtype=np.float64) for key in keys])
        embedding = int(meaning.shape[1])
        parts.append(csr_matrix(meaning))
    matrix = hstack(parts, format="csr")
    labels = {
        "high": np.array([1 if d.high else 0 for _, d in history.examples]),
        "never": np.array([1 if d.never else 0 for _, d in history.examples]),
    }
    targets: dict[str, Target] = {}
    reports: list[TargetReport] = []
    notes: list[str] = []
    helds: dict[str, Any] = {}
    for name, y in labels.items():
        pos, neg = int(y.sum()), int(len(y) - y.sum())
        if min(pos, neg) < MIN_CLASS:
            notes.append(
                f"'{name}': {pos} of {len(y)} decisions; at least {MIN_CLASS} on each side "
                "are needed to learn it."
            )
            reports.append(TargetReport(name, pos, neg, None, None, None))
            continue
        model = LogisticRegression(
            C=1.0, class_weight="balanced", solver="liblinear", random_state=0, max_iter=2000
        )
        cold_values = rules[:, 0] if name == "high" else -rules[:, 0]
        margins, cv_auc, rules_auc = held_out(model, matrix, y, cold_values, min(pos, neg))
        platt = LogisticRegression(C=1e4, solver="lbfgs", max_iter=2000)
        platt.fit(margins.reshape(-1, 1), y)
        a, b = float(platt.coef_[0][0]), float(platt.intercept_[0])
        model.fit(matrix, y)
        held = 1.0 / (1.0 + np.exp(-(a * margins + b)))
        helds[name] = held
        threshold = for_defects = recall = None
        if name == "never":
            # defects and the rest each on their own evidence: a model right about feature
            # requests may still be wrong about bugs, and a wrong never on a bug costs most
            high = labels["high"]
            threshold = never_threshold(held, y, high, h.never_above, may_send & ~defect)
            for_defects = never_threshold(
                held, y, high, h.never_above, may_send & defect, DEFECT_PRECISION, confident=True
            )
            limit = np.where(defect, for_defects or 2.0, threshold or 2.0)
            sent = (held >= limit) & may_send
            recall = float((sent & (y == 1)).sum() / pos)
        targets[name] = Target(
            name,
            tuple(float(c) for c in model.coef_[0]),
            float(model.intercept_[0]),
            (a, b),
            pos,
            neg,
            round(cv_auc, 4),
            round(rules_auc, 4),
            threshold,
            for_defects,
        )
        reports.append(
            TargetReport(
                name,
                pos,
                neg,
                targets[name].cv_auc,
                round(rules_auc, 4),
                recall,
                threshold,
                for_defects,
            )
        )
    low = np.array([d.never or (d.level is not None and d.level <= 1) for _, d in history.examples])
    weight = blend_weight(targets, helds, rules[:, 0], labels["high"] == 1, low)
    support = _support(bags, history, vocabulary)
    learned = LearnedModel(
        vocabulary=vocabulary,
        idf=tuple(float(x) for x in vectorizer.idf_),
        targets=targets,
        decisions=n,
        fitted_on=now.isoformat(),
        support=support,
        notes=tuple(notes),
        dense=DENSE,
        embedding=embedding,
        weight=weight,
        backend=backend,
        format=MODEL_FORMAT,
    )
    report = LearnReport(n, history.nevers, history.highs, tuple(reports), " ".join(notes), weight)
    return (learned if targets else None), report


def _identity(bag: Sequence[str]) -> Sequence[str]:
    return bag


def _support(
    bags: list[list[str]], history: History, vocabulary: dict[str, int]
) -> dict[str, tuple[int, int, int]]:
    counts: dict[str, list[int]] = {}
    for bag, (_, decision) in zip(bags, history.examples, strict=True):
        for token in set(bag):
            if token in vocabulary:
                c = counts.setdefault(token, [0, 0, 0])
                c[0] += decision.high
                c[1] += decision.never
                c[2] += 1
    return {t: (c[0], c[1], c[2]) for t, c in sorted(counts.items()) if c[2] >= 3}


# -- the shell: read the store, fit, save; load what assessments need -------------------------

MODEL = "history"


def people_decisions(store: Store) -> dict[Key, Decision]:
    """Decisions made in triagewise (triage sessions, held label edits): they win over what
    the tracker's labels say. Now counts as high, later as low, never as never."""
    out: dict[Key, Decision] = {}
    for key, d in store.decisions().items():
        bucket, who = d.bucket, f"decided {d.bucket} by a person"
        if bucket == "never":
            out[key] = Decision(key.ref, None, True, who)
        elif bucket in ("now", "later"):
            out[key] = Decision(key.ref, HIGH if bucket == "now" else 1, False, who)
    return out


def learn(store: Store, config: Config, now: datetime) -> LearnReport:
    """Fit the model on the store's history and save it (or the note why not)."""
    from triagewise.semantic.inputs import backend_id, history_inputs

    history = gather(store.issues(), config, now, people_decisions(store))
    semantic = (
        history_inputs(store, config, opened(history, config))
        if len(history.examples) >= config.history.min_decisions
        else LEXICAL
    )
    model, report = fit(history, config, now, semantic, backend_id(config))
    text = json.dumps(model.to_json(), sort_keys=True) if model is not None else None
    store.save_model(
        MODEL, text, json.dumps(report.as_json(), sort_keys=True), report.decisions, now
    )
    return report


def stored_report(store: Store) -> LearnReport | None:
    row = store.model(MODEL)
    return None if row is None else LearnReport.from_json(json.loads(row[1]))


def maybe_refit(store: Store, config: Config, now: datetime) -> LearnReport | None:
    """`sync` refits once `[history] refit_after` new decisions arrived since the last fit (or
    when there never was one and the history has become big enough)."""
    if not config.history.enabled:
        return None
    history = gather(store.issues(), config, now, people_decisions(store))
    row = store.model(MODEL)
    seen = row[2] if row is not None else None
    enough = len(history.examples) >= config.history.min_decisions
    stale = row is not None and row[0] is not None and not _current(row[0], config)
    if (seen is None and enough) or (
        seen is not None and abs(len(history.examples) - seen) >= config.history.refit_after
    ):
        return learn(store, config, now)
    if stale and enough:  # fitted by an older version or with the other backend
        return learn(store, config, now)
    return None


def _current(text: str, config: Config) -> bool:
    """Was the stored model fitted by this version, with the backend assessing will use?"""
    from triagewise.semantic.inputs import backend_id

    data = json.loads(text)
    return bool(data.get("format") == MODEL_FORMAT and data.get("backend") == backend_id(config))


def learned_inputs(store: Store, config: Config, now: datetime) -> LearnedInputs | None:
    """The stored model and the issues the team decided not to do, for `assess`."""
    if not config.history.enabled:
        return None
    row = store.model(MODEL)
    if row is None or row[0] is None or not _current(row[0], config):
        return None  # none yet, or stale: `learn` (or the next sync) fits it again
    model = LearnedModel.from_json(json.loads(row[0]))
    history = gather(store.issues(), config, now, people_decisions(store))
    nevers = tuple(
        (issue.ref, issue.title, tuple(bag_of(issue, config)))
        for issue, d in history.examples
        if d.never
    )
    return LearnedInputs(model, nevers)


def history_assessed(
    store: Store, config: Config, now: datetime
) -> list[tuple[Assessment, Decision]]:
    """Each history issue as the cold rules see it, with the team's decision: what the
    report's "stated vs revealed" compares."""
    from triagewise.semantic.inputs import history_inputs

    history = gather(store.issues(), config, now, people_decisions(store))
    decided = {issue.key: d for issue, d in history.examples}
    semantic = history_inputs(store, config, opened(history, config)) if decided else LEXICAL
    return [(a, decided[a.issue.key]) for a in assess_history(history, config, now, semantic)]
