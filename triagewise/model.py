"""The normalized issue model shared by every tracker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Tracker(StrEnum):
    """The built-in connectors' types. `Issue.tracker` is a member of this for them, and the
    plain type string for a connector registered from outside."""

    GITHUB = "github"
    JIRA = "jira"


class StatusCategory(StrEnum):
    TODO = "todo"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class Key(NamedTuple):
    """An issue's identity everywhere: the configured source it came from and its ref there.
    Two sources may hold the same ref string (one `owner/repo` on two GitHub hosts)."""

    source: str
    ref: str


@dataclass(frozen=True)
class DecisionRow:
    """A person's decision on one issue as stored: `(source, ref)` is its key; `origin` says
    where it was made (`session`, or `label` for an edit of triagewise's labels on the
    tracker); `decided_at` is ISO-8601 UTC, `review_on` an ISO date for never-decisions."""

    source: str
    ref: str
    bucket: str | None
    goal: str | None
    reason: str
    origin: str
    decided_at: str
    review_on: str | None = None
    author: str | None = None  # who decided: a login, `[team] me`, the OS user

    @property
    def key(self) -> Key:
        return Key(self.source, self.ref)

    @property
    def decided(self) -> datetime:
        return datetime.fromisoformat(self.decided_at.replace("Z", "+00:00"))


class Issue(BaseModel):
    """One issue from any tracker, in one shape.

    The raw payload is kept beside it in the store (not here), so a mapping change can re-map
    without re-fetching.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _valid_text(cls, data: Any) -> Any:
        """Tracker text is valid Unicode here: a lone surrogate (JSON allows `\\ud800`) could
        be neither stored nor matched, so it becomes U+FFFD."""
        if isinstance(data, dict):
            return {k: _valid(v) for k, v in data.items()}
        return data

    source: str = Field(description="name of the configured source it came from")
    tracker: str = Field(description="the type of the connector it came from")
    ref: str = Field(description="acme/app#12 or APP-12")
    tracker_id: str = Field(description="the tracker's own stable id")
    node_id: str | None = None
    title: str
    body: str = Field(default="", description="plain text")
    state: str = Field(description="open / closed on GitHub, the status name on Jira")
    status_category: StatusCategory
    labels: tuple[str, ...] = ()
    author: str | None = None
    assignees: tuple[str, ...] = ()
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None = None
    resolution: str | None = Field(
        default=None, description="why it was closed: Jira's resolution, GitHub's state_reason"
    )
    due_on: date | None = None
    priority: str | None = None
    type: str | None = None
    components: tuple[str, ...] = ()
    versions: tuple[str, ...] = Field(default=(), description="milestone or fix versions")
    estimate: float | None = Field(default=None, description="story points where known")
    reactions: int = 0
    upvotes: int = 0
    comments: int = 0
    url: str = ""
    tracker_rank: str | None = Field(
        default=None, description="the board's rank key (Jira LexoRank); sorts as the board"
    )
    epic: str | None = None
    sprints: tuple[str, ...] = ()

    @property
    def key(self) -> Key:
        """`(source, ref)`: what the store, the plan and the session key this issue on."""
        return Key(self.source, self.ref)

    @field_validator("tracker")
    @classmethod
    def _built_in(cls, value: str) -> str:
        return Tracker(value) if value in Tracker._value2member_map_ else value

    @field_validator("created_at", "updated_at", "closed_at")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value


def _valid(value: Any) -> Any:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        return value
    if isinstance(value, (list, tuple)):
        return type(value)(_valid(v) for v in value)
    return value
