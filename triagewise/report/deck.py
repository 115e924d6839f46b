"""The deck for leadership, through python-pptx (the optional `deck` extra): a title slide with
the vision, one slide per goal (the outcome it serves, now, next), the never-decisions with
their reasons, the most-asked-for work not in now, and flow as a native bar chart. Pure: the
deck is built in memory and returned as bytes; the CLI writes the file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from typing import Any

from triagewise.config.models import Config
from triagewise.errors import ConfigError
from triagewise.report.flow import Flow
from triagewise.report.markdown import one_line
from triagewise.report.views import goal_views, tension
from triagewise.rules.triage import Assessment, Bucket
from triagewise.safe import terminal
from triagewise.words import counted

SHOWN = 7  # lines per list on a slide; the rest is counted


def deck_available() -> None:
    """Raise one sentence when python-pptx is missing."""
    try:
        import pptx  # noqa: F401
    except ImportError:
        raise ConfigError(
            "--format pptx needs python-pptx, which is not installed: "
            "pip install 'triagewise[deck]'."
        ) from None


def _t(text: str) -> str:
    """Tracker text on a slide: one line, no control characters (XML cannot hold them)."""
    return terminal(text, one_line=True)


def _issue(a: Assessment) -> str:
    return _t(f"{a.ref} {a.issue.title}")


def _bullets(slide: Any, title: str, groups: Sequence[tuple[str, Sequence[str], int]]) -> None:
    """`groups`: (heading, lines, total): a bold heading, then its lines, then how many more."""
    from pptx.util import Pt

    slide.shapes.title.text = _t(title)
    frame = slide.placeholders[1].text_frame
    frame.word_wrap = True
    first = True
    for heading, lines, total in groups:
        para = frame.paragraphs[0] if first else frame.add_paragraph()
        first = False
        para.text = heading
        para.font.bold, para.font.size = True, Pt(16)
        shown = list(lines[:SHOWN]) or ["nothing"]
        if total > len(lines[:SHOWN]) and lines:
            shown.append(f"… and {total - len(lines[:SHOWN])} more")
        for line in shown:
            item = frame.add_paragraph()
            item.text, item.level = line, 1
            item.font.size = Pt(13)


def build_deck(
    assessments: Sequence[Assessment], config: Config, flow: Flow, now: datetime
) -> bytes:
    deck_available()
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
    from pptx.util import Inches, Pt

    prs = Presentation()  # the default template: 4:3, title and bullet layouts
    title_layout, body_layout, title_only = (prs.slide_layouts[i] for i in (0, 1, 5))
    counts = {b: sum(1 for a in assessments if a.bucket is b) for b in Bucket}

    slide = prs.slides.add_slide(title_layout)
    slide.shapes.title.text = "Roadmap"
    slide.placeholders[1].text = (
        _t(config.vision.statement or "")
        + f"\n{counts[Bucket.NOW]} now · {counts[Bucket.LATER]} later · "
        f"{counts[Bucket.NEVER]} never · {now.strftime('%Y-%m-%d')}"
    )

    for v in goal_views(assessments, config):
        slide = prs.slides.add_slide(body_layout)
        period = f" ({v.period})" if v.period else ""
        _bullets(
            slide,
            f"{v.title}{period}",
            [
                ("The outcome it serves", [_t(v.outcome)] if v.outcome else [], 1),
                (f"Now ({len(v.now)})", [_issue(a) for a in v.now], len(v.now)),
                (f"Next ({len(v.later)} in later)", [_issue(a) for a in v.next], len(v.next)),
            ],
        )

    never = [a for a in assessments if a.bucket is Bucket.NEVER]
    slide = prs.slides.add_slide(body_layout)
    _bullets(
        slide,
        f"Decided never ({len(never)})",
        [("What we will not do, and why", [f"{_issue(a)}: {_t(one_line(a))}" for a in never],
          len(never))],
    )  # fmt: skip

    torn = tension(assessments)
    slide = prs.slides.add_slide(body_layout)
    _bullets(
        slide,
        "Asked for, but not now",
        [("Among the ten most-asked-for open issues",
          [f"{_issue(a)} ({a.bucket.value})" for a in torn], len(torn))],
    )  # fmt: skip

    slide = prs.slides.add_slide(title_only)
    slide.shapes.title.text = "Flow: issues closed per week (weeks from Monday)"
    data = CategoryChartData()  # type: ignore[no-untyped-call]
    data.categories = [w[5:] for w in flow.weeks]  # MM-DD of each Monday
    data.add_series("issues closed", flow.closed_per_week)  # type: ignore[no-untyped-call]
    frame = slide.shapes.add_chart(
        XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(0.5), Inches(1.6), Inches(9), Inches(4.6), data
    )
    chart = frame.chart
    chart.has_title = False
    chart.has_legend, chart.legend.position = True, XL_LEGEND_POSITION.BOTTOM
    chart.value_axis.major_unit = max(1, max(flow.closed_per_week, default=0) // 5 or 1)
    chart.value_axis.tick_labels.number_format = "0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    lead = (
        counted(flow.now_to_close_days, "day")
        if flow.now_to_close_days is not None
        else "not known yet"
    )
    box = slide.shapes.add_textbox(Inches(0.5), Inches(6.3), Inches(9), Inches(0.8))
    box.text_frame.text = (
        f"{sum(flow.closed_per_week)} closed in {counted(len(flow.weeks), 'week')} · median "
        f"from now to closed: {lead} ({counted(flow.now_closed, 'issue')}) · "
        f"{flow.never_came_back} of "
        f"{flow.never_total} never-decisions came back"
    )
    box.text_frame.word_wrap = True
    box.text_frame.paragraphs[0].font.size = Pt(14)

    out = BytesIO()
    prs.save(out)
    return out.getvalue()
