"""The README's judgement tables from `bench/judgement.py --json` results.

    python bench/judgement_table.py bench/results/judgement.json bench/results/judgement-lexical.json
    python bench/judgement_table.py --history bench/results/judgement-history.json \\
        bench/results/judgement-history-lexical.json

The first file is the semantic (default) run, the second the lexical one; the baselines come
from the first (they do not depend on the backend).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

LABELS = {
    "triagewise": "triagewise, {backend}",
    "cold": "cold rules, {backend}",
    "learned": "learned, {backend}",
}


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def rows(semantic: dict[str, Any], lexical: dict[str, Any], history: bool) -> list[str]:
    rankers = ["cold", "learned"] if history else ["triagewise"]
    head = "| set (issues) | ranker | AUC high over low∪never | never recall | won't-do recall |"
    head += " high in never | now precision |" + (" decisions learned from |" if history else "")
    out = [head, "|" + "---|" * (8 if history else 7)]
    for name, row in semantic.items():
        first = True
        lines = [
            x for r in rankers for x in ((r, row[r], "semantic"), (r, lexical[name][r], "lexical"))
        ]
        lines += [("keyword count", row["keywords"], ""), ("newest first", row["newest"], "")]
        for ranker, f, backend in lines:
            label = LABELS[ranker].format(backend=backend) if ranker in LABELS else ranker
            if ranker == "triagewise" and backend == "semantic":
                label += " (default)"
            cell = f"**{name}** ({f['issues']})" if first else ""
            learned = ""
            if history:
                learned = f" {row['learn']['decisions']} |" if first and "learn" in row else "  |"
            out.append(
                f"| {cell} | {label} | {_fmt(f['auc'])} | {_fmt(f['never_recall'])} | "
                f"{_fmt(f.get('wontdo_recall'))} | {f['high_in_never']} | "
                f"{_fmt(f['now_precision'])} |{learned}"
            )
            first = False
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("semantic", type=Path)
    parser.add_argument("lexical", type=Path)
    parser.add_argument("--history", action="store_true")
    args = parser.parse_args()
    semantic = json.loads(args.semantic.read_text())
    lexical = json.loads(args.lexical.read_text())
    print("\n".join(rows(semantic, lexical, args.history)))


if __name__ == "__main__":
    main()
