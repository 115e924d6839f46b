"""The digest (Markdown for Slack or e-mail) and the deck (pptx for leadership), on the demo."""

from __future__ import annotations

import re
import sys
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import sandbox_issues
from triagewise.cli import main
from triagewise.config import parse_config
from triagewise.config.models import Config
from triagewise.config.starter import demo_config
from triagewise.errors import ConfigError
from triagewise.report.deck import build_deck
from triagewise.report.digest import LIMIT, digest_markdown
from triagewise.report.flow import flow
from triagewise.report.markdown import one_line
from triagewise.report.views import Since, baseline, goal_views, tension
from triagewise.rules.triage import Assessment, Bucket, assess
from triagewise.sandbox import DEMO_REPO, build_sandbox

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture(scope="module")
def config() -> Config:
    return parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))


@pytest.fixture(scope="module")
def demo(config: Config) -> list[Assessment]:
    _, app = build_sandbox(base=NOW)
    return assess(list(sandbox_issues(app, DEMO_REPO, "http://sandbox").values()), config, NOW)


SNAPS = [
    (datetime(2026, 11, 2, 9, tzinfo=UTC), {"a#1": "later"}),
    (datetime(2026, 11, 9, 9, tzinfo=UTC), {"a#1": "now"}),
    (datetime(2026, 11, 16, 9, tzinfo=UTC), {"a#1": "never"}),
]


def test_the_baseline_is_a_sync_number_a_date_or_the_sync_before_the_latest() -> None:
    assert baseline(SNAPS, None).buckets == {"a#1": "now"}  # sync 2 of 3
    assert baseline(SNAPS, "1").label == "sync 1 of 3 (2026-11-02 09:00 UTC)"
    assert baseline(SNAPS, "2026-11-09").buckets == {"a#1": "now"}  # on or before that day
    assert baseline(SNAPS, "2026-11-12").buckets == {"a#1": "now"}
    assert baseline(SNAPS[:1], None).at is None  # one sync: nothing earlier to compare with
    assert baseline([], None).at is None


@pytest.mark.parametrize(
    ("since", "says"),
    [
        ("last week", "--since takes a sync number (1, 2, …) or a date like 2026-11-20; got 'last week'."),
        ("0", "--since 0: there is no sync 0; syncs are 1 to 3."),
        ("9", "--since 9: there is no sync 9; syncs are 1 to 3."),
        ("2026-02-30", "--since takes a sync number"),
        ("2026-10-01", "--since 2026-10-01: no sync had run by then; the first was on 2026-11-02."),
    ],
)  # fmt: skip
def test_a_bad_since_is_one_sentence(since: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        baseline(SNAPS, since)
    assert str(caught.value).startswith(says) and str(caught.value).count(". ") == 0


def test_the_digest_says_what_moved_and_why(demo: list[Assessment], config: Config) -> None:
    now = [a for a in demo if a.bucket is Bucket.NOW]
    never = [a for a in demo if a.bucket is Bucket.NEVER]
    then = {a.ref: a.bucket.value for a in demo}
    then[now[0].ref] = "later"  # it moved into now since
    then[never[0].ref] = "later"  # it was decided never since
    then["tandem/app#999"] = "now"  # it closed since
    text = digest_markdown(demo, config, Since("sync 4 of 5", NOW - timedelta(days=7), then), NOW)
    assert text.startswith("# Roadmap digest, 2026-11-26\n\n> Small teams get from sign-up")
    section = dict(re.findall(r"^## (.+?)\n\n(.*?)(?=\n## |\Z)", text, re.M | re.S))
    assert section["Into now (1)"].strip() == (
        f"- [{now[0].ref}]({now[0].issue.url}) {now[0].issue.title} — " + one_line(now[0])
    )
    assert "tandem/app#999 — closed or out of scope" in section["Out of now (1)"]
    assert never[0].ref in section["Decided never (1)"]
    assert never[0].reasons[0] in section["Decided never (1)"]  # why, in the plan's words
    torn = tension(demo)
    assert torn and all(a.ref in section["Asked for, but not now"] for a in torn)
    assert section["Goals with no work in now"].strip() == "Every goal has work in now."
    assert len(text.splitlines()) < 60  # a screen or two


def test_the_digest_caps_lists_out_loud_and_names_idle_goals(
    demo: list[Assessment], config: Config
) -> None:
    speed = {
        a.ref for a in demo if a.bucket is Bucket.NOW and any(g.goal == "speed" for g in a.goals)
    }
    fewer = [a for a in demo if a.ref not in speed]
    text = digest_markdown(fewer, config, Since("no earlier sync", None, {}), NOW)
    assert "No earlier sync to compare with" in text
    into = sum(1 for a in fewer if a.bucket is Bucket.NOW)
    assert f"## Into now ({into})" in text and f"… and {into - LIMIT} more" in text
    assert "- Every board opens in under a second (2027 Q2): " in text
    assert "in later, next up [" in text


@pytest.mark.slow
def test_the_deck_has_the_vision_a_slide_per_goal_nevers_and_a_bar_chart(
    demo: list[Assessment], config: Config
) -> None:
    from pptx import Presentation
    from pptx.enum.chart import XL_CHART_TYPE

    issues = [a.issue for a in demo]
    f = flow(issues, [], NOW)
    deck = Presentation(BytesIO(build_deck(demo, config, f, NOW)))
    slides = list(deck.slides)
    goals = goal_views(demo, config)
    assert len(slides) == 1 + len(goals) + 3

    def text(slide: Any) -> str:
        return "\n".join(s.text_frame.text for s in slide.shapes if s.has_text_frame)

    assert slides[0].shapes.title.text == "Roadmap"
    assert config.vision.statement in text(slides[0])
    for slide, goal in zip(slides[1:], goals, strict=False):
        body = text(slide)
        assert slide.shapes.title.text == f"{goal.title} ({goal.period})"
        assert goal.outcome in body and f"Now ({len(goal.now)})" in body
        assert all(a.ref in body for a in goal.now[:7]) and all(a.ref in body for a in goal.next)
    nevers = text(slides[1 + len(goals)])
    count = sum(1 for a in demo if a.bucket is Bucket.NEVER)
    assert f"Decided never ({count})" in nevers and f"… and {count - 7} more" in nevers
    chart = next(s for s in slides[-1].shapes if s.has_chart).chart
    assert chart.chart_type == XL_CHART_TYPE.COLUMN_CLUSTERED
    assert list(chart.plots[0].series[0].values) == [float(n) for n in f.closed_per_week]
    assert chart.value_axis.tick_labels.number_format == "0"


def test_a_missing_pptx_library_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "pptx", None)  # import pptx now raises ImportError
    result = CliRunner().invoke(
        main, ["--config", str(tmp_path / "t.toml"), "report", "--format", "pptx", "-o", "x.pptx"]
    )
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr == (
        "error: --format pptx needs python-pptx, which is not installed: "
        "pip install 'triagewise[deck]'.\n"
    )


def run(args: list[str]) -> Result:
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.mark.slow
def test_digest_and_deck_through_the_cli_after_the_demo(tmp_path: Path) -> None:
    from pptx import Presentation

    folder = tmp_path / "demo"
    assert run(["demo", "--dir", str(folder)]).exit_code == 0
    config = ["--config", str(folder / "triagewise.toml")]
    digest = run([*config, "report", "--format", "digest"])
    assert digest.exit_code == 0 and digest.stdout.startswith("# Roadmap digest")
    assert "## Into now (12)" in digest.stdout  # one sync: everything in now is new
    assert run([*config, "report", "--format", "digest", "--since", "1"]).exit_code == 0
    for since, says in (
        ("yesterday-ish", "--since takes a sync number"),
        ("7", "--since 7: there is no sync 7; syncs are 1 to 1."),
    ):
        bad = run([*config, "report", "--format", "digest", "--since", since])
        assert bad.exit_code == 2 and bad.stderr.startswith(f"error: {says}")
        assert "Traceback" not in bad.output and bad.stdout == ""
    wrong = run([*config, "report", "--since", "1"])
    assert wrong.exit_code == 2 and "use it with --format digest" in wrong.stderr
    nofile = run([*config, "report", "--format", "pptx"])
    assert nofile.exit_code == 2 and "-o roadmap.pptx" in nofile.stderr
    out = tmp_path / "roadmap.pptx"
    made = run([*config, "report", "--format", "pptx", "-o", str(out)])
    assert made.exit_code == 0, made.output
    assert len(Presentation(str(out)).slides) == 1 + 3 + 3
