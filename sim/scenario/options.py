"""Scenario sections for the options the source documents argue about: outsourcing to a
provider (with its quality, hand-offs and price), and AI assistance."""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field, model_validator

from sim.scenario.distributions import ZERO, Constant, Distribution
from sim.scenario.sections import Name, Section, Share
from sim.scenario.units import (
    ClockTime,
    Duration,
    Integer,
    Number,
    Weekday,
    format_clock,
    raise_issues,
)


class Takes(Section):
    """What the provider handles: contacts of these case types (all when empty), this share
    of them, and/or live calls beyond the in-house overflow threshold."""

    case_types: tuple[Name, ...] = ()
    share: Share = 1.0
    overflow_queue: Integer | None = Field(default=None, ge=1)
    overflow_wait: Duration | None = None


class Price(Section):
    """What the provider is paid: per contact handled, per paid provider hour, with a monthly
    minimum; minus a penalty per callback it makes late."""

    per_contact: Number = Field(default=0.0, ge=0)
    per_hour: Number = Field(default=0.0, ge=0)
    minimum_monthly: Number = Field(default=0.0, ge=0)
    penalty_per_late_callback: Number = Field(default=0.0, ge=0)


class Outsourcing(Section):
    """A subcontractor with its own advisors and hours, handling part of the work.

    Its talk times are the in-house ones times `talk_factor`; it resolves `first_contact_
    resolution` of its contacts itself and hands the others back in-house (after `handoff`,
    for `handoff_work` of in-house advisor time). A share `defect_rate` of its answers is
    wrong: detected after `detect_after`, the member is put right in-house (`remediation`
    minutes of advisor work, then the answer). Over `ramp_up` from `start`, talk factor and
    defect rate fall linearly from their initial values to the nominal ones.
    """

    takes: Takes = Takes()
    advisors: Integer = Field(ge=0, le=10_000)
    hours: tuple[ClockTime, ClockTime] | None = None
    days: tuple[Weekday, ...] | None = None
    talk_factor: Number = Field(default=1.0, gt=0, le=10)
    first_contact_resolution: Share = 1.0
    defect_rate: Share = 0.0
    detect_after: Distribution = Constant(dist="constant", value=timedelta(days=7))
    remediation: Distribution = Constant(dist="constant", value=timedelta(minutes=45))
    handoff: Distribution = Constant(dist="constant", value=timedelta(days=1))
    handoff_work: Distribution = ZERO
    start: date | None = None
    ramp_up: Duration = timedelta(0)
    initial_talk_factor: Number | None = Field(default=None, gt=0, le=10)
    initial_defect_rate: Share | None = None
    price: Price = Price()
    oversight_hours_per_month: Number = Field(default=0.0, ge=0)

    @model_validator(mode="after")
    def _hours(self) -> Outsourcing:
        if self.hours is not None and self.hours[1] <= self.hours[0]:
            raise_issues([("hours", f"close ({format_clock(self.hours[1])}) before they open "
                                    f"({format_clock(self.hours[0])})")])
        return self


class Ai(Section):
    """AI assistance: self-service answers a share of simple requests (some members come back
    after `return_after`), and assisted advisors talk `talk_factor` as long."""

    deflect_share: Share = 0.0
    deflect_case_types: tuple[Name, ...] = ()
    deflect_return_probability: Share = 0.0
    return_after: Distribution = Constant(dist="constant", value=timedelta(days=1))
    talk_factor: Number = Field(default=1.0, gt=0, le=5)
