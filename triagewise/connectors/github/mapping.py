"""GitHub REST issue payloads to `Issue`. Pure and tolerant: real payloads carry nulls."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from triagewise.connectors.text import markdown_to_text
from triagewise.model import Issue, StatusCategory, Tracker


def is_pull_request(payload: dict[str, Any]) -> bool:
    return payload.get("pull_request") is not None


def parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _login(user: Any) -> str | None:
    if isinstance(user, dict) and user.get("login"):
        return str(user["login"])
    return None


def count(value: Any) -> int:
    """A count as trackers send it; anything that is not a whole number (a field whose type
    changed, a string) reads as 0 rather than failing the issue."""
    if isinstance(value, bool):
        return 0
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return 0


def _names(items: Any) -> tuple[str, ...]:
    names: list[str] = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and item.get("name"):
            names.append(str(item["name"]))
    return tuple(names)


def repo_of(payload: dict[str, Any]) -> str | None:
    url = str(payload.get("repository_url") or "")
    parts = url.rstrip("/").split("/")
    return "/".join(parts[-2:]) if "/repos/" in url and len(parts) >= 2 else None


def map_issue(payload: dict[str, Any], source: str, repo: str) -> Issue:
    """One issue object from `GET /repos/{owner}/{repo}/issues` (or `/issues/{n}`)."""
    state = str(payload.get("state") or "open")
    reason = payload.get("state_reason")
    raw_milestone = payload.get("milestone")
    milestone: dict[str, Any] = raw_milestone if isinstance(raw_milestone, dict) else {}
    due = parse_time(milestone.get("due_on"))
    issue_type = payload.get("type")
    raw_reactions = payload.get("reactions")
    reactions: dict[str, Any] = raw_reactions if isinstance(raw_reactions, dict) else {}
    assignees = _names_from_users(payload.get("assignees"))
    if not assignees and _login(payload.get("assignee")):
        assignees = (str(_login(payload.get("assignee"))),)
    created = parse_time(payload.get("created_at"))
    updated = parse_time(payload.get("updated_at")) or created
    if created is None or updated is None:
        raise ValueError("issue payload has no created_at")
    if not isinstance(payload.get("number"), int) or payload.get("id") is None:
        raise ValueError("issue payload has no number or id")
    return Issue(
        source=source,
        tracker=Tracker.GITHUB,
        ref=f"{repo}#{payload['number']}",
        tracker_id=str(payload["id"]),
        node_id=payload.get("node_id"),
        title=str(payload.get("title") or ""),
        body=markdown_to_text(payload.get("body")),
        state=f"{state} ({reason})" if state == "closed" and reason else state,
        status_category=StatusCategory.DONE if state == "closed" else StatusCategory.TODO,
        labels=_names(payload.get("labels")),
        author=_login(payload.get("user")),
        assignees=assignees,
        created_at=created,
        updated_at=updated,
        closed_at=parse_time(payload.get("closed_at")),
        resolution=str(reason) if state == "closed" and reason else None,
        due_on=date(due.year, due.month, due.day) if due else None,
        priority=None,
        type=str(issue_type["name"]) if isinstance(issue_type, dict) else None,
        versions=(str(milestone["title"]),) if milestone.get("title") else (),
        reactions=count(reactions.get("total_count")),
        upvotes=count(reactions.get("+1")),
        comments=count(payload.get("comments")),
        url=str(payload.get("html_url") or ""),
    )


def _names_from_users(users: Any) -> tuple[str, ...]:
    return (
        tuple(login for user in users if (login := _login(user))) if isinstance(users, list) else ()
    )
