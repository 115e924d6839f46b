"""Rank-move algorithms: the fewest moves that turn a board's order into the target. Pure.

Both keep a longest increasing subsequence of the current order in place and move the rest
(API-FACTS §4.5): `plan_single_moves` one item a call (GitHub Projects), `plan_block_moves`
runs of items as blocks of up to `batch` a call (Jira's rank API).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence


def longest_increasing(seq: Sequence[int]) -> list[int]:
    """Indices into `seq` of one longest strictly increasing subsequence (patience sorting)."""
    tails: list[int] = []
    tail_at: list[int] = []
    back = [-1] * len(seq)
    for i, value in enumerate(seq):
        k = bisect_left(tails, value)
        if k == len(tails):
            tails.append(value)
            tail_at.append(i)
        else:
            tails[k] = value
            tail_at[k] = i
        back[i] = tail_at[k - 1] if k else -1
    out: list[int] = []
    i = tail_at[-1] if tail_at else -1
    while i != -1:
        out.append(i)
        i = back[i]
    return out[::-1]


def _kept(current: Sequence[str], target: Sequence[str]) -> set[str]:
    where = {key: n for n, key in enumerate(target)}
    seq = [where[key] for key in current]
    return {current[i] for i in longest_increasing(seq)}


def plan_single_moves(
    current: Sequence[str], target: Sequence[str]
) -> list[tuple[str, str | None]]:
    """(item, after) moves, one item each: exactly N − LIS of them (API-FACTS §4.5).
    `after` None means to the top. For GitHub Projects' updateProjectV2ItemPosition."""
    kept = _kept(current, target)
    return [(key, target[t - 1] if t else None) for t, key in enumerate(target) if key not in kept]


def plan_block_moves(
    current: Sequence[str], target: Sequence[str], batch: int
) -> list[tuple[tuple[str, ...], str, str]]:
    """(issues, position, anchor) block moves for Jira's rank API; never more than
    min(N − LIS, ⌈N/batch⌉) calls: runs of displaced issues around a kept longest increasing
    subsequence, or a rewrite after the first issue, whichever takes fewer calls."""
    if list(current) == list(target) or len(target) < 2:
        return []
    kept = _kept(current, target)
    runs: list[tuple[int, int]] = []
    t = 0
    while t < len(target):
        if target[t] in kept:
            t += 1
            continue
        start = t
        while t < len(target) and target[t] not in kept:
            t += 1
        runs.append((start, t))
    by_runs: list[tuple[tuple[str, ...], str, str]] = []
    for start, end in runs:
        block = list(target[start:end])
        position, anchor = ("after", target[start - 1]) if start else ("before", target[end])
        for n in range(0, len(block), batch):
            chunk = tuple(block[n : n + batch])
            by_runs.append((chunk, position, anchor))
            position, anchor = "after", chunk[-1]
    rewrite: list[tuple[tuple[str, ...], str, str]] = []
    anchor = target[0]
    for n in range(1, len(target), batch):
        chunk = tuple(target[n : n + batch])
        rewrite.append((chunk, "after", anchor))
        anchor = chunk[-1]
    return by_runs if len(by_runs) <= len(rewrite) else rewrite


def apply_block_moves(
    order: list[str], moves: Iterable[tuple[Sequence[str], str, str]]
) -> list[str]:
    """What Jira does with the moves (used by tests and the benchmark to check a plan)."""
    out = list(order)
    for issues, position, anchor in moves:
        moving = [k for k in issues if k != anchor]
        out = [k for k in out if k not in set(moving)]
        at = out.index(anchor) + (1 if position == "after" else 0)
        out[at:at] = moving
    return out
