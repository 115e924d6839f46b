"""Non-idempotent writes (a new comment) are never resent blindly (issue 17 item 3).

A comment POST whose answer was lost (a timeout, a reset, a 502 after the tracker processed
it) may have landed. Before any retry the comments are searched for this write's nonce, every
page, newest first; only a write that is not there goes again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from triagewise.connectors.retry import Retryable, RetryPolicy
from triagewise.errors import RateLimitedError, UnreachableError

NONCE = "<!-- triagewise:nonce {} -->"


def nonce() -> str:
    """A per-change mark hidden in the comment, so the search finds this very write."""
    return NONCE.format(secrets.token_hex(6))


def post_once(
    post: Callable[[], str],
    landed: Callable[[], str | None],
    policy: RetryPolicy,
    what: str,
) -> str:
    """`post()` once; when its answer is lost, `landed()` looks for what it wrote (its id, or
    None) before the next attempt. Retries follow the policy's attempts and backoff."""
    waited = 0.0
    for attempt in range(1, policy.attempts + 1):
        try:
            return post()
        except (Retryable, UnreachableError) as exc:
            found = landed()
            if found is not None:
                return found
            hint = exc.wait_hint if isinstance(exc, Retryable) else None
            wait = hint if hint is not None else policy.base_delay * 2 ** (attempt - 1)
            wait = min(wait, policy.max_delay) if hint is None else wait
            if (
                isinstance(exc, Retryable)
                and exc.rate_limited
                and waited + wait > policy.wait_budget
            ):
                raise RateLimitedError(
                    f"{what}: rate limited ({exc}); waiting {wait:.0f} s more would pass "
                    f"the wait budget of {policy.wait_budget:.0f} s, so the run stops here and "
                    "the next run resumes."
                ) from None
            if attempt == policy.attempts:
                reason = exc.reason if isinstance(exc, Retryable) else str(exc)
                raise UnreachableError(
                    f"{what}: still failing after {attempt} attempts ({reason}); the comment "
                    "was not found on the issue, so nothing was written twice."
                ) from None
            policy.sleep(wait)
            waited += wait
    raise AssertionError("unreachable")  # pragma: no cover
