"""Loading the model and caching embeddings in the store, keyed by content hash and model."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from triagewise.errors import ConfigError
from triagewise.model import Issue, Key
from triagewise.rules.vision import SemanticInputs
from triagewise.store.db import Store

# The vectors come from the int8 ONNX export, not the torch model (cosine ≥ 0.98 with it, not
# equal), so they get their own cache key: vectors cached by the torch engine, or by an earlier
# export (the feed-forward output layers were float32 before they were 8-bit MatMulNBits), are
# not mixed in
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8-nbits"
DIMENSIONS = 384
MAX_TOKENS = 256  # the model's max_seq_length (sentence_bert_config.json); longer texts are cut
MODEL_DIR = Path(__file__).resolve().parent / "model"
# what bench/export_onnx.py wrote; checked at load, so a damaged install is one clear error
SHIPPED = {
    "model.onnx": "7f0ddd94bdd5065ba76c77fce4dd7878df53079a3a083a9b13e2af1cf89ed464",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
}


class SemanticUnavailable(ConfigError):
    """`backend = "semantic"` without onnxruntime, tokenizers and numpy, or with a damaged
    model file."""


UNAVAILABLE = (
    '[vision] backend = "semantic" needs onnxruntime, tokenizers and numpy '
    "(dependencies of triagewise): pip install onnxruntime tokenizers numpy "
    '(or set backend = "lexical").'
)


def available() -> bool:
    try:
        import numpy  # noqa: F401
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401
    except ImportError:
        return False
    return True


def require() -> None:
    """`backend = "semantic"` asks for the model: without its libraries, one sentence (exit 2)
    before anything imports them half-way."""
    if not available():
        raise SemanticUnavailable(UNAVAILABLE)


def issue_document(issue: Issue) -> str:
    """What an issue means, as the model reads it: title (twice: it says most), labels, body."""
    return f"{issue.title}. {issue.title}. {' '.join(issue.labels)}. {issue.body[:1500]}"


def digest(text: str) -> str:
    return hashlib.sha256(f"{MODEL_ID}\n{text}".encode()).hexdigest()[:32]


def cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def verified(folder: Path = MODEL_DIR) -> dict[str, bytes]:
    """The shipped files' bytes, each checked against its recorded sha256."""
    out = {}
    for name, expected in SHIPPED.items():
        path = folder / name
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SemanticUnavailable(
                f"The semantic model file {path} cannot be read ({exc.strerror}): reinstall "
                'triagewise (or set [vision] backend = "lexical").'
            ) from None
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise SemanticUnavailable(
                f"The semantic model file {path} is damaged (sha256 {actual[:12]}…, expected "
                f'{expected[:12]}…): reinstall triagewise (or set [vision] backend = "lexical").'
            )
        out[name] = data
    return out


@dataclass
class Embedder:
    """all-MiniLM-L6-v2 as int8 ONNX on onnxruntime, loaded once from the package, offline:
    mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does.

    Each text runs alone, not padded into a batch: the int8 model quantises its activations per
    call, so in a batch a text's vector would depend on its neighbours (cosine down to 0.98);
    alone, a vector depends on its text only, and there is no padding to compute. One text a
    CPU at a time (one onnxruntime thread each, longest first) beats one text on all CPUs: 2x
    on short texts, 1.4x on long ones, measured on 2 CPUs. Batches do not pay here even with a
    batch-independent model (a static-int8 or a MatMulNBits export): ~40-token issues are
    compute-bound, and 64 texts of similar length in one call ran no faster per text than one
    text a call (bench figures in the README)."""

    folder: Path = MODEL_DIR
    computed: int = 0
    session: Any = None
    tokenizer: Any = None
    pool: ThreadPoolExecutor | None = None

    def load(self) -> tuple[Any, Any]:
        if self.session is None:
            try:
                import numpy  # noqa: F401
                import onnxruntime
                from tokenizers import Tokenizer
            except ImportError:
                raise SemanticUnavailable(UNAVAILABLE) from None
            files = verified(self.folder)
            tokenizer = Tokenizer.from_str(files["tokenizer.json"].decode())
            tokenizer.enable_truncation(MAX_TOKENS)  # the file says 128; the model reads 256
            tokenizer.no_padding()
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = 1  # the parallelism is across texts, see above
            options.inter_op_num_threads = 1
            options.log_severity_level = 3  # warnings and below are not for the user's stderr
            self.session = onnxruntime.InferenceSession(
                files["model.onnx"], options, providers=["CPUExecutionProvider"]
            )
            self.tokenizer = tokenizer
            self.pool = ThreadPoolExecutor(cpus(), thread_name_prefix="embed")
        return self.session, self.tokenizer

    def embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        session, tokenizer = self.load()
        assert self.pool is not None
        self.computed += len(texts)
        encodings = tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda n: -len(encodings[n].ids))

        def one(ids: list[int]) -> Any:
            tokens = np.asarray([ids], dtype=np.int64)
            mask = np.ones_like(tokens)  # one text, no padding: every token counts
            (hidden,) = session.run(
                None,
                {
                    "input_ids": tokens,
                    "attention_mask": mask,
                    "token_type_ids": np.zeros_like(tokens),
                },
            )
            pooled = hidden[0].mean(axis=0)  # the mean over the attention mask
            return pooled / max(float(np.linalg.norm(pooled)), 1e-12)

        for n, vector in zip(
            order, self.pool.map(one, [encodings[n].ids for n in order]), strict=True
        ):
            out[n] = vector
        return out


def issue_vectors(store: Store, embedder: Embedder, issues: Iterable[Issue]) -> dict[Key, Any]:
    """(source, ref) -> vector; only issues whose text changed since they were last embedded are
    computed (in batches), the rest come from the store."""
    import numpy as np

    docs = {i.key: issue_document(i) for i in issues}
    keys = {key: digest(doc) for key, doc in docs.items()}
    cached = store.embeddings(MODEL_ID, keys.values())
    missing = sorted({k: key for key, k in keys.items() if k not in cached}.items())
    for n in range(0, len(missing), 512):
        chunk = missing[n : n + 512]
        vectors = embedder.embed([docs[key] for _, key in chunk])
        fresh = {
            k: v.astype(np.float32).tobytes() for (k, _), v in zip(chunk, vectors, strict=True)
        }
        store.save_embeddings(MODEL_ID, fresh)
        cached.update(fresh)
    return {key: np.frombuffer(cached[k], dtype=np.float32) for key, k in keys.items()}


def build_inputs(
    config: Any,
    issues: Sequence[Issue],
    vectors: dict[Key, Any],
    model: Embedder,
    exemplars: Sequence[Issue] = (),
    exemplar_vectors: dict[Key, Any] | None = None,
) -> SemanticInputs:
    """What `rules.triage.assess` takes from a semantic backend."""
    from triagewise.rules.vision import product_words
    from triagewise.semantic.align import (
        SemanticAlignment,
        describe,
        goal_documents,
        goal_neighbours,
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
    return SemanticInputs(
        backend=SemanticAlignment(
            config.vision,
            vectors,
            theme_vectors,
            anti_vectors,
            ignore=product_words(r for s in config.sources if (r := getattr(s, "repo", None))),
        ),
        similar_goals=goal_similarity(vectors, goal_vectors),
        similar_issues=likely_duplicates(issues, vectors),
        goal_neighbours=goal_neighbours(
            issues, vectors, exemplars, exemplar_vectors or {}, config.goals
        ),
        vectors=vectors,
    )
