from __future__ import annotations

import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from triagewise.connectors.github.mapping import map_issue
from triagewise.errors import ExitCode, StoreError
from triagewise.model import Issue, Key
from triagewise.store import SCHEMA_VERSION, Location, Store
from triagewise.store.backend import connect
from triagewise.store.db import UpsertCounts

NOW = datetime(2026, 11, 26, tzinfo=UTC)


def payload(
    number: int, title: str = "t", updated: str = "2026-11-20T10:00:00Z"
) -> dict[str, object]:
    return {
        "id": 1000 + number,
        "number": number,
        "title": title,
        "state": "open",
        "labels": [{"name": "bug"}],
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": updated,
    }


def item(number: int, **kw: str) -> tuple[Issue, dict[str, object]]:
    raw = payload(number, **kw)
    return map_issue(raw, "app", "o/r"), raw


def test_new_store_is_current(db: Location) -> None:
    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert store.integrity_ok()
    with Store.open(db) as store:  # opened again: nothing to migrate, nothing lost
        assert store.schema_version == SCHEMA_VERSION


def test_new_sqlite_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / ".triagewise" / "triagewise.db"
    Store.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_upsert_counts_and_dedupes_by_tracker_id(db: Location) -> None:
    with Store.open(db) as store:
        counts = store.upsert_issues([item(1), item(2)], NOW)
        assert (counts.new, counts.changed, counts.unchanged) == (2, 0, 0)
        counts = store.upsert_issues(
            [item(1), item(2, title="renamed", updated="2026-11-21T00:00:00Z")], NOW
        )
        assert (counts.new, counts.changed, counts.unchanged) == (0, 1, 1)
        assert store.count_issues("app") == 2
        renamed = store.issue(Key("app", "o/r#2"))
        assert renamed is not None and renamed.title == "renamed"
        assert [i.ref for i in store.issues("app")] == ["o/r#1", "o/r#2"]


def test_one_tracker_id_twice_in_a_batch_counts_as_one_after_the_other(db: Location) -> None:
    with Store.open(db) as store:
        assert store.upsert_issues([], NOW) == UpsertCounts(0, 0, 0)
        twice = [item(1), item(1), item(1, title="renamed", updated="2026-11-21T00:00:00Z")]
        assert store.upsert_issues(twice, NOW) == UpsertCounts(new=1, changed=1, unchanged=1)
        stored = store.issue(Key("app", "o/r#1"))
        assert stored is not None and stored.title == "renamed"
        many = [item(n) for n in range(1, 1201)]  # past one read's 500 ids
        assert store.upsert_issues(many, NOW) == UpsertCounts(new=1199, changed=1, unchanged=0)
        assert store.upsert_issues(many, NOW) == UpsertCounts(new=0, changed=0, unchanged=1200)
        assert store.count_issues("app") == 1200


def test_remap_rederives_from_the_raw_payload(db: Location) -> None:
    with Store.open(db) as store:
        store.upsert_issues([item(1)], NOW)

        def shout(raw: dict[str, object]) -> Issue:
            issue = map_issue(raw, "app", "o/r")
            return issue.model_copy(update={"title": issue.title.upper()})

        assert store.remap("app", shout) == 1
        again = store.issue(Key("app", "o/r#1"))
        assert again is not None and again.title == "T"


def test_a_failed_transaction_leaves_nothing_half_written(db: Location) -> None:
    with Store.open(db) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.upsert_issues([item(1)], NOW)
            store.save_cursor("app", {"hwm": "x"}, NOW)
            raise RuntimeError("killed")
        assert store.count_issues("app") == 0
        assert store.cursor("app") is None


def test_runs_record_the_last_successful_pull(db: Location) -> None:
    with Store.open(db) as store:
        run = store.begin_run("pull", "app", NOW)
        store.finish_run(run, "failed", {}, NOW)
        assert store.last_pull("app") is None
        run = store.begin_run("pull", "app", NOW)
        store.finish_run(run, "ok", {"requests": 2}, NOW + timedelta(seconds=3))
        assert store.last_pull("app") == "2026-11-26T00:00:03Z"


def test_a_newer_schema_is_refused_and_left_alone(db: Location) -> None:
    with Store.open(db) as store:
        store._conn.set_schema_version(SCHEMA_VERSION + 5)
    with pytest.raises(StoreError) as info:
        Store.open(db)
    assert info.value.exit_code == ExitCode.USAGE
    assert "newer triagewise" in str(info.value)
    backend = connect(db)
    assert backend.schema_version() == SCHEMA_VERSION + 5
    backend.close()


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    path.write_text("hello, this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a usable triagewise database"):
        Store.open(path)


def test_cursor_roundtrip(db: Location) -> None:
    with Store.open(db) as store:
        state = {"hwm": "2026-11-20T10:00:00Z", "probe_etag": 'W/"x"'}
        store.save_cursor("app", state, NOW)
        assert store.cursor("app") == state
        raw = store._conn.execute("SELECT state FROM cursors").fetchone()[0]
        assert json.loads(raw) == state
