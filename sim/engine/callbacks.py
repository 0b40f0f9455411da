"""Callbacks: calling members back, before a deadline, when the lines are open, until reached.

A callback is owed after a request in callback mode (the line takes no live calls: every request
is logged and an advisor prepares, then calls), or in inbound mode once research or an expert has
produced the answer. Owed callbacks wait in a queue, earliest deadline first or first in first
out. An advisor prepares (before the first attempt only) and calls; the member answers with the
`reach_probability` drawn for that attempt. A failed attempt costs `no_answer` minutes and is
tried again `retry_after` later; after `max_attempts` the contact is closed unreachable.
Callbacks are attempted only while the lines are open; at each opening, idle advisors look at
the queue again.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Generator
from itertools import count
from typing import Any

from simpy.events import Event

from sim.engine.advisors import AdvisorPool
from sim.engine.calendar import Calendar
from sim.engine.contacts import Contacts
from sim.engine.events import Due, Environment
from sim.engine.journeys import Journeys
from sim.scenario.journeys import Callbacks
from sim.vocabulary import ContactOutcome, Step, Task

_CALLBACK_TASK, _CALLBACK_STEP = int(Task.CALLBACK), int(Step.CALLBACK)


class CallbackDesk:
    """The queue of owed callbacks of one replication."""

    def __init__(self, env: Environment, spec: Callbacks, contacts: Contacts,
                 calendar: Calendar, pool: AdvisorPool, journeys: Journeys,
                 served_by: list[int], is_provider: bool = False) -> None:
        self.env, self.calendar, self.pool, self.journeys = env, calendar, pool, journeys
        self.served_by, self.is_provider = served_by, is_provider
        self.by_deadline = spec.order == "earliest-deadline"
        self.max_attempts = spec.max_attempts
        self.prepare: list[float] = contacts.prepare.tolist()
        self.talk: list[float] = contacts.talk.tolist()
        self.wrap_up: list[float] = contacts.wrap_up.tolist()
        self.callback_talk: list[float] = contacts.callback_talk.tolist()
        self.reached: list[bool] = contacts.reached.ravel().tolist()
        self.no_answer: list[float] = contacts.no_answer.ravel().tolist()
        self.retry_after: list[float] = contacts.retry_after.ravel().tolist()
        self.width = contacts.reached.shape[1]  # draws per member, across their callbacks
        self.attempt = [0] * len(contacts)  # attempts of the callback now owed
        self.tries = [0] * len(contacts)  # attempts of all the member's callbacks
        self.answer = [False] * len(contacts)  # the callback owed brings the answer
        self._heap: list[tuple[float, int, int]] = []
        self._order = count()

    def start(self) -> None:
        """Wake idle advisors at every opening of the lines (callbacks wait for it)."""
        self.env.process(self._openings())

    def _openings(self) -> Generator[Event, Any, None]:
        env = self.env
        for start in self.calendar.starts.tolist():
            if start >= self.calendar.end_time:
                return
            if start > env.now:
                yield env.timeout(start - env.now)
            self.pool.wake(self.served_by)

    def intake(self, contact: int, now: float) -> None:
        """A request is logged (callback mode) at `now`: the first call is owed from then."""
        self.journeys.owe_callback(contact, now)
        self.owe(contact, answer=False, now=now)

    def owe(self, contact: int, *, answer: bool, now: float | None = None,
            talk: float | None = None) -> None:
        """Queue a callback; `answer` when it brings the answer rather than opening the talk
        (`talk`: its length, when not the member's callback talk)."""
        self.attempt[contact] = 0
        self.answer[contact] = answer
        if talk is not None:
            self.callback_talk[contact] = talk
        self.journeys.begin(contact, _CALLBACK_STEP, self.env.now if now is None else now)
        self._enqueue(contact)

    def _enqueue(self, contact: int) -> None:
        order = next(self._order)
        key = self.journeys.deadline_at[contact] if self.by_deadline else order
        heapq.heappush(self._heap, (order if math.isnan(key) else key, order, contact))
        self.pool.wake(self.served_by)

    def serve(self, advisor: int) -> bool:
        """Make the next callback attempt with `advisor`, if the lines are open."""
        if not self._heap:
            return False
        now = self.env.now
        if not self.calendar.is_open(now):
            return False
        _, _, contact = heapq.heappop(self._heap)
        journeys = self.journeys
        attempt = self.attempt[contact]
        self.attempt[contact] = attempt + 1
        journeys.callback_attempts[contact] += 1
        slot = contact * self.width + self.tries[contact]
        self.tries[contact] += 1
        prepare = self.prepare[contact] if attempt == 0 else 0.0
        if not self.reached[slot]:
            self.pool.work(advisor, _CALLBACK_TASK, prepare + self.no_answer[slot], contact, now,
                           self._not_reached)
            return True
        picked_up = now + prepare
        journeys.end(contact, _CALLBACK_STEP, picked_up)
        journeys.callback_reached(contact, picked_up)
        if self.answer[contact]:
            talk = self.callback_talk[contact]
            journeys.answered(contact, picked_up + talk, self.is_provider)
            self.pool.work(advisor, _CALLBACK_TASK, prepare + talk, contact, now)
        else:
            talk = self.talk[contact]
            journeys.first_contact(contact, picked_up, picked_up + talk, self.is_provider)
            self.pool.work(advisor, _CALLBACK_TASK, prepare + talk + self.wrap_up[contact], contact,
                           now, journeys.after_first_contact)
        return True

    def _not_reached(self, contact: int) -> None:
        attempt = self.attempt[contact]
        if attempt >= self.max_attempts:
            self.journeys.end(contact, _CALLBACK_STEP, self.env.now)
            self.journeys.close(contact, ContactOutcome.UNREACHABLE)
            return
        delay = self.retry_after[contact * self.width + self.tries[contact] - 1]
        self.env.after(delay, self._retry, contact)

    def _retry(self, event: Due) -> None:
        self._enqueue(event.payload)

    def __len__(self) -> int:
        return len(self._heap)
