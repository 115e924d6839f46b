"""The sandbox's GitHub GraphQL endpoint: every query and mutation is parsed, validated and
executed by graphql-core against a subset of GitHub's real schema (octokit's introspection,
MIT, shipped beside this file), so a field or argument GitHub lacks fails here too."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib.resources import files
from typing import Any

from graphql import (
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_client_schema,
    graphql_sync,
    parse,
)

from triagewise.sandbox.github_state import GitHubState, Item, LabelEvent, Project, Repo, _ts


@lru_cache(maxsize=1)
def schema() -> GraphQLSchema:
    data = json.loads(files("triagewise.sandbox").joinpath("github_schema.json").read_text())
    return build_client_schema(data.get("data", data))


class _Root:
    """Query and Mutation fields; graphql-core's default resolver calls these with (info, **args)."""

    def __init__(self, app: GitHubState, base: str) -> None:
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

    def viewer(self, info: Any, **_: Any) -> dict[str, Any]:
        return _actor(self.app.acting, rest_login=True)

    def _timeline(self, repo: Repo, item: Item) -> Any:
        def timeline(
            info: Any,
            first: int | None = None,
            after: str | None = None,
            itemTypes: list[str] | None = None,
            since: str | None = None,
            **_: Any,
        ) -> dict[str, Any]:
            kinds = {"LABELED_EVENT": "labeled", "UNLABELED_EVENT": "unlabeled"}
            wanted = {kinds[t] for t in itemTypes or kinds if t in kinds}
            events: list[Any] = [e for e in item.events if e.kind in wanted]
            if since:
                events = [e for e in events if _ts(e.at) >= since.replace("+00:00", "Z")]
            if "ISSUE_COMMENT" in (itemTypes or ["ISSUE_COMMENT"]):
                # the sandbox keeps no comment times: comments follow the label events
                events += [c for c, (n, _) in sorted(self.app.comments.items()) if n == item.number]
            start = int(after) if after else 0
            size = min(first or 100, 250)
            page = events[start : start + size]
            more = start + size < len(events)
            return {
                "nodes": [
                    self._comment(e) if isinstance(e, int) else self._event(repo, e) for e in page
                ],
                "totalCount": len(events),
                "filteredCount": len(events),
                "pageCount": len(page),
                "updatedAt": _ts(item.updated_at),
                "pageInfo": {
                    "hasNextPage": more,
                    "endCursor": str(start + size) if more else None,
                    "hasPreviousPage": start > 0,
                    "startCursor": str(start),
                },
            }

        return timeline

    def _comment(self, cid: int) -> dict[str, Any]:
        """An `IssueComment` timeline item: its author, as on GitHub (a bot without `[bot]`)."""
        return {
            "__typename": "IssueComment",
            "id": f"IC_{cid}",
            "databaseId": cid,
            "body": self.app.comments[cid][1],
            "author": _actor(self.app.comment_authors.get(cid, "sandbox-user")),
        }

    def _event(self, repo: Repo, event: LabelEvent) -> dict[str, Any]:
        label = self.app.render_label(repo, event.label, self.base)
        return {
            "__typename": "LabeledEvent" if event.kind == "labeled" else "UnlabeledEvent",
            "id": f"LE_{event.id}",
            "createdAt": _ts(event.at),
            "actor": _actor(event.actor),
            "label": {"id": label["node_id"], "name": event.label, "color": label["color"]},
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
                "timelineItems": self._timeline(repo, item),
            }

        return {
            "id": f"R_{repo.id}",
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "labels": labels,
            "issue": issue,
        }

    def _issue_node(self, repo: Repo, item: Item) -> dict[str, Any]:
        """An issue as a `Node` / `Labelable`: its labels read when resolved (after a write)."""
        return {
            "__typename": "PullRequest" if item.is_pr else "Issue",
            "id": self._issue_id(item),
            "number": item.number,
            "title": item.title,
            "labels": lambda info, **_: self._labels_of(repo, list(item.labels)),
        }

    def nodes(self, info: Any, ids: list[str]) -> list[dict[str, Any] | None]:
        """`nodes(ids:)`: at most 100 ids a request, as on GitHub; unknown ids are null."""
        if len(ids) > 100:
            raise ValueError("You may not request more than 100 nodes at once.")
        index = self.app.node_index()
        return [self._issue_node(*index[i]) if i in index else None for i in ids]

    def node(self, info: Any, id: str) -> dict[str, Any] | None:
        found = self.app.node_index().get(id)
        return None if found is None else self._issue_node(*found)

    def _owner(self, login: str) -> dict[str, Any] | None:
        mine = {
            number: p for (owner, number), p in self.app.projects.items() if owner == login.lower()
        }
        if not mine and not any(r.owner.lower() == login.lower() for r in self.app.repos.values()):
            return None

        def project(info: Any, number: int) -> dict[str, Any] | None:
            found = mine.get(number)
            return None if found is None else self._project(found)

        return {"id": f"O_{login}", "login": login, "projectV2": project}

    def organization(self, info: Any, login: str) -> dict[str, Any] | None:
        return self._owner(login)

    def user(self, info: Any, login: str) -> dict[str, Any] | None:
        return self._owner(login)

    def _content(self, node_id: str) -> dict[str, Any]:
        found = self.app.node_index().get(node_id)
        if found is not None:
            repo, item = found
            return {
                "__typename": "Issue",
                "id": node_id,
                "number": item.number,
                "title": item.title,
                "repository": {"nameWithOwner": repo.full_name},
            }
        return {"__typename": "DraftIssue", "id": node_id, "title": "draft"}

    def _project(self, project: Project) -> dict[str, Any]:
        def value(item_id: str) -> Any:
            def by_name(info: Any, name: str) -> dict[str, Any] | None:
                fid = project.fields.get(name)
                number = project.values.get((item_id, fid)) if fid else None
                return (
                    None
                    if number is None
                    else {"__typename": "ProjectV2ItemFieldNumberValue", "number": number}
                )

            return by_name

        def items(
            info: Any, first: int | None = None, after: str | None = None, **_: Any
        ) -> dict[str, Any]:
            start = int(after) if after else 0
            size = min(first or 100, 100)
            page = project.items[start : start + size]
            more = start + size < len(project.items)
            return {
                "nodes": [
                    {
                        "id": item_id,
                        "content": self._content(content),
                        "fieldValueByName": value(item_id),
                    }
                    for item_id, content in page
                ],
                "totalCount": len(project.items),
                "pageInfo": {
                    "hasNextPage": more,
                    "endCursor": str(start + size) if more else None,
                    "hasPreviousPage": start > 0,
                    "startCursor": str(start),
                },
            }

        def field(info: Any, name: str) -> dict[str, Any] | None:
            fid = project.fields.get(name)
            return (
                None
                if fid is None
                else {"__typename": "ProjectV2Field", "id": fid, "name": name, "dataType": "NUMBER"}
            )

        return {
            "id": project.id,
            "number": project.number,
            "title": f"{project.owner} roadmap",
            "items": items,
            "field": field,
        }

    def _project_by_id(self, project_id: str) -> Project:
        for project in self.app.projects.values():
            if project.id == project_id:
                return project
        raise ValueError(f"Could not resolve to a ProjectV2 with the global id of '{project_id}'")

    def addProjectV2ItemById(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(input["projectId"])
        for item_id, content in project.items:
            if content == input["contentId"]:
                return {"clientMutationId": input.get("clientMutationId"), "item": {"id": item_id}}
        self._find(input["contentId"])  # an unknown issue fails as on GitHub
        item_id = project.new_item_id()
        project.items.append((item_id, input["contentId"]))
        return {"clientMutationId": input.get("clientMutationId"), "item": {"id": item_id}}

    def updateProjectV2ItemFieldValue(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(input["projectId"])
        if input["itemId"] not in {i for i, _ in project.items}:
            raise ValueError("Could not resolve to a ProjectV2Item")
        if input["fieldId"] not in project.fields.values():
            raise ValueError("Could not resolve to a ProjectV2Field")
        number = (input.get("value") or {}).get("number")
        if number is None:
            raise ValueError("A number is required for this field")
        project.values[(input["itemId"], input["fieldId"])] = float(number)
        project.value_writes += 1
        return {
            "clientMutationId": input.get("clientMutationId"),
            "projectV2Item": {"id": input["itemId"]},
        }

    def updateProjectV2ItemPosition(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        project = self._project_by_id(input["projectId"])
        ids = [i for i, _ in project.items]
        if input["itemId"] not in ids or (input.get("afterId") and input["afterId"] not in ids):
            raise ValueError("Could not resolve to a ProjectV2Item")
        moving = project.items.pop(ids.index(input["itemId"]))
        after = input.get("afterId")
        at = 0 if not after else [i for i, _ in project.items].index(after) + 1
        project.items.insert(at, moving)
        project.moves += 1
        return {"clientMutationId": input.get("clientMutationId")}

    def _issue_id(self, item: Item) -> str:
        return str(self.app.render_item_node_id(item))

    def _find(self, node_id: str) -> tuple[Repo, Item]:
        found = self.app.node_index().get(node_id)
        if found is not None:
            return found
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
        return {
            "clientMutationId": input.get("clientMutationId"),
            "labelable": self._issue_node(repo, item),
        }

    def removeLabelsFromLabelable(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo, item = self._find(input["labelableId"])
        names = self._label_names(repo, input["labelIds"])
        self.app.change_labels(repo, item, add=[], remove=names)
        return {
            "clientMutationId": input.get("clientMutationId"),
            "labelable": self._issue_node(repo, item),
        }

    def createLabel(self, info: Any, input: dict[str, Any]) -> dict[str, Any]:
        repo = next(
            (r for r in self.app.repos.values() if f"R_{r.id}" == input["repositoryId"]), None
        )
        if repo is None:
            raise ValueError(
                f"Could not resolve to a Repository with the global id of '{input['repositoryId']}'"
            )
        name = input["name"]
        if name.lower() in {n.lower() for n in repo.labels}:
            raise ValueError("Name has already been taken")  # GitHub's names ignore case
        if len(name) > 50:
            raise ValueError("Name is too long (maximum is 50 characters)")
        repo.labels[name] = (input.get("color") or "ededed", input.get("description") or "")
        label = self.app.render_label(repo, name, self.base)
        return {
            "clientMutationId": input.get("clientMutationId"),
            "label": {"id": label["node_id"], "name": name, "color": label["color"]},
        }


def _actor(login: str, rest_login: bool = False) -> dict[str, Any]:
    """A user or, for a `…[bot]` login, a bot. GitHub's GraphQL names a bot without the
    `[bot]` suffix REST shows (`github-actions`), except for `viewer`, which we keep as the
    token's login."""
    bot = login.endswith("[bot]")
    shown = login if rest_login or not bot else login.removesuffix("[bot]")
    return {
        "__typename": "Bot" if bot else "User",
        "id": f"U_{shown}",
        "login": shown,
        "avatarUrl": f"https://avatars.example/{shown}",
        "url": f"https://github.example/{shown}",
        "resourcePath": f"/{shown}",
    }


def count_mutations(query: str) -> int:
    """The aliased top-level fields of a mutation document (0 when it does not parse)."""
    try:
        document = parse(query)
    except GraphQLError:
        return 0
    return sum(
        len(d.selection_set.selections)
        for d in document.definitions
        if isinstance(d, OperationDefinitionNode) and d.operation.value == "mutation"
    )


def execute(app: GitHubState, base: str, body: dict[str, Any]) -> dict[str, Any]:
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
                "type": "NOT_FOUND" if "resolve to" in e.message else "UNPROCESSABLE",
                "message": e.message,
                "path": e.path,
                "locations": [loc._asdict() for loc in e.locations or []],
            }
            for e in result.errors
        ]
    return out
