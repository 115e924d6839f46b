"""The built wheel: `python -m build --wheel`, installed with its dependencies into a fresh
venv, runs `triagewise demo` from an empty folder. Package data (starter configs, the seed
backlogs, the GitHub schema, Chart.js, the ONNX model) is only there if the wheel ships it."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import REPO_ROOT
from triagewise.semantic.embed import MODEL_ID

DATA = [
    "triagewise/config/starter.toml",
    "triagewise/config/demo.toml.template",
    "triagewise/sandbox/seeds/github.json",
    "triagewise/sandbox/seeds/jira.json",
    "triagewise/sandbox/github_schema.json",
    "triagewise/report_assets/chart.umd.min.js",
    "triagewise/semantic/model/model.onnx",
    "triagewise/semantic/model/tokenizer.json",
]
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "build", "dist", "*.egg-info", "__pycache__", ".*_cache"
)


def clean_env() -> dict[str, str]:
    """The environment without what points at this checkout (PYTHONPATH) or this venv."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if Path(p) != Path(sys.executable).parent
    )
    return env


@pytest.mark.slow
def test_the_wheel_installs_in_a_fresh_venv_and_runs_the_demo(tmp_path: Path) -> None:
    pytest.importorskip("build", reason="pip install build (in the test extra)")
    # a copy of the source, so that building leaves nothing in the checkout
    source = tmp_path / "source"
    shutil.copytree(REPO_ROOT, source, ignore=NOT_SOURCE)
    dist = tmp_path / "dist"
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(source)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (wheel,) = dist.glob("triagewise-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        requires = [
            line
            for line in archive.read(metadata).decode().splitlines()
            if line.startswith("Requires-Dist:") and "extra ==" not in line
        ]
    assert [path for path in DATA if path not in names] == []
    # and every other file of the package, so that a new asset needs its package-data line
    shipped = {
        p.relative_to(source).as_posix()
        for p in (source / "triagewise").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert sorted(shipped - names) == []
    assert not any(n.startswith("tests/") for n in names)
    # the default install needs no torch (only the `reference` extra does)
    assert requires and not any("torch" in line for line in requires), requires

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-compile",
         "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
        env=clean_env(),
    )  # fmt: skip
    assert pip.returncode == 0, pip.stderr[-3000:]

    folder = tmp_path / "elsewhere"
    folder.mkdir()
    demo = subprocess.run(
        [str(venv / "bin" / "triagewise"), "demo", "--dir", "demo"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        env=clean_env(),
    )
    assert demo.returncode == 0, demo.stdout[-2000:] + demo.stderr[-2000:]
    assert "wrote" in demo.stdout and "0 failed" in demo.stdout, demo.stdout
    assert "Now (" in demo.stdout and "sandbox stopped" in demo.stderr
    assert "Traceback" not in demo.stderr
    for name in ("triagewise.toml", "roadmap.md", "report.html"):
        assert (folder / "demo" / name).is_file(), name
    assert "Chart.js v4" in (folder / "demo" / "report.html").read_text()  # inlined from the wheel

    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import triagewise; print(triagewise.__file__)"],
        cwd=folder,
        capture_output=True,
        text=True,
        env=clean_env(),
        check=True,
    )
    assert Path(where.stdout.strip()).is_relative_to(venv)  # the wheel's code, not this checkout
    # the semantic backend ran on the wheel's model: one vector per issue text, under its id
    with sqlite3.connect(folder / "demo" / ".triagewise" / "triagewise.db") as db:
        (vectors,) = db.execute(
            "SELECT count(*) FROM embeddings WHERE model = ?", (MODEL_ID,)
        ).fetchone()
    assert vectors > 100
