"""GitHub label writes: many issues' label changes aliased into one GraphQL request.

REST would need a POST and a DELETE per removed label, or a PUT that replaces the whole set and
could erase a label a person added since the last pull. `addLabelsToLabelable` and
`removeLabelsFromLabelable` touch only the labels named; aliased, one request carries the
writes of `batch_size` issues (20 to start with, API-FACTS §7: GitHub's secondary limits count
5 points per mutation request, not per mutation). A secondary limit, a resource-limit
("complexity") error or a timeout halves the batch; it grows back slowly after successes.
Errors GitHub reports per alias (`path: ["a3"]`) fail that issue alone. A batch whose answer
was lost is not re-sent blindly: the issues' labels are read back first (one aliased query)
and only the writes that did not land go again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

from triagewise.connectors.base import fold_identity
from triagewise.connectors.github.batch import LabelBatcher
from triagewise.connectors.github.board_batch import BoardOp, write_board_batch
from triagewise.connectors.github.client import _PAGE, GitHubClient, parse_links
from triagewise.connectors.github.decision import with_record
from triagewise.connectors.once import nonce, post_once
from triagewise.connectors.retry import Retryable, call_with_retries
from triagewise.errors import (
    ConfigError,
    NotFoundError,
    ProtocolError,
    RefusedWriteError,
    TriagewiseError,
)

LABELS_QUERY = """
query($owner: String!, $name: String!, $after: String) {
  repository(owner: $owner, name: $name) {
    id
    labels(first: 100, after: $after) {
      nodes { id name }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""
CREATE_LABEL = """
mutation($repositoryId: ID!, $name: String!) {
  createLabel(input: {repositoryId: $repositoryId, name: $name, color: "ededed"}) {
    label { id name }
  }
}
"""
ISSUE_LABELS = """
query($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    issue(number: $number) { labels(first: 100) { nodes { name } } }
  }
}
"""

FRESH = """
query($ids: [ID!]!) {
  nodes(ids: $ids) { ... on Issue { id labels(first: 100) { nodes { name } } } }
}
"""
FRESH_BATCH = 100  # nodes(ids:) takes at most 100 ids a request

ADD = (
    "{alias}: addLabelsToLabelable(input: {{labelableId: $id, labelIds: ${var}}})"
    " {{ clientMutationId }}"
)
REMOVE = (
    "{alias}: removeLabelsFromLabelable(input: {{labelableId: $id, labelIds: ${var}}})"
    " {{ clientMutationId }}"
)


def graphql_url(api_url: str) -> str:
    """api.github.com -> /graphql; GitHub Enterprise https://HOST/api/v3 -> /api/graphql."""
    base = api_url.rstrip("/")
    return base[: -len("/v3")] + "/graphql" if base.endswith("/v3") else base + "/graphql"


class GitHubWriter:
    def __init__(self, client: GitHubClient, interval: float = 1.0) -> None:
        self.client = client
        self.url = graphql_url(client.api_url)
        self.owner, self.name = client.repo.split("/")
        self.writes = 0
        self.fresh_reads = 0
        self.batcher = LabelBatcher(self, interval)
        self._labels: dict[str, str] | None = None
        self._repo_id = ""
        # who triagewise is here (the connection sets it): marked comments of others are not ours
        self.identities: Callable[[], frozenset[str]] | None = None

    @property
    def batch_size(self) -> int:
        return self.batcher.size

    def pace(self, interval: float) -> None:
        """`[network] write_interval` overrides GitHub's 1 s between mutation requests."""
        self.batcher.interval = interval

    def write_labels_batch(
        self,
        writes: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        note: Callable[[list[str], str], None] | None = None,
    ) -> list[str | None]:
        """Many issues' label writes, `batch_size` a request (see `batch.py`)."""
        return self.batcher.write(writes)

    def labels_now(self, issues: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
        """The labels many issues ((ref, node id) pairs) hold right now, 100 a request
        (`nodes(ids:)`); an issue GitHub no longer resolves is left out."""
        out: dict[str, set[str]] = {}
        for start in range(0, len(issues), FRESH_BATCH):
            chunk = issues[start : start + FRESH_BATCH]
            self.fresh_reads += 1
            data = self._post(FRESH, {"ids": [target for _, target in chunk]})
            by_id = {
                str(n["id"]): {str(x["name"]) for x in (n.get("labels") or {}).get("nodes", [])}
                for n in data.get("nodes") or []
                if n and n.get("id")
            }
            out.update({ref: by_id[t] for ref, t in chunk if t in by_id})
        return out

    def labels_written(self, ref: str) -> set[str] | None:
        """The issue's labels as the last write of them returned (None: not known)."""
        return self.batcher.after.pop(ref, None)

    def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        def attempt() -> dict[str, Any]:
            payload = {"query": query, "variables": variables}
            response = self.client.request("POST", self.url, payload)
            self.client.raise_for_status(response, writing=True)
            try:
                body = response.json()
            except ValueError:
                raise Retryable("the response was not complete JSON") from None
            if body.get("errors"):
                messages = "; ".join(str(e.get("message")) for e in body["errors"])
                if "rate limit" in messages.lower():
                    raise Retryable(f"GraphQL rate limit: {messages}", 60.0, rate_limited=True)
                refused = (
                    RefusedWriteError if query.lstrip().startswith("mutation") else ProtocolError
                )
                raise refused(f"GitHub GraphQL refused the request: {messages}.")
            data: dict[str, Any] = body.get("data") or {}
            return data

        return call_with_retries(attempt, self.client.policy, f"GitHub {self.client.repo}")

    def label_ids(self) -> dict[str, str]:
        if self._labels is None:
            found: dict[str, str] = {}
            after: str | None = None
            while True:
                data = self._post(
                    LABELS_QUERY, {"owner": self.owner, "name": self.name, "after": after}
                )
                repo = data["repository"]
                self._repo_id = repo["id"]
                found.update({n["name"]: n["id"] for n in repo["labels"]["nodes"]})
                page = repo["labels"]["pageInfo"]
                if not page["hasNextPage"]:
                    break
                after = page["endCursor"]
            self._labels = found
        return self._labels

    def _ids(self, names: tuple[str, ...], create: bool) -> list[str]:
        """The ids of these labels, created where the repository has none. GitHub's label
        names ignore case: an existing `Triage/Later` is `triage/later`, reused."""
        known = self._folded(self.label_ids())
        out = []
        for name in names:
            key = name.lower()
            if key not in known:
                if not create:
                    continue  # removing a label the repository does not have: nothing to do
                try:
                    data = self._post(CREATE_LABEL, {"repositoryId": self._repo_id, "name": name})
                    self.label_ids()[name] = known[key] = data["createLabel"]["label"]["id"]
                except TriagewiseError as exc:
                    if "already been taken" not in str(exc):
                        raise
                    # created by an attempt whose answer was lost: read the ids again
                    self._labels = None
                    known = self._folded(self.label_ids())
                    if key not in known:
                        raise
            out.append(known[key])
        return out

    @staticmethod
    def _folded(ids: dict[str, str]) -> dict[str, str]:
        return {name.lower(): label_id for name, label_id in ids.items()}

    def write_labels(self, node_id: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        add_ids, remove_ids = self._ids(add, True), self._ids(remove, False)
        parts: list[str] = []
        variables: dict[str, Any] = {"id": node_id}
        params = ["$id: ID!"]
        if add_ids:
            parts.append(ADD.format(alias="add", var="add"))
            params.append("$add: [ID!]!")
            variables["add"] = add_ids
        if remove_ids:
            parts.append(REMOVE.format(alias="remove", var="remove"))
            params.append("$remove: [ID!]!")
            variables["remove"] = remove_ids
        if not parts:
            return
        self.writes += 1
        self._post(f"mutation({', '.join(params)}) {{ {' '.join(parts)} }}", variables)

    def current_labels(self, ref: str) -> set[str]:
        number = int(ref.rsplit("#", 1)[1])
        data = self._post(ISSUE_LABELS, {"owner": self.owner, "name": self.name, "number": number})
        issue = (data.get("repository") or {}).get("issue") or {}
        return {n["name"] for n in (issue.get("labels") or {}).get("nodes", [])}


PROJECT_ITEMS = """
query($owner: String!, $number: Int!, $after: String, $field: String!) {
  %s(login: $owner) {
    projectV2(number: $number) {
      id
      field(name: $field) { __typename ... on ProjectV2Field { id dataType } }
      items(first: 100, after: $after, orderBy: {field: POSITION, direction: ASC}) {
        nodes {
          id
          content { __typename ... on Issue { id } }
          fieldValueByName(name: $field) {
            __typename ... on ProjectV2ItemFieldNumberValue { number }
          }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
  }
}
"""
SET_NUMBER = """
mutation($project: ID!, $item: ID!, $field: ID!, $number: Float!) {
  updateProjectV2ItemFieldValue(
    input: {projectId: $project, itemId: $item, fieldId: $field, value: {number: $number}}
  ) { clientMutationId }
}
"""
ADD_ITEM = """
mutation($project: ID!, $content: ID!) {
  addProjectV2ItemById(input: {projectId: $project, contentId: $content}) { item { id } }
}
"""
MOVE_ITEM = """
mutation($project: ID!, $item: ID!, $after: ID) {
  updateProjectV2ItemPosition(input: {projectId: $project, itemId: $item, afterId: $after}) {
    clientMutationId
  }
}
"""


class ProjectBoard:
    """A Projects (v2) board: read its order (and the score field), add missing issues, move
    items one by one, write the score into a Number field."""

    def __init__(
        self, writer: GitHubWriter, owner: str, number: int, score_field: str | None = None
    ) -> None:
        self.writer = writer
        self.owner = owner
        self.number = number
        self.score_field = score_field
        self.project_id = ""
        self.field_id = ""
        self.items: dict[str, str] = {}  # content node id -> item id
        self.scores: dict[str, float] = {}  # content node id -> the score field's value
        self.writes = 0

    def order(self) -> list[str]:
        """Content node ids, top first (GitHub's manual POSITION order)."""
        for kind in ("organization", "user"):
            contents: list[str] = []
            after: str | None = None
            while True:
                variables = {
                    "owner": self.owner,
                    "number": self.number,
                    "after": after,
                    "field": self.score_field or "",
                }
                data = self.writer._post(PROJECT_ITEMS % kind, variables)
                project = (data.get(kind) or {}).get("projectV2")
                if project is None:
                    break
                self.project_id = project["id"]
                self._field(project.get("field") or {})
                for node in project["items"]["nodes"]:
                    content = node.get("content") or {}
                    if content.get("__typename") == "Issue":
                        self.items[content["id"]] = node["id"]
                        contents.append(content["id"])
                        value = node.get("fieldValueByName") or {}
                        if value.get("number") is not None:
                            self.scores[content["id"]] = float(value["number"])
                page = project["items"]["pageInfo"]
                if not page["hasNextPage"]:
                    return contents
                after = page["endCursor"]
        raise NotFoundError(
            f"GitHub has no Projects board {self.owner}/{self.number} the token can see."
        )

    def _field(self, field: dict[str, Any]) -> None:
        if not self.score_field:
            return
        if field.get("__typename") != "ProjectV2Field" or field.get("dataType") != "NUMBER":
            raise ConfigError(
                f"The Projects board {self.owner}/{self.number} has no Number field named "
                f"{self.score_field!r}; add one, or remove score_field from the config."
            )
        self.field_id = str(field["id"])

    def add(self, content_id: str) -> str:
        if not self.project_id:
            self.order()
        if content_id not in self.items:
            self.writes += 1
            data = self.writer._post(ADD_ITEM, {"project": self.project_id, "content": content_id})
            self.items[content_id] = data["addProjectV2ItemById"]["item"]["id"]
        return self.items[content_id]

    def move(self, content_id: str, after: str | None) -> None:
        item = self.add(content_id)
        anchor = self.add(after) if after else None
        self.writes += 1
        self.writer._post(MOVE_ITEM, {"project": self.project_id, "item": item, "after": anchor})

    def write_batch(self, ops: Sequence[BoardOp]) -> list[str | None]:
        """Additions, moves (in order) and score writes, many a request (`board_batch.py`)."""
        return write_board_batch(self, ops)

    def set_score(self, content_id: str, number: float) -> None:
        """The score into the board's Number field, so a view can sort by it."""
        item = self.add(content_id)
        if not self.field_id:
            self.order()
        self.writes += 1
        variables = {
            "project": self.project_id,
            "item": item,
            "field": self.field_id,
            "number": number,
        }
        self.writer._post(SET_NUMBER, variables)
        self.scores[content_id] = number


def write_comment(
    writer: GitHubWriter,
    ref: str,
    body: str,
    known_id: str | None,
    marker: str,
    record: str | None = None,
) -> str:
    """Edit triagewise's comment in place, or create it once; returns its id. A lost id is
    found again by the hidden `marker` on every page, newest first, so the comment is never
    appended twice; a new comment carries a hidden nonce, and a POST whose answer was lost is
    looked for by it before it is ever sent again (`once.py`)."""
    client = writer.client
    number = ref.rsplit("#", 1)[1]
    base = f"{client.api_url}/repos/{client.repo}/issues"
    body = with_record(body, record)  # a person's decision, hidden (`decision.py`)
    what = f"GitHub {client.repo}"

    def send(method: str, url: str, payload: dict[str, Any] | None = None) -> Any:
        """An idempotent request (GET, PATCH), retried under the policy."""

        def attempt() -> Any:
            response = client.request(method, url, payload)
            client.raise_for_status(response)
            try:
                return response.json(), parse_links(response.headers.get("link"))
            except ValueError:
                raise Retryable("the response was not complete JSON") from None

        return call_with_retries(attempt, client.policy, what)

    def find(mark: str) -> str | None:
        """The newest comment holding `mark` that one of triagewise's identities wrote: the
        last page first, then back to the first."""
        first, links = send("GET", f"{base}/{number}/comments?per_page=100")
        last = _PAGE.search(links.get("last", ""))
        pages = range(int(last.group(1)), 1, -1) if last else range(0)
        for page in [*pages, 1]:
            rows = first if page == 1 else send("GET", _page_url(client, links["last"], page))[0]
            marked = [c for c in reversed(rows) if mark in (c.get("body") or "")]
            hit = next((c for c in marked if _ours(writer, c, ref)), None)
            if hit is not None:
                return str(hit["id"])
        return None

    comment_id = known_id if known_id is not None else find(marker)
    writer.writes += 1
    if comment_id is not None:
        send("PATCH", f"{base}/comments/{comment_id}", {"body": body})
        return comment_id
    mark = nonce()

    def post() -> str:
        response = client.request("POST", f"{base}/{number}/comments", {"body": f"{body}{mark}"})
        client.raise_for_status(response)
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise Retryable("the response was not complete JSON") from None

    return post_once(post, lambda: find(mark), client.policy, what)


def _page_url(client: GitHubClient, last: str, page: int) -> str:
    if urlsplit(last)[:2] != urlsplit(client.api_url)[:2]:
        # never send the token to a host the config did not name
        raise ProtocolError(f"GitHub sent a pagination link to another host ({last}).")
    return _PAGE.sub(lambda m: f"{m.group(0)[0]}page={page}", last)


def _ours(writer: GitHubWriter, comment: dict[str, Any], ref: str) -> bool:
    """A marked comment is triagewise's only when one of its identities wrote it; anyone can
    post the marker (issue 17): a planted one is logged and left alone."""
    login = str((comment.get("user") or {}).get("login") or "")
    if writer.identities is None or fold_identity(login) in writer.identities():
        return True
    logging.getLogger("triagewise").warning(
        "ignored a comment on %s that carries triagewise's marker but was written by %s, "
        "who is not triagewise",
        ref,
        login or "someone unknown",
    )
    return False
