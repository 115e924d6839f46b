"""The triage session's logic, shared by the terminal UI and `--plain`: which issues need a
person, what is similar to them, and a pure state machine of decisions. Pure: no store, no
clock (`session/saved.py` saves each decision the moment it is made)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from triagewise.config.models import Config
from triagewise.model import DecisionRow, Key
from triagewise.rules.draft import DUPLICATE_OF
from triagewise.rules.text import stems
from triagewise.rules.triage import NEEDS_DETAIL, Assessment, Bucket
from triagewise.safe import terminal
from triagewise.words import counted

CLOSE_CALL = 5.0  # score points either side of the now line
NEW_DAYS = 14  # without an earlier session, "new" means filed in the last two weeks
ORIGIN = "triage"
SNOOZE = "snooze"  # a decision without a bucket: out of the queue until its `review_on`
BODY_LINES = 12  # the body lines a card shows before "more"


@dataclass(frozen=True)
class Item:
    assessment: Assessment
    why: str


def build_queue(
    assessments: Sequence[Assessment],
    decisions: Mapping[Key, DecisionRow],
    now: datetime,
    last_session: datetime | None,
) -> list[Item]:
    """Issues that say too little to judge first (a person asks the reporter), then
    human-edited labels, never-decisions due for review, new issues, close calls."""
    out: dict[str, Item] = {}
    since = last_session or now - timedelta(days=NEW_DAYS)
    for a in assessments:
        if a.issue.key not in decisions and NEEDS_DETAIL in a.flags:
            out.setdefault(a.ref, Item(a, "it needs detail: ask the reporter before deciding"))
    for a in assessments:
        d = decisions.get(a.issue.key)
        if d and d.origin == "label":
            by = f"{d.author} changed" if d.author else "a person changed"
            out.setdefault(a.ref, Item(a, f"{by} its labels on the tracker ({d.reason})"))
    for a in assessments:
        d = decisions.get(a.issue.key)
        review = d.review_on if d else None
        if d and d.bucket == "never" and review and review <= now.date().isoformat():
            out.setdefault(a.ref, Item(a, f"decided never; its review date {review} has come"))
        elif d and d.origin == SNOOZE and review and review <= now.date().isoformat():
            out.setdefault(a.ref, Item(a, f"snoozed until {review}; that day has come"))
    for a in assessments:
        if a.issue.key not in decisions and a.issue.created_at >= since:
            out.setdefault(a.ref, Item(a, "new since the last triage session"))
    for a in assessments:
        if (
            a.issue.key not in decisions
            and a.margin is not None
            and abs(a.margin) <= CLOSE_CALL
            and a.rule in ("capacity", "below-line")
        ):
            side = "just inside" if a.margin >= 0 else "just outside"
            out.setdefault(
                a.ref, Item(a, f"a close call: {side} now (score {a.margin:+.1f} from the line)")
            )
    return list(out.values())


def similar(
    a: Assessment, others: Sequence[Assessment], limit: int = 3, floor: float = 0.3
) -> list[tuple[Assessment, float]]:
    """Likely duplicates by the words of title and body (Jaccard over word stems)."""

    def words(x: Assessment) -> set[str]:
        return {s for s in stems(f"{x.issue.title} {x.issue.title} {x.issue.body}") if len(s) > 2}

    mine = words(a)
    scored = []
    for other in others:
        if other.ref == a.ref or not mine:
            continue
        theirs = words(other)
        overlap = len(mine & theirs) / len(mine | theirs) if theirs else 0.0
        if overlap >= floor or other.ref in a.duplicate_of or other.ref in a.duplicated_by:
            scored.append(
                (other, max(overlap, 1.0 if other.ref in a.duplicate_of + a.duplicated_by else 0.0))
            )
    scored.sort(key=lambda p: (-p[1], p[0].ref))
    return scored[:limit]


@dataclass(frozen=True)
class Decision:
    """A person's decision on one issue, as the store keeps it (`(source, ref)` is its key)."""

    ref: str
    source: str
    bucket: str | None
    reason: str
    origin: str
    goal: str | None = None
    review_on: str | None = None
    author: str | None = None

    @property
    def key(self) -> Key:
        return Key(self.source, self.ref)

    @classmethod
    def from_row(cls, row: DecisionRow) -> Decision:
        return cls(
            row.ref, row.source, row.bucket, row.reason, row.origin, row.goal, row.review_on,
            row.author,
        )  # fmt: skip


@dataclass(frozen=True)
class Undo:
    """What undoing a decision asks of the store: restore `before`, or forget `key`'s."""

    key: Key
    before: Decision | None

    @property
    def ref(self) -> str:
        return self.key.ref


class Refused(ValueError):
    """A session command that cannot be done as asked (a ref that is not an open issue, a
    date in the past): its message is shown in the session, and nothing is recorded."""


def find_ref(text: str, here: Assessment, everything: Sequence[Assessment]) -> Assessment:
    """The open issue `text` names: `acme/app#12`, `APP-7` (any case), or `#12` in the
    current issue's repository; it must be another issue than `here`."""
    wanted = text.strip()
    if wanted.startswith("#") and "#" in here.ref:
        wanted = here.ref.split("#")[0] + wanted
    found = [a for a in everything if a.ref.lower() == wanted.lower()]
    if not wanted or not found:
        raise Refused(
            f"{text.strip() or 'an empty ref'} is not an open issue in the store (refs look "
            "like acme/app#12, #12 or APP-7); nothing recorded."
        )
    same = [a for a in found if a.issue.source == here.issue.source]
    target = (same or found)[0]
    if target.issue.key == here.issue.key:
        raise Refused(f"{here.ref} cannot be a duplicate of itself; nothing recorded.")
    return target


def snooze_date(text: str, now: datetime) -> date:
    """`2026-12-24`, `+7` / `7d` (days), or `+2w` (weeks): a day after today."""
    word = text.strip().lower().removeprefix("+")
    try:
        if word.endswith("w") and word[:-1].isdigit():
            day = now.date() + timedelta(weeks=int(word[:-1]))
        elif word.removesuffix("d").isdigit():
            day = now.date() + timedelta(days=int(word.removesuffix("d")))
        else:
            day = date.fromisoformat(word)
    except ValueError:
        raise Refused(
            f"{text.strip() or 'an empty date'} is not a date: give YYYY-MM-DD, +N days or "
            "+Nw weeks; nothing recorded."
        ) from None
    if day <= now.date():
        raise Refused(f"{day.isoformat()} is not after today; nothing recorded.")
    return day


@dataclass
class DecisionQueue:
    """The session as a pure state machine: walks the queue, returns each decision (and each
    undo) for the caller to save; `known` are the decisions made before and during it."""

    config: Config
    queue: list[Item]
    everything: list[Assessment]
    now: datetime
    known: dict[Key, Decision] = field(default_factory=dict)
    position: int = 0
    undo_stack: list[tuple[int, Key | None, Decision | None]] = field(default_factory=list)
    decided: int = 0
    author: str | None = None  # who decides in this session
    snoozed: set[Key] = field(default_factory=set)  # snoozes: out of the queue, not decisions

    @property
    def current(self) -> Item | None:
        return self.queue[self.position] if self.position < len(self.queue) else None

    def decide(self, bucket: Bucket, reason: str = "", goal: str | None = None) -> Decision:
        item = self.current
        assert item is not None, "the queue is empty"
        a = item.assessment
        review = (
            (self.now + timedelta(days=self.config.triage.never_review_days)).date().isoformat()
            if bucket is Bucket.NEVER
            else None
        )
        text = reason or f"decided in a triage session ({bucket.value})"
        chosen = goal if goal is not None else (a.goals[0].goal if a.goals else None)
        decision = Decision(
            a.ref, a.issue.source, bucket.value, text, ORIGIN, chosen, review, self.author
        )
        key = a.issue.key
        self.undo_stack.append((self.position, key, self.known.get(key)))
        self.known[key] = decision
        self.decided += 1
        self.position += 1
        return decision

    def duplicate(self, ref: str) -> Decision:
        """The current issue duplicates the open issue `ref`: never, "duplicate of REF". The
        rules read that reason as the link, and count this issue's demand for the original."""
        item = self.current
        assert item is not None, "the queue is empty"
        target = find_ref(ref, item.assessment, self.everything)
        return self.decide(Bucket.NEVER, f"{DUPLICATE_OF}{target.ref}")

    def snooze(self, until: str) -> Decision:
        """The current issue leaves the queue until `until`, when it comes back. A never that
        is due for review keeps its decision and is reviewed then instead."""
        item = self.current
        assert item is not None, "the queue is empty"
        day = snooze_date(until, self.now).isoformat()
        a = item.assessment
        key = a.issue.key
        before = self.known.get(key)
        if before is not None and before.bucket == Bucket.NEVER.value:
            decision = Decision(
                a.ref, a.issue.source, before.bucket, before.reason, before.origin, before.goal,
                day, before.author,
            )  # fmt: skip
        elif before is not None and before.origin != SNOOZE:
            raise Refused(
                f"{a.ref} carries a person's decision ({before.bucket}: {before.reason}); decide "
                "it again or skip it, a snooze would drop that decision. Nothing recorded."
            )
        else:
            decision = Decision(
                a.ref, a.issue.source, None, f"snoozed until {day}", SNOOZE, None, day, self.author
            )
        self.undo_stack.append((self.position, key, before))
        self.known[key] = decision
        self.snoozed.add(key)
        self.position += 1
        return decision

    def skip(self) -> None:
        self.undo_stack.append((self.position, None, None))
        self.position += 1

    def undo(self) -> tuple[str, Undo | None] | None:
        """The message to show and what the store must undo; None when nothing is left."""
        if not self.undo_stack:
            return None
        position, key, before = self.undo_stack.pop()
        self.position = position
        if key is None:
            return "skip undone", None
        if before is None:
            self.known.pop(key, None)
        else:
            self.known[key] = before
        what = "snooze of" if key in self.snoozed else "decision on"
        if key in self.snoozed:
            self.snoozed.discard(key)
        else:
            self.decided -= 1
        return f"{what} {key.ref} undone", Undo(key, before)


def card(item: Item, everything: Sequence[Assessment], config: Config) -> list[str]:
    """The lines the session shows for one issue (plain text; the UI adds colour)."""
    a = item.assessment
    s = a.signals
    goals = ", ".join(f"{g.goal} ({g.confidence:.2f})" for g in a.goals) or "none"
    facts = (
        f"{a.issue.source} · {a.issue.state} · {counted(s.upvotes, 'upvote')} · "
        f"{counted(s.comments, 'comment')} · {counted(round(s.age_days), 'day')} old"
    )
    lines = [
        f"{a.ref}  {a.issue.title}",
        f"why you: {item.why}",
        facts,
        f"suggested: {a.bucket.value.upper()} (rank {a.rank}, score {a.score.value:.1f}, alignment {a.alignment.score:.2f})",
        f"goals: {goals}",
        *[f"  - {r}" for r in a.reasons],
    ]
    twins = similar(a, everything)
    if twins:
        lines.append(
            "similar: " + "; ".join(f"{o.ref} {o.issue.title} ({score:.2f})" for o, score in twins)
        )
    return [terminal(line, one_line=True) for line in lines]


def body_lines(item: Item, limit: int | None = BODY_LINES) -> tuple[list[str], int]:
    """The issue's body as safe terminal lines (no escape sequence, no control character),
    the first `limit` of them (all: None), and how many more there are."""
    text = terminal(item.assessment.issue.body.replace("\r\n", "\n")).strip("\n")
    lines = [line.rstrip() for line in text.split("\n")] if text.strip() else ["(no description)"]
    if limit is None or len(lines) <= limit:
        return lines, 0
    return lines[:limit], len(lines) - limit
