"""Learning the team's standard from its own decisions (issue 14): history extraction, the fit,
the pure application of the stored model, and its safeguards."""

from __future__ import annotations

import dataclasses
import functools
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import make_issue, rules_config
from pgserver import PgServer
from triagewise.learn import assess_history, cold_of, fit, learn, learned_inputs
from triagewise.model import Issue, StatusCategory
from triagewise.rules.history import Decision, decision_of, gather, label_level
from triagewise.rules.kind import Kind
from triagewise.rules.learned import DENSE, MODEL_FORMAT, LearnedModel, Target, bag_of
from triagewise.rules.triage import Bucket, LearnedInputs, Pin, assess
from triagewise.store import DatabaseUrl, Location, Store

NOW = datetime(2026, 12, 1, tzinfo=UTC)
SETS = Path(__file__).resolve().parents[1] / "bench" / "eval" / "real"
CONFIG = rules_config(
    """
[vision]
statement = "Beautiful apps from one codebase."
themes = { rendering = ["render", "impeller"], tooling = ["tool", "hot reload"] }

[[goals]]
id = "stability"
title = "Fewer crashes"
keywords = ["crash"]

[triage]
now_capacity = 5

[history]
min_decisions = 20
"""
)


@pytest.mark.parametrize(
    ("label", "level"),
    [
        ("P0", 4),
        ("P1", 3),
        ("p1-high", 3),
        ("P1 high", 3),
        ("P2: required", 2),
        ("P-critical", 4),
        ("P-low", 1),
        ("priority/important-soon", 3),
        ("priority/important-longterm", 2),
        ("priority/awaiting-more-evidence", 0),
        ("Priority: High", 3),
        ("Priority-Medium", 2),
        ("prio/low", 1),
        ("high priority", 3),
        ("P4: nice to have", 0),
        ("platform-android", None),
        ("performance", None),
        ("team-engine", None),
    ],
)
def test_priority_label_schemes(label: str, level: int | None) -> None:
    assert label_level(label, {}) == level


def test_decisions_from_closure_reasons_labels_and_jira_priority() -> None:
    closed = make_issue(
        1, state="closed (not_planned)", status_category=StatusCategory.DONE, closed_at=NOW
    )
    assert decision_of(closed, {}) == Decision("acme/app#1", None, True, "closed as not planned")
    jira = make_issue(2, resolution="Won't Do", status_category=StatusCategory.DONE)
    assert decision_of(jira, {}).never  # type: ignore[union-attr]
    assert decision_of(make_issue(3, labels=("wontfix",)), {}).never  # type: ignore[union-attr]
    assert decision_of(make_issue(4, priority="Highest"), {}).level == 4  # type: ignore[union-attr]
    assert decision_of(make_issue(5, priority="Medium"), {}) is None  # the default says nothing
    own = decision_of(make_issue(6, labels=("Sev-A",)), {"sev-a": 4})
    assert own is not None and own.level == 4 and own.high


@functools.cache
def _fitted() -> tuple[LearnedModel | None, object]:
    """One fit of the flutter history, shared by the tests that only read it."""
    return fit(gather(_real_history(), CONFIG, NOW), CONFIG, NOW)


@functools.cache
def _real_history_cached() -> tuple[Issue, ...]:
    return tuple(_build_real_history())


def _real_history() -> list[Issue]:
    return list(_real_history_cached())


def _build_real_history() -> list[Issue]:
    """The flutter set's issues with their maintainers' labels, won't-dos closed not planned."""
    data = json.loads((SETS / "flutter" / "issues.json").read_text())
    out = []
    for d in data:
        never = d["class"] == "never"
        out.append(
            make_issue(
                d["number"],
                ref=f"flutter/flutter#{d['number']}",
                title=d["title"],
                body=d["body"],
                labels=tuple(d["labels_all"]),
                state="closed (not_planned)" if never else "closed (completed)",
                status_category=StatusCategory.DONE,
                closed_at=NOW - timedelta(days=10),
                updated_at=NOW - timedelta(days=10),
            )
        )
    return out


def test_the_fit_is_deterministic_and_the_pure_model_agrees_with_scikit_learn() -> None:
    history = gather(_real_history(), CONFIG, NOW)
    assert len(history.examples) >= 60 and history.nevers >= 10 and history.highs >= 10
    first, report = fit(history, CONFIG, NOW)
    second, _ = fit(history, CONFIG, NOW)
    assert first is not None and second is not None
    assert json.dumps(first.to_json(), sort_keys=True) == json.dumps(
        second.to_json(), sort_keys=True
    )
    assert {t.name for t in report.targets} == {"high", "never"}
    # the JSON round trip and the pure arithmetic give scikit-learn's own decision values
    from sklearn.feature_extraction.text import TfidfVectorizer

    model = LearnedModel.from_json(json.loads(json.dumps(first.to_json())))
    cold = cold_of(history, CONFIG, NOW)
    # the words, labels and kind, and what the rules found: themes, anti-themes, goals
    bags = [bag_of(i, CONFIG) + list(cold[i.key].tokens) for i, _ in history.examples]
    assert any(t.startswith("goal:") for t in model.vocabulary)
    assert any(t.startswith("theme:") for t in model.vocabulary)
    vectorizer = TfidfVectorizer(analyzer=lambda b: b, min_df=2, sublinear_tf=True)
    matrix = vectorizer.fit_transform(bags)
    assert vectorizer.vocabulary_ == dict(model.vocabulary)
    target = model.targets["never"]
    assert model.dense == DENSE and len(target.coef) == len(model.vocabulary) + len(DENSE)
    for row, (bag, (issue, _)) in enumerate(zip(bags[:20], history.examples, strict=False)):
        theirs = matrix[row].toarray()[0]
        mine = model.vector(bag)
        assert all(abs(theirs[i] - v) < 1e-9 for i, v in mine.items())
        assert abs(sum(theirs) - sum(mine.values())) < 1e-9
        rules = cold[issue.key][0]
        assert len(rules) == len(DENSE) and all(0.0 <= v <= 1.0 for v in rules)
        margin = target.intercept + float(theirs @ target.coef[: len(theirs)])
        margin += sum(c * v for c, v in zip(target.coef[len(theirs) :], rules, strict=True))
        a, b = target.platt
        import math

        got = target.probability(model.features(bag, rules))
        assert abs(got - 1 / (1 + math.exp(-(a * margin + b)))) < 1e-9


def test_the_model_never_sees_owned_labels() -> None:
    issues = _real_history()
    relabelled = [
        i.model_copy(update={"labels": (*i.labels, "triage/never", "goal/stability")})
        for i in issues
    ]
    plain, _ = _fitted()
    owned, _ = fit(gather(relabelled, CONFIG, NOW), CONFIG, NOW)
    assert plain is not None and owned is not None
    assert plain.to_json() == owned.to_json()
    assert not any(t.startswith(("label:triage/", "label:goal/")) for t in plain.vocabulary)
    # and the decision labels it learns the answer from are not features either
    assert not any(t in plain.vocabulary for t in ("label:p0", "label:p1", "label:r: invalid"))


def test_a_tiny_history_falls_back_to_the_cold_rules_with_a_note() -> None:
    few = _real_history()[:8]
    model, report = fit(gather(few, CONFIG, NOW), CONFIG, NOW)
    assert model is None
    assert report.note.startswith("8 decisions in the tracker's history; the model needs at least")


def test_a_pinned_decision_stands_over_a_learned_never() -> None:
    history = gather(_real_history(), CONFIG, NOW)
    model, _ = _fitted()
    assert model is not None and model.targets["never"].trusted
    nevers = tuple(
        (i.ref, i.title, tuple(bag_of(i, CONFIG))) for i, d in history.examples if d.never
    )
    inputs = LearnedInputs(model, nevers)
    # open copies of the won't-dos: the model calls most of them never, a pin wins over it
    opened = [
        i.model_copy(update={"status_category": StatusCategory.TODO, "labels": ()})
        for i, d in history.examples
        if d.never
    ]
    result = {a.ref: a for a in assess(opened, CONFIG, NOW, learned=inputs)}
    learned = [a for a in result.values() if a.rule == "learned-never"]
    assert learned, "the model proposes never for issues like the team's won't-dos"
    reason = learned[0].reasons[0]
    assert reason.startswith("Never: like ") and "nearest: flutter/flutter#" in reason
    pinned_ref = learned[0].ref
    pins = {learned[0].issue.key: Pin(Bucket.NOW, "we do this one")}
    again = {a.ref: a for a in assess(opened, CONFIG, NOW, pins, learned=inputs)}
    assert again[pinned_ref].bucket is Bucket.NOW and again[pinned_ref].pinned


def test_learn_stores_the_model_and_assessments_use_it(db: Location) -> None:
    with Store.open(db) as store:
        store.upsert_issues([(i, {"number": 1}) for i in _real_history()], NOW)
        report = learn(store, CONFIG, NOW)
        assert report.decisions >= 60 and not report.note
        inputs = learned_inputs(store, CONFIG, NOW)
        assert inputs is not None and inputs.nevers
        again = learn(store, CONFIG, NOW)
        assert again == report  # same store, same model
        row = store.model("history")
        assert row is not None and row[2] == report.decisions


@pytest.mark.slow
def test_the_model_is_the_same_on_sqlite_and_postgresql(
    tmp_path: Path, pg_server: PgServer
) -> None:
    """One history, two backends: the stored model, its report and the ranking it gives are
    byte for byte the same (issue 14: "works the same on SQLite and PostgreSQL")."""
    stored: list[tuple[str | None, str]] = []
    rankings: list[list[tuple[str, str, float, tuple[str, ...]]]] = []
    url = DatabaseUrl.parse(pg_server.fresh_database(), "TRIAGEWISE_DATABASE_URL")
    for location in (tmp_path / "t.db", url):
        with Store.open(location) as store:
            store.upsert_issues([(i, {"number": 1}) for i in _real_history()], NOW)
            learn(store, CONFIG, NOW)
            row = store.model("history")
            assert row is not None and row[0] is not None
            stored.append((row[0], row[1]))
            inputs = learned_inputs(store, CONFIG, NOW)
            assert inputs is not None and inputs.nevers
            opened = [
                i.model_copy(update={"state": "open", "status_category": StatusCategory.TODO})
                for i in store.issues()
            ][:40]
            found = assess(opened, CONFIG, NOW, learned=inputs)
            assert len(found) == 40
            rankings.append(
                [(a.ref, a.bucket.value, a.score.value, tuple(a.reasons)) for a in found]
            )
    assert stored[0] == stored[1]
    assert rankings[0] == rankings[1]
    assert any("your team" in r for *_, reasons in rankings[0] for r in reasons)  # it was used


@pytest.mark.slow
def test_learn_and_report_on_the_command_line_with_stated_vs_revealed(
    tmp_path: Path, db: Location
) -> None:
    from click.testing import CliRunner

    from triagewise.cli import main

    history = _real_history()
    opened = [
        i.model_copy(
            update={
                "ref": f"flutter/flutter#{90000 + n}",
                "tracker_id": str(90000 + n),
                "status_category": StatusCategory.TODO,
                "state": "open",
                "labels": (),
            }
        )
        for n, i in enumerate(history[:30])
    ]
    config = tmp_path / "triagewise.toml"
    text = CONFIG_TEXT + '\n[[sources]]\nname = "app"\ntype = "github"\nrepo = "flutter/flutter"\n'
    config.write_text(text)
    with Store.open(db) as store:
        store.upsert_issues([(i, {"number": 1}) for i in [*history, *opened]], NOW)
    run = CliRunner()
    target = db.url if isinstance(db, DatabaseUrl) else str(db)  # --db takes a URL too
    args = ["--config", str(config), "--db", target]
    before = run.invoke(main, [*args, "report", "--json"])
    assert before.exit_code == 0, before.output
    assert "insights" not in json.loads(before.stdout)  # nothing learned yet
    fitted = run.invoke(main, [*args, "learn", "--json"])
    assert fitted.exit_code == 0, fitted.output
    got = json.loads(fitted.stdout)
    assert got["decisions"] >= 60 and {t["name"] for t in got["targets"]} == {"high", "never"}
    plain = run.invoke(main, [*args, "learn"])
    assert "held-out AUC" in plain.stdout and "for the cold rules" in plain.stdout
    after = json.loads(run.invoke(main, [*args, "report", "--json"]).stdout)
    assert set(after["insights"]) == {
        "goals",
        "anti_themes_done",
        "themes_without_work",
        "disagreements",
    }
    markdown = run.invoke(main, [*args, "report"]).stdout
    assert "## Stated vs revealed" in markdown


CONFIG_TEXT = """
[vision]
statement = "Beautiful apps from one codebase."
themes = { rendering = ["render", "impeller"], tooling = ["tool", "hot reload"], quiet = ["zzz"] }

[[goals]]
id = "stability"
title = "Fewer crashes"
weight = 3
keywords = ["crash"]

[triage]
now_capacity = 5

[history]
min_decisions = 20
"""


def test_stated_vs_revealed_names_quiet_themes_and_disagreements() -> None:
    from triagewise.report.insight import stated_vs_revealed

    config = rules_config(CONFIG_TEXT)
    history = gather(_real_history(), config, NOW)
    model, _ = fit(history, config, NOW)
    assert model is not None
    inputs = LearnedInputs(model, ())
    opened = [
        i.model_copy(update={"status_category": StatusCategory.TODO, "labels": ()})
        for i, _ in history.examples[:40]
    ]
    assessed = assess(opened, config, NOW, learned=inputs)
    cold = assess(opened, config, NOW)
    decided = {i.ref: d for i, d in history.examples}
    found = stated_vs_revealed(assessed, [(a, decided[a.ref]) for a in cold], config, NOW)
    assert "quiet" in found.themes_without_work
    assert "No issue touches the theme" in " ".join(found.sentences())
    for d in found.disagreements:
        assert abs(d.rules - d.learned) >= 25 and "change the config or decide it" in d.sentence


def test_goal_mapping_learns_from_issues_that_carry_a_goals_label() -> None:
    import numpy as np

    from triagewise.rules.goals import GoalMapper
    from triagewise.rules.vision import issue_text
    from triagewise.semantic.align import goal_neighbours

    config = rules_config(
        """
[[goals]]
id = "billing"
title = "Get paid on time"
labels = ["payments"]

[[goals]]
id = "speed"
title = "Fast boards"
labels = ["performance"]
"""
    )
    paid = make_issue(1, title="Send payment reminders", labels=("payments",))
    fast = make_issue(2, title="Board loads slowly", labels=("performance",))
    late = make_issue(3, title="My clients keep paying weeks late")
    vectors = {
        paid.key: np.array([1.0, 0.0, 0.0]),
        fast.key: np.array([0.0, 1.0, 0.0]),
        late.key: np.array([0.8, 0.3, 0.52]) / np.linalg.norm([0.8, 0.3, 0.52]),
    }
    found = goal_neighbours([late, paid], vectors, [paid, fast], vectors, config.goals)
    assert [g for g, *_ in found[late.key]] == ["billing"]  # only the nearest goal
    assert paid.key not in found  # its own label maps it; it is not its own neighbour
    match = GoalMapper(config.goals).map(late, issue_text(late), 0.3, (), found[late.key])
    assert [m.goal for m in match] == ["billing"]
    assert (
        "like acme/app#1 “Send payment reminders”, which carries its label" in match[0].reasons[0]
    )


def test_the_never_threshold_is_the_lowest_probability_right_four_times_in_five() -> None:
    import numpy as np

    from triagewise.held_out import never_threshold

    held = np.array([0.95, 0.9, 0.8, 0.7, 0.62, 0.58, 0.52, 0.3, 0.2, 0.1])
    never = np.array([1, 1, 1, 1, 0, 1, 0, 0, 1, 0])
    none = np.zeros(10, dtype=int)
    # at 0.55: 5 of 6 sent were won't-dos; at 0.50: 5 of 7 (< 4 in 5)
    assert never_threshold(held, never, none, 0.5) == 0.55
    # a high-priority issue at 0.8 held out: only above it may the model say never
    high = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0])
    assert never_threshold(held, never, high, 0.5) == 0.85
    # the floor (`[history] never_above`) is never undercut
    assert never_threshold(held, never, none, 0.7) == 0.7
    # never right often enough: no learned never at all
    assert never_threshold(held, 1 - never, none, 0.5) is None
    # a high-priority crash the rules protect anyway does not hold the threshold up
    protected = np.array([0, 0, 1, 0, 0, 0, 0, 0, 0, 0]) == 0
    assert never_threshold(held, never, high, 0.5, protected) == 0.55


def test_a_model_with_no_threshold_sends_nothing_to_never() -> None:
    model, _ = _fitted()
    assert model is not None and model.targets["never"].trusted
    history = gather(_real_history(), CONFIG, NOW)
    issues = [
        i.model_copy(update={"status_category": StatusCategory.TODO, "labels": ()})
        for i, d in history.examples
        if d.never
    ]
    with_limit = assess(issues, CONFIG, NOW, learned=LearnedInputs(model, ()))
    assert any(a.rule == "learned-never" for a in with_limit)
    never = dataclasses.replace(model.targets["never"], threshold=None)
    silent = dataclasses.replace(model, targets={**model.targets, "never": never})
    without = assess(issues, CONFIG, NOW, learned=LearnedInputs(silent, ()))
    assert not any(a.rule == "learned-never" for a in without)


def test_who_files_an_issue_is_a_feature_but_never_a_reason() -> None:
    from triagewise.rules.learned import describe_token, support_sentence, tokens

    issue = _real_history()[0].model_copy(update={"author": "FlutterGithubBot"})
    assert "author:fluttergithubbot" in tokens(issue, None, "none")
    assert describe_token("author:fluttergithubbot") == "filed by fluttergithubbot"
    model = LearnedModel(
        vocabulary={"author:fluttergithubbot": 0, "crash": 1},
        idf=(1.0, 1.0),
        targets={
            "high": Target("high", (2.0, 0.1), 0.0, (1.0, 0.0), 8, 20, 0.9, 0.6),
        },
        decisions=28,
        fitted_on=NOW.isoformat(),
        support={"author:fluttergithubbot": (8, 0, 9)},
    )
    # the model reads who filed it, but a reason (which may be posted on the reporter's own
    # issue) never singles a reporter out
    assert model.leading(["author:fluttergithubbot", "crash"], "high")[0] == (
        "author:fluttergithubbot"
    )
    assert support_sentence(model, ["author:fluttergithubbot", "crash"], "high") == ""


def test_the_model_learns_per_theme_and_goal_and_a_reason_can_name_them() -> None:
    from triagewise.rules.learned import describe_token, rule_tokens, support_sentence

    history = gather(_real_history(), CONFIG, NOW)
    model, _ = fit(history, CONFIG, NOW)
    assert model is not None
    # the rules' findings are the model's columns: the goal "stability" (keyword "crash") and
    # each theme with evidence in the history, with their counts of the team's decisions
    assert "goal:stability" in model.vocabulary and "goal:stability" in model.support
    assert any(t.startswith("theme:") for t in model.support)
    high, never, seen = model.support["goal:stability"]
    assert seen >= 3 and 0 <= high <= seen and 0 <= never <= seen
    assert describe_token("goal:stability") == "the goal 'stability'"
    assert describe_token("anti:plugins") == "the anti-theme 'plugins'"
    crash = next(a for a in assess_history(history, CONFIG, NOW) if a.goals)
    tokens = rule_tokens(crash.alignment, crash.goals)
    assert "goal:stability" in tokens and len(tokens) == len(set(tokens))
    lone = LearnedModel(
        vocabulary={"goal:stability": 0},
        idf=(1.0,),
        targets={"high": Target("high", (2.0,), 0.0, (1.0, 0.0), 14, 20, 0.9, 0.6)},
        decisions=34,
        fitted_on=NOW.isoformat(),
        support={"goal:stability": (14, 1, 17)},
    )
    assert support_sentence(lone, ["goal:stability"], "high") == (
        "issues with the goal 'stability' were high priority in 14 of 17 cases"
    )
    # the nearest won't-do is found on what both sides have: the stored issues' bags carry
    # no rules' findings, so this issue's do not dilute the similarity
    from triagewise.rules.learned import nearest

    pair = LearnedModel(
        vocabulary={"goal:stability": 0, "crash": 1},
        idf=(1.0, 1.0),
        targets=lone.targets,
        decisions=34,
        fitted_on=NOW.isoformat(),
    )
    near = nearest(pair, ["crash", "goal:stability"], [("acme/app#812", "Crash", ["crash"])])
    assert near is not None and near.similarity == pytest.approx(1.0)


def test_with_a_semantic_backend_the_model_reads_each_issues_vector() -> None:
    import math

    import numpy as np

    from triagewise.rules.vision import SemanticInputs

    history = gather(_real_history(), CONFIG, NOW)
    rng = np.random.default_rng(7)
    vectors = {}
    for issue, _ in history.examples:
        v = rng.normal(size=8)
        vectors[issue.key] = tuple(float(x) for x in v / np.linalg.norm(v))
    model, _ = fit(history, CONFIG, NOW, SemanticInputs(vectors=vectors))
    assert model is not None and model.embedding == 8
    again = LearnedModel.from_json(json.loads(json.dumps(model.to_json())))
    target = again.targets["high"]
    assert len(target.coef) == len(again.vocabulary) + len(DENSE) + 8
    issue = history.examples[0][0]
    bag = bag_of(issue, CONFIG)
    rules = (0.5, 0.2, 0.3, 0.0, 0.0, 0.1)
    plain = again.features(bag, rules)
    full = again.features(bag, rules, vectors[issue.key])
    extra = sum(
        target.coef[len(again.vocabulary) + len(DENSE) + j] * x
        for j, x in enumerate(vectors[issue.key])
    )

    def margin(vec: dict[int, float]) -> float:
        return target.intercept + sum(target.coef[i] * v for i, v in vec.items())

    assert abs(margin(full) - margin(plain) - extra) < 1e-9
    a, b = target.platt
    assert abs(target.probability(full) - 1 / (1 + math.exp(-(a * margin(full) + b)))) < 1e-9
    # a vector of the wrong length (another backend) is not read
    assert again.features(bag, rules, (0.1,) * 3) == plain
    # an issue without a vector in a lexical history: no embedding part
    lexical, _ = fit(history, CONFIG, NOW)
    assert lexical is not None and lexical.embedding == 0


def test_a_defect_needs_confident_evidence_before_a_learned_never() -> None:
    import numpy as np

    from triagewise.held_out import DEFECT_PRECISION, never_threshold

    held = np.linspace(0.95, 0.55, 9)
    never = np.ones(9, dtype=int)
    none = np.zeros(9, dtype=int)
    # 9 of 9 right is enough for a feature request, not for a bug: 9 of 9 is 0.76 sure
    assert never_threshold(held, never, none, 0.5) == 0.5
    assert never_threshold(held, never, none, 0.5, None, DEFECT_PRECISION, confident=True) is None
    many = np.linspace(0.95, 0.55, 40)
    assert never_threshold(many, np.ones(40, int), np.zeros(40, int), 0.5, None, 0.9, True) == 0.5


def test_bugs_and_the_rest_have_their_own_never_threshold() -> None:
    model, _ = _fitted()
    assert model is not None
    history = gather(_real_history(), CONFIG, NOW)
    opened = [
        i.model_copy(update={"status_category": StatusCategory.TODO, "labels": ()})
        for i, d in history.examples
        if d.never
    ]
    bug = [i.model_copy(update={"labels": ("type: bug",)}) for i in opened]
    never = dataclasses.replace(model.targets["never"], threshold=0.5, defect_threshold=None)
    both = dataclasses.replace(model, targets={**model.targets, "never": never})
    as_asked = assess(opened, CONFIG, NOW, learned=LearnedInputs(both, ()))
    as_bugs = assess(bug, CONFIG, NOW, learned=LearnedInputs(both, ()))
    assert any(a.rule == "learned-never" for a in as_asked if a.kind.kind is not Kind.BUG)
    assert all(a.kind.kind is Kind.BUG for a in as_bugs)
    assert not any(a.rule == "learned-never" for a in as_bugs)


def test_the_weight_is_the_share_that_ranked_the_history_best_held_out() -> None:
    import numpy as np

    from triagewise.held_out import blend_weight
    from triagewise.rules.triage import history_share

    good = Target("high", (), 0.0, (1.0, 0.0), 10, 10, 0.9, 0.6)
    bad = dataclasses.replace(good, cv_auc=0.5)  # not trusted: the rules did better
    high = np.array([1] * 6 + [0] * 6, dtype=bool)
    low = ~high
    # the rules put every high below every low; the model puts them above, by a little
    cold = np.array([0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9])
    learned = np.array([0.6, 0.62, 0.64, 0.66, 0.68, 0.7, 0.4, 0.42, 0.44, 0.46, 0.48, 0.5])
    nothing = np.zeros(12)
    helds = {"high": learned, "never": nothing}
    # the cold rules order these badly, the model well: all of the score goes to the model
    assert blend_weight({"high": good}, helds, cold, high, low) == 1.0
    # the model orders them as badly as the rules: a tie keeps the rules (share 0)
    assert blend_weight({"high": good}, {"high": cold}, cold, high, low) == 0.0
    # an untrusted part, or too few on a side, tells nothing
    assert blend_weight({"high": bad}, helds, cold, high, low) is None
    few = np.array([1, 1] + [0] * 10, dtype=bool)
    assert blend_weight({"high": good}, helds, cold, few, ~few) is None
    # the config's number wins over the fit's; "auto" takes the fit's, else a half
    model, _ = _fitted()
    assert model is not None
    fitted = dataclasses.replace(model, weight=0.75)
    assert history_share(CONFIG, fitted) == 0.75
    assert history_share(CONFIG, dataclasses.replace(model, weight=None)) == 0.5
    set_to = CONFIG.model_copy(
        update={"history": CONFIG.history.model_copy(update={"weight": 0.2})}
    )
    assert history_share(set_to, fitted) == 0.2


def test_assessing_reads_exactly_what_the_fit_read() -> None:
    """The columns scikit-learn fitted on (words, the rules' signals, the meaning vector, in
    that order) are the ones `assess` hands the stored model for each issue."""
    import numpy as np
    from scipy.sparse import csr_matrix, hstack
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from triagewise.learn import opened
    from triagewise.rules.reasons import learned_value
    from triagewise.rules.vision import SemanticInputs

    history = gather(_real_history(), CONFIG, NOW)
    issues = opened(history, CONFIG)
    rng = np.random.default_rng(3)
    vectors = {}
    for issue in issues:
        v = rng.normal(size=6)
        vectors[issue.key] = tuple(float(x) for x in v / np.linalg.norm(v))
    semantic = SemanticInputs(vectors=vectors)
    model, _ = fit(history, CONFIG, NOW, semantic)
    assert model is not None and model.embedding == 6
    cold = cold_of(history, CONFIG, NOW, semantic)
    # the fit's columns, rebuilt here: scikit-learn finds the same coefficients
    bags = [bag_of(i, CONFIG) + list(cold[i.key].tokens) for i, _ in history.examples]
    words = TfidfVectorizer(analyzer=lambda b: b, min_df=2, sublinear_tf=True).fit_transform(bags)
    rules = np.array([cold[i.key][0] for i, _ in history.examples])
    meaning = np.array([vectors[i.key] for i, _ in history.examples])
    matrix = hstack([words, csr_matrix(rules), csr_matrix(meaning)], format="csr")
    y = np.array([1 if d.high else 0 for _, d in history.examples])
    again = LogisticRegression(
        C=1.0, class_weight="balanced", solver="liblinear", random_state=0, max_iter=2000
    ).fit(matrix, y)
    assert np.allclose(again.coef_[0], model.targets["high"].coef, atol=1e-9)
    # and assess gives each issue the model's answer on those same columns
    result = assess(issues, CONFIG, NOW, semantic=semantic, learned=LearnedInputs(model, ()))
    assert len(result) == len(issues)
    for a in result:
        seen = cold[a.issue.key]
        p = model.predict(
            bag_of(a.issue, CONFIG) + list(seen.tokens), seen.signals, vectors[a.issue.key]
        )
        assert a.score.learned == pytest.approx(learned_value(p, model), abs=1e-12)


def test_a_model_fitted_with_another_backend_or_version_is_fitted_again(db: Location) -> None:
    from triagewise.learn import maybe_refit
    from triagewise.semantic.inputs import backend_id

    lexical = CONFIG.model_copy(
        update={"vision": CONFIG.vision.model_copy(update={"backend": "lexical"})}
    )
    with Store.open(db) as store:
        store.upsert_issues([(i, {"number": 1}) for i in _real_history()], NOW)
        learn(store, lexical, NOW)
        assert learned_inputs(store, lexical, NOW) is not None
        assert maybe_refit(store, lexical, NOW) is None  # current: nothing to do
        row = store.model("history")
        assert row is not None and row[0] is not None
        data = json.loads(row[0])
        assert data["backend"] == "lexical" and data["format"] == MODEL_FORMAT
        # an older version's model: not used, and the next sync fits it again; the one before
        # this format (no theme, anti-theme or goal tokens) and the first (no format at all)
        before = {**data, "format": MODEL_FORMAT - 1}
        first = {k: v for k, v in data.items() if k not in ("format", "backend", "dense")}
        for old in (before, first):
            store.save_model("history", json.dumps(old), row[1], row[2], NOW)
            assert learned_inputs(store, lexical, NOW) is None
            assert maybe_refit(store, lexical, NOW) is not None
            assert learned_inputs(store, lexical, NOW) is not None
        # the same store assessed with the semantic backend: the lexical model is not used
        if backend_id(CONFIG) != "lexical":
            semantic = CONFIG.model_copy(
                update={"vision": CONFIG.vision.model_copy(update={"backend": "semantic"})}
            )
            assert learned_inputs(store, semantic, NOW) is None
            assert maybe_refit(store, semantic, NOW) is not None
            again = store.model("history")
            assert again is not None and again[0] is not None
            assert json.loads(again[0])["backend"] == backend_id(semantic)
            assert learned_inputs(store, semantic, NOW) is not None


def test_a_jira_priority_a_person_set_is_not_read_from_the_history() -> None:
    from triagewise.rules.history import strip_decisions

    issue = _real_history()[0]
    for priority, kept in (("Highest", None), ("Low", None), ("Medium", "Medium")):
        seen = strip_decisions(issue.model_copy(update={"priority": priority}), CONFIG)
        assert seen.priority == kept
