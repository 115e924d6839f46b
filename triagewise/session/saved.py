"""The session the UI and `--plain` drive: the pure `DecisionQueue`, each decision saved in the
store the moment it is made, so a crash or Ctrl-C later loses nothing."""

from __future__ import annotations

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

    def decide(self, bucket: Bucket, reason: str = "", goal: str | None = None) -> None:
        self._save(self.state.decide(bucket, reason, goal))

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
