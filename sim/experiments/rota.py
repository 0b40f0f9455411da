"""Rota design: shifts that cover the requirement at least cost, as an integer program.

A **shift shape** is a start time, a length and (in long shifts) a lunch break; a **week
pattern** is the set of weekdays worked (so many days a week, the days off in pairs). The
program chooses how many advisors work each shape on each week pattern: every advisor keeps
the same start all week. For each weekday and interval, the advisors on shift (lunch excluded)
must reach the requirement, and the program minimises the paid hours a week. With a fixed
headcount it minimises instead the intervals left short (advisor-intervals uncovered), and
only then the paid hours. Saturdays rotate: the advisors of one shape take the week patterns
of their group in turn, one week each, so "at most two Saturdays in four weeks" is a bound on
the share of the group's patterns that include Saturday.

The program is solved by HiGHS through `scipy.optimize.milp`, with a time limit; the status and
the optimality gap are reported as HiGHS gives them. Rules that cannot hold together are said
before solving (`RulesConflict`), naming the rules.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from sim.runs.intervals import Grid
from sim.scenario import minutes
from sim.scenario.rules import RotaRules
from sim.scenario.units import WEEKDAYS, format_clock


class RulesConflict(ValueError):
    """Rules (or rules and requirement) that cannot be met together; one line per conflict."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass(frozen=True)
class Shape:
    """A day's shift: start, length (minutes), lunch start (or None), part-time or not."""

    start: int
    length: int
    lunch: int | None
    lunch_length: int
    part_time: bool

    @property
    def end(self) -> int:
        return self.start + self.length

    @property
    def paid_min(self) -> int:
        return self.length - (self.lunch_length if self.lunch is not None else 0)

    def on_lines(self, slot: int, step: int) -> bool:
        """Whether the shift covers the interval [slot, slot + step) (lunch excluded)."""
        if not (self.start <= slot and slot + step <= self.end):
            return False
        if self.lunch is None:
            return True
        return slot + step <= self.lunch or slot >= self.lunch + self.lunch_length


def _whole(value: int, step: int) -> bool:
    return value % step == 0


def shapes(rules: RotaRules, the_grid: Grid) -> list[Shape]:
    """Every shift shape the rules allow on this grid; RulesConflict naming the rules if some
    length can never be worked."""
    step, problems = the_grid.interval_min, []
    first = rules.shifts.earliest_start if rules.shifts.earliest_start is not None \
        else the_grid.opens_min
    last = rules.shifts.latest_end if rules.shifts.latest_end is not None \
        else the_grid.closes_min
    if first < the_grid.opens_min:
        problems.append(f"shifts.earliest_start: {format_clock(first)} is before the lines "
                        f"open ({format_clock(the_grid.opens_min)})")
    if last > the_grid.closes_min:
        problems.append(f"shifts.latest_end: {format_clock(last)} is after the lines close "
                        f"({format_clock(the_grid.closes_min)})")
    start_step = int(minutes(rules.shifts.start_step))
    if not _whole(start_step, step) or start_step <= 0:
        problems.append(f"shifts.start_step: {start_step} min is not a whole number of "
                        f"{step}-min intervals")
    rest = minutes(rules.min_rest)
    lunch = rules.lunch
    out: list[Shape] = []
    lengths = [(int(minutes(d)), False) for d in rules.shifts.lengths]
    lengths += [(int(minutes(d)), True) for d in rules.part_time.lengths]
    for length, part in lengths:
        key = "part_time.lengths" if part else "shifts.lengths"
        shown = f"{length / 60:g}h"
        if not _whole(length, step):
            problems.append(f"{key}: {shown} is not a whole number of {step}-min intervals")
            continue
        clash = False
        if 24 * 60 - length < rest:
            problems.append(f"{key} and min_rest: a {shown} shift every day leaves "
                            f"{(24 * 60 - length) / 60:g}h between shifts, less than "
                            f"min_rest {rest / 60:g}h")
            clash = True
        if length > last - first:
            problems.append(f"{key}: {shown} does not fit between earliest_start "
                            f"{format_clock(first)} and latest_end {format_clock(last)}")
            clash = True
        if clash:
            continue
        found = []
        for start in range(first, last - length + 1, max(start_step, step)):
            if lunch is not None and length > minutes(lunch.after):
                ll = int(minutes(lunch.length))
                begin, end = lunch.window
                lunches = [t for t in range(begin, end - ll + 1, step)
                           if start < t and t + ll < start + length]
                found += [Shape(start, length, t, ll, part) for t in lunches]
            else:
                found.append(Shape(start, length, None, 0, part))
        if not found:
            problems.append(f"{key} and lunch.window: no {shown} shift between "
                            f"{format_clock(first)} and {format_clock(last)} can take its "
                            "lunch inside the lunch window")
        out += found
    if rules.part_time.lengths and rules.part_time.max_share == 0:
        problems.append("part_time.lengths: given, but part_time.max_share = 0 forbids them")
    if problems:
        raise RulesConflict(problems)
    return out


def week_patterns(days: int, open_days: tuple[str, ...], paired: bool) -> list[frozenset[str]]:
    """Sets of `days` open weekdays; with `paired`, every day off (open or not) is next to
    another day off, counted round the week."""
    out = []
    for chosen in itertools.combinations(open_days, days):
        work = frozenset(chosen)
        off = [d for d in WEEKDAYS if d not in work]
        if paired and off:
            index = {d: i for i, d in enumerate(WEEKDAYS)}
            alone = [d for d in off if WEEKDAYS[(index[d] + 1) % 7] in work
                     and WEEKDAYS[(index[d] - 1) % 7] in work]
            if alone:
                continue
        out.append(work)
    return out


@dataclass
class Rota:
    """The solved program: advisors per (shape, pattern), with what HiGHS said."""

    grid: Grid
    needed: np.ndarray  # weekdays x intervals: advisors required on shift
    columns: list[tuple[Shape, frozenset[str]]]
    counts: np.ndarray
    status: str
    message: str
    gap: float | None
    seconds: float
    time_limit_s: float
    rules: RotaRules
    coverage: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))

    @property
    def headcount(self) -> int:
        return int(self.counts.sum())

    @property
    def paid_hours_per_week(self) -> float:
        return float(sum(n * s.paid_min * len(w) for (s, w), n in zip(self.columns, self.counts,
                                                                       strict=True)) / 60)

    @property
    def uncovered(self) -> np.ndarray:
        return np.maximum(np.ceil(self.needed - 1e-9) - self.coverage, 0)


def check(rules: RotaRules, the_grid: Grid, needed: np.ndarray) -> tuple[
        list[Shape], list[frozenset[str]], list[frozenset[str]]]:
    """Shapes and week patterns (full-time, part-time), or RulesConflict for every rule that
    cannot hold with the others or with the requirement, before any solving."""
    problems: list[str] = []
    try:
        the_shapes = shapes(rules, the_grid)
    except RulesConflict as exc:
        problems += exc.problems
        the_shapes = []
    open_days = the_grid.weekdays
    full = week_patterns(rules.week.days, open_days, rules.week.paired_days_off) \
        if rules.week.days <= len(open_days) else []
    part = week_patterns(rules.part_time.days, open_days, rules.week.paired_days_off) \
        if rules.part_time.lengths and rules.part_time.days <= len(open_days) else []
    if rules.week.days > len(open_days):
        problems.append(f"week.days: {rules.week.days} working days, but the lines open "
                        f"{len(open_days)} days a week")
    elif not full:
        problems.append(f"week.days = {rules.week.days} and week.paired_days_off: no week "
                        "keeps every day off next to another")
    if rules.part_time.lengths and not part:
        problems.append(f"part_time.days = {rules.part_time.days}: no week pattern fits "
                        "the open days (and paired days off)")
    saturday = "sat" in open_days
    sat_need = saturday and float(needed[open_days.index("sat")].sum()) > 0
    if rules.week.max_saturdays is not None and sat_need and rules.headcount is None:
        if rules.week.max_saturdays == 0:
            problems.append("week.max_saturdays = 0, but the requirement has advisors on "
                            "Saturdays")
        elif full and all("sat" in w for w in full + part) and \
                rules.week.max_saturdays < rules.week.cycle_weeks:
            problems.append(f"week.days = {rules.week.days} and week.max_saturdays = "
                            f"{rules.week.max_saturdays} in {rules.week.cycle_weeks} weeks: "
                            "every week pattern includes Saturday")
    if the_shapes and rules.headcount is None:
        step = the_grid.interval_min
        short = []
        for d, day in enumerate(open_days):
            for t, slot in enumerate(the_grid.starts):
                if needed[d, t] > 0 and not any(s.on_lines(slot, step) for s in the_shapes):
                    short.append(f"{day} {format_clock(slot)}")
        if short:
            problems.append("shifts and lunch rules: no allowed shift is on the lines at "
                            f"{', '.join(short[:6])}{' ...' if len(short) > 6 else ''}, "
                            "where advisors are required (widen earliest_start/latest_end, "
                            "or the lunch window)")
    if problems:
        raise RulesConflict(problems)
    return the_shapes, full, part


def solve(rules: RotaRules, the_grid: Grid, needed: np.ndarray) -> Rota:
    """The integer program, checked then solved (HiGHS), with the rules' time limit."""
    the_shapes, full, part = check(rules, the_grid, needed)
    columns = [(s, w) for s in the_shapes for w in (part if s.part_time else full)]
    days, slots, step = len(the_grid.weekdays), len(the_grid.starts), the_grid.interval_min
    rows, cols = [], []
    for j, (shape, week) in enumerate(columns):
        for d, day in enumerate(the_grid.weekdays):
            if day not in week:
                continue
            for t, slot in enumerate(the_grid.starts):
                if shape.on_lines(slot, step):
                    rows.append(d * slots + t)
                    cols.append(j)
    n, m = len(columns), days * slots
    cover = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(m, n))
    paid = np.array([s.paid_min * len(w) / 60 for s, w in columns])
    need = np.ceil(needed.ravel() - 1e-9)
    constraints = []
    fixed = rules.headcount is not None
    if fixed:
        # x, then the first uncovered advisor of each interval (u1 <= 1), then the others
        # (u2): cover x + u1 + u2 >= need; sum x <= headcount. Lexicographic weights: fewest
        # uncovered advisor-intervals; then the shortfall spread (an interval short by two
        # only when no rota with the same total is short by at most one there); then paid
        # hours.
        # Total u2 is below the total need and total paid below `big`, so each level weighs
        # less than one unit of the level above.
        step_down = 1.0 / (float(need.sum()) + 2.0)
        big = float(rules.headcount * paid.max() + 1) if len(paid) else 1.0
        cost = np.concatenate([paid / big * step_down**2, np.ones(m),
                               np.full(m, 1.0 + step_down)])
        matrix = sparse.hstack([cover, sparse.identity(m), sparse.identity(m)]).tocsr()
        constraints.append(LinearConstraint(matrix, need, np.inf))
        constraints.append(LinearConstraint(
            sparse.hstack([sparse.csr_matrix(np.ones((1, n))), sparse.csr_matrix((1, 2 * m))]),
            -np.inf, rules.headcount))
        width = n + 2 * m
        integrality = np.concatenate([np.ones(n), np.zeros(2 * m)])
    else:
        cost, width, integrality = paid, n, np.ones(n)
        constraints.append(LinearConstraint(cover, need, np.inf))
    pad = width - n

    def row(values: np.ndarray) -> sparse.csr_matrix:
        return sparse.hstack([sparse.csr_matrix(values.reshape(1, -1)),
                              sparse.csr_matrix((1, pad))]).tocsr()

    if rules.part_time.lengths:
        is_part = np.array([s.part_time for s, _ in columns], dtype=float)
        constraints.append(LinearConstraint(row(is_part - rules.part_time.max_share), -np.inf,
                                            0.0))
    if rules.week.max_saturdays is not None and "sat" in the_grid.weekdays:
        share = rules.week.max_saturdays / rules.week.cycle_weeks
        for shape in the_shapes:
            coef = np.array([(1.0 - share if "sat" in w else -share) if s == shape else 0.0
                             for s, w in columns])
            if np.any(coef > 0):
                constraints.append(LinearConstraint(row(coef), -np.inf, 0.0))
    limit = minutes(rules.time_limit) * 60
    started = time.perf_counter()
    upper = np.full(width, np.inf)
    if fixed:
        upper[n:n + m] = 1.0
    result = milp(cost, constraints=constraints, integrality=integrality,
                  bounds=Bounds(0, upper), options={"time_limit": limit, "disp": False})
    seconds = time.perf_counter() - started
    status = {0: "optimal", 1: "time limit reached", 2: "infeasible", 3: "unbounded"}.get(
        result.status, "failed")
    counts = np.zeros(n, dtype=int) if result.x is None else np.round(result.x[:n]).astype(int)
    gap = getattr(result, "mip_gap", None)
    rota = Rota(the_grid, needed, columns, counts, status, str(result.message),
                None if gap is None or result.x is None else float(gap), seconds, limit, rules)
    rota.coverage = (cover @ counts).reshape(days, slots) if n else np.zeros((days, slots))
    return rota


def read_requirements(table: pd.DataFrame, the_grid: Grid, label: str,
                      column: str = "fte_paid") -> np.ndarray:
    """The advisors to schedule per weekday and interval, from a `requirements.csv` table;
    RulesConflict (one line per problem) if it does not match the scenario's calendar."""
    problems = []
    for name in ("weekday", "start", "end", column):
        if name not in table:
            problems.append(f"{label}: column {name!r} is missing")
    if problems:
        raise RulesConflict(problems)
    needed = np.full((len(the_grid.weekdays), len(the_grid.starts)), np.nan)
    index = {s: i for i, s in enumerate(the_grid.starts)}
    for number, row in enumerate(table.itertuples(index=False), start=2):
        day, start, end = str(row.weekday), str(row.start), str(row.end)
        value = getattr(row, column)
        where = f"{label}: line {number}"
        if day not in the_grid.weekdays:
            problems.append(f"{where}: weekday: the lines are not open on {day!r}")
            continue
        try:
            s = int(start[:2]) * 60 + int(start[3:5])
            e = int(end[:2]) * 60 + int(end[3:5])
        except ValueError:
            problems.append(f"{where}: start/end: not HH:MM ({start!r}, {end!r})")
            continue
        if s not in index or e - s != the_grid.interval_min:
            problems.append(f"{where}: start: {start}-{end} is not a {the_grid.interval_min}-"
                            "min interval of the opening hours "
                            f"({format_clock(the_grid.opens_min)}-"
                            f"{format_clock(the_grid.closes_min)})")
            continue
        try:
            number_value = float(value)
        except (TypeError, ValueError):
            number_value = math.nan
        if not math.isfinite(number_value) or number_value < 0:
            problems.append(f"{where}: {column}: must be a number >= 0 ({value!r})")
            continue
        needed[the_grid.weekdays.index(day), index[s]] = number_value
    missing = [f"{the_grid.weekdays[d]} {format_clock(the_grid.starts[t])}"
               for d, t in zip(*np.nonzero(np.isnan(needed)), strict=True)]
    if missing and not problems:
        problems.append(f"{label}: no requirement for {len(missing)} open interval(s): "
                        f"{', '.join(missing[:6])}{' ...' if len(missing) > 6 else ''}")
    if problems:
        raise RulesConflict(problems)
    return needed


def rota_shifts(rota: Rota) -> list[dict[str, Any]]:
    """The rota as `[[staff.shifts]]` tables (one per shape and week pattern)."""
    out = []
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    for (shape, week), n in zip(rota.columns, rota.counts, strict=True):
        if n <= 0:
            continue
        days = sorted(week, key=order.__getitem__)
        name = (f"{'p' if shape.part_time else 'f'}{format_clock(shape.start).replace(':', '')}"
                f"-{format_clock(shape.end).replace(':', '')}-{'-'.join(days)}")
        entry: dict[str, Any] = {"name": name, "advisors": int(n), "days": days,
                                 "start": format_clock(shape.start),
                                 "end": format_clock(shape.end)}
        if shape.lunch is not None:
            name = f"{name}-l{format_clock(shape.lunch).replace(':', '')}"
            entry["name"] = name
            entry["lunch"] = [format_clock(shape.lunch),
                              format_clock(shape.lunch + shape.lunch_length)]
        out.append(entry)
    return out


def fragment(shifts: list[dict[str, Any]]) -> str:
    """The shifts as TOML to paste into a scenario's `[staff]` (instead of `advisors`)."""
    lines = ["# Shifts designed by `helpline roster`: put them in the scenario instead of",
             "# staff.advisors (and days_per_week).", ""]
    for shift in shifts:
        lines.append("[[staff.shifts]]")
        lines.append(f'name = "{shift["name"]}"')
        lines.append(f"advisors = {shift['advisors']}")
        lines.append("days = [" + ", ".join(f'"{d}"' for d in shift["days"]) + "]")
        lines.append(f'start = "{shift["start"]}"')
        lines.append(f'end = "{shift["end"]}"')
        if "lunch" in shift:
            lines.append(f'lunch = ["{shift["lunch"][0]}", "{shift["lunch"][1]}"]')
        lines.append("")
    return "\n".join(lines)


def _spread(patterns: list[frozenset[str]]) -> list[frozenset[str]]:
    """Order a group's week patterns so those with a Saturday are evenly spaced."""
    sat = [w for w in patterns if "sat" in w]
    other = [w for w in patterns if "sat" not in w]
    if not sat or not other:
        return patterns
    out: list[frozenset[str]] = []
    places = {math.floor(i * len(patterns) / len(sat)) for i in range(len(sat))}
    for k in range(len(patterns)):
        out.append(sat.pop() if k in places and sat else other.pop() if other else sat.pop())
    return out


def roster_table(rota: Rota) -> pd.DataFrame:
    """One row per advisor, week of the cycle and day worked: start, end and lunch. The
    advisors of one shape rotate through their group's week patterns, one a week."""
    rows = []
    advisor = 0
    order = {d: i for i, d in enumerate(WEEKDAYS)}
    by_shape: dict[Shape, list[frozenset[str]]] = {}
    for (shape, week), n in zip(rota.columns, rota.counts, strict=True):
        by_shape.setdefault(shape, []).extend([week] * int(n))
    weeks = rota.rules.week.cycle_weeks
    for shape, patterns in by_shape.items():
        if not patterns:
            continue
        patterns = _spread(patterns)
        for k in range(len(patterns)):
            advisor += 1
            for c in range(weeks):
                week = patterns[(k + c) % len(patterns)]
                for day in sorted(week, key=order.__getitem__):
                    rows.append({
                        "advisor": f"A{advisor:03d}", "week": c + 1, "day": day,
                        "start": format_clock(shape.start), "end": format_clock(shape.end),
                        "lunch_start": format_clock(shape.lunch) if shape.lunch is not None
                        else "", "lunch_end": format_clock(shape.lunch + shape.lunch_length)
                        if shape.lunch is not None else "",
                        "part_time": shape.part_time})
    return pd.DataFrame(rows, columns=["advisor", "week", "day", "start", "end", "lunch_start",
                                       "lunch_end", "part_time"])


def coverage_table(rota: Rota) -> pd.DataFrame:
    """Per weekday and interval: advisors required on shift, scheduled, and uncovered."""
    frame = rota.grid.frame()
    frame["required"] = rota.needed.ravel()
    frame["scheduled"] = rota.coverage.ravel().astype(int)
    frame["uncovered"] = rota.uncovered.ravel().astype(int)
    return frame


def saturdays_per_advisor(roster: pd.DataFrame) -> int:
    """The most Saturdays any advisor works in the cycle (0 without Saturdays)."""
    sat = roster[roster["day"] == "sat"]
    return int(sat.groupby("advisor").size().max()) if len(sat) else 0
