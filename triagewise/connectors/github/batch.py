"""GitHub label writes in batches: many issues' `addLabelsToLabelable` /
`removeLabelsFromLabelable` mutations aliased into one GraphQL request.

One request carries the writes of `size` issues (20 to start with, API-FACTS §7: GitHub's
secondary limits count 5 points per mutation request, not per mutation). A secondary limit, a
resource-limit ("complexity") error or a timeout halves the batch; it grows back by a quarter
after every few successes. Errors GitHub reports per alias (`path: ["a3"]`) fail that issue
alone. A batch whose answer was lost is not re-sent blindly: the issues' labels are read back
first (one aliased query) and only the writes that did not land go again. The requests one call
sends are paced `interval` apart (GitHub: at least 1 s between mutative requests); the caller
paces between calls.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from triagewise.connectors.retry import Retryable
from triagewise.errors import (
    AuthError,
    RateLimitedError,
    RefusedWriteError,
    TriagewiseError,
    UnreachableError,
)

if TYPE_CHECKING:
    from triagewise.connectors.github.writer import GitHubWriter

LABEL_BATCH = 20  # issues per label request to start with
GROW_AFTER = 3  # successful batch requests before the batch grows by a quarter again
AFTER = "labelable { labels(first: 100) { nodes { name } } }"  # the labels after the write
_LIMIT_WORDS = ("rate limit", "resource limits", "complexity", "timeout", "timed out")


class _Shrink(Retryable):
    """A failure that asks for smaller requests: secondary limit, resource limits, timeout."""


class LabelBatcher:
    def __init__(self, writer: GitHubWriter, interval: float = 1.0) -> None:
        self.writer = writer
        self.interval = interval
        self.size = LABEL_BATCH
        self._streak = 0
        self._last: float | None = None
        self.after: dict[str, set[str]] = {}  # ref -> its labels as the last write returned

    def send_once(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """One mutation request, no retry: the caller decides what a failure means."""
        payload = {"query": query, "variables": variables}
        try:
            response = self.writer.client.request("POST", self.writer.url, payload)
        except Retryable as exc:
            if "Timeout" in exc.reason:
                raise _Shrink(exc.reason) from None
            raise
        if response.status_code in (502, 504):  # GitHub's GraphQL answers a timeout this way
            raise _Shrink(f"{response.status_code} (a timeout)")
        try:
            self.writer.client.raise_for_status(response, writing=True)
        except Retryable as exc:
            if exc.rate_limited:
                raise _Shrink(exc.reason, exc.wait_hint, rate_limited=True) from None
            raise
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise Retryable("the response was not complete JSON") from None
        whole = [e for e in body.get("errors") or [] if not e.get("path")]
        if whole:
            messages = "; ".join(str(e.get("message")) for e in whole)
            lowered = messages.lower()
            if "rate limit" in lowered:
                raise _Shrink(f"GraphQL rate limit: {messages}", 60.0, rate_limited=True)
            if any(word in lowered for word in _LIMIT_WORDS):
                # refused before running (resource limits) or stopped part-way (timeout)
                raise _Shrink(f"GraphQL: {messages}")
            raise RefusedWriteError(f"GitHub GraphQL refused the request: {messages}.")
        return body

    def _pace(self) -> None:
        if self._last is not None and self.interval > 0:
            self.writer.client.policy.sleep(
                max(0.0, self.interval - (time.monotonic() - self._last))
            )

    def _batch_mutation(
        self, chunk: Sequence[tuple[int, str, list[str], list[str]]]
    ) -> tuple[str, dict[str, Any], dict[str, int]]:
        params: list[str] = []
        parts: list[str] = []
        variables: dict[str, Any] = {}
        aliases: dict[str, int] = {}
        for n, (index, target, add_ids, remove_ids) in enumerate(chunk):
            params.append(f"$i{n}: ID!")
            variables[f"i{n}"] = target
            for alias, ids, field in (
                (f"a{n}", add_ids, "addLabelsToLabelable"),
                (f"r{n}", remove_ids, "removeLabelsFromLabelable"),
            ):
                if ids:
                    params.append(f"${alias}: [ID!]!")
                    variables[alias] = ids
                    parts.append(
                        f"{alias}: {field}(input: {{labelableId: $i{n}, labelIds: ${alias}}})"
                        f" {{ {AFTER} }}"
                    )
                    aliases[alias] = index
        return f"mutation({', '.join(params)}) {{ {' '.join(parts)} }}", variables, aliases

    def back_off(self, exc: Retryable, failures: int, waited: float, what: str) -> float:
        """After a failed request (the `failures`-th in a row, `waited` seconds so far): wait
        as the answer asks or back off exponentially, and return the wait; stop with one
        sentence when the rate limit would outlast the wait budget or the attempts are spent."""
        policy = self.writer.client.policy
        wait = exc.wait_hint
        if wait is None:
            wait = min(policy.max_delay, policy.base_delay * 2 ** (failures - 1))
        if exc.rate_limited and waited + wait > policy.wait_budget:
            raise RateLimitedError(
                f"{what}: rate limited ({exc.reason}); waiting {wait:.0f} s more would "
                f"pass the wait budget of {policy.wait_budget:.0f} s, so the run stops "
                "here and the next run resumes."
            ) from None
        if failures >= policy.attempts:
            raise UnreachableError(
                f"{what}: still failing after {failures} attempts ({exc.reason})."
            ) from None
        policy.sleep(wait)
        return wait

    def _shrink(self) -> None:
        self.size = max(1, self.size // 2)
        self._streak = 0

    def _grow(self) -> None:
        self._streak += 1
        if self._streak >= GROW_AFTER and self.size < LABEL_BATCH:
            self.size = min(LABEL_BATCH, self.size + max(1, self.size // 4))
            self._streak = 0

    def write(
        self, writes: Sequence[tuple[str, str, tuple[str, ...], tuple[str, ...]]]
    ) -> list[str | None]:
        results: list[str | None] = [None] * len(writes)
        queue: deque[tuple[int, str, list[str], list[str]]] = deque()
        for index, (_, target, add, remove) in enumerate(writes):
            try:
                add_ids, remove_ids = self.writer._ids(add, True), self.writer._ids(remove, False)
            except (UnreachableError, AuthError):
                raise
            except TriagewiseError as exc:
                results[index] = str(exc)
                continue
            if add_ids or remove_ids:
                queue.append((index, target, add_ids, remove_ids))
        self._last = None  # the caller paces between calls; this paces the requests of one
        unsure: set[int] = set()  # sent, but the answer was lost
        failures, waited = 0, 0.0
        while queue:
            chunk = [queue.popleft() for _ in range(min(self.size, len(queue)))]
            doubtful = [c for c in chunk if c[0] in unsure]
            if doubtful:
                have = self._labels_of([writes[c[0]][0] for c in doubtful])
                for entry in doubtful:
                    ref, _, add, remove = writes[entry[0]]
                    labels = have.get(ref)
                    if labels is not None and set(add) <= labels and not set(remove) & labels:
                        chunk.remove(entry)  # it landed; the answer was what got lost
                    unsure.discard(entry[0])
                if not chunk:
                    continue
            query, variables, aliases = self._batch_mutation(chunk)
            self._pace()
            self.writer.writes += 1
            try:
                body = self.send_once(query, variables)
            except Retryable as exc:
                self._last = time.monotonic()
                failures += 1
                if isinstance(exc, _Shrink):
                    self._shrink()
                if not exc.rate_limited:  # a refused request wrote nothing; others may have
                    unsure.update(c[0] for c in chunk)
                waited += self.back_off(exc, failures, waited, f"GitHub {self.writer.client.repo}")
                queue.extendleft(reversed(chunk))
                continue
            except (UnreachableError, AuthError):
                raise
            except TriagewiseError as exc:
                self._last = time.monotonic()
                for entry in chunk:
                    results[entry[0]] = str(exc)
                continue
            self._last = time.monotonic()
            failures = 0
            self._grow()
            for error in body.get("errors") or []:
                hit = aliases.get(str((error.get("path") or [""])[0]))
                if hit is not None:
                    results[hit] = f"GitHub refused the labels: {error.get('message')}"
            data = body.get("data") or {}
            for alias, index in aliases.items():  # aliases run in order: the last one wins
                labelable = (data.get(alias) or {}).get("labelable") or {}
                nodes = (labelable.get("labels") or {}).get("nodes")
                if nodes is not None and results[index] is None:
                    self.after[writes[index][0]] = {str(n["name"]) for n in nodes}
        return results

    def _labels_of(self, refs: list[str]) -> dict[str, set[str]]:
        """The current labels of several issues, one aliased query."""
        numbers = {f"n{k}": int(ref.rsplit("#", 1)[1]) for k, ref in enumerate(refs)}
        fields = " ".join(
            f"{alias}: issue(number: {number}) {{ labels(first: 100) {{ nodes {{ name }} }} }}"
            for alias, number in numbers.items()
        )
        query = (
            "query($owner: String!, $name: String!) "
            f"{{ repository(owner: $owner, name: $name) {{ {fields} }} }}"
        )
        data = self.writer._post(query, {"owner": self.writer.owner, "name": self.writer.name})
        repo = data.get("repository") or {}
        out: dict[str, set[str]] = {}
        for (alias, _), ref in zip(numbers.items(), refs, strict=True):
            issue = repo.get(alias) or {}
            if issue:
                out[ref] = {n["name"] for n in (issue.get("labels") or {}).get("nodes", [])}
        return out
