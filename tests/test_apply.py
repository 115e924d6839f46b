"""Apply, resume and the change codec against in-memory fakes of the connector Protocols: the
journal, the per-change error policy and resume-after-kill without a subprocess."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

import pytest
from helpers import FakeLabels, FakeRanker, FakeWriters

from conftest import BASE, make_issue
from triagewise.config.models import WritebackConfig
from triagewise.connectors.base import Capabilities
from triagewise.errors import CorruptJournalError, UnreachableError
from triagewise.model import Key
from triagewise.store import Location, Store
from triagewise.sync import changes as codec
from triagewise.sync.apply import HANDLERS, apply_plan, resume_plan
from triagewise.sync.changes import (
    CommentChange,
    LabelChange,
    ProjectMove,
    RankMove,
    ScoreChange,
)
from triagewise.sync.plan import Plan

WB = WritebackConfig().with_goals(("activation", "collaboration", "x"))  # the goals the tests use
ALL_KINDS = (
    LabelChange("acme/app#1", "app", ("triage/now", "goal/x"), ("triage/later",)),
    RankMove("acme/app#2", "app", ("acme/app#2", "acme/app#3"), "acme/app#1", "after"),
    ProjectMove("acme/app#3", "app", None, add=True),
    ProjectMove("acme/app#4", "app", "acme/app#3", add=False, move=False),
    CommentChange("acme/app#1", "app", "**triage/now**\n\nwhy", "d1"),
    ScoreChange("acme/app#1", "app", 7.5),
)


def clock():  # type: ignore[no-untyped-def]
    return BASE


@pytest.fixture
def store(db: Location):  # type: ignore[no-untyped-def]
    with Store.open(db) as s:
        s.upsert_issues(
            [(make_issue(n, labels=("bug", "triage/later")), {}) for n in range(1, 5)], BASE
        )
        yield s


def test_the_codec_round_trips_every_kind_and_keeps_the_checksum() -> None:
    assert set(codec.KINDS) == set(HANDLERS) == {c.kind for c in ALL_KINDS}
    for change in ALL_KINDS:
        assert codec.decode(change.kind, codec.encode(change)) == change
        assert change.as_json()["ref"] == change.ref
    plan = Plan(ALL_KINDS, ())
    back = Plan(tuple(codec.decode(c.kind, codec.encode(c)) for c in ALL_KINDS), ())
    assert back.checksum == plan.checksum
    # the checksum is over each change's fields in order: a reordered plan is another plan
    assert Plan(ALL_KINDS[::-1], ()).checksum != plan.checksum
    assert codec.counts(ALL_KINDS) == {"labels": 1, "moves": 3, "comments": 1, "scores": 1}
    assert asdict(ALL_KINDS[0])["kind"] == "labels"  # the tag is data: journal and checksum
    assert ALL_KINDS[3].as_json()["after"] == "(bottom)"


def test_apply_sends_each_kind_through_its_handler_and_journals_it(store: Store) -> None:
    fake = FakeWriters()
    plan = Plan(ALL_KINDS, ())
    result = apply_plan(
        store, plan, {"app": fake}, {Key("app", "acme/app#1"): "NODE1"}, WB, 0, clock
    )
    assert (result.sent, result.already_done, result.failed) == (len(ALL_KINDS), 0, [])
    assert fake.labels.sent == [("NODE1", ("triage/now", "goal/x"), ("triage/later",))]
    assert fake.ranker is not None and fake.ranker.sent[0][1:] == ("after", "acme/app#1")
    assert fake.board is not None
    assert fake.board.sent == [
        ("move", "acme/app#3", "(top)"),
        ("add", "acme/app#4"),
        ("score", "NODE1", "7.5"),
    ]
    # the mirror and the shadow learn what was written; only named labels moved
    issue = store.issue(Key("app", "acme/app#1"))
    assert issue is not None and issue.labels == ("bug", "triage/now", "goal/x")
    assert store.shadows("app")[Key("app", "acme/app#1")] == frozenset({"triage/now", "goal/x"})
    assert store.comments()[Key("app", "acme/app#1")] == ("c-acme/app#1", "d1")
    assert store.unfinished_plan() is None
    # the same plan again is a new journal (a person may have reverted the board since)
    again = apply_plan(store, plan, {"app": fake}, {}, WB, 0, lambda: BASE.replace(hour=1))
    assert again.sent == len(ALL_KINDS)


def test_a_refused_change_is_recorded_and_the_rest_still_goes(store: Store) -> None:
    fake = FakeWriters(ranker=FakeRanker(refuse={"acme/app#3"}))
    result = apply_plan(store, Plan(ALL_KINDS[:3], ()), {"app": fake}, {}, WB, 0, clock)
    assert result.failed == ["acme/app#2: Fake did not rank acme/app#3"]
    assert result.sent == 2
    assert fake.board is not None and fake.board.sent == [("move", "acme/app#3", "(top)")]


def test_pacing_sleeps_between_writes_only(store: Store) -> None:
    slept: list[float] = []
    apply_plan(
        store, Plan(ALL_KINDS[:3], ()), {"app": FakeWriters()}, {}, WB, 5.0, clock,
        sleep=slept.append,
    )  # fmt: skip
    assert len(slept) == 2 and all(0 < s <= 5.0 for s in slept)


def test_an_unreachable_tracker_stops_the_run_and_resume_asks_before_resending(
    store: Store,
) -> None:
    labels = LabelChange("acme/app#1", "app", ("triage/now",), ("triage/later",))
    plan = Plan((labels, ALL_KINDS[1]), ())
    down = FakeWriters(labels=FakeLabels(fail_with=UnreachableError("down")))
    with pytest.raises(UnreachableError):
        apply_plan(store, plan, {"app": down}, {}, WB, 0, clock)
    found = resume_plan(store)
    assert found is not None
    key, resumed = found
    assert resumed.checksum == plan.checksum and resumed.changes == plan.changes
    assert [row.state for row in store.journal(key)] == ["sending", "pending"]

    # the write had landed before the answer was lost: resume sees it and does not resend
    up = FakeWriters(labels=FakeLabels(have={"acme/app#1": {"bug", "triage/now"}}))
    result = apply_plan(store, resumed, {"app": up}, {}, WB, 0, clock, journal_key=key)
    assert up.labels.sent == [] and result.already_done == 1 and result.sent == 1
    issue = store.issue(Key("app", "acme/app#1"))
    assert issue is not None and set(issue.labels) == {"bug", "triage/now"}
    assert store.unfinished_plan() is None and resume_plan(store) is None


def test_a_journal_that_does_not_match_its_plan_is_refused(store: Store) -> None:
    store.journal_open(
        "0000000000000000@x",
        [(Key("app", "acme/app#1"), "labels", codec.encode(ALL_KINDS[0]))],
        BASE,
    )
    with pytest.raises(CorruptJournalError, match="does not match"):
        resume_plan(store)


def test_a_journal_row_of_an_unknown_kind_is_refused(store: Store) -> None:
    store.journal_open("abc@x", [(Key("app", "acme/app#1"), "teleport", "{}")], BASE)
    with pytest.raises(CorruptJournalError, match="cannot read"):
        resume_plan(store)


@dataclass
class FakeBatchLabels(FakeLabels):
    """A batching label writer: records each request's refs, refuses some issues per alias,
    and can fail a whole request (after it landed, like a lost answer)."""

    size: int = 3
    refuse: set[str] = field(default_factory=set)
    requests: list[list[str]] = field(default_factory=list)
    lose_answer: int = 0  # this many requests land, then their answer is lost

    @property
    def batch_size(self) -> int:
        return self.size

    def write_labels_batch(
        self,
        writes: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        note: object = None,
    ) -> list[str | None]:
        self.requests.append([ref for ref, *_ in writes])
        out: list[str | None] = []
        for ref, _target, add, remove in writes:
            if ref in self.refuse:
                out.append("refused alone")
                continue
            self.write_labels(ref, add, remove)
            out.append(None)
        if self.lose_answer:
            self.lose_answer -= 1
            raise UnreachableError("the answer was lost")
        return out


BATCHED = Capabilities(title="Fake", label_batch=3, write_interval=1.0)


def test_labels_go_in_batches_journaled_per_issue_and_resume_asks_first(store: Store) -> None:
    changes = tuple(
        LabelChange(f"acme/app#{n}", "app", ("triage/now",), ("triage/later",)) for n in range(1, 5)
    )
    plan = Plan((*changes, ALL_KINDS[1]), ())
    labels = FakeBatchLabels(lose_answer=1)
    fake = FakeWriters(labels=labels, capabilities=BATCHED)
    with pytest.raises(UnreachableError):
        apply_plan(store, plan, {"app": fake}, {}, WB, 0, clock)
    found = resume_plan(store)
    assert found is not None
    key, resumed = found
    # every issue of the batch was journaled "sending" before the request
    assert [row.state for row in store.journal(key)] == ["sending"] * 3 + ["pending"] * 2
    labels.refuse = {"acme/app#4"}
    slept: list[float] = []
    result = apply_plan(
        store, resumed, {"app": fake}, {}, WB, None, clock, journal_key=key, sleep=slept.append
    )
    # the three that landed are asked about, not re-sent; #4 goes alone and is refused alone
    assert labels.requests == [["acme/app#1", "acme/app#2", "acme/app#3"], ["acme/app#4"]]
    assert (result.already_done, result.sent) == (3, 1)
    assert result.failed == ["acme/app#4: refused alone"]
    assert [row.state for row in store.journal(key)] == ["done"] * 3 + ["failed", "done"]
    assert len(slept) == 1  # the tracker's own pacing (1 s between requests), per request
    assert store.shadows("app")[Key("app", "acme/app#2")] == frozenset({"triage/now"})


@dataclass
class FakeTaskLabels(FakeBatchLabels):
    """Writes run as tracker-side tasks (Jira bulk edit): each accepted task is noted, and a
    killed run's tasks can be polled afterwards."""

    tasks: dict[str, set[str]] = field(default_factory=dict)
    die_after_note: bool = False

    def write_labels_batch(  # type: ignore[override]
        self,
        writes: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        note: Callable[[list[str], str], None] | None = None,
    ) -> list[str | None]:
        self.requests.append([ref for ref, *_ in writes])
        task = f"t{len(self.tasks) + 1}"
        refs = [ref for ref, *_ in writes]
        for ref, _target, add, remove in writes:
            self.write_labels(ref, add, remove)
        self.tasks[task] = set(refs)  # the task runs on, whatever happens to us
        if note is not None:
            note(refs, task)
        if self.die_after_note:
            raise UnreachableError("killed while the task ran")
        return [None] * len(writes)

    def task_outcome(self, task: str) -> set[str] | None:
        return self.tasks.get(task)


def test_a_killed_run_polls_its_journaled_tasks_instead_of_resubmitting(store: Store) -> None:
    changes = tuple(LabelChange(f"acme/app#{n}", "app", ("triage/now",), ()) for n in (1, 2))
    plan = Plan(changes, ())
    labels = FakeTaskLabels(die_after_note=True)
    fake = FakeWriters(labels=labels, capabilities=BATCHED)
    with pytest.raises(UnreachableError):
        apply_plan(store, plan, {"app": fake}, {}, WB, 0, clock)
    found = resume_plan(store)
    assert found is not None
    key, resumed = found
    assert set(store.journal_details(key).values()) == {"task:t1"}
    labels.die_after_note = False
    labels.have.clear()  # a GET would say "not there": only the task's outcome can tell
    result = apply_plan(store, resumed, {"app": fake}, {}, WB, 0, clock, journal_key=key)
    assert (result.already_done, result.sent) == (2, 0)
    assert labels.requests == [["acme/app#1", "acme/app#2"]]  # never submitted again
    assert store.unfinished_plan() is None
