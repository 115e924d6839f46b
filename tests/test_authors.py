"""Who decided, and when (issue 15 item 3): a session decision records `[team] me`,
$TRIAGEWISE_USER or the OS user; a tracker edit records the label event's actor. `explain`
shows "decided by ana on 2026-12-02: …". And the reason typed in a session stays the reason,
also when a person had changed the issue's labels on the tracker before (it was replaced by
"set …, triage/never on the tracker"). Real HTTP against the sandbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo, rules_config
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.cli.triage import who_decides
from triagewise.model import Key
from triagewise.sandbox import DEMO_REPO, build_sandbox, jira_of
from triagewise.store.db import Store


def run(config: Path, *args: str, stdin: str | None = None, **env: str) -> Result:
    result = CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV | env, input=stdin, catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    return result


def test_who_decides_in_a_session() -> None:
    assert who_decides(rules_config('[team]\nme = "ana"'), {"TRIAGEWISE_USER": "ben"}) == "ana"
    assert who_decides(rules_config(), {"TRIAGEWISE_USER": "ben"}) == "ben"
    assert who_decides(rules_config(), {}) != ""  # the OS user


@pytest.mark.slow
def test_decisions_name_their_author_and_keep_their_reason(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    jira = jira_of(server)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    today = datetime.now(UTC).date().isoformat()
    with server:
        run(config, "sync")
        report = json.loads(run(config, "report", "--json").stdout)["issues"]
        first = next(i["ref"] for i in report if "needs detail" in i.get("flags", []))
        # a person changes the first queued issue's labels on the tracker; a pull sees it
        bucket = next(i["bucket"] for i in report if i["ref"] == first)
        moved = "triage/now" if bucket != "now" else "triage/later"  # a real change
        if first.startswith("PLAT-"):
            labels = [x for x in jira.items[first].labels if not x.startswith("triage/")]
            jira.edit(first, actor="carla", labels=[*labels, moved])
        else:
            number = int(first.rsplit("#", 1)[1])
            old = [x for x in app.repos[DEMO_REPO].items[number].labels if x.startswith("triage/")]
            app.label(DEMO_REPO, number, "carla", add=(moved,), remove=tuple(old))
        run(config, "pull")
        # then the PM decides it in a session, with a reason
        session = run(
            config,
            "triage",
            "--plain",
            stdin="never Duplicate of #153\nquit\n",
            TRIAGEWISE_USER="pm-lee",
        )
        assert session.stdout.startswith(f"{first}  ")  # the edited issue was decided
        # and a person edits another issue on the tracker
        other = next(
            n
            for n, i in sorted(app.repos[DEMO_REPO].items.items())
            if "triage/now" in i.labels and f"{DEMO_REPO}#{n}" != first
        )
        app.label(DEMO_REPO, other, "ana", add=("triage/never",), remove=("triage/now",))
        run(config, "sync")
        decided = run(config, "explain", first).stdout
        assert f"Never: decided by pm-lee on {today}: Duplicate of #153." in decided
        edited = run(config, "explain", f"{DEMO_REPO}#{other}").stdout
        assert f"Never: decided by ana on {today}: a person set goal/" in edited
        assert "triage/never on the tracker." in edited
        reasons = {
            i["ref"]: i["reasons"]
            for i in json.loads(run(config, "report", "--json").stdout)["issues"]
        }
        assert reasons[first][0] == f"Never: decided by pm-lee on {today}: Duplicate of #153."
        cards = run(config, "triage", "--plain", stdin="skip\n" * 60 + "quit\n").stdout
        assert "ana changed its labels on the tracker" in cards
        assert f"Never: decided by ana on {today}" in cards
    with Store.open(config.parent / ".triagewise" / "triagewise.db") as store:
        decisions = store.decisions()
        source = "platform" if first.startswith("PLAT-") else "app"
        mine = decisions[Key(source, first)]
        assert (mine.reason, mine.origin, mine.author) == ("Duplicate of #153", "triage", "pm-lee")
        assert decisions[Key("app", f"{DEMO_REPO}#{other}")].author == "ana"
