"""The sandbox's GitHub GraphQL endpoint: every query and mutation is parsed, validated and
executed by graphql-core against a subset of GitHub's real schema (octokit's introspection,
MIT, shipped beside this file), so a field or argument GitHub lacks fails here too."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from graphql import GraphQLSchema, build_client_schema, graphql_sync

if TYPE_CHECKING:
    from triagewise.sandbox.github import GitHubApp, Item, Repo


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    data = json.loads(files("triagewise.sandbox").joinpath("github_schema.json").read_text())
    return build_client_schema(data.get("data", data))


class _Root:
    """Query and Mutation fields; graphql-core's default resolver calls these with (info, **args)."""

    def __init__(self, app: GitHubApp, base: str) -> None:
        self.app = app
        self.base = base

    def _labels_of(self, repo: Repo, names: list[str]) -> dict[str, Any]:
        return {
            "nodes": [
                {"id": self.app.render_label(repo, n, self.base)["node_id"], "name": n}
                for n in names
            ],
            "totalCount": len(names),
            "pageInfo": {
                "hasNextPage": False,
                "endCursor": None,
                "hasPreviousPage": False,
                "startCursor": None,
            },
        }

    def repository(self, info: Any, owner: str, name: str, **_: Any) -> dict[str, Any] | None:
        repo = self.app.repos.get(f"{owner}/{name}".lower())
        if repo is None:
            return None

        def labels(
            info: Any, first: int | None = None, after: str | None = None, **_: Any
        ) -> dict[str, Any]:
            names = sorted(repo.labels)
            start = int(after) if after else 0
            size = min(first or 100, 100)
            page = self._labels_of(repo, names[start : start + size])
            more = start + size < len(names)
            page["pageInfo"].update(hasNextPage=more, endCursor=str(start + size) if more else None)
            page["totalCount"] = len(names)
            return page

        def issue(info: Any, number: int) -> dict[str, Any] | None:
            item = repo.items.get(number)
            if item is None or item.is_pr:
                return None
            return {
                "id": self._issue_id(item),
                "number": item.number,
                "title": item.title,
                "labels": lambda info, **_: self._labels_of(repo, list(item.labels)),
            }

        return {
            "id": f"R_{repo.id}",
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "labels": labels,
            "issue": issue,
        }

    def _issue_id(self, item: Item) -> str:
        return str(self.app.render_item_node_id(item))

    def _find(self, node_id: str) -> tuple[Repo, Item]:
        for repo in self.app.repos.values():
            for item in repo.items.values():
                if self._issue_id(item) == node_id:
                    return repo, item
        raise ValueError(f"Could not resolve to a node with the global id of '{node_id}'")

    def _label_names(self, repo: Repo, ids: list[str]) -> list[str]:
        by_id = {self.app.render_label(repo, n, self.base)["node_id"]: n for n in repo.labels}
        missing = [i for i in ids if i not in by_id]
        if missing:
            raise ValueError(f"Could not resolve to a node with the global id of '{missing[0]}'")
        return [by_id[i] for i in ids]

    def addLabelsToLabelable(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo, item = self._find(input["labelableId"])
        names = self._label_names(repo, input["labelIds"])
        self.app.change_labels(repo, item, add=names, remove=[])
        return {"clientMutationId": input.get("clientMutationId")}

    def removeLabelsFromLabelable(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo, item = self._find(input["labelableId"])
        names = self._label_names(repo, input["labelIds"])
        self.app.change_labels(repo, item, add=[], remove=names)
        return {"clientMutationId": input.get("clientMutationId")}

    def createLabel(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo = next(
            (r for r in self.app.repos.values() if f"R_{r.id}" == input["repositoryId"]), None
        )
        if repo is None:
            raise ValueError(
                f"Could not resolve to a Repository with the global id of '{input['repositoryId']}'"
            )
        name = input["name"]
        if name in repo.labels:
            raise ValueError("Name has already been taken")
        if len(name) > 50:
            raise ValueError("Name is too long (maximum is 50 characters)")
        repo.labels[name] = (input.get("color") or "ededed", input.get("description") or "")
        label = self.app.render_label(repo, name, self.base)
        return {
            "clientMutationId": input.get("clientMutationId"),
            "label": {"id": label["node_id"], "name": name, "color": label["color"]},
        }


def execute(app: GitHubApp, base: str, body: dict[str, Any]) -> dict[str, Any]:
    result = graphql_sync(
        schema(),
        str(body.get("query") or ""),
        root_value=_Root(app, base),
        variable_values=body.get("variables"),
    )
    out: dict[str, Any] = {"data": result.data}
    if result.errors:
        out["errors"] = [
            {
                "message": e.message,
                "path": e.path,
                "locations": [loc._asdict() for loc in e.locations or []],
            }
            for e in result.errors
        ]
    return out
