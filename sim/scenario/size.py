"""How big a run of a scenario is, before it runs: contacts, events and memory.

A file can be valid and still too big to simulate (`per_hour = 1e6`, a 25-year horizon open
24/7, a million replications): the run would fill the memory and die hours later. The size is
estimated from the scenario alone (the expected volume over the horizon, as the arrivals draw
it, plus the starting backlog, times the replications) and refused beyond what the machine can
hold, saying the estimate and how to go on. `validate` and every command that runs refuse the
same files; `--allow-large` runs them anyway.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sim.scenario.issues import Issue, ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.sections import Volume

BYTES_PER_CONTACT = 3000
"""Peak memory per simulated contact, tables kept included, rounded up from what `python
bench/size.py` measures (one replication, 1 worker): 1.26 kB a contact for plain inbound calls
(0.85 million contacts), 2.1 kB with a backlog of 200,000 callbacks owed (0.3 million), 2.6 kB
for das-inhouse-48h at ten times its volume, with its files and callbacks (0.22 million)."""

EVENTS_PER_CONTACT = 8
"""Simulation events per contact (arrival, queue, answer, wrap-up, patience, retries): an order
of magnitude for the message, not a measurement."""

MAX_CONTACTS = 1e9
"""Contacts in one replication beyond which nothing runs, `--allow-large` or not: a billion
contacts (a century of the largest helpline) is a typo in a volume, and the arrays drawing
them would not fit any machine."""

USABLE_SHARE = 0.6
"""Share of the machine's available memory a run may plan to use: the rest is the system's."""


@dataclass(frozen=True)
class Size:
    """The estimated size of simulating one scenario `replications` times."""

    contacts: float
    """Expected contacts in one replication (arrivals, files, starting backlog)."""
    replications: int

    @property
    def total_contacts(self) -> float:
        return self.contacts * self.replications

    @property
    def events(self) -> float:
        return self.total_contacts * EVENTS_PER_CONTACT

    @property
    def memory_bytes(self) -> float:
        return self.total_contacts * BYTES_PER_CONTACT


def estimate_size(scenario: Scenario, replications: int | None = None) -> Size:
    """Expected contacts per replication, the way `sim.engine.arrivals` draws them (weights
    normalised, the ramp-up counted at full volume: an upper estimate)."""
    demand = scenario.demand
    weekday = (demand.weekday_weights if demand.weekday_weights is not None else
               tuple(1.0 if d in scenario.calendar.open_days else 0.0
                     for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")))
    days_per_week = float(sum(1 for w in weekday if w > 0))
    if demand.hour_weights is None:
        opens, closes = scenario.calendar.open_hours
        hours_per_day = (closes - opens) / 60
    else:
        hours_per_day = float(sum(1 for w in demand.hour_weights if w > 0))
    horizon = scenario.horizon

    def contacts(volume: Volume, start: date | None, end: date | None) -> float:
        first = max(start or horizon.start, horizon.start)
        last = min(end or horizon.end, horizon.end)
        days = max((last - first).days + 1, 0)
        weeks, rest = divmod(days, 7)
        per_weekday = [weeks + (1 if (d - first.weekday()) % 7 < rest else 0) for d in range(7)]
        weeks_of_demand = sum(n * w for n, w in zip(per_weekday, weekday, strict=True)) / sum(
            weekday)  # each day gets its weekday's share of a week's volume
        weekly = {"per_week": volume.amount, "per_year": volume.amount * 7 / 365.25,
                  "per_day": volume.amount * days_per_week,
                  "per_hour": volume.amount * days_per_week * hours_per_day}
        if volume.unit == "total":
            return volume.amount * demand.volume_factor
        return weekly[volume.unit] * weeks_of_demand * demand.volume_factor

    total = sum(contacts(s.volume, s.start, s.end) for s in scenario.sources)
    files = scenario.files
    if files is not None and files.volume is not None:
        total += contacts(files.volume, None, None)
    total += sum(item.count for item in scenario.backlog.items)
    return Size(total, scenario.run.replications if replications is None else replications)


def available_memory() -> int:
    """Bytes of memory the machine can give now (`MemAvailable`; the physical memory where
    the system does not say)."""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (OSError, ValueError, AttributeError):
        return 8 * 2**30  # a laptop's worth, when the machine says nothing


def check_size(size: Size, label: str, allow_large: bool = False,
               memory: int | None = None) -> None:
    """Refuse a run the machine cannot hold (ScenarioError saying the estimate and how to go
    on), unless `allow_large`."""
    if not size.contacts <= MAX_CONTACTS:  # inf included
        raise ScenarioError([Issue(label, "", (
            f"about {_count(size.contacts)} contacts a replication: more than the "
            f"{_count(MAX_CONTACTS)} any run may simulate; check the volumes (per_hour, per_day, "
            "demand.volume_factor) and the horizon"))])
    usable = USABLE_SHARE * (available_memory() if memory is None else memory)
    if allow_large or size.memory_bytes <= usable:
        return
    fewer = int(usable // max(size.contacts * BYTES_PER_CONTACT, 1))
    how = (f"run fewer replications (--replications {fewer} fits) or a shorter horizon, or pass "
           "--allow-large to run it anyway" if fewer >= 1 else
           "even one replication does not fit: shorten the horizon or lower the volume (or "
           "pass --allow-large to run it anyway)")
    raise ScenarioError([Issue(label, "", (
        f"too large for this machine: about {_count(size.contacts)} contacts a replication x "
        f"{size.replications} replications, {_count(size.events)} events and "
        f"{_bytes(size.memory_bytes)} of memory (at {BYTES_PER_CONTACT / 1000:.1f} kB a "
        f"contact), but {_bytes(usable)} can be used ({USABLE_SHARE:.0%} of the memory "
        f"available); {how}"))])


def _count(value: float) -> str:
    if value >= 1e12 or value != value:
        return f"{value:.2g}"
    if value >= 1e9:
        return f"{value / 1e9:,.1f} billion"
    if value >= 1e6:
        return f"{value / 1e6:,.1f} million"
    return f"{value:,.0f}"


def _bytes(value: float) -> str:
    if value >= 1e15 or value != value:
        return f"{value:.2g} bytes"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if value >= size:
            return f"{value / size:.1f} {unit}"
    return f"{value / 1e3:.0f} kB"
