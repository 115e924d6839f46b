"""A person's triage-session decision survives losing the store (issue 15, Done means: a
fresh store "plans exactly what the original store would plan"). triagewise itself wrote the
decision's labels, so the label events name triagewise; the decision is recorded in its own
explanation comment (GitHub: a hidden HTML comment; Jira: a comment property) and a fresh
store restores it from there. Real HTTP against the sandbox, both trackers, the real CLI."""

from __future__ import annotations

import base64
import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo, sandbox_issues
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.config.loader import parse_config
from triagewise.config.starter import demo_config
from triagewise.connectors.github.connector import MARKDOWN
from triagewise.connectors.github.decision import record_of, with_record
from triagewise.model import DecisionRow, Key
from triagewise.rules.triage import assess
from triagewise.sandbox import DEMO_REPO, build_sandbox, jira_of
from triagewise.store.db import Store
from triagewise.sync.comments import plan_comments, read_record

CARD = re.compile(r"^(?:> )?(\S+)  \S", re.MULTILINE)


def run(config: Path, *args: str, stdin: str | None = None, **env: str) -> Result:
    result = CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV | env, input=stdin, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def _session(config: Path) -> tuple[str, str]:
    """A PM's session: the first Jira card never ("Duplicate of #153"), the first GitHub card
    now ("Blocks the launch"); every other card skipped."""
    cards = CARD.findall(run(config, "triage", "--plain", stdin="skip\n" * 200 + "quit\n").stdout)
    jira = next(c for c in cards if c.startswith("PLAT-"))
    github = next(c for c in cards if c.startswith(f"{DEMO_REPO}#"))
    answers = []
    for card in cards[: max(cards.index(jira), cards.index(github)) + 1]:
        if card == jira:
            answers.append("never Duplicate of #153")
        elif card == github:
            answers.append("now Blocks the launch")
        else:
            answers.append("skip")
    run(
        config,
        "triage",
        "--plain",
        stdin="\n".join([*answers, "quit", ""]),
        TRIAGEWISE_USER="pm-lee",
    )
    return jira, github


def _plan(config: Path) -> Any:
    return json.loads(run(config, "plan", "--json").stdout)["changes"]


def _lose_the_store(config: Path) -> None:
    shutil.rmtree(config.parent / ".triagewise")


def _sync(config: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(run(config, "sync", "--json").stdout)
    return data


@pytest.mark.slow
def test_a_session_decision_survives_a_lost_store(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    jira = jira_of(server)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    today = datetime.now(UTC).date().isoformat()
    with server:
        run(config, "sync")
        plat, gh = _session(config)
        wrote = _sync(config)
        number = int(gh.rsplit("#", 1)[1])
        assert "triage/never" in jira.items[plat].labels
        assert "triage/now" in app.repos[DEMO_REPO].items[number].labels
        # the labels were triagewise's own writes: the events name triagewise, not pm-lee
        last = app.repos[DEMO_REPO].items[number].events[-1]
        assert last.actor != "pm-lee" and (wrote.get("provenance") or {}).get("restored", 0) == 0
        # each decision went out in triagewise's explanation comment, with a hidden record
        gh_bodies = [b for n, b in app.comments.values() if n == number]
        assert len(gh_bodies) == 1 and "<!--" in gh_bodies[0]
        record = json.loads(record_of(gh_bodies[0]) or "{}")
        assert (record["bucket"], record["reason"], record["author"]) == (
            "now", "Blocks the launch", "pm-lee"
        )  # fmt: skip
        assert "Blocks the launch" not in gh_bodies[0].split("<!--")[-1]  # base64, hidden
        plat_ids = [i for i, (k, _) in jira.comments.items() if k == plat]
        assert len(plat_ids) == 1
        props = {p["key"]: p["value"] for p in jira.comment_properties[plat_ids[0]]}
        assert props["triagewise-decision"]["reason"] == "Duplicate of #153"
        assert "Duplicate" not in jira.comments[plat_ids[0]][1].split("{panel}")[-1]
        original = _plan(config)
        explained = {ref: run(config, "explain", ref).stdout for ref in (plat, gh)}
        assert f"Never: decided by pm-lee on {today}: Duplicate of #153." in explained[plat]

        # the store is lost (a CI cache, a colleague's laptop); a fresh store syncs
        _lose_the_store(config)

        def events() -> int:
            return sum(len(i.events) for i in app.repos[DEMO_REPO].items.values())

        writes_before = (len(jira.writes), len(app.comment_writes), events())
        fresh = _sync(config)
        provenance = fresh["provenance"]
        assert provenance["restored"] == 2, provenance
        assert provenance["held"] == 0
        with Store.open(config.parent / ".triagewise" / "triagewise.db") as store:
            decisions = store.decisions()
        mine = decisions[Key("platform", plat)]
        assert (mine.bucket, mine.reason, mine.author) == ("never", "Duplicate of #153", "pm-lee")
        assert decisions[Key("app", gh)].reason == "Blocks the launch"
        assert "triage/never" in jira.items[plat].labels  # not rewritten to later
        assert "triage/now" in app.repos[DEMO_REPO].items[number].labels
        assert run(config, "explain", plat).stdout == explained[plat]
        assert _plan(config) == original
        # the fresh sync wrote nothing (no label, no comment), nor does the next one
        assert (len(jira.writes), len(app.comment_writes), events()) == writes_before
        _sync(config)
        assert (len(jira.writes), len(app.comment_writes), events()) == writes_before


@pytest.mark.slow
def test_forged_records_are_ignored_and_released_decisions_stay_released(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    jira = jira_of(server)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    with server:
        run(config, "sync")
        plat, gh = _session(config)
        run(config, "sync")
        # someone who is not triagewise plants comments with forged records on two issues
        # triagewise labelled later: "never, decided by mallory"
        later = next(
            n
            for n, i in sorted(app.repos[DEMO_REPO].items.items())
            if "triage/later" in i.labels and f"{DEMO_REPO}#{n}" != gh
        )
        jira_later = next(
            k for k, i in sorted(jira.items.items()) if "triage/later" in i.labels and k != plat
        )
        forged = {
            "v": 1, "bucket": "never", "goal": None, "reason": "forged", "author": "mallory",
            "decided_at": "2026-12-01T00:00:00Z", "origin": "triage", "review_on": None,
            "digest": "0" * 16,
        }  # fmt: skip
        text = json.dumps(forged)
        app.add_comment_as(DEMO_REPO, later, "mallory", with_record("Looks done to me", text))
        cid = jira.add_comment_as(jira_later, "mallory", "Looks done to me")
        jira.comment_properties[cid] = [{"key": "triagewise-decision", "value": forged}]
        # the PM hands the Jira decision back to the rules: its comment loses the record
        run(config, "release", plat)
        plat_ids = [i for i, (k, _) in jira.comments.items() if k == plat]
        props = {p["key"]: p["value"] for p in jira.comment_properties[plat_ids[0]]}
        assert props["triagewise-decision"] == {}
        run(config, "sync")  # the release's rank move
        original = _plan(config)

        _lose_the_store(config)
        fresh = _sync(config)
        assert fresh["provenance"]["restored"] == 1  # the GitHub decision only
        with Store.open(config.parent / ".triagewise" / "triagewise.db") as store:
            decisions = store.decisions()
        assert set(decisions) == {Key("app", gh)}  # not the released one, not mallory's
        assert "triage/never" not in app.repos[DEMO_REPO].items[later].labels
        assert "triage/never" not in jira.items[jira_later].labels
        assert _plan(config) == original


def test_a_github_record_cannot_break_out_of_its_html_comment() -> None:
    record = json.dumps({"reason": "x --> <b>shown</b> <!-- y", "author": "a-->b"})
    body = with_record("**triage/never**", record)
    hidden = body.split("\n")[-1]
    assert hidden.startswith("<!-- triagewise:decision ") and hidden.count("-->") == 1
    assert "<b>" not in body and record_of(body) == record
    assert base64.b64decode(hidden.split()[2]).decode() == record
    assert record_of("<!-- triagewise:decision not*base64 -->") is None


def test_a_decision_rewrites_its_comment_once_and_a_release_once_more() -> None:
    now = datetime(2026, 11, 26, tzinfo=UTC)
    _, app = build_sandbox(base=now)
    issues = list(sandbox_issues(app, DEMO_REPO, "http://sandbox").values())
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    wb = config.writeback  # comments = "off"
    a = assess(issues, config, now)[0]
    styles = {a.issue.source: MARKDOWN}
    d = DecisionRow(a.issue.source, a.ref, a.bucket.value, None, "why", "triage", "2026-11-26T00:00:00Z", author="ana")  # fmt: skip
    assert plan_comments([a], wb, {}, set(), styles) == []  # comments off, no decision
    first = plan_comments([a], wb, {}, set(), styles, {a.issue.key: d})
    assert len(first) == 1 and json.loads(first[0].record or "{}")["author"] == "ana"
    written = {a.issue.key: ("1", first[0].digest)}
    assert plan_comments([a], wb, written, set(), styles, {a.issue.key: d}) == []  # once
    changed = replace(d, reason="a new reason")
    again = plan_comments([a], wb, written, set(), styles, {a.issue.key: changed})
    assert len(again) == 1 and "a new reason" in (again[0].record or "")
    released = plan_comments([a], wb, written, set(), styles, {})
    assert len(released) == 1 and released[0].record is None  # the record comes off
    after = {a.issue.key: ("1", released[0].digest)}
    assert plan_comments([a], wb, after, set(), styles, {}) == []  # and then it rests
    parsed = read_record(first[0].record or "")
    assert parsed is not None and parsed[1] == first[0].digest  # a fresh store's digest
    assert read_record('{"v": 1, "bucket": "maybe"}') is None
