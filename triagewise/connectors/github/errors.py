"""GitHub's one table from an HTTP answer to an error, for REST and GraphQL, reads and writes.

Retriable (`Retryable`, retried under the policy, then `UnreachableError`): 429, a 403 that is a
rate limit (primary or secondary), 5xx. Fatal: 401 and other 403s (`AuthError`, exit 3), 404
(`NotFoundError`), a redirect (`UnreachableError`: the config names an old address), anything
else (`ProtocolError`).
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from triagewise.connectors.retry import Retryable
from triagewise.errors import AuthError, NotFoundError, ProtocolError, UnreachableError


@dataclass(frozen=True)
class Where:
    """What an error sentence names: the repository, the server, the token's variable."""

    repo: str
    api_url: str
    token_env: str


def wait_hint(response: httpx.Response, now: float) -> float | None:
    """Seconds GitHub asks us to wait (Retry-After, or until the rate limit resets)."""
    retry_after = response.headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return None
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - now + 1)
    return None


def message_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason_phrase


def error_for(
    response: httpx.Response, where: Where, now: float, writing: bool = False
) -> Exception | None:
    """The error this answer means (None for a success). `writing`: a 401 or 403 that is not
    a rate limit means the token may read but not edit issues."""
    code = response.status_code
    if writing and code in (401, 403) and "rate limit" not in response.text.lower():
        return AuthError(
            f"GitHub refused the write with the token in ${where.token_env} "
            f"({code}); it needs permission to edit issues."
        )
    if code < 300:
        return None
    message = message_of(response)
    hint = wait_hint(response, now)
    if code == 401:
        return AuthError(
            f"GitHub refused the token in ${where.token_env} ({code} {message}); "
            "check that it is current."
        )
    if code == 429 or (code == 403 and (hint is not None or "rate limit" in message.lower())):
        secondary = "secondary" in message.lower() or "abuse" in message.lower()
        wait = hint if hint is not None else 60.0  # GitHub: no hint -> wait at least a minute
        return Retryable(
            f"{code} {'secondary ' if secondary else ''}rate limit: {message}",
            wait_hint=wait,
            rate_limited=True,
        )
    if code == 403:
        return AuthError(
            f"GitHub denied access to {where.repo} with the token in ${where.token_env} "
            f"({code} {message})."
        )
    if code == 404:
        return NotFoundError(
            f"GitHub repository {where.repo} was not found at {where.api_url}, "
            f"or the token in ${where.token_env} cannot see it."
        )
    if code >= 500:
        return Retryable(f"{code} {message}", wait_hint=hint)
    if code in (301, 302, 307, 308):
        return UnreachableError(
            f"GitHub redirected {response.request.url} to {response.headers.get('location')}; "
            "update api_url or repo in the config."
        )
    return ProtocolError(f"GitHub answered {code} {message} for {response.request.url}.")
