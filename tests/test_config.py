from __future__ import annotations

from pathlib import Path

import pytest

from triagewise.config import load_config, parse_config
from triagewise.config.starter import STARTER, demo_config
from triagewise.errors import ConfigError, ExitCode


def problems(text: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_config(text, Path("t.toml"))
    assert info.value.exit_code == ExitCode.USAGE
    return info.value.problems


def test_starter_and_demo_configs_are_valid() -> None:
    starter = parse_config(STARTER, Path("triagewise.toml"))
    assert starter.sources[0].name == "app"
    assert starter.goals[0].id == "activation"
    demo = parse_config(demo_config("http://127.0.0.1:9"), Path("triagewise.toml"))
    assert [g.id for g in demo.goals] == ["activation", "collaboration", "speed"]


def test_every_problem_is_reported_at_once_with_line_and_dotted_key() -> None:
    text = """
[vision]
statement = "x"
colour = 3

[[goals]]
id = "Bad Id"
title = "t"
weight = -1

[[sources]]
name = "app"
type = "github"
repo = "acme"
tokn_env = "X"
"""
    found = problems(text)
    assert found == [
        "t.toml:4: vision.colour: unknown key",
        "t.toml:7: goals[0].id: goal id 'Bad Id' is not a valid label: use lower-case "
        "letters, digits, '.', '_' or '-', starting with a letter or digit",
        "t.toml:9: goals[0].weight: Input should be greater than 0",
        "t.toml:14: sources[0].repo: repo 'acme' must look like owner/name",
        "t.toml:15: sources[0].tokn_env: unknown key",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[[sources]]\nname = "a"\ntype = "gitlab"\n', "t.toml:1: sources[0]: type must be"),
        ('[[sources]]\nname = "a"\n', "sources[0]: missing key 'type'"),
        (
            '[[sources]]\nname = "a"\ntype = "github"\nrepo = "a/b"\napi_url = "http://gh.corp"\n',
            "uses plain http to a non-loopback host",
        ),
        (
            '[[sources]]\nname = "a"\ntype = "github"\nrepo = "a/b"\ntoken_env = "MY TOKEN"\n',
            "t.toml:5: sources[0].token_env: 'MY TOKEN' is not an environment variable name",
        ),
        (
            '[[goals]]\nid = "a"\ntitle = "x"\n[[goals]]\nid = "a"\ntitle = "y"\n',
            "t.toml:5: goals[1].id: goal id 'a' is used twice",
        ),
        (
            f'[[goals]]\nid = "{"x" * 46}"\ntitle = "x"\n',
            "is longer than 50 characters",
        ),
        ("[triage]\nnow_capacity = -1\n", "t.toml:2: triage.now_capacity: now_capacity must be 0"),
        (
            '[triage]\nnow_capacity = "fast"\n',
            't.toml:2: triage.now_capacity: now_capacity must be 0 or more, or "velocity"',
        ),
        (
            '[triage]\nframework = "moscow"\n',
            "t.toml:2: triage.framework: Input should be 'weighted', 'rice', 'wsjf' or 'ice'",
        ),
        (
            '[triage]\nframework = "rice"\ninputs = { speed = "demand" }\n',
            "t.toml:3: triage.inputs.speed: rice has no input 'speed'; it takes reach, impact, confidence, effort",
        ),
        (
            '[triage]\ninputs = { impact = "colour" }\n',
            "t.toml:2: triage.inputs.impact: Input should be",
        ),
        (
            "[triage]\nweights = { impact = 0, alignment = 0 }\n",
            "weights must be 0 or more, and at least one above 0",
        ),
        (
            '[[goals]]\nid = "a"\ntitle = "x"\ntext = ["(unclosed"]\n',
            "t.toml:4: goals[0].text: '(unclosed' is not a valid regular expression",
        ),
        (
            '[[triage.rules]]\nname = "r"\nbucket = "never"\nreason = "x"\nwhen = { colour = "red" }\n',
            "t.toml:5: triage.rules[0].when.colour: unknown key",
        ),
        (
            '[[triage.rules]]\nname = "r"\nbucket = "soon"\nreason = "x"\nwhen = {}\n',
            "t.toml:3: triage.rules[0].bucket: Input should be 'now', 'later' or 'never'",
        ),
        (
            '[[triage.rules]]\nname = "r"\nbucket = "now"\nreason = "x"\nwhen = { text = "[" }\n',
            "triage.rules[0].when.text: '[' is not a valid regular expression",
        ),
        (
            '[[triage.rules]]\nname = "r"\nbucket = "now"\nreason = "x"\nwhen = { goals = ["nope"] }\n',
            "t.toml:5: triage.rules[0].when.goals: unknown goal id 'nope'",
        ),
        ("[network]\nattempts = 0\n", "t.toml:2: network.attempts"),
        ("surprise = 1\n", "t.toml:1: surprise: unknown key"),
    ],
)
def test_single_problems(text: str, expected: str) -> None:
    found = problems(text)
    assert len(found) == 1
    assert expected in found[0]


def test_plain_http_is_allowed_for_loopback_and_when_asked() -> None:
    text = (
        '[[sources]]\nname = "a"\ntype = "github"\nrepo = "a/b"\n'
        'api_url = "http://127.0.0.1:8765"\n'
        '[[sources]]\nname = "b"\ntype = "github"\nrepo = "a/b"\n'
        'api_url = "http://gh.corp/api/v3"\nallow_insecure_http = true\n'
    )
    config = parse_config(text, Path("t.toml"))
    assert [s.name for s in config.sources] == ["a", "b"]


def test_broken_toml_names_file_and_line() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config('[vision]\nstatement = "unterminated\n', Path("t.toml"))
    assert str(info.value).startswith("t.toml:2: this is not valid TOML")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist; run 'triagewise init'"):
        load_config(tmp_path / "triagewise.toml")


def test_two_sources_mirroring_one_repository_name_both(tmp_path: Path) -> None:
    text = "".join(
        f'[[sources]]\nname = "{name}"\ntype = "github"\nrepo = "{repo}"\n'
        for name, repo in (("app", "acme/app"), ("web", "acme/web"), ("again", "Acme/App"))
    )
    with pytest.raises(ConfigError) as info:
        parse_config(text, tmp_path / "triagewise.toml")
    assert info.value.problems == [
        f"{tmp_path / 'triagewise.toml'}:9: sources[2]: sources 'app' and 'again' both mirror "
        "https://api.github.com/repos/acme/app; an issue has one source, so keep one of them"
    ]
