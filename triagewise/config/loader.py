"""Find, read and validate triagewise.toml, reporting every problem at once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from triagewise.config.models import Config
from triagewise.errors import ConfigError

CONFIG_NAME = "triagewise.toml"
_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_TOML_LINE = re.compile(r"at line (\d+)")


def find_config(start: Path) -> Path | None:
    """The nearest triagewise.toml in `start` or its parents."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if candidate.is_file():
            return candidate
    return None


def dotted(loc: Sequence[str | int]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + part
    return out


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """Best-effort line number (1-based) of the key at `loc` in TOML `text`.

    Walks the path: a string segment is a table header or a `key =` line after the current
    position; an integer segment picks the n-th `[[array]]` header of the enclosing name.
    """
    lines = text.splitlines()
    pos = 0
    table: list[str] = []
    found: int | None = None
    for i, part in enumerate(loc):
        if isinstance(part, int):
            name = ".".join(table)
            headers = [
                n
                for n, line in enumerate(lines)
                if (m := _HEADER.match(line)) and m.group(1) == "[[" and m.group(2) == name
            ]
            if part < len(headers):
                pos = found = headers[part]
                continue
            return found
        table.append(part)
        name = ".".join(table)
        hit = None
        for n in range(pos, len(lines)):
            line = lines[n]
            header = _HEADER.match(line)
            if header and header.group(2) == name:
                hit = n
                break
            if header and n > pos and not header.group(2).startswith(".".join(table[:-1])):
                break
            if re.match(rf"^\s*\"?{re.escape(part)}\"?\s*=", line):
                hit = n
                table = []  # a key's value is inline: later segments live on this line
                break
        if hit is None:
            return None if i == 0 else (found + 1 if found is not None else None)
        pos = found = hit
    return found + 1 if found is not None else None


def _message(err: dict[str, object]) -> str:
    kind = err.get("type")
    msg = str(err.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return "type must be 'github' or 'jira'"
    if kind == "union_tag_not_found":
        return "missing key 'type' ('github' or 'jira')"
    return msg.removeprefix("Value error, ")


def _strip_union_tags(loc: Sequence[str | int]) -> list[str | int]:
    """pydantic puts the union tag ("github") after a list index; users never wrote it."""
    out: list[str | int] = []
    for part in loc:
        if part in ("github", "jira") and out and isinstance(out[-1], int):
            continue
        out.append(part)
    return out


def parse_config(text: str, path: Path) -> Config:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _TOML_LINE.search(str(exc))
        where = f"{path}:{line.group(1)}" if line else str(path)
        raise ConfigError(f"{where}: this is not valid TOML ({exc}).") from None
    problems: list[str] = []
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = _strip_union_tags(err["loc"])
            line_no = locate(text, loc)
            where = f"{path}:{line_no}" if line_no else str(path)
            problems.append(f"{where}: {dotted(loc) or '(top level)'}: {_message(dict(err))}")
    else:
        for cross_loc, msg in config.cross_problems():
            line_no = locate(text, cross_loc)
            where = f"{path}:{line_no}" if line_no else str(path)
            problems.append(f"{where}: {dotted(cross_loc)}: {msg}")
        if not problems:
            return config
    count = len(problems)
    summary = f"{path} has {count} problem{'s' if count > 1 else ''}"
    raise ConfigError(summary + ":\n  " + "\n  ".join(problems), problems)


def load_config(path: Path) -> Config:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist; run 'triagewise init' to write one.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} cannot be read: {exc}.") from None
    return parse_config(text, path)
