"""Which mirrored issues are gone: one aliased GraphQL query per 100 issues
(`repository { n0: issue(number: …) { number } … }`; a deleted or transferred issue resolves to
null), then one REST read per missing issue, which tells them apart: 410 deleted, 404 gone from
the token's sight, 301 transferred (its Location, on the same host only, says where to)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.github.mapping import repo_of
from triagewise.connectors.gone import Gone
from triagewise.connectors.retry import Retryable, call_with_retries
from triagewise.errors import ProtocolError
from triagewise.model import Issue

GROUP = 100


def _number(ref: str) -> int:
    return int(ref.rsplit("#", 1)[1])


def missing(client: GitHubClient, graphql: str, refs: Sequence[str]) -> list[str]:
    """The refs (of the client's repository) that GraphQL no longer resolves."""
    owner, name = client.repo.split("/")
    fields = " ".join(f"n{k}: issue(number: {_number(r)}) {{ number }}" for k, r in enumerate(refs))
    query = (
        "query($owner: String!, $name: String!) "
        f"{{ repository(owner: $owner, name: $name) {{ {fields} }} }}"
    )

    def attempt() -> dict[str, Any]:
        payload = {"query": query, "variables": {"owner": owner, "name": name}}
        response = client.request("POST", graphql, payload)
        client.raise_for_status(response)
        try:
            body: dict[str, Any] = response.json()
        except ValueError:
            raise Retryable("the response was not complete JSON") from None
        other = [e for e in body.get("errors") or [] if e.get("type") != "NOT_FOUND"]
        if other:
            raise ProtocolError(
                f"GitHub GraphQL refused the check of {client.repo}'s issues: "
                + "; ".join(str(e.get("message")) for e in other)
            )
        return body

    body = call_with_retries(attempt, client.policy, f"GitHub {client.repo}")
    repo = (body.get("data") or {}).get("repository")
    if not isinstance(repo, dict):
        return []  # the repository itself is gone: the pull says so, in its own words
    return [ref for k, ref in enumerate(refs) if not repo.get(f"n{k}")]


def whereabouts(client: GitHubClient, ref: str) -> Gone | None:
    """What became of one issue GraphQL no longer resolves (None: it is there after all)."""
    url = f"{client.api_url}/repos/{client.repo}/issues/{_number(ref)}"
    origin = urlsplit(client.api_url)[:2]

    def attempt() -> Gone | None:
        response = client.request("GET", url, None)
        code = response.status_code
        if code == 410:
            return Gone(ref, "was deleted")
        if code == 404:
            return Gone(ref, "is gone (deleted, or no longer visible to the token)")
        if code in (301, 302, 307, 308):
            location = response.headers.get("location") or ""
            if urlsplit(location)[:2] != origin:  # never send the token to another host
                return Gone(ref, f"was moved to {location or 'an unknown place'}")
            moved = client.request("GET", location, None)
            client.raise_for_status(moved)
            payload = moved.json()
            new_repo = repo_of(payload) if isinstance(payload, dict) else None
            if new_repo is None or not isinstance(payload.get("number"), int):
                return Gone(ref, f"was moved to {location}")
            new_ref = f"{new_repo}#{payload['number']}"
            home = f"{client.api_url}/repos/{new_repo.lower()}"
            return Gone(ref, f"was transferred to {new_ref}", new_ref, home)
        client.raise_for_status(response)
        return None

    return call_with_retries(attempt, client.policy, f"GitHub {client.repo}")


def locate(client: GitHubClient, graphql: str, issues: Sequence[Issue]) -> list[Gone]:
    refs = [i.ref for i in issues if "#" in i.ref]
    out: list[Gone] = []
    for start in range(0, len(refs), GROUP):
        for ref in missing(client, graphql, refs[start : start + GROUP]):
            if (found := whereabouts(client, ref)) is not None:
                out.append(found)
    return out
