"""Store benchmark: the same work on the SQLite file and on PostgreSQL.

- upsert N new issues (one transaction, as a pulled page is stored), then the same N again
  unchanged (the no-op pull: one read per issue, no write), then N changed;
- read every issue back (`Store.issues`, what each plan starts from);
- 1,000 decisions saved one transaction each (a triage session's pace).

PostgreSQL is a server this script starts in a temporary folder (tests/pgserver.py: initdb as
an unprivileged user, 127.0.0.1, fsync on as in production unless --no-fsync), or the one
`--db postgresql://…` names (an empty database: the script creates its tables there).

    python bench/store.py --issues 10000 --json bench/results/store.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from triagewise.connectors.github.mapping import map_issue  # noqa: E402
from triagewise.model import Key  # noqa: E402
from triagewise.store import DatabaseUrl, Location, Store  # noqa: E402

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def payload(number: int, title: str, updated: datetime) -> dict[str, Any]:
    return {
        "id": 10_000_000 + number,
        "number": number,
        "title": title,
        "body": "Steps to reproduce: open the board, invite a colleague, wait. " * 4,
        "state": "open",
        "labels": [{"name": "bug"}, {"name": "area/boards"}],
        "created_at": "2026-01-01T10:00:00Z",
        "updated_at": updated.isoformat().replace("+00:00", "Z"),
        "comments": number % 7,
    }


def items(n: int, title: str, updated: datetime) -> list[tuple[Any, dict[str, Any]]]:
    out = []
    for number in range(1, n + 1):
        raw = payload(number, f"{title} {number}", updated)
        out.append((map_issue(raw, "app", "acme/app"), raw))
    return out


def timed(work: Any) -> float:
    started = time.perf_counter()
    work()
    return round(time.perf_counter() - started, 3)


def run(location: Location, n: int) -> dict[str, float]:
    first = items(n, "Board is slow", NOW - timedelta(days=1))
    changed = items(n, "Board is slow when shared", NOW)
    with Store.open(location) as store:
        figures = {
            f"upsert {n} new": timed(lambda: store.upsert_issues(first, NOW)),
            f"upsert {n} unchanged": timed(lambda: store.upsert_issues(first, NOW)),
            f"upsert {n} changed": timed(lambda: store.upsert_issues(changed, NOW)),
            f"read {n}": timed(lambda: sum(1 for _ in store.issues())),
        }

        def decide() -> None:
            for number in range(1, 1001):
                key = Key("app", f"acme/app#{number}")
                store.save_decision(key, "later", "not this quarter", "triage", NOW)

        figures["1000 decisions, one transaction each"] = timed(decide)
        assert store.count_issues("app") == n and len(store.decisions()) == 1000
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=10_000)
    parser.add_argument("--db", help="an empty PostgreSQL database (default: a temporary server)")
    parser.add_argument("--no-fsync", action="store_true", help="the tests' server settings")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results: dict[str, Any] = {"issues": args.issues}
    with tempfile.TemporaryDirectory() as folder:
        results["sqlite"] = run(Path(folder) / "bench.db", args.issues)
    if args.db:
        results["postgresql"] = run(DatabaseUrl.parse(args.db, "--db"), args.issues)
    else:
        from pgserver import PgServer, find_bin

        bindir = find_bin()
        if bindir is None:
            sys.exit("no PostgreSQL server binaries (initdb); pass --db postgresql://…")
        server = PgServer(bindir, fsync=not args.no_fsync)
        try:
            url = server.fresh_database()
            results["postgresql"] = run(DatabaseUrl.parse(url, "bench"), args.issues)
        finally:
            server.stop()
    print(f"{'step':40} {'SQLite s':>10} {'PostgreSQL s':>14}")
    for step, seconds in results["sqlite"].items():
        print(f"{step:40} {seconds:>10} {results['postgresql'][step]:>14}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
