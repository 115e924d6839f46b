"""Write-back benchmark: write requests used against the physical minimum (API-FACTS §7).

Against the sandbox in its own process, through the real `triagewise sync --json`:

- GitHub labels on a first sync of N issues: label-write requests against ⌈K/20⌉ (20 issues'
  aliased mutations a request) plus the label-id reads and creations; the old per-issue
  figure was K; and a no-op sync (minimum 0);
- Jira Cloud labels on a first sync of N issues: bulk-edit submits against
  2 × (owned labels in play) × ⌈K/1,000⌉, plus the polls; the old per-issue figure was K PUTs;
- Jira ranks after 100 issues were displaced (bound N − LIS) and after a random reorder of
  the whole board (bound ⌈N/50⌉);
- the wall time of a first sync of 300 GitHub + 300 Jira Cloud issues at default settings
  (no write_interval: each tracker's own pacing).

    python bench/writeback.py --github 10000 --jira 2000 --mixed 300 --json bench/results/writeback.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

TOKEN = "bench-token"
CONFIG = """
[vision]
statement = "Small teams get from sign-up to a shared board in five minutes."
themes = {{ onboarding = ["signup", "invite"], speed = ["slow", "load"] }}

[[goals]]
id = "activation"
title = "Activation"
keywords = ["signup", "invite"]

[triage]
now_capacity = 50

[[sources]]
name = "{name}"
{source}

[writeback]
max_change_share = 1.0

{network}"""
FAST = "[network]\nwrite_interval = 0\n"
GITHUB = 'type = "github"\nrepo = "acme/big"\napi_url = "{url}"\ntoken_env = "BENCH_TOKEN"'
JIRA = (
    'type = "jira"\nurl = "{url}"\njql = "project = BIG"\n'
    'user_env = "BENCH_USER"\ntoken_env = "BENCH_TOKEN"'
)


def admin(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def serve(github: int, jira: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0", "--token", TOKEN,
         "--synthetic", str(github), "--prs", "0", "--jira-synthetic", str(jira),
         "--rate-limit", "50000"],  # 10,000 writes are two hours of a token's 5,000/h
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def sync(config: Path) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "triagewise", "--config", str(config), "sync", "--json"],
        capture_output=True, text=True, check=False,
        env={**os.environ, "BENCH_TOKEN": TOKEN, "BENCH_USER": "demo@tandem.example"},
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(f"sync failed: {done.stderr}")
    return json.loads(done.stdout), time.perf_counter() - started


def report_of(config: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [sys.executable, "-m", "triagewise", "--config", str(config), "report", "--json"],
        capture_output=True, text=True, check=True,
        env={**os.environ, "BENCH_TOKEN": TOKEN, "BENCH_USER": "demo@tandem.example"},
    )  # fmt: skip
    issues: list[dict[str, Any]] = json.loads(done.stdout)["issues"]
    return issues


def graphql_posts(url: str) -> int:
    return int(admin(url, "/_sandbox/stats")["by_route"].get("POST /graphql", 0))


def bench_github(n: int) -> list[dict[str, Any]]:
    proc, url = serve(n, 0)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            config.write_text(
                CONFIG.format(name="big", source=GITHUB.format(url=url), network=FAST)
            )
            before = graphql_posts(url)
            first, seconds = sync(config)
            posts = graphql_posts(url) - before
            k = first["label_changes"]
            state = admin(url, "/_sandbox/github/state")
            sent, fresh = int(state["label_requests"]), int(state["fresh_requests"])
            minimum = math.ceil(k / 20) + math.ceil(k / 100)  # writes + freshness reads
            rows.append({"case": f"GitHub labels, first sync of {n:,} issues", "writes": sent + fresh,
                         "minimum": minimum, "ratio": round((sent + fresh) / minimum, 3) if k else None,
                         "per_issue": k, "metadata": posts - sent - fresh, "fresh": fresh,
                         "label_writes": sent, "seconds": round(seconds, 1)})  # fmt: skip
            before = graphql_posts(url)
            _, seconds = sync(config)
            rows.append({"case": f"GitHub labels, no-op sync of {n:,} issues",
                         "writes": graphql_posts(url) - before, "minimum": 0, "ratio": None,
                         "per_issue": 0, "metadata": 0, "seconds": round(seconds, 1)})  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


def jira_rank_writes(url: str) -> int:
    return sum(1 for kind, _ in admin(url, "/_sandbox/jira/state")["writes"] if kind == "rank")


def bench_jira(n: int) -> list[dict[str, Any]]:
    proc, url = serve(0, n)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            config.write_text(CONFIG.format(name="big", source=JIRA.format(url=url), network=FAST))
            first, seconds = sync(config)  # labels, and the board into ranking order
            k = first["label_changes"]
            state = admin(url, "/_sandbox/jira/state")
            in_play = {x for v in state["labels"].values() for x in v if x.startswith(OWNED)}
            submits, polls = int(state["bulk_submits"]), int(state["bulk_polls"])
            fresh = int(state["fresh_requests"])
            puts = sum(1 for kind, _ in state["writes"] if kind == "labels")
            bound = 2 * len(in_play) * math.ceil(k / 1000) + math.ceil(k / 100)  # + fresh reads
            sent = submits + puts + fresh
            rows.append({"case": f"Jira Cloud labels, first sync of {n:,} issues", "writes": sent,
                         "minimum": bound, "ratio": round(sent / bound, 3) if bound else None,
                         "per_issue": k, "metadata": polls, "fresh": fresh, "submits": submits,
                         "puts": puts, "seconds": round(seconds, 1)})  # fmt: skip
            for case, spec, bound in (
                (
                    f"Jira rank, 100 of {n:,} issues displaced",
                    {"project": "BIG", "count": 100},
                    min(100, math.ceil(n / 50)),  # min(N - LIS, ⌈N/50⌉), N - LIS ≤ 100
                ),
                (
                    f"Jira rank, random reorder of {n:,} issues",
                    {"project": "BIG"},
                    math.ceil(n / 50),
                ),
            ):
                admin(url, "/_sandbox/jira/shuffle", spec)
                before = jira_rank_writes(url)
                result, seconds = sync(config)
                calls = jira_rank_writes(url) - before
                rows.append({"case": case, "writes": calls, "minimum": bound, "ratio": round(calls / bound, 3),
                             "per_issue": None, "metadata": result["sweep_requests"], "seconds": round(seconds, 1)})  # fmt: skip
                after, _ = sync(config)
                assert after["rank_moves"] == 0, (
                    f"the board is not in ranking order after the sync: {after}"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


OWNED = ("triage/", "goal/")


def bench_mixed(n: int) -> list[dict[str, Any]]:
    """A first sync of n GitHub + n Jira Cloud issues at default settings (no write_interval)."""
    proc, url = serve(n, n)
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            both = (
                GITHUB.format(url=url)
                + '\n\n[[sources]]\nname = "big-jira"\n'
                + JIRA.format(url=url)
            )
            config.write_text(CONFIG.format(name="big", source=both, network=""))
            first, seconds = sync(config)
            github = admin(url, "/_sandbox/github/state")
            jira = admin(url, "/_sandbox/jira/state")
            jira_writes = int(jira["bulk_submits"]) + sum(
                1 for kind, _ in jira["writes"] if kind == "labels"
            )
            report = report_of(config)
            owned = {
                ref: sorted(x for x in labels if x.startswith(OWNED))
                for ref, labels in {**github["labels"], **jira["labels"]}.items()
            }
            for row in report:
                want = sorted({f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])})
                ref = row["ref"]
                assert owned[ref] == want, (ref, owned[ref], want)
            second, _ = sync(config)
            assert second["label_changes"] == 0, second
            fresh = int(github["fresh_requests"]) + int(jira["fresh_requests"])
            return [{"case": f"first sync of {n} GitHub + {n} Jira Cloud issues, defaults",
                     "writes": int(github["label_requests"]) + jira_writes,
                     "minimum": math.ceil(n / 20) + 2 * 4, "ratio": None,
                     "per_issue": first["label_changes"], "metadata": int(jira["bulk_polls"]),
                     "seconds": round(seconds, 1), "fresh": fresh,
                     "github_label_requests": int(github["label_requests"]),
                     "jira_label_requests": jira_writes}]  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--github", type=int, default=10_000)
    parser.add_argument("--jira", type=int, default=2_000)
    parser.add_argument("--mixed", type=int, default=300)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = (bench_github(args.github) if args.github else []) + (
        bench_jira(args.jira) if args.jira else []
    )
    rows += bench_mixed(args.mixed) if args.mixed else []
    print(
        f"{'case':<56} {'writes':>7} {'minimum/bound':>14} {'ratio':>6} {'per-issue':>9} {'other calls':>12} {'time s':>7}"
    )
    for r in rows:
        ratio = "" if r["ratio"] is None else r["ratio"]
        per = "" if r.get("per_issue") is None else r["per_issue"]
        print(
            f"{r['case']:<56} {r['writes']:>7} {r['minimum']:>14} {ratio!s:>6} {per!s:>9} {r['metadata']:>12} {r['seconds']:>7}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
