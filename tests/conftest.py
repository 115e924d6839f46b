from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pgserver import PgServer, find_bin
from triagewise.config import Config
from triagewise.config.starter import DEMO_TOKEN_ENV, DEMO_USER_ENV
from triagewise.connectors.github.mapping import map_issue
from triagewise.connectors.retry import RetryPolicy
from triagewise.model import Issue
from triagewise.sandbox import (
    DEMO_JIRA_USER,
    DEMO_REPO,
    DEMO_TOKEN,
    GitHubApp,
    Sandbox,
    build_sandbox,
    jira_of,
)
from triagewise.store import DatabaseUrl, Location

# a developer's own shared store must not become the tests' store: every test says where
# its store is (the `db` fixture, or the SQLite file beside its config)
os.environ.pop("TRIAGEWISE_DATABASE_URL", None)

BASE = datetime(2026, 11, 1, tzinfo=UTC)
REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_dir() -> Path:
    return Path(os.environ.get("TRIAGEWISE_SHARED", REPO_ROOT.parent / "shared"))


@pytest.fixture(scope="session")
def compat() -> Path:
    """../shared/compat: real third-party payloads. CI always has it; a bare clone may not."""
    path = shared_dir() / "compat"
    if not path.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing; CI must run beside shared/")
        pytest.skip(f"{path} is not here (set TRIAGEWISE_SHARED)")
    return path


class SleepRecorder:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def policy(sleeps: SleepRecorder) -> RetryPolicy:
    """Real retry logic, recorded instead of slept."""
    return RetryPolicy(attempts=6, wait_budget=300, sleep=sleeps, jitter=lambda: 1.0)


@pytest.fixture
def sandbox() -> Iterator[tuple[Sandbox, GitHubApp]]:
    server, app = build_sandbox(base=BASE)
    with server:
        yield server, app


def write_config(folder: Path, api_url: str, repo: str = DEMO_REPO, extra: str = "") -> Path:
    path = folder / "triagewise.toml"
    path.write_text(
        f"""
[[sources]]
name = "app"
type = "github"
repo = "{repo}"
api_url = "{api_url}"
token_env = "TW_TEST_TOKEN"
{extra}
""",
        encoding="utf-8",
    )
    return path


def sandbox_issues(app: GitHubApp, repo: str, base_url: str) -> dict[str, Issue]:
    """What the store should hold after a complete pull: every issue, no pull requests."""
    state = app.repos[repo.lower()]
    out: dict[str, Issue] = {}
    for item in state.items.values():
        if item.is_pr:
            continue
        payload: dict[str, Any] = app.render_item(state, item, base_url)
        issue = map_issue(payload, "app", repo)
        out[issue.ref] = issue
    return out


TOKEN_ENV = {"TW_TEST_TOKEN": DEMO_TOKEN}


def make_issue(number: int = 1, **fields: Any) -> Issue:
    """A GitHub-shaped issue for rules tests; anything can be overridden."""
    from triagewise.model import StatusCategory, Tracker

    created = fields.pop("created_at", BASE - timedelta(days=30))
    base: dict[str, Any] = {
        "source": "app",
        "tracker": Tracker.GITHUB,
        "ref": f"acme/app#{number}",
        "tracker_id": str(1000 + number),
        "title": f"Issue {number}",
        "body": "",
        "state": "open",
        "status_category": StatusCategory.TODO,
        "created_at": created,
        "updated_at": fields.pop("updated_at", created),
        "url": f"https://github.com/acme/app/issues/{number}",
    }
    return Issue(**(base | fields))


def rules_config(text: str = "") -> Config:
    from triagewise.config import parse_config

    return parse_config(text, Path("triagewise.toml"))


class Spec:
    """An OpenAPI description from ../shared/compat, to validate the sandbox's answers."""

    def __init__(self, path: Path) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        self.doc = json.loads(path.read_text())
        resource = Resource.from_contents(self.doc, default_specification=DRAFT4)
        self.registry: Any = Registry().with_resource("urn:spec", resource)

    def validate(self, method: str, template: str, status: int, body: Any) -> None:
        from openapi_schema_validator import OAS30Validator

        responses = self.doc["paths"][template][method.lower()]["responses"]
        answer = responses[str(status)]
        pointer = "/".join(
            p.replace("~", "~0").replace("/", "~1")
            for p in ["paths", template, method.lower(), "responses", str(status)]
        )
        if "$ref" in answer:
            pointer = "components/responses/" + answer["$ref"].rsplit("/", 1)[1]
        schema = {"$ref": f"urn:spec#/{pointer}/content/application~1json/schema"}
        OAS30Validator(schema, registry=self.registry).validate(body)

    def validate_schema(self, name: str, body: Any) -> None:
        from openapi_schema_validator import OAS30Validator

        schema = {"$ref": f"urn:spec#/components/schemas/{name}"}
        OAS30Validator(schema, registry=self.registry).validate(body)


DEMO_ENV = {DEMO_TOKEN_ENV: DEMO_TOKEN, DEMO_USER_ENV: DEMO_JIRA_USER}  # what the demo config names
OWNED = ("triage/", "goal/")  # the label prefixes triagewise owns


def tracker_state(
    server: Sandbox, app: GitHubApp
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """The demo trackers as a run leaves them: owned labels per issue, the Jira board order and
    the GitHub board's order (what two runs must agree on)."""
    labels = {
        f"tandem/app#{n}": sorted(x for x in i.labels if x.startswith(OWNED))
        for n, i in app.repos["tandem/app"].items.items()
    }
    jira = jira_of(server)
    labels.update(
        {k: sorted(x for x in i.labels if x.startswith(OWNED)) for k, i in jira.items.items()}
    )
    board = [content for _, content in app.projects[("tandem", 1)].items]
    return labels, list(jira.order), board


def lexical_demo(url: str) -> str:
    """The demo's config with the lexical backend: tests that count or time writes must not
    depend on whether the semantic extra happens to be installed."""
    from triagewise.config.starter import demo_config

    text = demo_config(url)
    assert 'backend = "auto"' in text
    return text.replace('backend = "auto"', 'backend = "lexical"', 1)


@pytest.fixture
def demo_site(tmp_path: Path) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    """The demo sandbox (GitHub and Jira) and a lexical demo config for it, nothing pulled."""
    server, app = build_sandbox(base=BASE)
    with server:
        config = tmp_path / "triagewise.toml"
        config.write_text(lexical_demo(server.url))
        yield server, app, config


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A real PostgreSQL server for the session (tests/pgserver.py)."""
    bindir = find_bin()
    if bindir is None:
        reason = "no PostgreSQL server here (initdb); install Debian's postgresql package"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}: CI must run the PostgreSQL store tests")
        pytest.skip(reason)
    server = PgServer(bindir)
    try:
        yield server
    finally:
        server.stop()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)]


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Location:
    """A fresh store's location on each backend: a SQLite file, or a new PostgreSQL database
    on the session's server. The PostgreSQL runs are slow (a server)."""
    if request.param == "sqlite":
        return tmp_path / "t.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return DatabaseUrl.parse(server.fresh_database(), "TRIAGEWISE_DATABASE_URL")
