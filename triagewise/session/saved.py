"""The session the UI and `--plain` drive: the pure `DecisionQueue`, each decision saved in the
store the moment it is made, so a crash or Ctrl-C later loses nothing."""

from __future__ import annotations

import os
import sys
import webbrowser
from collections.abc import Callable, Mapping
from datetime import datetime

from triagewise.config.models import Config
from triagewise.rules.triage import Assessment, Bucket
from triagewise.session.queue import Decision, DecisionQueue, Item
from triagewise.store.db import Store


class Session:
    def __init__(
        self,
        store: Store,
        config: Config,
        queue: list[Item],
        everything: list[Assessment],
        now: datetime,
        author: str | None = None,
    ) -> None:
        self.store = store
        known = {key: Decision.from_row(row) for key, row in store.decisions().items()}
        self.state = DecisionQueue(config, queue, everything, now, known, author=author)

    @property
    def config(self) -> Config:
        return self.state.config

    @property
    def queue(self) -> list[Item]:
        return self.state.queue

    @property
    def everything(self) -> list[Assessment]:
        return self.state.everything

    @property
    def current(self) -> Item | None:
        return self.state.current

    @property
    def position(self) -> int:
        return self.state.position

    @property
    def decided(self) -> int:
        return self.state.decided

    @property
    def snoozed(self) -> int:
        return len(self.state.snoozed)

    def decide(self, bucket: Bucket, reason: str = "", goal: str | None = None) -> None:
        self._save(self.state.decide(bucket, reason, goal))

    def duplicate(self, ref: str) -> Decision:
        """Never, "duplicate of REF"; raises `Refused` (nothing saved) for a bad ref."""
        decision = self.state.duplicate(ref)
        self._save(decision)
        return decision

    def snooze(self, until: str) -> Decision:
        """Out of the queue until that day; raises `Refused` (nothing saved) for a bad date."""
        decision = self.state.snooze(until)
        self._save(decision)
        return decision

    def skip(self) -> None:
        self.state.skip()

    def undo(self) -> str | None:
        done = self.state.undo()
        if done is None:
            return None
        message, undo = done
        if undo is not None:
            if undo.before is None:
                self.store.delete_decision(undo.key, self.state.now, self.state.author, "undone")
            else:
                self._save(undo.before)
        return message

    def _save(self, d: Decision) -> None:
        self.store.save_decision(
            d.key, d.bucket, d.reason, d.origin, self.state.now, d.goal, d.review_on, d.author
        )


def open_in_browser(
    url: str,
    env: Mapping[str, str] | None = None,
    opener: Callable[[str], bool] = webbrowser.open,
    platform: str = sys.platform,
) -> str:
    """Ask for a browser, and say truthfully what happened: without a display (and no
    $BROWSER) a browser cannot start, so the URL is given instead of a claim."""
    env = os.environ if env is None else env
    graphical = platform in ("darwin", "win32") or any(
        env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "BROWSER")
    )
    if not graphical:
        return f"no display to open a browser on; the issue is at {url}"
    try:
        started = opener(url)
    except (webbrowser.Error, OSError) as exc:
        return f"the browser did not start ({type(exc).__name__}); the issue is at {url}"
    if not started:
        return f"no browser could be started; the issue is at {url}"
    return f"asked the browser to open {url}"
