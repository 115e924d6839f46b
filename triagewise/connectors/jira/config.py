"""The keys of a `type = "jira"` source."""

from __future__ import annotations

from typing import Literal

from pydantic import field_validator, model_validator

from triagewise.connectors.config import SourceConfig, check_env_name, check_http_url


class JiraSource(SourceConfig):
    type: Literal["jira"]
    url: str
    jql: str = ""
    user_env: str | None = None
    token_env: str = "JIRA_API_TOKEN"
    deployment: Literal["auto", "cloud", "datacenter"] = "auto"
    allow_insecure_http: bool = False

    @field_validator("token_env", "user_env")
    @classmethod
    def _env_name(cls, value: str | None) -> str | None:
        return check_env_name(value)

    @model_validator(mode="after")
    def _url(self) -> JiraSource:
        check_http_url(self.url, self.allow_insecure_http)
        return self
