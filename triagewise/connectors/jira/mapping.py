"""Jira issue payloads (v2 wiki markup or v3 ADF) to `Issue`. Pure and tolerant."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from triagewise.connectors.jira.fields import FieldMap
from triagewise.connectors.text import adf_to_text, wiki_to_text
from triagewise.model import Issue, StatusCategory, Tracker

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # only Atlassian's doc examples lack timestamps
_CATEGORY = {
    "new": StatusCategory.TODO,
    "indeterminate": StatusCategory.IN_PROGRESS,
    "done": StatusCategory.DONE,
}
_SPRINT_NAME = re.compile(r"name=([^,\]]+)")


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    if isinstance(value, int | float):  # some endpoints send epoch milliseconds
        return datetime.fromtimestamp(value / 1000, tz=UTC)
    text = str(value).replace("Z", "+00:00")
    # Jira writes offsets without a colon: 2015-12-02T07:39:15.000-0800
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _person(user: Any) -> str | None:
    if not isinstance(user, dict):
        return None
    for key in ("displayName", "name", "accountId", "key"):
        if user.get(key):
            return str(user[key])
    return None


def _names(items: Any) -> tuple[str, ...]:
    listed = items if isinstance(items, list) else []
    return tuple(str(i["name"]) for i in listed if isinstance(i, dict) and i.get("name"))


def _strings(items: Any) -> tuple[str, ...]:
    """A list of strings (Jira's labels); another shape (a string, an object) reads as none,
    never as its characters or keys."""
    listed = items if isinstance(items, list) else []
    return tuple(str(i) for i in listed if isinstance(i, str | int) and str(i))


def _count(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _due(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if isinstance(value, str) and value else None
    except ValueError:
        return None


def _name(obj: Any) -> str | None:
    return str(obj["name"]) if isinstance(obj, dict) and obj.get("name") else None


def _category(status: Any) -> StatusCategory:
    if isinstance(status, dict):
        category = status.get("statusCategory")
        if isinstance(category, dict) and category.get("key") in _CATEGORY:
            return _CATEGORY[str(category["key"])]
        name = str(status.get("name") or "").lower()
        if name in ("done", "closed", "resolved"):
            return StatusCategory.DONE
        if "progress" in name or "review" in name:
            return StatusCategory.IN_PROGRESS
    return StatusCategory.TODO


def _sprints(value: Any) -> tuple[str, ...]:
    names: list[str] = []
    for sprint in value if isinstance(value, list) else []:
        if isinstance(sprint, dict) and sprint.get("name"):
            names.append(str(sprint["name"]))
        elif isinstance(sprint, str) and (m := _SPRINT_NAME.search(sprint)):
            names.append(
                m.group(1)
            )  # Data Center: "com.atlassian.greenhopper...Sprint@1[name=S1,...]"
    return tuple(names)


def description_text(value: Any) -> str:
    if isinstance(value, dict):
        return adf_to_text(value)
    return wiki_to_text(value if isinstance(value, str) else None)


def map_issue(payload: dict[str, Any], source: str, site: str, fields: FieldMap) -> Issue:
    raw_fields = payload.get("fields")
    f: dict[str, Any] = raw_fields if isinstance(raw_fields, dict) else {}
    key = str(payload["key"])
    created = parse_time(f.get("created"))
    updated = parse_time(f.get("updated"))
    closed = parse_time(f.get("resolutiondate"))
    created = created or updated or closed or EPOCH
    status = f.get("status")
    due = f.get("duedate")
    points = f.get(fields.story_points) if fields.story_points else None
    epic = f.get(fields.epic_link) if fields.epic_link else None
    if not epic and isinstance(f.get("epic"), dict):
        epic = f["epic"].get("key")
    parent = f.get("parent")
    if not epic and isinstance(parent, dict):
        parent_fields = parent.get("fields")
        kind = parent_fields.get("issuetype") if isinstance(parent_fields, dict) else None
        if _name(kind) == "Epic":
            epic = parent.get("key")
    raw_votes = f.get("votes")
    votes: dict[str, Any] = raw_votes if isinstance(raw_votes, dict) else {}
    rank = f.get(fields.rank) if fields.rank else None
    return Issue(
        source=source,
        tracker=Tracker.JIRA,
        ref=key,
        tracker_id=str(payload.get("id") or key),
        title=str(f.get("summary") or ""),
        body=description_text(f.get("description")),
        state=_name(status) or "",
        status_category=_category(status),
        labels=_strings(f.get("labels")),
        author=_person(f.get("reporter")) or _person(f.get("creator")),
        assignees=tuple(a for a in [_person(f.get("assignee"))] if a),
        created_at=created,
        updated_at=updated or created,
        closed_at=closed,
        resolution=_name(f.get("resolution")),
        due_on=_due(due),
        priority=_name(f.get("priority")),
        type=_name(f.get("issuetype")),
        components=_names(f.get("components")),
        versions=_names(f.get("fixVersions")),
        estimate=float(points) if isinstance(points, int | float) else None,
        reactions=_count(votes.get("votes")),
        upvotes=_count(votes.get("votes")),
        comments=0,
        url=f"{site.rstrip('/')}/browse/{key}",
        tracker_rank=str(rank) if rank else None,
        epic=str(epic) if epic else None,
        sprints=_sprints(f.get(fields.sprint)) if fields.sprint else (),
    )
