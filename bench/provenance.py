"""Provenance benchmark: the requests a fresh store spends asking the tracker who set the owned
labels, against the minimum (API-FACTS §7).

A first store syncs N issues (every open issue gets triagewise's labels); then a fresh store
syncs `--dry-run` against the same sandbox and recovers provenance. Minimum per source:

- GitHub: 1 `viewer` + ⌈K/100⌉ GraphQL queries (100 issues' timelines aliased a query; K the
  issues carrying owned labels);
- Jira Cloud: 1 `/myself` + ⌈K/1,000⌉ bulk changelog calls;
- Jira Data Center: 1 `/myself` + K (no bulk changelog: one `expand=changelog` read each).

The first store also holds D session decisions (`--decisions`), which its second sync writes
in triagewise's comments with their records; the fresh store restores them. GitHub reads the
comments in the same timeline queries (no extra request); Jira adds ⌈K/100⌉ `key in (…)`
searches with `fields=comment` and one comment-property read per triagewise comment (D, with
`comments = "off"`).

    python bench/provenance.py --issues 2000 --json bench/results/provenance.json
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triagewise.config.loader import parse_config
from triagewise.connectors.retry import RetryPolicy
from triagewise.sandbox import Sandbox, build_sandbox
from triagewise.store.db import Store
from triagewise.sync.run import run_sync

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
name = "big"
{source}

[writeback]
max_change_share = 1.0
rank = false

[network]
write_interval = 0
"""
GITHUB = 'type = "github"\nrepo = "acme/big"\napi_url = "{url}"\ntoken_env = "BENCH_TOKEN"'
JIRA = (
    'type = "jira"\nurl = "{url}"\njql = "project = BIG"\n'
    'user_env = "BENCH_USER"\ntoken_env = "BENCH_TOKEN"'
)
ENV = {"BENCH_TOKEN": TOKEN, "BENCH_USER": "demo@tandem.example"}


def measure(kind: str, n: int, decisions: int = 10) -> dict[str, Any]:
    base = datetime(2026, 11, 1, tzinfo=UTC)
    if kind == "github":
        server, _ = build_sandbox(TOKEN, base, synthetic=("acme/big", n, 0))
    else:
        mode = "cloud" if kind == "jira-cloud" else "datacenter"
        server, _ = build_sandbox(TOKEN, base, jira_mode=mode, jira_synthetic=("BIG", n))
    with server, tempfile.TemporaryDirectory() as folder:
        return _run(kind, n, server, Path(folder), decisions)


def _run(kind: str, n: int, server: Sandbox, folder: Path, d: int) -> dict[str, Any]:
    source = (GITHUB if kind == "github" else JIRA).format(url=server.url)
    config = parse_config(CONFIG.format(source=source), folder / "triagewise.toml")
    policy = RetryPolicy(attempts=3)
    with Store.open(folder / "a.db") as first:
        run_sync(first, config, ENV, policy)
        now = datetime.now(UTC)
        for issue in sorted(first.issues(), key=lambda i: i.ref)[:d]:  # a triage session's
            first.save_decision(issue.key, "never", "Duplicate", "triage", now, author="pm")
        run_sync(first, config, ENV, policy)  # labels and the comments with the records
    with Store.open(folder / "b.db") as fresh:
        started = time.perf_counter()
        result = run_sync(fresh, config, ENV, policy, dry_run=True)
        seconds = time.perf_counter() - started
        held = len(fresh.decisions())
    found = result.provenance
    assert found is not None
    k = found.adopted + found.held + found.imported
    per_call = {"github": 100, "jira-cloud": 1000, "jira-dc": 1}[kind]
    minimum = 1 + math.ceil(k / per_call)
    if kind != "github":  # own comments by search, then each one's property
        minimum += math.ceil(found.adopted / 100) + found.restored
    return {
        "case": f"{kind}: provenance for a fresh store, {n:,} issues ({k:,} labelled)",
        "requests": found.requests,
        "minimum": minimum,
        "ratio": round(found.requests / minimum, 3),
        "adopted": found.adopted,
        "held": held,
        "restored": found.restored,
        "seconds": round(seconds, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument("--decisions", type=int, default=10)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    kinds = ("github", "jira-cloud", "jira-dc")
    rows = [measure(kind, args.issues, args.decisions) for kind in kinds]
    for row in rows:
        print(
            f"| {row['case']} | {row['requests']} | {row['minimum']} | {row['ratio']} | "
            f"adopted {row['adopted']}, held {row['held']}, restored {row['restored']} | "
            f"{row['seconds']} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
