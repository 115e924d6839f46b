"""One writer per store: the lock a sync or apply holds for as long as it runs."""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from triagewise.errors import LockedError
from triagewise.store.backend import Location
from triagewise.store.failure import store_failure
from triagewise.store.postgres import advisory_lock


@contextmanager
def store_lock(db: Location, wait: float = 0.0) -> Iterator[None]:
    """A second run exits at once with a clear message, or waits up to `wait` seconds for the
    first to finish. On SQLite the lock file beside the store holds the holder's pid; on
    PostgreSQL it is an advisory lock on the store's database and schema, which holds across
    machines (store/postgres.py)."""
    if not isinstance(db, Path):
        with advisory_lock(db, wait):
            yield
        return
    db = db.resolve()  # a symlink to the store takes the store's own lock
    path = db.with_suffix(".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)
    except OSError as exc:
        raise store_failure(db, exc) or exc from None
    deadline = time.monotonic() + wait
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "another process"
                waited = f" after waiting {wait:g} s" if wait else ""
                raise LockedError(
                    f"Another triagewise sync or apply is running on {db} (pid {holder}); "
                    f"this run stops{waited} without touching anything."
                ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        except OSError as exc:
            raise store_failure(db, exc) or exc from None
        yield
    finally:
        os.close(fd)
