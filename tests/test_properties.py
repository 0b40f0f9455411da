"""Invariants of every replication: conservation, waits, occupancy, Little's law, reproducibility
and common random numbers (design notes 5 and 8).

Scenarios are tiny (a few days, tens of calls an hour) so that hypothesis can try many of them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import ALWAYS_OPEN, DAY_MIN, WEEK, WORKING_WEEK, exponential, scenario
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

import sim
from sim.engine.calendar import Calendar
from sim.engine.model import draw, run_replication
from sim.measures.kpis import advisor_days, replication_kpis, window
from sim.scenario import Scenario, with_overrides
from sim.tables import Tables

SETTINGS = settings(deadline=None, max_examples=40,
                    suppress_health_check=[HealthCheck.too_slow])
OFFICE_HOURS = {"open_days": WORKING_WEEK, "open_hours": ["09:00", "18:00"]}
LINES_KINDS = ("available", "overtime", "late")
EPS = 1e-9

seeds = st.integers(min_value=0, max_value=2**32 - 1)
replications = st.integers(min_value=0, max_value=5)


@st.composite
def small_scenarios(draw_: Any) -> Scenario:
    """A few days of a small helpline, with or without patience, retrials, absences, meetings,
    shifts, office hours and demand outside them."""
    office = draw_(st.booleans())
    calendar = OFFICE_HOURS if office else ALWAYS_OPEN
    if draw_(st.booleans()):
        calendar = {**calendar, "public_holidays": "fr"}  # 1 Jan and 8 May 2024 are holidays
    demand = {"hour_weights": [1.0] * 24} if draw_(st.booleans()) else None
    talk = draw_(st.sampled_from([
        exponential(3.0),
        {"dist": "lognormal", "mean": "5min", "cv": 0.8},
        {"dist": "constant", "value": "4min"},
    ]))
    wrap_up = draw_(st.sampled_from([{"dist": "constant", "value": "0s"},
                                     {"dist": "constant", "value": "30s"}]))
    channel: dict[str, Any] = {}
    patience = draw_(st.sampled_from([None, exponential(2.0), exponential(8.0)]))
    if patience is not None:
        channel["patience"] = patience
    if draw_(st.booleans()):
        channel["retry"] = {"probability": draw_(st.sampled_from([0.5, 1.0])),
                            "delay": exponential(10.0),
                            "max_attempts": draw_(st.integers(2, 3))}
    if draw_(st.booleans()):
        staff: dict[str, Any] = {"advisors": draw_(st.integers(1, 4))}
    else:
        staff = {"shifts": [
            {"name": "early", "advisors": draw_(st.integers(0, 2)), "start": "08:00",
             "end": "14:00"},
            {"name": "late", "advisors": draw_(st.integers(1, 2)), "start": "12:00",
             "end": "20:00"}]}
    staff["shrinkage"] = draw_(st.sampled_from([0.0, 0.3]))
    if draw_(st.booleans()):
        staff["meetings"] = [{"name": "team", "per_year": 300, "duration": "1h", "teams": 2,
                              "at": "10:00"}]
    return scenario(
        start=draw_(st.sampled_from([date(2024, 1, 1), date(2024, 1, 4), date(2024, 5, 7)])),
        days=draw_(st.integers(2, 4)),
        warmup_days=draw_(st.integers(0, 1)),
        calendar=calendar,
        demand=demand,
        sources=[{"name": "all", "volume": {"per_hour": draw_(st.sampled_from([10, 25, 40]))}}],
        case_types=[{"name": "call", "share": 1.0, "talk": talk, "wrap_up": wrap_up}],
        channel=channel,
        staff=staff,
    )


def _last_calls(calls: pd.DataFrame) -> pd.DataFrame:
    return calls.groupby("contact").tail(1).set_index("contact")


# --- conservation -------------------------------------------------------------------------------


@SETTINGS
@given(small_scenarios(), seeds, replications)
def test_every_contact_ends_in_exactly_one_state_consistent_with_its_calls(sc, seed, rep):
    tables = run_replication(sc, seed, rep)
    members = draw(sc, seed, rep)
    contacts, calls = tables.contacts, tables.calls
    n = len(contacts)
    assert (contacts["contact"].to_numpy() == np.arange(n)).all()
    assert contacts["outcome"].notna().all()
    assert set(contacts["outcome"].astype(str)) <= {"answered", "abandoned", "closed", "open"}
    # one row per attempt, attempts numbered 1, 2, ... in order
    per_contact = calls.groupby("contact").size().reindex(np.arange(n), fill_value=0)
    assert (per_contact.to_numpy() == contacts["attempts"].to_numpy()).all()
    assert (contacts["attempts"] >= 1).all()
    assert (calls["attempt"].to_numpy() == calls.groupby("contact").cumcount().to_numpy() + 1).all()
    first = calls.groupby("contact").head(1).set_index("contact")["arrived_min"]
    np.testing.assert_allclose(first.to_numpy(), contacts["arrived_min"].to_numpy(), rtol=1e-12)

    answered_calls = (calls["outcome"] == "answered").groupby(calls["contact"]).sum()
    answered = (contacts["outcome"] == "answered").to_numpy()
    assert (answered_calls.to_numpy()[answered] == 1).all()
    assert (answered_calls.to_numpy()[~answered] == 0).all()

    last = _last_calls(calls)
    outcome = contacts["outcome"].astype(str).to_numpy()
    last_outcome = last["outcome"].astype(str).to_numpy()
    for state in ("answered", "abandoned", "closed"):
        assert (last_outcome[outcome == state] == state).all(), state
    assert set(last_outcome[outcome == "open"]) <= {"waiting", "abandoned", "closed"}

    # a contact whose last attempt failed stays open only if the member will try again
    max_attempts = sc.channel.retry.max_attempts
    attempts = contacts["attempts"].to_numpy()
    will_retry = (attempts < max_attempts) & members.contacts.retries[
        np.arange(n), np.minimum(attempts, max_attempts) - 1]
    failed = np.isin(last_outcome, ["abandoned", "closed"])
    assert (will_retry[failed & (outcome == "open")]).all()
    assert (~will_retry[np.isin(outcome, ["abandoned", "closed"])]).all()

    # the answer reaches the member when the talk ends
    ends = last["arrived_min"].to_numpy() + last["wait_min"].to_numpy() + members.contacts.talk
    answered_at = contacts["answered_min"].to_numpy()
    np.testing.assert_allclose(answered_at[answered], ends[answered], rtol=1e-12, atol=EPS)
    assert np.isnan(answered_at[~answered]).all()


def test_a_members_first_call_is_recorded_at_the_exact_arrival_time_of_the_contact():
    # The calls and contacts tables must agree to the last bit, so that they can be joined on
    # times. Seed 25 has its second member ring at 11.364726234991627 min.
    sc = scenario(days=1, sources=[{"name": "all", "volume": {"per_hour": 10}}])
    for seed in range(40):
        tables = run_replication(sc, seed, 0)
        first = tables.calls.groupby("contact").head(1)["arrived_min"].to_numpy()
        arrived = tables.contacts["arrived_min"].to_numpy()
        differ = np.flatnonzero(first != arrived)
        assert len(differ) == 0, (
            f"seed {seed}: contacts {differ.tolist()} arrived at "
            f"{arrived[differ].tolist()} but their first call at {first[differ].tolist()}")


@SETTINGS
@given(small_scenarios(), seeds, replications)
def test_waits_are_never_negative_and_an_abandoned_caller_waited_exactly_their_patience(
        sc, seed, rep):
    tables = run_replication(sc, seed, rep)
    calls = tables.calls
    patience = draw(sc, seed, rep).contacts.patience[calls["contact"].to_numpy(),
                                                     calls["attempt"].to_numpy() - 1]
    wait = calls["wait_min"].to_numpy()
    outcome = calls["outcome"].astype(str).to_numpy()
    assert (wait >= 0).all()
    assert (wait[outcome == "closed"] == 0).all()
    abandoned = outcome == "abandoned"
    np.testing.assert_allclose(wait[abandoned], patience[abandoned], rtol=1e-12, atol=EPS)
    assert (wait[outcome == "answered"] <= patience[outcome == "answered"]).all()
    still = outcome == "waiting"
    assert (wait[still] <= patience[still]).all()
    end = sc.horizon.days * DAY_MIN
    np.testing.assert_allclose(calls["arrived_min"].to_numpy()[still] + wait[still], end)
    if sc.channel.patience is None:
        assert not abandoned.any()


# --- occupancy ----------------------------------------------------------------------------------


def _lines_intervals(tables: Tables, advisor: int) -> np.ndarray:
    """An advisor's time on the lines (available, overtime, late), touching pieces merged."""
    time = tables.advisor_time
    mine = time[(time["advisor"] == advisor) & time["kind"].isin(LINES_KINDS)]
    merged: list[list[float]] = []
    for start, end in sorted(zip(mine["start"], mine["end"], strict=True)):
        if merged and start <= merged[-1][1] + EPS:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged).reshape(-1, 2)


@SETTINGS
@given(small_scenarios(), seeds, replications)
def test_advisors_work_one_task_at_a_time_only_while_on_the_lines_and_occupancy_is_at_most_one(
        sc, seed, rep):
    tables = run_replication(sc, seed, rep)
    end_time = sc.horizon.days * DAY_MIN
    tasks = tables.tasks.sort_values(["advisor", "start_min"], kind="stable")
    for advisor, own in tasks.groupby("advisor"):
        start = own["start_min"].to_numpy()
        end = np.minimum(own["end_min"].to_numpy(), end_time)
        assert (start[1:] >= end[:-1] - EPS).all(), f"advisor {advisor} works two calls at once"
        lines = _lines_intervals(tables, int(advisor))
        k = np.searchsorted(lines[:, 0], start + EPS, side="right") - 1
        assert (k >= 0).all(), f"advisor {advisor} works before ever being on the lines"
        inside = (start >= lines[k, 0] - EPS) & (end <= lines[k, 1] + EPS)
        assert inside.all(), (f"advisor {advisor} works off the lines: tasks "
                              f"{own[~inside][['start_min', 'end_min']].to_numpy()[:3]}, "
                              f"lines {lines[k[~inside]][:3]}")
    days = advisor_days(tables, sc)
    assert (days["occupancy"].dropna() <= 1 + EPS).all()
    assert (days["work_hours"] <= days["lines_hours"] + EPS).all()
    kpis = replication_kpis(tables, sc)
    assert np.isnan(kpis["occupancy"]) or 0 <= kpis["occupancy"] <= 1 + EPS


# --- Little's law on the queue ------------------------------------------------------------------


@SETTINGS
@given(seeds, st.integers(4, 6), st.sampled_from([None, 1.0, 6.0]))
def test_littles_law_holds_on_the_queue_between_two_instants_when_nobody_waits(
        seed, advisors, patience_min):
    channel = {} if patience_min is None else {"patience": exponential(patience_min)}
    sc = scenario(days=3, warmup_days=1, sources=[{"name": "all", "volume": {"per_hour": 60}}],
                  case_types=[{"name": "call", "share": 1.0, "talk": exponential(3.0)}],
                  channel=channel, staff={"advisors": advisors})
    calls = run_replication(sc, seed, 0).calls
    arrived = calls["arrived_min"].to_numpy()
    left = arrived + calls["wait_min"].to_numpy()
    lo, hi = window(sc)
    # a caller answered on arrival found an advisor free: nobody was waiting at that instant
    empty = arrived[(calls["outcome"] == "answered").to_numpy() & (left == arrived)]
    empty = empty[(empty >= lo) & (empty <= hi)]
    a, b = empty[0], empty[-1]
    assert b - a > DAY_MIN, "the queue should empty often at this load"
    assert not ((arrived < a) & (left > a)).any(), "a caller was waiting at an empty instant"
    assert not ((arrived < b) & (left > b)).any(), "a caller was waiting at an empty instant"

    # time-average number waiting on [a, b), by sweeping the queue length over time
    begin, end = np.clip(arrived, a, b), np.clip(left, a, b)
    times = np.concatenate([begin, end])
    steps = np.concatenate([np.ones(len(begin)), -np.ones(len(end))])
    order = np.argsort(times, kind="stable")
    queue = np.cumsum(steps[order])
    mean_queue = float(np.sum(queue[:-1] * np.diff(times[order]))) / (b - a)

    offered = (arrived >= a) & (arrived < b)
    rate = offered.sum() / (b - a)
    mean_wait = float((left - arrived)[offered].mean())
    assert mean_queue == pytest.approx(rate * mean_wait, rel=1e-9, abs=1e-12)


# --- reproducibility and common random numbers ------------------------------------------------


@settings(deadline=None, max_examples=10)
@given(small_scenarios(), seeds, replications)
def test_same_scenario_and_seed_give_identical_tables(sc, seed, rep):
    first, second = run_replication(sc, seed, rep), run_replication(sc, seed, rep)
    for name in ("contacts", "calls", "tasks", "advisor_time"):
        assert_frame_equal(getattr(first, name), getattr(second, name), check_exact=True)


@settings(deadline=None, max_examples=10)
@given(seeds, replications)
def test_another_replication_draws_other_members(seed, rep):
    sc = scenario(days=2)
    mine = run_replication(sc, seed, rep).contacts["arrived_min"].to_numpy()
    other = run_replication(sc, seed, rep + 1).contacts["arrived_min"].to_numpy()
    assert len(mine) != len(other) or not np.array_equal(mine, other)
    another_seed = run_replication(sc, seed + 1, rep).contacts["arrived_min"].to_numpy()
    assert len(mine) != len(another_seed) or not np.array_equal(mine, another_seed)


def test_parallel_run_gives_the_tables_of_a_serial_run():
    sc = scenario(days=2, channel={"patience": exponential(3.0),
                                   "retry": {"probability": 0.5, "delay": exponential(5.0),
                                             "max_attempts": 2}})
    serial = sim.run(sc, replications=3, seed=11, workers=1)
    parallel = sim.run(sc, replications=3, seed=11, workers=2)
    assert_frame_equal(serial.replications, parallel.replications, check_exact=True)
    assert_frame_equal(serial.calls, parallel.calls, check_exact=True)
    assert_frame_equal(serial.contacts, parallel.contacts, check_exact=True)


TWO_CASE_TYPES = [
    {"name": "quick", "share": 0.6, "talk": exponential(2.0)},
    {"name": "long", "share": 0.4, "talk": {"dist": "lognormal", "mean": "9min", "cv": 0.7},
     "wrap_up": {"dist": "constant", "value": "1min"}},
]


def _crn_base() -> Scenario:
    return scenario(days=3, calendar=OFFICE_HOURS,
                    sources=[{"name": "north", "volume": {"per_hour": 20}},
                             {"name": "south", "volume": {"per_day": 90}}],
                    case_types=TWO_CASE_TYPES,
                    channel={"patience": exponential(4.0),
                             "retry": {"probability": 0.6, "delay": exponential(15.0),
                                       "max_attempts": 3}},
                    staff={"advisors": 3})


def _same_members(a: Scenario, b: Scenario, seed: int, rep: int) -> tuple[Tables, Tables]:
    """Assert two scenarios meet the same members; return both replications' tables."""
    ta, tb = run_replication(a, seed, rep), run_replication(b, seed, rep)
    for column in ("contact", "source", "case_type", "arrived_min"):
        assert_series_equal(ta.contacts[column], tb.contacts[column], check_exact=True)
    return ta, tb


def _talk_of_answered(tables: Tables) -> pd.Series:
    """Call task duration (talk + wrap-up) per answered contact."""
    tasks = tables.tasks[tables.tasks["kind"] == "call"]
    return (tasks["end_min"] - tasks["start_min"]).set_axis(tasks["contact"]).sort_index()


@settings(deadline=None, max_examples=15)
@given(st.integers(1, 8), st.integers(1, 8), seeds)
def test_changing_the_staffing_leaves_every_member_unchanged(advisors_a, advisors_b, seed):
    base = _crn_base()
    a = with_overrides(base, {"staff.advisors": advisors_a})
    b = with_overrides(base, {"staff.advisors": advisors_b})
    ta, tb = _same_members(a, b, seed, 0)
    work_a, work_b = _talk_of_answered(ta), _talk_of_answered(tb)
    both = work_a.index.intersection(work_b.index)
    assert len(both) > 0
    # durations are end - start of the tasks table: equal up to the rounding of the clock
    np.testing.assert_allclose(work_a[both].to_numpy(), work_b[both].to_numpy(), atol=EPS)
    ma, mb = draw(a, seed, 0).contacts, draw(b, seed, 0).contacts
    for field in ("arrived", "case_type", "talk", "wrap_up", "patience", "retries",
                  "retry_delay"):
        np.testing.assert_array_equal(getattr(ma, field), getattr(mb, field), err_msg=field)


@settings(deadline=None, max_examples=10)
@given(st.sampled_from([1.0, 2.0, 10.0, 60.0]), seeds)
def test_changing_the_patience_leaves_arrivals_case_types_and_talk_times_unchanged(
        patience_min, seed):
    base = _crn_base()
    other = with_overrides(base, {"channel.patience": exponential(patience_min)})
    _same_members(base, other, seed, 1)
    ma, mb = draw(base, seed, 1).contacts, draw(other, seed, 1).contacts
    np.testing.assert_array_equal(ma.talk, mb.talk)
    np.testing.assert_array_equal(ma.retries, mb.retries)


@settings(deadline=None, max_examples=10)
@given(st.sampled_from([1.0, 2.5, 7.0]), seeds)
def test_changing_the_talk_time_leaves_arrivals_and_case_types_and_keeps_the_coupling(
        quick_mean, seed):
    base = _crn_base()
    other = with_overrides(base, {"case_types.quick.talk": exponential(quick_mean)})
    _same_members(base, other, seed, 2)
    ma, mb = draw(base, seed, 2).contacts, draw(other, seed, 2).contacts
    quick = ma.case_type == 0
    # inverse transform on the same uniform: an exponential talk scales with its mean
    np.testing.assert_allclose(mb.talk[quick], ma.talk[quick] * quick_mean / 2.0, rtol=1e-12)
    np.testing.assert_array_equal(ma.talk[~quick], mb.talk[~quick])
    np.testing.assert_array_equal(ma.patience, mb.patience)


# --- retrials -----------------------------------------------------------------------------------

RETRY = {"probability": 0.7, "delay": exponential(10.0), "max_attempts": 3}


@SETTINGS
@given(st.booleans(), seeds, replications)
def test_retrials_respect_max_attempts_and_the_member_tries_again_after_the_delay(
        office, seed, rep):
    calendar = OFFICE_HOURS if office else ALWAYS_OPEN
    demand = {"hour_weights": [1.0] * 24, "weekday_weights": [1.0] * 7} if office else None
    sc = scenario(days=4, warmup_days=1, calendar=calendar, demand=demand,
                  sources=[{"name": "all", "volume": {"per_hour": 40}}],
                  case_types=[{"name": "call", "share": 1.0, "talk": exponential(4.0)}],
                  channel={"patience": exponential(3.0), "retry": RETRY},
                  staff={"advisors": 2})
    tables = run_replication(sc, seed, rep)
    contacts, calls = tables.contacts, tables.calls
    assert contacts["attempts"].max() <= 3
    assert calls["attempt"].max() <= 3
    assert (contacts["attempts"] > 1).any(), "this overloaded line should see retrials"
    last = _last_calls(calls)
    gave_up = (contacts["outcome"] == "abandoned").to_numpy()
    assert (last["outcome"].astype(str).to_numpy()[gave_up] == "abandoned").all()
    assert (contacts.loc[gave_up, "attempts"] < 3).any(), "some members decide not to retry"

    # each retrial rings exactly the drawn delay after the previous attempt failed (after a
    # closed line, the delay counts from the next opening)
    members = draw(sc, seed, rep).contacts
    cal = Calendar(sc)
    retrial = calls[calls["attempt"] > 1]
    previous = calls.loc[retrial.index - 1]
    assert (previous["contact"].to_numpy() == retrial["contact"].to_numpy()).all()
    prev_arrived = previous["arrived_min"].to_numpy()
    failed_at = np.where(previous["outcome"] == "closed",
                         [cal.next_open(t) for t in prev_arrived],
                         prev_arrived + previous["wait_min"].to_numpy())
    delay = members.retry_delay[previous["contact"].to_numpy(),
                                previous["attempt"].to_numpy() - 1]
    np.testing.assert_allclose(retrial["arrived_min"].to_numpy(), failed_at + delay,
                               rtol=1e-12, atol=EPS)
    assert set(previous["outcome"].astype(str)) <= {"abandoned", "closed"}

    kpis = replication_kpis(tables, sc)
    # every contact of the window rings at least once in it; refused calls are not offered
    assert kpis["calls_offered"] + kpis["calls_closed"] >= kpis["contacts"]
    if not office:
        assert kpis["calls_offered"] >= kpis["contacts"]
    still_waiting = (calls["outcome"] == "waiting") & (calls["arrived_min"] >= window(sc)[0])
    assert kpis["calls_offered"] == (kpis["calls_answered"] + kpis["calls_abandoned"]
                                     + still_waiting.sum())


# --- office hours -------------------------------------------------------------------------------


def _late_rush(seed: int) -> tuple[Scenario, Tables]:
    """Mon-Fri 09:00-18:00, demand around the clock and every day, a rush at 16:00-18:00."""
    hours = {f"{h:02d}": 0.2 for h in range(24)}
    hours.update({"16": 4.0, "17": 6.0})
    sc = scenario(
        days=7, calendar=OFFICE_HOURS,
        demand={"hour_weights": hours, "weekday_weights": {d: 1.0 for d in WEEK}},
        sources=[{"name": "all", "volume": {"per_day": 160}}],
        case_types=[{"name": "call", "share": 1.0, "talk": exponential(5.0)}],
        channel={"patience": exponential(40.0)},
        staff={"advisors": 3},
    )
    return sc, run_replication(sc, seed, 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_calls_while_closed_are_refused_and_advisors_clear_the_queue_after_closing(seed):
    sc, tables = _late_rush(seed)
    calls = tables.calls
    arrived = calls["arrived_min"].to_numpy()
    day, clock = arrived // DAY_MIN, arrived % DAY_MIN
    weekday = (day % 7) < 5  # the horizon starts on a Monday
    open_ = weekday & (clock >= 9 * 60) & (clock < 18 * 60)
    closed = (calls["outcome"] == "closed").to_numpy()
    assert (closed == ~open_).all(), "exactly the calls made outside open hours are refused"
    assert closed.any() and (~closed).any()
    assert (calls["wait_min"].to_numpy()[closed] == 0).all()
    assert not ((clock >= 18 * 60) & ~closed).any(), "a call after 18:00 was offered"
    refused = tables.contacts[tables.contacts["contact"].isin(calls.loc[closed, "contact"])]
    assert (refused["outcome"] == "closed").all()  # no retry configured

    answered = (calls["outcome"] == "answered").to_numpy()
    answer_at = arrived + calls["wait_min"].to_numpy()
    assert (answer_at[answered] % DAY_MIN >= 9 * 60).all(), "a call was answered before 09:00"
    assert ((answer_at[answered] // DAY_MIN) % 7 < 5).all(), "a call was answered at a weekend"
    late = answered & (answer_at % DAY_MIN > 18 * 60)
    assert late.sum() > 0, "the rush should leave callers waiting at 18:00"

    kpis = replication_kpis(tables, sc)
    assert kpis["overtime_hours"] > 0
    assert kpis["calls_closed"] == closed.sum()

    # overtime runs from 18:00 to the end of the advisor's last call of the day
    tasks = tables.tasks.assign(day=tables.tasks["start_min"] // DAY_MIN)
    last_end = tasks.groupby(["advisor", "day"])["end_min"].max()
    expected = ((last_end - (last_end.index.get_level_values("day") * DAY_MIN + 18 * 60))
                .clip(lower=0) / 60)
    days = advisor_days(tables, sc)
    days["day"] = (days["date"] - pd.Timestamp(sc.horizon.start)).dt.days
    measured = days.set_index(["advisor", "day"])["overtime_hours"]
    got = measured.reindex(expected.index, fill_value=0.0)
    np.testing.assert_allclose(got.to_numpy(), expected.to_numpy(), atol=1e-9)
    assert measured.sum() == pytest.approx(expected.sum())
