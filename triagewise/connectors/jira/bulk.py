"""Jira Cloud label writes by bulk edit (`POST /rest/api/3/bulk/issues/fields`, then polling
`GET /rest/api/3/bulk/queue/{taskId}`), API-FACTS §4.4 and §7.

- Grouping: the changed issues are grouped by the owned label they need added or removed; one
  ADD or one REMOVE per task (never REPLACE or REMOVE_ALL: those would touch other people's
  labels), at most 1,000 issues a task, at most 5 tasks running at once per site.
- Reconciling: an issue's write landed when every task it was in lists its numeric id among
  `processedAccessibleIssues`; the others are retried one by one with a PUT.
- Journaling: each task id is handed to `note` as soon as Jira accepted it, so the caller can
  journal it; a killed run then polls the task (`outcome`) instead of submitting again.
- Permissions: without the global bulk-change permission Jira answers 403; the writes then go
  one PUT per issue, and `notes` says so. `sendBulkNotification` is left to Jira's default,
  unless `[writeback] quiet = true` and the project permission check allowed it.
- Data Center has no bulk edit API: one PUT per issue there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from triagewise.errors import AuthError, TriagewiseError, UnreachableError

if TYPE_CHECKING:
    from triagewise.connectors.jira.writer import JiraWriter

BULK_MAX = 1000  # issues a bulk edit task may carry
BULK_CONCURRENT = 5  # bulk edit tasks running at once per site
POLL_EVERY = 0.2  # seconds between two polls of the same round of tasks
POLL_BUDGET = 600.0  # seconds a round of tasks may take before the run stops
_DONE = {"COMPLETE", "FAILED", "CANCELLED", "DEAD"}

LabelWrite = tuple[str, str, tuple[str, ...], tuple[str, ...]]


class BulkLabels:
    def __init__(self, writer: JiraWriter, sleep: Callable[[float], None] = time.sleep) -> None:
        self.writer = writer
        self.sleep = sleep
        self.ids: dict[str, str] = {}  # issue key -> numeric id (for reconciling)
        self.allowed = True  # False after a 403: per-issue PUTs for the rest of the run
        self.notes: list[str] = []
        self.submits = 0
        self.polls = 0

    def _base(self) -> str:
        return self.writer.client.source.url.rstrip("/") + "/rest/api/3/bulk"

    def submit(self, option: str, label: str, keys: list[str]) -> str | None:
        """The task id; None when the answer was lost or cut short (the task may run: its
        issues are then checked and written one by one)."""
        body: dict[str, Any] = {
            "selectedIssueIdsOrKeys": keys,
            "selectedActions": ["labels"],
            "editedFieldsInput": {
                "labelsFields": [
                    {
                        "fieldId": "labels",
                        "bulkEditMultiSelectFieldOption": option,
                        "labels": [{"name": label}],
                    }
                ]
            },
        }
        if self.writer.quiet:  # the permission check allowed it (`JiraWriter.check_quiet`)
            body["sendBulkNotification"] = False
        self.submits += 1
        self.writer.writes += 1
        what = f"bulk {option.lower()} {label}"
        response = self.writer.client.rest(what, "post", f"{self._base()}/issues/fields", body)
        try:
            return str(response.json()["taskId"])
        except (ValueError, KeyError, TypeError):
            return None

    def poll(self, task: str) -> dict[str, Any]:
        self.polls += 1
        client = self.writer.client
        response = client.rest(f"bulk task {task}", "get", f"{self._base()}/queue/{task}", None)
        try:
            found: dict[str, Any] = response.json()
        except ValueError:
            return {"status": "UNKNOWN"}  # a cut-short answer: poll again
        return found

    def outcome(self, task: str) -> set[str] | None:
        """The keys a journaled task processed, polling until it ends; None when Jira no
        longer knows the task."""
        waited = 0.0
        while True:
            try:
                state = self.poll(task)
            except TriagewiseError as exc:
                if isinstance(exc, UnreachableError | AuthError):
                    raise
                return None
            if str(state.get("status")) in _DONE:
                by_id = {v: k for k, v in self.ids.items()}
                done = {str(i) for i in state.get("processedAccessibleIssues") or []}
                return {by_id.get(i, i) for i in done}
            if waited > POLL_BUDGET:
                raise UnreachableError(f"Jira bulk task {task} did not finish in {waited:.0f} s.")
            self.sleep(POLL_EVERY)
            waited += POLL_EVERY

    def write(
        self,
        writes: Sequence[LabelWrite],
        note: Callable[[list[str], str], None] | None = None,
    ) -> list[str | None]:
        results: list[str | None] = [None] * len(writes)
        if not self.allowed:
            return self._one_by_one(writes, range(len(writes)), results)
        groups: dict[tuple[str, str], list[int]] = {}
        for index, (_, _, add, remove) in enumerate(writes):
            for label in add:
                groups.setdefault(("ADD", label), []).append(index)
            for label in remove:
                groups.setdefault(("REMOVE", label), []).append(index)
        jobs = [
            (option, label, members[start : start + BULK_MAX])
            for (option, label), members in sorted(groups.items())
            for start in range(0, len(members), BULK_MAX)
        ]
        landed = [0] * len(writes)  # how many of its tasks processed each issue
        while jobs:
            running: list[tuple[str, list[int]]] = []
            for option, label, members in jobs[:BULK_CONCURRENT]:
                keys = [writes[i][1] for i in members]
                try:
                    task = self.submit(option, label, keys)
                except AuthError as exc:
                    if running:
                        raise  # refused part-way: stop, the journal says what was sent
                    self.allowed = False
                    self.notes.append(
                        f"Jira refused bulk edit ({exc}); labels go one PUT per issue instead."
                    )
                    logging.getLogger("triagewise").warning(self.notes[-1])
                    return self._one_by_one(writes, range(len(writes)), results)
                if task is None:
                    continue  # its issues are checked and written one by one below
                if note is not None:
                    note([writes[i][0] for i in members], task)
                running.append((task, members))
            jobs = jobs[BULK_CONCURRENT:]
            for task, members in running:
                processed = self.outcome(task) or set()
                for i in members:
                    if writes[i][1] in processed:
                        landed[i] += 1
        retry = [i for i, (_, _, a, r) in enumerate(writes) if landed[i] < len(a) + len(r)]
        return self._one_by_one(writes, retry, results)

    def _one_by_one(
        self, writes: Sequence[LabelWrite], indexes: Sequence[int], results: list[str | None]
    ) -> list[str | None]:
        for i in indexes:
            _, key, add, remove = writes[i]
            try:
                self.writer.write_labels(key, add, remove)
                results[i] = None
            except (UnreachableError, AuthError):
                raise
            except TriagewiseError as exc:
                results[i] = str(exc)
        return results
