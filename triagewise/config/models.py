"""pydantic models of triagewise.toml. Unknown keys are errors; tokens never live here."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, PrivateAttr, field_validator, model_validator
from pydantic.fields import FieldInfo

from triagewise.config.history import HistoryConfig
from triagewise.config.serve import ServeConfig
from triagewise.config.store import StoreConfig
from triagewise.connectors.config import SourceConfig, Strict
from triagewise.connectors.registry import connector_for, on_change, source_union
from triagewise.pattern import compile_error

LABEL_MAX = 50  # GitHub's limit on a label name; Jira allows 255
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


FRAMEWORK_SLOTS: dict[str, tuple[str, ...]] = {
    "weighted": ("impact", "alignment", "demand", "urgency", "ease"),
    "rice": ("reach", "impact", "confidence", "effort"),
    "wsjf": ("value", "time_criticality", "opportunity", "job_size"),
    "ice": ("impact", "confidence", "ease"),
}


class VisionConfig(Strict):
    backend: Literal["lexical", "semantic", "auto"] = Field(
        default="auto", description="auto: semantic when onnxruntime and tokenizers import"
    )
    statement: str = ""
    themes: dict[str, list[str]] = Field(default_factory=dict)
    anti_themes: dict[str, list[str]] = Field(default_factory=dict)
    anti_phrases: list[str] = Field(
        default_factory=list,
        description='phrases that rule an issue out wherever they stand ("should be a plugin")',
    )


class GoalConfig(Strict):
    id: str
    title: str
    description: str = ""
    weight: float = Field(default=1.0, gt=0)
    period: str | None = None
    keywords: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    components: list[str] = Field(default_factory=list)
    types: list[str] = Field(default_factory=list)
    text: list[str] = Field(
        default_factory=list, description="regular expressions matched on title and body"
    )

    @field_validator("text")
    @classmethod
    def _regexes(cls, value: list[str]) -> list[str]:
        return [_regex(pattern) for pattern in value]

    @field_validator("id")
    @classmethod
    def _label_safe(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(
                f"goal id {value!r} is not a valid label: use lower-case letters, digits, "
                "'.', '_' or '-', starting with a letter or digit"
            )
        return value


def _regex(pattern: str) -> str:
    problem = compile_error(pattern)
    if problem is not None:
        raise ValueError(f"{pattern!r} is not a valid regular expression ({problem})")
    return pattern


Bucket = Literal["now", "later", "never"]
Framework = Literal["weighted", "rice", "wsjf", "ice"]
Signal = Literal[
    "goals",
    "alignment",
    "demand",
    "urgency",
    "ease",
    "effort",
    "reactions",
    "upvotes",
    "comments",
    "duplicates",
    "priority",
    "age",
]


class When(Strict):
    """Conditions of a forced rule; all given conditions must hold."""

    labels: list[str] = Field(default_factory=list, description="any of these labels")
    labels_all: list[str] = Field(default_factory=list, description="all of these labels")
    types: list[str] = Field(default_factory=list)
    priorities: list[str] = Field(default_factory=list)
    status: list[str] = Field(default_factory=list, description="status names or categories")
    sources: list[str] = Field(default_factory=list)
    goals: list[str] = Field(default_factory=list, description="maps to any of these goals")
    text: str | None = Field(default=None, description="regular expression on title and body")
    older_than_days: float | None = Field(default=None, ge=0)
    newer_than_days: float | None = Field(default=None, ge=0)
    idle_days_over: float | None = Field(default=None, ge=0, description="days since updated")
    reactions_at_least: int | None = Field(default=None, ge=0)
    reactions_below: int | None = Field(default=None, ge=0)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value)


class ForcedRule(Strict):
    name: str
    when: When
    bucket: Bucket
    reason: str


Component = Literal["impact", "alignment", "demand", "urgency", "ease"]
KindName = Literal["bug", "feature", "task", "docs", "question", "security"]
SeverityName = Literal["critical", "major", "minor"]


def _default_weights() -> dict[Component, float]:
    return {"impact": 3.0, "alignment": 2.0, "demand": 2.0, "urgency": 1.0, "ease": 1.0}


class TriageConfig(Strict):
    framework: Framework = "weighted"
    weights: dict[Component, float] = Field(
        default_factory=_default_weights,
        description="weighted framework: weight of each component",
    )
    inputs: dict[str, Signal] = Field(
        default_factory=dict, description="framework slot -> signal, e.g. reach = 'reactions'"
    )
    now_capacity: int | str = Field(default=15, description='issues, or "velocity"')
    now_points: float | None = Field(default=None, gt=0, description="capacity in story points")
    velocity_weeks: int = Field(default=4, ge=1)
    cycle_weeks: float = Field(default=2, gt=0)
    never_review_days: int = Field(default=90, ge=1)
    never_alignment_below: float = Field(default=0.15, ge=0, le=1)
    never_demand_below: float = Field(default=0.25, ge=0, le=1)
    anti_theme_threshold: float = Field(default=0.5, ge=0, le=1)
    min_goal_confidence: float = Field(default=0.3, ge=0, le=1)
    default_effort: float = Field(default=3, gt=0)
    rules: list[ForcedRule] = Field(default_factory=list)
    kinds: dict[str, KindName] = Field(
        default_factory=dict, description="label -> kind, beside the common label schemes"
    )
    severity: dict[SeverityName, list[str]] = Field(
        default_factory=dict, description="the team's own words for each severity level"
    )
    severity_defaults: bool = Field(
        default=True, description="use the built-in severity words (crash, data loss, ...)"
    )
    severity_lift: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="how far a severe defect's score is lifted towards the top (critical)",
    )
    needs_detail_below: int = Field(
        default=8, ge=0, description="an issue whose body has fewer words needs detail"
    )

    @field_validator("now_capacity")
    @classmethod
    def _capacity(cls, value: int | str) -> int | str:
        if (isinstance(value, int) and value < 0) or (
            isinstance(value, str) and value != "velocity"
        ):
            raise ValueError('now_capacity must be 0 or more, or "velocity"')
        return value

    @field_validator("weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in value.values()) or not any(w > 0 for w in value.values()):
            raise ValueError("weights must be 0 or more, and at least one above 0")
        return value


class NetworkConfig(Strict):
    attempts: int = Field(default=6, ge=1, le=20, description="tries per request")
    write_interval: float | None = Field(
        default=None,
        ge=0,
        description="seconds between two write requests; unset: each tracker's own rule "
        "(GitHub 1 s between mutation requests, Jira none)",
    )
    wait_budget: float = Field(
        default=300, ge=0, description="seconds one request may spend waiting on retries"
    )
    timeout: float = Field(default=30, gt=0, description="seconds before a request times out")


def _sources_field() -> Any:
    return list[source_union()]  # type: ignore[misc]


def _rebuild_sources() -> None:
    """A connector registered (or left): the config accepts exactly the registered types."""
    Config.model_fields["sources"] = FieldInfo.from_annotated_attribute(_sources_field(), [])
    Config.model_rebuild(force=True)


class WritebackConfig(Strict):
    label_prefix: str = "triage"
    goal_prefix: str = "goal"
    rank: bool = True
    comments: Literal["off", "never", "all"] = Field(
        default="off",
        description="one explanation comment per issue (never only, or all), edited in place",
    )
    record_decisions: bool = Field(
        default=True,
        description="a person's session decision gets triagewise's explanation comment (even "
        "with comments off), carrying a hidden record of it, so a fresh store restores it",
    )
    max_change_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="refuse a plan that relabels more than this share of already-labelled issues",
    )
    score_min_change: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="rewrite a board score only when it moved by this share of the value "
        "the board holds, or the issue's bucket or position moved",
    )
    quiet: bool = Field(
        default=False,
        description="Jira: label writes send no notifications (needs the Administer projects "
        "permission in every project written; without it the run stops with exit 3)",
    )
    max_writes: int | None = Field(
        default=None,
        ge=1,
        description="write at most this many changes a run, most important first; the next "
        "run continues (sync --max-writes overrides)",
    )
    bot_logins: list[str] = Field(
        default_factory=list,
        description="more identities that are triagewise (an App's bot, a previous token's "
        "login or Jira account id); their label changes are triagewise's own",
    )
    unknown_label_policy: Literal["adopt", "hold"] = Field(
        default="adopt",
        description="on a fresh store, owned labels with no history at all (an import): adopt "
        "them as triagewise's, or hold them as people's decisions",
    )

    _goal_ids: tuple[str, ...] = PrivateAttr(default=())  # the config's goals; set by Config

    @field_validator("label_prefix", "goal_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        if not _PREFIX.match(value):
            raise ValueError(f"prefix {value!r} may hold only letters, digits, '.', '_' or '-'")
        return value

    def bucket_label(self, bucket: str) -> str:
        return f"{self.label_prefix}/{bucket}"

    def goal_label(self, goal_id: str) -> str:
        return f"{self.goal_prefix}/{goal_id}"

    def owned_names(self) -> frozenset[str]:
        """Exactly the labels triagewise owns, lower-cased (tracker labels match case-
        insensitively): `<label_prefix>/now|later|never` and `<goal_prefix>/<goal id>` for
        each configured goal. Any other label under those prefixes belongs to a person."""
        return frozenset(
            [self.bucket_label(b).lower() for b in ("now", "later", "never")]
            + [self.goal_label(g).lower() for g in self._goal_ids]
        )

    def with_goals(self, goal_ids: tuple[str, ...]) -> WritebackConfig:
        """This writeback config, owning the goal labels of these goals."""
        self._goal_ids = tuple(goal_ids)
        return self


class TeamConfig(Strict):
    me: str | None = Field(
        default=None,
        description="who decides in a triage session on this machine (else $TRIAGEWISE_USER, "
        "else the OS user)",
    )


class Config(Strict):
    vision: VisionConfig = Field(default_factory=VisionConfig)
    goals: list[GoalConfig] = Field(default_factory=list)
    triage: TriageConfig = Field(default_factory=TriageConfig)
    sources: list[SourceConfig] = Field(default_factory=list)  # the registry's union: below
    writeback: WritebackConfig = Field(default_factory=WritebackConfig)
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    history: HistoryConfig = Field(default_factory=HistoryConfig)
    store: StoreConfig = Field(default_factory=StoreConfig)
    team: TeamConfig = Field(default_factory=TeamConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)

    @model_validator(mode="after")
    def _own_goal_labels(self) -> Config:
        self.writeback.with_goals(tuple(g.id for g in self.goals))
        return self

    def cross_problems(self) -> list[tuple[tuple[str | int, ...], str]]:
        """Problems that span several entries, each with the location of the later entry."""
        problems: list[tuple[tuple[str | int, ...], str]] = []
        seen: set[str] = set()
        for i, source in enumerate(self.sources):
            if source.name in seen:
                problems.append(
                    (("sources", i, "name"), f"source name {source.name!r} is used twice")
                )
            seen.add(source.name)
        mirrored: dict[str, str] = {}
        for i, source in enumerate(self.sources):
            what = connector_for(source).mirrors(source)
            if what in mirrored:
                problems.append(
                    (
                        ("sources", i),
                        f"sources {mirrored[what]!r} and {source.name!r} both mirror {what}; "
                        "an issue has one source, so keep one of them",
                    )
                )
            mirrored.setdefault(what, source.name)
        ids: set[str] = set()
        for i, goal in enumerate(self.goals):
            if goal.id in ids:
                problems.append((("goals", i, "id"), f"goal id {goal.id!r} is used twice"))
            ids.add(goal.id)
            label = f"{self.writeback.goal_prefix}/{goal.id}"
            if len(label) > LABEL_MAX:
                problems.append(
                    (
                        ("goals", i, "id"),
                        f"the label {label!r} is longer than {LABEL_MAX} characters",
                    )
                )
        wb = self.writeback
        if wb.label_prefix.lower() == wb.goal_prefix.lower():
            problems.append(
                (
                    ("writeback", "goal_prefix"),
                    f"the goal prefix {wb.goal_prefix!r} is the label prefix too: a goal id "
                    "'now', 'later' or 'never' would be a bucket label; choose two prefixes",
                )
            )
        longest = max((wb.bucket_label(b) for b in ("now", "later", "never")), key=len)
        if len(longest) > LABEL_MAX:
            problems.append(
                (
                    ("writeback", "label_prefix"),
                    f"the label {longest!r} is longer than GitHub's {LABEL_MAX} characters; "
                    f"shorten writeback.label_prefix",
                )
            )
        for i, rule in enumerate(self.triage.rules):
            for goal_id in rule.when.goals:
                if goal_id not in ids:
                    problems.append(
                        (("triage", "rules", i, "when", "goals"), f"unknown goal id {goal_id!r}")
                    )
        names = {s.name for s in self.sources}
        for i, rule in enumerate(self.triage.rules):
            for name in rule.when.sources:
                if names and name not in names:
                    problems.append(
                        (("triage", "rules", i, "when", "sources"), f"unknown source {name!r}")
                    )
        slots = FRAMEWORK_SLOTS[self.triage.framework]
        for slot in self.triage.inputs:
            if slot not in slots:
                problems.append(
                    (
                        ("triage", "inputs", slot),
                        f"{self.triage.framework} has no input {slot!r}; "
                        f"it takes {', '.join(slots)}",
                    )
                )
        return problems

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(name)


_rebuild_sources()
on_change(_rebuild_sources)
