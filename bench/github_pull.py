"""GitHub mirror benchmark: requests used against the minimum, wall time, peak memory.

Runs against the sandbox in its own process (so the client's memory is measured alone), for a
repository of N issues and N/5 pull requests, through the real `triagewise pull` command.

    python bench/github_pull.py                # 1,000 and 10,000 issues
    python bench/github_pull.py --sizes 10000 --json bench/results/github_pull.json
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


def start_sandbox(issues: int, prs: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "triagewise",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--token",
            TOKEN,
            "--synthetic",
            str(issues),
            "--prs",
            str(prs),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    if not url.startswith("http://127.0.0.1:"):
        proc.kill()
        raise SystemExit(f"sandbox did not start: {url!r}")
    return proc, url


def admin(url: str, path: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path, data=data, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def timed_pull(config: Path) -> tuple[dict[str, Any], float, float]:
    """Run `triagewise pull --json` as a child; return its summary, seconds, peak RSS in MiB."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as errors:
        started = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "triagewise", "--config", str(config), "pull", "--json"],
            stdout=out,
            stderr=errors,
            env={**os.environ, "BENCH_TOKEN": TOKEN},
        )
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not the sandbox's
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        errors.seek(0)
        if proc.returncode:
            raise SystemExit(f"pull failed: {errors.read()}")
        return json.loads(out.read())["sources"][0], seconds, usage.ru_maxrss / 1024


def bench(issues: int) -> dict[str, Any]:
    prs = issues // 5
    proc, url = start_sandbox(issues, prs)
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            config.write_text(
                f'[[sources]]\nname = "big"\ntype = "github"\nrepo = "acme/big"\n'
                f'api_url = "{url}"\ntoken_env = "BENCH_TOKEN"\n'
            )
            admin(url, "/_sandbox/reset", {})
            full, full_s, full_mb = timed_pull(config)
            served_full = admin(url, "/_sandbox/stats")["requests"]
            admin(url, "/_sandbox/reset", {})
            noop, noop_s, _ = timed_pull(config)
            admin(url, "/_sandbox/github/edit", {"repo": "acme/big", "count": 50})
            incr, incr_s, _ = timed_pull(config)
            minimum = math.ceil((issues + prs) / 100)
            return {
                "issues": issues,
                "pull_requests": prs,
                "full_requests": full["requests"],
                "full_requests_seen_by_server": served_full,
                "full_minimum": minimum,
                "full_ratio": round(full["requests"] / minimum, 3),
                "full_seconds": round(full_s, 2),
                "full_peak_mib": round(full_mb, 1),
                "mirrored": full["new"],
                "noop_requests": noop["requests"],
                "noop_304": noop["not_modified"],
                "noop_seconds": round(noop_s, 2),
                "after_50_edits_requests": incr["requests"],
                "after_50_edits_changed": incr["changed"],
                "after_50_edits_minimum": 1,
                "after_50_edits_seconds": round(incr_s, 2),
            }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = [bench(n) for n in args.sizes]
    header = (
        f"{'issues+PRs':>12} {'full req':>9} {'minimum':>8} {'ratio':>6} {'time s':>7} "
        f"{'peak MiB':>9} {'no-op req':>10} {'304s':>5} {'50 edits req':>13} {'changed':>8}"
    )
    print(header)
    for r in rows:
        print(
            f"{r['issues']:>6}+{r['pull_requests']:<5} {r['full_requests']:>9} "
            f"{r['full_minimum']:>8} {r['full_ratio']:>6} {r['full_seconds']:>7} "
            f"{r['full_peak_mib']:>9} {r['noop_requests']:>10} {r['noop_304']:>5} "
            f"{r['after_50_edits_requests']:>13} {r['after_50_edits_changed']:>8}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
