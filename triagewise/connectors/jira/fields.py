"""Custom fields found by schema, not by id: ids differ on every site. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

RANK = "com.pyxis.greenhopper.jira:gh-lexo-rank"
EPIC_LINK = "com.pyxis.greenhopper.jira:gh-epic-link"
SPRINT = "com.pyxis.greenhopper.jira:gh-sprint"
STORY_POINTS = "com.pyxis.greenhopper.jira:jsw-story-points"
FLOAT = "com.atlassian.jira.plugin.system.customfieldtypes:float"
_POINTS_NAME = re.compile(r"^story[ _-]?points?( estimate)?$", re.IGNORECASE)

BASE_FIELDS = (
    "summary", "description", "status", "labels", "reporter", "assignee", "created", "updated",
    "resolutiondate", "resolution", "duedate", "priority", "issuetype", "components",
    "fixVersions", "votes", "parent", "project",
)  # fmt: skip


@dataclass(frozen=True)
class FieldMap:
    story_points: str | None = None
    rank: str | None = None
    epic_link: str | None = None
    sprint: str | None = None
    notes: tuple[str, ...] = field(default=())

    def search_fields(self) -> list[str]:
        extra = [f for f in (self.story_points, self.rank, self.epic_link, self.sprint) if f]
        return [*BASE_FIELDS, *extra]


def discover_fields(fields: list[dict[str, Any]]) -> FieldMap:
    """Read `GET /field` once per run; a field the site lacks degrades with a note."""
    by_custom: dict[str, list[dict[str, Any]]] = {}
    for f in fields:
        custom = (f.get("schema") or {}).get("custom")
        if custom:
            by_custom.setdefault(str(custom), []).append(f)

    def first(kind: str) -> str | None:
        found = sorted(by_custom.get(kind, []), key=lambda f: str(f.get("id")))
        return str(found[0]["id"]) if found else None

    points = first(STORY_POINTS)
    if points is None:
        named = [f for f in by_custom.get(FLOAT, []) if _POINTS_NAME.match(str(f.get("name", "")))]
        points = str(sorted(named, key=lambda f: str(f["id"]))[0]["id"]) if named else None
    notes = []
    if points is None:
        notes.append("this site has no story points field, so Jira estimates are left empty")
    rank = first(RANK)
    if rank is None:
        notes.append("this site has no Rank field (Jira Software), so board order is not mirrored")
    return FieldMap(points, rank, first(EPIC_LINK), first(SPRINT), tuple(notes))
