"""Local trackers that speak the real wire formats over loopback HTTP, for the demo and tests."""

from __future__ import annotations

from datetime import UTC, datetime

from triagewise.sandbox.backlog import DEMO_REPO, seed_demo, seed_synthetic
from triagewise.sandbox.github import GitHubApp
from triagewise.sandbox.server import Faults, Request, Response, Sandbox

DEMO_TOKEN = "sandbox-token"

__all__ = [
    "DEMO_REPO",
    "DEMO_TOKEN",
    "Faults",
    "GitHubApp",
    "Request",
    "Response",
    "Sandbox",
    "build_sandbox",
]


def build_sandbox(
    token: str = DEMO_TOKEN,
    base: datetime | None = None,
    port: int = 0,
    synthetic: tuple[str, int, int] | None = None,
    faults: Faults | None = None,
) -> tuple[Sandbox, GitHubApp]:
    """A sandbox with the demo backlog (and optionally a synthetic repository) loaded.

    `base` anchors the seeded timestamps; by default midnight UTC today, so the demo reads the
    same all day and its issues have realistic ages.
    """
    if base is None:
        base = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    github = GitHubApp({token})
    seed_demo(github, base)
    if synthetic is not None:
        name, issues, pulls = synthetic
        seed_synthetic(github, name, issues, pulls, base)
    return Sandbox([github], port=port, faults=faults), github
