"""The sandbox knows who did what: each token is its own user, every label change is an event
with its actor and time (GitHub REST issue events and GraphQL timelines, Jira changelogs,
per issue and in bulk), comments keep their author, and editing someone else's comment is
refused for a token without that right. Answers are checked against the vendors' OpenAPI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import BASE, Spec
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_REPO, DEMO_TOKEN, build_sandbox, jira_of

TIMELINE = """
query($owner: String!, $name: String!) {
  viewer { login }
  repository(owner: $owner, name: $name) {
    a: issue(number: 5) {
      timelineItems(first: 100, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
        nodes {
          __typename
          ... on LabeledEvent { createdAt actor { login } label { name } }
          ... on UnlabeledEvent { createdAt actor { login } label { name } }
        }
        pageInfo { hasNextPage endCursor }
      }
    }
    b: issue(number: 6) {
      timelineItems(first: 100, itemTypes: [LABELED_EVENT, UNLABELED_EVENT]) {
        nodes { __typename ... on LabeledEvent { actor { login } label { name } } }
      }
    }
  }
}
"""


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_github_label_events_carry_their_actor(compat: Path) -> None:
    spec = Spec(compat / "github/github-issues-openapi.json")
    server, app = build_sandbox(base=BASE)
    app.add_user("actions-token", "github-actions[bot]")
    with server:
        base = f"{server.url}/repos/{DEMO_REPO}/issues"
        bot = httpx.post(
            f"{base}/5/labels", headers=_bearer("actions-token"), json={"labels": ["triage/now"]}
        )
        assert bot.status_code == 200
        app.label(DEMO_REPO, 5, "ana", add=("triage/never",), remove=("triage/now",))
        events = httpx.get(f"{base}/5/events", headers=_bearer(DEMO_TOKEN)).json()
        spec.validate("GET", "/repos/{owner}/{repo}/issues/{issue_number}/events", 200, events)
        seen = [(e["event"], e["label"]["name"], e["actor"]["login"]) for e in events]
        assert seen == [
            ("labeled", "triage/now", "github-actions[bot]"),
            ("unlabeled", "triage/now", "ana"),
            ("labeled", "triage/never", "ana"),
        ]
        assert events[0]["actor"]["type"] == "Bot"
        answer = httpx.post(
            f"{server.url}/graphql",
            headers=_bearer("actions-token"),
            json={"query": TIMELINE, "variables": {"owner": "tandem", "name": "app"}},
        ).json()
        assert "errors" not in answer, answer
        assert answer["data"]["viewer"]["login"] == "github-actions[bot]"
        nodes = answer["data"]["repository"]["a"]["timelineItems"]["nodes"]
        # GitHub's GraphQL names a bot without the `[bot]` REST shows
        assert [(n["__typename"], n["actor"]["login"], n["label"]["name"]) for n in nodes] == [
            ("LabeledEvent", "github-actions", "triage/now"),
            ("UnlabeledEvent", "ana", "triage/now"),
            ("LabeledEvent", "ana", "triage/never"),
        ]
        assert answer["data"]["repository"]["b"]["timelineItems"]["nodes"] == []  # seeded
        who = httpx.get(f"{server.url}/user", headers=_bearer(DEMO_TOKEN)).json()
        assert who["login"] == "sandbox-user"  # the existing token stays the bot user


def test_github_comments_keep_their_author_and_refuse_foreign_edits() -> None:
    server, app = build_sandbox(base=BASE)
    app.add_user("narrow", "tw-bot")
    app.add_user("admin", "tw-admin", edit_others=True)
    planted = app.add_comment_as(DEMO_REPO, 5, "mallory", "<!-- triagewise:explanation --> hi")
    with server:
        base = f"{server.url}/repos/{DEMO_REPO}/issues"
        listed = httpx.get(f"{base}/5/comments", headers=_bearer("narrow")).json()
        assert [c["user"]["login"] for c in listed] == ["mallory"]
        refused = httpx.patch(
            f"{base}/comments/{planted}", headers=_bearer("narrow"), json={"body": "x"}
        )
        assert refused.status_code == 403
        allowed = httpx.patch(
            f"{base}/comments/{planted}", headers=_bearer("admin"), json={"body": "x"}
        )
        assert allowed.status_code == 200
        own = httpx.post(f"{base}/5/comments", headers=_bearer("narrow"), json={"body": "mine"})
        assert own.json()["user"]["login"] == "tw-bot"
        edited = httpx.patch(
            f"{base}/comments/{own.json()['id']}", headers=_bearer("narrow"), json={"body": "2"}
        )
        assert edited.status_code == 200


@pytest.mark.parametrize("mode", ["cloud", "datacenter"])
def test_jira_changelog_records_label_authors(mode: str, compat: Path) -> None:
    spec = Spec(compat / "jira/jira-issues-openapi.json")
    server, _ = build_sandbox(base=BASE, jira_mode=mode)
    jira = jira_of(server)
    jira.add_user("bot-pat", "triagewise.bot")
    with server:
        v = "3" if mode == "cloud" else "2"
        api = f"{server.url}/rest/api/{v}"
        me = httpx.get(f"{api}/myself", headers=_bearer("bot-pat")).json()
        assert me["displayName"] == "Triagewise Bot"
        basic = httpx.get(f"{api}/myself", auth=(DEMO_JIRA_USER, DEMO_TOKEN)).json()
        assert basic["displayName"] != me["displayName"]  # each credential its own user
        put = httpx.put(
            f"{api}/issue/PLAT-3",
            headers=_bearer("bot-pat"),
            json={"update": {"labels": [{"add": "triage/now"}]}},
        )
        assert put.status_code == 204
        jira.edit("PLAT-3", actor="ana", labels=["onboarding", "api", "triage/never"])
        issue = httpx.get(
            f"{api}/issue/PLAT-3", params={"expand": "changelog"}, headers=_bearer("bot-pat")
        ).json()
        histories = issue["changelog"]["histories"]
        who = [h["author"]["displayName"] for h in histories]
        assert who == ["Triagewise Bot", "Ana"]
        assert histories[0]["items"][0]["toString"] == "onboarding api triage/now"
        if mode == "cloud":
            spec.validate("GET", "/rest/api/3/issue/{issueIdOrKey}", 200, issue)
            bulk = httpx.post(
                f"{api}/changelog/bulkfetch",
                headers=_bearer("bot-pat"),
                json={"issueIdsOrKeys": ["PLAT-3", "PLAT-4"], "fieldIds": ["labels"]},
            )
            assert bulk.status_code == 200
            body: dict[str, Any] = bulk.json()
            spec.validate("POST", "/rest/api/3/changelog/bulkfetch", 200, body)
            logs = body["issueChangeLogs"]
            assert [len(x["changeHistories"]) for x in logs] == [2]
            assert jira.changelog_fetches == 1


def test_jira_comment_edits_of_others_are_refused_for_a_narrow_token() -> None:
    server, _ = build_sandbox(base=BASE)
    jira = jira_of(server)
    jira.add_user("narrow", "tw.bot")
    planted = jira.add_comment_as("PLAT-3", "mallory", "{{triagewise}} planted")
    with server:
        api = f"{server.url}/rest/api/2/issue/PLAT-3/comment"
        listed = httpx.get(api, headers=_bearer("narrow")).json()["comments"]
        assert [c["author"]["displayName"] for c in listed] == ["Mallory"]
        refused = httpx.put(f"{api}/{planted}", headers=_bearer("narrow"), json={"body": "x"})
        assert refused.status_code == 403
        fine = httpx.put(f"{api}/{planted}", auth=(DEMO_JIRA_USER, DEMO_TOKEN), json={"body": "x"})
        assert fine.status_code == 200
