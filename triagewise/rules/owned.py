"""triagewise's own labels are its outputs, never its inputs. Pure.

Owned are exactly `<label_prefix>/now|later|never` and `<goal_prefix>/<configured goal id>`
(DESIGN.md); other labels under those prefixes belong to people and stay visible. The rules see
an issue without its owned labels, so writing them back can never move the ranking: a second
sync with nothing changed plans nothing. Reading a person's edit of them is the plan's job.
"""

from __future__ import annotations

from collections.abc import Iterable

from triagewise.config.models import Config, WritebackConfig
from triagewise.model import Issue

BUCKETS = ("now", "later", "never")


def owned_labels(config: Config) -> frozenset[str]:
    """Every label triagewise may write for this config, lower-cased."""
    return config.writeback.with_goals(tuple(g.id for g in config.goals)).owned_names()


def without_owned(issue: Issue, owned: frozenset[str]) -> Issue:
    """The issue as the rules see it: the same, less triagewise's own labels."""
    kept = tuple(label for label in issue.labels if label.lower() not in owned)
    return issue if len(kept) == len(issue.labels) else issue.model_copy(update={"labels": kept})


def foreign_labels(labels: Iterable[str], wb: WritebackConfig) -> list[str]:
    """Labels under triagewise's prefixes that it does not own (a person's `triage/accepted`),
    sorted, each once."""
    prefixes = (f"{wb.label_prefix}/".lower(), f"{wb.goal_prefix}/".lower())
    owned = wb.owned_names()
    return sorted({x for x in labels if x.lower().startswith(prefixes) and x.lower() not in owned})
