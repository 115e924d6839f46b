"""The retry policy every connector shares: honour the tracker's wait hints, back off otherwise,
and never sleep past the wait budget (a run that would wait an hour stops instead)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import RetryCallState, RetryError, Retrying, retry_if_exception_type

from triagewise.errors import RateLimitedError, UnreachableError

T = TypeVar("T")


class Retryable(Exception):
    """A transient failure (429, 5xx, secondary limit, reset connection, truncated body)."""

    def __init__(self, reason: str, wait_hint: float | None = None, rate_limited: bool = False):
        super().__init__(reason)
        self.reason = reason
        self.wait_hint = wait_hint
        self.rate_limited = rate_limited


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 60.0
    wait_budget: float = 300.0  # seconds of waiting one call may spend before the run stops
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    jitter: Callable[[], float] = field(default=lambda: random.uniform(0.8, 1.2), compare=False)


def _wait(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        if isinstance(exc, Retryable) and exc.wait_hint is not None:
            return max(0.0, exc.wait_hint)
        backoff = policy.base_delay * 2 ** (state.attempt_number - 1)
        return float(min(policy.max_delay, backoff) * policy.jitter())

    return wait


def call_with_retries(fn: Callable[[], T], policy: RetryPolicy, what: str) -> T:
    """Run `fn`, retrying `Retryable` failures; translate exhaustion into a user-facing error."""
    last_wait: list[float] = [0.0]

    def stop(state: RetryCallState) -> bool:
        upcoming = state.upcoming_sleep
        last_wait[0] = upcoming
        over_budget = state.idle_for + upcoming > policy.wait_budget
        return state.attempt_number >= policy.attempts or over_budget

    retrying = Retrying(
        retry=retry_if_exception_type(Retryable),
        wait=_wait(policy),
        stop=stop,
        sleep=policy.sleep,
        reraise=False,
    )
    try:
        return retrying(fn)
    except RetryError as exc:
        cause = exc.last_attempt.exception()
        reason = cause.reason if isinstance(cause, Retryable) else str(cause)
        if isinstance(cause, Retryable) and cause.rate_limited:
            raise RateLimitedError(
                f"{what}: rate limited ({reason}); waiting {last_wait[0]:.0f} s more would pass "
                f"the wait budget of {policy.wait_budget:.0f} s, so the run stops here and the "
                "next run resumes."
            ) from None
        attempts = exc.last_attempt.attempt_number
        tries = f"{attempts} attempts" if attempts != 1 else "1 attempt"
        raise UnreachableError(f"{what}: still failing after {tries} ({reason}).") from None
