"""The real Jira connector and the real `jira` library over HTTP against the sandbox, Cloud and
Data Center: multi-page, incremental, edits during a scan, resume, faults, bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import BASE, SleepRecorder
from triagewise.config import Config, parse_config
from triagewise.connectors.jira.fields import discover_fields
from triagewise.connectors.jira.mapping import map_issue
from triagewise.connectors.retry import RetryPolicy
from triagewise.errors import AuthError, ConfigError, TriagewiseError, UnreachableError
from triagewise.model import Key
from triagewise.sandbox import (
    DEMO_JIRA_USER,
    DEMO_TOKEN,
    Faults,
    JiraApp,
    Request,
    Response,
    Sandbox,
    build_sandbox,
    jira_of,
)
from triagewise.store import Location, Store
from triagewise.sync.pull import pull_all

ENV = {"JU": DEMO_JIRA_USER, "JT": DEMO_TOKEN}


def config(url: str, jql: str = "project = BIG ORDER BY Rank ASC", extra: str = "") -> Config:
    return parse_config(
        f'[[sources]]\nname = "platform"\ntype = "jira"\nurl = "{url}"\njql = "{jql}"\n'
        f'user_env = "JU"\ntoken_env = "JT"\n{extra}',
        Path("triagewise.toml"),
    )


def mirror(store: Store) -> dict[str, tuple[str, tuple[str, ...], str]]:
    return {i.ref: (i.title, i.labels, i.updated_at.isoformat()) for i in store.issues()}


def expected(app: JiraApp, project: str = "BIG") -> dict[str, tuple[str, tuple[str, ...], str]]:
    fields = discover_fields(app.field_list())
    out = {}
    for item in app.items.values():
        if item.project == project:
            issue = map_issue(
                app.render(item, "http://x", "2", None), "platform", "http://x", fields
            )
            out[issue.ref] = (issue.title, issue.labels, issue.updated_at.isoformat())
    return out


def site(mode: str, issues: int = 450, faults: Faults | None = None) -> tuple[Sandbox, JiraApp]:
    server, _ = build_sandbox(
        base=BASE, jira_mode=mode, jira_synthetic=("BIG", issues), faults=faults
    )
    app = jira_of(server)
    app.dc_max_results = 50  # a Data Center that allows less than it is asked for
    return server, app


def jql_log(server: Sandbox) -> list[str]:
    sent: list[str] = []

    def hook(request: Request, response: Response) -> None:
        if "/search" in request.path:
            body = request.json() if request.body else request.query
            sent.append(str(body.get("jql")))

    server.hooks.append(hook)
    return sent


@pytest.mark.slow
@pytest.mark.parametrize(("mode", "pages"), [("cloud", 5), ("datacenter", 9)])
def test_full_noop_and_incremental(
    db: Location, mode: str, pages: int, policy: RetryPolicy
) -> None:
    server, app = site(mode)
    with server:
        sent = jql_log(server)
        store = Store.open(db)
        [full] = pull_all(store, config(server.url), ENV, policy)
        assert (full.searches, full.requests, full.new) == (pages, pages + 2, 450)
        assert mirror(store) == expected(app)
        assert (
            sent[0] == "(project = BIG) ORDER BY updated DESC, key DESC"
        )  # the user's ORDER BY dropped
        [noop] = pull_all(store, config(server.url), ENV, policy)
        assert (noop.searches, noop.new, noop.changed) == (1, 0, 0)
        assert sent[-1].startswith('(project = BIG) AND updated >= "-')
        for key in ("BIG-3", "BIG-200", "BIG-449"):
            app.edit(key, summary=f"edited {key}", labels=["triage/now"])
        [incremental] = pull_all(store, config(server.url), ENV, policy)
        assert (incremental.searches, incremental.changed) == (1, 3)
        assert mirror(store) == expected(app)
        issue = store.issue(Key("platform", "BIG-200"))
        assert issue is not None and issue.estimate is not None and issue.tracker_rank


@pytest.mark.slow
def test_edits_during_a_scan_lose_nothing(db: Location, policy: RetryPolicy) -> None:
    server, app = site("datacenter")
    pages: list[int] = []

    def edit_mid_scan(request: Request, response: Response) -> None:
        if request.path.endswith("/search") and response.status == 200:
            pages.append(1)
            if len(pages) in (2, 4):
                for key in ("BIG-1", "BIG-2"):  # the oldest: far down a newest-first listing
                    app.edit(key, votes=app.items[key].votes + 1)

    with server:
        server.hooks.append(edit_mid_scan)
        store = Store.open(db)
        pull_all(store, config(server.url), ENV, policy)
        server.hooks.clear()
        pull_all(store, config(server.url), ENV, policy)
        assert mirror(store) == expected(app)


def test_a_killed_scan_resumes(db: Location, policy: RetryPolicy) -> None:
    server, app = site("cloud")
    with server:
        store = Store.open(db)

        def crash(source: str, page: int, last: int | None, requests: int | None = None) -> None:
            if page == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            pull_all(store, config(server.url), ENV, policy, progress=crash)
        assert store.count_issues("platform") == 300
        [resumed] = pull_all(store, config(server.url), ENV, policy)
        assert resumed.searches == 2  # pages 4 and 5
        assert mirror(store) == expected(app)


@pytest.mark.parametrize("script", [["500", "502"], ["429", "429"], ["503"]])
def test_faults_end_in_the_same_state(
    tmp_path: Path, script: list[str], policy: RetryPolicy, sleeps: SleepRecorder
) -> None:
    server, app = site("cloud", issues=120, faults=Faults(script=list(script)))
    with server:
        store = Store.open(tmp_path / "t.db")
        [result] = pull_all(store, config(server.url), ENV, policy)
        assert mirror(store) == expected(app)
        assert result.requests == 2 + 2 + len(script)
        assert len(sleeps.sleeps) == len(script)
        if script[0] == "429":
            assert sleeps.sleeps == [1.0, 1.0]  # Retry-After honoured


def test_bad_jql_shows_jiras_own_message(tmp_path: Path, policy: RetryPolicy) -> None:
    server, _ = site("cloud", issues=5)
    with server:
        store = Store.open(tmp_path / "t.db")
        with pytest.raises(ConfigError) as info:
            pull_all(store, config(server.url, jql="project = BIG AND colour = red"), ENV, policy)
        assert info.value.exit_code == 2
        assert "Jira rejected the JQL of source 'platform' (Field 'colour' does not exist" in str(
            info.value
        )


def test_wrong_credentials(tmp_path: Path, policy: RetryPolicy) -> None:
    server, _ = site("cloud", issues=5)
    with server:
        store = Store.open(tmp_path / "t.db")
        with pytest.raises(AuthError) as info:
            pull_all(store, config(server.url), {"JU": DEMO_JIRA_USER, "JT": "nope"}, policy)
        assert info.value.exit_code == 3
        assert "refused the credentials in $JU and $JT (401" in str(info.value)
        assert "nope" not in str(info.value)


def test_unreachable_site(tmp_path: Path, sleeps: SleepRecorder) -> None:
    store = Store.open(tmp_path / "t.db")
    policy = RetryPolicy(attempts=3, sleep=sleeps, jitter=lambda: 1.0)
    with pytest.raises(UnreachableError, match="still failing after 3 attempts") as info:
        pull_all(store, config("http://127.0.0.1:9"), ENV, policy)
    assert info.value.exit_code == 4
    assert sleeps.sleeps == [1.0, 2.0]


def test_a_site_without_story_points_degrades_with_a_note(
    tmp_path: Path, policy: RetryPolicy
) -> None:
    server, _ = build_sandbox(base=BASE)
    server.apps[1] = JiraApp(
        "cloud", credentials={(DEMO_JIRA_USER, DEMO_TOKEN)}, story_points=False
    )
    jira_of(server).add("BIG", "Something", story_points=5.0)
    with server:
        store = Store.open(tmp_path / "t.db")
        [result] = pull_all(store, config(server.url), ENV, policy)
        assert result.notes == [
            "this site has no story points field, so Jira estimates are left empty"
        ]
        issue = store.issue(Key("platform", "BIG-1"))
        assert issue is not None and issue.estimate is None


def test_data_center_with_a_personal_access_token(tmp_path: Path, policy: RetryPolicy) -> None:
    server, _ = site("datacenter", issues=60)
    with server:
        store = Store.open(tmp_path / "t.db")
        text = f'[[sources]]\nname = "platform"\ntype = "jira"\nurl = "{server.url}"\njql = "project = BIG"\ntoken_env = "JT"\n'
        [result] = pull_all(store, parse_config(text, Path("t.toml")), {"JT": DEMO_TOKEN}, policy)
        assert (result.new, result.searches) == (60, 2)


def test_a_cloud_site_that_hides_its_deployment_type(tmp_path: Path, policy: RetryPolicy) -> None:
    server, _ = build_sandbox(base=BASE)
    server.apps[1] = JiraApp(
        "cloud", credentials={(DEMO_JIRA_USER, DEMO_TOKEN)}, announce_deployment=False
    )
    jira_of(server).add("BIG", "Something")
    with server:
        store = Store.open(tmp_path / "t.db")
        with pytest.raises(
            TriagewiseError, match=r'says this API was removed .* set deployment = "cloud"'
        ):
            pull_all(store, config(server.url), ENV, policy)
        [result] = pull_all(store, config(server.url, extra='deployment = "cloud"\n'), ENV, policy)
        assert result.new == 1


@pytest.mark.slow
def test_a_datacenter_that_refuses_post_search_is_read_by_get(
    tmp_path: Path, policy: RetryPolicy
) -> None:
    """A 405 to POST search retries as GET with the same JQL and fields, remembered for the
    run: one refused POST, then GETs only."""
    server, app = site("datacenter")
    app.refuse_post_search = True
    with server:
        store = Store.open(tmp_path / "t.db")
        pull_all(store, config(server.url), ENV, policy)
        assert mirror(store) == expected(app)
        searches = [(m, s) for m, p, s in server.log if p.endswith("/search")]
        assert searches[0] == ("POST", 405)
        assert all(m == "GET" and s == 200 for m, s in searches[1:]) and len(searches) > 2


def test_an_unexpected_status_names_the_method_path_and_status(
    tmp_path: Path, policy: RetryPolicy
) -> None:
    def teapot(request: Request, response: Response) -> None:
        if request.path.endswith("/search"):
            response.status, response.body = 418, b"{}"

    server, _ = site("datacenter")
    with server:
        server.hooks.append(teapot)
        with pytest.raises(TriagewiseError) as caught:
            pull_all(Store.open(tmp_path / "t.db"), config(server.url), ENV, policy)
    assert "Jira answered 418 to POST /rest/api/2/search" in str(caught.value)
