"""GitHub REST reads over httpx: one request per page, conditional requests, our retry policy.

PyGithub is not used for reads because its list elements are incomplete objects (touching
`raw_data` costs a GET per issue) and its pages carry no ETag cache (API-FACTS §1.10).
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from triagewise import __version__
from triagewise.connectors.github.errors import Where, error_for
from triagewise.connectors.retry import Retryable, RetryPolicy, call_with_retries
from triagewise.errors import ProtocolError

API_VERSION = "2022-11-28"
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="([^"]+)"')
_PAGE = re.compile(r"[?&]page=(\d+)")


@dataclass(frozen=True)
class Page:
    url: str
    status: int  # 200 or 304
    items: list[dict[str, Any]]
    etag: str | None
    next_url: str | None
    last_page: int | None


def parse_links(header: str | None) -> dict[str, str]:
    return {rel: url for url, rel in _LINK.findall(header or "")}


class GitHubClient:
    """Reads one repository. `requests` counts every HTTP request sent, retries included."""

    def __init__(
        self,
        api_url: str,
        token: str,
        repo: str,
        token_env: str,
        policy: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.repo = repo
        self.token_env = token_env
        self.policy = policy or RetryPolicy()
        self.requests = 0
        self.not_modified = 0
        self.rate_remaining: int | None = None
        self._origin = urlsplit(self.api_url)[:2]
        self.where = Where(self.repo, self.api_url, token_env)
        self._http = httpx.Client(
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": f"triagewise/{__version__}",
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._http.close()

    def issues_url(self, since: str | None) -> str:
        url = (
            f"{self.api_url}/repos/{self.repo}/issues"
            "?state=all&sort=updated&direction=desc&per_page=100"
        )
        return url + (f"&since={since}" if since else "")

    def fetch_page(self, url: str, etag: str | None = None) -> Page:
        if urlsplit(url)[:2] != self._origin:
            # never send the token to a host the config did not name
            raise ProtocolError(f"GitHub sent a pagination link to another host ({url}).")
        what = f"GitHub {self.repo}"
        return call_with_retries(lambda: self._get_page(url, etag), self.policy, what)

    def _get_page(self, url: str, etag: str | None) -> Page:
        headers = {"If-None-Match": etag} if etag else {}
        self.requests += 1
        try:
            response = self._http.get(url, headers=headers)
        except httpx.TimeoutException as exc:
            raise Retryable(f"timed out: {type(exc).__name__}") from None
        except httpx.TransportError as exc:
            raise Retryable(f"cannot connect to {self.api_url}: {exc}") from None
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining and remaining.isdigit():
            self.rate_remaining = int(remaining)
        if response.status_code == 304:
            self.not_modified += 1
            return Page(url, 304, [], etag, None, None)
        self.raise_for_status(response)
        try:
            items = json.loads(response.content)
        except ValueError:
            raise Retryable("the response was not complete JSON") from None
        if not isinstance(items, list):
            raise Retryable("the response was not a list of issues")
        links = parse_links(response.headers.get("link"))
        last = _PAGE.search(links.get("last", ""))
        return Page(
            url=url,
            status=200,
            items=items,
            etag=response.headers.get("etag"),
            next_url=links.get("next"),
            last_page=int(last.group(1)) if last else None,
        )

    def get_issue(self, number: int) -> tuple[int, dict[str, Any] | None]:
        """One issue by number (one request, retried under the policy): (200, payload), or
        (status, None) when GitHub says it is gone (404, 410 deleted, 301 transferred)."""
        url = f"{self.api_url}/repos/{self.repo}/issues/{number}"

        def attempt() -> tuple[int, dict[str, Any] | None]:
            self.requests += 1
            try:
                response = self._http.get(url)
            except httpx.TimeoutException as exc:
                raise Retryable(f"timed out: {type(exc).__name__}") from None
            except httpx.TransportError as exc:
                raise Retryable(f"cannot connect to {self.api_url}: {exc}") from None
            if response.status_code in (301, 404, 410):
                return response.status_code, None
            self.raise_for_status(response)
            try:
                item = json.loads(response.content)
            except ValueError:
                raise Retryable("the response was not complete JSON") from None
            if not isinstance(item, dict):
                raise Retryable("the response was not an issue")
            return 200, item

        return call_with_retries(attempt, self.policy, f"GitHub {self.repo}#{number}")

    def raise_for_status(self, response: httpx.Response, writing: bool = False) -> None:
        """Raise what the error table (`errors.py`) says this answer means, if anything."""
        error = error_for(response, self.where, time.time(), writing)
        if error is not None:
            raise error

    def request(self, method: str, url: str, payload: dict[str, Any] | None) -> httpx.Response:
        """One request on the reads' authenticated connection (for the writer), counted."""
        self.requests += 1
        try:
            return self._http.request(method, url, json=payload)
        except httpx.TransportError as exc:
            raise Retryable(f"cannot reach {url}: {type(exc).__name__}") from None
