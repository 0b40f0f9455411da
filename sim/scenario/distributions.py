"""How a duration varies from one member to the next, written the way planners speak.

`{dist = "lognormal", mean = "12min", cv = 0.6}` says "twelve minutes on average, give or take
60 %". A bare duration such as `"5min"` is a constant. These classes only describe a distribution
and know their mean (`expected()`); drawing values is `sim.engine.sampling`' job.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, model_validator

from sim.scenario.units import Cv, Duration, raise_issues


class _Spec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def expected(self) -> timedelta:  # pragma: no cover - every subclass overrides
        """The mean duration."""
        raise NotImplementedError


class Exponential(_Spec):
    """Memoryless: the model of Erlang's formulas."""

    dist: Literal["exponential"]
    mean: Duration

    def expected(self) -> timedelta:
        return self.mean

    @model_validator(mode="after")
    def _positive(self) -> Exponential:
        if self.mean <= timedelta(0):
            raise_issues([("mean", "must be greater than 0")])
        return self


class _MeanCv(_Spec):
    mean: Duration
    cv: Cv = Field(gt=0, le=20)

    def expected(self) -> timedelta:
        return self.mean

    @model_validator(mode="after")
    def _positive(self) -> _MeanCv:
        if self.mean <= timedelta(0):
            raise_issues([("mean", "must be greater than 0")])
        return self


class LogNormal(_MeanCv):
    """Right-skewed, by mean and coefficient of variation (sd / mean): typical of talk times."""

    dist: Literal["lognormal"]


class Gamma(_MeanCv):
    """By mean and coefficient of variation; cv = 1 is the exponential."""

    dist: Literal["gamma"]


class Constant(_Spec):
    """The same duration every time."""

    dist: Literal["constant"]
    value: Duration

    def expected(self) -> timedelta:
        return self.value


class Uniform(_Spec):
    """Anywhere between min and max, equally likely."""

    dist: Literal["uniform"]
    min: Duration
    max: Duration

    def expected(self) -> timedelta:
        return (self.min + self.max) / 2

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.max < self.min:
            raise_issues([("max", "must not be below min")])
        return self


class Triangular(_Spec):
    """Between min and max, most often near mode: for a guess with a best estimate."""

    dist: Literal["triangular"]
    min: Duration
    mode: Duration
    max: Duration

    def expected(self) -> timedelta:
        return (self.min + self.mode + self.max) / 3

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if self.max < self.min:
            raise_issues([("max", "must not be below min")])
        if not self.min <= self.mode <= self.max:
            raise_issues([("mode", "must lie between min and max")])
        if self.min == self.max:
            raise_issues([("max", "equals min: use {dist = \"constant\", value = ...}")])
        return self


class Empirical(_Spec):
    """Drawn with equal probability from observed values (for example a call-log sample)."""

    dist: Literal["empirical"]
    values: tuple[Duration, ...] = Field(min_length=1)

    def expected(self) -> timedelta:
        return sum(self.values, timedelta(0)) / len(self.values)


def _constant_shorthand(value: Any) -> Any:
    if isinstance(value, str) or (isinstance(value, int | float) and not isinstance(value, bool)):
        return {"dist": "constant", "value": value}  # a bare number then asks for a unit
    return value


Distribution = Annotated[
    Exponential | LogNormal | Gamma | Constant | Uniform | Triangular | Empirical,
    Discriminator("dist"),
    BeforeValidator(_constant_shorthand),
]
"""Any of the distributions above, chosen by its `dist` key."""

DIST_NAMES: tuple[str, ...] = tuple(
    get_args(member.model_fields["dist"].annotation)[0]
    for member in get_args(get_args(Distribution)[0]))
"""The `dist` names, in the order above."""

ZERO = Constant(dist="constant", value=timedelta(0))
"""No time at all (a default for optional steps)."""
