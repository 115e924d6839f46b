"""The keys of a `type = "github"` source."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from triagewise.connectors.config import SourceConfig, Strict, check_env_name, check_http_url

_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class ProjectRef(Strict):
    owner: str
    number: int = Field(gt=0)
    score_field: str | None = Field(
        default=None, description="a Number field on the board that receives the score"
    )


class GitHubSource(SourceConfig):
    type: Literal["github"]
    repo: str
    api_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    project: ProjectRef | None = None
    allow_insecure_http: bool = False

    @field_validator("repo")
    @classmethod
    def _repo_shape(cls, value: str) -> str:
        if not _REPO.match(value):
            raise ValueError(f"repo {value!r} must look like owner/name")
        return value

    @field_validator("token_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        check_env_name(value)
        return value

    @model_validator(mode="after")
    def _url(self) -> GitHubSource:
        check_http_url(self.api_url, self.allow_insecure_http)
        return self
