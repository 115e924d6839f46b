"""A GitHub REST API in memory, answering in GitHub's wire format (2022-11-28)."""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlencode

from triagewise.sandbox.github_graphql import execute
from triagewise.sandbox.github_state import Item, LabelEvent, Project, Repo, _node, _ts
from triagewise.sandbox.server import Request, Response

__all__ = ["BOT_LOGIN", "GitHubApp", "Item", "LabelEvent", "Project", "Repo"]

BOT_LOGIN = "sandbox-user"  # who a token without its own user is

DOCS = "https://docs.github.com/rest"
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<name>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (m, re.compile(p + r"$"), h)
    for m, p, h in [
        ("GET", _REPO + r"/issues", "list_issues"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)", "get_issue"),
        ("GET", r"/repositories/(?P<repo_id>\d+)/issues/(?P<number>\d+)", "get_issue_by_repo_id"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/labels", "get_issue_labels"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/events", "list_events"),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/labels", "add_labels"),
        ("PUT", _REPO + r"/issues/(?P<number>\d+)/labels", "set_labels"),
        ("DELETE", _REPO + r"/issues/(?P<number>\d+)/labels", "clear_labels"),
        ("DELETE", _REPO + r"/issues/(?P<number>\d+)/labels/(?P<label>.+)", "remove_label"),
        ("GET", _REPO + r"/labels", "list_labels"),
        ("GET", _REPO + r"/issues/(?P<number>\d+)/comments", "list_comments"),
        ("POST", _REPO + r"/issues/(?P<number>\d+)/comments", "add_comment"),
        ("PATCH", _REPO + r"/issues/comments/(?P<comment>\d+)", "edit_comment"),
        ("GET", _REPO, "get_repo"),
        ("GET", r"/rate_limit", "get_rate_limit"),
        ("GET", r"/user", "get_user"),
    ]
]


def _user(login: str, base: str) -> dict[str, Any]:
    uid = int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)
    api = f"{base}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": _node("User", uid),
        "avatar_url": f"{base}/avatars/{login}",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{base}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "Bot" if login.endswith("[bot]") else "User",
        "site_admin": False,
    }


class GitHubApp:
    """State and routes. Tokens in `tokens` are accepted; any other is 401.

    Each token is one user (`users`: token -> login; a token without an entry is
    `BOT_LOGIN`). Every label change is recorded as a `LabelEvent` with its actor: the token's
    user for API writes, the `actor` given to `edit`/`label` for a person in the UI; labels an
    issue is seeded with have no events (an import). Comments keep their author; editing
    another user's comment is refused (403) when the editor's login is in `cannot_edit_others`.
    """

    def __init__(
        self,
        tokens: set[str],
        read_only: set[str] | None = None,
        clock: Callable[[], datetime] | None = None,
        rate_limit: int = 5000,
    ) -> None:
        self.tokens = tokens
        self.read_only = read_only or set()  # tokens that may read but not write
        self.users: dict[str, str] = {}  # token -> login
        self.cannot_edit_others: set[str] = set()  # logins refused editing others' comments
        self.acting = BOT_LOGIN  # the login of the request being handled
        self.comment_authors: dict[int, str] = {}  # comment id -> login
        self._event_id = 0
        self.repos: dict[str, Repo] = {}
        self.clock = clock or (lambda: datetime.now(UTC))
        self.rate_limit = rate_limit
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self._next_id = 1_000_000
        self.label_writes: list[tuple[str, int]] = []  # every label write, for tests
        # odd shapes real payloads sometimes have: keys of an issue's REST JSON replaced as
        # given (a null where a list belongs, a label object without a name), by number
        self.odd: dict[int, dict[str, Any]] = {}
        # issues deleted (None) or transferred (the new repository id and number), by their
        # old (repository, number): REST answers 410 or 301 for them, GraphQL resolves nothing
        self.gone: dict[tuple[str, int], tuple[int, int] | None] = {}
        self.projects: dict[tuple[str, int], Project] = {}
        self.comments: dict[int, tuple[int, str]] = {}  # id -> (issue number, body)
        self.comment_writes: list[str] = []
        # GitHub's secondary limits as the sandbox plays them: more than `mutation_burst`
        # mutation requests within `mutation_window` seconds answer 403 "secondary rate
        # limit" with Retry-After; a request with more than `max_mutations` aliased mutations
        # answers "Resource limits for this query exceeded" (None: no such limit)
        self.mutation_burst: int | None = None
        self.mutation_window = 60.0
        self.max_mutations: int | None = None
        self.mutation_times: list[float] = []
        self.mutation_requests = 0
        self.label_requests = 0  # mutation requests that carry label writes
        self.fresh_requests = 0  # `nodes(ids:)` queries (triagewise's freshness reads)

    # -- state ------------------------------------------------------------------------------

    def add_user(self, token: str, login: str, edit_others: bool = False) -> None:
        """A token of its own user; `edit_others`: it may edit other users' comments."""
        self.tokens.add(token)
        self.users[token] = login
        if not edit_others:
            self.cannot_edit_others.add(login)
        else:
            self.cannot_edit_others.discard(login)

    def login_of(self, token: str) -> str:
        return self.users.get(token, BOT_LOGIN)

    def record(self, item: Item, before: list[str], actor: str) -> None:
        """Label events for the difference between `before` and the item's labels now."""
        old = {n.lower() for n in before}
        new = {n.lower() for n in item.labels}
        moment = self.clock()
        changes = [("unlabeled", n) for n in before if n.lower() not in new]
        changes += [("labeled", n) for n in item.labels if n.lower() not in old]
        for kind, name in changes:
            self._event_id += 1
            item.events.append(LabelEvent(4_000_000 + self._event_id, kind, name, actor, moment))

    def label(
        self,
        full_name: str,
        number: int,
        actor: str,
        add: tuple[str, ...] = (),
        remove: tuple[str, ...] = (),
    ) -> Item:
        """A person adds and removes labels in the UI (recorded as their label events)."""
        repo = self.repos[full_name.lower()]
        item = repo.items[number]
        gone = {n.lower() for n in remove}
        kept = [n for n in item.labels if n.lower() not in gone]
        names = [self.label_name(repo, n) for n in add]
        labels = _first_of_each([*kept, *names])
        return self.edit(full_name, number, actor=actor, labels=labels)  # fmt: skip

    def add_comment_as(self, full_name: str, number: int, login: str, body: str) -> int:
        """A comment a person posts (e.g. one carrying triagewise's marker)."""
        cid = 700000 + len(self.comments) + 1
        self.comments[cid] = (number, body)
        self.comment_authors[cid] = login
        return cid

    def add_repo(self, full_name: str) -> Repo:
        owner, name = full_name.split("/")
        repo = Repo(owner, name, id=len(self.repos) + 1000)
        self.repos[full_name.lower()] = repo
        return repo

    def add_item(self, repo: Repo, **fields: Any) -> Item:
        self._next_id += 1
        number = fields.pop("number", None) or (max(repo.items, default=0) + 1)
        now = self.clock()
        fields.setdefault("created_at", now)
        fields.setdefault("updated_at", fields["created_at"])
        item = Item(number=number, id=self._next_id, **fields)
        repo.items[number] = item
        item.labels = _first_of_each([self.label_name(repo, x) for x in item.labels])
        for label in item.labels:
            repo.labels.setdefault(label, ("ededed", ""))
        return item

    @staticmethod
    def label_name(repo: Repo, name: str) -> str:
        """A label as the repository spells it: GitHub's label names ignore case, so
        `triage/later` is the existing `Triage/Later`."""
        folded = name.lower()
        return next((n for n in repo.labels if n.lower() == folded), name)

    def edit(self, full_name: str, number: int, actor: str = "maintainer", **changes: Any) -> Item:
        """Change an issue as the person `actor` would in the UI; bumps `updated_at`. A change
        of `labels` is recorded as their label events."""
        item = self.repos[full_name.lower()].items[number]
        before = list(item.labels)
        for key, value in changes.items():
            setattr(item, key, value)
        item.updated_at = self.clock()
        if "labels" in changes:
            self.record(item, before, actor)
        return item

    def add_project(self, owner: str, number: int, issues: list[Item]) -> Project:
        project = Project(_node("ProjectV2", 7000 + number), owner, number)
        for item in issues:
            project.items.append((project.new_item_id(), self.render_item_node_id(item)))
        self.projects[(owner.lower(), number)] = project
        return project

    def node_index(self) -> dict[str, tuple[Repo, Item]]:
        """Issue node id -> (repo, item), rebuilt only when items were added."""
        size = sum(len(r.items) for r in self.repos.values())
        if getattr(self, "_index_size", -1) != size:
            self._index = {
                self.render_item_node_id(i): (r, i)
                for r in self.repos.values()
                for i in r.items.values()
            }
            self._index_size = size
        return self._index

    def delete_issue(self, repo_name: str, number: int) -> None:
        """As an admin deletes an issue: gone from lists, boards and GraphQL; REST 410."""
        repo = self.repos[repo_name.lower()]
        item = repo.items.pop(number)
        self._off_boards(item)
        self.gone[(repo.full_name.lower(), number)] = None

    def transfer_issue(self, repo_name: str, number: int, to_repo: str) -> int:
        """As GitHub transfers an issue: a new issue (new id, node id and number) in the other
        repository with the labels both have, updated now; the old URL answers 301."""
        repo, target = self.repos[repo_name.lower()], self.repos[to_repo.lower()]
        item = repo.items.pop(number)
        self._off_boards(item)
        self._next_id += 1
        new_number = max(target.items, default=0) + 1
        item.id, item.number, item.updated_at = self._next_id, new_number, self.clock()
        item.labels = [n for n in item.labels if n.lower() in {k.lower() for k in target.labels}]
        target.items[new_number] = item
        self.gone[(repo.full_name.lower(), number)] = (target.id, new_number)
        return new_number

    def _off_boards(self, item: Item) -> None:
        node = self.render_item_node_id(item)
        for project in self.projects.values():
            project.items = [(i, c) for i, c in project.items if c != node]
        self._index_size = -1  # the node index is rebuilt

    def render_item_node_id(self, item: Item) -> str:
        return _node("PullRequest" if item.is_pr else "Issue", item.id)

    def change_labels(self, repo: Repo, item: Item, add: list[str], remove: list[str]) -> None:
        """A label write as GitHub does it: only the named labels change; updated_at moves."""
        gone = {n.lower() for n in remove}
        kept = [n for n in item.labels if n.lower() not in gone]
        new = kept + [n for n in add if n.lower() not in {k.lower() for k in kept}]
        self.label_writes.append((repo.full_name, item.number))
        if new != item.labels:
            before, item.labels = item.labels, new
            item.updated_at = self.clock()
            self.record(item, before, self.acting)

    # -- wire format ------------------------------------------------------------------------

    def render_label(self, repo: Repo, name: str, base: str) -> dict[str, Any]:
        color, description = repo.labels.get(name, ("ededed", ""))
        lid = int(hashlib.sha1(f"{repo.full_name}:{name}".encode()).hexdigest()[:8], 16)
        return {
            "id": lid,
            "node_id": _node("Label", lid),
            "url": f"{base}/repos/{repo.full_name}/labels/{name}",
            "name": name,
            "description": description or None,
            "color": color,
            "default": False,
        }

    def render_item(self, repo: Repo, item: Item, base: str) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}/issues/{item.number}"
        html = f"{base}/{repo.full_name}/{'pull' if item.is_pr else 'issues'}/{item.number}"
        milestone = None
        if item.milestone:
            number, due = repo.milestones.get(item.milestone, (1, None))
            murl = f"{base}/repos/{repo.full_name}/milestones/{number}"
            milestone = {
                "url": murl,
                "html_url": f"{base}/{repo.full_name}/milestone/{number}",
                "labels_url": f"{murl}/labels",
                "id": 5000 + number,
                "node_id": _node("Milestone", number),
                "number": number,
                "state": "open",
                "title": item.milestone,
                "description": None,
                "creator": _user("maintainer", base),
                "open_issues": 0,
                "closed_issues": 0,
                "created_at": "2026-01-05T09:00:00Z",
                "updated_at": "2026-01-05T09:00:00Z",
                "closed_at": None,
                "due_on": _ts(due) if due else None,
            }
        kinds = ("+1", "-1", "laugh", "confused", "heart", "hooray", "eyes", "rocket")
        reactions: dict[str, Any] = {"url": f"{api}/reactions"}
        reactions.update({k: item.reactions.get(k, 0) for k in kinds})
        reactions["total_count"] = sum(item.reactions.get(k, 0) for k in kinds)
        payload: dict[str, Any] = {
            "url": api,
            "repository_url": f"{base}/repos/{repo.full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": html,
            "id": item.id,
            "node_id": self.render_item_node_id(item),
            "number": item.number,
            "title": item.title,
            "user": _user(item.user, base),
            "labels": [self.render_label(repo, name, base) for name in item.labels],
            "state": item.state,
            "locked": False,
            "assignee": _user(item.assignees[0], base) if item.assignees else None,
            "assignees": [_user(a, base) for a in item.assignees],
            "milestone": milestone,
            "comments": item.comments,
            "created_at": _ts(item.created_at),
            "updated_at": _ts(item.updated_at),
            "closed_at": _ts(item.closed_at) if item.closed_at else None,
            "author_association": "MEMBER" if item.user == "maintainer" else "NONE",
            "active_lock_reason": None,
            "body": item.body,
            "reactions": reactions,
            "timeline_url": f"{api}/timeline",
            "performed_via_github_app": None,
        }
        if item.state_reason:
            # GitHub sends null here, which its own OpenAPI enum does not admit; omit instead
            payload["state_reason"] = item.state_reason
        if item.type:
            payload["type"] = {
                "id": 1 + len(item.type),
                "node_id": _node("IssueType", len(item.type)),
                "name": item.type,
                "description": None,
            }
        if item.is_pr:
            pulls = f"{base}/repos/{repo.full_name}/pulls/{item.number}"
            payload["draft"] = False
            payload["pull_request"] = {
                "url": pulls,
                "html_url": html,
                "diff_url": f"{html}.diff",
                "patch_url": f"{html}.patch",
                "merged_at": None,
            }
        return payload | self.odd.get(item.number, {})

    def render_repo(self, repo: Repo, base: str) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}"
        return {
            "id": repo.id,
            "node_id": _node("Repository", repo.id),
            "name": repo.name,
            "full_name": repo.full_name,
            "owner": _user(repo.owner, base),
            "private": False,
            "html_url": f"{base}/{repo.full_name}",
            "description": "A sandbox repository",
            "fork": False,
            "url": api,
            "issues_url": f"{api}/issues{{/number}}",
            "labels_url": f"{api}/labels{{/name}}",
            "has_issues": True,
            "open_issues_count": sum(1 for i in repo.items.values() if i.state == "open"),
            "default_branch": "main",
            "created_at": "2025-01-01T00:00:00Z",
            "updated_at": "2026-01-01T00:00:00Z",
            "pushed_at": "2026-01-01T00:00:00Z",
        }

    # -- protocol ---------------------------------------------------------------------------

    def handles(self, path: str) -> bool:
        return path.startswith(
            ("/repos/", "/repositories/", "/rate_limit", "/user", "/graphql", "/api/graphql")
        )

    def _headers(self, spend: bool) -> dict[str, str]:
        if spend:
            self.rate_used += 1
        return {
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(max(0, self.rate_limit - self.rate_used)),
            "X-RateLimit-Used": str(self.rate_used),
            "X-RateLimit-Reset": str(self.rate_reset),
            "X-RateLimit-Resource": "core",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
            "X-GitHub-Request-Id": hashlib.sha1(str(time.time_ns()).encode()).hexdigest()[:16],
        }

    def _error(self, status: int, message: str, spend: bool = True) -> Response:
        body = {"message": message, "documentation_url": DOCS, "status": str(status)}
        return Response.json(status, body, self._headers(spend))

    def fault_response(self, kind: str, request: Request) -> Response:
        if kind == "429":
            headers = self._headers(False) | {"Retry-After": "1"}
            return Response.json(429, {"message": "Too Many Requests"}, headers)
        if kind == "secondary":
            headers = self._headers(False) | {"Retry-After": "1"}
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again."
            )
            return Response.json(403, {"message": message, "documentation_url": DOCS}, headers)
        if kind == "primary":
            headers = self._headers(False) | {
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": str(int(time.time()) + 1),
            }
            message = "API rate limit exceeded for user ID 1."
            return Response.json(403, {"message": message, "documentation_url": DOCS}, headers)
        status = int(kind) if kind.isdigit() else 500
        return Response.json(status, {"message": "Server Error"}, self._headers(False))

    def handle(self, request: Request) -> Response:
        auth = request.headers.get("authorization", "")
        if not auth:
            return self._error(401, "Requires authentication", spend=False)
        token = auth.split(" ", 1)[-1].strip()
        if token not in self.tokens | self.read_only:
            return self._error(401, "Bad credentials", spend=False)
        writing = request.method in ("POST", "PUT", "PATCH", "DELETE") and "mutation" in (
            request.body.decode(errors="replace")
            if request.path.endswith("graphql")
            else "mutation"
        )
        self.acting = self.login_of(token)
        if token in self.read_only and writing:
            return self._error(403, "Resource not accessible by personal access token")
        if self.rate_used >= self.rate_limit:
            return self._error(403, "API rate limit exceeded for user ID 1.", spend=False)
        if request.path in ("/graphql", "/api/graphql") and request.method == "POST":
            try:
                body = request.json()
            except ValueError:
                return self._error(400, "Problems parsing JSON")
            query = str(body.get("query") or "") if isinstance(body, dict) else ""
            if "nodes(ids:" in query:
                self.fresh_requests += 1
            if query.lstrip().startswith("mutation"):
                limited = self._mutation_limits(query)
                if limited is not None:
                    return limited
            headers = self._headers(True) | {"X-RateLimit-Resource": "graphql"}
            return Response.json(200, execute(self, request.base_url, body), headers)
        for method, pattern, handler in _ROUTES:
            match = pattern.match(request.path)
            if match and method == request.method:
                params: dict[str, Any] = match.groupdict()
                if "owner" in params:
                    repo = self.repos.get(f"{params['owner']}/{params['name']}".lower())
                    if repo is None:
                        return self._error(404, "Not Found")
                    params["repo"] = repo
                response: Response = getattr(self, handler)(request, **params)
                return response
        return self._error(404, "Not Found")

    def _mutation_limits(self, query: str) -> Response | None:
        moment = time.monotonic()
        self.mutation_times = [t for t in self.mutation_times if moment - t < self.mutation_window]
        if self.mutation_burst is not None and len(self.mutation_times) >= self.mutation_burst:
            wait = max(1, int(self.mutation_window - (moment - self.mutation_times[0])) + 1)
            headers = self._headers(False) | {"Retry-After": str(wait)}
            message = (
                "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again."
            )
            return Response.json(403, {"message": message, "documentation_url": DOCS}, headers)
        self.mutation_times.append(moment)
        self.mutation_requests += 1
        if "LabelsToLabelable" in query or "LabelsFromLabelable" in query:
            self.label_requests += 1
        if self.max_mutations is not None:
            from triagewise.sandbox.github_graphql import count_mutations

            if count_mutations(query) > self.max_mutations:
                body = {
                    "errors": [
                        {
                            "type": "RESOURCE_LIMITS_EXCEEDED",
                            "message": "Resource limits for this query exceeded.",
                        }
                    ]
                }
                return Response.json(200, body, self._headers(True))
        return None

    def _etagged(self, request: Request, payload: Any, extra: dict[str, str]) -> Response:
        response = Response.json(200, payload)
        etag = 'W/"' + hashlib.sha256(response.body).hexdigest()[:40] + '"'
        if request.headers.get("if-none-match") == etag:
            # a 304 does not count against the primary limit
            return Response(304, b"", self._headers(False) | {"ETag": etag} | extra)
        response.headers.update(self._headers(True) | {"ETag": etag} | extra)
        return response

    def _page(
        self, request: Request, rows: list[Any], default_per_page: int = 30
    ) -> tuple[list[Any], dict[str, str]]:
        try:
            per_page = max(1, min(100, int(request.query.get("per_page", default_per_page))))
            page = max(1, int(request.query.get("page", 1)))
        except ValueError:
            per_page, page = default_per_page, 1
        last = max(1, -(-len(rows) // per_page))
        chunk = rows[(page - 1) * per_page : page * per_page]
        links = []
        query = dict(request.query)

        def link(n: int, rel: str) -> str:
            query["page"] = str(n)
            return f'<{request.base_url}{request.path}?{urlencode(query)}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def list_issues(self, request: Request, repo: Repo, **_: Any) -> Response:
        q = request.query
        state = q.get("state", "open")
        if state not in ("open", "closed", "all"):
            return self._error(422, "Validation Failed")
        rows = [i for i in repo.items.values() if state == "all" or i.state == state]
        if q.get("since"):
            try:
                since = datetime.fromisoformat(q["since"].replace("Z", "+00:00"))
            except ValueError:
                return self._error(422, "Validation Failed")
            rows = [i for i in rows if i.updated_at >= since]
        if q.get("labels"):
            wanted = {x.lower() for x in q["labels"].split(",")}
            rows = [i for i in rows if wanted <= {x.lower() for x in i.labels}]
        sort = q.get("sort", "created")
        keyf: Callable[[Item], Any] = {
            "created": lambda i: (i.created_at, i.number),
            "updated": lambda i: (i.updated_at, i.number),
            "comments": lambda i: (i.comments, i.number),
        }.get(sort, lambda i: (i.created_at, i.number))
        rows.sort(key=keyf, reverse=q.get("direction", "desc") != "asc")
        chunk, links = self._page(request, rows)
        payload = [self.render_item(repo, i, request.base_url) for i in chunk]
        return self._etagged(request, payload, links)

    def _item(self, repo: Repo, number: str) -> Item | None:
        return repo.items.get(int(number))

    def get_issue(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        item = self._item(repo, number)
        key = (repo.full_name.lower(), int(number))
        if item is None and key in self.gone:
            moved = self.gone[key]
            if moved is None:
                return self._error(410, "This issue was deleted")
            url = f"{request.base_url}/repositories/{moved[0]}/issues/{moved[1]}"
            body = {"message": "Moved Permanently", "url": url, "documentation_url": DOCS}
            return Response.json(301, body, self._headers(True) | {"Location": url})
        if item is None:
            return self._error(404, "Not Found")
        return self._etagged(request, self.render_item(repo, item, request.base_url), {})

    def get_issue_by_repo_id(
        self, request: Request, repo_id: str, number: str, **_: Any
    ) -> Response:
        repo = next((r for r in self.repos.values() if r.id == int(repo_id)), None)
        if repo is None:
            return self._error(404, "Not Found")
        return self.get_issue(request, repo, number)

    def get_issue_labels(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        item = self._item(repo, number)
        if item is None:
            return self._error(404, "Not Found")
        rows = [self.render_label(repo, n, request.base_url) for n in item.labels]
        chunk, links = self._page(request, rows)
        return self._etagged(request, chunk, links)

    def _label_names(self, request: Request) -> list[str] | None:
        try:
            body = request.json()
        except ValueError:
            return None
        if isinstance(body, dict):
            body = body.get("labels")
        if not isinstance(body, list):
            return None
        names = [b["name"] if isinstance(b, dict) else b for b in body]
        return [str(n) for n in names]

    def _write_labels(self, request: Request, repo: Repo, number: str, replace: bool) -> Response:
        item = self._item(repo, number)
        if item is None:
            return self._error(404, "Not Found")
        names = self._label_names(request)
        if names is None:
            return self._error(
                422, "Invalid request.\n\nFor 'links/0/schema', nil is not an array."
            )
        too_long = [n for n in names if len(n) > 50]
        if too_long:
            return self._error(
                422, "Validation Failed: name is too long (maximum is 50 characters)"
            )
        names = [self.label_name(repo, n) for n in names]
        both = names if replace or not names else [*item.labels, *names]
        new = _first_of_each(both)
        if len(new) > 100:
            return self._error(422, "Validation Failed: Issues cannot have more than 100 labels")
        for name in new:
            repo.labels.setdefault(name, ("ededed", ""))
        if new != item.labels:
            before, item.labels = item.labels, new
            item.updated_at = self.clock()
            self.record(item, before, self.acting)
        body = [self.render_label(repo, n, request.base_url) for n in item.labels]
        return Response.json(200, body, self._headers(True))

    def add_labels(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        return self._write_labels(request, repo, number, replace=False)

    def set_labels(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        return self._write_labels(request, repo, number, replace=True)

    def clear_labels(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        item = self._item(repo, number)
        if item is None:
            return self._error(404, "Not Found")
        if item.labels:
            before, item.labels = item.labels, []
            item.updated_at = self.clock()
            self.record(item, before, self.acting)
        return Response(204, b"", self._headers(True))

    def remove_label(
        self, request: Request, repo: Repo, number: str, label: str, **_: Any
    ) -> Response:
        item = self._item(repo, number)
        name = unquote(label).lower()
        if item is None or name not in {n.lower() for n in item.labels}:
            return self._error(404, "Label does not exist")
        before = item.labels
        item.labels = [n for n in item.labels if n.lower() != name]
        item.updated_at = self.clock()
        self.record(item, before, self.acting)
        body = [self.render_label(repo, n, request.base_url) for n in item.labels]
        return Response.json(200, body, self._headers(True))

    def _comment(self, cid: int, number: int, body: str, base: str, repo: Repo) -> dict[str, Any]:
        api = f"{base}/repos/{repo.full_name}/issues"
        return {
            "id": cid, "node_id": _node("IssueComment", cid), "url": f"{api}/comments/{cid}",
            "html_url": f"{base}/{repo.full_name}/issues/{number}#issuecomment-{cid}",
            "issue_url": f"{api}/{number}", "body": body,
            "user": _user(self.comment_authors.get(cid, BOT_LOGIN), base),
            "created_at": _ts(self.clock()), "updated_at": _ts(self.clock()),
            "author_association": "MEMBER",
        }  # fmt: skip

    def list_comments(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        rows = [
            self._comment(cid, n, body, request.base_url, repo)
            for cid, (n, body) in sorted(self.comments.items())
            if n == int(number)
        ]
        chunk, links = self._page(request, rows)
        return self._etagged(request, chunk, links)

    def add_comment(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        body = (request.json() or {}).get("body")
        if self._item(repo, number) is None or not body:
            return self._error(422 if body is None else 404, "Validation Failed")
        cid = 700000 + len(self.comments) + 1
        self.comments[cid] = (int(number), str(body))
        self.comment_authors[cid] = self.acting
        self.comment_writes.append(f"{repo.full_name}#{number}")
        return Response.json(
            201,
            self._comment(cid, int(number), str(body), request.base_url, repo),
            self._headers(True),
        )

    def edit_comment(self, request: Request, repo: Repo, comment: str, **_: Any) -> Response:
        cid = int(comment)
        if cid not in self.comments:
            return self._error(404, "Not Found")
        author = self.comment_authors.get(cid, BOT_LOGIN)
        if author != self.acting and self.acting in self.cannot_edit_others:
            return self._error(403, "Resource not accessible by personal access token")
        number = self.comments[cid][0]
        self.comments[cid] = (number, str((request.json() or {}).get("body") or ""))
        self.comment_writes.append(f"{repo.full_name}#{number}")
        return Response.json(
            200,
            self._comment(cid, number, self.comments[cid][1], request.base_url, repo),
            self._headers(True),
        )

    def list_labels(self, request: Request, repo: Repo, **_: Any) -> Response:
        rows = [self.render_label(repo, n, request.base_url) for n in sorted(repo.labels)]
        chunk, links = self._page(request, rows)
        return self._etagged(request, chunk, links)

    def get_repo(self, request: Request, repo: Repo, **_: Any) -> Response:
        return self._etagged(request, self.render_repo(repo, request.base_url), {})

    def get_rate_limit(self, request: Request, **_: Any) -> Response:
        core = {
            "limit": self.rate_limit,
            "used": self.rate_used,
            "remaining": max(0, self.rate_limit - self.rate_used),
            "reset": self.rate_reset,
        }
        body = {"resources": {"core": core}, "rate": core}
        return Response.json(200, body, self._headers(False))

    def get_user(self, request: Request, **_: Any) -> Response:
        return Response.json(200, _user(self.acting, request.base_url), self._headers(True))

    def list_events(self, request: Request, repo: Repo, number: str, **_: Any) -> Response:
        """The issue's events, oldest first (only label events are kept)."""
        item = self._item(repo, number)
        if item is None:
            return self._error(404, "Not Found")
        base = request.base_url
        rows = [
            {
                "id": e.id, "node_id": _node(e.kind.title() + "Event", e.id),
                "url": f"{base}/repos/{repo.full_name}/issues/events/{e.id}",
                "actor": _user(e.actor, base), "event": e.kind, "commit_id": None,
                "commit_url": None, "created_at": _ts(e.at), "performed_via_github_app": None,
                "label": {"name": e.label, "color": repo.labels.get(e.label, ("ededed", ""))[0]},
            }
            for e in item.events
        ]  # fmt: skip
        chunk, links = self._page(request, rows)
        return self._etagged(request, chunk, links)

    # -- controls for `sandbox serve` (bench, manual poking) -----------------------------------

    def admin(self, request: Request) -> Response | None:
        if request.path == "/_sandbox/github/state":
            labels = {
                f"{r.full_name}#{n}": i.labels
                for r in self.repos.values()
                for n, i in r.items.items()
            }
            writes = [f"{r}#{n}" for r, n in self.label_writes]
            state = {"labels": labels, "writes": writes, "label_requests": self.label_requests,
                     "fresh_requests": self.fresh_requests}  # fmt: skip
            return Response.json(200, state)
        if request.path == "/_sandbox/github/limits" and request.method == "POST":
            spec = request.json()
            self.mutation_burst = spec.get("mutation_burst")
            self.mutation_window = float(spec.get("mutation_window", 60.0))
            self.max_mutations = spec.get("max_mutations")
            return Response.json(200, {"ok": True})
        if request.path == "/_sandbox/github/edit" and request.method == "POST":
            spec = request.json()
            repo = self.repos[spec["repo"].lower()]
            numbers = [n for n, i in sorted(repo.items.items()) if not i.is_pr]
            step = max(1, len(numbers) // max(1, int(spec["count"])))
            edited = numbers[::step][: int(spec["count"])]
            for number in edited:
                item = repo.items[number]
                self.edit(repo.full_name, number, comments=item.comments + 1)
            return Response.json(200, {"edited": edited})
        return None


def _first_of_each(names: list[str]) -> list[str]:
    """Each label once, ignoring case, in the order first seen."""
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out
