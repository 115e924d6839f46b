"""`[serve]`: the webhook receiver's keys."""

from __future__ import annotations

from pydantic import Field

from triagewise.connectors.config import Strict

__all__ = ["ServeConfig"]


class ServeConfig(Strict):
    """`triagewise serve`: the webhook receiver."""

    github_secret_env: str = Field(
        default="TRIAGEWISE_GITHUB_WEBHOOK_SECRET",
        description="environment variable holding the GitHub webhook secret",
    )
    jira_secret_env: str = Field(
        default="TRIAGEWISE_JIRA_WEBHOOK_SECRET",
        description="environment variable holding the Jira admin webhook secret",
    )
    debounce_seconds: float = Field(
        default=2.0,
        ge=0,
        le=300,
        description="the inbox is re-triaged once no delivery has come for this long",
    )

    def secret_env(self, tracker_type: str) -> str:
        """The variable that holds `tracker_type`'s webhook secret."""
        named = getattr(self, f"{tracker_type}_secret_env", None)
        return str(named or f"TRIAGEWISE_{tracker_type.upper()}_WEBHOOK_SECRET")
