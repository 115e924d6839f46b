"""Judgement on real backlogs: triagewise's ranking against its own maintainers' decisions.

    python bench/judgement.py [--backend auto|lexical|semantic] [--json bench/results/judgement.json]
    python bench/judgement.py --history [--json bench/results/judgement-history.json]

Each set under bench/eval/real/<name>/ holds real public issues (issues.json) with the class
their maintainers gave them (high / medium / low priority, or never: won't do), and a config
written from the project's public vision before anything was scored (triagewise.toml, frozen;
git history shows it). The decision labels are stripped: only type and area labels are served.

Every set is served through the sandbox GitHub over real HTTP, under its real repository name
and issue numbers; the real commands run against it (`triagewise pull`, then `triagewise report
--json`). Printed per set and pooled:

- AUC: the share of (high, low-or-never) pairs within a set that the ranking puts in the
  maintainers' order (ties count half);
- never recall: of the issues the maintainers decided not to do, the share in never;
- high in never: high-priority issues triagewise put in never (the target is 0);
- now precision: of the issues in now, the share the maintainers gave high priority.

With `--history`, each set is split in two, stratified by class and seeded: the history half
is served with its maintainers' labels (priorities, won't-do labels) and closed — its won't-do
issues closed as not planned —, the test half stripped and open as before. `triagewise learn`
fits the model on the history half; the figures are measured on the test half, for the cold
rules (no `learn`) and with the learned model, beside the baselines on the same half.

Two baselines rank the same sets: a keyword count (occurrences of the config's theme and goal
words in title and body; never = no keyword at all, as the old low-fit rule did) and
newest-first (never = the oldest quarter). Both take the config's `now_capacity` for now.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SETS = HERE / "eval" / "real"
TOKEN = "eval-token"
NOW = datetime(2026, 12, 1, tzinfo=UTC)
_URL = re.compile(r"github\.com/([^/]+/[^/]+)/issues/\d+")


@dataclass
class Tally:
    """Counts that pool across sets by adding them up."""

    concordant: float = 0.0
    pairs: int = 0
    never: int = 0
    never_hit: int = 0
    wontdo: int = 0  # the nevers that were not duplicate closures
    wontdo_hit: int = 0
    high_in_never: int = 0
    now: int = 0
    now_high: int = 0
    issues: int = 0
    classes: dict[str, int] = field(default_factory=dict)

    def add(self, other: Tally) -> None:
        names = ("concordant", "pairs", "never", "never_hit", "wontdo", "wontdo_hit")
        for name in (*names, "high_in_never", "now"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.now_high += other.now_high
        self.issues += other.issues
        for k, v in other.classes.items():
            self.classes[k] = self.classes.get(k, 0) + v

    def figures(self) -> dict[str, Any]:
        return {
            "issues": self.issues,
            "classes": dict(sorted(self.classes.items())),
            "auc": round(self.concordant / self.pairs, 3) if self.pairs else None,
            "never_recall": round(self.never_hit / self.never, 3) if self.never else None,
            "wontdo_recall": round(self.wontdo_hit / self.wontdo, 3) if self.wontdo else None,
            "high_in_never": self.high_in_never,
            "now_precision": round(self.now_high / self.now, 3) if self.now else None,
        }


def tally(
    classes: dict[int, str],
    order: Sequence[int],
    buckets: dict[int, str],
    duplicates: frozenset[int] = frozenset(),
) -> Tally:
    """`order`: issue numbers best first (ties already broken); `buckets`: number -> bucket;
    `duplicates`: the nevers that were duplicate closures."""
    position = {n: i for i, n in enumerate(order)}
    t = Tally(issues=len(classes))
    for c in classes.values():
        t.classes[c] = t.classes.get(c, 0) + 1
    highs = [n for n, c in classes.items() if c == "high"]
    lows = [n for n, c in classes.items() if c in ("low", "never")]
    for h in highs:
        for lo in lows:
            t.pairs += 1
            t.concordant += 1.0 if position[h] < position[lo] else 0.0
    t.never = sum(1 for c in classes.values() if c == "never")
    t.never_hit = sum(1 for n, c in classes.items() if c == "never" and buckets[n] == "never")
    wontdo = [n for n, c in classes.items() if c == "never" and n not in duplicates]
    t.wontdo = len(wontdo)
    t.wontdo_hit = sum(1 for n in wontdo if buckets[n] == "never")
    t.high_in_never = sum(1 for n, c in classes.items() if c == "high" and buckets[n] == "never")
    t.now = sum(1 for n in classes if buckets[n] == "now")
    t.now_high = sum(1 for n, c in classes.items() if c == "high" and buckets[n] == "now")
    return t


def _ranked(scores: dict[int, float], tie: Callable[[int], Any]) -> list[int]:
    return sorted(scores, key=lambda n: (-scores[n], tie(n)))


def keyword_baseline(config: dict[str, Any], data: list[dict[str, Any]], capacity: int) -> Tally:
    vision = config.get("vision", {})
    words = [w for ws in vision.get("themes", {}).values() for w in ws]
    words += [k for g in config.get("goals", []) for k in g.get("keywords", [])]
    patterns = [re.compile(rf"\b{re.escape(w.lower())}", re.IGNORECASE) for w in set(words)]
    scores = {
        d["number"]: float(sum(len(p.findall(f"{d['title']}\n{d['body']}")) for p in patterns))
        for d in data
    }
    order = _ranked(scores, lambda n: n)
    buckets = {n: "later" for n in order}
    for n in order[:capacity]:
        buckets[n] = "now"
    for n, s in scores.items():
        if s == 0 and buckets[n] != "now":
            buckets[n] = "never"
    return tally({d["number"]: d["class"] for d in data}, order, buckets, _dups(data))


def newest_baseline(data: list[dict[str, Any]], capacity: int) -> Tally:
    created = {d["number"]: d.get("created_at") or "0000-00-00" for d in data}
    order = sorted(created, key=lambda n: (created[n], n), reverse=True)
    buckets = {n: "later" for n in order}
    for n in order[:capacity]:
        buckets[n] = "now"
    for n in order[len(order) - len(order) // 4 :]:
        buckets[n] = "never"
    return tally({d["number"]: d["class"] for d in data}, order, buckets, _dups(data))


_DUPLICATE = re.compile(r"duplicate|dupe|/dup\b", re.IGNORECASE)


def is_duplicate(d: dict[str, Any]) -> bool:
    """A won't-do that was a duplicate closure (by label or the maintainer's words)."""
    labels = any("duplicate" in label.lower() for label in d["labels_all"])
    return d["class"] == "never" and (labels or bool(_DUPLICATE.search(d["decided_by"])))


def _dups(data: list[dict[str, Any]]) -> frozenset[int]:
    return frozenset(d["number"] for d in data if is_duplicate(d))


def split(data: list[dict[str, Any]], seed: int = 13) -> tuple[list[Any], list[Any]]:
    """(history, test): half of each class in each, by a seeded shuffle."""
    rng = random.Random(seed)
    history: list[dict[str, Any]] = []
    test: list[dict[str, Any]] = []
    for cls in ("high", "medium", "low", "never"):
        members = sorted((d for d in data if d["class"] == cls), key=lambda d: d["number"])
        rng.shuffle(members)
        half = len(members) // 2
        history += members[:half]
        test += members[half:]
    return sorted(history, key=lambda d: d["number"]), sorted(test, key=lambda d: d["number"])


def serve(
    sets: dict[str, tuple[str, list[dict[str, Any]]]],
    history: dict[str, list[dict[str, Any]]] | None = None,
) -> Any:
    """One sandbox GitHub holding every set's repository, its issues as they were filed; with
    `history`, those issues carry their maintainers' labels and are closed (won't-dos closed as
    not planned) a month ago."""
    from triagewise.sandbox import GitHubApp, Sandbox

    app = GitHubApp({TOKEN})
    closed = NOW - timedelta(days=30)
    for name, (repo, data) in sets.items():
        state = app.add_repo(repo)
        past = {d["number"] for d in (history or {}).get(name, [])}
        for d in data:
            created = datetime.fromisoformat(d.get("created_at") or "2020-01-01").replace(
                tzinfo=UTC
            )
            fields: dict[str, Any] = {}
            if d["number"] in past:
                reason = "completed"
                if d["class"] == "never":
                    reason = "duplicate" if is_duplicate(d) else "not_planned"
                fields = {
                    "labels": list(d["labels_all"]),
                    "state": "closed",
                    "state_reason": reason,
                    "closed_at": max(closed, created),
                }
            app.add_item(
                state,
                number=d["number"],
                title=d["title"],
                body=d["body"] or None,
                labels=fields.pop("labels", list(d["labels_served"])),
                created_at=created,
                updated_at=max(closed, created) if fields else created,
                user=d.get("author") or "ghost",
                comments=int(d.get("comments") or 0),
                **fields,
            )
    return Sandbox([app]).start()


def config_text(folder: Path, repo: str, url: str, backend: str | None) -> str:
    text = (folder / "triagewise.toml").read_text()
    if backend is not None:
        # the set's config is frozen; the backend is the evaluation's own parameter
        text = re.sub(r"(?m)^backend\s*=.*$", "", text)
        text = re.sub(r"(?m)^\[vision\]\s*$", f'[vision]\nbackend = "{backend}"', text, count=1)
    scheme = folder / "history.toml"  # the set's priority-label scheme, where not a common one
    if scheme.exists():
        text += "\n\n" + scheme.read_text()
    return (
        f'{text}\n\n[[sources]]\nname = "{folder.name}"\ntype = "github"\n'
        f'repo = "{repo}"\napi_url = "{url}"\ntoken_env = "TW_EVAL_TOKEN"\n'
    )


def run_set(
    folder: Path, repo: str, url: str, backend: str | None, learn: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """`triagewise pull` (and `learn`), then `report --json` in a fresh folder: the report's
    issues, and learn's report."""
    env = {**os.environ, "TW_EVAL_TOKEN": TOKEN}
    learned = None
    with tempfile.TemporaryDirectory() as work:
        Path(work, "triagewise.toml").write_text(config_text(folder, repo, url, backend))
        base = [sys.executable, "-m", "triagewise"]
        steps = [
            ["pull", "--json"],
            *([["learn", "--json"]] if learn else []),
            ["report", "--json"],
        ]
        for args in steps:
            done = subprocess.run(
                [*base, *args], cwd=work, env=env, capture_output=True, text=True, check=False
            )
            if done.returncode != 0:
                raise SystemExit(f"{folder.name}: triagewise {args[0]} failed: {done.stderr}")
            if args[0] == "learn":
                learned = json.loads(done.stdout)
        report: list[dict[str, Any]] = json.loads(done.stdout)["issues"]
    return report, learned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["auto", "lexical", "semantic"], default=None)
    parser.add_argument("--history", action="store_true", help="learn from half of each set")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--sets", type=Path, default=SETS)
    args = parser.parse_args()

    sets: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for folder in sorted(p for p in args.sets.iterdir() if (p / "issues.json").exists()):
        data = json.loads((folder / "issues.json").read_text())
        repo = _URL.search(data[0]["url"]).group(1)  # type: ignore[union-attr]
        sets[folder.name] = (repo, data)
    halves = {name: split(data) for name, (_, data) in sets.items()} if args.history else {}
    sandbox = serve(sets, {name: h for name, (h, _) in halves.items()} if args.history else None)
    rankers = ["cold", "learned"] if args.history else ["triagewise"]
    rankers += ["keywords", "newest"]
    rows: dict[str, dict[str, Any]] = {}
    pooled = {k: Tally() for k in rankers}
    try:
        for name, (repo, data) in sets.items():
            folder = args.sets / name
            config = tomllib.loads((folder / "triagewise.toml").read_text())
            capacity = int(config.get("triage", {}).get("now_capacity", 15))
            scored = halves[name][1] if args.history else data
            classes = {d["number"]: d["class"] for d in scored}
            results: dict[str, Tally] = {}
            runs = [("cold", False), ("learned", True)] if args.history else [("triagewise", False)]
            learned_report = None
            for ranker, learn in runs:
                report, got = run_set(folder, repo, sandbox.url, args.backend, learn)
                learned_report = got or learned_report
                numbers = {int(item["ref"].rsplit("#", 1)[1]): item for item in report}
                order = [n for n in numbers if n in classes]
                buckets = {n: numbers[n]["bucket"] for n in order}
                results[ranker] = tally(classes, order, buckets, _dups(scored))
            results["keywords"] = keyword_baseline(config, scored, capacity)
            results["newest"] = newest_baseline(scored, capacity)
            rows[name] = {k: v.figures() for k, v in results.items()}
            rows[name]["repo"] = repo
            if learned_report is not None:
                rows[name]["learn"] = learned_report
            for k, v in results.items():
                pooled[k].add(v)
    finally:
        sandbox.stop()
    rows["pooled"] = {k: v.figures() for k, v in pooled.items()}
    print(f"{'set':<10} {'ranker':<11} {'issues':>6} {'AUC':>6} {'never rec.':>10} "
          f"{'wontdo rec.':>14} {'high in never':>13} {'now prec.':>9}")  # fmt: skip
    for name, row in rows.items():
        for ranker in rankers:
            f = row[ranker]
            print(
                f"{name:<10} {ranker:<11} {f['issues']:>6} {_fmt(f['auc']):>6} "
                f"{_fmt(f['never_recall']):>10} {_fmt(f['wontdo_recall']):>14} "
                f"{f['high_in_never']:>13} "
                f"{_fmt(f['now_precision']):>9}"
            )
    for name, row in rows.items():
        if "learn" in row:
            fit = row["learn"]
            held = "; ".join(
                f"{t['name']}: held-out AUC {_fmt(t['cv_auc'])} vs cold {_fmt(t['rules_auc'])}"
                + (
                    f", never at P ≥ {_fmt(t.get('threshold'))} (defects "
                    f"{_fmt(t.get('defect_threshold'))}; held-out recall {_fmt(t['recall'])})"
                    if t["name"] == "never"
                    else ""
                )
                for t in fit["targets"]
            )
            share = "" if fit.get("weight") is None else f"; weight {fit['weight']:g}"
            print(f"learn {name}: {fit['decisions']} decisions; {held or fit['note']}{share}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


def _fmt(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    main()
