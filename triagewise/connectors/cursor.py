"""The JSON side of the connectors' typed cursors: each connector's cursor is a frozen
dataclass that writes itself as JSON (`to_json`) and reads itself back (`from_json`); the
store keeps only the JSON and never knows the types."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, TypeVar

T = TypeVar("T")


def to_json(cursor: Any) -> dict[str, Any]:
    """A cursor dataclass as JSON: fields that are None are left out, as the dict cursors did
    (a missing key and a null read back alike)."""
    return {k: v for k, v in dataclasses.asdict(cursor).items() if v is not None}


def from_json(cls: type[T], data: Mapping[str, Any]) -> T:
    """The dataclass `cls` from its JSON; keys it does not know are dropped, missing ones
    take their defaults (stores written before a field existed still resume)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v for k, v in data.items() if k in names})
