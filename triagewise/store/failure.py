"""What a store that cannot be used says: a read-only file or folder, a full disk, a damaged
page. SQLite and the OS report these as `sqlite3` errors or `OSError`s deep inside a command;
they become one `StoreError` sentence (exit 2) naming the store and what to do.

Nothing is lost by stopping: every write to the store is a short transaction, so SQLite rolls
back the one that failed and the store stays as the last finished transaction left it."""

from __future__ import annotations

import errno
import sqlite3

from triagewise.errors import StoreError

_FULL = ("database or disk is full", "disk i/o error")
_READ_ONLY = ("readonly database", "read-only", "unable to open database file")
_DAMAGED = ("malformed", "database corruption")  # "not a database": not a usable store


def store_failure(path: object, exc: BaseException, fallback: bool = True) -> StoreError | None:
    """The sentence for `exc` met while using the store at `path`, or None when it is not one
    of the store's own conditions (then it goes on as it was). Another SQLite error gets a
    general sentence, unless `fallback` is false (the caller has its own)."""
    if isinstance(exc, StoreError):
        return None
    if isinstance(exc, OSError):
        return _os_failure(path, exc)
    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc).lower()
    if any(word in text for word in _FULL):
        return StoreError(_full(path))
    if any(word in text for word in _READ_ONLY):
        return StoreError(_read_only(path, str(exc)))
    if any(word in text for word in _DAMAGED):
        return StoreError(
            f"{path} is damaged ({exc}); nothing was written to it or to a tracker. Move it "
            "aside and run 'triagewise sync' to mirror the trackers again (decisions made in "
            "triagewise live in that file: restore a backup to keep them)."
        )
    if not fallback:
        return None
    return StoreError(f"{path} could not be used ({exc}); nothing more was written to it.")


def _os_failure(path: object, exc: OSError) -> StoreError | None:
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        return StoreError(_full(path))
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return StoreError(_read_only(path, exc.strerror or str(exc)))
    return None


def _full(path: object) -> str:
    return (
        f"The disk holding {path} is full; free some space and run again (what was stored "
        "before is kept, and the next run continues)."
    )


def _read_only(path: object, why: str) -> str:
    return (
        f"{path} cannot be written ({why}); make it and its folder writable, or pass --db "
        "with a writable path."
    )
