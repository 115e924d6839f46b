"""The seeded demo backlog: Tandem, a shared task board for small teams.

Written so that vision, goals and triage have something real to decide: onboarding friction,
collaboration asks, performance pain, enterprise requests the team decided against, bugs,
duplicates in other words, and stale requests nobody has touched in a year.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from triagewise.sandbox.github import GitHubApp, Repo

DEMO_REPO = "tandem/app"

# (title, body, labels, type)
_OPEN: list[tuple[str, str, tuple[str, ...], str | None]] = [
    # onboarding
    (
        "Signup asks for a company name before showing anything",
        "New users bounce at the second signup step. Ask for the company later, after the first board.",
        ("onboarding",),
        "Feature",
    ),
    (
        "Invite teammates from the first-run screen",
        "After signup we drop people on an empty board. Let them invite teammates right there.",
        ("onboarding", "collaboration"),
        "Feature",
    ),
    (
        "Invitation emails land in spam for Outlook users",
        "Several trial teams never received invites. SPF/DKIM on the invite sender looks wrong.",
        ("bug", "onboarding"),
        "Bug",
    ),
    (
        "Starter templates for the first board",
        "Offer 3-4 templates (sprint, content calendar, hiring) on first run so the board is not empty.",
        ("onboarding",),
        "Feature",
    ),
    (
        "Magic-link sign in",
        "Passwords slow down signup; a magic link by email would get people in faster.",
        ("onboarding", "auth"),
        "Feature",
    ),
    (
        "First-run tour is skipped by 80% of new users",
        "The 9-step tour is too long. Replace it with two inline hints.",
        ("onboarding", "ux"),
        None,
    ),
    (
        "Invite link expires after 24 hours",
        "Teammates often accept an invite on Monday that was sent on Friday. Make invite links last 7 days.",
        ("onboarding", "bug"),
        "Bug",
    ),
    (
        "Bulk invite by pasting a list of emails",
        "Inviting a team of 12 one address at a time is painful.",
        ("onboarding", "collaboration"),
        "Feature",
    ),
    (
        "Import a Trello board during signup",
        "Teams switching from Trello want their cards on day one.",
        ("onboarding", "import"),
        "Feature",
    ),
    (
        "Signup form rejects plus-addressed emails",
        "me+tandem@example.com is refused as invalid.",
        ("bug", "onboarding"),
        "Bug",
    ),
    (
        "Show a checklist of first steps on an empty board",
        "Create a card, invite a teammate, share the board: three ticks to get going.",
        ("onboarding",),
        "Feature",
    ),
    (
        "Google sign-up button",
        "Let people sign up with their Google account in one click.",
        ("onboarding", "auth"),
        "Feature",
    ),
    (
        "Inviting someone who already has an account shows an error",
        "Instead of adding them to the workspace it says 'email taken'.",
        ("bug", "onboarding"),
        "Bug",
    ),
    (
        "Welcome email links to a 404",
        "The 'open your board' button in the welcome mail is broken.",
        ("bug", "onboarding"),
        "Bug",
    ),
    (
        "Sample cards on the first board explain how cards work",
        "Three example cards that teach drag, assign and comment.",
        ("onboarding",),
        None,
    ),
    # collaboration
    (
        "Share a board with a read-only link",
        "Clients want to see progress without an account. A read-only share link would do.",
        ("collaboration", "sharing"),
        "Feature",
    ),
    (
        "@mentions in card comments",
        "Mention a teammate in a comment and notify them.",
        ("collaboration",),
        "Feature",
    ),
    (
        "Comments are not shown in real time",
        "You have to reload the card to see a teammate's new comment.",
        ("collaboration", "bug"),
        "Bug",
    ),
    (
        "Shared board shows the wrong owner avatar",
        "After sharing, the owner avatar is the viewer's.",
        ("bug", "sharing"),
        "Bug",
    ),
    (
        "Assign a card to several people",
        "Pairing is common; a card should take two assignees.",
        ("collaboration",),
        "Feature",
    ),
    (
        "Reactions on comments",
        "A thumbs-up on a comment instead of writing 'ok'.",
        ("collaboration",),
        None,
    ),
    (
        "Watch a card to get notified of changes",
        "Follow a card you care about.",
        ("collaboration", "notifications"),
        "Feature",
    ),
    (
        "Daily digest email of board activity",
        "One email a day with what changed on my boards.",
        ("notifications",),
        "Feature",
    ),
    (
        "Live cursors when two people edit a card",
        "See who else is editing the card description right now.",
        ("collaboration", "realtime"),
        "Feature",
    ),
    ("Share a single card by link", "Send one card to someone on Slack.", ("sharing",), "Feature"),
    (
        "Guests can comment on shared boards",
        "People with a share link can read but not comment; let invited guests comment.",
        ("collaboration", "sharing"),
        "Feature",
    ),
    (
        "Notification bell counts are wrong after reading on mobile",
        "The desktop badge keeps the count after reading on the phone.",
        ("bug", "notifications"),
        "Bug",
    ),
    (
        "Slack notifications for comments",
        "Post new comments to a Slack channel.",
        ("integrations", "notifications"),
        "Feature",
    ),
    # performance
    (
        "Board with 500 cards takes 8 seconds to load",
        "Large boards are unusable. Profiling shows every card renders its full history.",
        ("performance",),
        "Bug",
    ),
    (
        "Dragging a card lags on Firefox",
        "Noticeable jank when dragging cards between columns.",
        ("performance", "bug"),
        "Bug",
    ),
    (
        "Search is slow on workspaces with many boards",
        "Search takes 5+ seconds.",
        ("performance", "search"),
        None,
    ),
    (
        "Sync between tabs takes a minute",
        "Changes in one tab show in another only after ~60 s.",
        ("performance", "realtime"),
        "Bug",
    ),
    (
        "Mobile app startup time over 4 seconds",
        "Cold start on mid-range Android is slow.",
        ("performance", "mobile"),
        None,
    ),
    (
        "Attachments upload times out over 20 MB",
        "Large files fail silently.",
        ("bug", "attachments"),
        "Bug",
    ),
    (
        "Memory grows while a board stays open all day",
        "The tab reaches 2 GB after a working day; looks like a leak in the websocket handler.",
        ("performance", "bug"),
        "Bug",
    ),
    # enterprise asks (decided against)
    (
        "SAML single sign-on",
        "Our IT department requires SAML SSO with Okta before we can roll out.",
        ("enterprise", "auth"),
        "Feature",
    ),
    (
        "SCIM user provisioning",
        "Provision and deprovision users automatically from Azure AD via SCIM.",
        ("enterprise",),
        "Feature",
    ),
    (
        "Audit log export for compliance",
        "We need a full audit log export for SOC 2.",
        ("enterprise", "compliance"),
        "Feature",
    ),
    (
        "On-premise installation",
        "Can Tandem run in our own data center?",
        ("enterprise",),
        "Feature",
    ),
    (
        "Custom data retention policies",
        "Legal needs to set retention per workspace.",
        ("enterprise", "compliance"),
        "Feature",
    ),
    (
        "Okta SSO support",
        "Please support Okta for single sign-on, it's blocking our purchase.",
        ("enterprise", "auth"),
        "Feature",
    ),
    (
        "IP allow-listing for workspaces",
        "Restrict access to our office IP ranges.",
        ("enterprise", "security"),
        "Feature",
    ),
    (
        "Role-based permissions with custom roles",
        "We need 6 custom roles for our departments.",
        ("enterprise", "permissions"),
        "Feature",
    ),
    # features, mixed
    ("Dark mode", "Everyone asks for it.", ("ux",), "Feature"),
    (
        "Due dates on cards with reminders",
        "Set a due date and get a reminder the day before.",
        ("cards",),
        "Feature",
    ),
    ("Recurring cards", "Weekly chores should reappear automatically.", ("cards",), "Feature"),
    (
        "Keyboard shortcuts for moving cards",
        "Power users want j/k and move with keys.",
        ("ux", "accessibility"),
        "Feature",
    ),
    (
        "Screen reader cannot reach the add-card button",
        "Accessibility blocker for a customer.",
        ("accessibility", "bug"),
        "Bug",
    ),
    ("Export a board to CSV", "For reporting in spreadsheets.", ("export",), "Feature"),
    ("Calendar view of cards with due dates", "See the month at a glance.", ("views",), "Feature"),
    (
        "Gantt chart view",
        "Project managers ask for Gantt timelines with dependencies.",
        ("views",),
        "Feature",
    ),
    ("Card dependencies (blocked by)", "Mark a card as blocked by another.", ("cards",), "Feature"),
    (
        "Time tracking on cards",
        "Log hours per card for billing clients.",
        ("cards", "billing"),
        "Feature",
    ),
    ("Zapier integration", "Connect Tandem to 5,000 apps.", ("integrations",), "Feature"),
    (
        "GitHub integration links PRs to cards",
        "Show the PR status on the card.",
        ("integrations",),
        "Feature",
    ),
    ("Archive a whole column", "Clear the Done column in one click.", ("cards",), "Feature"),
    (
        "Emoji in board names breaks the sidebar",
        "Sidebar truncates wrongly with emoji.",
        ("bug", "ux"),
        "Bug",
    ),
    ("Card cover images", "Show an image on the card front.", ("cards", "ux"), None),
    ("Checklists inside cards", "Sub-tasks as a checklist.", ("cards",), "Feature"),
    (
        "Wrong timezone on due dates for users in Australia",
        "Dates shift by a day.",
        ("bug", "cards"),
        "Bug",
    ),
    (
        "Undo after deleting a card",
        "Accidental deletes are unrecoverable.",
        ("ux", "cards"),
        "Feature",
    ),
    ("Public API for cards", "We want to create cards from our own tools.", ("api",), "Feature"),
    (
        "Webhooks for board events",
        "Notify our service when a card moves.",
        ("api", "integrations"),
        "Feature",
    ),
    (
        "Offline mode for the mobile app",
        "Work on the train and sync later.",
        ("mobile",),
        "Feature",
    ),
    (
        "Custom fields on cards",
        "Add a 'customer' field and a 'priority' field.",
        ("cards",),
        "Feature",
    ),
    ("Print a board", "Print-friendly layout for the weekly meeting.", ("export",), None),
    (
        "Automations: move card when checklist is done",
        "Rules like Trello's Butler.",
        ("automation",),
        "Feature",
    ),
    ("Board background colours", "Let teams pick a colour per board.", ("ux",), None),
    (
        "Login page flashes unstyled content",
        "FOUC on the login page in Safari.",
        ("bug", "ux"),
        "Bug",
    ),
    (
        "Two-factor authentication",
        "Protect accounts with TOTP 2FA.",
        ("security", "auth"),
        "Feature",
    ),
    ("Password reset email takes 10 minutes", "Users give up waiting.", ("bug", "auth"), "Bug"),
    (
        "Workspace billing page shows wrong seat count",
        "Seats include deactivated users.",
        ("bug", "billing"),
        "Bug",
    ),
    ("Annual billing discount", "Offer 2 months free on yearly plans.", ("billing",), "Feature"),
    (
        "Invoice PDF missing VAT number",
        "EU customers need their VAT ID on invoices.",
        ("bug", "billing"),
        "Bug",
    ),
    (
        "Onboarding emails for the first week",
        "A short sequence: day 1 invite your team, day 3 share a board, day 5 try templates.",
        ("onboarding",),
        "Feature",
    ),
    (
        "Empty state of a new board is confusing",
        "New users do not see where to add a card.",
        ("onboarding", "ux"),
        None,
    ),
    (
        "Let invited users skip email verification",
        "They clicked a link we emailed them; asking again to verify is friction.",
        ("onboarding", "auth"),
        "Feature",
    ),
    (
        "Signup fails when the browser blocks third-party cookies",
        "Safari users cannot finish signup.",
        ("bug", "onboarding"),
        "Bug",
    ),
    (
        "Workspace switcher for people in several teams",
        "Consultants work in three workspaces.",
        ("collaboration",),
        "Feature",
    ),
    (
        "Resolve comment threads",
        "Mark a discussion as resolved to hide it.",
        ("collaboration",),
        "Feature",
    ),
    (
        "Edit history of card descriptions",
        "See who changed the description and when.",
        ("collaboration",),
        None,
    ),
    (
        "Share boards with people outside the workspace by email",
        "Invite an external collaborator to one board only.",
        ("sharing", "collaboration"),
        "Feature",
    ),
    (
        "Presence: show who is viewing the board",
        "Avatars of people currently on the board.",
        ("collaboration", "realtime"),
        "Feature",
    ),
    (
        "Board takes long to open after a deploy",
        "The first load after each release is very slow.",
        ("performance",),
        "Bug",
    ),
    (
        "API responses slow for workspaces with 10k cards",
        "List endpoints take 3 s.",
        ("performance", "api"),
        None,
    ),
    (
        "Image thumbnails are generated on every view",
        "Wasteful and slow; cache them.",
        ("performance", "attachments"),
        None,
    ),
    (
        "Crash when pasting a 5 MB text into a card",
        "The tab freezes then crashes.",
        ("bug",),
        "Bug",
    ),
    ("Card count in column header is off by one", "Shows 11 for 10 cards.", ("bug", "ux"), "Bug"),
    ("Filter board by assignee", "Show only my cards.", ("views",), "Feature"),
    ("Swimlanes by assignee", "Rows per person on the board.", ("views",), "Feature"),
    (
        "Data residency in the EU",
        "Our legal team requires EU-only hosting for a large contract.",
        ("enterprise", "compliance"),
        "Feature",
    ),
    (
        "Dedicated account manager",
        "Enterprise support contract with an SLA.",
        ("enterprise",),
        None,
    ),
    (
        "Mobile push notifications for mentions",
        "Get a push when someone mentions me.",
        ("mobile", "notifications"),
        "Feature",
    ),
    ("Quick add card from anywhere with a shortcut", "Press N to add a card.", ("ux",), "Feature"),
    ("Copy card link button", "One click to copy the card URL.", ("sharing", "ux"), None),
    ("Markdown preview in card descriptions", "Render markdown while typing.", ("cards",), None),
    (
        "Board-level permissions: who can edit",
        "Lock a board so only owners edit.",
        ("permissions",),
        "Feature",
    ),
    ("Card aging: fade cards untouched for 30 days", "Spot stale work.", ("ux",), None),
    (
        "Session expires too quickly on mobile",
        "Logged out daily.",
        ("bug", "auth", "mobile"),
        "Bug",
    ),
    ("Teams integration", "Post board updates to Microsoft Teams.", ("integrations",), "Feature"),
]

# duplicates: the same need in other words (title, body, labels, duplicate of index in _OPEN)
_DUPLICATES: list[tuple[str, str, tuple[str, ...], int]] = [
    (
        "Let me invite my team right after I sign up",
        "I made an account and then could not find where to add my coworkers.",
        ("onboarding",),
        1,
    ),
    ("SSO with SAML 2.0", "Enterprise requirement for our security team.", ("enterprise",), 35),
    (
        "Large boards are really slow",
        "Our board with ~600 cards freezes the browser.",
        ("performance",),
        28,
    ),
    (
        "Read-only public link for clients",
        "Share progress with a client who has no login.",
        ("sharing",),
        15,
    ),
    (
        "Notify me when someone mentions me",
        "I miss comments addressed to me.",
        ("notifications",),
        16,
    ),
    ("Dark theme please", "My eyes hurt at night.", ("ux",), 43),
    (
        "Templates when creating a board",
        "Start from a template instead of empty.",
        ("onboarding",),
        3,
    ),
    (
        "Comments need a refresh to appear",
        "New comments are not pushed to other viewers.",
        ("bug",),
        17,
    ),
    (
        "Invite emails going to junk",
        "Our team at an Outlook shop never got the invite.",
        ("bug",),
        2,
    ),
    ("Support Azure AD provisioning", "Automatic user sync from Azure AD.", ("enterprise",), 36),
]

# stale requests: old, quiet, niche
_STALE: list[tuple[str, str, tuple[str, ...]]] = [
    ("Support for Windows Phone", "Is there an app for Windows Phone?", ("mobile",)),
    ("Fax notifications", "Our office still uses fax for approvals.", ("notifications",)),
    ("Board themes based on seasons", "Snow in December would be fun.", ("ux",)),
    ("XML export", "Export boards to XML for our legacy system.", ("export",)),
    ("Integration with Lotus Notes", "We still run Notes.", ("integrations",)),
    ("Animated card transitions", "Make cards bounce when moved.", ("ux",)),
    ("Support IE11", "Some of our users are on Internet Explorer 11.", ("bug",)),
    ("RSS feed of board changes", "Follow boards in an RSS reader.", ("notifications",)),
    ("Cards shaped like sticky notes", "Skeuomorphic option.", ("ux",)),
    ("MIDI sounds when a card is done", "A little celebration sound.", ("ux",)),
    ("BlackBerry app", "Please build a BlackBerry client.", ("mobile",)),
    ("Import from Lotus 1-2-3 spreadsheets", "Legacy data.", ("import",)),
]

# closed work: what the team finished (throughput, flow insight)
_CLOSED: list[tuple[str, tuple[str, ...], str | None]] = [
    ("Faster first paint on the board page", ("performance",), "completed"),
    ("Invite teammates by email", ("onboarding", "collaboration"), "completed"),
    ("Comment on cards", ("collaboration",), "completed"),
    ("Board sharing with teammates", ("collaboration", "sharing"), "completed"),
    ("Card labels and colours", ("cards",), "completed"),
    ("Signup with email and password", ("onboarding",), "completed"),
    ("Fix crash when dragging the last card", ("bug",), "completed"),
    ("Mobile web layout", ("mobile",), "completed"),
    ("Search cards by title", ("search",), "completed"),
    ("Websocket reconnect after sleep", ("realtime", "bug"), "completed"),
    ("Attachments on cards", ("attachments",), "completed"),
    ("Email notifications for assignments", ("notifications",), "completed"),
    ("LDAP directory sync", ("enterprise",), "not_planned"),
    ("Self-hosted version", ("enterprise",), "not_planned"),
    ("Welcome email after signup", ("onboarding",), "completed"),
    ("Lazy-load card history", ("performance",), "completed"),
    ("Board archive", ("cards",), "completed"),
    ("Copy a board", ("cards",), "completed"),
    ("Fix double notifications", ("bug", "notifications"), "completed"),
    ("Faster card search index", ("performance", "search"), "completed"),
    ("Keyboard shortcut to add a card", ("ux",), "completed"),
    ("Custom SAML attributes", ("enterprise", "auth"), "not_planned"),
    ("Drag cards between boards", ("cards",), "completed"),
    ("Fix invite acceptance on Safari", ("bug", "onboarding"), "completed"),
]

_PULLS: list[str] = [
    "Render only visible cards on large boards",
    "Extend invite link lifetime to 7 days",
    "Add read-only share links",
    "Bump websocket library",
    "Fix plus-addressed emails in signup validation",
    "Add @mention parsing to comments",
    "Refactor notification fan-out",
    "CI: cache dependencies",
    "Add starter templates",
    "Fix timezone handling of due dates",
    "Upgrade React",
    "Add magic-link sign in behind a flag",
    "Docs: contributing guide",
    "Fix memory leak in board websocket handler",
    "Lint fixes",
]

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
        records.append(
            dict(
                title=title,
                body=f"{body}\n\n_Reported by a customer on the **{rng.choice(['Team', 'Pro'])}** plan._",
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
