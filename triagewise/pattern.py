"""The regular expressions people write in the config (`[[goals]] text`, `[[triage.rules]]
when.text`), run on text anyone can file. Pure.

They run on RE2 (google-re2), whose matching time is linear in the text whatever the pattern:
`(a+)+$` against a crafted body cannot hang a run. A timeout (the `regex` module) was the other
choice; it was not taken because it makes the outcome depend on the machine's speed, and the
same mirror and config must give the same plan, byte for byte. RE2 has no backreferences and no
lookaround: such a pattern is a config error naming its key (`compile_error`).

Text is matched as UTF-8; a lone surrogate (a body with `\\ud800` in its JSON) is matched as
`?`. Should the engine still fail on one issue, `search` answers None: the caller skips
that match and notes the issue and the rule, and the run goes on.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import re2  # type: ignore[import-untyped]

_MAX_MEM = 64 << 20  # RE2's memory budget per pattern; past it a search falls back, never hangs


def _options() -> Any:
    options = re2.Options()
    options.case_sensitive = False
    options.log_errors = False  # a bad pattern is our sentence, not a C++ log line on stderr
    options.max_mem = _MAX_MEM
    return options


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> Any:
    return re2.compile(pattern, _options())


def compile_error(pattern: str) -> str | None:
    """Why this pattern cannot be run (None when it can)."""
    try:
        _compiled(pattern)
    except re2.error as exc:
        detail = exc.args[0] if exc.args else exc
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        try:
            re.compile(pattern)
        except re.error:
            return str(detail)
        return (
            f"{detail}; triagewise runs patterns on RE2, in linear time, which has no "
            "backreferences or lookaround"
        )
    return None


def search(pattern: str, text: str) -> bool | None:
    """Whether the pattern occurs in the text, ignoring case; None when it could not be run."""
    try:
        return _compiled(pattern).search(_valid(text)) is not None
    except Exception:
        return None


def _valid(text: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text
