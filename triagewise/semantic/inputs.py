"""The semantic backend's inputs to the rules, or none: the one door from the sync shell into
`semantic/`."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from triagewise.config.models import Config
from triagewise.model import Issue
from triagewise.store.db import Store


def semantic_inputs(store: Store, config: Config, issues: list[Issue]) -> dict[str, Any]:
    """The semantic backend's inputs when `[vision] backend` asks for it (or `auto` finds the
    extra installed); nothing otherwise, and the rules run lexically exactly as before."""
    from triagewise.semantic import embed

    wanted = config.vision.backend
    if wanted == "lexical" or (wanted == "auto" and not embed.available()):
        return {}
    model = _embedder()
    vectors = embed.issue_vectors(store, model, issues)
    return embed.build_inputs(config, issues, vectors, model)


@lru_cache(maxsize=1)
def _embedder() -> Any:
    """One model a process: loading it takes seconds."""
    from triagewise.semantic.embed import Embedder

    return Embedder()
