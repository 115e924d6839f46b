"""A Jira site in memory: Cloud or Data Center, REST v2 (wiki markup) and v3 (ADF), Agile rank.

It answers what the connector and the unmodified `jira` library send, in Jira's wire format,
with Jira's error bodies.
"""

from __future__ import annotations

import base64
import hashlib
import random
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from triagewise.connectors.text import wiki_to_text
from triagewise.sandbox.jql import JqlError, parse, sort_rows
from triagewise.sandbox.server import Request, Response

_API = re.compile(r"^/rest/api/(?P<v>[23])/(?P<rest>.*)$")
_AGILE_RANK = "/rest/agile/1.0/issue/rank"
_CATEGORIES = {
    "new": (2, "To Do", "blue-gray"),
    "indeterminate": (4, "In Progress", "yellow"),
    "done": (3, "Done", "green"),
}


@dataclass(frozen=True)
class Layout:
    """Where a site keeps its custom fields; ids differ between Cloud and Data Center."""

    story_points: tuple[str, str, str] | None  # id, name, custom type
    rank: tuple[str, str, str]
    epic_link: tuple[str, str, str]
    sprint: tuple[str, str, str]


CLOUD_LAYOUT = Layout(
    ("customfield_10016", "Story point estimate", "com.pyxis.greenhopper.jira:jsw-story-points"),
    ("customfield_10019", "Rank", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    ("customfield_10014", "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link"),
    ("customfield_10020", "Sprint", "com.pyxis.greenhopper.jira:gh-sprint"),
)
DC_LAYOUT = Layout(
    (
        "customfield_10106",
        "Story Points",
        "com.atlassian.jira.plugin.system.customfieldtypes:float",
    ),
    ("customfield_10105", "Rank", "com.pyxis.greenhopper.jira:gh-lexo-rank"),
    ("customfield_10101", "Epic Link", "com.pyxis.greenhopper.jira:gh-epic-link"),
    ("customfield_10104", "Sprint", "com.pyxis.greenhopper.jira:gh-sprint"),
)


@dataclass
class JiraItem:
    id: int
    key: str
    project: str
    summary: str
    description: str | None
    created: datetime
    updated: datetime
    status: str = "To Do"
    category: str = "new"
    labels: list[str] = field(default_factory=list)
    reporter: str = "pm"
    assignee: str | None = None
    resolved: datetime | None = None
    duedate: date | None = None
    priority: str = "Medium"
    issuetype: str = "Story"
    components: list[str] = field(default_factory=list)
    fix_versions: list[str] = field(default_factory=list)
    votes: int = 0
    story_points: float | None = None
    epic: str | None = None
    sprint: str | None = None
    # the changelog, oldest first: (id, author, when, [(field, from string, to string)])
    history: list[tuple[int, str, datetime, list[tuple[str, str, str]]]] = field(
        default_factory=list
    )


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def _adf(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": wiki_to_text(p)}]}
            for p in paragraphs
        ],
    }


BOT_USER = "sandbox.user"  # who a bearer token without its own user is


class JiraApp:
    """`mode` is "cloud" or "datacenter"; `credentials` are (user, secret) pairs for basic auth,
    `tokens` the personal access tokens (bearer).

    Each credential is one user: basic auth is its user name, a bearer token its entry in
    `users` (else `BOT_USER`). Every label change lands in the issue's changelog with its
    author (the caller for API writes, the `actor` given to `edit` for a person in the UI);
    seeded labels have none (an import). Comments keep their author; editing another user's
    comment is refused (403) when the editor is in `cannot_edit_others`.
    """

    def __init__(
        self,
        mode: str = "cloud",
        credentials: set[tuple[str, str]] | None = None,
        tokens: set[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        dc_max_results: int = 1000,
        story_points: bool = True,
        announce_deployment: bool = True,
    ) -> None:
        self.mode = mode
        self.announce_deployment = announce_deployment  # some proxies hide deploymentType
        self.credentials = credentials or set()
        self.tokens = tokens or set()
        self.clock = clock or (lambda: datetime.now(UTC))
        self.dc_max_results = dc_max_results
        layout = CLOUD_LAYOUT if mode == "cloud" else DC_LAYOUT
        self.layout = (
            layout if story_points else Layout(None, layout.rank, layout.epic_link, layout.sprint)
        )
        self.items: dict[str, JiraItem] = {}
        self.order: list[str] = []  # the board's rank order, one per site
        self.writes: list[tuple[str, str]] = []  # (kind, key): what was written, for tests
        self.refuse_rank: set[str] = set()  # keys a rank call reports as failed (207)
        self.read_only: set[str] = set()  # users who may browse but not edit or rank
        self.comments: dict[int, tuple[str, str]] = {}  # id -> (key, body)
        self.comment_properties: dict[int, list[dict[str, Any]]] = {}  # id -> its properties
        self.comment_authors: dict[int, str] = {}  # comment id -> user
        self.users: dict[str, str] = {}  # bearer token -> user
        self.cannot_edit_others: set[str] = set()  # users refused editing others' comments
        self.acting = BOT_USER  # the user of the request being handled
        self.changelog_fetches = 0  # bulk changelog requests, for the benchmark
        self._history_id = 30000
        self.odd_fields: dict[str, dict[str, Any]] = {}  # key -> fields sent in another shape
        self.moved: dict[str, str] = {}  # old key -> new key: Jira still answers the old one
        self._next_id = 10000
        # Cloud bulk edit (POST /rest/api/3/bulk/issues/fields): tasks run `bulk_seconds`
        # (ENQUEUED, RUNNING, then COMPLETE), at most `bulk_limit` at once per site; keys in
        # `bulk_fail` are reported failed per issue; without `bulk_permission` (the global
        # bulk-change permission) every submit is 403, and so is a quiet one
        # (sendBulkNotification false) without `project_admin`
        self.bulk_seconds = 0.05
        self.bulk_limit = 5
        self.bulk_fail: set[str] = set()
        self.bulk_permission = True
        self.project_admin = False
        self.tasks: dict[str, tuple[float, list[int], dict[str, list[str]]]] = {}
        self.bulk_submits = 0
        self.bulk_polls = 0
        self.fresh_requests = 0  # `key in (…)` searches (triagewise's freshness reads)
        self.refuse_post_search = False  # some DC sites and proxies answer 405 to POST search

    # -- state ------------------------------------------------------------------------------

    def add(self, project: str, summary: str, **fields: Any) -> JiraItem:
        self._next_id += 1
        number = 1 + sum(1 for k in self.items if k.startswith(f"{project}-"))
        now = self.clock()
        fields.setdefault("created", now)
        fields.setdefault("updated", fields["created"])
        item = JiraItem(
            self._next_id,
            f"{project}-{number}",
            project,
            summary,
            fields.pop("description", None),
            **fields,
        )
        self.items[item.key] = item
        self.order.append(item.key)
        return item

    def edit(self, key: str, actor: str = "ana", **changes: Any) -> JiraItem:
        """Change an issue as the person `actor` would; a label change enters the changelog."""
        item = self.items[key]
        before = list(item.labels)
        for name, value in changes.items():
            setattr(item, name, value)
        item.updated = self.clock()
        if "labels" in changes:
            self.record(item, before, actor)
        return item

    def add_user(self, token: str, user: str, edit_others: bool = False) -> None:
        """A bearer token of its own user; `edit_others`: it may edit others' comments."""
        self.tokens.add(token)
        self.users[token] = user
        if not edit_others:
            self.cannot_edit_others.add(user)
        else:
            self.cannot_edit_others.discard(user)

    def record(self, item: JiraItem, before: list[str], author: str) -> None:
        """One changelog entry for a label change, as Jira writes it: the whole label set
        before and after, space-separated."""
        if before == item.labels:
            return
        self._history_id += 1
        change = ("labels", " ".join(before), " ".join(item.labels))
        item.history.append((self._history_id, author, self.clock(), [change]))

    def add_comment_as(self, key: str, user: str, body: str) -> int:
        """A comment a person posts (e.g. one carrying triagewise's marker)."""
        new = 20000 + len(self.comments) + 1
        self.comments[new] = (key, body)
        self.comment_authors[new] = user
        return new

    def rank_of(self, key: str, positions: dict[str, int] | None = None) -> str:
        position = positions[key] if positions is not None else self.order.index(key)
        digits, n = "", position * 32 + 1000
        while n:
            n, r = divmod(n, 36)
            digits = "0123456789abcdefghijklmnopqrstuvwxyz"[r] + digits
        return f"0|{digits.rjust(6, '0')}:"

    # -- wire format ------------------------------------------------------------------------

    def _user(self, name: str | None, base: str, v: str) -> dict[str, Any] | None:
        if name is None:
            return None
        user: dict[str, Any] = {
            "self": f"{base}/rest/api/{v}/user?accountId={name}",
            "displayName": name.replace(".", " ").title(),
            "active": True,
            "timeZone": "UTC",
        }
        if self.mode == "cloud":
            user["accountId"] = hashlib.sha1(name.encode()).hexdigest()[:24]
        else:
            user.update(name=name, key=name, emailAddress=f"{name}@example.com")
        return user

    def render(
        self,
        item: JiraItem,
        base: str,
        v: str,
        wanted: set[str] | None,
        positions: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        cat_id, cat_name, color = _CATEGORIES[item.category]
        api = f"{base}/rest/api/{v}"
        fields: dict[str, Any] = {
            "summary": item.summary,
            "description": _adf(item.description) if v == "3" else item.description,
            "status": {
                "self": f"{api}/status/{abs(hash(item.status)) % 1000}",
                "name": item.status,
                "id": str(abs(hash(item.status)) % 1000),
                "statusCategory": {
                    "self": f"{api}/statuscategory/{cat_id}",
                    "id": cat_id,
                    "key": item.category,
                    "colorName": color,
                    "name": cat_name,
                },
            },
            "labels": list(item.labels),
            "reporter": self._user(item.reporter, base, v),
            "creator": self._user(item.reporter, base, v),
            "assignee": self._user(item.assignee, base, v),
            "created": _ts(item.created),
            "updated": _ts(item.updated),
            "resolutiondate": _ts(item.resolved) if item.resolved else None,
            "resolution": {"name": "Done", "id": "10000"} if item.resolved else None,
            "duedate": item.duedate.isoformat() if item.duedate else None,
            "priority": {"self": f"{api}/priority/3", "name": item.priority, "id": "3"},
            "issuetype": {
                "self": f"{api}/issuetype/10001",
                "id": "10001",
                "name": item.issuetype,
                "subtask": False,
            },
            "components": [
                {"self": f"{api}/component/1", "id": "1", "name": c} for c in item.components
            ],
            "fixVersions": [
                {"self": f"{api}/version/1", "id": "1", "name": n, "released": False}
                for n in item.fix_versions
            ],
            "votes": {
                "self": f"{api}/issue/{item.key}/votes",
                "votes": item.votes,
                "hasVoted": False,
            },
            "project": {
                "self": f"{api}/project/{item.project}",
                "id": "10000",
                "key": item.project,
                "name": item.project,
            },
            "parent": None,
            self.layout.rank[0]: self.rank_of(item.key, positions),
            self.layout.epic_link[0]: item.epic,
            self.layout.sprint[0]: self._sprint(item),
        }
        if self.layout.story_points:
            fields[self.layout.story_points[0]] = item.story_points
        fields.update(self.odd_fields.get(item.key, {}))
        if wanted is not None and not {"*all", "*navigable"} & wanted:
            fields = {k: v for k, v in fields.items() if k in wanted}
        if wanted is not None and "comment" in wanted:  # asked for by name, oldest first
            rows = [
                {"id": str(i), "body": b, "author": self._user(
                    self.comment_authors.get(i, BOT_USER), base, v)}
                for i, (k, b) in sorted(self.comments.items()) if k == item.key
            ]  # fmt: skip
            fields["comment"] = {"comments": rows, "maxResults": len(rows), "total": len(rows),
                                 "startAt": 0}  # fmt: skip
        return {
            "expand": "",
            "id": str(item.id),
            "self": f"{api}/issue/{item.id}",
            "key": item.key,
            "fields": fields,
        }

    def _sprint(self, item: JiraItem) -> Any:
        if item.sprint is None:
            return None
        if self.mode == "cloud":
            return [{"id": 1, "name": item.sprint, "state": "active", "boardId": 1}]
        return [
            f"com.atlassian.greenhopper.service.sprint.Sprint@1a2b[id=1,rapidViewId=1,state=ACTIVE,name={item.sprint},startDate=<null>]"
        ]

    def field_list(self) -> list[dict[str, Any]]:
        system = [
            ("summary", "Summary", "string"), ("description", "Description", "string"),
            ("status", "Status", "status"), ("labels", "Labels", "array"),
            ("reporter", "Reporter", "user"), ("assignee", "Assignee", "user"),
            ("created", "Created", "datetime"), ("updated", "Updated", "datetime"),
            ("resolutiondate", "Resolved", "datetime"), ("duedate", "Due date", "date"),
            ("priority", "Priority", "priority"), ("issuetype", "Issue Type", "issuetype"),
            ("components", "Component/s", "array"), ("fixVersions", "Fix Version/s", "array"),
            ("votes", "Votes", "votes"), ("project", "Project", "project"), ("parent", "Parent", "issuelink"),
        ]  # fmt: skip
        out = [
            {"id": fid, "key": fid, "name": name, "custom": False, "orderable": True, "navigable": True,
             "searchable": True, "clauseNames": [fid.lower() if fid != "fixVersions" else "fixVersion"],
             "schema": {"type": kind, "system": fid}}
            for fid, name, kind in system
        ]  # fmt: skip
        customs = [self.layout.rank, self.layout.epic_link, self.layout.sprint]
        if self.layout.story_points:
            customs.insert(0, self.layout.story_points)
        for fid, name, custom in customs:
            number = fid.split("_")[1]
            out.append({"id": fid, "key": fid, "name": name, "custom": True, "orderable": True, "navigable": True,
                        "searchable": True, "clauseNames": [f"cf[{number}]", name],
                        "schema": {"type": "any", "custom": custom, "customId": int(number)}})  # fmt: skip
        return out

    def _row(self, item: JiraItem, positions: dict[str, int]) -> dict[str, Any]:
        return {
            "key": item.key, "id": str(item.id), "project": item.project, "labels": item.labels,
            "status": item.status, "statuscategory": [_CATEGORIES[item.category][1], item.category],
            "updated": item.updated, "created": item.created, "resolutiondate": item.resolved,
            "issuetype": item.issuetype, "priority": item.priority, "assignee": item.assignee,
            "reporter": item.reporter, "summary": item.summary, "description": item.description,
            "component": item.components, "fixversion": item.fix_versions,
            "rank": positions[item.key],
            "duedate": datetime(item.duedate.year, item.duedate.month, item.duedate.day, tzinfo=UTC) if item.duedate else None,
        }  # fmt: skip

    # -- protocol ---------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        return path.startswith(("/rest/api/2/", "/rest/api/3/", "/rest/agile/1.0/"))

    def _error(
        self, status: int, messages: list[str], errors: dict[str, str] | None = None
    ) -> Response:
        return Response.json(status, {"errorMessages": messages, "errors": errors or {}})

    def fault_response(self, kind: str, request: Request) -> Response:
        if kind in ("429", "secondary", "primary"):
            return Response.json(
                429,
                {"errorMessages": ["Rate limit exceeded."], "errors": {}},
                {
                    "Retry-After": "1",
                    "RateLimit-Reason": "jira-burst-based",
                    "X-RateLimit-Limit": "100",
                },
            )
        status = int(kind) if kind.isdigit() else 500
        return self._error(status, ["Internal server error"])

    def _authorized(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Bearer "):
            return auth[7:].strip() in self.tokens
        if auth.startswith("Basic "):
            try:
                user, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
            except ValueError:
                return False
            return (user, secret) in self.credentials
        return False

    def _user_of(self, request: Request) -> str:
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            return base64.b64decode(auth[6:]).decode(errors="replace").partition(":")[0]
        return auth[7:].strip()

    def login_of(self, request: Request) -> str:
        """The user a request acts as."""
        auth = request.headers.get("authorization", "")
        if auth.startswith("Basic "):
            return self._user_of(request)
        return self.users.get(auth[7:].strip(), BOT_USER)

    def _history(self, item: JiraItem, base: str, v: str) -> list[dict[str, Any]]:
        return [
            {
                "id": str(hid),
                "author": self._user(author, base, v),
                "created": _ts(when),
                "items": [
                    # Jira sends "from"/"to" null for labels, which its spec forbids: omitted
                    {"field": f, "fieldtype": "jira", "fieldId": f, "fromString": old,
                     "toString": new}
                    for f, old, new in changes
                ],
            }
            for hid, author, when, changes in item.history
        ]  # fmt: skip

    def changelog(self, request: Request, item: JiraItem, v: str) -> Response:
        """GET issue/{key}/changelog: one issue's changelog, paged by startAt."""
        rows = self._history(item, request.base_url, v)
        try:
            start = max(0, int(request.query.get("startAt") or 0))
            size = max(1, min(100, int(request.query.get("maxResults") or 100)))
        except ValueError:
            start, size = 0, 100
        page = rows[start : start + size]
        return Response.json(200, {
            "self": f"{request.base_url}{request.path}", "startAt": start, "maxResults": size,
            "total": len(rows), "isLast": start + size >= len(rows), "values": page,
        })  # fmt: skip

    def bulk_changelog(self, request: Request) -> Response:
        """POST /rest/api/3/changelog/bulkfetch (Cloud): up to 1,000 issues a call."""
        if self.mode != "cloud":
            return self._error(404, ["null for uri: " + request.path])
        try:
            body = request.json() or {}
        except ValueError:
            return self._error(400, ["Unexpected character in the request body."])
        asked = [str(x) for x in body.get("issueIdsOrKeys") or []]
        if not asked or len(asked) > 1000:
            return self._error(400, ["issueIdsOrKeys: between 1 and 1000 issues."])
        fields = set(body.get("fieldIds") or [])
        try:
            size = max(1, min(10000, int(body.get("maxResults") or 1000)))
            offset = int(base64.urlsafe_b64decode(str(body.get("nextPageToken") or "MA==")))
        except ValueError:
            return self._error(400, ["The provided next page token is invalid or expired."])
        self.changelog_fetches += 1
        entries: list[tuple[str, dict[str, Any]]] = []
        for key in asked:
            item = self._find(key)
            if item is None:
                continue
            for history in self._history(item, request.base_url, "3"):
                items = [i for i in history["items"] if not fields or i["fieldId"] in fields]
                if items:
                    entries.append((str(item.id), history | {"items": items}))
        page = entries[offset : offset + size]
        logs: list[dict[str, Any]] = []
        for issue_id, history in page:
            if not logs or logs[-1]["issueId"] != issue_id:
                logs.append({"issueId": issue_id, "changeHistories": []})
            logs[-1]["changeHistories"].append(history)
        answer: dict[str, Any] = {"issueChangeLogs": logs}
        if offset + size < len(entries):
            answer["nextPageToken"] = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
        return Response.json(200, answer)

    def handle(self, request: Request) -> Response:
        if not self._authorized(request):
            return Response.json(401, {"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}})  # fmt: skip
        if (
            request.method in ("PUT", "POST")
            and "/search" not in request.path
            and self._user_of(request) in self.read_only
        ):
            return self._error(403, ["You do not have permission to edit issues in this project."])
        self.acting = self.login_of(request)
        if request.path == _AGILE_RANK and request.method == "PUT":
            return self.rank(request)
        m = _API.match(request.path)
        if not m:
            return self._error(404, ["null for uri: " + request.path])
        v, rest = m.group("v"), m.group("rest").rstrip("/")
        base = request.base_url
        if rest == "serverInfo":
            return Response.json(200, self.server_info(base))
        if rest == "myself":
            return Response.json(200, self._user(self.acting, base, v))
        if rest == "changelog/bulkfetch" and request.method == "POST":
            return self.bulk_changelog(request)
        changes = re.match(r"^issue/([^/]+)/changelog$", rest)
        if changes and request.method == "GET":
            found = self._find(changes.group(1))
            if found is None or self.mode != "cloud":
                return self._error(404, ["Issue does not exist or you do not have permission to see it."])  # fmt: skip
            return self.changelog(request, found, v)
        if rest == "field":
            return Response.json(200, self.field_list())
        if rest == "mypermissions" and request.method == "GET":
            return self.my_permissions(request)
        if rest == "bulk/issues/fields" and request.method == "POST":
            return self.bulk_edit(request)
        queue = re.match(r"^bulk/queue/([^/]+)$", rest)
        if queue and request.method == "GET":
            return self.bulk_task(queue.group(1))
        if rest in ("search/jql", "search"):
            if rest == "search/jql" and self.mode != "cloud":
                return self._error(404, ["null for uri: " + request.path])
            if rest == "search" and request.method == "POST" and self.refuse_post_search:
                return Response.json(405, {}, {"Allow": "GET"})
            if rest == "search" and self.mode == "cloud":
                return self._error(410, ["The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"])  # fmt: skip
            return self.search(request, v, cloud=rest == "search/jql")
        prop = re.match(r"^comment/(\d+)/properties/([^/]+)$", rest)
        if prop and request.method == "GET":  # Jira's path: by comment id alone
            return self.comment_property(int(prop.group(1)), prop.group(2))
        comment = re.match(r"^issue/([^/]+)/comment(?:/(\d+))?$", rest)
        if comment:
            return self.comment(request, comment.group(1), comment.group(2))
        issue = re.match(r"^issue/([^/]+)$", rest)
        if issue:
            item = self._find(issue.group(1))
            if item is None:
                return self._error(
                    404, ["Issue does not exist or you do not have permission to see it."]
                )
            if request.method == "GET":
                answer = self.render(item, base, v, None)
                if "changelog" in (request.query.get("expand") or "").split(","):
                    rows = self._history(item, base, v)
                    answer["changelog"] = {
                        "startAt": 0, "maxResults": len(rows), "total": len(rows),
                        "histories": rows,
                    }  # fmt: skip
                return Response.json(200, answer)
            if request.method == "PUT":
                if request.query.get("notifyUsers") == "false" and not self.project_admin:
                    return self._error(403, ["To discard the user's notification either admin or project admin permissions are required."])  # fmt: skip
                return self.edit_issue(item, request)
        return self._error(404, ["null for uri: " + request.path])

    def server_info(self, base: str) -> dict[str, Any]:
        cloud = self.mode == "cloud"
        info = {
            "baseUrl": base,
            "version": "1001.0.0-SNAPSHOT" if cloud else "9.12.4",
            "versionNumbers": [1001, 0, 0] if cloud else [9, 12, 4],
            "deploymentType": "Cloud" if cloud else "Server",
            "buildNumber": 100250 if cloud else 9120004,
            "buildDate": "2026-11-01T00:00:00.000+0000",
            "serverTime": _ts(self.clock()),
            "scmInfo": "sandbox",
            "serverTitle": "triagewise sandbox Jira",
        }
        if not self.announce_deployment:
            del info["deploymentType"]
        return info

    def delete_issue(self, key: str) -> None:
        """As an admin deletes an issue: gone from searches and the board; its key is 404."""
        self.items.pop(key)
        self.order = [k for k in self.order if k != key]

    def move_issue(self, key: str, project: str) -> str:
        """As Jira moves an issue to another project: a new key, the same id, updated now; the
        old key still finds it (GET /issue/OLD-1 answers with the new key)."""
        item = self.items.pop(key)
        number = 1 + max(
            (int(k.rsplit("-", 1)[1]) for k in self.items if k.startswith(f"{project}-")),
            default=0,
        )
        item.key, item.project, item.updated = f"{project}-{number}", project, self.clock()
        self.items[item.key] = item
        self.order = [item.key if k == key else k for k in self.order]
        self.moved[key] = item.key
        return item.key

    def _find(self, key_or_id: str) -> JiraItem | None:
        key_or_id = self.moved.get(key_or_id, key_or_id)
        if key_or_id in self.items:
            return self.items[key_or_id]
        return next((i for i in self.items.values() if str(i.id) == key_or_id), None)

    def search(self, request: Request, v: str, cloud: bool) -> Response:
        if request.method == "POST":
            try:
                body = request.json() or {}
            except ValueError:
                return self._error(
                    400,
                    ["Invalid request payload. Refer to the REST API documentation and try again."],
                )
            params = dict(body)
        else:
            params = dict(request.query)
            if "fields" in request.query_all:  # requests repeats the parameter for a list
                params["fields"] = ",".join(request.query_all["fields"])
        jql = str(params.get("jql") or "")
        if jql.lower().startswith("key in ("):
            self.fresh_requests += 1
        listed = re.search(r"(?i)\bkey\s+in\s*\(([^)]*)\)", jql)
        for key in (k.strip().strip('"') for k in (listed.group(1).split(",") if listed else [])):
            if key and self._find(key) is None:  # as Jira: one unknown key fails the search
                return self._error(400, [f"An issue with key '{key}' does not exist for field 'key'."])  # fmt: skip
        fields = params.get("fields") or (["id"] if cloud else ["*navigable"])
        if isinstance(fields, str):
            fields = [f for f in fields.split(",") if f]
        wanted = {str(f) for f in fields}
        try:
            query = parse(jql, self.clock())
        except JqlError as exc:
            return self._error(400, [str(exc)])
        if cloud and query.where is None:
            return self._error(
                400,
                [
                    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query."
                ],
            )
        positions = {key: n for n, key in enumerate(self.order)}
        rows = [self._row(i, positions) for i in self.items.values()]
        hits = sort_rows([r for r in rows if query.matches(r)], query.order)
        try:
            asked = int(params.get("maxResults") or 50)
        except (TypeError, ValueError):
            asked = 50
        if cloud:
            cap = 5000 if wanted <= {"id", "key"} else 100
            size = max(1, min(asked, cap))
            token = params.get("nextPageToken")
            offset = 0
            if token:
                try:
                    offset = int(base64.urlsafe_b64decode(str(token)).decode().split(":")[0])
                except (ValueError, UnicodeDecodeError):
                    return self._error(400, ["The provided next page token is invalid or expired."])
            page = hits[offset : offset + size]
            answer: dict[str, Any] = {
                "issues": [
                    self.render(self.items[r["key"]], request.base_url, v, wanted, positions)
                    for r in page
                ]
            }
            if offset + size < len(hits):
                digest = hashlib.sha1(jql.encode()).hexdigest()[:8]
                answer["nextPageToken"] = base64.urlsafe_b64encode(
                    f"{offset + size}:{digest}".encode()
                ).decode()
                answer["isLast"] = False
            else:
                answer["isLast"] = True
            return Response.json(200, answer)
        size = max(1, min(asked, self.dc_max_results))
        try:
            start = max(0, int(params.get("startAt") or 0))
        except (TypeError, ValueError):
            start = 0
        page = hits[start : start + size]
        return Response.json(200, {
            "expand": "schema,names", "startAt": start, "maxResults": size, "total": len(hits),
            "issues": [self.render(self.items[r["key"]], request.base_url, v, wanted, positions)
                    for r in page],
        })  # fmt: skip

    def my_permissions(self, request: Request) -> Response:
        """`GET mypermissions?projectKey=&permissions=`: the sandbox user administers its
        projects only with `project_admin`; browse and edit always."""
        wanted = [p for p in request.query.get("permissions", "").split(",") if p]
        if not wanted:
            return self._error(400, ["The permissions parameter is required."])
        project = request.query.get("projectKey")
        if project and not any(i.project == project for i in self.items.values()):
            return self._error(404, [f"No project could be found with key '{project}'."])
        have = {"ADMINISTER_PROJECTS": self.project_admin, "BULK_CHANGE": self.bulk_permission}
        body = {
            "permissions": {
                name: {"key": name, "name": name.title(), "type": "PROJECT",
                       "havePermission": have.get(name, True)}
                for name in wanted
            }
        }  # fmt: skip
        return Response.json(200, body)

    def _running(self) -> int:
        moment = time.monotonic()
        return sum(1 for t, _, _ in self.tasks.values() if moment - t < self.bulk_seconds)

    def bulk_edit(self, request: Request) -> Response:
        if self.mode != "cloud":
            return self._error(404, ["null for uri: " + request.path])
        try:
            body = request.json() or {}
        except ValueError:
            return self._error(400, ["Unexpected character in the request body."])
        if not self.bulk_permission:
            return self._error(403, ["You don't have the global bulk change permission."])
        if body.get("sendBulkNotification") is False and not self.project_admin:
            return self._error(403, ["Only project admins can disable bulk notifications."])
        if self._running() >= self.bulk_limit:
            return self._error(429, ["Too many concurrent bulk operations (at most 5)."])
        selected = [str(x) for x in body.get("selectedIssueIdsOrKeys") or []]
        fields = (body.get("editedFieldsInput") or {}).get("labelsFields") or []
        if not selected or len(selected) > 1000 or body.get("selectedActions") != ["labels"]:
            return self._error(400, ["Select between 1 and 1000 issues and the labels action."])
        if len(fields) != 1 or fields[0].get("fieldId") != "labels":
            return self._error(400, ["One labels field edit per request."])
        option = fields[0].get("bulkEditMultiSelectFieldOption")
        names = [str(x.get("name")) for x in fields[0].get("labels") or []]
        if option not in ("ADD", "REMOVE", "REPLACE", "REMOVE_ALL"):
            return self._error(400, [f"Unknown bulkEditMultiSelectFieldOption {option!r}."])
        processed: list[int] = []
        failed: dict[str, list[str]] = {}
        for key in selected:
            item = self._find(key)
            if item is None:
                continue  # counted in invalidOrInaccessibleIssueCount
            if item.key in self.bulk_fail:
                failed[str(item.id)] = ["The issue could not be edited."]
                continue
            labels = list(item.labels)
            if option == "ADD":
                labels += [n for n in names if n not in labels]
            elif option == "REMOVE":
                labels = [x for x in labels if x not in names]
            elif option == "REPLACE":
                labels = list(names)
            else:
                labels = []
            if labels != item.labels:
                before, item.labels = item.labels, labels
                item.updated = self.clock()
                self.record(item, before, self.acting)
            self.writes.append(("bulk", item.key))
            processed.append(item.id)
        self._next_id += 1
        task = f"{self._next_id}"
        self.tasks[task] = (time.monotonic(), processed, failed)
        self.bulk_submits += 1
        return Response.json(201, {"taskId": task})

    def bulk_task(self, task: str) -> Response:
        found = self.tasks.get(task)
        if found is None:
            return self._error(404, [f"No bulk task {task}."])
        self.bulk_polls += 1
        started, processed, failed = found
        age = time.monotonic() - started
        status = (
            "ENQUEUED"
            if age < self.bulk_seconds / 2
            else "RUNNING"
            if age < self.bulk_seconds
            else "COMPLETE"
        )
        done = status == "COMPLETE"
        body = {
            "taskId": task,
            "status": status,
            "progressPercent": 100 if done else 50,
            "processedAccessibleIssues": processed if done else [],
            "failedAccessibleIssues": failed if done else {},
            "invalidOrInaccessibleIssueCount": 0,
            "totalIssueCount": len(processed) + len(failed),
        }
        return Response.json(200, body)

    def edit_issue(self, item: JiraItem, request: Request) -> Response:
        try:
            body = request.json() or {}
        except ValueError:
            return self._error(400, ["Unexpected character in the request body."])
        labels = list(item.labels)
        operations = (body.get("update") or {}).get("labels")
        if "labels" in (body.get("fields") or {}):
            labels = list(body["fields"]["labels"] or [])
        for op in operations or []:
            for verb, value in op.items():
                if verb == "add" and value not in labels:
                    labels.append(value)
                elif verb == "remove" and value in labels:
                    labels.remove(value)
                elif verb == "set":
                    labels = list(value)
        unknown = set(body.get("fields") or {}) - {"labels"} | set(body.get("update") or {}) - {
            "labels"
        }
        if unknown:
            name = sorted(unknown)[0]
            return self._error(
                400,
                [],
                {
                    name: f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."
                },
            )
        for label in labels:
            if " " in label:
                return self._error(
                    400, [], {"labels": f"The label '{label}' contains spaces which is invalid."}
                )
            if len(label) > 255:
                return self._error(
                    400,
                    [],
                    {
                        "labels": "The entered text is too long. It exceeds the allowed limit of 255 characters."
                    },
                )
        if labels != item.labels:
            before, item.labels = item.labels, labels
            item.updated = self.clock()
            self.record(item, before, self.acting)
        self.writes.append(("labels", item.key))
        return Response(204)

    def comment(self, request: Request, key: str, cid: str | None) -> Response:
        item = self._find(key)
        if item is None:
            return self._error(
                404, ["Issue does not exist or you do not have permission to see it."]
            )
        mine = {i: b for i, (k, b) in self.comments.items() if k == item.key}
        if request.method == "GET" and cid is None:
            expand = "properties" in request.query.get("expand", "")
            rows = [
                {
                    "id": str(i),
                    "body": b,
                    "author": self._user(
                        self.comment_authors.get(i, BOT_USER), request.base_url, "2"
                    ),
                    **({"properties": self.comment_properties.get(i, [])} if expand else {}),
                }
                for i, b in sorted(mine.items())  # ids grow with time: oldest first
            ]
            if request.query.get("orderBy") == "-created":
                rows.reverse()
            try:
                start = max(0, int(request.query.get("startAt", 0)))
                size = max(1, min(5000, int(request.query.get("maxResults", 5000))))
            except ValueError:
                return self._error(400, ["startAt and maxResults must be numbers."])
            page = {"startAt": start, "maxResults": size, "total": len(rows)}
            return Response.json(200, page | {"comments": rows[start : start + size]})
        payload = (request.json() or {}) if request.body else {}
        body = payload.get("body") if request.body else None
        if not body:
            return self._error(400, [], {"comment": "Comment body can not be empty!"})
        if request.method == "POST" and cid is None:
            new = 20000 + len(self.comments) + 1
            self.comments[new] = (item.key, str(body))
            self.comment_properties[new] = list(payload.get("properties") or [])
            self.comment_authors[new] = self.acting
            self.writes.append(("comment", item.key))
            return Response.json(201, {"id": str(new), "body": body})
        if request.method == "PUT" and cid is not None and int(cid) in mine:
            author = self.comment_authors.get(int(cid), BOT_USER)
            if author != self.acting and self.acting in self.cannot_edit_others:
                return self._error(403, ["You do not have the permission to edit this comment."])
            self.comments[int(cid)] = (item.key, str(body))
            given = {p.get("key"): p for p in payload.get("properties") or []}
            kept = [p for p in self.comment_properties.get(int(cid), []) if p["key"] not in given]
            self.comment_properties[int(cid)] = kept + list(given.values())
            self.writes.append(("comment", item.key))
            return Response.json(200, {"id": cid, "body": body})
        return self._error(404, ["Can not find a comment for the id: " + str(cid) + "."])

    def comment_property(self, cid: int, name: str) -> Response:
        """`GET comment/ID/properties/NAME`: `{key, value}`, 404 when it has none."""
        found = [p for p in self.comment_properties.get(cid, []) if p.get("key") == name]
        if cid not in self.comments or not found:
            return self._error(404, [f"The property with key '{name}' does not exist."])
        return Response.json(200, {"key": name, "value": found[-1].get("value")})

    def rank(self, request: Request) -> Response:
        try:
            body = request.json() or {}
        except ValueError:
            return self._error(400, ["Unexpected character in the request body."])
        keys = [str(k) for k in body.get("issues") or []]
        before, after = body.get("rankBeforeIssue"), body.get("rankAfterIssue")
        if not keys or (before is None) == (after is None):
            return self._error(
                400,
                ["You must specify issues and exactly one of rankBeforeIssue or rankAfterIssue."],
            )
        if len(keys) > 50:
            return self._error(400, ["Cannot rank more than 50 issues at once."])
        anchor = self._find(str(before or after))
        if anchor is None:
            return self._error(400, [f"Issue {before or after} does not exist."])
        found = [(k, None if k in self.refuse_rank else self._find(k)) for k in keys]
        movable = [i.key for _, i in found if i is not None and i.key != anchor.key]
        for key in movable:
            self.order.remove(key)
        at = self.order.index(anchor.key) + (0 if before else 1)
        self.order[at:at] = movable  # placed as a block, in the order given
        self.writes.append(("rank", ",".join(movable)))
        if all(i is not None for _, i in found):
            return Response(204)
        entries = [
            {"issueId": i.id, "issueKey": i.key, "status": 200} if i is not None
            else {"issueId": None, "issueKey": k, "status": 404, "errors": [f"Issue {k} does not exist."]}
            for k, i in found
        ]  # fmt: skip
        return Response.json(207, {"entries": entries})

    def admin(self, request: Request) -> Response | None:
        if request.path == "/_sandbox/jira/shuffle" and request.method == "POST":
            spec = request.json()
            rng = random.Random(int(spec.get("seed", 1)))
            mine = [k for k in self.order if self.items[k].project == spec["project"]]
            slots = [
                n for n, k in enumerate(self.order) if self.items[k].project == spec["project"]
            ]
            if spec.get("count"):  # displace `count` issues to random places
                for key in rng.sample(mine, int(spec["count"])):
                    mine.remove(key)
                    mine.insert(rng.randrange(len(mine) + 1), key)
            else:
                rng.shuffle(mine)
            for slot, key in zip(slots, mine, strict=True):
                self.order[slot] = key
            return Response.json(200, {"shuffled": len(mine)})
        if request.path == "/_sandbox/jira/state":
            labels = {k: i.labels for k, i in self.items.items()}
            state: dict[str, Any] = {"order": self.order, "labels": labels, "writes": self.writes}
            state |= {"bulk_submits": self.bulk_submits, "bulk_polls": self.bulk_polls,
                      "fresh_requests": self.fresh_requests}  # fmt: skip
            return Response.json(200, state)
        if request.path == "/_sandbox/jira/edit" and request.method == "POST":
            spec = request.json()
            project = spec.get("project")
            keys = sorted(
                (k for k, i in self.items.items() if project in (None, i.project)),
                key=lambda k: self.items[k].id,
            )
            step = max(1, len(keys) // max(1, int(spec["count"])))
            edited = keys[::step][: int(spec["count"])]
            for key in edited:
                self.edit(key, votes=self.items[key].votes + 1)
            return Response.json(200, {"edited": edited})
        return None
