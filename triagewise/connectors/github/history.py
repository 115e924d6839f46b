"""Who set an issue's labels on GitHub: the label events of many issues in one GraphQL query
(`timelineItems(itemTypes: [LABELED_EVENT, UNLABELED_EVENT])`, aliased per issue), and the
token's own login (`viewer`), which also answers for the Actions `GITHUB_TOKEN`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from triagewise.connectors.base import LabelEvent, fold_identity
from triagewise.connectors.github.decision import record_of
from triagewise.connectors.github.writer import GitHubWriter
from triagewise.connectors.retry import Retryable, call_with_retries
from triagewise.errors import ProtocolError
from triagewise.model import Issue

HISTORY_BATCH = 100  # issues per query: 100 x 100 timeline nodes, far below the 500,000-node limit
VIEWER = "query { viewer { login } }"
_EVENT = "createdAt actor { login } label { name }"
_TIMELINE = (
    "timelineItems(first: 100AFTER, itemTypes: [LABELED_EVENT, UNLABELED_EVENT, ISSUE_COMMENT])"
    " { nodes { __typename ... on LabeledEvent { " + _EVENT + " }"
    " ... on UnlabeledEvent { " + _EVENT + " }"
    " ... on IssueComment { databaseId author { login } body } }"
    " pageInfo { hasNextPage endCursor } }"
)


def _query(numbers: Sequence[tuple[int, str | None]]) -> str:
    aliases = " ".join(
        f"i{n}: issue(number: {n}) {{ "
        + _TIMELINE.replace("AFTER", f', after: "{after}"' if after else "")
        + " }"
        for n, after in numbers
    )
    return (
        "query($owner: String!, $name: String!) {"
        f" repository(owner: $owner, name: $name) {{ {aliases} }} }}"
    )


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def map_events(ref: str, nodes: Sequence[Any], labels: frozenset[str]) -> list[LabelEvent]:
    """Timeline nodes as label events (only the labels asked for; a deleted actor is
    "ghost", as GitHub shows it)."""
    out: list[LabelEvent] = []
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("label"), dict):
            continue
        name = str(node["label"].get("name") or "")
        if name.lower() not in labels or not node.get("createdAt"):
            continue
        login = str((node.get("actor") or {}).get("login") or "ghost")
        added = node.get("__typename") == "LabeledEvent"
        at = _when(str(node["createdAt"]))
        out.append(LabelEvent(ref, name, added, login, frozenset({fold_identity(login)}), at))
    return sorted(out, key=lambda e: e.at)


class GitHubHistory:
    """The `LabelHistory` of one repository, over the writer's GraphQL connection."""

    def __init__(self, writer: GitHubWriter) -> None:
        self.writer = writer
        self._me: frozenset[str] | None = None
        self._extra: frozenset[str] = frozenset()
        self._records: dict[str, list[tuple[str, str, str]]] = {}  # ref -> (author, id, record)
        self._read: set[str] = set()  # refs whose comments the last timeline reads saw

    def add_identities(self, names: Iterable[str]) -> None:
        self._extra |= {fold_identity(n) for n in names if n.strip()}

    def _post(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One GraphQL read. An issue of the batch GitHub cannot resolve (deleted, moved) is
        an error for its alias alone: it gets no history, the others still do."""
        client = self.writer.client

        def attempt() -> dict[str, Any]:
            payload = {"query": query, "variables": variables}
            response = client.request("POST", self.writer.url, payload)
            client.raise_for_status(response)
            try:
                body = response.json()
            except ValueError:
                raise Retryable("the response was not complete JSON") from None
            errors = [e for e in body.get("errors") or [] if e.get("type") != "NOT_FOUND"]
            if errors:
                messages = "; ".join(str(e.get("message")) for e in errors)
                if "rate limit" in messages.lower():
                    raise Retryable(f"GraphQL rate limit: {messages}", 60.0, rate_limited=True)
                raise ProtocolError(f"GitHub refused the label history query: {messages}.")
            data: dict[str, Any] = body.get("data") or {}
            return data

        return call_with_retries(attempt, client.policy, f"GitHub {client.repo}")

    def identities(self) -> frozenset[str]:
        if self._me is None:
            data = self._post(VIEWER, {})
            login = str((data.get("viewer") or {}).get("login") or "")
            if not login:
                raise ProtocolError("GitHub answered `viewer` without a login.")
            self._me = frozenset({fold_identity(login)})
        return self._me | self._extra

    def label_events(
        self, issues: Sequence[Issue], labels: frozenset[str]
    ) -> dict[str, list[LabelEvent]]:
        refs = {int(i.ref.rsplit("#", 1)[1]): i.ref for i in issues}
        nodes: dict[int, list[Any]] = {n: [] for n in refs}
        todo: list[tuple[int, str | None]] = [(n, None) for n in sorted(refs)]
        owner, name = self.writer.owner, self.writer.name
        while todo:
            batch, todo = todo[:HISTORY_BATCH], todo[HISTORY_BATCH:]
            data = self._post(_query(batch), {"owner": owner, "name": name})
            repo = data.get("repository") or {}
            for number, _ in batch:
                timeline = (repo.get(f"i{number}") or {}).get("timelineItems") or {}
                nodes[number] += list(timeline.get("nodes") or [])
                page = timeline.get("pageInfo") or {}
                if page.get("hasNextPage") and page.get("endCursor"):
                    todo.append((number, str(page["endCursor"])))  # a long history: more
        for number, found in nodes.items():
            self._read.add(refs[number])
            for node in found:  # comments carrying a record; whose they are is asked later
                record = record_of(str(node.get("body") or ""))
                if node.get("__typename") == "IssueComment" and record is not None:
                    author = str((node.get("author") or {}).get("login") or "")
                    self._records.setdefault(refs[number], []).append(
                        (author, str(node.get("databaseId")), record)
                    )
        return {refs[n]: map_events(refs[n], found, labels) for n, found in nodes.items()}

    def decision_records(self, issues: Sequence[Issue]) -> dict[str, tuple[str, str]]:
        """The records in triagewise's own comments: the timeline query that read the label
        events also read the comments (no further request); issues it did not cover are
        read now, the same way."""
        missing = [i for i in issues if i.ref not in self._read]
        if missing:
            self.label_events(missing, frozenset())
        ours, out = self.identities(), {}
        for issue in issues:  # triagewise's own comments only: anyone can plant a record
            own = [
                (c, r) for a, c, r in self._records.get(issue.ref, []) if fold_identity(a) in ours
            ]
            if own:
                out[issue.ref] = own[-1]  # the newest
        return out
