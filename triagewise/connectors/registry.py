"""The connector registry: a `[[sources]]` entry's `type` names its connector.

Adding a tracker is one package under `connectors/` and one line in `_BUILT_IN`. The config's
union of source models is built from here (`Config` is rebuilt when a connector registers), so
`sync/` and the CLI never import a tracker's package.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import Field

from triagewise.connectors.base import Capabilities, Connector
from triagewise.connectors.config import SourceConfig
from triagewise.connectors.github.connector import GITHUB
from triagewise.connectors.jira.connector import JIRA

_BUILT_IN: tuple[Connector, ...] = (GITHUB, JIRA)
_CONNECTORS: dict[str, Connector] = {c.type: c for c in _BUILT_IN}
_listeners: list[Callable[[], None]] = []


def register(connector: Connector) -> None:
    """Add (or replace) the connector for `connector.type`; the config accepts it at once."""
    _CONNECTORS[connector.type] = connector
    for listener in _listeners:
        listener()


def unregister(type_: str) -> None:
    """Remove a connector that `register` added (tests); the built-in ones stay."""
    if type_ in {c.type for c in _BUILT_IN}:
        raise ValueError(f"{type_!r} is built in")
    _CONNECTORS.pop(type_, None)
    for listener in _listeners:
        listener()


def on_change(listener: Callable[[], None]) -> None:
    """Call `listener` whenever the set of connectors changes (the config rebuilds its union)."""
    _listeners.append(listener)


def types() -> tuple[str, ...]:
    return tuple(_CONNECTORS)


def connector(type_: str) -> Connector:
    return _CONNECTORS[type_]


def connector_for(source: SourceConfig) -> Connector:
    return _CONNECTORS[source.type]


def capabilities(source: SourceConfig) -> Capabilities:
    return connector_for(source).capabilities(source)


def source_union() -> Any:
    """The tagged union of every registered connector's source model, tag `type`."""
    models = tuple(c.config_model for c in _CONNECTORS.values())
    return Annotated[Union[models], Field(discriminator="type")]  # noqa: UP007
