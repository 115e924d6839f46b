"""Learning costs: fitting the model on 10,000 decided issues, and assessing with it.

    python bench/learn.py [--fit 10000] [--sizes 10000 100000] [--semantic] [--json FILE]

The decided issues are the assessment benchmark's synthetic backlog (bench/assess.py), closed,
each with a priority label or closed as not planned, drawn by a seeded rule from its words plus
noise, so the model has something to find. Prints the fit time and its held-out agreement, then
the time to assess N open issues with the fitted model beside the cold rules (linear: 10× the
issues should cost about 10× the time). With `--semantic` the decided issues are embedded by
the semantic backend's model first (timed on its own: `sync` does it once per issue text and
keeps the vectors in the store) and the model is fitted on their vectors too, as `learn` does
with that backend.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def decided(n: int) -> list[Any]:
    from assess import synthetic

    from triagewise.model import StatusCategory

    rng = random.Random(7)
    out = []
    for issue in synthetic(n, NOW):
        words = issue.title.lower()
        never = ("saml" in words or "fax" in words or rng.random() < 0.08) and rng.random() < 0.9
        high = not never and (
            "slow" in words or "invite" in words or "crash" in words or rng.random() < 0.15
        )
        label = None if never else ("P1" if high else rng.choice(["P2", "P3"]))
        out.append(
            issue.model_copy(
                update={
                    "status_category": StatusCategory.DONE,
                    "state": "closed (not_planned)" if never else "closed (completed)",
                    "closed_at": NOW - timedelta(days=rng.randint(1, 300)),
                    "labels": (*issue.labels, *([label] if label else [])),
                }
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--fit", type=int, default=10_000)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--semantic", action="store_true", help="fit on meaning vectors too")
    args = parser.parse_args()

    from assess import synthetic

    from triagewise.config import parse_config
    from triagewise.config.starter import demo_config
    from triagewise.learn import fit
    from triagewise.rules.history import gather
    from triagewise.rules.learned import bag_of
    from triagewise.rules.triage import LearnedInputs, assess
    from triagewise.rules.vision import LEXICAL

    backend = "semantic" if args.semantic else "lexical"
    config = parse_config(
        demo_config("http://127.0.0.1:1").replace('backend = "auto"', f'backend = "{backend}"'),
        Path("triagewise.toml"),
    )
    history = gather(decided(args.fit), config, NOW)
    semantic, embed_s = LEXICAL, 0.0
    if args.semantic:
        from triagewise.learn import opened
        from triagewise.semantic.embed import Embedder, build_inputs, issue_document

        embedder = Embedder()
        issues = opened(history, config)
        started = time.perf_counter()
        matrix = embedder.embed([issue_document(i) for i in issues])
        embed_s = time.perf_counter() - started
        vectors = {i.key: v for i, v in zip(issues, matrix, strict=True)}
        semantic = build_inputs(config, issues, vectors, embedder)
        print(f"embedded {len(issues):,} decided issues: {embed_s:.1f} s")
    started = time.perf_counter()
    model, report = fit(history, config, NOW, semantic)
    fit_s = time.perf_counter() - started
    assert model is not None, report.note
    nevers = tuple(
        (i.ref, i.title, tuple(bag_of(i, config))) for i, d in history.examples if d.never
    )
    inputs = LearnedInputs(model, nevers)
    result: dict[str, Any] = {
        "fit_issues": len(history.examples),
        "fit_seconds": round(fit_s, 1),
        "embed_seconds": round(embed_s, 1),
        "backend": backend,
        "vocabulary": len(model.vocabulary),
        "targets": [t.__dict__ for t in report.targets],
        "assess": [],
    }
    print(
        f"fit on {len(history.examples):,} decisions: {fit_s:.1f} s, vocabulary "
        f"{len(model.vocabulary):,}; "
        + "; ".join(
            f"{t.name}: held-out AUC {t.cv_auc} vs cold {t.rules_auc}" for t in report.targets
        )
    )
    for n in args.sizes:
        issues = [i for i in synthetic(n, NOW)]
        row: dict[str, Any] = {"issues": n}
        for name, learned in (("cold", None), ("learned", inputs)):
            started = time.perf_counter()
            assess(issues, config, NOW, learned=learned)
            row[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
        result["assess"].append(row)
        print(
            f"assess {n:,}: cold {row['cold_seconds']} s, with the model {row['learned_seconds']} s"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
