"""The newer tables on both backends: a decision's author and log, each sync's placements with
its now line, and serve's webhook inbox (stored once per delivery, pending until processed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triagewise.model import Key
from triagewise.store import Location, Store
from triagewise.store.db import EventRow

NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
ANA = Key("app", "acme/app#7")


def test_decisions_keep_their_author_and_every_change_is_logged(db: Location) -> None:
    with Store.open(db) as store:
        store.save_decision(ANA, "never", "Duplicate of #153", "triage", NOW, author="ana")
        store.save_decision(ANA, "later", "not a duplicate after all", "triage", NOW, author="bo")
        assert store.decisions()[ANA].author == "bo"
        store.delete_decision(ANA, NOW + timedelta(minutes=1), author="ana")
        assert store.decisions() == {}
        log = store.decision_log(ANA)
        assert [(e[0], e[1], e[5]) for e in log] == [  # action, bucket, author
            ("decided", "never", "ana"),
            ("decided", "later", "bo"),
            ("released", None, "ana"),
        ]


def test_each_sync_places_its_issues_under_its_own_snapshot(db: Location) -> None:
    with Store.open(db) as store:
        for n, bucket in enumerate(("later", "now")):
            store.save_snapshot(
                {ANA.ref: bucket},
                NOW + timedelta(days=n),
                [(ANA, bucket, 3 - n, f"sync {n}")],
                now_line=10 + n,
            )
        placed = store.placements(ANA)
        assert [(p.bucket, p.rank, p.reason, p.now_line) for p in placed] == [
            ("later", 3, "sync 0", 10),
            ("now", 2, "sync 1", 11),
        ]
        assert [b for _, b in store.snapshots()] == [{ANA.ref: "later"}, {ANA.ref: "now"}]


def test_a_delivery_is_stored_once_and_pending_until_processed(db: Location) -> None:
    event = EventRow(
        "github", "d-1", "app", ANA.ref, "issues.labeled", "ana", ("bug",), True, False, NOW
    )
    with Store.open(db) as store:
        store.as_inbox()
        assert store.record_event(event) is True
        assert store.record_event(event) is False  # a replay changes nothing
        assert store.pending_events() == [event] and store.count_pending_events() == 1
        store.finish_events([event], "re-triaged", NOW + timedelta(seconds=5))
        assert store.pending_events() == []
        last = store.last_event()
        assert last is not None and (last["delivery"], last["outcome"]) == ("d-1", "re-triaged")
