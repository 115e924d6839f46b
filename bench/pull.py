"""Mirror benchmark: requests used against the minimum, wall time, peak memory.

Runs the sandbox in its own process (so the client's memory is measured alone) and the real
`triagewise pull` command against it: GitHub with N issues and N/5 pull requests, Jira Cloud
and Jira Data Center with N issues. For each: a full pull, a no-op pull, a pull after 50 edits.

    python bench/pull.py                       # 1,000 and 10,000 issues, all three trackers
    python bench/pull.py --sizes 10000 --json bench/results/pull.json
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
# The pull's own peak memory: VmHWM belongs to this process image alone, whereas ru_maxrss
# also counts the parent's pages a forked child had before it exec'd.
WRAP = (
    "import atexit, os, sys\n"
    "def hwm():\n"
    "    status = open('/proc/self/status').read()\n"
    "    open(os.environ['HWM_FILE'], 'w').write(status.split('VmHWM:')[1].split()[0])\n"
    "atexit.register(hwm)\n"
    "from triagewise.cli import main\n"
    "sys.argv = ['triagewise', *sys.argv[1:]]\n"
    "main()\n"
)


def start_sandbox(issues: int, prs: int, jira: int, mode: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0"),
            *("--token", TOKEN, "--synthetic", str(issues), "--prs", str(prs)),
            *("--jira-synthetic", str(jira), "--jira-mode", mode),
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
        with tempfile.NamedTemporaryFile("r") as hwm:
            proc = subprocess.Popen(
                [sys.executable, "-c", WRAP, "--config", str(config), "pull", "--json"],
                stdout=out,
                stderr=errors,
                env={
                    **os.environ,
                    "BENCH_TOKEN": TOKEN,
                    "BENCH_USER": "demo@tandem.example",
                    "HWM_FILE": hwm.name,
                },
            )
            proc.wait()
            seconds = time.perf_counter() - started
            out.seek(0)
            errors.seek(0)
            if proc.returncode:
                raise SystemExit(f"pull failed: {errors.read()}")
            peak = int(hwm.read().strip() or 0) / 1024
        return json.loads(out.read())["sources"][0], seconds, peak


SOURCES = {
    "github": '[[sources]]\nname = "big"\ntype = "github"\nrepo = "acme/big"\n'
    'api_url = "{url}"\ntoken_env = "BENCH_TOKEN"\n',
    "jira": '[[sources]]\nname = "big"\ntype = "jira"\nurl = "{url}"\njql = "project = BIG"\n'
    'user_env = "BENCH_USER"\ntoken_env = "BENCH_TOKEN"\n',
}


def bench(tracker: str, issues: int) -> dict[str, Any]:
    kind, _, mode = tracker.partition("-")
    prs = issues // 5 if kind == "github" else 0
    proc, url = start_sandbox(
        issues if kind == "github" else 0, prs, issues if kind == "jira" else 0, mode or "cloud"
    )
    try:
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "triagewise.toml"
            config.write_text(SOURCES[kind].format(url=url))
            admin(url, "/_sandbox/reset", {})
            full, full_s, full_mb = timed_pull(config)
            served_full = admin(url, "/_sandbox/stats")["requests"]
            noop, noop_s, _ = timed_pull(config)
            edit = (
                {"repo": "acme/big", "count": 50}
                if kind == "github"
                else {"project": "BIG", "count": 50}
            )
            admin(url, f"/_sandbox/{kind}/edit", edit)
            incr, incr_s, _ = timed_pull(config)
            page = 1000 if mode == "datacenter" else 100
            minimum = math.ceil((issues + prs) / page)
            return {
                "tracker": tracker,
                "issues": issues,
                "pull_requests": prs,
                "full_requests": full["requests"],
                "full_searches": full["searches"],
                "full_requests_seen_by_server": served_full,
                "full_minimum": minimum,
                "full_ratio": round(full["searches"] / minimum, 3),
                "full_seconds": round(full_s, 2),
                "full_peak_mib": round(full_mb, 1),
                "mirrored": full["new"],
                "noop_requests": noop["requests"],
                "noop_searches": noop["searches"],
                "noop_304": noop["not_modified"],
                "noop_seconds": round(noop_s, 2),
                "after_50_edits_requests": incr["requests"],
                "after_50_edits_searches": incr["searches"],
                "after_50_edits_changed": incr["changed"],
                "after_50_edits_seconds": round(incr_s, 2),
            }
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument(
        "--trackers", nargs="+", default=["github", "jira-cloud", "jira-datacenter"]
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    rows = [bench(t, n) for t in args.trackers for n in args.sizes]
    print(
        f"{'tracker':<16} {'issues':>7} {'PRs':>5} {'full: searches':>15} {'+meta':>6} "
        f"{'minimum':>8} {'ratio':>6} {'time s':>7} {'peak MiB':>9} "
        f"{'no-op: searches':>16} {'304':>4} {'50 edits: searches':>19} {'changed':>8}"
    )
    for r in rows:
        meta = r["full_requests"] - r["full_searches"]
        print(
            f"{r['tracker']:<16} {r['issues']:>7} {r['pull_requests']:>5} "
            f"{r['full_searches']:>15} {meta:>6} {r['full_minimum']:>8} {r['full_ratio']:>6} "
            f"{r['full_seconds']:>7} {r['full_peak_mib']:>9} {r['noop_searches']:>16} "
            f"{r['noop_304']:>4} {r['after_50_edits_searches']:>19} "
            f"{r['after_50_edits_changed']:>8}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
