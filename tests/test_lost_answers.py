"""No write is duplicated when its answer is lost (issue 17 item 3): the sandbox processes a
write and then drops the connection or answers 502, for every kind of write triagewise sends
(batched GraphQL label mutations, Projects additions, moves and score writes, Jira bulk edit
submits, per-issue label PUTs, rank calls, comment POSTs on both trackers). Each sync ends in
the same state as a clean run: the same labels, board orders and scores, and exactly one
explanation comment per issue."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from conftest import BASE, OWNED, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import Faults, GitHubApp, Sandbox, build_sandbox, jira_of

pytestmark = pytest.mark.slow


def state(server: Sandbox, app: GitHubApp) -> dict[str, Any]:
    jira = jira_of(server)
    project = app.projects[("tandem", 1)]
    github = {
        f"tandem/app#{n}": sorted(x for x in i.labels if x.startswith(OWNED))
        for n, i in app.repos["tandem/app"].items.items()
    }
    return {
        "labels": github
        | {k: sorted(x for x in i.labels if x.startswith(OWNED)) for k, i in jira.items.items()},
        "jira_order": list(jira.order),
        "board": [content for _, content in project.items],
        "scores": sorted(project.values.values()),
        "github_comments": sorted(Counter(n for n, _ in app.comments.values()).items()),
        "jira_comments": sorted(Counter(k for k, _ in jira.comments.values()).items()),
    }


def run(tmp_path: Path, faults: Faults | None, per_issue_puts: bool = False) -> dict[str, Any]:
    server, app = build_sandbox(base=BASE, faults=faults)
    if per_issue_puts:
        jira_of(server).bulk_permission = False
    with server:
        path = tmp_path / "triagewise.toml"
        config = lexical_demo(server.url).replace(
            "rank = true\n", 'rank = true\ncomments = "never"\n'
        )
        path.write_text(config.replace("write_interval = 0 ", "write_interval = 0\nattempts = 4 "))
        result = CliRunner().invoke(
            main, ["--config", str(path), "sync", "--json"], env=ENV, catch_exceptions=False
        )
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["failed"] == []
        got = state(server, app)
        got["dropped"] = list(server.dropped)
        return got


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run(tmp_path_factory.mktemp("clean"), None)


CASES = [
    ("/graphql", "addLabelsToLabelable", "reset"),
    ("/graphql", "addProjectV2ItemById", "502"),
    ("/graphql", "updateProjectV2ItemPosition", "reset"),
    ("/graphql", "updateProjectV2ItemFieldValue", "502"),
    ("/repos/tandem/app/issues/", "triagewise:explanation", "reset"),  # a GitHub comment POST
    ("/repos/tandem/app/issues/", "triagewise:explanation", "502"),
    ("/rest/api/3/bulk/issues/fields", "", "reset"),  # a Jira Cloud bulk edit submit
    ("/rest/api/3/bulk/issues/fields", "", "502"),
    ("/rest/api/2/issue/", '"update"', "502"),  # a Jira label PUT (no bulk permission)
    ("/rest/agile/1.0/issue/rank", "", "reset"),
    ("/comment", "triagewise explanation", "reset"),  # a Jira comment POST
    ("/comment", "triagewise explanation", "502"),
]


@pytest.mark.parametrize(("path", "body", "how"), CASES)
def test_a_write_whose_answer_is_lost_is_not_repeated(
    tmp_path: Path, clean: dict[str, Any], path: str, body: str, how: str
) -> None:
    faults = Faults(drop_writes=2, drop_path=path, drop_body=body, drop_as=how)
    got = run(tmp_path, faults, per_issue_puts='"update"' in body)
    assert len(got.pop("dropped")) == 2  # two writes of this kind landed and lost their answer
    want = {k: v for k, v in clean.items() if k != "dropped"}
    assert got == want
    for name in ("github_comments", "jira_comments"):
        assert all(n == 1 for _, n in got[name]), got[name]  # never a second comment


def test_the_comment_is_found_again_past_the_first_hundred(tmp_path: Path) -> None:
    """The store forgets the comment ids (a lost journal, a new machine): triagewise finds its
    comment by the marker on every page, newest first, even behind 120 people's comments on
    both trackers, and edits it in place instead of appending a second one."""
    server, app = build_sandbox(base=BASE)
    with server:
        path = tmp_path / "triagewise.toml"
        config = lexical_demo(server.url).replace(
            "rank = true\n", 'rank = true\ncomments = "never"\n'
        )
        path.write_text(config)

        def sync() -> None:
            result = CliRunner().invoke(main, ["--config", str(path), "sync"], env=ENV)
            assert result.exit_code == 0, result.output

        sync()
        jira = jira_of(server)
        number = next(iter(n for n, _ in app.comments.values()))
        key = next(iter(k for k, _ in jira.comments.values()))
        for n in range(1, 121):  # older ids: they come before triagewise's comment
            app.comments[n] = (number, f"a person's comment {n}")
            jira.comments[n] = (key, f"a person's comment {n}")
        before = (len(app.comments), len(jira.comments))
        from triagewise.store import Store

        with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
            store._conn.execute("DELETE FROM comments")
        sync()
        assert (len(app.comments), len(jira.comments)) == before
        ours = [b for n, b in app.comments.values() if n == number and "triagewise" in b]
        assert len(ours) == 1
        assert sum(1 for k, b in jira.comments.values() if k == key and "triagewise" in b) == 1
