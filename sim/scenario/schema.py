"""The Scenario: everything one simulated option needs, validated and frozen before it runs."""

from __future__ import annotations

import difflib
import math
import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import Field, field_serializer, field_validator, model_validator

from sim.glossary import KPIS
from sim.scenario.journeys import Backlog, BacklogItem, Callbacks, Escalation, Files
from sim.scenario.options import Ai, Outsourcing
from sim.scenario.sections import (
    Calendar,
    CaseType,
    Channel,
    Demand,
    Horizon,
    Meeting,
    Run,
    Section,
    Source,
    Staff,
    check_shares,
)
from sim.scenario.units import Number, format_clock, raise_issues
from sim.vocabulary import FILES_SOURCE, Resolution, Work

Op = Literal[">=", "<="]


class Target(Section):
    """A KPI threshold such as `callback_on_time_rate >= 0.95`."""

    op: Op
    value: Number

    def met(self, observed: float) -> bool:
        """Whether an observed KPI value meets the target."""
        return observed >= self.value if self.op == ">=" else observed <= self.value

    def __str__(self) -> str:
        return f"{self.op}{self.value:g}"


_TARGET = re.compile(r"\s*(>=|<=|=>|=<)\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)\s*(%?)\s*")
"""`>=0.95`, `<= 5%`, `=>0.9`: an operator, a number, an optional percent sign."""


def _parse_target(value: Any) -> Any:
    if isinstance(value, Target):
        return value
    if isinstance(value, dict):  # {op = ">=", value = 0.95}: the two keys, a finite number
        number = value.get("value")
        if (set(value) != {"op", "value"} or value["op"] not in (">=", "<=")
                or isinstance(number, bool) or not isinstance(number, int | float)
                or not math.isfinite(number)):
            raise ValueError("a target is a number, a string such as \">=0.95\" or "
                             "{op = \">=\", value = 0.95}")
        return dict(value)
    if isinstance(value, bool):
        raise ValueError("a target is a number or a string such as \">=0.95\"")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise ValueError("a target is a finite number")
        return {"op": "", "value": value}  # direction filled in from the KPI below
    if isinstance(value, str):
        match = _TARGET.fullmatch(value)
        if match is None:
            raise ValueError(f"cannot read target {value!r}; write e.g. \">=0.95\" or \"<=0.05\"")
        op = {"=>": ">=", "=<": "<="}.get(match.group(1), match.group(1))
        number = float(match.group(2)) / (100 if match.group(3) else 1)
        if not math.isfinite(number):
            raise ValueError(f"target {value!r} is not a finite number")
        return {"op": op, "value": number}
    raise ValueError("a target is a number or a string such as \">=0.95\"")



class Scenario(Section):
    """One option to simulate. Build it with `sim.load_scenario`; it cannot be changed afterwards
    (use `model_copy(update=...)` or `sim.scenario.with_overrides` for variants)."""

    name: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
    title: str = ""
    title_fr: str = ""
    description: str = ""
    description_fr: str = ""
    references: dict[str, str] = Field(default_factory=dict)
    """The documents cited in the comments: tag (e.g. "seed 004") -> what the document is."""
    horizon: Horizon
    calendar: Calendar = Calendar()
    sources: tuple[Source, ...] = Field(min_length=1)
    demand: Demand = Demand()
    labels: dict[str, dict[str, Annotated[Number, Field(ge=0, le=1)]]] = Field(default_factory=dict)
    case_types: tuple[CaseType, ...] = Field(min_length=1)
    channel: Channel = Channel()
    staff: Staff
    targets: dict[str, Target] = Field(default_factory=dict)
    run: Run = Run()
    callbacks: Callbacks = Callbacks()
    escalation: Escalation = Escalation()
    files: Files | None = None
    backlog: Backlog = Backlog()
    outsourcing: Outsourcing | None = None
    ai: Ai | None = None
    ranges: dict[str, tuple[float, float]] | None = None
    """How far a contested value could plausibly be: dotted key -> [low, high], read by
    `helpline sensitivity` (the key and the values are checked there against the scenario).
    None when the file has no `[ranges]`, so that a scenario without one keeps its
    fingerprint."""

    @field_validator("ranges")
    @classmethod
    def _ordered_ranges(cls, value: dict[str, tuple[float, float]] | None
                        ) -> dict[str, tuple[float, float]] | None:
        if value is None:
            return None
        raise_issues([(key, f"a range is [low, high] with low < high (got [{low:g}, "
                            f"{high:g}])") for key, (low, high) in value.items() if low >= high])
        return value

    @field_validator("sources")
    @classmethod
    def _unique_sources(cls, value: tuple[Source, ...]) -> tuple[Source, ...]:
        _unique([s.name for s in value], "source")
        return value

    @field_validator("case_types")
    @classmethod
    def _case_mix(cls, value: tuple[CaseType, ...]) -> tuple[CaseType, ...]:
        _unique([c.name for c in value], "case type")
        shares = check_shares({c.name: c.share for c in value}, "case type")
        return tuple(c.model_copy(update={"share": shares[c.name]}) for c in value)

    @field_validator("labels")
    @classmethod
    def _label_shares(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        issues = []
        out = {}
        for label, shares in value.items():
            if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", label):
                issues.append((label, "a label name uses a-z, 0-9, - and _"))
                continue
            try:
                out[label] = check_shares(shares, f"{label!r}")
            except ValueError as exc:
                issues.append((label, str(exc)))
        raise_issues(issues)
        return out

    @field_validator("targets", mode="before")
    @classmethod
    def _known_kpis(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        issues = []
        out = {}
        for kpi, spec in value.items():
            if kpi not in KPIS:
                close = difflib.get_close_matches(kpi, list(KPIS), n=1)
                issues.append((kpi, "unknown KPI" + (f"; did you mean {close[0]!r}?" if close
                                                     else "")))
                continue
            try:
                parsed = _parse_target(spec)
            except ValueError as exc:
                issues.append((kpi, str(exc)))
                continue
            if isinstance(parsed, dict) and parsed.get("op") == "":
                better = KPIS[kpi].better
                if better == "neutral":
                    issues.append((kpi, f"say which way: \">={spec}\" or \"<={spec}\""))
                    continue
                parsed = {**parsed, "op": ">=" if better == "higher" else "<="}
            if (KPIS[kpi].unit == "share" and isinstance(parsed, dict)
                    and not 0 <= parsed["value"] <= 1):
                issues.append((kpi, "a share is between 0 and 1; write e.g. \">=0.95\" or "
                                    "\">=95%\""))
                continue
            out[kpi] = Target.model_validate(parsed) if isinstance(parsed, dict) else parsed
        raise_issues(issues)
        return out

    @field_serializer("targets")
    def _write_targets(self, value: dict[str, Target]) -> dict[str, str]:
        return {kpi: f"{target.op}{target.value!r}" for kpi, target in value.items()}  # exact

    @model_validator(mode="after")
    def _cross_checks(self) -> Scenario:
        issues: list[tuple[str, str]] = []
        horizon = self.horizon
        for i, source in enumerate(self.sources, start=1):
            if source.start and source.start > horizon.end:
                issues.append((f"sources[{i}].start",
                               f"is after the horizon ends ({horizon.end})"))
            if source.end and source.end < horizon.start:
                issues.append((f"sources[{i}].end",
                               f"is before the horizon starts ({horizon.start})"))
        issues.extend(self._journey_checks())
        issues.extend(self._option_checks())
        open_start, open_end = self.calendar.open_hours
        for i, meeting in enumerate(self.staff.meetings, start=1):
            at = open_start if meeting.at is None else meeting.at
            end = at + meeting.duration.total_seconds() / 60
            if at < open_start or end > open_end:
                issues.append((f"staff.meetings[{i}]",
                               f"the meeting ({format_clock(at)}-{_clock_or_later(end)}) does "
                               f"not fit inside the open hours ({format_clock(open_start)}-"
                               f"{format_clock(open_end)})"))
        raise_issues(issues)
        return self


    def _journey_checks(self) -> list[tuple[str, str]]:
        """Every resolution has what it needs; references name things that exist."""
        issues = []
        needs = {
            Resolution.EXPERT: (self.escalation.experts, "[escalation.experts]"),
            Resolution.REGIONAL: (self.escalation.regional, "[escalation.regional]"),
            Resolution.FILE: (self.files, "[files]"),
        }
        for i, case in enumerate(self.case_types, start=1):
            section, label = needs.get(case.resolution, (True, ""))
            if section is None:
                issues.append((f"case_types[{i}].resolution",
                               f"{case.resolution.value!r} needs the {label} section"))
        names = [c.name for c in self.case_types]
        files = self.files
        if files is not None and files.volume is not None:
            if files.case_type is None and not any(
                    c.resolution == Resolution.FILE for c in self.case_types):
                issues.append(("files.case_type", "name the case type of files arriving "
                                                  "directly (no case type has resolution "
                                                  "\"file\")"))
            if any(s.name == FILES_SOURCE for s in self.sources):
                issues.append(("sources", f"the source name {FILES_SOURCE!r} is kept for files "
                                          "arriving directly"))
        if files is not None and files.case_type is not None and files.case_type not in names:
            issues.append(("files.case_type", f"no case type is named {files.case_type!r}"))
        direct_files = files is not None and files.volume is not None
        sources = [s.name for s in self.sources] + ([FILES_SOURCE] if direct_files else [])
        step_needs = {"expert": needs[Resolution.EXPERT], "regional": needs[Resolution.REGIONAL],
                      "file": needs[Resolution.FILE]}
        for i, item in enumerate(self.backlog.items, start=1):
            section, label = step_needs.get(item.step or "", (True, ""))
            if section is None:
                issues.append((f"backlog.items[{i}].step",
                               f"{item.step!r} needs the {label} section"))
            if item.case_type not in names:
                issues.append((f"backlog.items[{i}].case_type",
                               f"no case type is named {item.case_type!r}"))
            if item.source is not None and item.source not in sources:
                issues.append((f"backlog.items[{i}].source",
                               f"no source is named {item.source!r}"))
        headcount = self.staff.headcount
        if self.callbacks.reserved_advisors > headcount:
            issues.append(("callbacks.reserved_advisors",
                           f"more than the {headcount} advisors employed"))
        if (self.staff.days_per_week is not None
                and self.staff.days_per_week > len(self.calendar.open_days)):
            issues.append(("staff.days_per_week",
                           f"more than the {len(self.calendar.open_days)} open days a week"))
        return issues

    def _option_checks(self) -> list[tuple[str, str]]:
        """Groups, the provider and AI name sources and case types that exist."""
        issues = []
        cases = {c.name for c in self.case_types}
        sources = {s.name for s in self.sources} | {FILES_SOURCE}

        def known(path: str, names: tuple[str, ...], pool: set[str], what: str) -> None:
            for j, name in enumerate(names, start=1):
                if name not in pool:
                    issues.append((f"{path}[{j}]", f"no {what} is named {name!r}"))

        for i, source in enumerate(self.sources, start=1):
            known(f"sources[{i}].case_mix", tuple(source.case_mix or ()), cases, "case type")
        for i, group in enumerate(self.staff.groups, start=1):
            known(f"staff.groups[{i}].sources", group.sources, sources, "source")
            known(f"staff.groups[{i}].case_types", group.case_types, cases, "case type")
        if self.outsourcing is not None:
            known("outsourcing.takes.case_types", self.outsourcing.takes.case_types, cases,
                  "case type")
            if self.outsourcing.start and not (self.horizon.start <= self.outsourcing.start
                                               <= self.horizon.end):
                issues.append(("outsourcing.start", "is outside the horizon"))
        if self.ai is not None:
            known("ai.deflect_case_types", self.ai.deflect_case_types, cases, "case type")
        if self.staff.groups:
            done = {kind for group in self.staff.groups for kind in group.work}
            for kind in sorted(self.work_kinds() - done):
                issues.append(("staff.groups", f"no group does {kind!r}, which this scenario "
                                               "creates"))
        if self.staff.groups and self.callbacks.reserved_advisors:
            issues.append(("callbacks.reserved_advisors", "with [[staff.groups]], give a group "
                                                          "the callbacks work instead"))
        return issues

    def work_kinds(self) -> set[Work]:
        """Kinds of advisor work this scenario can create (calls, callbacks, research, files,
        remediation): the engine neither draws for nor polls the others."""
        resolutions = {c.resolution for c in self.case_types}
        steps = {item.step for item in self.backlog.items}
        kinds = {Work.CALLS} if self.channel.mode == "inbound" else set()
        if (self.channel.mode == "callback" or self.backlog.items
                or resolutions & {Resolution.CALLBACK, Resolution.EXPERT}):
            kinds.add(Work.CALLBACKS)
        if Resolution.CALLBACK in resolutions or "research" in steps:
            kinds.add(Work.RESEARCH)
        if self.files is not None:
            kinds.add(Work.FILES)
        provider = self.outsourcing
        if provider is not None and provider.first_contact_resolution < 1:
            kinds.add(Work.CALLBACKS)  # contacts handed back are called back in-house
        if provider is not None and (provider.defect_rate > 0
                                     or (provider.initial_defect_rate or 0) > 0):
            kinds.add(Work.REMEDIATION)
        return kinds

    # -- defaults that depend on another section (kept as None in the file, so a variant that
    # changes the other section changes them too; the engine asks here, never works them out)
    def deadline_of(self, case_type: CaseType) -> timedelta:
        """The callback deadline of a case type: its own, else `[callbacks] deadline`."""
        return case_type.deadline or self.callbacks.deadline

    def file_case_type(self) -> str:
        """The case type of files arriving directly: `[files] case_type`, else the first
        case type answered by a file."""
        if self.files is not None and self.files.case_type is not None:
            return self.files.case_type
        return next(c.name for c in self.case_types if c.resolution == Resolution.FILE)

    def backlog_step_of(self, item: BacklogItem) -> str:
        """Where an open item stands: its `step`, else by its case type's resolution (the
        expert, the regional office or the file; a callback otherwise)."""
        if item.step is not None:
            return item.step
        resolution = next(c.resolution for c in self.case_types if c.name == item.case_type)
        return {Resolution.EXPERT: "expert", Resolution.REGIONAL: "regional",
                Resolution.FILE: "file"}.get(resolution, "callback")

    def backlog_source_of(self, item: BacklogItem) -> str:
        """The source of an open item: its `source`, else the first source."""
        return item.source or self.sources[0].name

    def provider_hours(self) -> tuple[int, int]:
        """The provider's open hours: `[outsourcing] hours`, else the helpline's."""
        assert self.outsourcing is not None
        return self.outsourcing.hours or self.calendar.open_hours

    def provider_start(self) -> date:
        """When the provider starts (its ramp-up counts from then): `[outsourcing] start`,
        else the horizon's start."""
        assert self.outsourcing is not None
        return self.outsourcing.start or self.horizon.start

    def meeting_at(self, meeting: Meeting) -> int:
        """When a meeting starts in the day: its `at`, else when the lines open."""
        return self.calendar.open_hours[0] if meeting.at is None else meeting.at

    def deflectable(self) -> tuple[str, ...]:
        """Case types self-service may answer: `[ai] deflect_case_types`, else every case
        type answered at the first contact."""
        assert self.ai is not None
        return self.ai.deflect_case_types or tuple(
            c.name for c in self.case_types if c.resolution == Resolution.FIRST_CONTACT)


def _unique(names: list[str], what: str) -> None:
    seen = set()
    for name in names:
        if name in seen:
            raise ValueError(f"two {what}s are named {name!r}")
        seen.add(name)


def _clock_or_later(minute: float) -> str:
    return format_clock(int(minute)) if minute <= 1440 else "after midnight"
