"""The triage session: `queue` (which issues need a person, and a pure state machine of
decisions), `saved` (each decision saved at once), `tui` (the Textual UI on top)."""

from triagewise.session.queue import (
    Decision,
    DecisionQueue,
    Item,
    Refused,
    body_lines,
    build_queue,
    card,
    similar,
)
from triagewise.session.saved import Session

__all__ = [
    "Decision",
    "DecisionQueue",
    "Item",
    "Refused",
    "Session",
    "body_lines",
    "build_queue",
    "card",
    "similar",
]
