"""One identity, `(source, ref)`: two sources may hold the same ref string (one `owner/repo`
mirrored from two GitHub hosts) and nothing of one may leak into the other (issue 17 item 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from conftest import BASE, make_issue, rules_config
from triagewise.config.models import WritebackConfig
from triagewise.connectors.capabilities import CommentStyle
from triagewise.connectors.github.mapping import map_issue
from triagewise.model import Issue, Key
from triagewise.rules.draft import Bucket
from triagewise.rules.triage import Pin, assess
from triagewise.store import SCHEMA_VERSION, Location, Store
from triagewise.store.backend import connect
from triagewise.store.migrations import MIGRATIONS
from triagewise.sync.plan import CommentChange, LabelChange, PlanInputs, build_plan, find_conflicts

NOW = datetime(2026, 11, 26, tzinfo=UTC)
REF = "acme/app#7"
PUBLIC, ENTERPRISE = Key("public", REF), Key("enterprise", REF)
WB = WritebackConfig()
CONFIG = rules_config('[vision]\nthemes = { onboarding = ["invite"] }\n')


def twin(
    source: str, number: int = 7, title: str = "Invite people"
) -> tuple[Issue, dict[str, object]]:
    """The same `acme/app#7` on another host: another tracker id, another title."""
    raw: dict[str, object] = {
        "id": (1 if source == "public" else 2) * 1000 + number,
        "number": number,
        "title": f"{title} ({source})",
        "state": "open",
        "labels": [],
        "created_at": "2026-11-01T10:00:00Z",
        "updated_at": "2026-11-20T10:00:00Z",
    }
    return map_issue(raw, source, "acme/app"), raw


def test_two_sources_holding_one_ref_stay_apart(db: Location) -> None:
    with Store.open(db) as store:
        store.upsert_issues([twin("public"), twin("enterprise")], NOW)
        assert [i.source for i in store.find(REF)] == ["enterprise", "public"]
        public = store.issue(PUBLIC)
        assert public is not None and public.title.endswith("(public)")

        store.save_decision(PUBLIC, "now", "we do this", "triage", NOW)
        store.save_decision(ENTERPRISE, "never", "not for them", "label", NOW)
        decisions = store.decisions()
        assert (decisions[PUBLIC].bucket, decisions[ENTERPRISE].bucket) == ("now", "never")
        assert decisions[ENTERPRISE].origin == "label" and decisions[ENTERPRISE].key == ENTERPRISE
        store.delete_decision(PUBLIC)
        assert list(store.decisions()) == [ENTERPRISE]

        store.save_shadow(PUBLIC, ["triage/now"], NOW)
        store.save_shadow(ENTERPRISE, ["triage/never"], NOW)
        assert store.shadows() == {
            PUBLIC: frozenset({"triage/now"}),
            ENTERPRISE: frozenset({"triage/never"}),
        }
        assert store.shadows("public") == {PUBLIC: frozenset({"triage/now"})}

        store.save_comment(PUBLIC, "c-public", "d1")
        store.save_comment(ENTERPRISE, "c-enterprise", "d2")
        store.save_comment(PUBLIC, "c-public", "d3")
        assert store.comments() == {PUBLIC: ("c-public", "d3"), ENTERPRISE: ("c-enterprise", "d2")}

        store.save_board_scores("public", {REF: 1.5})
        store.set_board_score("enterprise", REF, 9.0)
        assert (store.board_scores("public"), store.board_scores("enterprise")) == (
            {REF: 1.5},
            {REF: 9.0},
        )

        store.set_labels(ENTERPRISE, ["triage/never"])
        after = {i.source: i.labels for i in store.find(REF)}
        assert after == {"public": (), "enterprise": ("triage/never",)}

        store.journal_open("p@1", [(PUBLIC, "labels", "{}"), (ENTERPRISE, "labels", "{}")], NOW)
        assert [(r.source, r.ref) for r in store.journal("p@1")] == [
            tuple(PUBLIC),
            tuple(ENTERPRISE),
        ]


def test_the_plan_keeps_one_sources_edit_from_holding_the_other() -> None:
    """A person's never on the enterprise host holds that issue only; the public twin is
    labelled and commented as if the other did not exist."""
    public = make_issue(7, source="public", title="Invite people")
    enterprise = make_issue(7, source="enterprise", title="Invite people", labels=("triage/never",))
    issues = [public, enterprise]
    shadows = {PUBLIC: frozenset(), ENTERPRISE: frozenset({"triage/now"})}
    conflicts = find_conflicts(issues, shadows, WB)
    assert [c.key for c in conflicts] == [ENTERPRISE]
    pins = {ENTERPRISE: Pin(Bucket.NEVER, "a person said so")}
    assessments = assess(issues, CONFIG, BASE, pins)
    assert {a.issue.key: a.bucket for a in assessments}[ENTERPRISE] is Bucket.NEVER
    style = CommentStyle("**{}**", "- ", "<!-- tw -->", "<!-- tw -->")
    plan = build_plan(
        PlanInputs(
            assessments,
            {i.key: i for i in issues},
            shadows,
            conflicts,
            WritebackConfig(comments="all"),
            comments={ENTERPRISE: ("c1", "old")},
            comment_styles={"public": style, "enterprise": style},
        )
    )
    labelled = [(c.source, c.ref) for c in plan.changes if isinstance(c, LabelChange)]
    commented = [(c.source, c.ref) for c in plan.changes if isinstance(c, CommentChange)]
    assert labelled == [tuple(PUBLIC)] and commented == [tuple(PUBLIC)]


def test_an_old_store_moves_to_one_identity(db: Location) -> None:
    """A schema-4 store keyed decisions and comments on the ref: the migration keeps its rows,
    each under the source the issues table holds its ref under. Built with the backend's own
    dialect, so the same migration runs on SQLite and on PostgreSQL."""
    conn = connect(db)
    conn.begin()
    for script in MIGRATIONS[:4]:
        for statement in script.split(";"):
            if statement.strip():
                conn.execute(conn.ddl(statement))
    conn.set_schema_version(4)
    conn.execute(
        "INSERT INTO issues VALUES ('enterprise', '2007', ?, '2026-11-20T10:00:00Z', ?, '{}', 'x')",
        (REF, twin("enterprise")[0].model_dump_json()),
    )
    conn.execute(
        "INSERT INTO decisions VALUES (?, 'stale', 'never', NULL, 'no', 'triage', 'x', NULL)",
        (REF,),
    )
    conn.execute(
        "INSERT INTO decisions VALUES ('gone#1', 'public', 'now', NULL, 'y', 'triage', 'x', NULL)"
    )
    conn.execute("INSERT INTO comments VALUES (?, 'stale', 'c9', 'd9')", (REF,))
    change = '{"kind": "labels", "ref": "acme/app#7", "source": "enterprise"}'
    conn.execute(
        "INSERT INTO journal (plan, seq, ref, kind, change, state, updated_at)"
        " VALUES ('p@1', 0, ?, 'labels', ?, 'done', 'x')",
        (REF, change),
    )
    conn.commit()
    conn.close()
    with Store.open(db) as store:
        assert store.schema_version == SCHEMA_VERSION
        assert set(store.decisions()) == {ENTERPRISE, Key("public", "gone#1")}
        assert store.comments() == {ENTERPRISE: ("c9", "d9")}
        assert [r.source for r in store.journal("p@1")] == ["enterprise"]
        store.save_decision(PUBLIC, "now", "both may be decided now", "triage", NOW)
        assert store.decisions()[ENTERPRISE].bucket == "never"
        assert store.integrity_ok()


def test_a_session_decides_two_issues_with_one_ref_apart(db: Location) -> None:
    from triagewise.session import DecisionQueue, Item, Session

    issues = [make_issue(7, source=s, title="Invite people") for s in ("public", "enterprise")]
    assessments = assess(issues, CONFIG, BASE)
    queue = [Item(a, "new") for a in sorted(assessments, key=lambda a: a.issue.source)]
    state = DecisionQueue(CONFIG, queue, assessments, BASE)
    first = state.decide(Bucket.NOW)
    second = state.decide(Bucket.NEVER, "not for them")
    assert (first.key, second.key) == (ENTERPRISE, PUBLIC)
    assert set(state.known) == {PUBLIC, ENTERPRISE}
    message, undo = state.undo() or ("", None)
    assert undo is not None and undo.key == PUBLIC and undo.before is None
    assert set(state.known) == {ENTERPRISE} and message == f"decision on {REF} undone"

    with Store.open(db) as store:
        session = Session(store, CONFIG, queue, assessments, BASE)
        session.decide(Bucket.LATER)
        session.decide(Bucket.NOW)
        assert {k: d.bucket for k, d in store.decisions().items()} == {
            ENTERPRISE: "later",
            PUBLIC: "now",
        }
        session.undo()
        assert list(store.decisions()) == [ENTERPRISE]
