"""Issue kind and defect severity: table-driven, on the label schemes and words real trackers
use (the examples are taken from label schemes of public projects)."""

from __future__ import annotations

import pytest

from conftest import make_issue
from triagewise.model import Tracker
from triagewise.rules.kind import Kind, issue_kind, label_kind
from triagewise.rules.severity import Severity, families, severity_of


@pytest.mark.parametrize(
    ("label", "kind"),
    [
        ("bug", Kind.BUG),
        ("kind/bug", Kind.BUG),
        ("type: bug", Kind.BUG),
        ("Type: Bug", Kind.BUG),
        ("type-bug", Kind.BUG),
        ("C-bug", Kind.BUG),
        ("c: crash", Kind.BUG),
        ("severe: regression", Kind.BUG),
        ("enhancement", Kind.FEATURE),
        ("feature-request", Kind.FEATURE),
        ("kind/feature", Kind.FEATURE),
        ("type-enhancement", Kind.FEATURE),
        ("c: new feature", Kind.FEATURE),
        ("c: proposal", Kind.FEATURE),
        ("question", Kind.QUESTION),
        ("type-question", Kind.QUESTION),
        ("docs", Kind.DOCS),
        ("kind/documentation", Kind.DOCS),
        ("d: api docs", Kind.DOCS),
        ("chore", Kind.TASK),
        ("c: tech-debt", Kind.TASK),
        ("kind/flake", Kind.TASK),
        ("security", Kind.SECURITY),
        ("area-analyzer", None),
        ("platform-android", None),
        ("P1", None),
    ],
)
def test_common_label_schemes(label: str, kind: Kind | None) -> None:
    assert label_kind(label, {}) == kind


def test_the_config_maps_its_own_labels_first() -> None:
    issue = make_issue(1, labels=("fehler",))
    assert issue_kind(issue).kind is None
    found = issue_kind(issue, {"Fehler": Kind.BUG})
    assert (found.kind, found.evidence) == (Kind.BUG, "label 'fehler'")


def test_security_outranks_bug_when_labels_disagree() -> None:
    assert issue_kind(make_issue(1, labels=("bug", "security"))).kind is Kind.SECURITY


def test_the_trackers_type_comes_before_the_words() -> None:
    story = make_issue(1, tracker=Tracker.JIRA, ref="APP-1", type="Story", title="Crash fix")
    found = issue_kind(story)
    assert (found.kind, found.evidence) == (Kind.FEATURE, "jira type Story")


@pytest.mark.parametrize(
    ("title", "kind"),
    [
        ("App crashes when opening settings", Kind.BUG),
        ("[Bug] dropdown renders off-screen", Kind.BUG),
        ("Add support for dark mode", Kind.FEATURE),
        ("Feature request: export to CSV", Kind.FEATURE),
        ("How do I change the locale?", Kind.QUESTION),
        ("When does Kotlin support flutter?", Kind.QUESTION),
        ("regression: change in async capture rules?", Kind.BUG),
        ("Typo in the README", Kind.DOCS),
        ("XSS in the comment preview", Kind.SECURITY),
        ("Bump tokio to 1.40", Kind.TASK),
        ("Flutter", None),
    ],
)
def test_kind_from_the_title(title: str, kind: Kind | None) -> None:
    assert issue_kind(make_issue(1, title=title)).kind is kind


RULES = families()


def _severity(title: str, body: str = "", labels: tuple[str, ...] = (), **more: int) -> Severity:
    issue = make_issue(1, title=title, body=body, labels=labels, **more)
    return severity_of(issue, issue_kind(issue), RULES).level


@pytest.mark.parametrize(
    ("title", "level"),
    [
        ("Crash on startup", Severity.CRITICAL),
        ("rustc panics on a const generic", Severity.CRITICAL),
        ("Editor hangs when pasting 5 MB", Severity.CRITICAL),
        ("Mobile sync conflicts lose edits", Severity.CRITICAL),
        ("Board loses data after a deploy", Severity.CRITICAL),
        ("Database file corrupted after upgrade", Severity.CRITICAL),
        ("Miscompilation with -O2 on aarch64", Severity.CRITICAL),
        ("ICE: unexpected type in layout", Severity.CRITICAL),
        ("Password reset leaks the API token in the URL", Severity.CRITICAL),
        ("Inference regression in 1.26", Severity.MAJOR),
        ("Autocomplete stopped working after upgrading to 3.2", Severity.MAJOR),
        ("Signup fails when cookies are blocked", Severity.MAJOR),
        ("Cannot sign in with Google", Severity.MAJOR),
        ("Board with 500 cards takes 8 seconds to load", Severity.MAJOR),
        ("Mac tool_integration_tests is 2.02% flaky", Severity.MAJOR),
        ("Typo on the settings page", Severity.MINOR),
        ("Dark mode", Severity.NONE),
    ],
)
def test_severity_from_the_title(title: str, level: Severity) -> None:
    assert _severity(title) is level


def test_body_evidence_counts_one_level_lower() -> None:
    assert _severity("Export is odd", body="Sometimes the app crashes.") is Severity.MAJOR
    assert _severity("Export is odd", body="I cannot export.") is Severity.MINOR


def test_a_feature_request_is_not_a_broken_flow() -> None:
    assert _severity("Add an option so I cannot miss invites") is Severity.NONE
    assert _severity("Add export", labels=("enhancement",), body="it fails today") is Severity.NONE
    # but a security problem is one whatever the kind
    assert _severity("Add CSRF tokens: the form has a CSRF vulnerability") is Severity.CRITICAL


def test_breadth_raises_the_value_not_the_level() -> None:
    narrow = make_issue(1, title="Crash on start")
    wide = make_issue(2, title="Crash on start", body="It happens every time, for all users.")
    a = severity_of(narrow, issue_kind(narrow), RULES)
    b = severity_of(wide, issue_kind(wide), RULES)
    assert a.level is b.level is Severity.CRITICAL
    assert b.value == 1.0 and a.value == 1.0  # critical is already at the top
    major = make_issue(3, title="Regression in search", comments=12)
    m = severity_of(major, issue_kind(major), RULES)
    assert m.level is Severity.MAJOR and m.value == pytest.approx(0.75)
    assert m.sentence() == (
        "Severity major: a regression ('Regression' in the title), and it is wide "
        "(12 comments and reactions)."
    )


def test_the_teams_own_words_and_no_defaults() -> None:
    own = families({"critical": ["kernel oops"]}, defaults=False)
    issue = make_issue(1, title="Kernel   oops in the driver", labels=("bug",))
    found = severity_of(issue, issue_kind(issue), own)
    assert found.level is Severity.CRITICAL and "by the team's words" in found.evidence[0]
    crash = make_issue(2, title="Crash on start")
    assert severity_of(crash, issue_kind(crash), own).level is Severity.NONE
