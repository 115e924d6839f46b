"""The files `triagewise init` and `triagewise demo` write, kept as package data beside this
module (`starter.toml`, `demo.toml.template`) so they read as the TOML they are."""

from __future__ import annotations

from importlib.resources import files
from string import Template

DEMO_MARKER = "# written by `triagewise demo`"

DEMO_TOKEN_ENV = "TRIAGEWISE_DEMO_TOKEN"
DEMO_USER_ENV = "TRIAGEWISE_DEMO_JIRA_USER"

_HERE = files("triagewise.config")
STARTER = _HERE.joinpath("starter.toml").read_text(encoding="utf-8")


def demo_config(sandbox_url: str) -> str:
    """The demo's config, pointing at a sandbox that lives only while the demo runs."""
    template = Template(_HERE.joinpath("demo.toml.template").read_text(encoding="utf-8"))
    return template.substitute(
        marker=DEMO_MARKER,
        sandbox_url=sandbox_url,
        token_env=DEMO_TOKEN_ENV,
        user_env=DEMO_USER_ENV,
    )
