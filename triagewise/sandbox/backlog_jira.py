"""The demo's Jira project PLAT: Tandem's platform team, with points, epics and sprints."""

from __future__ import annotations

import json
import random
from datetime import date, datetime, timedelta
from importlib.resources import files
from typing import Any

from triagewise.sandbox.jira import JiraApp

DEMO_PROJECT = "PLAT"

# the backlog itself is data: seeds/jira.json (each row as below; lists come back as tuples)
_SEEDS: dict[str, list[Any]] = json.loads(
    files("triagewise.sandbox").joinpath("seeds/jira.json").read_text(encoding="utf-8")
)


def _rows(name: str) -> list[Any]:
    return [tuple(tuple(x) if type(x) is list else x for x in row) for row in _SEEDS[name]]


# (summary, description in wiki markup, labels, type, priority, points, component, epic index)
_ISSUES: list[tuple[str, str, tuple[str, ...], str, str, float | None, str, int | None]] = _rows(
    "issues"
)
# (summary, labels, points)
_DONE: list[tuple[str, tuple[str, ...], float]] = _rows("done")


def seed_jira_demo(app: JiraApp, base: datetime, seed: int = 11) -> int:
    """Load project PLAT; returns how many issues it holds. Times are before `base`."""
    rng = random.Random(seed)
    epics: list[str] = []
    for summary, description, labels, kind, priority, points, component, epic in _ISSUES:
        created = base - timedelta(days=rng.randint(5, 160), minutes=rng.randint(0, 1000))
        in_progress = rng.random() < 0.25 and kind != "Epic"
        item = app.add(
            DEMO_PROJECT,
            summary,
            description=description,
            labels=list(labels),
            issuetype=kind,
            priority=priority,
            story_points=points,
            components=[component],
            epic=epics[epic] if epic is not None else None,
            created=created,
            updated=created + timedelta(days=rng.randint(0, 4), minutes=rng.randint(1, 600)),
            status="In Progress" if in_progress else "To Do",
            category="indeterminate" if in_progress else "new",
            assignee=rng.choice(["ana", "ben", "chen", None]),
            reporter=rng.choice(["pm", "ana", "support"]),
            votes=rng.randint(0, 12 if "enterprise" in labels else 6),
            sprint="PLAT Sprint 14" if in_progress else None,
            duedate=(base + timedelta(days=21)).date() if priority == "Highest" else None,
        )
        if kind == "Epic":
            epics.append(item.key)
    for summary, labels, points in _DONE:
        created = base - timedelta(days=rng.randint(20, 120))
        closed = created + timedelta(days=rng.randint(3, 18))
        app.add(
            DEMO_PROJECT,
            summary,
            description="Done.",
            labels=list(labels),
            story_points=points,
            created=created,
            updated=closed,
            resolved=closed,
            status="Done",
            category="done",
            assignee=rng.choice(["ana", "ben", "chen"]),
        )
    rng.shuffle(app.order)  # the board's order is whatever people dragged it to
    return len(_ISSUES) + len(_DONE)


def seed_jira_synthetic(
    app: JiraApp, project: str, issues: int, base: datetime, seed: int = 3
) -> None:
    rng = random.Random(seed)
    for n in range(issues):
        summary, description, labels, kind, priority, points, component, _ = rng.choice(_ISSUES)
        created = base - timedelta(minutes=(issues - n) * 7)
        app.add(
            project,
            f"{summary} ({n + 1})",
            description=description,
            labels=list(labels),
            issuetype=kind,
            priority=priority,
            story_points=points,
            components=[component],
            created=created,
            updated=created + timedelta(minutes=rng.randint(0, 6)),
            votes=rng.randint(0, 5),
            duedate=date(2027, 1, 1) if n % 97 == 0 else None,
        )
