"""A config regex cannot hang or stop a run (issue 17, item 5): patterns run on RE2, in time
linear in the text; a pattern RE2 cannot run is a config error naming its key; an issue whose
text a pattern cannot be run on is skipped with a note naming the issue and the rule."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import BASE, lexical_demo, rules_config
from conftest import DEMO_ENV as ENV
from triagewise import pattern
from triagewise.cli import main
from triagewise.errors import ConfigError
from triagewise.sandbox import build_sandbox

EVIL = "(a+)+$"
CRAFTED = "a" * 50_000 + "!"  # with Python's re, (a+)+$ on this backtracks for ever

RULES = f"""
[[goals]]
id = "evil"
title = "A goal whose text pattern backtracks"
text = ["{EVIL}"]

[[triage.rules]]
name = "catastrophic"
when = {{ text = "{EVIL}" }}
bucket = "later"
reason = "a rule whose pattern backtracks"
"""


def test_the_evil_pattern_is_linear() -> None:
    start = time.perf_counter()
    for size in (1_000, 10_000, 100_000):
        assert pattern.search(EVIL, "a" * size + "!") is False
    assert pattern.search(EVIL, "xaaa") is True
    assert time.perf_counter() - start < 1.0
    assert pattern.search("SignUp", "a signup flow") is True  # case is ignored, as before
    assert pattern.search("x", "lone \ud800 surrogate x") is True  # not an encoding error


def test_a_pattern_re2_cannot_run_is_a_config_error() -> None:
    with pytest.raises(ConfigError) as caught:
        rules_config('[[goals]]\nid = "g"\ntitle = "G"\ntext = ["(a)\\\\1"]\n')
    assert "goals[0].text" in str(caught.value) and "RE2" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        rules_config(
            '[[triage.rules]]\nname = "r"\nwhen = { text = "foo(?=bar)" }\nbucket = "now"\n'
            'reason = "x"\n'
        )
    assert "triage.rules[0].when.text" in str(caught.value)


@pytest.mark.slow
def test_a_crafted_body_does_not_hang_a_sync(tmp_path: Path) -> None:
    server, app = build_sandbox(base=BASE)
    with server:
        repo = app.repos["tandem/app"]
        repo.items[1].body = CRAFTED
        repo.items[2].body = "lone \ud800 surrogate aaaa"  # valid JSON (\\ud800), not UTF-8
        path = tmp_path / "triagewise.toml"
        path.write_text(lexical_demo(server.url) + RULES)
        start = time.perf_counter()
        for args in (["sync", "--json"], ["report", "--json"], ["plan", "--json"]):
            done = CliRunner().invoke(main, ["--config", str(path), *args], env=ENV)
            assert done.exit_code == 0, done.output
        assert time.perf_counter() - start < 60
        report = {r["ref"]: r for r in json.loads(_report(path))["issues"]}
        assert "evil" in report["tandem/app#2"]["goals"]  # the pattern still ran, and matched
        assert "evil" not in report["tandem/app#1"]["goals"]


def _report(path: Path) -> str:
    done = CliRunner().invoke(main, ["--config", str(path), "report", "--json"], env=ENV)
    return done.stdout


def test_one_issue_the_engine_fails_on_is_skipped_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from conftest import make_issue
    from triagewise.rules.triage import assess

    real = pattern._compiled

    class Failing:
        def __init__(self, p: str) -> None:
            self.inner = real(p)

        def search(self, text: str) -> object:
            if "poison" in text:
                raise RuntimeError("the engine gave up")
            return self.inner.search(text)

    monkeypatch.setattr(pattern, "_compiled", Failing)
    config = rules_config(RULES.replace(EVIL, "poison|fine"))
    issues = [make_issue(1, body="fine"), make_issue(2, body="poison")]
    by_ref = {a.ref: a for a in assess(issues, config, BASE)}
    assert by_ref["acme/app#1"].rule == "rule:catastrophic" and not by_ref["acme/app#1"].notes
    notes = by_ref["acme/app#2"].notes
    assert any("acme/app#2" in n and "'catastrophic'" in n for n in notes)
    assert any("acme/app#2" in n and "goal 'evil'" in n for n in notes)
    assert by_ref["acme/app#2"].report()["notes"] == list(notes)
