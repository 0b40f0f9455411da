"""The sections of a scenario file (design note 6), one pydantic model each.

Every model is frozen and forbids unknown keys, so a misspelt key is an error rather than a silent
default. Defaults live here and nowhere else in the code.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from sim.scenario.distributions import ZERO, Constant, Distribution
from sim.scenario.units import (
    MONTHS,
    WEEKDAYS,
    ClockTime,
    Cv,
    Duration,
    Integer,
    Number,
    Weekday,
    format_clock,
    parse_month,
    parse_weekday,
    raise_issues,
)
from sim.vocabulary import WORK_KINDS, Resolution, Work

SHARE_TOLERANCE = 1e-3
"""Hand-written shares (0.56, 0.25, 0.19) may miss 1 by rounding; beyond this they are refused."""

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Share = Annotated[Number, Field(ge=0, le=1)]


class Section(BaseModel):
    """A frozen section that refuses unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def check_shares(shares: dict[str, float], what: str) -> dict[str, float]:
    """Refuse shares that do not sum to 1; return them normalised.

    Shares already summing to 1 up to float rounding are kept as they are, so that normalising
    twice changes nothing and a written-back scenario reads back equal.
    """
    total = sum(shares.values())
    if not shares:
        raise ValueError(f"no {what} shares given")
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ValueError(f"{what} shares sum to {total:g}, they must sum to 1")
    if abs(total - 1.0) <= 1e-9:
        return dict(shares)
    return {key: value / total for key, value in shares.items()}


def _weights(names: tuple[str, ...], what: str, read: Any, missing: float = 0.0) -> Any:
    """Accept weights as a list in order or a table by name; return a full tuple.

    `read` turns a key written by hand ("monday", "lundi", "janvier") into its short name;
    names not in the table weigh `missing`.
    """

    def parse(value: Any) -> Any:
        if isinstance(value, dict):
            table: dict[str, Any] = {}
            for key, weight in value.items():
                try:
                    name = read(key)
                except ValueError:
                    raise ValueError(f"unknown {what} {key!r}; use {', '.join(names)}") from None
                if name in table:
                    raise ValueError(f"{what} {name!r} is given twice")
                table[name] = weight
            return tuple(table.get(name, missing) for name in names)
        if isinstance(value, list | tuple) and len(value) != len(names):
            raise ValueError(f"give {len(names)} {what} weights ({', '.join(names)}), "
                             f"got {len(value)}")
        return value

    return parse


def _hour_weights(value: Any) -> Any:
    if isinstance(value, dict):
        out = [0.0] * 24
        for key, weight in value.items():
            text = str(key).strip()
            hour = text.split(":")[0].split("h")[0]
            if not hour.isdigit() or not 0 <= int(hour) <= 23:
                raise ValueError(f"hour {key!r} is not an hour of the day \"00\"..\"23\"")
            out[int(hour)] = weight
        return tuple(out)
    if isinstance(value, list | tuple) and len(value) != 24:
        raise ValueError(f"give 24 hour weights (00 to 23), got {len(value)}")
    return value


Weight = Annotated[Number, Field(ge=0)]


def _weekday_hour_weights(value: Any) -> Any:
    """A table of 24 hour weights per weekday (`mon = [...]`, `lundi = {"09" = 3}`)."""
    if not isinstance(value, dict):
        return value
    table: dict[str, Any] = {}
    for key, weights in value.items():
        try:
            day = parse_weekday(key)
        except ValueError:
            raise ValueError(f"unknown weekday {key!r}; use {', '.join(WEEKDAYS)}") from None
        if day in table:
            raise ValueError(f"weekday {day!r} is given twice")
        if isinstance(weights, list | tuple) and len(weights) not in (24, 48):
            raise ValueError(f"{day}: give 24 hour weights (00 to 23) or 48 half-hour "
                             f"weights, got {len(weights)}")
        try:
            half_hours = isinstance(weights, list | tuple) and len(weights) == 48
            table[day] = weights if half_hours else _hour_weights(weights)
        except ValueError as exc:
            raise ValueError(f"{day}: {exc}") from None
    return {day: table[day] for day in WEEKDAYS if day in table}


def _positive_weights(value: tuple[float, ...] | None) -> tuple[float, ...] | None:
    if value is not None and not any(w > 0 for w in value):
        raise ValueError("at least one weight must be positive")
    return value


FIRST_DATE, LAST_DATE = date(1900, 1, 1), date(2199, 12, 31)
"""The dates a horizon may span: the calendar reaches a year beyond the horizon (and back to the
oldest backlog item), and Python's dates stop at 9999."""


class Horizon(Section):
    """The simulated period: `start` and `end` dates (both included), and warm-up days."""

    start: date
    end: date
    warmup_days: Integer = Field(default=0, ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        issues = [(key, f"must lie between {FIRST_DATE} and {LAST_DATE}")
                  for key in ("start", "end")
                  if not FIRST_DATE <= getattr(self, key) <= LAST_DATE]
        raise_issues(issues)
        if self.end < self.start:
            raise_issues([("end", f"is before start ({self.start})")])
        if self.warmup_days >= self.days:
            raise_issues([("warmup_days", f"leaves nothing to measure in a {self.days}-day "
                                          "horizon")])
        return self

    @property
    def days(self) -> int:
        """Calendar days in the horizon."""
        return (self.end - self.start).days + 1


class Calendar(Section):
    """When the lines are open. 24/7 is all seven days and `["00:00", "24:00"]`."""

    open_days: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri")
    open_hours: tuple[ClockTime, ClockTime] = (9 * 60, 18 * 60)
    holidays: tuple[date, ...] = ()
    public_holidays: Literal["none", "fr"] = "none"

    @field_validator("open_hours")
    @classmethod
    def _close_after_open(cls, value: tuple[int, int]) -> tuple[int, int]:
        if value[1] <= value[0]:
            raise ValueError(f"the lines close ({format_clock(value[1])}) before they open "
                             f"({format_clock(value[0])})")
        return value

    @field_validator("open_days")
    @classmethod
    def _some_days(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("no open day")
        twice = sorted({day for day in value if value.count(day) > 1}, key=WEEKDAYS.index)
        if twice:
            verb = "is" if len(twice) == 1 else "are"
            raise ValueError(f"{', '.join(map(repr, twice))} {verb} listed twice")
        return tuple(day for day in WEEKDAYS if day in value)


class Volume(Section):
    """How many contacts a source sends: exactly one of the keys.

    `per_year` (365.25 days), `per_week`, `per_day` (per day with demand), `per_hour` (per hour
    with demand) set the plateau rate; `total` sets the expected contacts over the horizon,
    ramp-up and weights included.
    """

    per_year: Number | None = Field(default=None, gt=0)
    per_week: Number | None = Field(default=None, gt=0)
    per_day: Number | None = Field(default=None, gt=0)
    per_hour: Number | None = Field(default=None, gt=0)
    total: Number | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _exactly_one(self) -> Volume:
        given = [key for key, value in self.model_dump().items() if value is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of per_year, per_week, per_day, per_hour, total"
                             + (f" (got {', '.join(given)})" if given else ""))
        return self

    @property
    def unit(self) -> str:
        """Which key was given."""
        return next(k for k, v in self.model_dump().items() if v is not None)

    @property
    def amount(self) -> float:
        """The number given."""
        return float(getattr(self, self.unit))


class Source(Section):
    """Where contacts come from: a region, a federation, a service."""

    name: Name
    volume: Volume
    start: date | None = None
    end: date | None = None
    ramp_up: Duration = timedelta(0)
    volume_cv: Cv = Field(default=0.0, ge=0, le=5)
    case_mix: dict[str, Share] | None = None
    """This source's own case-type shares (default: the case types' `share`)."""

    @field_validator("case_mix")
    @classmethod
    def _mix_sums_to_one(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        return None if value is None else check_shares(value, "case-mix")

    @model_validator(mode="after")
    def _ordered(self) -> Source:
        if self.start and self.end and self.end < self.start:
            raise_issues([("end", f"is before start ({self.start})")])
        return self


class Demand(Section):
    """When contacts arrive within the week, the day and the year (weights are normalised)."""

    weekday_weights: Annotated[
        tuple[Weight, ...] | None, BeforeValidator(_weights(WEEKDAYS, "weekday", parse_weekday))
    ] = None
    hour_weights: Annotated[tuple[Weight, ...] | None, BeforeValidator(_hour_weights)] = None
    hour_weights_by_weekday: Annotated[
        dict[Weekday, tuple[Weight, ...]] | None, BeforeValidator(_weekday_hour_weights)
    ] = None
    """The shape of each weekday's demand (24 hourly or 48 half-hourly weights a day, normalised
    within the day); a weekday not named takes `hour_weights` (or the open hours).
    `weekday_weights` still shares the week's volume between the days."""
    month_weights: Annotated[  # months not named keep a weight of 1
        tuple[Weight, ...] | None,
        BeforeValidator(_weights(MONTHS, "month", parse_month, missing=1.0)),
    ] = None
    day_cv: Cv = Field(default=0.0, ge=0, le=5)
    volume_factor: Number = Field(default=1.0, gt=0, le=1000)
    """Multiplies the volume of every source (and of files arriving directly): one key to
    sweep demand up and down."""

    _positive = field_validator("weekday_weights", "hour_weights", "month_weights")(
        _positive_weights
    )

    @field_validator("hour_weights_by_weekday")
    @classmethod
    def _full_days(cls, value: dict[str, tuple[float, ...]] | None
                   ) -> dict[str, tuple[float, ...]] | None:
        for day, weights in (value or {}).items():
            if len(weights) not in (24, 48):
                raise ValueError(f"{day}: give 24 hour weights (00 to 23) or 48 half-hour "
                                 f"weights, got {len(weights)}")
            if not any(w > 0 for w in weights):
                raise ValueError(f"{day}: at least one weight must be positive")
        return value


class CaseType(Section):
    """A kind of request and how it is answered.

    `talk` is the first conversation (the live call, or the callback in callback mode); a
    `callback` case is then researched (`research`) and the member called back
    (`callback_talk`, by default like `talk`); `deadline` overrides `[callbacks] deadline`.
    """

    name: Name
    share: Share
    talk: Distribution
    wrap_up: Distribution = ZERO
    resolution: Resolution = Resolution.FIRST_CONTACT
    research: Distribution = ZERO
    callback_talk: Distribution | None = None
    deadline: Duration | None = None

    @field_validator("deadline")
    @classmethod
    def _positive_deadline(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value <= timedelta(0):
            raise ValueError("must be longer than 0")
        return value

    @property
    def answer_talk(self) -> Distribution:
        """The call bringing the answer back: `callback_talk`, else like `talk`."""
        return self.callback_talk or self.talk


class Retry(Section):
    """What a caller does after hanging up or finding the lines closed."""

    probability: Share = 0.0
    delay: Distribution = Constant(dist="constant", value=timedelta(minutes=30))
    max_attempts: Integer = Field(default=1, ge=1, le=50)


class Channel(Section):
    """How members reach the helpline."""

    mode: Literal["inbound", "callback"] = "inbound"
    patience: Distribution | None = None
    retry: Retry = Retry()
    service_level_threshold: Duration = timedelta(seconds=20)



class Shift(Section):
    """A group of advisors working the same hours on the same days; with `lunch`, they are off
    the lines for that part of the shift (a break inside it, unpaid or not, off the lines)."""

    name: Name
    advisors: Integer = Field(ge=0, le=10_000)
    days: tuple[Weekday, ...] | None = None
    start: ClockTime
    end: ClockTime
    lunch: tuple[ClockTime, ClockTime] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Shift:
        if self.end <= self.start:
            raise_issues([("end", f"is not after start ({format_clock(self.start)})")])
        if self.lunch is not None:
            begin, end = self.lunch
            if not self.start < begin < end < self.end:
                raise_issues([("lunch", "must be a break inside the shift, after its start and "
                                        f"before its end ({format_clock(begin)}-"
                                        f"{format_clock(end)})")])
        return self


class Meeting(Section):
    """A recurring meeting that takes advisors off the lines.

    `teams` splits the advisors into that many teams meeting at different times (a team meeting);
    `teams = 1` takes everybody off at once (an all-advisor meeting).
    """

    name: Name
    per_year: Number = Field(gt=0, le=366)
    duration: Duration
    teams: Integer = Field(default=1, ge=1)
    at: ClockTime | None = None

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value <= timedelta(0):
            raise ValueError("a meeting must last more than 0")
        return value


class Group(Section):
    """A group of in-house advisors serving given sources or case types (all when empty), for
    given kinds of work; its live calls may overflow to another group after a wait."""

    name: Name
    advisors: Integer = Field(ge=0, le=10_000)
    sources: tuple[Name, ...] = ()
    case_types: tuple[Name, ...] = ()
    work: tuple[Work, ...] = WORK_KINDS
    overflow_to: Name | None = None
    overflow_after: Duration = timedelta(minutes=2)


class Staff(Section):
    """Who answers: a fixed number of advisors on the open hours, shifts, or groups.

    With `days_per_week`, each advisor works only that many of the open days (a rota spread so
    every open day is covered as evenly as possible).
    """

    advisors: Integer | None = Field(default=None, ge=0, le=10_000)
    days_per_week: Integer | None = Field(default=None, ge=1, le=7)
    shifts: tuple[Shift, ...] = ()
    groups: tuple[Group, ...] = ()
    shrinkage: Number = Field(default=0.0, ge=0, lt=1)
    meetings: tuple[Meeting, ...] = ()
    cost_per_hour: Number = Field(default=0.0, ge=0)
    priorities: tuple[Work, ...] = WORK_KINDS

    @model_validator(mode="after")
    def _one_way(self) -> Staff:
        issues = []
        ways = sum([self.advisors is not None, bool(self.shifts), bool(self.groups)])
        if ways > 1:
            issues.append(("", "give advisors, [[staff.shifts]] or [[staff.groups]], "
                               "only one of them"))
        if ways == 0:
            issues.append(("", "give advisors = <number>, [[staff.shifts]] or [[staff.groups]]"))
        groups = [g.name for g in self.groups]
        for name in _repeated(groups):
            issues.append(("groups", f"two groups are named {name!r}"))
        for i, group in enumerate(self.groups, start=1):
            if group.overflow_to is not None and group.overflow_to not in groups:
                issues.append((f"groups[{i}].overflow_to", f"no group is named "
                                                            f"{group.overflow_to!r}"))
            if group.overflow_to == group.name:
                issues.append((f"groups[{i}].overflow_to", "a group cannot overflow to itself"))
        if self.days_per_week is not None and self.shifts:
            issues.append(("days_per_week", "applies to advisors = <number>; shifts name "
                                            "their own days"))
        for name in _repeated([shift.name for shift in self.shifts]):
            issues.append(("shifts", f"two shifts are named {name!r}"))
        for kind in _repeated(list(self.priorities)):
            issues.append(("priorities", f"'{kind}' is listed twice"))
        raise_issues(issues)
        return self

    def priority_order(self) -> list[Work]:
        """`priorities`, then the kinds of work it does not list, in the default order."""
        return list(self.priorities) + [k for k in WORK_KINDS if k not in self.priorities]

    @property
    def headcount(self) -> int:
        """Advisors employed (the sum over shifts)."""
        if self.advisors is not None:
            return self.advisors
        if self.groups:
            return sum(group.advisors for group in self.groups)
        return sum(shift.advisors for shift in self.shifts)


MAX_REPLICATIONS = 100_000
"""Replications of one run; the command line's `--replications` has the same bound."""


class Run(Section):
    """Default replications and seed (the command line may override them)."""

    replications: Integer = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: Integer = Field(default=1, ge=0, lt=2**63)


def _repeated(items: list[str]) -> list[str]:
    """The items given more than once, each once, in the order they first appear."""
    return list(dict.fromkeys(item for item in items if items.count(item) > 1))
