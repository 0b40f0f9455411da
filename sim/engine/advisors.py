"""The advisor pool: who is free, and what a free advisor does next.

An advisor on the lines who finishes a piece of work looks for the next one in the order of
`staff.priorities` (live calls, then callbacks due soonest, then files, then research, by
default), among the queues of their **team**, and waits idle if there is none. The longest-idle
advisor of the team gets the next call. Teams are the in-house advisors (or each group), the
advisors reserved for callbacks (who never take live calls), and a provider's advisors; a queue
may be served by several teams (reserved advisors share the in-house callbacks), and a group
may take another group's callers once they have waited long enough. When an availability
interval ends, an advisor
finishes the work in hand and goes; if the interval ended with the shift and the lines are closed,
the advisor stays to answer the callers still waiting. Time worked past the end of a shift is
overtime.

Speed matters here: SimPy is used as an event calendar. Work in progress is one scheduled event
whose callback frees the advisor, rather than a process per call.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Generator
from itertools import count
from typing import Any, Protocol

from simpy.events import Event

from sim.engine.calendar import Calendar
from sim.engine.events import Due, Environment, scheduler
from sim.engine.records import Recorder
from sim.engine.roster import SHIFT_END, Roster
from sim.vocabulary import Task

Then = Callable[[int], None]
"""Called with the contact when a piece of work on it is done."""


class WorkSource(Protocol):
    """A queue of work that can hand a piece of it to a free advisor."""

    def serve(self, advisor: int) -> bool:
        """Start the next piece of work with `advisor`; False if there is none ready."""
        ...


class AdvisorPool:
    """The state of every advisor during one replication."""

    def __init__(self, env: Environment, roster: Roster, calendar: Calendar,
                 recorder: Recorder, teams: list[str]) -> None:
        self.env, self.roster, self.calendar, self.recorder = env, roster, calendar, recorder
        n = roster.advisors
        self.teams = teams
        self.team_of = [teams.index(name) for name in roster.team_of]
        self.idle: list[deque[int]] = [deque() for _ in teams]  # per team, longest idle first
        self.sources: list[list[WorkSource]] = [[] for _ in teams]  # per team, by priority
        self.calls: list[WorkSource | None] = [None for _ in teams]  # per team, its live line
        self.on_duty = [False] * n
        self.busy = [False] * n
        self.duty_end = [0.0] * n
        self.end_kind = [SHIFT_END] * n
        self._then: list[Then | None] = [None] * n
        self._contact = [0] * n
        self._log_task = recorder.tasks.extend
        # a finished piece of work is scheduled straight onto the event calendar (the hottest
        # path of a run: see `sim.engine.events.scheduler`)
        self._schedule = scheduler(env)
        self._finished = self._finish  # (bound once: one method object less per piece of work)

    def add_work(self, team: int, source: WorkSource, *, live_calls: bool = False) -> None:
        """Let `team` take work from `source`; registration order is the priority order."""
        self.sources[team].append(source)
        if live_calls:
            self.calls[team] = source

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
            self.idle[self.team_of[advisor]].remove(advisor)

    def work(self, advisor: int, kind: int, minutes: float, contact: int, now: float,
             then: Then | None = None) -> None:
        """Keep `advisor` busy for `minutes` from `now` (the current time) on `contact`; call
        `then(contact)` when the work is done."""
        self._log_task((advisor, kind, now, now + minutes, contact))
        self.answer(advisor, minutes, contact, now, then)

    def answer(self, advisor: int, minutes: float, contact: int, now: float,
               then: Then | None) -> None:
        """`work` on a live call, not logged as a task: the calls table already holds it
        (`Recorder.tasks_table` rebuilds those rows)."""
        self.busy[advisor] = True
        if then is not None:  # (reset to None once called)
            self._then[advisor] = then
            self._contact[advisor] = contact
        self._schedule(now + minutes, self._finished, advisor)

    def _finish(self, event: Due) -> None:
        advisor = event.payload
        self.busy[advisor] = False
        then = self._then[advisor]
        if then is not None:
            self._then[advisor] = None
            then(self._contact[advisor])
        team = self.team_of[advisor]
        if self.on_duty[advisor]:
            for source in self.sources[team]:
                if source.serve(advisor):
                    return
            self.idle[team].append(advisor)
            return
        calls = self.calls[team]
        if (self.end_kind[advisor] == SHIFT_END and calls is not None
                and not self.calendar.is_open(self.env.now) and calls.serve(advisor)):
            return  # stays after closing while callers are still waiting
        self._extension(advisor, self.env.now)

    def _extension(self, advisor: int, until: float) -> None:
        start = self.duty_end[advisor]
        if until > start:
            overtime = self.end_kind[advisor] == SHIFT_END
            self.recorder.extensions.append((advisor, start, until, overtime))

    def _next(self, advisor: int) -> None:
        team = self.team_of[advisor]
        for source in self.sources[team]:
            if source.serve(advisor):
                return
        self.idle[team].append(advisor)

    def wake(self, teams: list[int]) -> None:
        """Work became ready for `teams` (in that order): their idle advisors look for work
        until one finds none."""
        for team in teams:
            idle, sources = self.idle[team], self.sources[team]
            while idle:
                advisor = idle.popleft()
                if not any(source.serve(advisor) for source in sources):
                    idle.appendleft(advisor)
                    break

    def finish(self) -> None:
        """At the horizon's end: close the extensions of advisors still working late."""
        for advisor in range(self.roster.advisors):
            if self.busy[advisor] and not self.on_duty[advisor]:
                self._extension(advisor, self.env.now)


class TaskQueue:
    """Advisor work waiting its turn: research, files. First in, first out, or by a key such
    as a deadline when one is given."""

    def __init__(self, pool: AdvisorPool, kind: Task, served_by: list[int]) -> None:
        self.pool, self.kind, self.served_by = pool, int(kind), served_by
        self._heap: list[tuple[float, int, int, float, Then | None]] = []
        self._order = count()

    def add(self, contact: int, minutes: float, then: Then | None, key: float | None = None
            ) -> None:
        """Queue `minutes` of work on `contact` (ordered by `key`, else by arrival)."""
        order = next(self._order)
        heapq.heappush(self._heap, (order if key is None else key, order, contact, minutes, then))
        self.pool.wake(self.served_by)

    def serve(self, advisor: int) -> bool:
        """Start the next task with `advisor`."""
        if not self._heap:
            return False
        _, _, contact, minutes, then = heapq.heappop(self._heap)
        self.pool.work(advisor, self.kind, minutes, contact, self.pool.env.now, then)
        return True

    def __len__(self) -> int:
        return len(self._heap)
