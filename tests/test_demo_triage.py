"""On the demo backlog the outcome reads as a product manager would expect.

These expectations were written down before the weights were tuned."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import sandbox_issues
from triagewise.config import parse_config
from triagewise.config.starter import demo_config
from triagewise.rules.kind import Kind
from triagewise.rules.severity import Severity
from triagewise.rules.triage import Assessment, Bucket, assess
from triagewise.sandbox import DEMO_REPO, build_sandbox

NOW = datetime(2026, 11, 26, tzinfo=UTC)


@pytest.fixture(scope="module")
def result() -> dict[str, Assessment]:
    _, app = build_sandbox(base=NOW)
    issues = list(sandbox_issues(app, DEMO_REPO, "http://sandbox").values())
    config = parse_config(demo_config("http://127.0.0.1:1"), Path("triagewise.toml"))
    return {a.issue.title: a for a in assess(issues, config, NOW)}


def bucket(result: dict[str, Assessment], title: str) -> Bucket:
    return result[title].bucket


def test_now_is_full_and_every_issue_in_it_has_a_reason_to_be_there(
    result: dict[str, Assessment],
) -> None:
    now = [a for a in result.values() if a.bucket is Bucket.NOW]
    assert len(now) == 12
    for a in now:
        assert a.goals or a.rule.startswith("rule:"), a.issue.title


def test_the_big_onboarding_asks_are_now(result: dict[str, Assessment]) -> None:
    for title in (
        "Invite teammates from the first-run screen",
        "Signup asks for a company name before showing anything",
        "Invitation emails land in spam for Outlook users",
    ):
        assert bucket(result, title) is Bucket.NOW, title
    # Broken steps of the same funnel (signup fails, inviting shows an error) come first, as a
    # PM would have it; starter templates wait at the top of later, first below the now line.
    templates = result["Starter templates for the first board"]
    assert templates.bucket is Bucket.LATER
    assert templates.reasons[0].startswith("Later: 12th of") and templates.rank == 13


def test_severe_defects_are_never_never_by_low_fit(result: dict[str, Assessment]) -> None:
    for a in result.values():
        if a.severity.level >= Severity.MAJOR or a.signals.priority_source:
            assert a.bucket is not Bucket.NEVER or a.rule.startswith("rule:"), a.issue.title
    broken = result["Signup fails when the browser blocks third-party cookies"]
    assert broken.bucket is Bucket.NOW and broken.kind.kind is Kind.BUG
    assert any(r.startswith("Severity major: a broken core flow ('fails'") for r in broken.reasons)


def test_enterprise_asks_are_never_and_say_why(result: dict[str, Assessment]) -> None:
    for title in (
        "SAML single sign-on",
        "SCIM user provisioning",
        "Okta SSO support",
        "Audit log export for compliance",
        "On-premise installation",
        "Data residency in the EU",
    ):
        a = result[title]
        assert a.bucket is Bucket.NEVER, title
        assert "enterprise" in a.reasons[0] and "rules out" in a.reasons[0], title
        assert a.review_on is not None


def test_stale_niche_requests_are_never(result: dict[str, Assessment]) -> None:
    for title in (
        "Support for Windows Phone",
        "Fax notifications",
        "BlackBerry app",
        "Support IE11",
    ):
        assert bucket(result, title) is Bucket.NEVER, title


def test_popular_but_off_vision_work_waits(result: dict[str, Assessment]) -> None:
    for title in ("Dark mode", "Gantt chart view", "Zapier integration", "Time tracking on cards"):
        assert bucket(result, title) is Bucket.LATER, title


def test_accessibility_blockers_jump_the_queue_by_rule(result: dict[str, Assessment]) -> None:
    a = result["Screen reader cannot reach the add-card button"]
    assert (a.bucket, a.rule) == (Bucket.NOW, "rule:accessibility blockers")


def test_duplicates_wait_and_lend_their_demand(result: dict[str, Assessment]) -> None:
    copy = result["Let me invite my team right after I sign up"]
    original = result["Invite teammates from the first-run screen"]
    assert copy.rule == "duplicate" and copy.bucket is Bucket.LATER
    assert original.ref in copy.duplicate_of
    assert copy.ref in original.duplicated_by


def test_the_worst_performance_problem_leads_its_goal(result: dict[str, Assessment]) -> None:
    speed = sorted(
        (a for a in result.values() if a.goals and a.goals[0].goal == "speed"), key=lambda a: a.rank
    )
    assert speed[0].issue.title == "Board with 500 cards takes 8 seconds to load"


def test_closed_work_is_not_triaged(result: dict[str, Assessment]) -> None:
    assert "Comment on cards" not in result  # closed as completed
    assert "LDAP directory sync" not in result  # closed as not planned
