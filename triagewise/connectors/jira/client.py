"""Jira reads through the `jira` library, with its own retry switched off and ours in charge.

Every library call here is exactly one HTTP request (`max_retries=0`), so `requests` counts
what the site saw. Raw JSON comes back (`json_result=True`); mapping stays ours.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from jira import JIRA, JIRAError

from triagewise.connectors.jira.config import JiraSource
from triagewise.connectors.jira.errors import Where, error_for
from triagewise.connectors.retry import Retryable, RetryPolicy, call_with_retries
from triagewise.errors import ProtocolError

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
        self.search_by_get = False  # POST search answered 405: GET for the rest of the run
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

    def _call(
        self, what: str, fn: Callable[[], T], jql: str | None = None, once: bool = False
    ) -> T:
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

        policy = replace(self.policy, attempts=1) if once else self.policy
        return call_with_retries(attempt, policy, f"Jira {self.source.name} ({what})")

    def _translate(self, exc: JIRAError, jql: str | None) -> Exception:
        response = exc.response
        body = response.text if response is not None else exc.text
        headers = response.headers if response is not None else {}
        where = Where(self.source.name, self.source.url, self.credentials)
        request = getattr(response, "request", None) if response is not None else None
        sent = (
            f"{request.method} {urlsplit(str(request.url)).path}"
            if request is not None and getattr(request, "url", None)
            else None
        )
        return error_for(
            exc.status_code or 0,
            body,
            headers,
            where,
            jql,
            str(exc.text or "no details given"),
            sent,
        )

    def private(self, name: str) -> Any:
        """The one door into the `jira` library's private parts (`_session`, `_get_url`,
        `_get_json`, `_fields_cache_value`): an upgrade that moves them breaks here, once,
        with a sentence instead of an AttributeError somewhere in the writer."""
        try:
            return getattr(self.jira, name)
        except AttributeError:
            raise ProtocolError(
                f"this version of the jira library has no {name}; triagewise needs jira>=3.8,<4"
            ) from None

    def rest(
        self, what: str, method: str, url: str, body: Any, once: bool = False
    ) -> requests.Response:
        """One raw request (labels, rank, comments): the library's update-then-reload would
        cost a second request per write. `once`: no retry (a write that is not idempotent;
        its caller looks for it before sending it again)."""
        session = self.private("_session")
        response: requests.Response = self._call(
            what, lambda: getattr(session, method)(url, data=json.dumps(body)), once=once
        )
        return response

    def url(self, path: str) -> str:
        """The REST URL of `path` (`issue/APP-1`), as the library builds it."""
        return str(self.private("_get_url")(path))

    def get_json(self, what: str, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call(what, lambda: self.private("_get_json")(path, params=params))

    # -- reads ------------------------------------------------------------------------------

    def fields(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._call("fields", self.jira.fields)
        # hand the list to the library too, or its first search would fetch it again
        cache: dict[str, str] = {}
        for f in found:
            for name in f.get("clauseNames") or []:
                cache[name] = f["id"]
        known = self.private("_fields_cache_value")
        known.clear()
        known.update(cache)
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
        """POST search (a long JQL fits); a site, proxy or emulator that answers 405 to POST
        gets the same JQL and fields by GET, for the rest of the run."""
        self.searches += 1

        def search(post: bool) -> dict[str, Any]:
            result: dict[str, Any] = self._call(
                "search",
                lambda: self.jira.search_issues(
                    jql,
                    startAt=start_at,
                    maxResults=DC_PAGE,
                    fields=list(fields),
                    json_result=True,
                    use_post=post,
                ),
                jql=jql,
            )
            return result

        if not self.search_by_get:
            try:
                return search(True)
            except ProtocolError as exc:
                if " 405 " not in f" {exc} ".replace(":", " "):
                    raise
                self.search_by_get = True
        return search(False)

    def close(self) -> None:
        self.jira.close()  # type: ignore[no-untyped-call]
