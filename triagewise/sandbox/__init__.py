"""Local trackers that speak the real wire formats over loopback HTTP, for the demo and tests."""

from __future__ import annotations

from datetime import UTC, datetime

from triagewise.sandbox.backlog import DEMO_REPO, seed_demo, seed_synthetic
from triagewise.sandbox.backlog_jira import DEMO_PROJECT, seed_jira_demo, seed_jira_synthetic
from triagewise.sandbox.github import GitHubApp
from triagewise.sandbox.jira import JiraApp
from triagewise.sandbox.server import Faults, Request, Response, Sandbox

DEMO_TOKEN = "sandbox-token"
DEMO_JIRA_USER = "demo@tandem.example"

__all__ = [
    "DEMO_JIRA_USER",
    "DEMO_PROJECT",
    "DEMO_REPO",
    "DEMO_TOKEN",
    "Faults",
    "GitHubApp",
    "JiraApp",
    "Request",
    "Response",
    "Sandbox",
    "build_sandbox",
    "jira_of",
]


def build_sandbox(
    token: str = DEMO_TOKEN,
    base: datetime | None = None,
    port: int = 0,
    synthetic: tuple[str, int, int] | None = None,
    faults: Faults | None = None,
    jira_mode: str = "cloud",
    jira_synthetic: tuple[str, int] | None = None,
) -> tuple[Sandbox, GitHubApp]:
    """A sandbox with the demo backlog (and optionally synthetic data) loaded: GitHub repo
    tandem/app and Jira project PLAT on the same port. The Jira app is `sandbox.apps[1]`.

    `base` anchors the seeded timestamps; by default midnight UTC today, so the demo reads the
    same all day and its issues have realistic ages.
    """
    if base is None:
        base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    github = GitHubApp({token})
    seeded = seed_demo(github, base)
    # the team's roadmap board holds some open issues, in the order people dragged them
    on_board = [i for i in seeded.repo.items.values() if not i.is_pr and i.state == "open"][::3]
    board = github.add_project("tandem", 1, on_board)
    board.fields["Triage score"] = "PVTF_triage_score"  # a Number field the team added
    if synthetic is not None:
        name, issues, pulls = synthetic
        seed_synthetic(github, name, issues, pulls, base)
    jira = JiraApp(jira_mode, credentials={(DEMO_JIRA_USER, token)}, tokens={token})
    seed_jira_demo(jira, base)
    if jira_synthetic is not None:
        project, count = jira_synthetic
        seed_jira_synthetic(jira, project, count, base)
    return Sandbox([github, jira], port=port, faults=faults), github


def jira_of(sandbox: Sandbox) -> JiraApp:
    app = sandbox.apps[1]
    assert isinstance(app, JiraApp)
    return app
