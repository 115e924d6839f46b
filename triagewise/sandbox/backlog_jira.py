"""The demo's Jira project PLAT: Tandem's platform team, with points, epics and sprints."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from triagewise.sandbox.jira import JiraApp

DEMO_PROJECT = "PLAT"

# (summary, description in wiki markup, labels, type, priority, points, component, epic index)
_ISSUES: list[tuple[str, str, tuple[str, ...], str, str, float | None, str, int | None]] = [
    (
        "Onboarding epic: five minutes to a shared board",
        "h2. Goal\nEverything that makes the first five minutes work.",
        ("onboarding",),
        "Epic",
        "High",
        None,
        "Web",
        None,
    ),
    (
        "Performance epic: boards open in under a second",
        "h2. Goal\nBoard loads under a second at p95.",
        ("performance",),
        "Epic",
        "High",
        None,
        "API",
        None,
    ),
    (
        "Invite API: create invitations in bulk",
        "Partners want to *invite* whole teams through the API during signup.",
        ("onboarding", "api"),
        "Story",
        "High",
        5,
        "API",
        0,
    ),
    (
        "Signup service drops requests under load",
        "During the launch spike the signup service returned 502s for {{POST /signup}}.",
        ("onboarding", "bug"),
        "Bug",
        "Highest",
        3,
        "API",
        0,
    ),
    (
        "Board API: paginate cards",
        "GET /boards/:id returns all cards; large boards time out. Paginate and load lazily.",
        ("performance", "api"),
        "Story",
        "High",
        8,
        "API",
        1,
    ),
    (
        "Cache board snapshots at the edge",
        "Serve the first paint of a board from a cached snapshot.",
        ("performance",),
        "Story",
        "Medium",
        8,
        "Infra",
        1,
    ),
    (
        "Websocket fan-out lags with 50 viewers",
        "Comments reach viewers with a 20 s lag when a board has 50 viewers.",
        ("performance", "collaboration"),
        "Bug",
        "High",
        5,
        "Realtime",
        1,
    ),
    (
        "Share links: signed read-only tokens",
        "Back-end for read-only *share* links to boards.",
        ("collaboration", "sharing"),
        "Story",
        "Medium",
        5,
        "API",
        None,
    ),
    (
        "Comment mentions: notification service",
        "Deliver @mention notifications for comments within 5 s.",
        ("collaboration",),
        "Story",
        "Medium",
        5,
        "Realtime",
        None,
    ),
    (
        "SAML SSO for enterprise workspaces",
        "Large prospects ask for SAML single sign-on.",
        ("enterprise",),
        "Story",
        "Medium",
        13,
        "Auth",
        None,
    ),
    (
        "SCIM provisioning endpoint",
        "Provision users from Okta and Azure AD with SCIM 2.0.",
        ("enterprise",),
        "Story",
        "Low",
        13,
        "Auth",
        None,
    ),
    (
        "Audit log pipeline",
        "Stream every change to an audit log for compliance exports.",
        ("enterprise", "compliance"),
        "Story",
        "Low",
        8,
        "Infra",
        None,
    ),
    (
        "Rate-limit the public API per token",
        "Protect the API from runaway scripts.",
        ("api",),
        "Story",
        "Medium",
        3,
        "API",
        None,
    ),
    (
        "Webhooks for card events",
        "Let integrations subscribe to card created/moved.",
        ("api", "integrations"),
        "Story",
        "Medium",
        5,
        "API",
        None,
    ),
    (
        "Upgrade Postgres to 17",
        "Routine upgrade before end of support.",
        ("infra",),
        "Task",
        "Medium",
        3,
        "Infra",
        None,
    ),
    (
        "Mobile sync conflicts lose edits",
        "Offline edits on the mobile app overwrite newer changes.",
        ("mobile", "bug"),
        "Bug",
        "High",
        5,
        "Mobile",
        None,
    ),
    (
        "Slow search on large workspaces",
        "Search queries take 4 s on workspaces with 50k cards.",
        ("performance", "search"),
        "Bug",
        "Medium",
        5,
        "API",
        1,
    ),
    (
        "Email invitations: retry on bounce",
        "Retry invitation emails once and surface bounces to the inviter.",
        ("onboarding",),
        "Story",
        "Medium",
        2,
        "API",
        0,
    ),
    (
        "First-run templates API",
        "Serve starter templates for the first board.",
        ("onboarding",),
        "Story",
        "Medium",
        3,
        "API",
        0,
    ),
    (
        "Data export for GDPR requests",
        "Export a user's data on request within 30 days.",
        ("compliance",),
        "Story",
        "Medium",
        5,
        "Infra",
        None,
    ),
    (
        "Custom domains for workspaces",
        "Enterprise ask: boards.acme.com.",
        ("enterprise",),
        "Story",
        "Lowest",
        8,
        "Infra",
        None,
    ),
    (
        "Flaky CI: realtime tests time out",
        "Realtime integration tests fail one run in ten.",
        ("ci",),
        "Task",
        "Low",
        2,
        "Realtime",
        None,
    ),
    (
        "On-premise installer",
        "Package Tandem for on-premise installation.",
        ("enterprise",),
        "Story",
        "Lowest",
        21,
        "Infra",
        None,
    ),
    (
        "Reduce board payload size",
        "Board JSON is 2 MB for 500 cards; drop unused fields.",
        ("performance", "api"),
        "Story",
        "Medium",
        3,
        "API",
        1,
    ),
    (
        "Presence service",
        "Who is viewing a board, in real time.",
        ("collaboration", "realtime"),
        "Story",
        "Low",
        5,
        "Realtime",
        None,
    ),
    (
        "Deprecate API v1",
        "Announce and remove the old API version.",
        ("api",),
        "Task",
        "Low",
        3,
        "API",
        None,
    ),
    (
        "Password reset tokens expire too early",
        "Tokens expire after 10 minutes; emails arrive later.",
        ("auth", "bug"),
        "Bug",
        "Medium",
        1,
        "Auth",
        None,
    ),
    (
        "Invite acceptance fails for existing accounts",
        "Accepting an invite with an existing account shows 'email taken'.",
        ("onboarding", "bug"),
        "Bug",
        "High",
        2,
        "Auth",
        0,
    ),
]

_DONE: list[tuple[str, tuple[str, ...], float]] = [
    ("Move sessions to Redis", ("infra",), 3),
    ("Signup endpoint v2", ("onboarding", "api"), 5),
    ("Comment threads API", ("collaboration", "api"), 5),
    ("Lazy-load card history", ("performance",), 3),
    ("Invite by email link", ("onboarding",), 3),
    ("Health checks for the realtime service", ("infra",), 1),
]


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
