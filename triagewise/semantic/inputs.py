"""The semantic backend's inputs to the rules, or none: the one door from the sync shell into
`semantic/`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from triagewise.config.models import Config
from triagewise.model import Issue
from triagewise.rules.owned import owned_labels, without_owned
from triagewise.rules.vision import LEXICAL, SemanticInputs
from triagewise.store.db import Store


def semantic_inputs(store: Store, config: Config, issues: list[Issue]) -> SemanticInputs:
    """The semantic backend's inputs when `[vision] backend` asks for it (or `auto` finds the
    extra installed); `LEXICAL` otherwise, and the rules run lexically exactly as before."""
    from triagewise.semantic import embed

    if backend_id(config) == "lexical":
        return LEXICAL
    embed.require()
    model = _embedder()
    vectors = embed.issue_vectors(store, model, issues)
    # the issues that already carry a goal's labels teach goal mapping by example
    if not config.history.learn_goals:
        return embed.build_inputs(config, issues, vectors, model)
    marks = {x.lower() for g in config.goals for x in [*g.labels, *g.components]}
    owned = owned_labels(config)
    exemplars = [
        without_owned(i, owned)
        for i in store.issues()
        if marks & {x.lower() for x in (*i.labels, *i.components)}
    ]
    known = {i.key for i in issues}
    fresh = [e for e in exemplars if e.key not in known]
    exemplar_vectors = {**vectors, **embed.issue_vectors(store, model, fresh)}
    return embed.build_inputs(config, issues, vectors, model, exemplars, exemplar_vectors)


def backend_id(config: Config) -> str:
    """Which backend assessing will use: "lexical", or the semantic model's id. A learned
    model is used only with the backend it was fitted with."""
    from triagewise.semantic import embed

    wanted = config.vision.backend
    if wanted == "lexical" or (wanted == "auto" and not embed.available()):
        return "lexical"
    return embed.MODEL_ID


def history_inputs(store: Store, config: Config, issues: list[Issue]) -> SemanticInputs:
    """The same backend's inputs for the history `learn` fits on (decision labels already
    stripped), so the model is fitted on what assessing will give it."""
    from triagewise.semantic import embed

    if backend_id(config) == "lexical":
        return LEXICAL
    embed.require()
    model = _embedder()
    return embed.build_inputs(config, issues, embed.issue_vectors(store, model, issues), model)


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """One model a process: loading it takes seconds."""
    from triagewise.semantic.embed import Embedder

    return Embedder()
