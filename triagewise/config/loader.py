"""Find, read and validate triagewise.toml, reporting every problem at once."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from triagewise.config.models import Config
from triagewise.connectors import registry
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

    Walks the path: a string segment is a table header or a `key =` line inside the current
    table; an integer segment picks the n-th `[[array]]` header of that name. Keys inside an
    inline table report the line of the inline table.
    """
    lines = text.splitlines()
    headers = [
        (n, m.group(1), m.group(2).strip())
        for n, line in enumerate(lines)
        if (m := _HEADER.match(line))
    ]

    def span_end(start: int) -> int:
        return next((n for n, _, _ in headers if n > start), len(lines))

    pos, end = 0, span_end(-1)
    path: list[str] = []
    found: int | None = None
    for i, part in enumerate(loc):
        following = loc[i + 1] if i + 1 < len(loc) else None
        if isinstance(part, int):
            name = ".".join(path)
            arrays = [n for n, kind, h in headers if kind == "[[" and h == name]
            if part >= len(arrays):
                break
            pos = found = arrays[part]
            end = span_end(pos)
            continue
        path.append(part)
        name = ".".join(path)
        if isinstance(following, int) and any(h == name for _, kind, h in headers if kind == "[["):
            continue
        exact = [n for n, kind, h in headers if kind == "[" and h == name]
        if exact:
            pos = found = exact[0]
            end = span_end(pos)
            continue
        key = re.compile(rf"^\s*\"?{re.escape(part)}\"?\s*=")
        hit = next((n for n in range(pos, end) if key.match(lines[n])), None)
        if hit is not None:
            return hit + 1  # later segments live inside this key's inline value
        if not any(h.startswith(name + ".") for _, _, h in headers):
            break
    return found + 1 if found is not None else None


def _message(err: dict[str, object]) -> str:
    kind = err.get("type")
    msg = str(err.get("msg", "invalid value"))
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "union_tag_invalid":
        return f"type must be {_types()}"
    if kind == "union_tag_not_found":
        return f"missing key 'type' ({_types()})"
    return msg.removeprefix("Value error, ")


def _types() -> str:
    """'github' or 'jira': the registered connectors' types, as a sentence."""
    names = [f"'{t}'" for t in registry.types()]
    return " or ".join([", ".join(names[:-1]), names[-1]] if len(names) > 2 else names)


def _strip_union_tags(loc: Sequence[str | int]) -> list[str | int]:
    """pydantic puts the union tag (the source's type) after a list index; users never wrote it."""
    out: list[str | int] = []
    for part in loc:
        if part in registry.types() and out and isinstance(out[-1], int):
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
    except RecursionError:
        # tomllib parses nested arrays and inline tables recursively: thousands of levels
        # exhaust the stack before any rule about the content could say anything
        raise ConfigError(
            f"{path}: this is not a usable config: its arrays or tables nest too deeply."
        ) from None
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
