"""Issue 17 item 6: anyone can post a comment carrying triagewise's marker. triagewise adopts
only a marked comment one of its identities wrote; a planted one is logged and left alone,
whether the token may edit other people's comments or not (before: adopted, or exit 3 on
every sync). Real HTTP against the sandbox, both trackers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.connectors.github.connector import MARKER
from triagewise.connectors.jira.connector import WIKI
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_REPO, build_sandbox, jira_of
from triagewise.sandbox.github import BOT_LOGIN

PLANTED = "Click here for a free upgrade"


@pytest.mark.slow
@pytest.mark.parametrize("may_edit_others", [True, False])
def test_a_planted_marker_comment_is_never_adopted(
    may_edit_others: bool, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server, app = build_sandbox(base=BASE)
    jira = jira_of(server)
    if not may_edit_others:
        app.cannot_edit_others.add(BOT_LOGIN)
        jira.cannot_edit_others.add(DEMO_JIRA_USER)
    number = next(
        n
        for n, i in sorted(app.repos[DEMO_REPO].items.items())
        if i.state == "open" and not i.is_pr
    )
    gh_planted = app.add_comment_as(DEMO_REPO, number, "mallory", f"{PLANTED} {MARKER}")
    jira_planted = jira.add_comment_as("PLAT-3", "mallory", f"{PLANTED} {WIKI.marker}")
    config = tmp_path / "triagewise.toml"
    config.write_text(
        lexical_demo(server.url).replace("[writeback]", '[writeback]\ncomments = "all"')
    )
    runner = CliRunner()
    with server:
        args = ["--config", str(config), "sync", "--json"]
        first = runner.invoke(main, args, env=ENV, catch_exceptions=False)
        assert first.exit_code == 0, first.output
        assert json.loads(first.stdout)["failed"] == []
        again = runner.invoke(main, args, env=ENV, catch_exceptions=False)
        assert again.exit_code == 0, again.output
    assert app.comments[gh_planted][1] == f"{PLANTED} {MARKER}"  # untouched
    assert jira.comments[jira_planted][1] == f"{PLANTED} {WIKI.marker}"
    ours = [
        cid
        for cid, (n, body) in app.comments.items()
        if n == number and app.comment_authors.get(cid) == BOT_LOGIN and MARKER in body
    ]
    assert len(ours) == 1  # its own comment, once, beside the planted one
    mine = [c for c, (k, _) in jira.comments.items() if k == "PLAT-3" and c != jira_planted]
    assert len(mine) == 1
    logged = [r.getMessage() for r in caplog.records if "ignored a comment on" in r.getMessage()]
    assert any("PLAT-3" in m and "Mallory" in m for m in logged)
    assert any(f"{DEMO_REPO}#{number}" in m and "mallory" in m for m in logged)


@pytest.mark.slow
def test_a_marked_comment_by_a_named_bot_login_is_triagewise_s_own(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    number = next(
        n
        for n, i in sorted(app.repos[DEMO_REPO].items.items())
        if i.state == "open" and not i.is_pr
    )
    old = app.add_comment_as(DEMO_REPO, number, "old-bot[bot]", f"an old explanation {MARKER}")
    config = tmp_path / "triagewise.toml"
    config.write_text(
        lexical_demo(server.url).replace(
            "[writeback]", '[writeback]\ncomments = "all"\nbot_logins = ["old-bot"]'
        )
    )
    with server:
        args = ["--config", str(config), "sync", "--json"]
        done = CliRunner().invoke(main, args, env=ENV, catch_exceptions=False)
        assert done.exit_code == 0, done.output
    assert app.comments[old][1] != f"an old explanation {MARKER}"  # adopted: edited in place
    marked = [c for c, (n, body) in app.comments.items() if n == number and MARKER in body]
    assert marked == [old]
