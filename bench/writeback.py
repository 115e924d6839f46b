"""Write-back benchmark: writes used against the minimum.

Against the sandbox in its own process, through the real `triagewise sync --json`:
GitHub labels on a first sync of N issues (minimum: one call per changed issue) and on a no-op
sync (minimum: 0); Jira ranks after 100 issues were displaced (bound: N − LIS) and after a
random reorder of the whole board (bound: ⌈N/50⌉).

    python bench/writeback.py --github 10000 --jira 2000 --json bench/results/writeback.json
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

[network]
write_interval = 0
"""
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


def graphql_posts(url: str) -> int:
    return int(admin(url, "/_sandbox/stats")["by_route"].get("POST /graphql", 0))


def bench_github(n: int) -> list[dict[str, Any]]:
    proc, url = serve(n, 0)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            config.write_text(CONFIG.format(name="big", source=GITHUB.format(url=url)))
            before = graphql_posts(url)
            first, seconds = sync(config)
            posts = graphql_posts(url) - before
            k = first["label_changes"]
            sent = first["applied"]["sent"]
            rows.append({"case": f"GitHub labels, first sync of {n:,} issues", "writes": sent,
                         "minimum": k, "ratio": round(sent / k, 3) if k else None,
                         "metadata": posts - sent, "seconds": round(seconds, 1)})  # fmt: skip
            before = graphql_posts(url)
            _, seconds = sync(config)
            rows.append({"case": f"GitHub labels, no-op sync of {n:,} issues",
                         "writes": graphql_posts(url) - before, "minimum": 0, "ratio": None,
                         "metadata": 0, "seconds": round(seconds, 1)})  # fmt: skip
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
            config.write_text(CONFIG.format(name="big", source=JIRA.format(url=url)))
            first, seconds = sync(config)  # labels, and the board into ranking order
            labels = first["label_changes"]
            rows.append({"case": f"Jira labels, first sync of {n:,} issues", "writes": first["applied"]["sent"] - first["rank_moves"],
                         "minimum": labels, "ratio": 1.0 if labels else None, "metadata": first["sweep_requests"], "seconds": round(seconds, 1)})  # fmt: skip
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
                             "metadata": result["sweep_requests"], "seconds": round(seconds, 1)})  # fmt: skip
                after, _ = sync(config)
                assert after["rank_moves"] == 0, (
                    f"the board is not in ranking order after the sync: {after}"
                )
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--github", type=int, default=10_000)
    parser.add_argument("--jira", type=int, default=2_000)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rows = bench_github(args.github) + bench_jira(args.jira)
    print(
        f"{'case':<48} {'writes':>7} {'minimum/bound':>14} {'ratio':>6} {'other calls':>12} {'time s':>7}"
    )
    for r in rows:
        ratio = "" if r["ratio"] is None else r["ratio"]
        print(
            f"{r['case']:<48} {r['writes']:>7} {r['minimum']:>14} {ratio!s:>6} {r['metadata']:>12} {r['seconds']:>7}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
