"""Command line: parse options, call one function, render. One module per command group; the
error boundary (`app.Group`) and the rendering (`render`) each live in one place."""

from triagewise.cli import demo, learning, mirror, reports, serve, setup, sync, triage, undo
from triagewise.cli.app import main

__all__ = [
    "demo",
    "learning",
    "main",
    "mirror",
    "reports",
    "serve",
    "setup",
    "sync",
    "triage",
    "undo",
]
