"""Jira reads through the `jira` library, with its own retry switched off and ours in charge.

Every library call here is exactly one HTTP request (`max_retries=0`), so `requests` counts
what the site saw. Raw JSON comes back (`json_result=True`); mapping stays ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import requests
from jira import JIRA, JIRAError

from triagewise.connectors.jira.config import JiraSource
from triagewise.connectors.jira.errors import error_sentence
from triagewise.connectors.retry import Retryable, RetryPolicy, call_with_retries
from triagewise.errors import AuthError, ConfigError, NotFoundError, TriagewiseError

T = TypeVar("T")
CLOUD_PAGE = 100  # search/jql returns at most ~100 issues a page when fields are requested
DC_PAGE = 1000  # asked for; the server's jira.search.views.default.max may give fewer


class JiraClient:
    def __init__(
        self,
        source: JiraSource,
        user: str | None,
        token: str,
        policy: RetryPolicy,
        timeout: float = 30.0,
    ) -> None:
        self.source = source
        self.policy = policy
        self.requests = 0
        self.searches = 0
        self.credentials = (
            f"${source.user_env} and ${source.token_env}" if user else f"${source.token_env}"
        )
        auth: dict[str, Any] = {"basic_auth": (user, token)} if user else {"token_auth": token}
        self.jira: JIRA = self._call(
            "connect",
            lambda: JIRA(
                server=source.url,
                max_retries=0,
                timeout=timeout,
                get_server_info=True,
                options={"check_update": False},
                **auth,
            ),
        )
        self.cloud = self._decide_cloud()

    def _decide_cloud(self) -> bool:
        """Cloud when the config says so or the server does: the old search API is gone there,
        so a "datacenter" override cannot win against a server that reports Cloud."""
        said_cloud = str(getattr(self.jira, "deploymentType", "") or "") == "Cloud"
        if self.source.deployment == "cloud" and not said_cloud:
            # the library keys its Cloud-only calls on the server's word; the config overrides it
            self.jira.deploymentType = "Cloud"
        return self.source.deployment == "cloud" or said_cloud

    def call(self, what: str, fn: Callable[[], T]) -> T:
        """One request through our retry policy and error table (for the writer)."""
        return self._call(what, fn)

    def _call(self, what: str, fn: Callable[[], T], jql: str | None = None) -> T:
        def attempt() -> T:
            self.requests += 1
            try:
                return fn()
            except JIRAError as exc:
                raise self._translate(exc, jql) from None
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise Retryable(f"cannot reach {self.source.url}: {type(exc).__name__}") from None
            except ValueError as exc:  # a truncated or non-JSON body
                raise Retryable(f"the response was not complete JSON ({exc})") from None

        return call_with_retries(attempt, self.policy, f"Jira {self.source.name} ({what})")

    def _translate(self, exc: JIRAError, jql: str | None) -> Exception:
        status = exc.status_code or 0
        response = exc.response
        body = response.text if response is not None else exc.text
        message = error_sentence(body) if body else str(exc.text or "no details given")
        headers = response.headers if response is not None else {}
        if status == 429 or status >= 500:
            hint = headers.get("Retry-After")
            reason = headers.get("RateLimit-Reason")
            wait = float(hint) if hint and hint.replace(".", "", 1).isdigit() else None
            label = f"{status}{f' {reason}' if reason else ''}"
            return Retryable(f"{label}: {message}", wait_hint=wait, rate_limited=status == 429)
        if status == 401:
            return AuthError(
                f"Jira at {self.source.url} refused the credentials in {self.credentials} "
                f"({status}: {message})."
            )
        if status == 403:
            return AuthError(
                f"Jira at {self.source.url} denied access with the credentials in "
                f"{self.credentials} ({status}: {message})."
            )
        if status == 400 and jql is not None:
            return ConfigError(
                f"Jira rejected the JQL of source {self.source.name!r} ({message}); "
                f"the query was: {jql}"
            )
        if status == 404:
            return NotFoundError(f"Jira at {self.source.url} has no such resource ({message}).")
        if status == 410:
            return TriagewiseError(
                f"Jira at {self.source.url} says this API was removed ({message}); "
                'set deployment = "cloud" for this source.'
            )
        return TriagewiseError(f"Jira answered {status}: {message}.")

    # -- reads ------------------------------------------------------------------------------

    def fields(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("fields", self.jira.fields)
        # hand the list to the library too, or its first search would fetch it again
        cache: dict[str, str] = {}
        for f in found:
            for name in f.get("clauseNames") or []:
                cache[name] = f["id"]
        self.jira._fields_cache_value = cache
        return found

    def search_cloud(
        self, jql: str, fields: list[str], token: str | None, page_size: int = CLOUD_PAGE
    ) -> dict[str, Any]:
        self.searches += 1
        result: dict[str, Any] = self._call(
            "search",
            lambda: self.jira.enhanced_search_issues(
                jql,
                nextPageToken=token,
                maxResults=page_size,
                fields=list(fields),
                json_result=True,
                use_post=True,
            ),
            jql=jql,
        )
        return result

    def search_datacenter(self, jql: str, fields: list[str], start_at: int) -> dict[str, Any]:
        self.searches += 1
        result: dict[str, Any] = self._call(
            "search",
            lambda: self.jira.search_issues(
                jql,
                startAt=start_at,
                maxResults=DC_PAGE,
                fields=list(fields),
                json_result=True,
                use_post=True,
            ),
            jql=jql,
        )
        return result

    def close(self) -> None:
        self.jira.close()  # type: ignore[no-untyped-call]
