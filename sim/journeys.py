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
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from sim.contacts import RESOLUTIONS, STEPS, Contacts
from sim.events import Due, Environment
from sim.records import ContactOutcome, Recorder

FIRST_CONTACT, CALLBACK, EXPERT, REGIONAL, FILE = (
    RESOLUTIONS.index(r) for r in ("first-contact", "callback", "expert", "regional", "file"))
STEP_NAMES = ["research", "expert", "regional", "callback", "file", "documents"]
RESEARCH_STEP, EXPERT_STEP, REGIONAL_STEP, CALLBACK_STEP, FILE_STEP, DOCUMENTS_STEP = range(6)
OPEN = int(ContactOutcome.OPEN)
ANSWERED = int(ContactOutcome.ANSWERED)
CALL_ARRIVAL, REQUEST_ARRIVAL, FILE_ARRIVAL, BACKLOG_ARRIVAL = range(4)
"""How a contact arrives: a call, a callback request, a file, an item of the starting backlog."""


# The ports the channel modules offer to journeys (structural types, to keep imports one-way).


class CallbackPort(Protocol):
    def owe(self, contact: int, *, answer: bool, now: float | None = None) -> None: ...
    def intake(self, contact: int, now: float) -> None: ...


class TaskPort(Protocol):
    def add(self, contact: int, minutes: float, then: Callable[[int], None] | None,
            key: float | None = None) -> None: ...


class EscalationPort(Protocol):
    def send(self, contact: int) -> None: ...


class FilePort(Protocol):
    def open(self, contact: int, now: float, since: float | None = None) -> None: ...


class CallPort(Protocol):
    def ring(self, contact: int, attempt: int, now: float) -> None: ...


class DeadlinePort(Protocol):
    def __call__(self, contact: int) -> float: ...




class Journeys:
    """The state of every contact of one replication, and the routing between steps.

    The channel modules (calls, callbacks, escalation, files) are attached after construction;
    each calls back here when its step is done.
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
        self._steps = recorder.steps
        self._open_steps: dict[tuple[int, int], int] = {}
        # attached by the model
        self.line: CallPort | None = None
        self.callbacks: CallbackPort | None = None
        self.research: TaskPort | None = None
        self.experts: EscalationPort | None = None
        self.regional: EscalationPort | None = None
        self.files: FilePort | None = None
        self.clock_deadline: DeadlinePort | None = None
        self.callback_mode = False

    # -- arrivals ----------------------------------------------------------------------------
    def start(self) -> None:
        """Take up the starting backlog at once, and schedule the first new arrival; each
        arrival schedules the next (one event at a time)."""
        backlog = int(np.count_nonzero(self.contacts.backlog_step >= 0))  # they come first
        self._ring = self.line.ring if self.line is not None else None
        self._last = len(self.arrived)
        if backlog:
            self.env.at(0.0, Due(self._take_up_backlog, backlog))
        if backlog < self._last:
            self.env.at(self.arrived[backlog], Due(self._arrive, backlog))

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
        kind = self.arrival_kind[contact]
        if kind == CALL_ARRIVAL:
            self._ring(contact, 0, now)  # type: ignore[misc]
        elif kind == REQUEST_ARRIVAL:
            self.callbacks.intake(contact, now)  # type: ignore[union-attr]
        elif kind == FILE_ARRIVAL:
            self.files.open(contact, now)  # type: ignore[union-attr]

    def _from_backlog(self, contact: int) -> None:
        """An item open when the run starts picks up at its step."""
        now = self.env.now
        step = STEPS[int(self.contacts.backlog_step[contact])]
        if step == "callback":
            self.owe_callback(contact, now)
            # in callback mode the member has not been called yet: this is the first call
            self.callbacks.owe(contact, answer=not self.callback_mode)  # type: ignore[union-attr]
        elif step == "research":
            self.owe_callback(contact, now)
            self.start_research(contact, now)
        elif step == "expert":
            self.owe_callback(contact, now)
            self.escalate(contact, now)
        elif step == "regional":
            self.hand_over(contact, now)
        else:  # a file opened before the run: its deadline counts from then
            self.files.open(contact, now, since=self.arrived[contact])  # type: ignore[union-attr]

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
    def answered(self, contact: int, at: float) -> None:
        """The answer reached the member."""
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
    def first_contact(self, contact: int, at: float, talk_ends: float) -> None:
        """The member talks to an advisor for the first time (`talk_ends`: when that talk
        ends). A first-contact case is answered then."""
        self.first_reached[contact] = at
        if self.resolution[contact] == FIRST_CONTACT:
            self.answered(contact, talk_ends)

    def after_first_contact(self, contact: int) -> None:
        """The first conversation and its wrap-up are over: start what comes next."""
        now = self.env.now
        if self.opens_file[contact] and self.files is not None:
            self.files.open(contact, now)
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
        assert self.research is not None
        self.begin(contact, RESEARCH_STEP, now)
        self.research.add(contact, float(self.contacts.research[contact]), self._researched)

    def _researched(self, contact: int) -> None:
        assert self.callbacks is not None
        self.end(contact, RESEARCH_STEP, self.env.now)
        self.callbacks.owe(contact, answer=True)

    def escalate(self, contact: int, now: float) -> None:
        """Send the contact to the expert network."""
        assert self.experts is not None
        self.begin(contact, EXPERT_STEP, now)
        self.experts.send(contact)

    def expert_answered(self, contact: int, now: float) -> None:
        """The expert's answer is in: an advisor calls the member back with it."""
        assert self.callbacks is not None
        self.end(contact, EXPERT_STEP, now)
        self.callbacks.owe(contact, answer=True)

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
