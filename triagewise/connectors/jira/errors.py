"""Jira's one table from an answer to an error, and its error bodies to one sentence. Pure.

Retriable (`Retryable`, retried under the policy, then `UnreachableError`): 429 and 5xx, with
Retry-After honoured. Fatal: 401 and 403 (`AuthError`, exit 3), 400 on a search (`ConfigError`:
the JQL is wrong), 404 (`NotFoundError`), 410 (`ConfigError`: this server removed the API),
anything else (`ProtocolError`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from triagewise.connectors.retry import Retryable
from triagewise.errors import AuthError, ConfigError, NotFoundError, ProtocolError


@dataclass(frozen=True)
class Where:
    """What an error sentence names: the source, its server, the credentials' variables."""

    name: str
    url: str
    credentials: str


def error_for(
    status: int,
    body: str | bytes | None,
    headers: Mapping[str, str],
    where: Where,
    jql: str | None = None,
    fallback: str = "no details given",
) -> Exception:
    """The error an answer with this status means; `jql` when the request was a search."""
    message = error_sentence(body) if body else fallback
    if status == 429 or status >= 500:
        hint = headers.get("Retry-After")
        reason = headers.get("RateLimit-Reason")
        wait = float(hint) if hint and hint.replace(".", "", 1).isdigit() else None
        label = f"{status}{f' {reason}' if reason else ''}"
        return Retryable(f"{label}: {message}", wait_hint=wait, rate_limited=status == 429)
    if status == 401:
        return AuthError(
            f"Jira at {where.url} refused the credentials in {where.credentials} "
            f"({status}: {message})."
        )
    if status == 403:
        return AuthError(
            f"Jira at {where.url} denied access with the credentials in "
            f"{where.credentials} ({status}: {message})."
        )
    if status == 400 and jql is not None:
        return ConfigError(
            f"Jira rejected the JQL of source {where.name!r} ({message}); the query was: {jql}"
        )
    if status == 404:
        return NotFoundError(f"Jira at {where.url} has no such resource ({message}).")
    if status == 410:
        return ConfigError(
            f"Jira at {where.url} says this API was removed ({message}); "
            'set deployment = "cloud" for this source.'
        )
    return ProtocolError(f"Jira answered {status}: {message}.")


def error_sentence(body: Any) -> str:
    """The messages Jira put in an error body, whichever of its shapes it used."""
    if isinstance(body, str | bytes):
        try:
            body = json.loads(body)
        except ValueError:
            text = body.decode(errors="replace") if isinstance(body, bytes) else body
            return " ".join(text.split())[:300]
    messages: list[str] = []
    if isinstance(body, dict):
        messages += [str(m) for m in body.get("errorMessages") or [] if m]
        errors = body.get("errors")
        if isinstance(errors, dict):
            messages += [f"{k}: {v}" if k not in str(v) else str(v) for k, v in errors.items()]
        elif isinstance(errors, list):
            messages += [
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in errors
            ]
        for result in body.get("results") or []:
            if isinstance(result, dict) and result.get("error"):
                messages.append(str(result["error"]))
        if not messages and body.get("message"):
            messages.append(str(body["message"]))
    return "; ".join(messages) if messages else "no details given"
