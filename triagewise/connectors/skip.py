"""One issue in a shape nobody expected is skipped with a note, never a failed run."""

from __future__ import annotations

from triagewise.safe import terminal


def skipped(what: str, exc: Exception) -> str:
    """The note for an issue whose payload could not be mapped: which one, why, and that the
    copy stored before stays (it is read again when it next changes)."""
    why = terminal(str(exc), one_line=True)[:200]
    return (
        f"{what} was skipped: its payload could not be read ({type(exc).__name__}: {why}); "
        "the copy stored before, if any, stays, and it is read again when it next changes."
    )
