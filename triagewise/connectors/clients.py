"""A source's client, credentials resolved from the environment the config names."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from triagewise.config.models import GitHubSource, JiraSource
from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.jira.client import JiraClient
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import ConfigError


def resolve_env(env: Mapping[str, str], name: str, key: str) -> str:
    value = env.get(name, "")
    if not value.strip():
        state = "is empty" if name in env else "is not set"
        raise ConfigError(f"The environment variable {name} (named by {key}) {state}.")
    return value.strip()


def open_github(
    source: GitHubSource,
    index: int,
    env: Mapping[str, str],
    policy: RetryPolicy,
    timeout: float,
    transport: httpx.BaseTransport | None = None,
) -> GitHubClient:
    token = resolve_env(env, source.token_env, f"sources[{index}].token_env")
    return GitHubClient(
        source.api_url, token, source.repo, source.token_env, policy, transport, timeout
    )


def open_jira(
    source: JiraSource, index: int, env: Mapping[str, str], policy: RetryPolicy, timeout: float
) -> JiraClient:
    token = resolve_env(env, source.token_env, f"sources[{index}].token_env")
    key = f"sources[{index}].user_env"
    user = resolve_env(env, source.user_env, key) if source.user_env else None
    return JiraClient(source, user, token, policy, timeout)
