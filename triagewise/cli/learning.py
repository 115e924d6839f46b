"""`learn`: fit the model of the team's standard from the tracker's own decisions."""

from __future__ import annotations

import click

from triagewise.cli.app import Context, clock, main
from triagewise.cli.render import out, print_json, say
from triagewise.errors import ConfigError
from triagewise.learn import LearnReport, TargetReport, learn
from triagewise.store import Store
from triagewise.store.lock import store_lock
from triagewise.words import counted


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}"


def report_lines(report: LearnReport) -> list[str]:
    lines = [
        f"{counted(report.decisions, 'decision')} in the history: {report.highs} high priority, "
        f"{report.nevers} decided not to do."
    ]
    if report.note:
        lines.append(report.note)
    for t in report.targets:
        if t.cv_auc is None:
            continue
        what = "high priority" if t.name == "high" else "not to do"
        used = (t.rules_auc is not None) and t.cv_auc > t.rules_auc
        lines.append(
            f"{what}: held-out AUC {_figure(t.cv_auc)} learned vs {_figure(t.rules_auc)} for "
            f"the cold rules ({t.positives} of {t.positives + t.negatives} decisions)"
            + ("" if used else "; not used: the cold rules agreed as well or better")
            + (_never_limits(t) if t.name == "never" and used else "")
        )
    return lines


def _never_limits(t: TargetReport) -> str:
    if t.threshold is None and t.defect_threshold is None:
        return (
            "; it proposes no never: at no probability were 4 in 5 of the issues it would "
            "have sent there won't-dos, held out"
        )
    said = (
        f"; never from P {_figure(t.threshold)}"
        if t.threshold is not None
        else "; never only for a defect"
    )
    said += (
        f", for a defect from P {_figure(t.defect_threshold)}"
        if t.defect_threshold is not None
        else ", never for a defect (not yet sure enough: 9 in 10 at 95% confidence)"
    )
    return said + f" (held-out never recall {_figure(t.recall)})"


@main.command("learn")
@click.option("--json", "as_json", is_flag=True, help="Print the fit's report as JSON.")
@click.option(
    "--wait",
    type=click.FloatRange(min=0),
    default=0,
    help="Wait up to this many seconds for a running sync.",
)
@click.pass_obj
def learn_command(obj: Context, as_json: bool, wait: float) -> None:
    """Fit the team's standard from the tracker's history (priorities people set, issues closed
    as not planned, decisions made in triagewise) and print the held-out agreement of the cold
    rules and of the learned model side by side; the model is kept in the store."""
    cfg, path = obj.load()
    db = obj.db_path(path)
    if not db.exists():
        raise ConfigError(f"There is no store at {db} yet; run 'triagewise pull' first.")
    with store_lock(db, wait), Store.open(db) as store:
        report = learn(store, cfg, clock())
    if as_json:
        print_json(report.as_json())
        return
    for line in report_lines(report):
        say(out, line)
