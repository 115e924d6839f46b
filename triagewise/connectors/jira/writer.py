"""Jira writes: one raw PUT per issue for labels (not the library's update-then-reload) and
the Agile rank API with up to 50 issues a call, 207 partial failures reported per issue."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from triagewise.connectors.base import fold_identity
from triagewise.connectors.jira.bulk import BULK_MAX, BulkLabels
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.jira.records import record_property
from triagewise.connectors.once import nonce, post_once
from triagewise.connectors.retry import Retryable
from triagewise.errors import AuthError, RefusedWriteError, TriagewiseError, UnreachableError

AGILE = "{server}/rest/agile/1.0/issue/rank"
FRESH_BATCH = 100  # keys a freshness search asks for (a page of issues with fields)


class JiraWriter:
    def __init__(self, client: JiraClient) -> None:
        self.client = client
        self.writes = 0
        self.fresh_reads = 0
        self.bulk = BulkLabels(self)
        self.quiet = False  # `[writeback] quiet`: asked for; checked per project before writing
        self._quiet_ok: set[str] = set()  # projects the permission check allowed
        # who triagewise is here (the connection sets it): marked comments of others are not ours
        self.identities: Callable[[], frozenset[str]] | None = None

    @property
    def batch_size(self) -> int:
        """Cloud: a bulk edit task's 1,000 issues; Data Center has no bulk edit: 1."""
        return BULK_MAX if self.client.cloud else 1

    def be_quiet(self) -> None:
        self.quiet = True

    def check_quiet(self, keys: Sequence[str]) -> None:
        """Quiet writes need the Administer projects permission (Jira refuses the whole
        request with 403 otherwise, API-FACTS §7): asked once per project, before writing."""
        if not self.quiet:
            return
        for project in sorted({k.rsplit("-", 1)[0] for k in keys} - self._quiet_ok):
            found = self.client.get_json(
                f"permissions in {project}",
                "mypermissions",
                {"projectKey": project, "permissions": "ADMINISTER_PROJECTS"},
            )
            grant = ((found or {}).get("permissions") or {}).get("ADMINISTER_PROJECTS") or {}
            if not grant.get("havePermission"):
                raise AuthError(
                    f"Jira {self.client.source.name}: writeback.quiet = true needs the "
                    f"Administer projects permission in {project}, which "
                    f"{self.client.credentials} lacks; grant it, or remove quiet (nothing was "
                    "written)."
                )
            self._quiet_ok.add(project)

    def write_labels_batch(
        self,
        writes: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]],
        note: Callable[[list[str], str], None] | None = None,
    ) -> list[str | None]:
        """Cloud: bulk edit tasks (`bulk.py`); Data Center: one PUT per issue."""
        self.check_quiet([key for _, key, _, _ in writes])
        if not self.client.cloud:
            return self.bulk._one_by_one(writes, range(len(writes)), [None] * len(writes))
        return self.bulk.write(writes, note)

    def task_outcome(self, task: str) -> set[str] | None:
        """The keys a bulk task a killed run journaled has processed (polled to its end)."""
        return self.bulk.outcome(task)

    def write_labels(self, key: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        ops = [{"add": x} for x in add] + [{"remove": x} for x in remove]
        self.check_quiet([key])
        url = self.client.url(f"issue/{key}") + ("?notifyUsers=false" if self.quiet else "")
        self.writes += 1
        self.client.rest(f"labels of {key}", "put", url, {"update": {"labels": ops}})

    def rank(self, issues: tuple[str, ...], position: str, anchor: str) -> list[str]:
        """Place `issues` as a block before or after `anchor`; returns the keys Jira refused."""
        body: dict[str, Any] = {"issues": list(issues)}
        body["rankBeforeIssue" if position == "before" else "rankAfterIssue"] = anchor
        url = AGILE.format(server=self.client.source.url.rstrip("/"))
        self.writes += 1
        response = self.client.rest("rank", "put", url, body)
        if response.status_code == 207:
            entries = response.json().get("entries") or []
            return [str(e.get("issueKey")) for e in entries if int(e.get("status", 200)) >= 300]
        if response.status_code >= 300:
            raise RefusedWriteError(f"Jira answered {response.status_code} to a rank request.")
        return []

    def labels_now(self, issues: Sequence[tuple[str, str]]) -> dict[str, set[str]]:
        """The labels many issues ((ref, key) pairs) hold right now: `key in (…)` searches,
        100 keys a request; an issue Jira no longer finds is left out."""
        out: dict[str, set[str]] = {}
        keys = [key for _, key in issues]
        for start in range(0, len(keys), FRESH_BATCH):
            chunk = keys[start : start + FRESH_BATCH]
            jql = f"key in ({', '.join(chunk)})"
            self.fresh_reads += 1
            try:
                if self.client.cloud:
                    data = self.client.search_cloud(jql, ["labels"], None, FRESH_BATCH)
                else:
                    data = self.client.search_datacenter(jql, ["labels"], 0)
            except (UnreachableError, AuthError):
                raise
            except TriagewiseError:
                # Jira refuses the whole search when one key no longer exists (400): ask
                # each issue of this chunk alone; one that is gone is left out
                out.update(self._one_by_one(chunk))
                continue
            for issue in data.get("issues") or []:
                out[str(issue["key"])] = set((issue.get("fields") or {}).get("labels") or [])
        by_key = {key: ref for ref, key in issues}
        return {by_key[k]: v for k, v in out.items() if k in by_key}

    def _one_by_one(self, keys: Sequence[str]) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for key in keys:
            self.fresh_reads += 1
            try:
                found[key] = self.current_labels(key)
            except (UnreachableError, AuthError):
                raise
            except TriagewiseError:
                continue  # gone: the write will say so, and the gone check follows it up
        return found

    def labels_written(self, ref: str) -> set[str] | None:
        """Jira's label writes (PUT 204, bulk tasks) do not return the issue: not known."""
        return None

    def current_labels(self, key: str) -> set[str]:
        issue = self.client.get_json(f"labels of {key}", f"issue/{key}", {"fields": "labels"})
        return set((issue.get("fields") or {}).get("labels") or [])

    def board_order(self) -> list[str]:
        """The whole scope ordered by Rank, keys only (5,000 a page on Cloud): the board's
        order and which issues are still in the JQL's scope."""
        from triagewise.connectors.jira.jql import strip_order_by

        where = strip_order_by(self.client.source.jql)
        jql = f"({where}) ORDER BY Rank ASC" if where else "ORDER BY Rank ASC"
        keys: list[str] = []
        if self.client.cloud:
            token: str | None = None
            while True:
                data = self.client.search_cloud(jql, ["key"], token, page_size=5000)
                keys += [str(i["key"]) for i in data.get("issues") or []]
                token = data.get("nextPageToken") or None
                if not token or data.get("isLast"):
                    return keys
        start = 0
        while True:
            data = self.client.search_datacenter(jql, ["key"], start)
            found = data.get("issues") or []
            keys += [str(i["key"]) for i in found]
            start = int(data.get("startAt", start)) + len(found)
            if not found or start >= int(data.get("total", 0)):
                return keys


def write_comment(
    writer: JiraWriter,
    key: str,
    body: str,
    known_id: str | None,
    marker: str,
    record: str | None = None,
) -> str:
    """Edit triagewise's comment in place, or create it once (found again by `marker` on every
    page, newest first). A new comment carries a nonce in a comment property (hidden from
    readers); a POST whose answer was lost is looked for by it before it is sent again."""
    client = writer.client

    def find(hit: Callable[[dict[str, Any]], bool]) -> str | None:
        start = 0
        while True:
            page = client.get_json(
                f"comments of {key}",
                f"issue/{key}/comment",
                {"orderBy": "-created", "startAt": start, "maxResults": 100,
                 "expand": "properties"},
            )  # fmt: skip
            rows = page.get("comments") or []
            found = next((str(c["id"]) for c in rows if hit(c)), None)
            start += len(rows)
            if found is not None or not rows or start >= int(page.get("total", 0)):
                return found

    decided = record_property(record)
    comment_id = known_id
    if comment_id is None:
        comment_id = find(lambda c: marker in str(c.get("body")) and _ours(writer, c, key))
    writer.writes += 1
    if comment_id is not None:
        url = client.url(f"issue/{key}/comment/{comment_id}")
        # the record (or its absence: a released decision) in a comment property
        client.rest(f"comment on {key}", "put", url, {"body": body, "properties": [decided]})
        return comment_id
    mark = nonce()
    url = client.url(f"issue/{key}/comment")
    props = [{"key": "triagewise", "value": {"nonce": mark}}] + ([decided] if record else [])
    payload = {"body": body, "properties": props}

    def post() -> str:
        response = client.rest(f"comment on {key}", "post", url, payload, once=True)
        try:
            return str(response.json()["id"])
        except (ValueError, KeyError, TypeError):
            raise Retryable("the response was not complete JSON") from None

    def mine(c: dict[str, Any]) -> bool:
        props = c.get("properties") or []
        return any((p.get("value") or {}).get("nonce") == mark for p in props)

    return post_once(post, lambda: find(mine), client.policy, f"Jira {client.source.name}")


def _ours(writer: JiraWriter, comment: dict[str, Any], key: str) -> bool:
    """A marked comment is triagewise's only when one of its identities wrote it; anyone can
    post the marker (issue 17): a planted one is logged and left alone."""
    author = comment.get("author") or {}
    ids = {fold_identity(str(author.get(k))) for k in ("accountId", "name", "key") if author.get(k)}
    if writer.identities is None or ids & writer.identities():
        return True
    logging.getLogger("triagewise").warning(
        "ignored a comment on %s that carries triagewise's marker but was written by %s, "
        "who is not triagewise",
        key,
        author.get("displayName") or "someone unknown",
    )
    return False
