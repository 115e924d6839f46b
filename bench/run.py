"""The benchmark: one command, one table, one JSON file.

    python bench/run.py                       # about five minutes on a 2-core machine
    python bench/run.py --quick               # 1,000 issues only, for a smoke run

Everything runs against the sandbox (each tracker in its own process), through the real
`triagewise` commands, beside the theoretical minimum (API-FACTS §4) and the obvious way of
doing the same with PyGithub and the jira library at their defaults.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import peers  # noqa: E402
import pull  # noqa: E402
import writeback  # noqa: E402


def serve(*args: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0",
         "--token", peers.TOKEN, "--rate-limit", "100000", *args],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def row(
    measure: str, ours: Any, minimum: Any, peer: Any = "", seconds: Any = "", note: str = ""
) -> dict[str, Any]:
    ratio = (
        round(ours / minimum, 2)
        if isinstance(ours, int) and isinstance(minimum, int) and minimum
        else ""
    )
    return {"measure": measure, "triagewise": ours, "minimum": minimum, "ratio": ratio,
            "obvious way": peer, "seconds": seconds, "note": note}  # fmt: skip


def mirror_rows(n: int) -> list[dict[str, Any]]:
    rows = []
    for tracker in ("github", "jira-cloud", "jira-datacenter"):
        r = pull.bench(tracker, n)
        peer: Any = ""
        if tracker != "jira-datacenter":
            proc, url = serve(
                *(
                    ("--synthetic", str(n), "--prs", str(n // 5))
                    if tracker == "github"
                    else ("--jira-synthetic", str(n))
                )
            )
            try:
                measured = (
                    peers.pygithub_mirror(url) if tracker == "github" else peers.jira_mirror(url)
                )
                peer = f"{measured['requests']} requests, {measured['seconds']} s"
            finally:
                proc.terminate()
                proc.wait(timeout=10)
        name = {"github": "GitHub", "jira-cloud": "Jira Cloud", "jira-datacenter": "Jira DC"}[
            tracker
        ]
        size = f"{n:,}" + (f" + {r['pull_requests']:,} PRs" if r["pull_requests"] else "")
        meta = r["full_requests"] - r["full_searches"]
        rows.append(row(f"{name} full pull, {size}: listing requests", r["full_searches"], r["full_minimum"], peer,
                        r["full_seconds"], f"+{meta} metadata; peak {r['full_peak_mib']} MiB" if meta else f"peak {r['full_peak_mib']} MiB"))  # fmt: skip
        rows.append(row(f"{name} no-op pull, {size}", r["noop_searches"], 1, "",
                        r["noop_seconds"], "answered 304, 0 quota" if r["noop_304"] else ""))  # fmt: skip
        rows.append(row(f"{name} pull after 50 edits, {size}", r["after_50_edits_searches"], 1, "",
                        r["after_50_edits_seconds"], f"{r['after_50_edits_changed']} changed"))  # fmt: skip
    return rows


def write_rows(github: int, jira: int) -> list[dict[str, Any]]:
    rows = [row(r["case"], r["writes"], r["minimum"], "", r["seconds"], f"+{r['metadata']} reads" if r["metadata"] else "")
            for r in writeback.bench_github(github) + writeback.bench_jira(jira)]  # fmt: skip
    proc, url = serve("--jira-synthetic", str(jira))
    try:
        measured = peers.jira_mirror(url)
        client = measured.pop("client")
        keys = [f"BIG-{i}" for i in range(1, min(jira, 1000) + 1)]
        labels = peers.jira_labels(url, client, keys)
        rows.append(row(f"Jira labels, {len(keys):,} issues, the library's Issue.update", "", len(keys),
                        f"{labels['requests']} requests, {labels['seconds']} s", ""))  # fmt: skip
        target = [f"BIG-{i}" for i in range(1, jira + 1)]
        current = list(target)
        random.Random(5).shuffle(current)
        urllib_post(url, "/_sandbox/jira/shuffle", {"project": "BIG", "seed": 5})
        current = [
            k
            for k in json.loads(urllib_get(url, "/_sandbox/jira/state"))["order"]
            if k.startswith("BIG-")
        ]
        ranked = peers.jira_rank(url, client, target, current)
        rows.append(row(f"Jira rank, random reorder of {jira:,}, the library's rank() one by one", "", math.ceil(jira / 50),
                        f"{ranked['requests']} requests, {ranked['seconds']} s", ""))  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return rows


def urllib_get(url: str, path: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url + path, timeout=60) as r:
        return str(r.read().decode())


def urllib_post(url: str, path: str, body: dict[str, Any]) -> None:
    import urllib.request

    urllib.request.urlopen(
        urllib.request.Request(url + path, data=json.dumps(body).encode(), method="POST"),
        timeout=60,
    )


def assess_rows(sizes: list[int]) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        done = subprocess.run(
            [sys.executable, str(HERE / "assess.py"), "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        )
        r = json.loads(done.stdout)
        rows.append(
            row(
                f"assess {n:,} issues ({r['assessed']:,} open)",
                f"{r['per_second']:,}/s",
                "",
                "",
                r["seconds"],
                f"peak {r['peak_mib']} MiB",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="1,000 issues only")
    parser.add_argument("--json", type=Path, default=HERE / "results" / "bench.json")
    args = parser.parse_args()
    sizes = [1000] if args.quick else [1000, 10_000]
    rows: list[dict[str, Any]] = []
    for n in sizes:
        rows += mirror_rows(n)
    rows += write_rows(1000 if args.quick else 10_000, 500 if args.quick else 2_000)
    rows += assess_rows([1000, 10_000] if args.quick else [10_000, 100_000])
    columns = ["measure", "triagewise", "minimum", "ratio", "obvious way", "seconds", "note"]
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for r in rows:
        print("| " + " | ".join(str(r[c]) for c in columns) + " |")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
