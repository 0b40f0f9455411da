"""Scenario sections for what happens after the first contact: callbacks owed within a deadline,
escalation to experts and regional offices, back-office files, and the backlog a run starts from.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.distributions import ZERO, Constant, Distribution
from sim.scenario.sections import Name, Section, Share, Volume
from sim.scenario.units import Duration, Integer, Number, raise_issues

Clock = Literal["calendar", "business", "open-days"]
"""How a deadline or a response time is counted: every hour, open hours only, or every hour of
the open days (weekends and holidays excluded)."""



class Callbacks(Section):
    """Calling members back: within a deadline, when the lines are open, until reached."""

    deadline: Duration = timedelta(hours=72)
    clock: Clock = "calendar"
    prepare: Distribution = ZERO
    reach_probability: Share = 1.0
    retry_after: Distribution = Constant(dist="constant", value=timedelta(hours=2))
    max_attempts: Integer = Field(default=3, ge=1, le=50)
    no_answer: Distribution = Constant(dist="constant", value=timedelta(minutes=2))
    order: Literal["earliest-deadline", "fifo"] = "earliest-deadline"
    reserved_advisors: Integer = Field(default=0, ge=0, le=10_000)

    @model_validator(mode="after")
    def _positive_deadline(self) -> Callbacks:
        if self.deadline <= timedelta(0):
            raise_issues([("deadline", "must be longer than 0")])
        return self


class Experts(Section):
    """The expert network: `capacity` experts answer escalations in parallel."""

    capacity: Integer = Field(default=1, ge=1, le=10_000)
    response: Distribution
    clock: Clock = "business"
    cost_per_case: Number = Field(default=0.0, ge=0)


class Regional(Section):
    """Regional offices taking a contact over; they answer the member themselves."""

    response: Distribution
    clock: Clock = "business"


class Escalation(Section):
    """Where advisors send the contacts they do not answer themselves."""

    experts: Experts | None = None
    regional: Regional | None = None


class Files(Section):
    """Back-office files (social-aid requests): processed by advisors, sometimes waiting for
    documents from the member."""

    volume: Volume | None = None
    case_type: Name | None = None
    from_calls: Share = 0.0
    process: Distribution
    incomplete_probability: Share = 0.0
    request: Distribution = ZERO
    member_response: Distribution = Constant(dist="constant", value=timedelta(days=7))
    resume: Distribution | None = None
    wrongful_request_probability: Share = 0.0
    deadline: Duration = timedelta(days=30)
    clock: Clock = "calendar"

    @property
    def resume_time(self) -> Distribution:
        """Advisor time to finish a file once documents are in: `resume`, else `process`."""
        return self.resume or self.process


BacklogStep = Literal["callback", "research", "expert", "regional", "file"]
"""The labels of `sim.vocabulary.BACKLOG_STEPS` (`tests/test_layers.py` checks they agree)."""


class BacklogItem(Section):
    """`count` contacts of a case type already open when the run starts, `age` old."""

    case_type: Name
    count: Integer = Field(ge=0, le=10_000_000)
    age: Duration = timedelta(0)
    step: BacklogStep | None = None
    source: Name | None = None



class Backlog(Section):
    """Open work at the start of the horizon: items by hand, or read from a CSV of open items
    (aggregated by case type, source, step and age when the scenario is loaded)."""

    items: tuple[BacklogItem, ...] = ()
