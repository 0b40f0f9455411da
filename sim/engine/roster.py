"""The roster: when each advisor is on the lines.

Advisors work the open hours (`staff.advisors = 15`), possibly on a rota of a few days a week
each (`staff.days_per_week`), in named shifts, or in groups. Some days an advisor is absent
(`shrinkage`, drawn per advisor and day); meetings take whole teams off the lines at scheduled
times spread evenly over the year (four team meetings a year per team, two all-advisor
meetings). What is left is each advisor's **availability**: intervals during which they take work.
An interval ends either at the end of a shift or at the start of a meeting; the difference
matters, because work finished after a shift's end is overtime.

Every advisor belongs to a **team**: "in-house" (or the group's name), "callbacks" for the
advisors reserved for callbacks, and "provider" for a subcontractor's advisors, who work the
provider's hours and have neither in-house meetings nor in-house absences.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.engine.calendar import Calendar
from sim.engine.streams import Streams
from sim.scenario import Scenario, minutes
from sim.scenario.units import WEEKDAYS
from sim.vocabulary import DAY, INHOUSE, PROVIDER, RESERVED

SHIFT_END, MEETING = 0, 1
"""How an availability interval ends."""


@dataclass(frozen=True)
class ShiftSpec:
    """Advisors working the same hours on the same days, in one team."""

    advisors: int
    start: int
    end: int
    days: frozenset[str] | None
    team: str
    lunch: tuple[int, int] | None = None


@dataclass
class Roster:
    """Availability and scheduled time of every advisor over the horizon."""

    advisors: int
    available: list[list[tuple[float, float, int]]]  # per advisor: (start, end, how it ends)
    team_of: list[str] = field(default_factory=list)  # per advisor
    scheduled: list[tuple[int, float, float]] = field(default_factory=list)  # shift pieces
    absent: list[tuple[int, float, float]] = field(default_factory=list)
    meetings: list[tuple[int, float, float, str]] = field(default_factory=list)


def build_roster(scenario: Scenario, calendar: Calendar, streams: Streams) -> Roster:
    """Shifts minus absences minus meetings, per advisor."""
    staff = scenario.staff
    shifts = shift_specs(scenario)
    pieces_by_shift = _shift_pieces(scenario, calendar, shifts)
    shift_of = [i for i, shift in enumerate(shifts) for _ in range(shift.advisors)]
    team_of = [shifts[i].team for i in shift_of]
    inhouse = sum(team != PROVIDER for team in team_of)
    for advisor in range(inhouse - scenario.callbacks.reserved_advisors, inhouse):
        team_of[advisor] = RESERVED
    roster = Roster(len(shift_of), [], team_of)
    meetings = _meeting_times(scenario, calendar, inhouse)
    rota = _rota(scenario, inhouse)
    for advisor, shift in enumerate(shift_of):
        pieces = pieces_by_shift[shift]
        if team_of[advisor] == PROVIDER:  # the provider's own business: no meeting, no absence
            roster.scheduled.extend((advisor, a, b) for a, b in pieces)
            roster.available.append(_merge([(a, b, SHIFT_END) for a, b in pieces]))
            continue
        if rota is not None:
            weekdays = rota[advisor]
            pieces = [(a, b) for a, b in pieces
                      if WEEKDAYS[calendar.weekday(int(a // DAY))] in weekdays]
        roster.scheduled.extend((advisor, a, b) for a, b in pieces)
        if staff.shrinkage > 0 and pieces:
            days = np.array([int(a // DAY) for a, _ in pieces])
            absent_day = streams.uniform(calendar.days, "absence", str(advisor)) < staff.shrinkage
            keep = []
            for (a, b), day in zip(pieces, days, strict=True):
                if absent_day[day]:
                    roster.absent.append((advisor, a, b))
                else:
                    keep.append((a, b))
            pieces = keep
        own = [m for m in meetings if m[0] == advisor]
        roster.meetings.extend(own)
        roster.available.append(_merge(_subtract(pieces, own)))
    return roster


def _rota(scenario: Scenario, advisors: int) -> list[frozenset[str]] | None:
    """With `staff.days_per_week`: the weekdays of each advisor, spread so every open day has
    as many advisors as possible (advisor i starts on open day i * k, k days in a row)."""
    k = scenario.staff.days_per_week
    if k is None:
        return None
    days = scenario.calendar.open_days
    return [frozenset(days[(i * k + j) % len(days)] for j in range(k)) for i in range(advisors)]


def shift_specs(scenario: Scenario) -> list[ShiftSpec]:
    """The shifts of the scenario: a plain count or each group works the open hours; the
    provider's advisors come last."""
    staff, cal = scenario.staff, scenario.calendar
    opens, closes = cal.open_hours
    if staff.advisors is not None:
        out = [ShiftSpec(staff.advisors, opens, closes, None, INHOUSE)]
    elif staff.groups:
        out = [ShiftSpec(g.advisors, opens, closes, None, g.name) for g in staff.groups]
    else:
        out = [ShiftSpec(s.advisors, s.start, s.end, frozenset(s.days) if s.days else None,
                         INHOUSE, s.lunch) for s in staff.shifts]
    provider = scenario.outsourcing
    if provider is not None:
        start, end = scenario.provider_hours()
        out.append(ShiftSpec(provider.advisors, start, end,
                             frozenset(provider.days) if provider.days else None, PROVIDER))
    return out


def _shift_pieces(scenario: Scenario, calendar: Calendar,
                  shifts: list[ShiftSpec]) -> list[list[tuple[float, float]]]:
    """Per shift, its working pieces (one per day, split at midnight) over the horizon."""
    out = []
    open_days = frozenset(scenario.calendar.open_days)
    for shift in shifts:
        start, end = shift.start, shift.end
        wanted = shift.days if shift.days is not None else open_days
        pieces = []
        for day in range(calendar.days):
            date = calendar.date(day)
            if WEEKDAYS[date.weekday()] in wanted and date not in calendar.holidays:
                if shift.lunch is None:
                    pieces.append((day * DAY + start, day * DAY + end))
                else:  # off the lines at lunch: two pieces, the morning one ending at a shift end
                    pieces.append((day * DAY + start, day * DAY + shift.lunch[0]))
                    pieces.append((day * DAY + shift.lunch[1], day * DAY + end))
        out.append(pieces)
    return out


def _meeting_times(
    scenario: Scenario, calendar: Calendar, advisors: int
) -> list[tuple[int, float, float, str]]:
    """Meetings spread evenly over the horizon, teams staggered, moved to the next open day."""
    out: list[tuple[int, float, float, str]] = []
    for meeting in scenario.staff.meetings:
        spacing = 365.25 / meeting.per_year
        at = scenario.meeting_at(meeting)
        length = minutes(meeting.duration)
        for team in range(meeting.teams):
            members = [a for a in range(advisors) if a % meeting.teams == team]
            offset = (team + 1) / (meeting.teams + 1)
            k = 0
            while (nominal := int((k + offset) * spacing)) < calendar.days:
                day = nominal
                while day < calendar.days and not calendar.open_day[day]:
                    day += 1
                if day < calendar.days:
                    begin = day * DAY + at
                    out.extend((a, begin, begin + length, meeting.name) for a in members)
                k += 1
    return out


def _subtract(
    pieces: list[tuple[float, float]], meetings: list[tuple[int, float, float, str]]
) -> list[tuple[float, float, int]]:
    """Remove meeting times from working pieces, noting which pieces end at a meeting."""
    out: list[tuple[float, float, int]] = [(a, b, SHIFT_END) for a, b in pieces]
    for _, m_start, m_end, _ in meetings:
        cut = []
        for a, b, kind in out:
            if m_end <= a or m_start >= b:
                cut.append((a, b, kind))
                continue
            if a < m_start:
                cut.append((a, m_start, MEETING))
            if m_end < b:
                cut.append((m_end, b, kind))
        out = cut
    return out


def _merge(pieces: list[tuple[float, float, int]]) -> list[tuple[float, float, int]]:
    """Join pieces that touch (a 24/7 advisor works through midnight)."""
    out: list[tuple[float, float, int]] = []
    for a, b, kind in sorted(pieces):
        if b <= a:
            continue
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b, kind)
        else:
            out.append((a, b, kind))
    return out
