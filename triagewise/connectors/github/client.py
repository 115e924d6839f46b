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
from triagewise.connectors.retry import Retryable, RetryPolicy, call_with_retries
from triagewise.errors import AuthError, NotFoundError, TriagewiseError, UnreachableError

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


def _wait_hint(response: httpx.Response, now: float) -> float | None:
    retry_after = response.headers.get("retry-after")
    if retry_after:
        try:
            return max(0.0, float(retry_after))
        except ValueError:
            return None
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset")
        if reset and reset.isdigit():
            return max(0.0, int(reset) - now + 1)
    return None


def _message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return response.reason_phrase


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
            raise TriagewiseError(f"GitHub sent a pagination link to another host ({url}).")
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
        self._raise_for_status(response)
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

    def _raise_for_status(self, response: httpx.Response) -> None:
        code = response.status_code
        if code < 300:
            return
        message = _message(response)
        hint = _wait_hint(response, time.time())
        if code == 401:
            raise AuthError(
                f"GitHub refused the token in ${self.token_env} ({code} {message}); "
                "check that it is current."
            )
        if code == 429 or (code == 403 and (hint is not None or "rate limit" in message.lower())):
            secondary = "secondary" in message.lower() or "abuse" in message.lower()
            wait = hint if hint is not None else 60.0  # GitHub: no hint -> wait at least a minute
            raise Retryable(
                f"{code} {'secondary ' if secondary else ''}rate limit: {message}",
                wait_hint=wait,
                rate_limited=True,
            )
        if code == 403:
            raise AuthError(
                f"GitHub denied access to {self.repo} with the token in ${self.token_env} "
                f"({code} {message})."
            )
        if code == 404:
            raise NotFoundError(
                f"GitHub repository {self.repo} was not found at {self.api_url}, "
                f"or the token in ${self.token_env} cannot see it."
            )
        if code >= 500:
            raise Retryable(f"{code} {message}", wait_hint=_wait_hint(response, time.time()))
        if code in (301, 302, 307, 308):
            raise UnreachableError(
                f"GitHub redirected {response.request.url} to {response.headers.get('location')}; "
                "update api_url or repo in the config."
            )
        raise TriagewiseError(f"GitHub answered {code} {message} for {response.request.url}.")
