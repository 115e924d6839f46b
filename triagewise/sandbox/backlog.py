"""The seeded demo backlog: Tandem, a shared task board for small teams.

Written so that vision, goals and triage have something real to decide: onboarding friction,
collaboration asks, performance pain, enterprise requests the team decided against, bugs,
duplicates in other words, and stale requests nobody has touched in a year.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from importlib.resources import files
from typing import Any

from triagewise.sandbox.github import GitHubApp, Repo

DEMO_REPO = "tandem/app"

# the backlog itself is data: seeds/github.json (each row as below; lists come back as tuples)
_SEEDS: dict[str, list[Any]] = json.loads(
    files("triagewise.sandbox").joinpath("seeds/github.json").read_text(encoding="utf-8")
)


def _rows(name: str) -> list[Any]:
    return [tuple(tuple(x) if type(x) is list else x for x in row) for row in _SEEDS[name]]


# (title, body, labels, type)
_OPEN: list[tuple[str, str, tuple[str, ...], str | None]] = _rows("open")
# (title, body, labels, the index into _OPEN of the issue it duplicates)
_DUPLICATES: list[tuple[str, str, tuple[str, ...], int]] = _rows("duplicates")
# (title, body, labels): filed over a year ago, untouched since
_STALE: list[tuple[str, str, tuple[str, ...]]] = _rows("stale")
# (title, labels, state reason)
_CLOSED: list[tuple[str, tuple[str, ...], str | None]] = _rows("closed")
_PULLS: list[str] = list(_SEEDS["pulls"])

_PEOPLE = ["ana", "ben", "chen", "dara", "eli", "fatima", "gus", "hana", "ivan", "jo"]
_TEAM = ["maintainer", "ana", "ben", "chen"]
_MILESTONES = {"Q1 activation": 30, "Q2 collaboration": 120}


@dataclass(frozen=True)
class Seeded:
    repo: Repo
    issues: int
    pull_requests: int


def seed_demo(app: GitHubApp, base: datetime, seed: int = 7) -> Seeded:
    """Load the Tandem backlog into `app`; all times are before `base` and deterministic."""
    rng = random.Random(seed)
    repo = app.add_repo(DEMO_REPO)
    for name, days in _MILESTONES.items():
        repo.milestones[name] = (len(repo.milestones) + 1, base + timedelta(days=days))

    def when(lo: int, hi: int) -> datetime:
        return base - timedelta(days=rng.randint(lo, hi), minutes=rng.randint(0, 1439))

    def reactions(scale: int) -> dict[str, int]:
        return {"+1": rng.randint(0, scale), "heart": rng.randint(0, max(1, scale // 4))}

    records: list[dict[str, object]] = []
    for i, (title, body, labels, kind) in enumerate(_OPEN):
        created = when(5, 200)
        enterprise = "enterprise" in labels
        plan = rng.choice(["Team", "Pro"])  # drawn where the body used to draw it: same seed
        records.append(
            dict(
                title=title,
                body=f"{body}\n\n_Reported by a customer on the **{plan}** plan._",
                labels=list(labels),
                type=kind,
                user=rng.choice(_PEOPLE),
                created_at=created,
                updated_at=created + timedelta(days=rng.randint(0, 4), minutes=i),
                comments=rng.randint(0, 14),
                reactions=reactions(25 if enterprise or "performance" in labels else 12),
                assignees=[rng.choice(_TEAM)] if rng.random() < 0.3 else [],
                milestone=(
                    "Q1 activation" if "onboarding" in labels and rng.random() < 0.5 else None
                ),
            )
        )
    for title, body, labels, original in _DUPLICATES:
        first = records[original]["created_at"]
        assert isinstance(first, datetime)
        created = min(first + timedelta(days=rng.randint(1, 40)), base - timedelta(days=2))
        records.append(
            dict(
                title=title,
                body=body,
                dup_of=original,
                labels=list(labels),
                user=rng.choice(_PEOPLE),
                created_at=created,
                updated_at=created + timedelta(hours=rng.randint(1, 48)),
                comments=rng.randint(0, 3),
                reactions=reactions(4),
            )
        )
    for title, body, labels in _STALE:
        created = when(400, 900)
        records.append(
            dict(
                title=title,
                body=body,
                labels=list(labels),
                user=rng.choice(_PEOPLE),
                created_at=created,
                updated_at=created + timedelta(days=rng.randint(0, 20)),
                comments=rng.randint(0, 2),
                reactions={"+1": rng.randint(0, 1)},
            )
        )
    for title, labels, reason in _CLOSED:
        created = when(60, 360)
        closed = created + timedelta(days=rng.randint(2, 45))
        records.append(
            dict(
                title=title,
                body="Done.",
                labels=list(labels),
                user=rng.choice(_TEAM),
                state="closed",
                state_reason=reason,
                created_at=created,
                closed_at=min(closed, base - timedelta(days=1)),
                updated_at=min(closed, base - timedelta(days=1)),
                comments=rng.randint(1, 8),
                reactions=reactions(6),
                assignees=[rng.choice(_TEAM)],
            )
        )
    # issues and pull requests interleave by creation time, as numbers do on GitHub
    pulls = [
        dict(title=t, body="", is_pr=True, user=rng.choice(_TEAM), created_at=when(1, 120))
        for t in _PULLS
    ]
    for i, record in enumerate(records):
        record["_index"] = i
    everything = sorted(records + pulls, key=lambda r: r["created_at"])  # type: ignore[arg-type,return-value]
    numbers: dict[int, int] = {}
    duplicates: list[tuple[int, int]] = []
    for record in everything:
        index = record.pop("_index", None)
        dup_of = record.pop("dup_of", None)
        item = app.add_item(repo, **record)
        if isinstance(index, int):
            numbers[index] = item.number
        if isinstance(dup_of, int):
            duplicates.append((item.number, dup_of))
    for number, original in duplicates:
        item = repo.items[number]
        item.body = f"{item.body}\n\nProbably the same as #{numbers[original]}."
    return Seeded(repo, len(records), len(pulls))


def seed_synthetic(
    app: GitHubApp, full_name: str, issues: int, pulls: int, base: datetime, seed: int = 1
) -> Seeded:
    """A large repository for benchmarks: `issues` issues and `pulls` pull requests."""
    rng = random.Random(seed)
    repo = app.add_repo(full_name)
    words = [t for t, *_ in _OPEN]
    kinds = ["onboarding", "collaboration", "performance", "bug", "ux", "enterprise", "cards"]
    total = issues + pulls
    pr_slots = set(rng.sample(range(total), pulls))
    for n in range(total):
        created = base - timedelta(minutes=(total - n) * 7)
        is_pr = n in pr_slots
        app.add_item(
            repo,
            title=f"{rng.choice(words)} ({n + 1})",
            body=None if is_pr else f"Synthetic issue {n + 1} for benchmarks.",
            labels=[] if is_pr else rng.sample(kinds, rng.randint(0, 2)),
            created_at=created,
            updated_at=created + timedelta(minutes=rng.randint(0, 6)),
            comments=rng.randint(0, 9),
            reactions={"+1": rng.randint(0, 5)},
            is_pr=is_pr,
        )
    return Seeded(repo, issues, pulls)
