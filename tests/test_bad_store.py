"""A store that cannot be used — read-only (the file or its folder), on a full disk, with a
damaged page — and a config nested too deeply end in one sentence and exit 2, never a
traceback, and leave the store as it was. The disk is really full (a small tmpfs, or
RLIMIT_FSIZE where mounting is not allowed); the store is really read-only (a read-only bind
mount as root, who ignores file modes; the file modes otherwise)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from conftest import BASE
from conftest import DEMO_ENV as ENV
from triagewise.cli import main
from triagewise.sandbox import GitHubApp, Sandbox


def cli(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        main, ["--config", str(config), *args], env=ENV, catch_exceptions=False
    )


def one_sentence(result: Result, code: int) -> str:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def contents(db: Path) -> list[str]:
    """Every row of the store, as SQL (read only)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def touch_an_issue(app: GitHubApp, days: int = 40) -> None:
    """A change on the tracker, so that the next pull has something to store."""
    item = app.repos["tandem/app"].items[3]
    item.title += " (edited)"
    item.updated_at = BASE + timedelta(days=days)


def _mount(*args: str) -> bool:
    return subprocess.run(["mount", *args], capture_output=True).returncode == 0


@contextlib.contextmanager
def read_only(path: Path) -> Iterator[None]:
    """`path` (a file or a folder) cannot be written, by anyone, until the block ends."""
    if os.geteuid() == 0:
        if not (_mount("--bind", str(path), str(path))):
            pytest.skip("root, but bind mounts are not allowed here")
        try:
            assert _mount("-o", "remount,bind,ro", str(path))
            yield
        finally:
            subprocess.run(["umount", str(path)], check=True)
        return
    mode = path.stat().st_mode
    path.chmod(0o555 if path.is_dir() else 0o444)
    try:
        yield
    finally:
        path.chmod(mode)


@pytest.mark.slow
@pytest.mark.parametrize("what", ["file", "folder"])
def test_a_read_only_store_is_one_sentence_and_untouched(
    demo_site: tuple[Sandbox, GitHubApp, Path], what: str
) -> None:
    _, app, config = demo_site
    assert cli(config, "sync").exit_code == 0
    db = config.parent / ".triagewise" / "triagewise.db"
    before = contents(db)
    touch_an_issue(app)
    with read_only(db if what == "file" else db.parent):
        line = one_sentence(cli(config, "sync"), 2)
        assert f"{db} cannot be written" in line, line
        assert "make it and its folder writable" in line
    assert contents(db) == before
    again = cli(config, "sync")  # writable again: nothing was lost, the run goes on
    assert again.exit_code == 0, again.output
    assert contents(db) != before


@contextlib.contextmanager
def small_disk(folder: Path) -> Iterator[Path]:
    folder.mkdir()
    if not _mount("-t", "tmpfs", "-o", "size=8m,mode=0700", "tmpfs", str(folder)):
        pytest.skip("mounting a tmpfs is not allowed here (the RLIMIT_FSIZE case still runs)")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as out, contextlib.suppress(OSError):
        while True:
            out.write(b"\0" * 4096)
    return filler


@pytest.mark.slow
def test_a_full_disk_is_one_sentence_and_keeps_the_store(
    demo_site: tuple[Sandbox, GitHubApp, Path], tmp_path: Path
) -> None:
    _, app, config = demo_site
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "triagewise.db"
        assert cli(config, "--db", str(db), "sync").exit_code == 0
        before = contents(db)
        touch_an_issue(app)
        filler = fill(disk)
        line = one_sentence(cli(config, "--db", str(db), "sync"), 2)
        assert f"The disk holding {db} is full; free some space and run again" in line, line
        assert contents(db) == before
        filler.unlink()
        again = cli(config, "--db", str(db), "sync")
        assert again.exit_code == 0, again.output
        assert contents(db) != before


@pytest.mark.slow
def test_a_file_size_limit_is_a_full_disk_too(
    demo_site: tuple[Sandbox, GitHubApp, Path], tmp_path: Path
) -> None:
    """Without mount rights: the process may not grow any file past 4 KiB (RLIMIT_FSIZE, as a
    quota would), so SQLite's first page into the WAL fails with EFBIG."""
    _, app, config = demo_site
    db = tmp_path / "triagewise.db"
    assert cli(config, "--db", str(db), "sync").exit_code == 0
    before = contents(db)
    touch_an_issue(app)

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))

    done = subprocess.run(
        [sys.executable, "-m", "triagewise", "--config", str(config), "--db", str(db), "sync"],
        env={**os.environ, **ENV, "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limit,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: The disk holding {db} is full" in done.stderr, done.stderr
    assert contents(db) == before


@pytest.mark.slow
@pytest.mark.parametrize("command", ["sync", "report"])
def test_a_damaged_page_is_one_sentence_and_left_alone(
    demo_site: tuple[Sandbox, GitHubApp, Path], command: str
) -> None:
    _, app, config = demo_site
    assert cli(config, "sync").exit_code == 0
    db = config.parent / ".triagewise" / "triagewise.db"
    size = db.stat().st_size
    with db.open("r+b") as f:  # pages 3 to 6: the issues' table, past the schema
        f.seek(2 * 4096)
        f.write(os.urandom(min(4 * 4096, size - 2 * 4096)))
    damaged = digest(db)
    touch_an_issue(app)
    line = one_sentence(cli(config, command), 2)
    assert f"{db} is damaged" in line and "Move it aside" in line, line
    assert digest(db) == damaged  # not "repaired", not written
    assert not [p for p in db.parent.iterdir() if p.name.endswith("-wal") and p.stat().st_size]


def test_a_deeply_nested_config_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "triagewise.toml"
    path.write_text("[vision]\nthemes = { a = " + "[" * 50_000 + "]" * 50_000 + " }\n")
    before = path.read_text()
    result = CliRunner().invoke(main, ["--config", str(path), "status"], env=ENV)
    line = one_sentence(result, 2)
    assert f"{path}: this is not a usable config: its arrays or tables nest too deeply" in line
    assert path.read_text() == before
