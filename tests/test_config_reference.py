"""The README's config reference names every key the config accepts: a key added to a model
without a row (or a mention in one) fails here."""

from __future__ import annotations

import re

from pydantic import BaseModel

from conftest import REPO_ROOT
from triagewise.config.models import Config, ForcedRule, When
from triagewise.connectors import registry

SECTIONS = {
    "[[goals]]": "goals",
    "[[sources]]": "sources",
    "[[triage.rules]]": "triage.rules",
}


def documented() -> dict[str, set[str]]:
    """Per section, the keys a row of the reference names in its first cell."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Config reference")
    table = text[start : text.index("\n## ", start + 1)]
    keys: dict[str, set[str]] = {}
    for row in table.splitlines():
        cell = row.split(" | ")[0].lstrip("| ")
        found = re.match(r"`(\[\[?[a-z.]+\]\]?) ([a-z_]+)`(.*)", cell)
        if found is None:
            continue
        head, first, rest = found.groups()
        section = SECTIONS.get(head, head.strip("[]"))
        keys.setdefault(section, set()).update([first, *re.findall(r"`([a-z_]+)`", rest)])
    return keys


def fields(model: type[BaseModel]) -> set[str]:
    return {f.alias or name for name, f in model.model_fields.items()}


def expected() -> dict[str, set[str]]:
    want: dict[str, set[str]] = {}
    for name, field in Config.model_fields.items():
        model = field.annotation
        if name == "goals":
            model = Config.model_fields["goals"].annotation.__args__[0]  # type: ignore[union-attr]
        if name == "sources":
            want["sources"] = set().union(
                *(fields(registry.connector(t).config_model) for t in registry.types())
            )
            continue
        assert isinstance(model, type) and issubclass(model, BaseModel), name
        want[name] = fields(model)
    want["triage"] -= {"rules"}  # its own rows, [[triage.rules]]
    want["triage.rules"] = fields(ForcedRule)
    return want


def test_every_config_key_is_in_the_readme_reference() -> None:
    have = documented()
    missing = sorted(
        f"[{section}] {key}"
        for section, keys in expected().items()
        for key in keys - have.get(section, set())
        # velocity_weeks and cycle_weeks are explained in the now_capacity row
        if not (section == "triage" and key in {"velocity_weeks", "cycle_weeks"})
        # a key that exists only to be refused, explained in the url_env row
        and not (section == "store" and key == "url")
    )
    assert missing == []


def test_the_forced_rules_conditions_are_named_in_their_row() -> None:
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    row = next(r for r in text.splitlines() if r.startswith("| `[[triage.rules]] name`"))
    assert sorted(k for k in fields(When) if f"`{k}`" not in row) == []
