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
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sim.engine.contacts import NEW, Contacts
from sim.engine.events import Due, Environment, scheduler
from sim.engine.ports import (
    CallbackPort,
    Channels,
    EscalationPort,
    FilePort,
    QualityPort,
    TeamPort,
)
from sim.engine.records import Recorder
from sim.vocabulary import Arrival, ContactOutcome, Resolution, Step, Work, resolution_code

# integer codes of the hot path, read once (an enum member costs a lookup per use)
_FIRST_CONTACT = resolution_code(Resolution.FIRST_CONTACT)
_CALLBACK_CASE = resolution_code(Resolution.CALLBACK)
_EXPERT_CASE = resolution_code(Resolution.EXPERT)
_REGIONAL_CASE = resolution_code(Resolution.REGIONAL)
_OPEN = int(ContactOutcome.OPEN)
_ANSWERED = int(ContactOutcome.ANSWERED)
_CALL = int(Arrival.CALL)
_RESEARCH_STEP = int(Step.RESEARCH)
_CALLBACK_STEP = int(Step.CALLBACK)

Routes = dict[str, list[int]]
"""For each kind of work (`sim.vocabulary.Work`), the team doing it for each contact."""


@dataclass(frozen=True)
class SelfService:
    """Who self-service (AI) answers, and who comes back after `return_after` minutes."""

    deflected: list[bool]
    returns: list[bool]
    return_after: list[float]


def _no_line(contact: int, attempt: int, now: float) -> None:
    """The ring of a team that takes no live calls: routes never send a call there."""
    raise AssertionError(f"contact {contact} called a team without a line")


class Journeys:
    """The state of every contact of one replication, and the routing between steps.

    Built in two moves, because the channels and journeys call each other: the constructor
    takes everything journeys needs that does not need journeys (the contacts, how each
    arrives, the routes, the callback mode, the deadline rule, self-service); the channels are
    then built with this object, and handed over once with `connect` before the run starts.
    """

    def __init__(self, env: Environment, contacts: Contacts, recorder: Recorder, *,
                 resolution_of_case: list[int], arrival_kind: list[int], routes: Routes,
                 callback_mode: bool, deadline: Callable[[int], float],
                 self_service: SelfService | None = None) -> None:
        n = len(contacts)
        self.env = env
        self.contacts = contacts
        self.arrived: list[float] = contacts.arrived.tolist()
        self.arrival_kind = arrival_kind
        self.resolution: list[int] = np.asarray(resolution_of_case)[contacts.case_type].tolist()
        self.opens_file: list[bool] = contacts.opens_file.tolist()
        self.outcome = [_OPEN] * n
        self.answered_at = [math.nan] * n
        self.first_reached = [math.nan] * n  # the first conversation with an advisor
        self.owed_since = [math.nan] * n  # a callback (or regional answer) is owed since
        self.deadline_at = [math.nan] * n
        self.reached_at = [math.nan] * n  # the owed callback reached the member
        self.callback_attempts = [0] * n
        self.attempts = [0] * n  # call attempts
        self._steps = recorder.steps
        self._open_steps: dict[tuple[int, int], int] = {}
        self._schedule = scheduler(env)
        self.callback_mode = callback_mode
        self.clock_deadline = deadline  # contact -> when its callback is due
        self.team_for = routes  # kind of work -> team of each contact (changed by reroute)
        # the team that had (or will have) the first contact; a contact handed back later
        # still counts as the provider's
        self.first_team: list[int] = list(routes[Work.CALLBACKS if callback_mode
                                                 else Work.CALLS])
        self._call_team = routes[Work.CALLS]
        self._callback_team = routes[Work.CALLBACKS]
        self._research_team = routes[Work.RESEARCH]
        self._file_team = routes[Work.FILES]
        self._first_work = Work.CALLBACKS if callback_mode else Work.CALLS
        service = self_service or SelfService([False] * n, [False] * n, [0.0] * n)
        self.deflected, self.returns = service.deflected, service.returns
        self.return_after = service.return_after
        self.teams: Sequence[TeamPort] = ()
        self.experts: EscalationPort | None = None
        self.regional: EscalationPort | None = None
        self.quality: QualityPort | None = None

    def connect(self, channels: Channels) -> None:
        """Hand over the channels built with this object (once, before `start`)."""
        self.teams = channels.teams
        self.experts, self.regional = channels.experts, channels.regional
        self.quality = channels.quality

    def team(self, kind: Work, contact: int) -> TeamPort:
        """The team doing that kind of work for that contact."""
        return self.teams[self.team_for[kind][contact]]

    def _callbacks(self, contact: int) -> CallbackPort:
        desk = self.teams[self._callback_team[contact]].callbacks
        assert desk is not None, "routes send callbacks only to teams that make them"
        return desk

    def _files(self, contact: int) -> FilePort:
        desk = self.teams[self._file_team[contact]].files
        assert desk is not None, "routes send files only to teams that process them"
        return desk

    def to_provider(self, contact: int, provider: int) -> None:
        """A live call overflowed to the provider: its contact work follows it there."""
        self.reroute(contact, provider)
        self.first_team[contact] = provider

    def reroute(self, contact: int, team: int) -> None:
        """The contact's calls, callbacks and research go to `team` from now on."""
        self._call_team[contact] = team
        self._callback_team[contact] = team
        self._research_team[contact] = team

    # -- arrivals ----------------------------------------------------------------------------
    def start(self) -> None:
        """Take up the starting backlog at once, and schedule the first new arrival; each
        arrival schedules the next (one event at a time)."""
        backlog = int(np.count_nonzero(self.contacts.backlog_step != NEW))  # they come first
        self._last = len(self.arrived)
        self._rings = [t.line.ring if t.line is not None else _no_line for t in self.teams]
        if backlog:
            self.env.at(0.0, self._take_up_backlog, backlog)
        # the common case gets the short path: every new contact a call to one line
        teams = set(self._call_team[backlog:])
        line = self.teams[next(iter(teams))].line if len(teams) == 1 else None
        if (line is not None and not any(self.deflected)
                and self.arrival_kind[backlog:].count(_CALL) == self._last - backlog):
            self._ring_one = line.ring
            self._next = self._call
        else:
            self._next = self._arrive
        if backlog < self._last:
            self.env.at(self.arrived[backlog], self._next, backlog)

    def _call(self, event: Due) -> None:
        """An arrival when every contact is a call to the same line (`_arrive`, shortened)."""
        contact = event.payload
        arrived = self.arrived
        nxt = contact + 1
        if nxt < self._last:  # no check that the time has not passed: arrivals are in order
            self._schedule(arrived[nxt], self._next, nxt)  # (bound once)
        self._ring_one(contact, 0, arrived[contact])

    def _take_up_backlog(self, event: Due) -> None:
        for contact in range(event.payload):
            self._from_backlog(contact)

    def _arrive(self, event: Due) -> None:
        contact = event.payload
        arrived = self.arrived
        now = arrived[contact]  # == env.now: arrivals are scheduled at their exact time
        nxt = contact + 1
        if nxt < self._last:
            self.env.at(arrived[nxt], self._arrive, nxt)
        if self.deflected[contact]:
            self._self_service(contact, now)
        elif self.arrival_kind[contact] == _CALL:  # the common case, kept short
            self._rings[self._call_team[contact]](contact, 0, now)
        else:
            self._enter(contact, now)

    def _enter(self, contact: int, now: float) -> None:
        kind = self.arrival_kind[contact]
        if kind == _CALL:
            self._rings[self._call_team[contact]](contact, 0, now)
        elif kind == Arrival.REQUEST:
            self._callbacks(contact).intake(contact, now)
        elif kind == Arrival.FILE:
            self._files(contact).open(contact, now)

    def _self_service(self, contact: int, now: float) -> None:
        """Answered by self-service (AI); some members come back later all the same."""
        self.begin(contact, Step.SELF_SERVICE, now)
        if self.returns[contact]:
            self.env.at(now + self.return_after[contact], self._come_back, contact)
        else:
            self.end(contact, Step.SELF_SERVICE, now)
            self.close(contact, ContactOutcome.DEFLECTED)

    def _come_back(self, event: Due) -> None:
        contact = event.payload
        self.end(contact, Step.SELF_SERVICE, self.env.now)
        self._enter(contact, self.env.now)

    def _from_backlog(self, contact: int) -> None:
        """An item open when the run starts picks up at its step."""
        now = self.env.now
        step = Step(int(self.contacts.backlog_step[contact]))
        if step == Step.CALLBACK:
            self.owe_callback(contact, now)
            # in callback mode the member has not been called yet: this is the first call
            self._callbacks(contact).owe(contact, answer=not self.callback_mode)
        elif step == Step.RESEARCH:
            self.owe_callback(contact, now)
            self.start_research(contact, now)
        elif step == Step.EXPERT:
            self.owe_callback(contact, now)
            self.escalate(contact, now)
        elif step == Step.REGIONAL:
            self.hand_over(contact, now)
        else:  # a file opened before the run: its deadline counts from then
            self._files(contact).open(contact, now, since=self.arrived[contact])

    # -- steps -------------------------------------------------------------------------------
    def begin(self, contact: int, step: int, at: float) -> None:
        """A step of a contact starts."""
        self._open_steps[(contact, step)] = len(self._steps)
        self._steps.extend((contact, step, at, math.nan))

    def end(self, contact: int, step: int, at: float) -> None:
        """A step of a contact ends."""
        index = self._open_steps.pop((contact, step), None)
        if index is not None:
            self._steps[index + 3] = at

    # -- outcomes ----------------------------------------------------------------------------
    def answered(self, contact: int, at: float, by_provider: bool = False) -> None:
        """The answer reached the member (unless the provider's answer is wrong: then it is
        put right later, in-house)."""
        if by_provider and self.quality is not None and not self.quality.answered(contact, at):
            return
        self.outcome[contact] = _ANSWERED
        self.answered_at[contact] = at

    def close(self, contact: int, outcome: ContactOutcome) -> None:
        """The contact ends without an answer."""
        self.outcome[contact] = int(outcome)

    def owe_callback(self, contact: int, since: float) -> None:
        """From now on a callback is owed, within the contact's deadline from its request."""
        if math.isnan(self.owed_since[contact]):
            self.owed_since[contact] = since
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
        if self.resolution[contact] == _FIRST_CONTACT and not (
                by_provider and self.quality is not None and self.quality.hands_back(contact)):
            self.answered(contact, talk_ends, by_provider)

    def after_first_contact(self, contact: int) -> None:
        """The first conversation and its wrap-up are over: start what comes next."""
        now = self.env.now
        provider_call = self.team(self._first_work, contact).is_provider
        quality = self.quality
        if self.opens_file[contact]:
            files = self.team(Work.FILES, contact)
            if provider_call and not files.is_provider:
                assert quality is not None, "a provider's call comes with its quality rules"
                quality.file_handoff(contact, now)
            elif files.files is not None:
                files.files.open(contact, now)
        if provider_call and quality is not None and quality.hands_back(contact):
            quality.hand_back(contact, now)
            return
        resolution = self.resolution[contact]
        if resolution in (_CALLBACK_CASE, _EXPERT_CASE) and not self.callback_mode:
            self.owe_callback(contact, now)  # "we will call you back"
        if resolution == _CALLBACK_CASE:
            self.start_research(contact, now)
        elif resolution == _EXPERT_CASE:
            self.escalate(contact, now)
        elif resolution == _REGIONAL_CASE:
            self.hand_over(contact, now)

    def start_research(self, contact: int, now: float) -> None:
        """An advisor will research the answer, then call the member back."""
        team = self.teams[self._research_team[contact]]
        assert team.research is not None and team.research_minutes is not None
        self.begin(contact, _RESEARCH_STEP, now)
        team.research.add(contact, team.research_minutes[contact], self._researched)

    def _researched(self, contact: int) -> None:
        self.end(contact, _RESEARCH_STEP, self.env.now)
        self._callbacks(contact).owe(contact, answer=True)

    def escalate(self, contact: int, now: float) -> None:
        """Send the contact to the expert network."""
        assert self.experts is not None
        self.begin(contact, Step.EXPERT, now)
        self.experts.send(contact)

    def expert_answered(self, contact: int, now: float) -> None:
        """The expert's answer is in: an advisor calls the member back with it."""
        self.end(contact, Step.EXPERT, now)
        self._callbacks(contact).owe(contact, answer=True)

    def hand_over(self, contact: int, now: float) -> None:
        """A regional office takes the contact over; it owes the member an answer."""
        assert self.regional is not None
        self.begin(contact, Step.REGIONAL, now)
        self.owe_callback(contact, now)
        self.regional.send(contact)

    def regional_answered(self, contact: int, now: float) -> None:
        """The regional office reached the member with the answer."""
        self.end(contact, Step.REGIONAL, now)
        self.callback_reached(contact, now)
        self.answered(contact, now)

    def finish(self) -> None:
        """At the horizon's end nothing is settled further: open steps keep no end."""
        self._open_steps.clear()


__all__ = ["Channels", "Journeys", "Routes", "SelfService"]
