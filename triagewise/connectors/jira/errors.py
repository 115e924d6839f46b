"""Jira's error bodies to one sentence. Pure."""

from __future__ import annotations

import json
from typing import Any


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
