"""Inbound calls: members ring, wait in line, may hang up, and may try again.

A call that finds an advisor free is answered at once; otherwise the caller joins a first-come,
first-served queue and waits up to their patience. A caller who hangs up, or who rings while the
lines are closed, tries again later with the probability and delay of `[channel] retry`, up to
`max_attempts` (after a closed line, the delay counts from the next opening). When the lines
close, waiting callers are still answered.

Abandonment is handled lazily: a caller whose patience has run out stays in the queue until an
advisor reaches them, and is then recorded as having hung up at the moment their patience ran out.
That is exact for a first-come-first-served queue and saves an event per waiting caller; a caller
who would try again gets one event, at the time of the new attempt.

Each team that takes live calls has its own line. A group's callers who have waited
`overflow_after` may be answered by the group they overflow to; when a provider takes the
overflow, a call that finds the in-house queue too long goes to the provider's line instead.
"""

from __future__ import annotations

from collections import deque

import numpy as np

from sim.engine.advisors import AdvisorPool
from sim.engine.calendar import Calendar
from sim.engine.contacts import Contacts
from sim.engine.events import Due, Environment
from sim.engine.journeys import Journeys
from sim.engine.records import Recorder
from sim.vocabulary import PROVIDER, CallOutcome, ContactOutcome

_ANSWERED, _ABANDONED, _WAITING = int(CallOutcome.ANSWERED), int(CallOutcome.ABANDONED), -1
_CONTACT_ANSWERED = int(ContactOutcome.ANSWERED)


class _Waiting:
    """A caller in the queue."""

    __slots__ = ("arrived", "attempt", "contact", "gives_up", "state")

    def __init__(self, contact: int, attempt: int, arrived: float, gives_up: float) -> None:
        self.contact, self.attempt = contact, attempt
        self.arrived, self.gives_up = arrived, gives_up
        self.state = _WAITING


class InboundLine:
    """The live-call channel of one replication."""

    def __init__(self, env: Environment, contacts: Contacts, calendar: Calendar,
                 pool: AdvisorPool, journeys: Journeys, recorder: Recorder, team: int,
                 follow_up: list[bool]) -> None:
        self.env, self.calendar, self.pool, self.journeys = env, calendar, pool, journeys
        self.team = team
        self.is_provider = pool.teams[team] == PROVIDER
        self.idle = pool.idle[team]
        self._log_call = recorder.calls.extend
        self._open_from, self._open_until = 0.0, 0.0  # the open interval last seen
        self.queue: deque[_Waiting] = deque()
        n = len(contacts)
        self.talk: list[float] = contacts.talk.tolist()
        self.work_array = contacts.talk + contacts.wrap_up  # for the tables, once it is over
        self.work_minutes: list[float] = self.work_array.tolist()
        # per attempt, flattened: attempt j of contact k is at k * max_attempts + j
        self.max_attempts = contacts.patience.shape[1]
        self.patience: list[float] = contacts.patience.ravel().tolist()
        # read only before another attempt (`_would_retry`): none with a single attempt
        retrials = self.max_attempts > 1
        self.retries: list[bool] = contacts.retries.ravel().tolist() if retrials else []
        self.retry_delay: list[float] = contacts.retry_delay.ravel().tolist() if retrials else []
        self.outcome = journeys.outcome
        self.answered_at = journeys.answered_at
        self.first_reached = journeys.first_reached
        self.attempts = journeys.attempts
        self.follow_up = follow_up  # the call is not the end of the journey
        # a group's callers may go to another group after a wait
        self.overflow_team: int | None = None
        self.overflow_after = 0.0
        # a provider may take the calls that find the queue too long
        self.spill: InboundLine | None = None
        self.spill_queue: int | None = None
        self.spill_wait: float | None = None
        self._mean_work = float(np.mean(self.work_array)) if n else 0.0

    # -- ringing ----------------------------------------------------------------------------
    def ring(self, contact: int, attempt: int, now: float) -> None:
        """Attempt `attempt` (from 0) of a member's call, at `now`."""
        self.attempts[contact] = attempt + 1
        if not self._open_from <= now < self._open_until and not self._reopened(now):
            self._log_call((contact, attempt + 1, now, int(CallOutcome.CLOSED), 0.0, -1))
            if self._would_retry(contact, attempt):
                slot = contact * self.max_attempts + attempt
                delay = self.calendar.next_open(now) - now + self.retry_delay[slot]
                self.env.after(delay, self._retry, (contact, attempt + 1))
            else:
                self.outcome[contact] = int(ContactOutcome.CLOSED)
            return
        idle = self.idle
        if idle:
            self._answer(idle.popleft(), contact, attempt, now, now)
            return
        if self.spill is not None and self._crowded(now):
            self.journeys.to_provider(contact, self.spill.team)
            self.spill.ring(contact, attempt, now)
            return
        slot = contact * self.max_attempts + attempt
        caller = _Waiting(contact, attempt, now, now + self.patience[slot])
        self.queue.append(caller)
        if self._would_retry(contact, attempt) and caller.gives_up < np.inf:
            retry_at = caller.gives_up + self.retry_delay[slot]
            self.env.after(retry_at - now, self._retry_if_abandoned, caller)
        if self.overflow_team is not None and caller.gives_up > now + self.overflow_after:
            self.env.after(self.overflow_after, self._may_overflow,
                           (caller, self.overflow_team))

    def _crowded(self, now: float) -> bool:
        """Whether the queue is past the provider's overflow threshold."""
        waiting = sum(1 for c in self.queue if c.state == _WAITING and c.gives_up > now)
        if self.spill_queue is not None and waiting >= self.spill_queue:
            return True
        if self.spill_wait is None:
            return False
        team = self.team
        on_duty = sum(1 for a, t in enumerate(self.pool.team_of)
                      if t == team and self.pool.on_duty[a])
        return (waiting + 1) * self._mean_work / max(on_duty, 1) >= self.spill_wait

    def _may_overflow(self, event: Due) -> None:
        caller, team = event.payload
        if caller.state == _WAITING:
            self.pool.wake([team])

    def _reopened(self, now: float) -> bool:
        """Whether the lines are open at `now`, remembering the open interval found."""
        if not self.calendar.is_open(now):
            return False
        self._open_from, self._open_until = now, self.calendar.closes_at(now)
        return True

    def _would_retry(self, contact: int, attempt: int) -> bool:
        slot = contact * self.max_attempts + attempt
        return attempt + 1 < self.max_attempts and self.retries[slot]

    def _retry(self, event: Due) -> None:
        contact, attempt = event.payload
        self.ring(contact, attempt, self.env.now)

    def _retry_if_abandoned(self, event: Due) -> None:
        caller: _Waiting = event.payload
        if caller.state == _ANSWERED:
            return
        if caller.state == _WAITING:
            self._hung_up(caller)  # still in the queue, patience long gone
        self.ring(caller.contact, caller.attempt + 1, self.env.now)

    # -- answering ---------------------------------------------------------------------------
    def serve(self, advisor: int) -> bool:
        """Answer the longest-waiting caller who is still on the line, if any."""
        queue, now = self.queue, self.env.now
        while queue:
            caller = queue.popleft()
            if caller.state != _WAITING:
                continue
            if caller.gives_up <= now:
                self._hung_up(caller)
                continue
            caller.state = _ANSWERED
            self._answer(advisor, caller.contact, caller.attempt, caller.arrived, now)
            return True
        return False

    def serve_after(self, advisor: int, waited: float) -> bool:
        """Answer the longest-waiting caller if they have waited at least `waited` (an
        advisor of the group this line overflows to)."""
        queue, now = self.queue, self.env.now
        while queue and (queue[0].state != _WAITING or queue[0].gives_up <= now):
            caller = queue.popleft()
            if caller.state == _WAITING:
                self._hung_up(caller)
        if not queue or now - queue[0].arrived < waited:
            return False
        return self.serve(advisor)

    def _answer(self, advisor: int, contact: int, attempt: int, arrived: float,
                now: float) -> None:
        self._log_call((contact, attempt + 1, arrived, _ANSWERED, now - arrived, advisor))
        if self.follow_up[contact]:
            journeys = self.journeys
            journeys.first_contact(contact, now, now + self.talk[contact], self.is_provider)
            self.pool.answer(advisor, self.work_minutes[contact], contact, now,
                             journeys.after_first_contact)
            return
        self.first_reached[contact] = now
        self.outcome[contact] = _CONTACT_ANSWERED
        self.answered_at[contact] = now + self.talk[contact]
        self.pool.answer(advisor, self.work_minutes[contact], contact, now, None)

    def _hung_up(self, caller: _Waiting) -> None:
        caller.state = _ABANDONED
        self._log_call((caller.contact, caller.attempt + 1, caller.arrived, _ABANDONED,
                      caller.gives_up - caller.arrived, -1))
        if not self._would_retry(caller.contact, caller.attempt):
            self.outcome[caller.contact] = int(ContactOutcome.ABANDONED)

    def finish(self) -> None:
        """At the horizon's end: settle callers still in the queue."""
        now = self.env.now
        for caller in self.queue:
            if caller.state != _WAITING:
                continue
            if caller.gives_up <= now:
                self._hung_up(caller)
            else:
                caller.state = int(CallOutcome.WAITING)
                self._log_call((caller.contact, caller.attempt + 1, caller.arrived,
                              int(CallOutcome.WAITING), now - caller.arrived, -1))
        self.queue.clear()


class Overflow:
    """Another group's line, as seen by the group its callers overflow to."""

    def __init__(self, line: InboundLine) -> None:
        self.line = line

    def serve(self, advisor: int) -> bool:
        """Answer that line's longest-waiting caller once they have waited long enough."""
        return self.line.serve_after(advisor, self.line.overflow_after)
