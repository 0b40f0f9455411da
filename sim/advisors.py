"""The advisor pool: who is free, and what a free advisor does next.

An advisor on the lines who finishes a piece of work looks for the next one in the order of
`staff.priorities` (live calls first, typically), and waits idle if there is none. The longest-idle
advisor gets the next call. When an availability interval ends, an advisor finishes the work in
hand and goes; if the interval ended with the shift and the lines are closed, the advisor stays
to answer the callers still waiting. Time worked past the end of a shift is overtime.

Speed matters here: SimPy is used as an event calendar. Work in progress is one scheduled event
whose callback frees the advisor, rather than a process per call.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Generator
from typing import Any, Protocol

import simpy
from simpy.events import NORMAL, Event

from sim.calendar import Calendar
from sim.records import Recorder
from sim.roster import SHIFT_END, Roster

TASK_KINDS = ["call", "callback", "research", "file", "remediation", "handoff"]
CALL = TASK_KINDS.index("call")


class Due(Event):
    """A bare scheduled event carrying a value; its callback runs when the time comes.

    Cheaper than `env.event()` followed by `succeed()`: two attributes set, nothing else.
    """

    _ok = True

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        self.callbacks = [callback]
        self._value = value


def schedule(env: simpy.Environment, delay: float, callback: Callable[[Any], None],
             value: Any) -> None:
    """Call `callback(event)` after `delay` minutes, `event.value` being `value`."""
    env.schedule(Due(callback, value), NORMAL, delay)


class WorkSource(Protocol):
    """A queue of work that can hand a piece of it to a free advisor."""

    def serve(self, advisor: int) -> bool:
        """Start the next piece of work with `advisor`; False if there is none ready."""
        ...


class AdvisorPool:
    """The state of every advisor during one replication."""

    def __init__(self, env: simpy.Environment, roster: Roster, calendar: Calendar,
                 recorder: Recorder) -> None:
        self.env, self.roster, self.calendar, self.recorder = env, roster, calendar, recorder
        n = roster.advisors
        self.idle: deque[int] = deque()
        self.on_duty = [False] * n
        self.busy = [False] * n
        self.duty_end = [0.0] * n
        self.end_kind = [SHIFT_END] * n
        self.sources: list[WorkSource] = []
        self.calls: WorkSource | None = None
        self._then: list[Callable[[int], None] | None] = [None] * n
        self._log_task = recorder.tasks.append

    def add_work(self, source: WorkSource, *, live_calls: bool = False) -> None:
        """Register a work queue; registration order is the priority order."""
        self.sources.append(source)
        if live_calls:
            self.calls = source

    def start(self) -> None:
        """Start every advisor's roster."""
        for advisor in range(self.roster.advisors):
            self.env.process(self._roster(advisor))

    def _roster(self, advisor: int) -> Generator[Event, Any, None]:
        env = self.env
        for start, end, kind in self.roster.available[advisor]:
            yield env.timeout(start - env.now)
            self._come_on(advisor, end, kind)
            yield env.timeout(end - env.now)
            self._go_off(advisor)

    def _come_on(self, advisor: int, end: float, kind: int) -> None:
        if self.busy[advisor] and not self.on_duty[advisor]:
            self._extension(advisor, self.env.now)  # ran late into the next interval
        self.on_duty[advisor] = True
        self.duty_end[advisor] = end
        self.end_kind[advisor] = kind
        if not self.busy[advisor]:
            self._next(advisor)

    def _go_off(self, advisor: int) -> None:
        self.on_duty[advisor] = False
        if not self.busy[advisor]:
            self.idle.remove(advisor)

    def work(self, advisor: int, kind: int, minutes: float, contact: int, now: float,
             then: Callable[[int], None] | None = None) -> None:
        """Keep `advisor` busy for `minutes` from `now` (the current time); call
        `then(advisor)` when the work is done."""
        env = self.env
        self.busy[advisor] = True
        self._then[advisor] = then
        self._log_task((advisor, kind, now, now + minutes, contact))
        env.schedule(Due(self._finish, advisor), NORMAL, minutes)

    def _finish(self, event: Event) -> None:
        advisor = event._value
        self.busy[advisor] = False
        then = self._then[advisor]
        if then is not None:
            self._then[advisor] = None
            then(advisor)
        if self.on_duty[advisor]:
            for source in self.sources:
                if source.serve(advisor):
                    return
            self.idle.append(advisor)
            return
        if (self.end_kind[advisor] == SHIFT_END and self.calls is not None
                and not self.calendar.is_open(self.env.now) and self.calls.serve(advisor)):
            return  # stays after closing while callers are still waiting
        self._extension(advisor, self.env.now)

    def _extension(self, advisor: int, until: float) -> None:
        start = self.duty_end[advisor]
        if until > start:
            overtime = self.end_kind[advisor] == SHIFT_END
            self.recorder.extensions.append((advisor, start, until, overtime))

    def _next(self, advisor: int) -> None:
        for source in self.sources:
            if source.serve(advisor):
                return
        self.idle.append(advisor)

    def take_idle(self) -> int:
        """The longest-idle advisor, removed from the idle list (-1 if none is idle)."""
        return self.idle.popleft() if self.idle else -1

    def wake(self) -> None:
        """New work arrived in a queue: give it to idle advisors while they find some."""
        while self.idle:
            advisor = self.idle.popleft()
            for source in self.sources:
                if source.serve(advisor):
                    break
            else:
                self.idle.appendleft(advisor)
                return

    def finish(self) -> None:
        """At the horizon's end: close the extensions of advisors still working late."""
        for advisor in range(self.roster.advisors):
            if self.busy[advisor] and not self.on_duty[advisor]:
                self._extension(advisor, self.env.now)
