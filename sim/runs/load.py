"""The offered load of a scenario, in the terms of queueing theory: what an Erlang estimate needs.

Experiments ask here rather than in the engine (`sim.engine.arrivals` knows the demand profile,
`sim.engine.sampling` the mean of each distribution), so that nothing above the runs layer
imports the engine. Averages only: no replication is simulated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.engine.arrivals import expected_per_open_hour
from sim.engine.sampling import mean_minutes
from sim.scenario import Scenario
from sim.vocabulary import Resolution


@dataclass(frozen=True)
class OfferedLoad:
    """The average demand on advisors, per hour the lines are open."""

    per_hour: float
    """Contacts per open hour, over the horizon (0: no demand, or no open hour)."""
    talk_min: float
    """Mean advisor minutes of a first contact (talk and wrap-up), over the case mix."""
    follow_up_min: float
    """Mean advisor minutes after it per contact: research and the call back with the answer
    (callback and expert cases), and processing the files calls lead to."""
    patience_min: float | None
    """Mean patience of a caller (None: callers never hang up)."""


def offered_load(scenario: Scenario) -> OfferedLoad:
    """The scenario's offered load, from its demand profile and the means of its durations."""
    cases = scenario.case_types
    talk = sum(c.share * (mean_minutes(c.talk) + mean_minutes(c.wrap_up)) for c in cases)
    follow_up = sum(c.share * (mean_minutes(c.research) + mean_minutes(c.answer_talk))
                    for c in cases if c.resolution in (Resolution.CALLBACK, Resolution.EXPERT))
    if scenario.files is not None:
        follow_up += mean_minutes(scenario.files.process) * (scenario.files.from_calls or 0.0)
    patience = scenario.channel.patience
    return OfferedLoad(expected_per_open_hour(scenario), talk, follow_up,
                       mean_minutes(patience) if patience is not None else None)


__all__ = ["OfferedLoad", "offered_load"]
