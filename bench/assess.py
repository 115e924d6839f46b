"""Assessment throughput: how long the rules layer takes for 10,000 and 100,000 issues.

Each size runs in its own process, so the peak memory is that size's alone.

    python bench/assess.py                     # 10,000 and 100,000
    python bench/assess.py --sizes 1000 10000 --json bench/results/assess.json
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any


def synthetic(n: int, now: datetime) -> list[Any]:
    from triagewise.model import Issue, StatusCategory, Tracker
    from triagewise.sandbox.backlog import _OPEN

    rng = random.Random(n)
    labels = ["onboarding", "collaboration", "performance", "bug", "ux", "enterprise", "cards"]
    out = []
    for i in range(1, n + 1):
        title, body, tags, kind = rng.choice(_OPEN)
        created = now - timedelta(days=rng.randint(1, 700))
        closed = rng.random() < 0.2
        out.append(
            Issue(
                source="app",
                tracker=Tracker.GITHUB,
                ref=f"acme/big#{i}",
                tracker_id=str(i),
                title=f"{title} ({i})",
                body=body + (f" Same as #{rng.randint(1, n)}." if rng.random() < 0.05 else ""),
                state="closed" if closed else "open",
                status_category=StatusCategory.DONE if closed else StatusCategory.TODO,
                labels=tuple({*tags, *rng.sample(labels, rng.randint(0, 2))}),
                created_at=created,
                updated_at=created + timedelta(days=rng.randint(0, 30)),
                closed_at=created + timedelta(days=5) if closed else None,
                type=kind,
                reactions=rng.randint(0, 30),
                upvotes=rng.randint(0, 20),
                comments=rng.randint(0, 15),
                url=f"https://github.com/acme/big/issues/{i}",
            )
        )
    return out


def child(n: int) -> None:
    from triagewise.config import parse_config
    from triagewise.config.starter import demo_config
    from triagewise.rules.triage import assess

    now = datetime(2026, 11, 26, tzinfo=UTC)
    issues = synthetic(n, now)
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    started = time.perf_counter()
    result = assess(issues, config, now)
    seconds = time.perf_counter() - started
    # VmHWM: this process image's own high-water mark (ru_maxrss would include the parent's)
    peak = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    counts = {b: sum(1 for a in result if a.bucket.value == b) for b in ("now", "later", "never")}
    print(
        json.dumps(
            {
                "issues": n,
                "assessed": len(result),
                "seconds": round(seconds, 2),
                "per_second": round(n / seconds),
                "peak_mib": round(peak, 1),
                **counts,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    rows = []
    for n in args.sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(done.stdout))
    print(f"{'issues':>8} {'open assessed':>14} {'seconds':>8} {'issues/s':>9} {'peak MiB':>9}")
    for r in rows:
        print(
            f"{r['issues']:>8} {r['assessed']:>14} {r['seconds']:>8} {r['per_second']:>9} "
            f"{r['peak_mib']:>9}"
        )
    if len(rows) >= 2:
        ratio = rows[-1]["seconds"] / rows[0]["seconds"]
        size = rows[-1]["issues"] / rows[0]["issues"]
        print(f"time ratio {ratio:.1f}× for {size:.0f}× the issues")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
