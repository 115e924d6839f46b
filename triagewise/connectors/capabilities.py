"""What a tracker can do, declared as data, so the core asks instead of guessing.

Pure and import-light: the planner reads these values (rank style, batch size, comment markup)
without knowing which tracker it plans for.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

RankStyle = Literal["block", "single"]
"""`block`: one call places up to `rank_batch` issues before or after an anchor (Jira's rank
API). `single`: one call moves one item after another (GitHub Projects)."""

EXPLANATION_NOTE = "(triagewise explanation, kept up to date in place)"
DETAILS_TITLE = "How the decision was scored"


@dataclass(frozen=True)
class CommentStyle:
    """How an explanation comment is written in the tracker's markup, and found again."""

    strong: str  # format of the bold label line: "**{}**" (Markdown) or "*{}*" (Jira wiki)
    bullet: str  # the prefix of each further reason
    footer: str  # the comment's last line; it holds `marker`
    marker: str  # the text that finds triagewise's own comment again after a lost answer
    markup: str = "markdown"  # how tracker text in it is escaped: "markdown" or "wiki"

    @property
    def details(self) -> tuple[str, str]:
        """The lines that open and close the block holding the numbers: a collapsed
        `<details>` in Markdown; Jira's wiki markup has no collapsed block, so a titled panel."""
        if self.markup == "wiki":
            return (f"{{panel:title={DETAILS_TITLE}}}", "{panel}")
        return (f"<details><summary>{DETAILS_TITLE}</summary>", "</details>")


@dataclass(frozen=True)
class Capabilities:
    """Which optional parts a source has and how they behave. Derived from the source's config
    alone (no connection), so `plan` can use them offline.

    - `title`: how a sentence names the tracker ("Jira", "GitHub").
    - `rank`: None when the source has no board order to write; else its style.
    - `rank_batch`: the most issues one block move may carry (1 for single moves).
    - `board_is_scope`: the board sweep also says which issues are still in the source's
      scope; issues it no longer lists are not assessed.
    - `score_field`: the board has a number field that receives the score.
    - `comments`: the markup of explanation comments; None when the source cannot comment.
    - `label_batch`: issues one label write request may carry (the labels writer is then a
      `BatchLabelWriter`).
    - `write_interval`: seconds between two write requests this tracker asks for (GitHub:
      1 s between mutative requests; Jira: none, it answers 429 with Retry-After instead).
      `[network] write_interval` overrides it.
    """

    title: str
    rank: RankStyle | None = None
    rank_batch: int = 1
    board_is_scope: bool = False
    score_field: bool = False
    comments: CommentStyle | None = None
    label_batch: int = 1
    write_interval: float = 0.0
