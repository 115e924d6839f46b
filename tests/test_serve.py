"""`triagewise serve`, the fast part: signatures and reading over the real payloads (compat for
GitHub, recorded Jira bodies under tests/data/jira_webhooks), the HTTP side in-process (401, 413
while streaming, 202 stored once, unknown repositories ignored), debounce and echo rules, and
the refusals at start. The end-to-end runs against the sandbox are in test_serve_e2e.py."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import MEMORY, TRACKERS, MemoryConnection, MemoryIssue, MemoryTracker
from serve_support import (
    GITHUB_SECRET,
    JIRA_DATA,
    JIRA_SECRET,
    REPO_ROOT,
    SECRETS_ENV,
    github_delivery,
    github_example,
    hub_signature,
    jira_delivery,
    jira_recorded,
)
from starlette.testclient import TestClient

from triagewise.cli import main
from triagewise.config import Config, parse_config
from triagewise.connectors import registry
from triagewise.connectors.github.webhook import GITHUB_WEBHOOK
from triagewise.connectors.jira.webhook import JIRA_WEBHOOK, projects_of
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError
from triagewise.serve.app import MAX_BODY, build_app
from triagewise.serve.worker import Worker, due_at, group_pending, is_echo
from triagewise.store import Location, Store
from triagewise.store.events import EventRow
from triagewise.sync.run import run_sync

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
CONFIG = """
[[sources]]
name = "hello"
type = "github"
repo = "Codertocat/Hello-World"

[[sources]]
name = "bb"
type = "jira"
url = "https://jira.test-example.ru/jira"
jql = "project = BBCOM"
"""


def lower(headers: dict[str, str]) -> dict[str, str]:
    return {k.lower(): v for k, v in headers.items()}


# -- signatures and reading ---------------------------------------------------------------


@pytest.mark.parametrize("event", ["issues", "issue_comment", "label", "ping", "projects_v2_item"])
def test_github_signatures_over_every_real_example(compat: Path, event: str) -> None:
    doc = json.loads((compat / "github" / "webhooks" / f"{event}.json").read_text())
    for example in doc["examples"]:
        raw, headers = github_delivery(example, event)
        h = lower(headers)
        assert GITHUB_WEBHOOK.signature_ok(h, raw, GITHUB_SECRET)
        assert not GITHUB_WEBHOOK.signature_ok(h, raw + b" ", GITHUB_SECRET)
        assert not GITHUB_WEBHOOK.signature_ok(h, raw, "another secret")
        assert not GITHUB_WEBHOOK.signature_ok({}, raw, GITHUB_SECRET)
        sha1 = {**h, "x-hub-signature-256": h["x-hub-signature-256"].replace("sha256=", "sha1=")}
        assert not GITHUB_WEBHOOK.signature_ok(sha1, raw, GITHUB_SECRET)


def test_github_reading_the_real_examples(compat: Path) -> None:
    def read(event: str, action: str | None) -> object:
        raw, headers = github_delivery(github_example(compat, event, action), event)
        return GITHUB_WEBHOOK.read(lower(headers), raw)

    opened = read("issues", "opened")
    assert opened.ref == "Codertocat/Hello-World#1"  # type: ignore[attr-defined]
    assert opened.action == "issues.opened"  # type: ignore[attr-defined]
    assert opened.scope == "codertocat/hello-world"  # type: ignore[attr-defined]
    assert opened.sender == "Codertocat"  # type: ignore[attr-defined]
    assert not opened.label_only and not opened.gone  # type: ignore[attr-defined]
    labeled = read("issues", "labeled")
    assert labeled.label_only and labeled.labels == ("bug",)  # type: ignore[attr-defined]
    assert read("issues", "transferred").gone  # type: ignore[attr-defined]
    assert read("issues", "deleted").gone  # type: ignore[attr-defined]
    assert read("issue_comment", "created").ref == "Codertocat/Hello-World#1"  # type: ignore[attr-defined]
    for event, action in [("label", "created"), ("ping", None), ("projects_v2_item", "edited")]:
        assert read(event, action).ref is None  # type: ignore[attr-defined]


def test_github_pull_request_comments_are_not_issues(compat: Path) -> None:
    body = github_example(compat, "issue_comment", "created")
    body["issue"]["pull_request"] = {"url": "https://api.github.com/repos/x/y/pulls/1"}
    raw, headers = github_delivery(body, "issue_comment")
    assert GITHUB_WEBHOOK.read(lower(headers), raw).ref is None


def test_github_without_a_delivery_id_is_not_read(compat: Path) -> None:
    raw, headers = github_delivery(github_example(compat, "issues", "opened"))
    h = lower(headers)
    del h["x-github-delivery"]
    with pytest.raises(ValueError):
        GITHUB_WEBHOOK.read(h, raw)


def test_jira_recorded_cloud_issue_updated() -> None:
    if not (JIRA_DATA / "hibernate-issue_updated.json").exists():
        pytest.skip("the Hibernate recording was removed (see its LICENSE note)")
    raw, headers = jira_delivery(jira_recorded("hibernate-issue_updated.json"))
    h = lower(headers)
    assert JIRA_WEBHOOK.signature_ok(h, raw, JIRA_SECRET)
    assert not JIRA_WEBHOOK.signature_ok(h, raw, GITHUB_SECRET)
    assert not JIRA_WEBHOOK.signature_ok({}, raw, JIRA_SECRET)
    event = JIRA_WEBHOOK.read(h, raw)
    assert event.delivery == headers["X-Atlassian-Webhook-Identifier"]
    assert (event.ref, event.action) == ("JIRATEST1-14", "jira:issue_updated")
    assert event.sender == "557058:18cf44bb-bc9b-4e8d-b1b7-882969ddc8e5"
    assert event.scope == "https://hibernate.atlassian.net JIRATEST1"
    # no identifier header (an older Data Center): named by timestamp, event and issue id
    del h["x-atlassian-webhook-identifier"]
    assert JIRA_WEBHOOK.read(h, raw).delivery == "1727087443918:jira:issue_updated:77256"


def test_jira_recorded_datacenter_issue_created() -> None:
    body = jira_recorded("jira-to-matrix-issue_created.json")
    raw, headers = jira_delivery(body)
    event = JIRA_WEBHOOK.read(lower(headers), raw)
    assert (event.ref, event.action, event.sender) == ("BBCOM-1398", "jira:issue_created", None)
    assert event.labels is None and not event.label_only  # no labels field; an Epic Link change
    config = parse_config(CONFIG, Path("triagewise.toml"))
    github, jira = config.sources
    assert JIRA_WEBHOOK.matches(jira, event) and not GITHUB_WEBHOOK.matches(github, event)
    other = jira.model_copy(update={"jql": "project in (PLAT, OPS)"})
    assert not JIRA_WEBHOOK.matches(other, event)
    # a labels-only change is an echo candidate
    body["webhookEvent"] = "jira:issue_updated"
    body["changelog"]["items"] = [{"field": "labels", "fromString": "", "toString": "triage/now"}]
    body["issue"]["fields"]["labels"] = ["triage/now"]
    raw, headers = jira_delivery(body)
    updated = JIRA_WEBHOOK.read(lower(headers), raw)
    assert updated.label_only and updated.labels == ("triage/now",)


def test_projects_named_by_a_jql() -> None:
    assert projects_of("project = PLAT AND labels != x") == {"PLAT"}
    assert projects_of('Project IN (plat, "OPS") ORDER BY rank') == {"PLAT", "OPS"}
    assert projects_of("assignee = currentUser()") == set()


# -- debounce and echoes -------------------------------------------------------------------


def row(ref: str, seconds: float, **fields: object) -> EventRow:
    base: dict[str, object] = {
        "kind": "github",
        "delivery": f"{ref}-{seconds}",
        "source": "hello",
        "ref": ref,
        "action": "issues.edited",
        "sender": "a-person",
        "labels": None,
        "label_only": False,
        "gone": False,
        "received_at": NOW + timedelta(seconds=seconds),
    }
    return EventRow(**(base | fields))  # type: ignore[arg-type]


def test_the_inbox_is_one_pass_due_after_its_quiet_period() -> None:
    groups = group_pending([row("a#1", 0), row("a#2", 0.5), row("a#1", 1.5)])
    assert [(g.key.ref, len(g.events)) for g in groups] == [("a#1", 2), ("a#2", 1)]
    assert due_at(groups, 2.0) == NOW + timedelta(seconds=3.5)
    # a#2 has been quiet for 2 s, but a#1 is still being edited: nothing is due before a#1
    # is quiet too (a pass now would rank on a#1's stale copy)
    assert due_at(groups[1:], 2.0) == NOW + timedelta(seconds=2.5)
    assert due_at(groups, 2.0) > due_at(groups[1:], 2.0)
    # a stream that never pauses is still re-triaged: at most two periods after its oldest event
    stream = group_pending([row(f"a#{s % 7}", s * 0.5) for s in range(120)])
    assert due_at(stream, 2.0) == NOW + timedelta(seconds=4)


def test_echoes_by_identity_or_by_labels_equal_to_the_shadow() -> None:
    owned = frozenset({"triage/now", "triage/later", "triage/never", "goal/speed"})
    mine = row("a#1", 0, sender="Triage-Bot")
    assert is_echo(mine, {"triage-bot"}, None, owned)
    assert is_echo(row("a#1", 0, sender="triage-bot[bot]"), {"triage-bot"}, None, owned)
    labels = row("a#1", 0, label_only=True, labels=("bug", "Triage/Now", "goal/speed"))
    assert is_echo(labels, set(), frozenset({"triage/now", "goal/speed"}), owned)
    assert not is_echo(labels, set(), frozenset({"triage/later"}), owned)  # a person moved it
    assert not is_echo(labels, set(), None, owned)  # never written: not ours
    edited = row("a#1", 0, labels=("triage/now",))  # not a label change: never an echo
    assert not is_echo(edited, set(), frozenset({"triage/now"}), owned)


# -- the HTTP side, in-process ------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, Path, list[str]]]:
    config = parse_config(CONFIG, tmp_path / "triagewise.toml")
    db = tmp_path / "tw.db"
    Store.open(db).close()
    lines: list[str] = []
    worker = Worker(db, config, SECRETS_ENV, RetryPolicy(), lines.append)  # never started
    app = build_app(db, config, SECRETS_ENV, worker, lines.append, lambda: NOW)
    with TestClient(app) as c:
        yield c, db, lines


def pending(db: Path) -> list[EventRow]:
    with Store.open(db) as store:
        return store.pending_events()


def test_stored_once_per_delivery_and_answered_202(
    client: tuple[TestClient, Path, list[str]], compat: Path
) -> None:
    c, db, lines = client
    raw, headers = github_delivery(github_example(compat, "issues", "opened"))
    first = c.post("/webhooks/github", content=raw, headers=headers)
    again = c.post("/webhooks/github", content=raw, headers=headers)
    assert (first.status_code, first.json()["status"]) == (202, "queued")
    assert (again.status_code, again.json()["status"]) == (202, "duplicate")
    [stored] = pending(db)
    assert (stored.kind, stored.source, stored.ref, stored.action) == (
        "github", "hello", "Codertocat/Hello-World#1", "issues.opened",
    )  # fmt: skip
    assert stored.delivery == headers["X-GitHub-Delivery"] and stored.received_at == NOW
    health = c.get("/healthz").json()
    assert (health["queue"], health["last"]) == (1, None)
    assert any("a replay; ignored" in line for line in lines)
    # never the body or the secret
    assert all(GITHUB_SECRET not in x and "Spelling error" not in x for x in lines)


def test_bad_or_missing_signature_is_401_and_nothing_is_stored(
    client: tuple[TestClient, Path, list[str]], compat: Path
) -> None:
    c, db, lines = client
    raw, headers = github_delivery(github_example(compat, "issues", "opened"), secret="wrong")
    assert c.post("/webhooks/github", content=raw, headers=headers).status_code == 401
    del headers["X-Hub-Signature-256"]
    assert c.post("/webhooks/github", content=raw, headers=headers).status_code == 401
    raw, headers = jira_delivery(jira_recorded("jira-to-matrix-issue_created.json"), "wrong")
    assert c.post("/webhooks/jira", content=raw, headers=headers).status_code == 401
    assert pending(db) == []
    assert lines.count("serve: github delivery refused: missing or bad signature") == 2


def test_unknown_repository_or_project_is_202_ignored_not_stored(
    client: tuple[TestClient, Path, list[str]], compat: Path
) -> None:
    c, db, lines = client
    body = github_example(compat, "issues", "opened")
    body["repository"]["full_name"] = "someone/else"
    raw, headers = github_delivery(body)
    answer = c.post("/webhooks/github", content=raw, headers=headers)
    assert (answer.status_code, answer.json()["status"]) == (202, "ignored")
    jira = jira_recorded("jira-to-matrix-issue_created.json")
    jira["issue"]["fields"]["project"]["key"] = "OTHER"
    raw, headers = jira_delivery(jira)
    assert c.post("/webhooks/jira", content=raw, headers=headers).json()["status"] == "ignored"
    ping_raw, ping_headers = github_delivery(github_example(compat, "ping", None), "ping")
    assert c.post("/webhooks/github", content=ping_raw, headers=ping_headers).status_code == 202
    assert pending(db) == []
    assert sum("not a repository or project in the config; ignored" in x for x in lines) == 2


def test_a_body_over_25_mb_is_413_while_it_streams(
    client: tuple[TestClient, Path, list[str]],
) -> None:
    c, db, _ = client

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit must hold mid-stream
        for _ in range(40):
            yield b"x" * (1024 * 1024)

    headers = {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "big"}
    answer = c.post("/webhooks/github", content=chunks(), headers=headers)
    assert answer.status_code == 413
    declared = {**headers, "Content-Length": str(MAX_BODY + 1)}
    assert c.post("/webhooks/github", content=b"{}", headers=declared).status_code == 413
    assert pending(db) == []


def test_a_missing_secret_stops_serve_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "triagewise.toml").write_text(CONFIG)
    env = {"TRIAGEWISE_GITHUB_WEBHOOK_SECRET": GITHUB_SECRET, "GITHUB_TOKEN": "t"}
    result = CliRunner().invoke(
        main, ["--config", str(tmp_path / "triagewise.toml"), "serve"], env=env
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: The environment variable TRIAGEWISE_JIRA_WEBHOOK_SECRET (named by "
        "serve.jira_secret_env) holds no webhook secret; set it to the secret of the jira "
        "webhook before 'serve'."
    ]
    with pytest.raises(ConfigError):
        config = parse_config(CONFIG, tmp_path / "triagewise.toml")
        worker = Worker(tmp_path / "db", config, {}, RetryPolicy(), print)
        build_app(tmp_path / "db", config, {}, worker, print)


def test_signature_helper_matches_the_documented_format() -> None:
    # GitHub's documented example: secret "It's a Secret to Everybody", body "Hello, World!"
    assert hub_signature("It's a Secret to Everybody", b"Hello, World!") == (
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    )


def test_the_inbox_on_both_backends(db: Location) -> None:
    """Stored once per delivery id, pending until finished, oldest first; on SQLite and on
    PostgreSQL (where the inbox's checkpoint pause does not apply)."""
    with Store.open(db) as store:
        store.as_inbox()
        first, later = row("a#1", 0), row("a#1", 1.5, labels=("triage/now",), label_only=True)
        assert store.record_event(later) and store.record_event(first)
        assert not store.record_event(first)  # a replay
        assert store.pending_events() == [first, later]
        assert store.count_pending_events() == 2 and store.last_event() is None
        store.finish_events([first], "labels unchanged", NOW)
        assert store.pending_events() == [later]
        assert store.last_event() == {
            "kind": "github",
            "delivery": first.delivery,
            "ref": "a#1",
            "outcome": "labels unchanged",
            "processed_at": "2026-12-01T12:00:00.000000Z",
        }


# -- the worker, over the in-memory connector ---------------------------------------------

MEMORY_CONFIG = """
[vision]
backend = "lexical"
themes = { onboarding = ["signup", "invite"] }

[[goals]]
id = "activation"
title = "Week-1 activation"
keywords = ["signup", "invite"]

[triage]
now_capacity = 2

[[sources]]
name = "mem"
type = "memory"
tracker = "serve-board"

[network]
write_interval = 0
"""


@pytest.fixture
def memory_world(tmp_path: Path) -> Iterator[tuple[MemoryTracker, Path, Config]]:
    registry.register(MEMORY)
    refs = [f"MEM-{n}" for n in range(1, 6)]
    tracker = MemoryTracker(
        {ref: MemoryIssue(f"Dark mode for screen {ref}") for ref in refs},
        order=list(refs),
        created_at=NOW - timedelta(days=20),
    )
    TRACKERS["serve-board"] = tracker
    try:
        config = parse_config(MEMORY_CONFIG, tmp_path / "triagewise.toml")
        db = tmp_path / "tw.db"
        with Store.open(db) as store:
            run_sync(store, config, {}, RetryPolicy(), now=lambda: NOW)
        yield tracker, db, config
    finally:
        TRACKERS.pop("serve-board", None)
        registry.unregister("memory")


def test_the_worker_fetches_once_per_issue_and_plans_through_run_apply(
    memory_world: tuple[MemoryTracker, Path, Config],
) -> None:
    tracker, db, config = memory_world
    tracker.issues["MEM-6"] = MemoryIssue("Invite teammates during signup", updated_at=NOW)
    lines: list[str] = []
    clock = [NOW]
    worker = Worker(db, config, {}, RetryPolicy(), lines.append, lambda: clock[0])
    with Store.open(db) as store:
        for k in range(3):  # three deliveries for the new issue: one fetch
            store.record_event(row("MEM-6", k * 0.1, kind="memory", source="mem", delivery=f"d{k}"))
        before = tracker.requests
        assert worker.step(store) == pytest.approx(2.2)  # not due before the quiet period
        assert tracker.requests == before and store.count_pending_events() == 3
        clock[0] = NOW + timedelta(seconds=2.3)
        assert worker.step(store) == 0
        assert tracker.requests == before + 1  # the one fetch; the writes are counted apart
        assert store.count_pending_events() == 0
        assert "triage/now" in tracker.issues["MEM-6"].labels
        # its echo by labels equal to the shadow: dropped without a request
        labels = tuple(tracker.issues["MEM-6"].labels)
        echo = row("MEM-6", 3, kind="memory", source="mem", delivery="e", label_only=True, labels=labels)  # fmt: skip
        store.record_event(echo)
        clock[0] = NOW + timedelta(seconds=6)
        worker.step(store)
        assert tracker.requests == before + 1
    if worker.conns is not None:
        worker.conns.close()
    assert sum("labels +" in x for x in lines) == 3
    assert lines[-1].endswith("echo of triagewise's own write; not fetched")


def test_an_issue_quiet_while_another_is_still_edited_waits_and_both_are_one_pass(
    memory_world: tuple[MemoryTracker, Path, Config],
) -> None:
    tracker, db, config = memory_world
    tracker.issues["MEM-6"] = MemoryIssue("Invite teammates during signup", updated_at=NOW)
    tracker.issues["MEM-7"] = MemoryIssue("Signup asks for the invite code", updated_at=NOW)
    lines: list[str] = []
    clock = [NOW]
    worker = Worker(db, config, {}, RetryPolicy(), lines.append, lambda: clock[0])
    memory = {"kind": "memory", "source": "mem"}
    with Store.open(db) as store:
        store.record_event(row("MEM-6", 0, delivery="a", **memory))
        for k, at in enumerate((0.5, 1.0, 1.5)):  # MEM-7 is still being edited
            store.record_event(row("MEM-7", at, delivery=f"b{k}", **memory))
        before = tracker.requests
        clock[0] = NOW + timedelta(seconds=2.3)  # MEM-6 has been quiet for 2.3 s; MEM-7 not
        assert worker.step(store) == pytest.approx(1.2)
        assert tracker.requests == before and store.count_pending_events() == 4
        clock[0] = NOW + timedelta(seconds=3.6)
        assert worker.step(store) == 0
        assert tracker.requests == before + 2  # one fetch each
        assert store.count_pending_events() == 0
    if worker.conns is not None:
        worker.conns.close()
    with sqlite3.connect(db) as conn:
        refs = conn.execute("SELECT plan, ref FROM journal WHERE kind = 'labels'").fetchall()
    plans = {p for p, ref in refs if ref in ("MEM-6", "MEM-7")}
    assert len(plans) == 1  # one plan wrote both: the backlog was ranked once, on both edits
    assert {ln.split()[3] for ln in lines if "labels +" in ln} == {"MEM-6", "MEM-7"}


def test_a_plan_past_the_change_share_writes_nothing_and_says_so(
    memory_world: tuple[MemoryTracker, Path, Config],
) -> None:
    tracker, db, config = memory_world
    strict = config.model_copy(
        update={"writeback": config.writeback.model_copy(update={"max_change_share": 0.0})}
    )
    for ref, item in tracker.issues.items():  # a person rewrites every issue: all move
        item.title, item.updated_at = f"Invite teammates during signup {ref}", NOW
    lines: list[str] = []
    worker = Worker(db, strict, {}, RetryPolicy(), lines.append, lambda: NOW + timedelta(seconds=9))
    writes = len(tracker.writes)
    with Store.open(db) as store:
        for ref in tracker.issues:
            store.record_event(row(ref, 0, kind="memory", source="mem", delivery=ref))
        assert worker.step(store) == 0
        assert store.count_pending_events() == 0  # not retried for ever
    if worker.conns is not None:
        worker.conns.close()
    assert len(tracker.writes) == writes
    assert lines and all("nothing written: Refusing to apply" in x for x in lines if "MEM-" in x), (
        lines
    )


def test_an_unexpected_fault_leaves_the_events_queued_and_the_worker_alive(
    memory_world: tuple[MemoryTracker, Path, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, db, config = memory_world

    def broken(self: object, ref: str) -> object:
        raise RuntimeError("the tracker's answer broke a parser")

    monkeypatch.setattr(MemoryConnection, "fetch_issue", broken)
    lines: list[str] = []
    worker = Worker(db, config, {}, RetryPolicy(), lines.append, lambda: NOW + timedelta(seconds=9))
    with Store.open(db) as store:
        store.record_event(row("MEM-1", 0, kind="memory", source="mem", delivery="x"))
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while worker.failures == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert worker.failures == 1
        assert worker._thread is not None and worker._thread.is_alive()
    finally:
        worker.stop()
    with Store.open(db) as store:
        assert store.count_pending_events() == 1
    assert lines == [
        "serve: the worker failed (RuntimeError: the tracker's answer broke a parser); the "
        "events stay queued and are tried again in 30 s."
    ]


@pytest.mark.slow
def test_the_serve_systemd_unit_verifies(tmp_path: Path) -> None:
    """`systemd-analyze verify` on examples/serve/triagewise-serve.service as shipped, its
    folders moved to a temporary one with the same layout; any word from it is a failure."""
    exe = shutil.which("systemd-analyze")
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing; .ci/run installs systemd")
        pytest.skip("no systemd-analyze here (apt-get install systemd)")
    home = tmp_path / "srv"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "triagewise").symlink_to(Path(sys.executable).parent / "triagewise")
    (home / "serve.env").write_text("")
    unit = REPO_ROOT / "examples" / "serve" / "triagewise-serve.service"
    text = unit.read_text(encoding="utf-8")
    assert "/srv/triagewise" in text and "/etc/triagewise/serve.env" in text
    text = text.replace("/etc/triagewise/serve.env", str(home / "serve.env"))
    (tmp_path / unit.name).write_text(text.replace("/srv/triagewise", str(home)))
    done = subprocess.run(
        [exe, "verify", str(tmp_path / unit.name)], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout + done.stderr) == (0, "")


def test_a_port_in_use_stops_serve_with_one_sentence(tmp_path: Path) -> None:
    (tmp_path / "triagewise.toml").write_text(CONFIG)
    env = {**SECRETS_ENV, "GITHUB_TOKEN": "t", "JIRA_API_TOKEN": "t"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(
            main,
            ["--config", str(tmp_path / "triagewise.toml"), "serve", "--port", str(port)],
            env=env,
        )
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: serve cannot listen on 127.0.0.1:{port} (Address already in use)."
    ]
