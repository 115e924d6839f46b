"""The triage session in the terminal (Textual): one issue at a time, single keys decide."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Header, Input, OptionList, Static

from triagewise.rules.triage import Bucket
from triagewise.safe import terminal
from triagewise.session.queue import Refused, body_lines, card
from triagewise.session.saved import Session, open_in_browser
from triagewise.words import counted

COLOURS = {"now": "green", "later": "yellow", "never": "grey62"}


class ReasonScreen(ModalScreen[str | None]):
    """A one-line reason for a never: it goes on the decision and its review."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Why never? One line, for the people who asked.")
            yield Input(placeholder="e.g. enterprise SSO is not our market this year", id="reason")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class AskScreen(ModalScreen[str | None]):
    """One line asked for: the original of a duplicate, the day a snooze ends."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, placeholder: str) -> None:
        super().__init__()
        self.question, self.placeholder = question, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question)
            yield Input(placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class GoalScreen(ModalScreen[str | None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "cancel")]

    def __init__(self, goals: list[tuple[str, str]]) -> None:
        super().__init__()
        self.goals = goals

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static("Which goal does it move?")
            yield OptionList(*[f"{gid} — {title}" for gid, title in self.goals], id="goals")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.goals[event.option_index][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TriageApp(App[int]):
    TITLE = "triagewise triage"
    CSS = """
    #card { padding: 1 2; }
    #dialog { width: 70; height: auto; padding: 1 2; border: round $accent; background: $panel; }
    ReasonScreen, GoalScreen, AskScreen { align: center middle; }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("n", "decide('now')", "now"),
        Binding("l", "decide('later')", "later"),
        Binding("v", "never", "never"),
        Binding("d", "duplicate", "duplicate"),
        Binding("z", "snooze", "snooze"),
        Binding("g", "goal", "goal"),
        Binding("s", "skip", "skip"),
        Binding("u", "undo", "undo"),
        Binding("o", "open", "open"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.goal: str | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="card")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    def show(self, message: str = "") -> None:
        s = self.session
        item = s.current
        position = f"{min(s.position + 1, len(s.queue))}/{len(s.queue)}"
        text = Text(f" {position} · {s.decided} decided · {message} \n\n", style="reverse")
        body = self.query_one("#card", Static)
        if item is None:
            text.append(
                f"The queue is empty: {counted(s.decided, 'decision')} saved. "
                "The next sync writes them back. Press q to leave.",
                style="bold",
            )
            body.update(text)
            return
        lines = card(item, s.everything, s.config)
        text.append(lines[0] + "\n", style="bold")
        text.append(lines[1] + "\n", style="italic cyan")
        text.append(lines[2] + "\n\n")
        bucket = item.assessment.bucket.value
        text.append(lines[3] + "\n", style=f"bold {COLOURS[bucket]}")
        goal = f" (goal chosen: {self.goal})" if self.goal else ""
        text.append(lines[4] + goal + "\n\n")
        for line in lines[5:]:
            text.append(line + "\n", style="dim" if line.startswith("similar") else "")
        description, _ = body_lines(item, None)
        text.append("\n── description (scroll: ↑ ↓ PgUp PgDn) ──\n", style="bold")
        for line in description:
            text.append(line + "\n")
        body.update(text)
        self.query_one(VerticalScroll).scroll_home(animate=False)

    def action_decide(self, bucket: str, reason: str = "") -> None:
        if self.session.current is None:
            return
        ref = self.session.current.assessment.ref
        self.session.decide(Bucket(bucket), reason, self.goal)
        self.goal = None
        self.show(f"{ref}: {bucket} (saved)")

    def action_never(self) -> None:
        if self.session.current is None:
            return

        def done(reason: str | None) -> None:
            if reason:
                self.action_decide("never", reason)
            else:
                self.show("never needs a reason; nothing saved")

        self.push_screen(ReasonScreen(), done)

    def action_goal(self) -> None:
        goals = [(g.id, g.title) for g in self.session.config.goals]
        if self.session.current is None or not goals:
            return

        def done(goal: str | None) -> None:
            self.goal = goal
            self.show(f"goal {goal} chosen; now decide the bucket" if goal else "no goal chosen")

        self.push_screen(GoalScreen(goals), done)

    def action_skip(self) -> None:
        if self.session.current is not None:
            self.session.skip()
            self.show("skipped")

    def action_undo(self) -> None:
        self.show(self.session.undo() or "nothing to undo")

    def action_duplicate(self) -> None:
        if self.session.current is None:
            return

        def done(ref: str | None) -> None:
            if not ref:
                self.show("no original given; nothing saved")
                return
            try:
                made = self.session.duplicate(ref)
            except Refused as exc:
                self.show(str(exc))
                return
            self.goal = None
            self.show(f"{made.ref}: never, {made.reason} (saved)")

        self.push_screen(
            AskScreen("Duplicate of which issue?", "e.g. tandem/app#12, #12 or PLAT-7"), done
        )

    def action_snooze(self) -> None:
        if self.session.current is None:
            return

        def done(until: str | None) -> None:
            if not until:
                self.show("no date given; nothing saved")
                return
            try:
                made = self.session.snooze(until)
            except Refused as exc:
                self.show(str(exc))
                return
            self.show(f"{made.ref}: snoozed until {made.review_on} (saved)")

        self.push_screen(AskScreen("Snooze until when?", "YYYY-MM-DD, +7 (days) or +2w"), done)

    def action_open(self) -> None:
        item = self.session.current
        if item is None:
            return
        url = item.assessment.issue.url
        self.show(terminal(open_in_browser(url), one_line=True) if url else "it has no URL")

    async def action_quit(self) -> None:
        self.exit(self.session.decided)
