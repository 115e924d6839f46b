"""`triagewise sandbox serve` takes the fault flags the tests use (issue 17: "fault flags on
`sandbox serve`"), so a person can try a flaky tracker by hand: the served process answers the
scripted faults in order, loses the answer of a write that landed, refuses Jira's POST search
when asked, and a real `sync` against it still ends like a clean run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conftest import DEMO_ENV, lexical_demo
from triagewise.sandbox import DEMO_JIRA_USER, DEMO_TOKEN

pytestmark = pytest.mark.slow


def serve(*flags: str) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0", *flags],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    url = proc.stdout.readline().strip()
    assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else url
    return proc, url


@pytest.fixture
def served(request: pytest.FixtureRequest) -> Iterator[tuple[subprocess.Popen[str], str]]:
    proc, url = serve(*request.param)
    try:
        yield proc, url
    finally:
        proc.terminate()
        proc.wait(timeout=30)


AUTH = {"Authorization": f"token {DEMO_TOKEN}"}


@pytest.mark.parametrize("served", [("--fault", "502", "--fault", "429")], indirect=True)
def test_scripted_faults_are_answered_in_order(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    with httpx.Client(base_url=url, headers=AUTH) as http:
        statuses = [http.get("/repos/tandem/app/issues").status_code for _ in range(3)]
    assert statuses == [502, 429, 200]


@pytest.mark.parametrize("served", [("--drop-writes", "1", "--drop-as", "reset")], indirect=True)
def test_a_dropped_write_lands_and_loses_its_answer(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    _, url = served
    with httpx.Client(base_url=url, headers=AUTH) as http:
        with pytest.raises(httpx.TransportError):
            http.post("/repos/tandem/app/issues/1/labels", json={"labels": ["triage/now"]})
        labels = http.get("/repos/tandem/app/issues/1").json()["labels"]
    assert "triage/now" in {label["name"] for label in labels}  # it landed all the same


@pytest.mark.parametrize(
    "served", [("--jira-mode", "datacenter", "--refuse-post-search")], indirect=True
)
def test_a_datacenter_that_refuses_post_search(served: tuple[subprocess.Popen[str], str]) -> None:
    _, url = served
    with httpx.Client(base_url=url, auth=(DEMO_JIRA_USER, DEMO_TOKEN)) as http:
        refused = http.post("/rest/api/2/search", json={"jql": "project = PLAT"})
        allowed = http.get("/rest/api/2/search", params={"jql": "project = PLAT"})
    assert (refused.status_code, allowed.status_code) == (405, 200)


@pytest.mark.parametrize(
    "served", [("--error-rate", "0.15", "--reset-rate", "0.05", "--seed", "7")], indirect=True
)
def test_a_sync_against_a_flaky_served_sandbox_ends_like_a_clean_one(
    served: tuple[subprocess.Popen[str], str], tmp_path: Path
) -> None:
    _, url = served
    config = tmp_path / "triagewise.toml"
    config.write_text(lexical_demo(url))
    env = {**os.environ, **DEMO_ENV}

    def tw(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "triagewise", "--config", str(config), *args],
            capture_output=True, text=True, env=env, check=False, timeout=600,
        )  # fmt: skip

    first = tw("sync")
    assert first.returncode == 0, first.stderr
    assert "Traceback" not in first.stderr
    again = tw("sync", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["label_changes"] == 0
