"""`triagewise serve`: event-to-label latency and what a burst costs, against the sandbox over
real HTTP (the sandbox in this process, `triagewise serve` in a subprocess, signed deliveries
built from the real payloads as the tests build them).

    python bench/serve.py                 # 40 new issues per tracker, a 1,000-event burst
    python bench/serve.py --events 20 --burst-issues 100 --burst-rounds 10 --debounce 2
    python bench/serve.py --burst-spacing 0.012   # the burst sent over about 15 s

Latency: from sending a new issue's signed `issues.opened` / `jira:issue_created` delivery to
its owned labels being on the sandbox issue (polled every 10 ms in-process). Burst: each of
`--burst-issues` open issues edited once by a person, then `--burst-rounds` deliveries for each,
round-robin (`--burst-spacing` seconds after each); counted from the sandbox's request log.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from serve_support import (  # noqa: E402
    SECRETS_ENV,
    Serve,
    github_delivery,
    github_issue_event,
    jira_delivery,
    jira_issue_event,
    label_journal,
)

from conftest import DEMO_ENV, lexical_demo, shared_dir  # noqa: E402
from triagewise.config import load_config  # noqa: E402
from triagewise.sandbox import DEMO_REPO, build_sandbox, jira_of  # noqa: E402
from triagewise.store import Store  # noqa: E402
from triagewise.sync.run import run_sync  # noqa: E402


def owned(labels: list[str]) -> bool:
    return any(x.lower().startswith(("triage/", "goal/")) for x in labels)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * int(q) // 100) - 1)]


def setup(folder: Path, debounce: float) -> tuple[Any, Any, Path]:
    server, app = build_sandbox()
    server.start()
    config = folder / "triagewise.toml"
    config.write_text(lexical_demo(server.url) + f"\n[serve]\ndebounce_seconds = {debounce}\n")
    with Store.open(folder / ".triagewise" / "triagewise.db") as store:
        run_sync(store, load_config(config), DEMO_ENV)
    return server, app, config


def latency(folder: Path, events: int, debounce: float, spacing: float) -> dict[str, list[float]]:
    server, app, config = setup(folder, debounce)
    compat = shared_dir() / "compat"
    jira = jira_of(server)
    repo = app.repos[DEMO_REPO.lower()]
    watch: dict[str, Any] = {}
    sent: dict[str, float] = {}
    seen: dict[str, float] = {}
    stop = threading.Event()

    def poll() -> None:
        while not stop.is_set():
            for ref, item in list(watch.items()):
                if ref not in seen and owned(item.labels):
                    seen[ref] = time.monotonic()
            time.sleep(0.01)

    try:
        with Serve(config, {**DEMO_ENV, **SECRETS_ENV}) as serve, httpx.Client() as http:
            threading.Thread(target=poll, daemon=True).start()
            for n in range(events):
                item = app.add_item(
                    repo,
                    title=f"Invite teammates from the first run, case {n}",
                    body="New teams cannot invite their teammates during sign up.",
                    user="a-person",
                )
                body = github_issue_event(compat, app, server.url, DEMO_REPO, item.number)
                raw, headers = github_delivery(body)
                ref = f"{DEMO_REPO}#{item.number}"
                watch[ref], sent[ref] = item, time.monotonic()
                http.post(serve.url + "/webhooks/github", content=raw, headers=headers)
                issue = jira.add("PLAT", f"Large boards load slowly, case {n}", description="Slow.")
                raw, headers = jira_delivery(jira_issue_event(jira, server.url, issue.key))
                watch[issue.key], sent[issue.key] = issue, time.monotonic()
                http.post(serve.url + "/webhooks/jira", content=raw, headers=headers)
                time.sleep(spacing)
            deadline = time.monotonic() + 60
            while len(seen) < len(watch) and time.monotonic() < deadline:
                time.sleep(0.05)
            stop.set()
    finally:
        server.stop()
    out: dict[str, list[float]] = {"github": [], "jira": []}
    for ref, t in sent.items():
        if ref in seen:
            out["github" if "#" in ref else "jira"].append(seen[ref] - t)
    return out


def burst(
    folder: Path, issues: int, rounds: int, debounce: float, spacing: float
) -> dict[str, Any]:
    server, app, config = setup(folder, debounce)
    db = folder / ".triagewise" / "triagewise.db"
    compat = shared_dir() / "compat"
    repo = app.repos[DEMO_REPO.lower()]
    numbers = sorted(n for n, i in repo.items.items() if not i.is_pr and i.state == "open")
    numbers = numbers[:issues]
    for k, n in enumerate(numbers):
        extra = " (SAML SSO for the audit log)" if k % 10 == 0 else "."
        app.edit(DEMO_REPO, n, title=repo.items[n].title + extra)
    bodies = {n: github_issue_event(compat, app, server.url, DEMO_REPO, n, "edited") for n in numbers}  # fmt: skip
    try:
        with Serve(config, {**DEMO_ENV, **SECRETS_ENV}) as serve, httpx.Client() as http:
            server.reset_counts()
            app.label_writes.clear()
            plans_before = {plan for plan, _ in label_journal(db)}
            started = time.monotonic()
            for _ in range(rounds):
                for n in numbers:
                    raw, headers = github_delivery(bodies[n])
                    http.post(serve.url + "/webhooks/github", content=raw, headers=headers)
                    if spacing:
                        time.sleep(spacing)
            sent_in = time.monotonic() - started
            while serve.health()["queue"] or serve.health()["processed"] < rounds * len(numbers):
                time.sleep(0.05)
            drained = time.monotonic() - started
    finally:
        server.stop()
    changes = [ref for plan, ref in label_journal(db) if plan not in plans_before]
    route = re.compile(rf"GET /repos/{DEMO_REPO}/issues/\d+$")
    writes = [r for r in server.counts if r.startswith("POST /graphql")]
    return {
        "events": rounds * len(numbers),
        "issues": len(numbers),
        "sent_s": sent_in,
        "drained_s": drained,
        "fetches": sum(c for r, c in server.counts.items() if route.match(r)),
        "issues_relabelled": len({n for _, n in app.label_writes}),
        "label_changes": len(changes),
        "most_per_issue": max(Counter(changes).values(), default=0),
        "graphql_requests": sum(server.counts[r] for r in writes),
        "requests": server.requests,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=40, help="new issues per tracker")
    parser.add_argument("--spacing", type=float, default=0.1, help="seconds between them")
    parser.add_argument("--debounce", type=float, default=2.0)
    parser.add_argument("--burst-issues", type=int, default=100)
    parser.add_argument("--burst-rounds", type=int, default=10)
    parser.add_argument("--burst-spacing", type=float, default=0.0, help="seconds between them")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="tw-bench-serve-"))
    try:
        (folder / "a").mkdir()
        lat = latency(folder / "a", args.events, args.debounce, args.spacing)
        for tracker, values in lat.items():
            print(
                f"{tracker}: {len(values)} new issues, event-to-label latency "
                f"p50 {statistics.median(values):.2f} s, p99 {pct(values, 99):.2f} s, "
                f"max {max(values):.2f} s (debounce {args.debounce:g} s)"
            )
        (folder / "b").mkdir()
        b = burst(
            folder / "b", args.burst_issues, args.burst_rounds, args.debounce, args.burst_spacing
        )
        print(
            f"burst: {b['events']} events for {b['issues']} issues, sent in {b['sent_s']:.1f} s, "
            f"drained {b['drained_s']:.1f} s after the first; {b['fetches']} issue fetches, "
            f"{b['issues_relabelled']} issues relabelled ({b['label_changes']} label changes, "
            f"at most {b['most_per_issue']} for one issue), "
            f"{b['graphql_requests']} GraphQL requests, "
            f"{b['requests']} requests in all"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
