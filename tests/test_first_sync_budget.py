"""Issue 16's "Done means" for write requests: a first sync of 300 GitHub + 300 Jira Cloud
issues at default settings sends at most ⌈300/10⌉ + 8 GitHub label-write requests and at
most 12 Jira label-write requests (bulk submits plus any per-issue PUTs), leaves every issue
carrying exactly its report labels, and a second sync writes nothing. The wall time is a
benchmark figure (`bench/writeback.py --mixed 300`), not asserted here."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, OWNED
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import DEMO_JIRA_USER, build_sandbox, jira_of
from triagewise.sandbox.server import Sandbox

pytestmark = pytest.mark.slow

USER_ENV, TOKEN_ENV = sorted(ENV, key=lambda name: ENV[name] != DEMO_JIRA_USER)

CONFIG = """
[vision]
statement = "Small teams get from sign-up to a shared board in five minutes."
themes = {{ onboarding = ["signup", "invite"], speed = ["slow", "load"] }}

[[goals]]
id = "activation"
title = "Activation"
keywords = ["signup", "invite"]

[triage]
now_capacity = 50

[[sources]]
name = "big"
type = "github"
repo = "acme/big"
api_url = "{url}"
token_env = "{token}"

[[sources]]
name = "big-jira"
type = "jira"
url = "{url}"
jql = "project = BIG"
user_env = "{user}"
token_env = "{token}"

[writeback]
max_change_share = 1.0
"""


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


def labels_of(server: Sandbox, ref: str) -> set[str]:
    app = server.apps[0]
    if "#" in ref:
        number = int(ref.rsplit("#", 1)[1])
        labels = app.repos["acme/big"].items[number].labels  # type: ignore[attr-defined]
    else:
        labels = jira_of(server).items[ref].labels
    return {x for x in labels if x.startswith(OWNED)}


def test_first_sync_of_300_and_300_within_the_write_budget(tmp_path: Path) -> None:
    server, app = build_sandbox(
        base=BASE, synthetic=("acme/big", 300, 0), jira_synthetic=("BIG", 300)
    )
    app.rate_limit = 50_000
    with server:
        config = tmp_path / "triagewise.toml"
        config.write_text(CONFIG.format(url=server.url, token=TOKEN_ENV, user=USER_ENV))
        first = cli(config, "sync", "--json")
        assert first.exit_code == 0, first.output
        summary = json.loads(first.stdout)
        assert summary["failed"] == [] and summary["label_changes"] == 600
        jira = jira_of(server)
        jira_writes = jira.bulk_submits + sum(1 for kind, _ in jira.writes if kind == "labels")
        assert app.label_requests <= math.ceil(300 / 10) + 8, app.label_requests
        assert jira_writes <= 12, jira_writes
        # the freshness reads: one nodes(ids:) query / one key-in search per 100 issues
        assert app.fresh_requests == 3 and jira.fresh_requests == 3
        report = json.loads(cli(config, "report", "--json").stdout)["issues"]
        assert len(report) == 600
        for row in report:
            want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
            assert labels_of(server, row["ref"]) == want, row["ref"]
        writes = (app.label_requests, len(jira.writes), jira.bulk_submits)
        second = json.loads(cli(config, "sync", "--json").stdout)
        assert second["label_changes"] == 0
        assert (app.label_requests, len(jira.writes), jira.bulk_submits) == writes
