"""Provenance from the tracker (issue 15 item 1): a fresh store on trackers another store wrote
holds none of triagewise's own labels as human edits, holds every label a person changed (with
that person's name), and plans exactly what the original store plans. Real HTTP against the
sandbox, GitHub and Jira (Cloud bulk changelog and Data Center per issue)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from conftest import BASE, lexical_demo, make_issue
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.connectors.base import LabelEvent
from triagewise.connectors.github.client import GitHubClient
from triagewise.connectors.github.history import GitHubHistory
from triagewise.connectors.github.writer import GitHubWriter
from triagewise.connectors.jira.history import map_histories
from triagewise.connectors.retry import RetryPolicy
from triagewise.model import Key
from triagewise.sandbox import DEMO_REPO, GitHubApp, Sandbox, build_sandbox, jira_of
from triagewise.store.db import Store
from triagewise.sync.provenance import classify


def cli(config: Path, db: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(
        main,
        ["--config", str(config), "--db", str(db), *args],
        env=env or ENV,
        catch_exceptions=False,
    )


@pytest.fixture(params=["cloud", "datacenter"])
def site(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    server, app = build_sandbox(base=BASE, jira_mode=request.param)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    with server:
        yield server, app, config


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _swap(labels: list[str], old: str, new: str) -> list[str]:
    return [new if x == old else x for x in labels]


@pytest.mark.slow
def test_a_fresh_store_tells_triagewise_labels_from_peoples(
    site: tuple[Sandbox, GitHubApp, Path], tmp_path: Path
) -> None:
    server, app, config = site
    jira = jira_of(server)
    original, fresh = tmp_path / "a.db", tmp_path / "b.db"
    _json(cli(config, original, "sync", "--json"))  # store A writes every label
    repo = app.repos[DEMO_REPO]
    # people change some of triagewise's labels on both trackers
    edited: dict[str, str] = {}
    gh = [n for n, i in sorted(repo.items.items()) if "triage/now" in i.labels][:2]
    gh += [n for n, i in sorted(repo.items.items()) if "triage/never" in i.labels][:1]
    for n in gh[:2]:
        app.label(DEMO_REPO, n, "ana", add=("triage/never",), remove=("triage/now",))
        edited[f"{DEMO_REPO}#{n}"] = "ana"
    app.label(DEMO_REPO, gh[2], "ben", add=("triage/later",), remove=("triage/never",))
    edited[f"{DEMO_REPO}#{gh[2]}"] = "ben"
    keys = [k for k, i in sorted(jira.items.items()) if "triage/later" in i.labels][:2]
    for key in keys:
        jira.edit(
            key, actor="carla", labels=_swap(jira.items[key].labels, "triage/later", "triage/now")
        )
        edited[key] = "Carla"
    # the original store sees the edits as conflicts and plans around them
    _json(cli(config, original, "sync", "--dry-run", "--json"))
    plan_a = _json(cli(config, original, "plan", "--json"))
    assert {c["ref"] for c in plan_a["conflicts"]} == set(edited)
    # a fresh store on the same trackers
    summary = _json(cli(config, fresh, "sync", "--dry-run", "--json"))
    plan_b = _json(cli(config, fresh, "plan", "--json"))
    with Store.open(fresh) as store:
        decisions = store.decisions()
        labelled = len(store.shadows())
    held = {k.ref: d.author for k, d in decisions.items()}
    assert held == edited  # 100 % of people's changes, 0 of triagewise's own labels
    assert summary["provenance"]["held"] == len(edited)
    assert summary["provenance"]["adopted"] == labelled - len(edited)
    assert summary["provenance"]["imported"] == 0
    assert plan_b["changes"] == plan_a["changes"]  # exactly what the original store plans
    assert plan_b["conflicts"] == []
    text = cli(config, tmp_path / "c.db", "sync", "--dry-run")
    found = summary["provenance"]
    assert f"held {found['held_labels']} set by people ({len(edited)} issues)" in text.stdout
    adopted = f"adopted {found['adopted_labels']} labels triagewise wrote before"
    assert f"{adopted} ({labelled - len(edited)} issues)" in text.stdout
    assert found["adopted_labels"] >= found["adopted"] and found["held_labels"] >= len(edited)


@pytest.mark.slow
def test_another_token_is_triagewise_only_when_named_in_bot_logins(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    app.add_user("actions-token", "github-actions[bot]")
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    actions = ENV | {"TRIAGEWISE_DEMO_TOKEN": "actions-token"}
    actions["TRIAGEWISE_DEMO_JIRA_USER"] = "ci@tandem.example"
    jira = jira_of(server)
    jira.credentials.add(("ci@tandem.example", "actions-token"))
    ci_account = str((jira._user("ci@tandem.example", "", "3") or {})["accountId"])
    with server:
        _json(cli(config, tmp_path / "ci.db", "sync", "--json", env=actions))
        stranger = _json(cli(config, tmp_path / "pat.db", "sync", "--dry-run", "--json"))
        assert stranger["provenance"]["adopted"] == 0  # not us: all of it was someone else
        named = config.read_text().replace(
            "[writeback]", f'[writeback]\nbot_logins = ["github-actions[bot]", "{ci_account}"]'
        )
        assert named != config.read_text()
        config.write_text(named)
        ours = _json(cli(config, tmp_path / "laptop.db", "sync", "--dry-run", "--json"))
        assert ours["provenance"]["held"] == 0 and ours["provenance"]["adopted"] > 100


@pytest.mark.slow
@pytest.mark.parametrize("policy", ["adopt", "hold"])
def test_labels_with_no_history_follow_the_policy(policy: str, tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    app.repos[DEMO_REPO].items[5].labels.append("triage/later")  # imported: no events
    config = tmp_path / "triagewise.toml"
    config.write_text(
        lexical_demo(server.url).replace(
            "[writeback]", f'[writeback]\nunknown_label_policy = "{policy}"'
        )
    )
    with server:
        summary = _json(cli(config, tmp_path / "s.db", "sync", "--dry-run", "--json"))
    assert summary["provenance"]["imported"] >= 1
    with Store.open(tmp_path / "s.db") as store:
        decided = store.decisions().get(Key("app", f"{DEMO_REPO}#5"))
    assert (decided is not None) == (policy == "hold")


def test_the_last_change_decides_and_bots_fold() -> None:
    t = BASE
    ours = frozenset({"github-actions"})

    def event(actor: str, minutes: int) -> LabelEvent:
        from triagewise.connectors.base import fold_identity

        at = t + timedelta(minutes=minutes)
        return LabelEvent("r", "triage/now", True, actor, frozenset({fold_identity(actor)}), at)

    assert classify([], ours).kind == "unknown"
    assert classify([event("github-actions[bot]", 1)], ours).kind == "ours"
    later = classify([event("github-actions[bot]", 1), event("ana", 2)], ours)
    assert (later.kind, later.actor) == ("person", "ana")
    assert classify([event("ana", 1), event("github-actions", 2)], ours).kind == "ours"


def test_jira_changelogs_map_from_atlassians_example(compat: Path) -> None:
    example = json.loads(
        (compat / "jira/atlassian-examples/platform/getBulkChangelogs.200.json").read_text()
    )
    histories = example["issueChangeLogs"][0]["changeHistories"]
    assert map_histories("PLAT-1", histories, frozenset({"triage/now"})) == []  # not labels
    histories[0]["items"] = [
        {"field": "labels", "fieldId": "labels", "fromString": "api", "toString": "api triage/now"}
    ]
    found = map_histories("PLAT-1", histories, frozenset({"triage/now"}))
    assert [(e.label, e.added, e.actor) for e in found] == [("triage/now", True, "Mia Krystof")]
    assert found[0].at.year == 2017  # the example's epoch seconds
    assert "5b10a2844c20165700ede21g" in found[0].actor_ids


@pytest.mark.slow
def test_a_pull_on_a_fresh_store_learns_provenance_too(tmp_path: Path) -> None:
    server, _ = build_sandbox(base=BASE)
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(server.url))
    with server:
        _json(cli(config, tmp_path / "a.db", "sync", "--json"))
        pulled = _json(cli(config, tmp_path / "b.db", "pull", "--json"))
        assert pulled["provenance"]["adopted"] > 100 and pulled["provenance"]["held"] == 0
        assert _json(cli(config, tmp_path / "b.db", "plan", "--json"))["conflicts"] == []
        again = _json(cli(config, tmp_path / "b.db", "pull", "--json"))
        assert again["provenance"]["requests"] == 0  # nothing left to ask


def test_github_history_survives_an_issue_it_cannot_resolve(policy: RetryPolicy) -> None:
    """A deleted or moved issue is a NOT_FOUND error for its alias alone (as GitHub answers)."""
    sent: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        sent.append(query)
        node = {
            "__typename": "LabeledEvent",
            "createdAt": "2026-12-01T10:00:00Z",
            "actor": {"login": "ana"},
            "label": {"name": "triage/now"},
        }
        timeline = {"nodes": [node], "pageInfo": {"hasNextPage": False, "endCursor": None}}
        body = {
            "data": {"repository": {"i1": {"timelineItems": timeline}, "i2": None}},
            "errors": [
                {
                    "type": "NOT_FOUND",
                    "path": ["repository", "i2"],
                    "message": "Could not resolve to an Issue with the number of 2.",
                }
            ],
        }
        return httpx.Response(200, json=body)

    client = GitHubClient(
        "https://api.github.com", "t", "acme/app", "GH_TOKEN", policy, httpx.MockTransport(answer)
    )
    history = GitHubHistory(GitHubWriter(client))
    found = history.label_events([make_issue(1), make_issue(2)], frozenset({"triage/now"}))
    assert [(e.actor, e.label) for e in found["acme/app#1"]] == [("ana", "triage/now")]
    assert found["acme/app#2"] == []
    assert (
        len(sent) == 1 and "i1: issue(number: 1)" in sent[0] and "i2: issue(number: 2)" in sent[0]
    )
