"""Lexical vs semantic on a labelled set, and the embedding costs.

    pip install -e .
    python bench/semantic_eval.py --json bench/results/semantic.json

Prints goal-mapping precision and recall and ranking agreement for both backends on
bench/eval/labeled.json (issues for the demo product, written the way customers write), then
embedding throughput at 10,000 issues, the cost of a re-run after 50 edits, and peak memory.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def labelled(now: datetime) -> tuple[list[Any], list[dict[str, Any]]]:
    from triagewise.model import Issue, StatusCategory, Tracker

    data = json.loads((HERE / "eval" / "labeled.json").read_text())["issues"]
    issues = [
        Issue(source="eval", tracker=Tracker.GITHUB, ref=f"eval#{n}", tracker_id=str(n), title=d["title"],
              body=d["body"], state="open", status_category=StatusCategory.TODO,
              created_at=now - timedelta(days=3, minutes=n), updated_at=now - timedelta(days=3))
        for n, d in enumerate(data, start=1)
    ]  # fmt: skip
    return issues, data


def spearman(xs: list[float], ys: list[float]) -> float:
    def ranks(values: list[float]) -> list[float]:
        order = sorted(range(len(values)), key=lambda i: values[i])
        out = [0.0] * len(values)
        i = 0
        while i < len(order):
            j = i
            while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
                j += 1
            for k in range(i, j + 1):
                out[order[k]] = (i + j) / 2
            i = j + 1
        return out

    rx, ry = ranks(xs), ranks(ys)
    mx, my = sum(rx) / len(rx), sum(ry) / len(ry)
    cov = sum((a - mx) * (b - my) for a, b in zip(rx, ry, strict=True))
    vx = sum((a - mx) ** 2 for a in rx) ** 0.5
    vy = sum((b - my) ** 2 for b in ry) ** 0.5
    return cov / (vx * vy) if vx and vy else 0.0


def score(assessments: list[Any], data: list[dict[str, Any]]) -> dict[str, Any]:
    by_ref = {a.ref: a for a in assessments}
    tp = fp = fn = 0
    classes, scores = [], []
    for n, d in enumerate(data, start=1):
        a = by_ref[f"eval#{n}"]
        predicted = {g.goal for g in a.goals}
        tp += d["goal"] in predicted
        fp += len(predicted - {d["goal"]})
        fn += d["goal"] is not None and d["goal"] not in predicted
        classes.append(0.0 if d["never"] else 2.0 if d["goal"] else 1.0)
        scores.append(a.score.value)
    return {
        "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "ranking_agreement": round(spearman(classes, scores), 3),
    }


def history_split(
    config: Any, issues: list[Any], data: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    """Half of each goal's issues (seeded) carry the goal's first label, closed: the history.
    Goal precision and recall on the other half, without and with learning goal mapping from
    the labelled ones (semantic nearest neighbours)."""
    import random
    from collections import defaultdict

    from triagewise.model import StatusCategory
    from triagewise.rules.triage import assess
    from triagewise.semantic.embed import Embedder, build_inputs, issue_document

    rng = random.Random(13)
    by_goal: dict[str, list[int]] = defaultdict(list)
    for n, d in enumerate(data, start=1):
        by_goal[str(d["goal"])].append(n)
    past: set[int] = set()
    for _, members in sorted(by_goal.items()):
        rng.shuffle(members)
        past |= set(members[: len(members) // 2])
    first_label = {g.id: g.labels[0] for g in config.goals if g.labels}
    history = [
        issues[n - 1].model_copy(
            update={
                "labels": (first_label[data[n - 1]["goal"]],) if data[n - 1]["goal"] else (),
                "status_category": StatusCategory.DONE,
                "state": "closed",
            }
        )
        for n in sorted(past)
    ]
    test = [n for n in range(1, len(data) + 1) if n not in past]
    test_issues = [issues[n - 1] for n in test]
    model = Embedder()
    vectors = dict(
        zip([i.key for i in issues], model.embed([issue_document(i) for i in issues]), strict=True)
    )
    tested = {i.key: vectors[i.key] for i in test_issues}
    out: dict[str, Any] = {"history": len(history), "test": len(test)}
    learning = config.model_copy(
        update={"history": config.history.model_copy(update={"learn_goals": True})}
    )
    for name, exemplars in (("cold", []), ("learned", history)):
        # what semantic_inputs hands over with [history] learn_goals = true
        inputs = build_inputs(learning, test_issues, tested, model, exemplars, vectors)
        found = {a.ref: a for a in assess(test_issues, config, now, semantic=inputs)}
        tp = fp = fn = 0
        for n in test:
            predicted = {g.goal for g in found[f"eval#{n}"].goals}
            goal = data[n - 1]["goal"]
            tp += goal in predicted
            fp += len(predicted - {goal})
            fn += goal is not None and goal not in predicted
        out[name] = {
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--history", action="store_true", help="goal mapping learned from half")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    if args.history:
        from triagewise.config import parse_config
        from triagewise.config.starter import demo_config

        now = datetime(2026, 11, 26, tzinfo=UTC)
        config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
        issues, data = labelled(now)
        split = history_split(config, issues, data, now)
        print(json.dumps(split, indent=2))
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(split, indent=2) + "\n")
        return

    from assess import synthetic

    from triagewise.config import parse_config
    from triagewise.config.starter import demo_config
    from triagewise.rules.triage import assess
    from triagewise.semantic.embed import Embedder, build_inputs, issue_document, issue_vectors
    from triagewise.store import Store

    now = datetime(2026, 11, 26, tzinfo=UTC)
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    issues, data = labelled(now)
    model = Embedder()
    started = time.perf_counter()
    model.load()
    load_s = time.perf_counter() - started
    lexical = score(assess(issues, config, now), data)
    vectors = dict(
        zip([i.key for i in issues], model.embed([issue_document(i) for i in issues]), strict=True)
    )
    semantic = score(
        assess(issues, config, now, semantic=build_inputs(config, issues, vectors, model)), data
    )

    many = synthetic(args.issues, now)
    with tempfile.TemporaryDirectory() as folder, Store.open(Path(folder) / "t.db") as store:
        before = model.computed
        started = time.perf_counter()
        issue_vectors(store, model, many)
        first_s, first_n = time.perf_counter() - started, model.computed - before
        edited = [i.model_copy(update={"title": i.title + " (edited)"}) if n % (args.issues // 50) == 0 else i
                  for n, i in enumerate(many)][: args.issues]  # fmt: skip
        before = model.computed
        started = time.perf_counter()
        issue_vectors(store, model, edited)
        again_s, again_n = time.perf_counter() - started, model.computed - before
    peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    result = {
        "labelled_issues": len(data),
        "lexical": lexical,
        "semantic": semantic,
        "model_load_seconds": round(load_s, 1),
        "embedded": first_n,
        "embedding_seconds": round(first_s, 1),
        "embeddings_per_second": round(first_n / first_s),
        "after_50_edits_embedded": again_n,
        "after_50_edits_seconds": round(again_s, 2),
        "peak_mib": round(peak, 1),
    }
    print(f"{'backend':<10} {'precision':>9} {'recall':>7} {'ranking agreement':>18}")
    for name in ("lexical", "semantic"):
        r = result[name]
        print(f"{name:<10} {r['precision']:>9} {r['recall']:>7} {r['ranking_agreement']:>18}")
    print(
        f"embedding {first_n:,} issues: {first_s:.1f} s ({result['embeddings_per_second']}/s, model load {load_s:.1f} s); "
        f"after 50 edits: {again_n} embedded in {again_s:.2f} s; peak {peak:.0f} MiB"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
