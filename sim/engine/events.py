"""SimPy as an event calendar: bare events with a callback, scheduled at a delay or a time.

A helpline replication schedules hundreds of thousands of events; creating a full `Event` and
triggering it costs more than the work it announces. `Due` is the smallest thing SimPy's
`Environment.step` can process: a callback list, a payload and an ok flag. `Environment.at`
schedules one at an absolute time, so a member who arrives at minute 50.674183 is processed at
exactly that minute (a delay added to the current time could be a rounding step off).

This module is the one adapter to SimPy's internals (its event queue, its event ids, the
priority of an event): every other engine module schedules through `Environment.at`,
`Environment.after` or, on the hottest paths, a `scheduler` bound once per object, and reads
what it scheduled as `event.payload`. `tests/test_layers.py` keeps it so.
"""

from __future__ import annotations

from collections.abc import Callable
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event

Callback = Callable[["Due"], None]
"""What runs when a `Due` event comes: it is handed the event, and reads `event.payload`."""

Schedule = Callable[[float, Callback, Any], None]
"""`schedule(time, callback, payload)`: run `callback` at `time` (not before now: unchecked)."""


class Due(Event):
    """A bare scheduled event carrying a payload; its callback runs when the time comes.

    Cheaper than `env.event()` followed by `succeed()`: two attributes set, nothing else.
    """

    _ok = True

    def __init__(self, callback: Callback, payload: Any) -> None:
        self.callbacks = [callback]
        self.payload = payload


class Environment(simpy.Environment):
    """A SimPy environment that can also schedule a callback at an absolute time."""

    def at(self, time: float, callback: Callback, payload: Any) -> None:
        """Run `callback` at `time` (now if `time` has passed), exactly."""
        if time < self._now:
            time = self._now
        heappush(self._queue, (time, NORMAL, next(self._eid), Due(callback, payload)))

    def after(self, delay: float, callback: Callback, payload: Any) -> None:
        """Run `callback` `delay` minutes from now."""
        heappush(self._queue, (self._now + delay, NORMAL, next(self._eid),
                               Due(callback, payload)))


def scheduler(env: Environment) -> Schedule:
    """The fastest way to schedule: a function pushing a `Due` straight onto `env`'s queue.

    What `Environment.at` does without the method lookup, the check that `time` is not past,
    or `Due.__init__` (the event is filled in place): the caller guarantees `time >= now`.
    Bind it once per object (`self._schedule = scheduler(env)`), never per event; it costs one
    call per event, as the `Due(...)` it replaces did.
    """
    queue, eid, new = env._queue, env._eid, Due.__new__

    def schedule(time: float, callback: Callback, payload: Any) -> None:
        event = new(Due)
        event.callbacks = [callback]
        event.payload = payload
        heappush(queue, (time, NORMAL, next(eid), event))

    return schedule


__all__ = ["Callback", "Due", "Environment", "Schedule", "scheduler"]
