"""Member journeys: where each request stands, and what happens after the first contact.

The first contact is the live call (inbound mode) or the first callback that reaches the member
(callback mode). Then, by the case type's resolution:

| resolution | after the first contact |
|---|---|
| first-contact | answered during that conversation |
| callback | an advisor researches, then calls back with the answer |
| expert | escalated to the expert network; when the expert answers, an advisor calls back |
| regional | handed over; the regional office answers the member after its response time |
| file | a back-office file is opened; the member is answered when it is closed |

A callback is owed within the case type's deadline, counted from the request on the callbacks'
clock: the first callback in callback mode, the callback bringing the answer (or the regional
office's answer) in inbound mode. Every step is logged with its start and end (`steps` table),
so end-to-end resolution time can be attributed, and backlogs counted at any time.

Each kind of work on a contact goes to a **team** (`sim.engine.teams`): the in-house advisors or a
group, or the provider. What a provider does differently (wrong answers put right in-house,
contacts handed back) is in `sim.engine.provider`; members answered by self-service (AI) never reach
an advisor unless they come back.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from heapq import heappush
from typing import Any, Protocol

import numpy as np
from simpy.events import NORMAL

from sim.engine.contacts import RESOLUTIONS, STEPS, Contacts
from sim.engine.events import Due, Environment
from sim.engine.records import ContactOutcome, Recorder

FIRST_CONTACT, CALLBACK, EXPERT, REGIONAL, FILE = (
    RESOLUTIONS.index(r) for r in ("first-contact", "callback", "expert", "regional", "file"))
STEP_NAMES = ["research", "expert", "regional", "callback", "file", "documents", "remediation",
              "handoff", "self-service"]
(RESEARCH_STEP, EXPERT_STEP, REGIONAL_STEP, CALLBACK_STEP, FILE_STEP, DOCUMENTS_STEP,
 REMEDIATION_STEP, HANDOFF_STEP, SELF_SERVICE_STEP) = range(len(STEP_NAMES))
OPEN = int(ContactOutcome.OPEN)
ANSWERED = int(ContactOutcome.ANSWERED)
CALL_ARRIVAL, REQUEST_ARRIVAL, FILE_ARRIVAL, BACKLOG_ARRIVAL = range(4)
"""How a contact arrives: a call, a callback request, a file, an item of the starting backlog."""
WORK = ("calls", "callbacks", "research", "files", "remediation")
"""Kinds of work a contact is routed for (see `sim.engine.teams.routes`)."""


# The ports the channel modules offer to journeys (structural types, to keep imports one-way).


class CallbackPort(Protocol):
    def owe(self, contact: int, *, answer: bool, now: float | None = None,
            talk: float | None = None) -> None: ...
    def intake(self, contact: int, now: float) -> None: ...


class TaskPort(Protocol):
    def add(self, contact: int, minutes: float, then: Callable[[int], None] | None,
            key: float | None = None) -> None: ...


class EscalationPort(Protocol):
    def send(self, contact: int) -> None: ...


class FilePort(Protocol):
    def open(self, contact: int, now: float, since: float | None = None,
             extra: float = 0.0) -> None: ...


class CallPort(Protocol):
    def ring(self, contact: int, attempt: int, now: float) -> None: ...


class TeamPort(Protocol):
    """What journeys needs of a team: its queues (None when the team does not do that)."""

    name: str
    is_provider: bool
    research_minutes: list[float] | None
    line: CallPort | None
    callbacks: CallbackPort | None
    research: TaskPort | None
    files: FilePort | None
    remediation: TaskPort | None


class QualityPort(Protocol):
    def answered(self, contact: int, at: float) -> bool: ...
    def hands_back(self, contact: int) -> bool: ...
    def hand_back(self, contact: int, now: float) -> None: ...
    def file_handoff(self, contact: int, now: float) -> None: ...


class Journeys:
    """The state of every contact of one replication, and the routing between steps.

    The teams, the escalation channels and the provider's quality rules are attached after
    construction; each calls back here when its step is done.
    """

    def __init__(self, env: Environment, contacts: Contacts, resolution_of_case: list[int],
                 arrival_kind: list[int], recorder: Recorder) -> None:
        n = len(contacts)
        self.env = env
        self.contacts = contacts
        self.arrived: list[float] = contacts.arrived.tolist()
        self.arrival_kind = arrival_kind
        self.resolution: list[int] = np.asarray(resolution_of_case)[contacts.case_type].tolist()
        self.opens_file: list[bool] = contacts.opens_file.tolist()
        self.outcome = [OPEN] * n
        self.answered_at = [math.nan] * n
        self.first_reached = [math.nan] * n  # the first conversation with an advisor
        self.owed_since = [math.nan] * n  # a callback (or regional answer) is owed since
        self.deadline_at = [math.nan] * n
        self.reached_at = [math.nan] * n  # the owed callback reached the member
        self.callback_attempts = [0] * n
        self.attempts = [0] * n  # call attempts
        self._steps = recorder.steps
        self._open_steps: dict[tuple[int, int], int] = {}
        # attached by the model
        self.teams: list[TeamPort] = []
        self.team_for: dict[str, list[int]] = {}  # kind of work -> team of each contact
        self.first_team: list[int] = []  # the team that had (or will have) the first contact
        self.experts: EscalationPort | None = None
        self.regional: EscalationPort | None = None
        self.quality: QualityPort | None = None
        self.clock_deadline: Callable[[int], float] | None = None
        self.callback_mode = False
        self.deflected: list[bool] = [False] * n
        self.returns: list[bool] = [False] * n
        self.return_after: list[float] = [0.0] * n

    def team(self, kind: str, contact: int) -> TeamPort:
        """The team doing that kind of work for that contact."""
        return self.teams[self.team_for[kind][contact]]

    def to_provider(self, contact: int, provider: int) -> None:
        """A live call overflowed to the provider: its contact work follows it there."""
        self.reroute(contact, provider)
        self.first_team[contact] = provider

    def reroute(self, contact: int, team: int) -> None:
        """The contact's calls, callbacks and research go to `team` from now on."""
        for kind in ("calls", "callbacks", "research"):
            self.team_for[kind][contact] = team

    def route(self, team_for: dict[str, list[int]]) -> None:
        """Set each contact's team for each kind of work; the team of the first contact is
        kept as it is now (a contact handed back later still counts as the provider's)."""
        self.team_for = team_for
        self.first_team = list(team_for["callbacks" if self.callback_mode else "calls"])

    # -- arrivals ----------------------------------------------------------------------------
    def start(self) -> None:
        """Take up the starting backlog at once, and schedule the first new arrival; each
        arrival schedules the next (one event at a time)."""
        backlog = int(np.count_nonzero(self.contacts.backlog_step >= 0))  # they come first
        self._rings = [t.line.ring if t.line is not None else None for t in self.teams]
        self._call_team = self.team_for["calls"]
        self._last = len(self.arrived)
        self._calendar, self._eid = self.env._queue, self.env._eid
        if backlog:
            self.env.at(0.0, Due(self._take_up_backlog, backlog))
        # the common case gets the short path: every new contact a call to one line
        teams = set(self._call_team[backlog:])
        if (not any(self.deflected) and len(teams) == 1
                and self.arrival_kind[backlog:].count(CALL_ARRIVAL) == self._last - backlog):
            self._ring = self._rings[teams.pop()]
            self._next = self._call
        else:
            self._next = self._arrive
        if backlog < self._last:
            self.env.at(self.arrived[backlog], Due(self._next, backlog))

    def _call(self, event: Any) -> None:
        """An arrival when every contact is a call to the same line (`_arrive`, shortened)."""
        contact = event._value
        arrived = self.arrived
        nxt = contact + 1
        if nxt < self._last:  # `env.at` without the call: arrivals are in time order
            heappush(self._calendar, (arrived[nxt], NORMAL, next(self._eid), Due(self._call, nxt)))
        self._ring(contact, 0, arrived[contact])  # type: ignore[misc]

    def _take_up_backlog(self, event: Any) -> None:
        for contact in range(event._value):
            self._from_backlog(contact)

    def _arrive(self, event: Any) -> None:
        contact = event._value
        arrived = self.arrived
        now = arrived[contact]  # == env.now: arrivals are scheduled at their exact time
        nxt = contact + 1
        if nxt < self._last:
            self.env.at(arrived[nxt], Due(self._arrive, nxt))
        if self.deflected[contact]:
            self._self_service(contact, now)
        elif self.arrival_kind[contact] == CALL_ARRIVAL:  # the common case, kept short
            self._rings[self._call_team[contact]](contact, 0, now)
        else:
            self._enter(contact, now)

    def _enter(self, contact: int, now: float) -> None:
        kind = self.arrival_kind[contact]
        if kind == CALL_ARRIVAL:
            self._rings[self._call_team[contact]](contact, 0, now)  # type: ignore[misc]
        elif kind == REQUEST_ARRIVAL:
            self.team("callbacks", contact).callbacks.intake(  # type: ignore[union-attr]
                contact, now)
        elif kind == FILE_ARRIVAL:
            self.team("files", contact).files.open(contact, now)  # type: ignore[union-attr]

    def _self_service(self, contact: int, now: float) -> None:
        """Answered by self-service (AI); some members come back later all the same."""
        self.begin(contact, SELF_SERVICE_STEP, now)
        if self.returns[contact]:
            self.env.at(now + self.return_after[contact], Due(self._come_back, contact))
        else:
            self.end(contact, SELF_SERVICE_STEP, now)
            self.close(contact, ContactOutcome.DEFLECTED)

    def _come_back(self, event: Any) -> None:
        contact = event._value
        self.end(contact, SELF_SERVICE_STEP, self.env.now)
        self._enter(contact, self.env.now)

    def _from_backlog(self, contact: int) -> None:
        """An item open when the run starts picks up at its step."""
        now = self.env.now
        step = STEPS[int(self.contacts.backlog_step[contact])]
        if step == "callback":
            self.owe_callback(contact, now)
            # in callback mode the member has not been called yet: this is the first call
            self.team("callbacks", contact).callbacks.owe(  # type: ignore[union-attr]
                contact, answer=not self.callback_mode)
        elif step == "research":
            self.owe_callback(contact, now)
            self.start_research(contact, now)
        elif step == "expert":
            self.owe_callback(contact, now)
            self.escalate(contact, now)
        elif step == "regional":
            self.hand_over(contact, now)
        else:  # a file opened before the run: its deadline counts from then
            self.team("files", contact).files.open(  # type: ignore[union-attr]
                contact, now, since=self.arrived[contact])

    # -- steps -------------------------------------------------------------------------------
    def begin(self, contact: int, step: int, at: float) -> None:
        """A step of a contact starts."""
        self._open_steps[(contact, step)] = len(self._steps)
        self._steps.append([contact, step, at, math.nan])

    def end(self, contact: int, step: int, at: float) -> None:
        """A step of a contact ends."""
        index = self._open_steps.pop((contact, step), None)
        if index is not None:
            self._steps[index][3] = at

    # -- outcomes ----------------------------------------------------------------------------
    def answered(self, contact: int, at: float, by_provider: bool = False) -> None:
        """The answer reached the member (unless the provider's answer is wrong: then it is
        put right later, in-house)."""
        if by_provider and self.quality is not None and not self.quality.answered(contact, at):
            return
        self.outcome[contact] = ANSWERED
        self.answered_at[contact] = at

    def close(self, contact: int, outcome: ContactOutcome) -> None:
        """The contact ends without an answer."""
        self.outcome[contact] = int(outcome)

    def owe_callback(self, contact: int, since: float) -> None:
        """From now on a callback is owed, within the contact's deadline from its request."""
        if math.isnan(self.owed_since[contact]):
            self.owed_since[contact] = since
            assert self.clock_deadline is not None
            self.deadline_at[contact] = self.clock_deadline(contact)

    def callback_reached(self, contact: int, at: float) -> None:
        """A callback reached the member: the first one since a callback was owed is the one
        measured against the deadline."""
        if math.isnan(self.reached_at[contact]) and not math.isnan(self.owed_since[contact]):
            self.reached_at[contact] = at

    # -- routing -----------------------------------------------------------------------------
    def first_contact(self, contact: int, at: float, talk_ends: float,
                      by_provider: bool = False) -> None:
        """The member talks to an advisor for the first time (`talk_ends`: when that talk
        ends). A first-contact case is answered then (if the provider can resolve it)."""
        self.first_reached[contact] = at
        if self.resolution[contact] == FIRST_CONTACT and not (
                by_provider and self.quality is not None and self.quality.hands_back(contact)):
            self.answered(contact, talk_ends, by_provider)

    def after_first_contact(self, contact: int) -> None:
        """The first conversation and its wrap-up are over: start what comes next."""
        now = self.env.now
        provider_call = self.team("calls" if not self.callback_mode else "callbacks",
                                  contact).is_provider
        if self.opens_file[contact]:
            files = self.team("files", contact)
            if provider_call and not files.is_provider:
                self.quality.file_handoff(contact, now)  # type: ignore[union-attr]
            elif files.files is not None:
                files.files.open(contact, now)
        if provider_call and self.quality is not None and self.quality.hands_back(contact):
            self.quality.hand_back(contact, now)
            return
        resolution = self.resolution[contact]
        if resolution in (CALLBACK, EXPERT) and not self.callback_mode:
            self.owe_callback(contact, now)  # "we will call you back"
        if resolution == CALLBACK:
            self.start_research(contact, now)
        elif resolution == EXPERT:
            self.escalate(contact, now)
        elif resolution == REGIONAL:
            self.hand_over(contact, now)

    def start_research(self, contact: int, now: float) -> None:
        """An advisor will research the answer, then call the member back."""
        team = self.team("research", contact)
        assert team.research is not None and team.research_minutes is not None
        self.begin(contact, RESEARCH_STEP, now)
        team.research.add(contact, team.research_minutes[contact], self._researched)

    def _researched(self, contact: int) -> None:
        self.end(contact, RESEARCH_STEP, self.env.now)
        self.team("callbacks", contact).callbacks.owe(  # type: ignore[union-attr]
            contact, answer=True)

    def escalate(self, contact: int, now: float) -> None:
        """Send the contact to the expert network."""
        assert self.experts is not None
        self.begin(contact, EXPERT_STEP, now)
        self.experts.send(contact)

    def expert_answered(self, contact: int, now: float) -> None:
        """The expert's answer is in: an advisor calls the member back with it."""
        self.end(contact, EXPERT_STEP, now)
        self.team("callbacks", contact).callbacks.owe(  # type: ignore[union-attr]
            contact, answer=True)

    def hand_over(self, contact: int, now: float) -> None:
        """A regional office takes the contact over; it owes the member an answer."""
        assert self.regional is not None
        self.begin(contact, REGIONAL_STEP, now)
        self.owe_callback(contact, now)
        self.regional.send(contact)

    def regional_answered(self, contact: int, now: float) -> None:
        """The regional office reached the member with the answer."""
        self.end(contact, REGIONAL_STEP, now)
        self.callback_reached(contact, now)
        self.answered(contact, now)

    def finish(self) -> None:
        """At the horizon's end nothing is settled further: open steps keep no end."""
        self._open_steps.clear()


__all__ = ["STEPS", "STEP_NAMES", "Journeys"]
