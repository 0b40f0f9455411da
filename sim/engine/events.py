"""SimPy as an event calendar: bare events with a callback, scheduled at a delay or a time.

A helpline replication schedules hundreds of thousands of events; creating a full `Event` and
triggering it costs more than the work it announces. `Due` is the smallest thing SimPy's
`Environment.step` can process: a callback list, a value and an ok flag. `Environment.at`
schedules one at an absolute time, so a member who arrives at minute 50.674183 is processed at
exactly that minute (a delay added to the current time could be a rounding step off).
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event


class Due(Event):
    """A bare scheduled event carrying a value; its callback runs when the time comes.

    Cheaper than `env.event()` followed by `succeed()`: two attributes set, nothing else.
    """

    _ok = True

    def __init__(self, callback: Callable[[Any], None], value: Any) -> None:
        self.callbacks = [callback]
        self._value = value


class Environment(simpy.Environment):
    """A SimPy environment that can also schedule at an absolute time."""

    def at(self, time: float, event: Event) -> None:
        """Schedule `event` at `time` (not before now), exactly."""
        if time < self._now:
            time = self._now
        heappush(self._queue, (time, NORMAL, next(self._eid), event))
