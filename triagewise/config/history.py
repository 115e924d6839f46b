"""`[history]`: what `triagewise learn` learns from."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from triagewise.connectors.config import Strict

__all__ = ["HistoryConfig"]


class HistoryConfig(Strict):
    """What `triagewise learn` learns from: the decisions the tracker already holds."""

    enabled: bool = Field(default=True, description="use a fitted model in assessments")
    window_days: int = Field(default=730, ge=1, description="closed issues within this window")
    max_issues: int = Field(default=20_000, ge=1, description="at most this many, newest first")
    min_decisions: int = Field(
        default=30, ge=4, description="fewer decisions than this: the cold rules alone"
    )
    priority_labels: dict[str, int] = Field(
        default_factory=dict,
        description='label -> level 0 (lowest) .. 4 (drop everything), e.g. { "P0" = 4 }',
    )
    never_labels: list[str] = Field(
        default_factory=list, description="labels that mean won't do, beside the common ones"
    )
    never_resolutions: list[str] = Field(
        default_factory=list,
        description="Jira resolutions that mean won't do (default: Won't Do, Won't Fix, ...)",
    )
    weight: float | Literal["auto"] = Field(
        default="auto",
        description='share of the score the learned model gives (0-1), or "auto": the '
        "share that agreed best with the team's history, held out",
    )
    never_above: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="a learned never needs at least this probability, and the one at which "
        "4 in 5 were won't-dos held out on the history",
    )
    refit_after: int = Field(
        default=20, ge=1, description="sync refits once this many new decisions arrived"
    )
    learn_goals: bool = Field(
        default=False,
        description="map issues to the goal their labelled semantic neighbours serve",
    )

    @field_validator("weight")
    @classmethod
    def _share(cls, value: float | str) -> float | str:
        if value != "auto" and not 0 <= float(value) <= 1:
            raise ValueError('the weight is a share from 0 to 1, or "auto"')
        return value

    @field_validator("priority_labels")
    @classmethod
    def _levels(cls, value: dict[str, int]) -> dict[str, int]:
        if any(not 0 <= v <= 4 for v in value.values()):
            raise ValueError("priority levels run from 0 (lowest) to 4 (highest)")
        return value
