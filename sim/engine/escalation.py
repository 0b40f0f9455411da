"""Escalation: contacts the advisor does not answer alone.

The **expert network** answers escalated questions; `capacity` experts work in parallel, each
escalation takes its drawn `response` time counted on the experts' clock (business hours by
default: an expert does not answer at night), and escalations beyond capacity wait first in,
first out. When an expert answers, an advisor calls the member back (`sim.engine.callbacks`).

A **regional office** takes a contact over and answers the member itself after its `response`
time, on its own clock; there is no capacity limit in the model (assumption: regional offices are
many and their own workload is outside the helpline's scope).
"""

from __future__ import annotations

from collections import deque

from sim.engine.calendar import Calendar
from sim.engine.events import Due, Environment
from sim.engine.journeys import Journeys
from sim.scenario.journeys import Experts, Regional


class ExpertNetwork:
    """Experts answering escalations, `capacity` at a time."""

    def __init__(self, env: Environment, spec: Experts, response: list[float],
                 calendar: Calendar, journeys: Journeys) -> None:
        self.env, self.spec, self.response = env, spec, response
        self.calendar, self.journeys = calendar, journeys
        self.busy = 0
        self.waiting: deque[int] = deque()

    def send(self, contact: int) -> None:
        """An escalation arrives."""
        if self.busy < self.spec.capacity:
            self._start(contact)
        else:
            self.waiting.append(contact)

    def _start(self, contact: int) -> None:
        self.busy += 1
        now = self.env.now
        done = self.calendar.after(now, self.response[contact], self.spec.clock)
        self.env.after(done - now, self._answered, contact)

    def _answered(self, event: Due) -> None:
        self.busy -= 1
        self.journeys.expert_answered(event.payload, self.env.now)
        if self.waiting:
            self._start(self.waiting.popleft())


class RegionalOffices:
    """Regional offices answering the contacts handed over to them."""

    def __init__(self, env: Environment, spec: Regional, response: list[float],
                 calendar: Calendar, journeys: Journeys) -> None:
        self.env, self.spec, self.response = env, spec, response
        self.calendar, self.journeys = calendar, journeys

    def send(self, contact: int) -> None:
        """A contact is handed over."""
        now = self.env.now
        done = self.calendar.after(now, self.response[contact], self.spec.clock)
        self.env.after(done - now, self._answered, contact)

    def _answered(self, event: Due) -> None:
        self.journeys.regional_answered(event.payload, self.env.now)
