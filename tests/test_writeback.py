"""Write-back against the sandbox: exactly the report's labels, zero writes the second time,
human edits held, Jira's board in ranking order, kill -9 mid-apply, threshold, lock, 207."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from conftest import BASE, OWNED, lexical_demo
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import (
    GitHubApp,
    Sandbox,
    build_sandbox,
    jira_of,
)
from triagewise.store import store_lock


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


def write_config(folder: Path, url: str, extra: str = "") -> Path:
    path = folder / "triagewise.toml"
    path.write_text(
        lexical_demo(url).replace("write_interval = 0 ", "write_interval = 0\nattempts = 3 ")
        + extra
    )
    return path


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[Sandbox, GitHubApp, Path]]:
    server, app = build_sandbox(base=BASE)
    with server:
        yield server, app, write_config(tmp_path, server.url)


def tracker_labels(app: GitHubApp, server: Sandbox) -> dict[str, set[str]]:
    out = {
        f"tandem/app#{n}": {x for x in i.labels if x.startswith(OWNED)}
        for n, i in app.repos["tandem/app"].items.items()
        if not i.is_pr
    }
    out.update(
        {k: {x for x in i.labels if x.startswith(OWNED)} for k, i in jira_of(server).items.items()}
    )
    return out


@pytest.mark.slow
def test_sync_writes_exactly_the_report_then_nothing(site: tuple[Sandbox, GitHubApp, Path]) -> None:
    server, app, config = site
    assert cli(config, "sync", "--dry-run").exit_code == 0
    planned = cli(config, "plan").stdout
    app_open = sum(
        1 for i in app.repos["tandem/app"].items.values() if i.state == "open" and not i.is_pr
    )
    assert f"{app_open} scores to write into the Projects board's score field." in planned
    first = cli(config, "sync", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert (
        summary["failed"] == []
        and summary["applied"]["sent"]
        == summary["label_changes"] + summary["rank_moves"] + summary["score_writes"]
    )
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    for row in report:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]
    closed = [ref for ref, owned in labels.items() if ref not in {r["ref"] for r in report}]
    assert all(not labels[ref] for ref in closed)  # closed issues are not labelled
    plat = [r["ref"] for r in report if r["source"] == "platform"]
    order = [k for k in jira_of(server).order if k in set(plat)]
    assert order == plat  # the Jira board is in ranking order
    board = app.projects[("tandem", 1)]
    app_refs = [r["ref"] for r in report if r["source"] == "app"]
    node_of = {
        app.render_item_node_id(i): f"tandem/app#{n}"
        for n, i in app.repos["tandem/app"].items.items()
    }
    assert [node_of[c] for _, c in board.items if node_of.get(c) in set(app_refs)] == app_refs
    moves = board.moves
    field = board.fields["Triage score"]
    content = dict(board.items)  # project item id -> issue node id
    on_board = {node_of[content[i]]: v for (i, f), v in board.values.items() if f == field}
    scores = {r["ref"]: r["score"] for r in report if r["source"] == "app"}  # 2 decimals
    assert on_board.keys() == scores.keys()
    assert all(abs(on_board[ref] - scores[ref]) <= 0.051 for ref in scores)
    assert summary["score_writes"] == board.value_writes == len(app_refs)
    writes = (len(app.label_writes), len(jira_of(server).writes))
    assert writes[0] == sum(1 for r in report if r["source"] == "app")  # one call per changed issue

    second = json.loads(cli(config, "sync", "--json").stdout)
    assert (second["label_changes"], second["rank_moves"]) == (0, 0)
    assert (len(app.label_writes), len(jira_of(server).writes)) == writes  # zero writes
    assert board.moves == moves
    assert second["score_writes"] == 0 and board.value_writes == len(app_refs)


def test_a_missing_score_field_stops_before_any_write(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    config.write_text(config.read_text().replace('"Triage score"', '"Strategic fit"'))
    result = cli(config, "sync")
    assert result.exit_code == 2, result.output
    assert "has no Number field named 'Strategic fit'" in result.output
    assert "Traceback" not in result.output
    assert not app.label_writes and not jira_of(server).writes


@pytest.mark.slow
def test_a_persons_label_edit_survives_and_is_reported(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    assert cli(config, "sync").exit_code == 0
    report = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    github_now = next(r for r in report.values() if r["bucket"] == "now" and r["source"] == "app")
    number = int(github_now["ref"].split("#")[1])
    item = app.repos["tandem/app"].items[number]
    app.edit(
        "tandem/app",
        number,
        labels=[x for x in item.labels if x != "triage/now"] + ["triage/never"],
    )
    jira_key = next(
        r["ref"] for r in report.values() if r["bucket"] == "later" and r["source"] == "platform"
    )
    jira = jira_of(server)
    jira.edit(
        jira_key,
        labels=[x for x in jira.items[jira_key].labels if not x.startswith("triage/")]
        + ["triage/now"],
    )

    result = cli(config, "sync")
    assert result.exit_code == 0
    assert "2 human edits held" in result.stdout
    assert (
        f"{github_now['ref']}: triagewise wrote" in result.stderr
        and "held at never" in result.stderr
    )
    assert "triage/never" in item.labels and "triage/now" not in item.labels  # not overwritten
    assert "triage/now" in jira.items[jira_key].labels
    after = {r["ref"]: r for r in json.loads(cli(config, "report", "--json").stdout)["issues"]}
    assert (after[github_now["ref"]]["bucket"], after[github_now["ref"]]["pinned"]) == (
        "never",
        True,
    )
    assert (after[jira_key]["bucket"], after[jira_key]["pinned"]) == ("now", True)
    quiet = json.loads(cli(config, "sync", "--json").stdout)
    assert quiet["conflicts"] == [] and quiet["label_changes"] == 0  # held, not re-reported


@pytest.mark.slow
def test_threshold_checksum_lock_and_partial_failure(
    site: tuple[Sandbox, GitHubApp, Path], tmp_path: Path
) -> None:
    server, _, config = site
    assert cli(config, "sync").exit_code == 0
    flipped = config.read_text().replace(
        "min_goal_confidence = 0.3",
        "min_goal_confidence = 1.0\nnever_alignment_below = 1\nnever_demand_below = 1",
    )
    config.write_text(flipped)
    refused = cli(config, "sync")
    assert refused.exit_code == 2 and "Refusing to apply: the plan relabels" in refused.stderr
    assert "Traceback" not in refused.output
    stale = cli(config, "apply", "--checksum", "0000000000000000")
    assert stale.exit_code == 2 and "The plan changed since you reviewed it" in stale.stderr
    db = config.parent / ".triagewise" / "triagewise.db"
    with store_lock(db):
        locked = cli(config, "sync")
    assert locked.exit_code == 2 and "Another triagewise sync or apply is running" in locked.stderr
    jira_of(server).refuse_rank = set(jira_of(server).order)
    jira_of(server).order.reverse()  # someone dragged the board upside down
    partial = cli(config, "sync", "--force")
    assert partial.exit_code == 1
    assert "failed: PLAT-" in partial.stderr and "Jira did not rank" in partial.stderr


def _state(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    with urllib.request.urlopen(url + "/_sandbox/github/state") as r:
        github = json.loads(r.read())
    with urllib.request.urlopen(url + "/_sandbox/jira/state") as r:
        jira = json.loads(r.read())
    return github, jira


def _owned(labels: dict[str, list[str]]) -> dict[str, list[str]]:
    return {k: sorted(x for x in v if x.startswith(OWNED)) for k, v in labels.items()}


def _serve() -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "triagewise", "sandbox", "serve", "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


@pytest.mark.slow
def test_kill_9_during_apply_then_sync_again(tmp_path: Path) -> None:
    """Killed at random points (GitHub labels go 20 issues a request, so 0.3 s between
    requests lets a kill land between and inside batches), the next sync finishes the plan:
    the same end state as an uninterrupted run, and no issue written twice."""
    reference_proc, reference_url = _serve()
    killed_proc, killed_url = _serve()
    try:
        ref_dir, run_dir = tmp_path / "reference", tmp_path / "killed"
        ref_dir.mkdir()
        run_dir.mkdir()
        ref_config = write_config(ref_dir, reference_url)
        assert cli(ref_config, "sync").exit_code == 0
        config = (
            write_config(run_dir, killed_url)
            .read_text()
            .replace("write_interval = 0", "write_interval = 0.3")
        )
        (run_dir / "triagewise.toml").write_text(config)
        rng = random.Random(20261126)
        env = {**os.environ, **ENV}
        seen: list[int] = []
        for _ in range(4):
            before = len(_state(killed_url)[0]["writes"])
            proc = subprocess.Popen(
                [sys.executable, "-m", "triagewise", "--config", str(run_dir / "triagewise.toml"), "sync"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            )  # fmt: skip
            # kill at a random point after the apply has begun writing (start-up time varies
            # with the machine: pull, a model refit), or once it has ended by itself
            deadline = time.monotonic() + 60
            while (
                proc.poll() is None
                and len(_state(killed_url)[0]["writes"]) == before
                and time.monotonic() < deadline
            ):
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 1.2))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            seen.append(len(_state(killed_url)[0]["writes"]))
        final = subprocess.run(
            [sys.executable, "-m", "triagewise", "--config", str(run_dir / "triagewise.toml"), "sync"],
            capture_output=True, text=True, env=env, check=False,
        )  # fmt: skip
        assert final.returncode == 0, final.stderr
        total = len(_state(reference_url)[0]["writes"])
        assert any(0 < n < total for n in seen), seen  # at least one kill landed mid-apply
        want_github, want_jira = _state(reference_url)
        got_github, got_jira = _state(killed_url)
        assert _owned(got_github["labels"]) == _owned(want_github["labels"])
        assert _owned(got_jira["labels"]) == _owned(want_jira["labels"])
        assert got_jira["order"] == want_jira["order"]
        repeated = [ref for ref, n in Counter(got_github["writes"]).items() if n > 1]
        assert repeated == []
        label_writes = Counter(key for kind, key in got_jira["writes"] if kind == "labels")
        assert [k for k, n in label_writes.items() if n > 1] == []
    finally:
        for p in (reference_proc, killed_proc):
            p.terminate()
            p.wait(timeout=10)


@pytest.mark.slow
def test_explanation_comments_are_written_once_and_edited_in_place(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    with server:
        path = write_config(tmp_path, server.url)
        path.write_text(
            path.read_text().replace("rank = true\n", 'rank = true\ncomments = "never"\n')
        )
        assert cli(path, "sync").exit_code == 0
        report = json.loads(cli(path, "report", "--json").stdout)["issues"]
        never = [r for r in report if r["bucket"] == "never"]
        github_never = [r for r in never if r["source"] == "app"]
        assert len(app.comments) == len(github_never) > 0
        assert all(
            "triage/never" in body and "triagewise:explanation" in body
            for _, body in app.comments.values()
        )
        jira_comments = jira_of(server).comments
        assert len(jira_comments) == len(never) - len(github_never)
        before = len(app.comment_writes)
        assert cli(path, "sync").exit_code == 0
        assert len(app.comment_writes) == before  # unchanged reasons: nothing written
        # the store forgets the comment ids: the next change finds the comments by their marker
        from triagewise.store import Store

        with Store.open(tmp_path / ".triagewise" / "triagewise.db") as store:
            store._conn.execute("DELETE FROM comments")
        assert cli(path, "sync").exit_code == 0
        assert len(app.comments) == len(github_never)  # edited in place, never appended
        assert len(jira_of(server).comments) == len(jira_comments)


@pytest.mark.slow
def test_batched_labels_survive_a_lost_answer_limits_and_partial_errors(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """GitHub label writes go many issues a request. A batch whose answer is lost (processed,
    then the connection dropped), a request with too many aliases, a secondary limit for
    mutation requests that come too fast, and an alias GitHub refuses alone all end with every
    issue carrying exactly its report labels, no issue written twice, and a second sync that
    writes nothing."""
    server, app, config = site
    text = config.read_text()
    board = 'project = { owner = "tandem", number = 1, score_field = "Triage score" }'
    config.write_text(text.replace(board, ""))  # labels only: board moves are not batched
    app.max_mutations = 10  # 20 issues a request is refused: the batch halves
    app.mutation_burst, app.mutation_window = 6, 1.0  # the 7th mutation in 1 s: 403 secondary
    server.faults.drop_writes, server.faults.drop_path = 1, "/graphql"
    first = cli(config, "sync", "--json")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["failed"] == []
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    for row in report:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]
    github = [r["ref"] for r in report if r["source"] == "app"]
    assert len(app.label_writes) == len(github)  # the lost batch was read back, not re-sent
    assert sorted(Counter(f"{r}#{n}" for r, n in app.label_writes).values())[-1] == 1
    # batched: at most 10 issues a request get through; refused requests count too
    assert app.label_requests <= 30, app.label_requests
    writes = len(app.label_writes), len(jira_of(server).writes)
    second = json.loads(cli(config, "sync", "--json").stdout)
    assert second["label_changes"] == 0
    assert (len(app.label_writes), len(jira_of(server).writes)) == writes


@pytest.mark.slow
def test_max_writes_caps_a_run_most_important_first_and_the_next_run_continues(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    board = 'project = { owner = "tandem", number = 1, score_field = "Triage score" }'
    config.write_text(config.read_text().replace(board, ""))
    first = cli(config, "sync", "--json", "--max-writes", "15")
    assert first.exit_code == 0, first.output
    summary = json.loads(first.stdout)
    assert summary["applied"]["sent"] == 15 and summary["applied"]["deferred"] > 0
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    written = [r["ref"] for r in report if labels[r["ref"]]]
    # the 15 written are the 15 ranked highest: now before later before never
    assert written == [r["ref"] for r in report[:15]]
    rest = cli(config, "sync")
    assert rest.exit_code == 0, rest.output
    labels = tracker_labels(app, server)
    for row in report:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]


@pytest.mark.slow
def test_jira_cloud_labels_go_by_bulk_edit_failures_one_by_one_and_403_falls_back(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """Jira Cloud labels: one ADD or REMOVE task per owned label (≤ 1,000 issues, ≤ 5 at
    once), polled to COMPLETE; an issue a task reports failed is retried alone with a PUT;
    the second sync writes nothing. Without the bulk-change permission (403) every issue goes
    by PUT instead."""
    server, app, config = site
    jira = jira_of(server)
    jira.bulk_seconds = 0.3  # tasks stay ENQUEUED / RUNNING for a few polls
    failing = sorted(jira.items)[3]
    jira.bulk_fail = {failing}
    first = cli(config, "sync", "--json")
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["failed"] == []
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    for row in report:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]
    in_play = {x for r in report if r["source"] == "platform" for x in labels[r["ref"]]}
    assert 0 < jira.bulk_submits <= 2 * len(in_play)
    puts = [key for kind, key in jira.writes if kind == "labels"]
    assert puts == [failing]  # only the issue the task failed went by PUT
    assert jira.bulk_polls >= jira.bulk_submits
    writes = len(jira.writes)
    assert json.loads(cli(config, "sync", "--json").stdout)["label_changes"] == 0
    assert len(jira.writes) == writes


@pytest.mark.slow
def test_without_bulk_change_permission_jira_labels_go_one_put_per_issue(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    server, app, config = site
    jira = jira_of(server)
    jira.bulk_permission = False  # every bulk submit answers 403
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    assert jira.bulk_submits == 0
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    platform = [r for r in report if r["source"] == "platform"]
    for row in platform:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]
    assert sum(1 for kind, _ in jira.writes if kind == "labels") == len(platform)


@pytest.mark.slow
def test_quiet_bulk_edit_only_with_the_project_admin_permission(
    site: tuple[Sandbox, GitHubApp, Path],
) -> None:
    """`[writeback] quiet = true`: with the Administer projects permission the bulk edits go
    with sendBulkNotification false; without it the run stops before any Jira write with one
    sentence and exit 3, and a later run with the permission writes everything."""
    server, app, config = site
    jira = jira_of(server)
    config.write_text(config.read_text().replace("[writeback]\n", "[writeback]\nquiet = true\n"))
    bodies: list[dict[str, Any]] = []
    server.hooks.append(
        lambda request, response: (
            bodies.append(json.loads(request.body))
            if request.path.endswith("/bulk/issues/fields")
            else None
        )
    )
    refused = CliRunner().invoke(
        main, ["--config", str(config), "sync"], env=ENV, catch_exceptions=False
    )
    assert refused.exit_code == 3, refused.output
    line = refused.output.strip().splitlines()[-1]
    assert "writeback.quiet = true needs the Administer projects permission in PLAT" in line
    assert "Traceback" not in refused.output
    assert jira.writes == [] and bodies == []  # nothing written to Jira
    jira.project_admin = True
    result = cli(config, "sync", "--json")
    assert result.exit_code == 0, result.output
    assert bodies and all(b["sendBulkNotification"] is False for b in bodies)
    report = json.loads(cli(config, "report", "--json").stdout)["issues"]
    labels = tracker_labels(app, server)
    for row in report:
        want = {f"triage/{row['bucket']}", *(f"goal/{g}" for g in row["goals"])}
        assert labels[row["ref"]] == want, row["ref"]
