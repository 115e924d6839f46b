"""The semantic backend: offline, cached, explained, better recall at the same precision."""

from __future__ import annotations

import builtins
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import make_issue, rules_config
from triagewise.errors import ExitCode
from triagewise.rules.triage import assess
from triagewise.semantic.embed import (
    Embedder,
    SemanticUnavailable,
    available,
    build_inputs,
    issue_vectors,
)
from triagewise.store import Location, Store

NOW = datetime(2026, 11, 26, tzinfo=UTC)
CONFIG = """
[vision]
backend = "semantic"
statement = "Freelancers get paid on time without chasing clients."
themes = { reminders = ["payment reminder", "overdue invoice"] }
anti_themes = { enterprise = ["saml", "scim"] }

[[goals]]
id = "paid-on-time"
title = "Invoices paid within 30 days"
description = "Freelancers get their invoices paid on time: reminders to late payers, overdue follow-ups."
keywords = ["reminder", "overdue"]
"""


@pytest.fixture(scope="module")
def model() -> Embedder:
    return Embedder()


slow_model = pytest.mark.slow  # loading the model takes seconds: the tests that use it are slow


@slow_model
def test_a_need_in_other_words_is_understood(model: Embedder) -> None:
    config = rules_config(CONFIG)
    wanted = make_issue(
        1,
        title="My clients keep paying weeks late — nudge them for me",
        body="I hate chasing people for money.",
    )
    other = make_issue(2, title="Dark mode", body="Easier on the eyes at night.")
    issues = [wanted, other]
    lexical = {a.ref: a for a in assess(issues, config, NOW)}
    assert lexical[wanted.ref].goals == () and lexical[wanted.ref].alignment.theme is None
    vectors = dict(
        zip(
            [i.key for i in issues],
            model.embed([f"{i.title}. {i.body}" for i in issues]),
            strict=True,
        )
    )
    semantic = {
        a.ref: a
        for a in assess(issues, config, NOW, semantic=build_inputs(config, issues, vectors, model))
    }
    a = semantic[wanted.ref]
    assert [g.goal for g in a.goals] == ["paid-on-time"]
    assert "close in meaning to the goal (similarity" in " ".join(a.goals[0].reasons)
    assert a.alignment.score > 0.2
    assert a.alignment.theme in ("reminders", "vision statement")  # the nearest in meaning
    assert a.alignment.theme in a.reasons[1] and "close in meaning (similarity 0." in a.reasons[1]
    assert semantic[other.ref].goals == ()


@slow_model
def test_embeddings_are_cached_by_content_and_model(db: Location, model: Embedder) -> None:
    issues = [
        make_issue(n, title=f"Issue about invoices number {n}", body="text") for n in range(1, 121)
    ]
    with Store.open(db) as store:
        before = model.computed
        first = issue_vectors(store, model, issues)
        assert model.computed - before == 120
        again = issue_vectors(store, model, issues)
        assert model.computed - before == 120  # nothing recomputed
        assert all((first[r] == again[r]).all() for r in first)
        edited = [
            i.model_copy(update={"title": i.title + " (edited)"}) if n < 50 else i
            for n, i in enumerate(issues)
        ]
        issue_vectors(store, model, edited)
        assert model.computed - before == 170  # the 50 edited issues, not all of them


@slow_model
def test_likely_duplicates_count_as_demand(model: Embedder) -> None:
    config = rules_config(CONFIG)
    original = make_issue(
        1,
        title="Send automatic payment reminders to clients with overdue invoices",
        created_at=NOW - timedelta(days=30),
    )
    copy = make_issue(
        2,
        title="Automatic reminders to clients whose invoices are overdue",
        # a duplicate lends demand when it has its own reporter and words of its own
        body="Our clients pay weeks late and we chase every invoice by hand today.",
        author="bo",
        created_at=NOW - timedelta(days=3),
    )
    issues = [original, copy, make_issue(3, title="Dark mode")]
    vectors = dict(
        zip([i.key for i in issues], model.embed([i.title for i in issues]), strict=True)
    )
    result = {
        a.ref: a
        for a in assess(issues, config, NOW, semantic=build_inputs(config, issues, vectors, model))
    }
    assert result[copy.ref].duplicate_of == (original.ref,)
    assert result[original.ref].signals.duplicates == 1
    assert result[copy.ref].rule == "duplicate"


def test_asking_for_semantic_without_onnxruntime_is_one_clear_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = builtins.__import__

    def without(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("onnxruntime"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)
    assert not available()  # so `auto` stays lexical
    with pytest.raises(SemanticUnavailable) as info:
        Embedder().load()
    assert info.value.exit_code == ExitCode.USAGE
    assert "pip install onnxruntime tokenizers numpy" in str(info.value)
    assert str(info.value).count(". ") == 0  # one sentence


@slow_model
def test_the_evaluation_beats_lexical_recall_without_losing_precision(model: Embedder) -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
    from semantic_eval import labelled, score

    from triagewise.config import parse_config
    from triagewise.config.starter import demo_config
    from triagewise.semantic.embed import issue_document

    config = parse_config(demo_config("http://127.0.0.1:1"), Path("t.toml"))
    issues, data = labelled(NOW)
    lexical = score(assess(issues, config, NOW), data)
    vectors = dict(
        zip([i.key for i in issues], model.embed([issue_document(i) for i in issues]), strict=True)
    )
    semantic = score(
        assess(issues, config, NOW, semantic=build_inputs(config, issues, vectors, model)), data
    )
    assert semantic["recall"] > lexical["recall"]
    assert semantic["precision"] >= lexical["precision"]
    assert semantic["ranking_agreement"] >= lexical["ranking_agreement"]
    print(json.dumps({"lexical": lexical, "semantic": semantic}))
