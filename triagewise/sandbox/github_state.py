"""The sandbox GitHub's state, shared by its REST front (`github.py`) and its GraphQL front
(`github_graphql.py`): the repositories, their issues and the Projects boards. Neither front
imports the other; the GraphQL front sees the app through `GitHubState`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node(kind: str, number: int) -> str:
    import base64

    return base64.b64encode(f"0:{kind}{number}".encode()).decode().rstrip("=")


@dataclass(frozen=True)
class LabelEvent:
    """A label added to or removed from an issue, by whom and when (GitHub's LabeledEvent /
    UnlabeledEvent, REST issue events `labeled` / `unlabeled`)."""

    id: int
    kind: str  # "labeled" | "unlabeled"
    label: str
    actor: str
    at: datetime


@dataclass
class Item:
    """An issue or pull request as the sandbox keeps it."""

    number: int
    id: int
    title: str
    body: str | None
    created_at: datetime
    updated_at: datetime
    user: str = "octo-user"
    state: str = "open"
    state_reason: str | None = None
    closed_at: datetime | None = None
    labels: list[str] = field(default_factory=list)
    assignees: list[str] = field(default_factory=list)
    milestone: str | None = None
    comments: int = 0
    reactions: dict[str, int] = field(default_factory=dict)
    type: str | None = None
    is_pr: bool = False
    events: list[LabelEvent] = field(default_factory=list)  # label history, oldest first


@dataclass
class Project:
    """A Projects (v2) board: its items in manual position order."""

    id: str
    owner: str
    number: int
    items: list[tuple[str, str]] = field(default_factory=list)  # (item id, content node id)
    moves: int = 0
    made: int = 0
    fields: dict[str, str] = field(default_factory=dict)  # Number field name -> field id
    values: dict[tuple[str, str], float] = field(default_factory=dict)  # (item, field) -> number
    value_writes: int = 0

    def new_item_id(self) -> str:
        self.made += 1
        return _node("ProjectV2Item", 90000 + self.made)


@dataclass
class Repo:
    owner: str
    name: str
    id: int
    items: dict[int, Item] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (color, description)
    milestones: dict[str, tuple[int, datetime | None]] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class GitHubState(Protocol):
    """What the GraphQL front needs of the app."""

    repos: dict[str, Repo]
    projects: dict[tuple[str, int], Project]
    acting: str  # the login of the token the current request carries
    comments: dict[int, tuple[int, str]]  # comment id -> (issue number, body)
    comment_authors: dict[int, str]  # comment id -> its author's login

    def node_index(self) -> dict[str, tuple[Repo, Item]]: ...

    def render_item_node_id(self, item: Item) -> str: ...

    def change_labels(self, repo: Repo, item: Item, add: list[str], remove: list[str]) -> None: ...

    def render_label(self, repo: Repo, name: str, base: str) -> dict[str, Any]: ...
