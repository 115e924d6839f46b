"""Projects (v2) writes in batches, like the label writes (`batch.py`): additions
(`addProjectV2ItemById`), position moves (`updateProjectV2ItemPosition`) and score-field
writes (`updateProjectV2ItemFieldValue`) aliased many to a request.

- Additions go first (an item must exist before it can move or hold a score, and one request
  cannot use an item id another alias of it returns). They append at the bottom in the given
  order, which is what the move planner assumed.
- Moves depend on order: they keep it, consecutive moves share a request, and GraphQL runs a
  request's top-level mutation fields one after another, in order (API-FACTS §1.8).
- Errors GitHub reports per alias fail that write alone (a move whose item or anchor could not
  be added fails too). Every write here is idempotent (adding an item already there returns
  it; a move or a value written twice lands once), so a batch whose answer was lost is sent
  again as it was. The request size adapts with the label batcher's (halved on a secondary
  limit, resource limits or a timeout; grown back slowly).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from triagewise.connectors.github.batch import _Shrink
from triagewise.connectors.retry import Retryable

if TYPE_CHECKING:
    from triagewise.connectors.github.writer import ProjectBoard

BoardOp = tuple[str, str, str | None, float | None]  # (add | move | score, node, after, value)
Unit = tuple[int, dict[str, Any]]  # (index into the ops, this alias's variables)


def write_board_batch(board: ProjectBoard, ops: Sequence[BoardOp]) -> list[str | None]:
    """Send the ops in as few requests as the batch size allows; one entry per op: None when
    it landed, else GitHub's reason."""
    results: list[str | None] = [None] * len(ops)
    if not board.project_id or (board.score_field and not board.field_id):
        board.order()
    need: list[str] = []
    for _, node, after, _ in ops:
        for content in (node, after):
            if content and content not in board.items and content not in need:
                need.append(content)
    added: dict[int, str] = {}
    failed: dict[str, str] = {}

    def on_add(index: int, data: dict[str, Any] | None, error: str | None) -> None:
        content = need[index]
        if error is not None or not data:
            failed[content] = error or "GitHub did not add it to the board"
        else:
            board.items[content] = str(data["item"]["id"])
            added[index] = content

    units = [(n, {"content": c}) for n, c in enumerate(need)]
    _run(board, units, "addProjectV2ItemById", "contentId: $content{n}", "item { id }", on_add)
    moves: list[Unit] = []
    scores: list[Unit] = []
    for index, (kind, node, after, value) in enumerate(ops):
        missing = [c for c in (node, after) if c and c in failed]
        if missing:
            results[index] = f"GitHub could not add it to the board: {failed[missing[0]]}"
        elif kind == "move":
            item = board.items[node]
            moves.append((index, {"item": item, "after": board.items[after] if after else None}))
        elif kind == "score":
            scores.append((index, {"item": board.items[node], "number": value}))

    def on_result(index: int, data: dict[str, Any] | None, error: str | None) -> None:
        if error is not None:
            results[index] = f"GitHub refused the board write: {error}"
        elif ops[index][0] == "score" and ops[index][3] is not None:
            board.scores[ops[index][1]] = float(ops[index][3] or 0.0)

    _run(
        board,
        moves,
        "updateProjectV2ItemPosition",
        "itemId: $item{n}, afterId: $after{n}",
        "clientMutationId",
        on_result,
    )
    _run(
        board,
        scores,
        "updateProjectV2ItemFieldValue",
        "itemId: $item{n}, fieldId: $field, value: {{number: $number{n}}}",
        "clientMutationId",
        on_result,
    )
    return results


_TYPES = {"content": "ID!", "item": "ID!", "after": "ID", "number": "Float!"}


def _run(
    board: ProjectBoard,
    units: Sequence[Unit],
    field: str,
    arguments: str,
    selection: str,
    done: Callable[[int, dict[str, Any] | None, str | None], None],
) -> None:
    """Aliased requests of `field`, `size` units each, in order; `done(index, data, error)`
    per unit. Limits shrink the batch and the same units go again."""
    batcher = board.writer.batcher
    queue: deque[Unit] = deque(units)
    failures, waited = 0, 0.0
    while queue:
        chunk = [queue.popleft() for _ in range(min(batcher.size, len(queue)))]
        params = ["$project: ID!"] + (["$field: ID!"] if "$field" in arguments else [])
        variables: dict[str, Any] = {"project": board.project_id}
        if "$field" in arguments:
            variables["field"] = board.field_id
        parts = []
        for n, (_, values) in enumerate(chunk):
            for name, value in values.items():
                params.append(f"${name}{n}: {_TYPES[name]}")
                variables[f"{name}{n}"] = value
            args = arguments.format(n=n)
            parts.append(f"b{n}: {field}(input: {{projectId: $project, {args}}}) {{ {selection} }}")
        query = f"mutation({', '.join(params)}) {{ {' '.join(parts)} }}"
        batcher._pace()
        board.writes += 1
        board.writer.writes += 1
        try:
            body = batcher.send_once(query, variables)
        except Retryable as exc:
            batcher._last = time.monotonic()
            failures += 1
            if isinstance(exc, _Shrink):
                batcher._shrink()
            waited += batcher.back_off(
                exc, failures, waited, f"GitHub board {board.owner}/{board.number}"
            )
            queue.extendleft(reversed(chunk))  # idempotent writes: the same again
            continue
        batcher._last = time.monotonic()
        failures = 0
        batcher._grow()
        errors = {
            str((e.get("path") or [""])[0]): str(e.get("message")) for e in body.get("errors") or []
        }
        data = body.get("data") or {}
        for n, (index, _) in enumerate(chunk):
            done(index, data.get(f"b{n}"), errors.get(f"b{n}"))
