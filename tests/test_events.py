"""Tiny deterministic cases: two or three callers with constant times, and the exact log.

Members are built by hand (no random draws), so every time below can be checked with a pencil.
Times are minutes since the horizon start (a Monday).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.engine.calendar import Calendar
from sim.engine.contacts import Contacts
from sim.engine.model import Members, simulate
from sim.engine.roster import build_roster
from sim.engine.streams import Streams
from sim.scenario import Scenario, validate

ALL_WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def scenario(advisors: int = 1, *, hours: tuple[str, str] = ("00:00", "24:00"),
             days: list[str] | None = None, **extra: object) -> Scenario:
    data: dict[str, object] = {
        "name": "tiny",
        "horizon": {"start": "2024-01-01", "end": "2024-01-07"},
        "calendar": {"open_days": days or ALL_WEEK, "open_hours": list(hours)},
        "sources": [{"name": "s", "volume": {"per_day": 1}}],
        "case_types": [{"name": "c", "share": 1, "talk": "5min"}],
        "staff": {"advisors": advisors},
    }
    data.update(extra)
    return validate(data)


def members(sc: Scenario, arrived: list[float], talk: list[float],
            patience: list[list[float]] | None = None,
            retries: list[list[bool]] | None = None,
            retry_delay: list[list[float]] | None = None,
            wrap_up: list[float] | None = None, **columns: Any) -> Members:
    """Members built by hand; any Contacts column may be given, the rest are neutral."""
    n = len(arrived)
    attempts = sc.channel.retry.max_attempts
    tries = sc.callbacks.max_attempts
    zeros = np.zeros(n)
    neutral: dict[str, Any] = dict(
        source=np.zeros(n, dtype=np.int32), case_type=np.zeros(n, dtype=np.int32),
        research=zeros, callback_talk=np.array(talk, dtype=float),
        deadline=np.full(n, sc.callbacks.deadline.total_seconds() / 60), prepare=zeros,
        reached=np.ones((n, tries), dtype=bool), no_answer=np.full((n, tries), 2.0),
        retry_after=np.full((n, tries), 120.0), expert_response=zeros,
        regional_response=zeros, opens_file=np.zeros(n, dtype=bool), file_process=zeros,
        file_incomplete=np.zeros(n, dtype=bool), file_wrongful=np.zeros(n, dtype=bool),
        member_response=zeros, file_resume=zeros, backlog_step=np.full(n, -1, dtype=np.int8),
        provider_u=zeros, defect_u=np.ones(n), resolve_u=zeros, detect_after=zeros,
        remediation=zeros, handoff=zeros, handoff_work=zeros, deflect_u=np.ones(n),
        return_u=np.ones(n), return_after=zeros)
    neutral.update({k: np.asarray(v) for k, v in columns.items()})
    contacts = Contacts(
        arrived=np.array(arrived, dtype=float),
        talk=np.array(talk, dtype=float),
        wrap_up=np.array(wrap_up or [0.0] * n, dtype=float),
        patience=np.array(patience or [[np.inf] * attempts] * n, dtype=float),
        retries=np.array(retries or [[False] * attempts] * n, dtype=bool),
        retry_delay=np.array(retry_delay or [[0.0] * attempts] * n, dtype=float),
        **neutral,
    )
    calendar = Calendar(sc)
    return Members(sc, calendar, contacts, build_roster(sc, calendar, Streams(1, 0)))


def log(calls: pd.DataFrame) -> list[tuple[int, int, float, str, float, int]]:
    return [(int(r.contact), int(r.attempt), round(r.arrived_min, 6), str(r.outcome),
             round(r.wait_min, 6), int(r.advisor)) for r in calls.itertuples()]


def test_first_caller_is_answered_at_once_and_the_next_waits_for_the_advisor() -> None:
    sc = scenario(1)
    tables = simulate(members(sc, [0.0, 1.0], [5.0, 5.0]))
    assert log(tables.calls) == [(0, 1, 0.0, "answered", 0.0, 0), (1, 1, 1.0, "answered", 4.0, 0)]
    assert tables.contacts["answered_min"].tolist() == [5.0, 10.0]
    assert tables.tasks[["start_min", "end_min"]].values.tolist() == [[0.0, 5.0], [5.0, 10.0]]


def test_caller_who_runs_out_of_patience_is_recorded_abandoned_when_patience_ends() -> None:
    sc = scenario(1, channel={"patience": "3min"})
    tables = simulate(members(sc, [0.0, 1.0, 2.5], [5.0, 5.0, 5.0],
                              patience=[[3.0], [3.0], [3.0]]))
    # advisor busy until 5; caller 1 gives up at 4; caller 2 would give up at 5.5 and is
    # answered at 5 after waiting 2.5
    assert log(tables.calls) == [
        (0, 1, 0.0, "answered", 0.0, 0),
        (1, 1, 1.0, "abandoned", 3.0, -1),
        (2, 1, 2.5, "answered", 2.5, 0),
    ]
    assert tables.contacts["outcome"].astype(str).tolist() == ["answered", "abandoned",
                                                               "answered"]


def test_patience_running_out_exactly_when_an_advisor_frees_counts_as_abandoned() -> None:
    sc = scenario(1, channel={"patience": "4min"})
    tables = simulate(members(sc, [0.0, 1.0], [5.0, 5.0], patience=[[4.0], [4.0]]))
    assert log(tables.calls)[1] == (1, 1, 1.0, "abandoned", 4.0, -1)


def test_wrap_up_keeps_the_advisor_busy_but_not_the_caller() -> None:
    sc = scenario(1)
    tables = simulate(members(sc, [0.0, 1.0], [5.0, 5.0], wrap_up=[2.0, 2.0]))
    assert log(tables.calls)[1] == (1, 1, 1.0, "answered", 6.0, 0)
    assert tables.contacts["answered_min"].tolist() == [5.0, 12.0]


def test_longest_idle_advisor_takes_the_next_call() -> None:
    sc = scenario(2)
    tables = simulate(members(sc, [0.0, 1.0, 10.0, 11.0], [2.0, 8.0, 1.0, 1.0]))
    # advisor 0 frees at 2, advisor 1 at 9: advisor 0 has been idle longest at 10
    assert tables.calls["advisor"].tolist() == [0, 1, 0, 1]


def test_caller_who_hangs_up_tries_again_after_the_retry_delay() -> None:
    sc = scenario(1, channel={"patience": "2min",
                              "retry": {"probability": 1.0, "max_attempts": 2}})
    tables = simulate(members(sc, [0.0, 1.0], [10.0, 3.0], patience=[[2.0, 2.0], [2.0, 2.0]],
                              retries=[[True, False], [True, False]],
                              retry_delay=[[7.0, 0.0], [7.0, 0.0]]))
    # caller 1 gives up at 3, rings again at 10 when the advisor has just freed
    assert log(tables.calls) == [
        (0, 1, 0.0, "answered", 0.0, 0),
        (1, 1, 1.0, "abandoned", 2.0, -1),
        (1, 2, 10.0, "answered", 0.0, 0),
    ]
    assert tables.contacts["attempts"].tolist() == [1, 2]


def test_caller_who_would_retry_but_has_no_attempt_left_ends_abandoned() -> None:
    sc = scenario(1, channel={"patience": "2min",
                              "retry": {"probability": 1.0, "max_attempts": 2}})
    tables = simulate(members(sc, [0.0, 1.0], [30.0, 3.0], patience=[[2.0, 2.0], [2.0, 2.0]],
                              retries=[[True, True], [True, True]],
                              retry_delay=[[7.0, 7.0], [7.0, 7.0]]))
    assert [c[3] for c in log(tables.calls)] == ["answered", "abandoned", "abandoned"]
    assert tables.contacts["outcome"].astype(str).tolist() == ["answered", "abandoned"]


def test_call_to_closed_lines_is_refused_and_retried_after_the_next_opening() -> None:
    sc = scenario(1, hours=("09:00", "18:00"),
                  channel={"retry": {"probability": 1.0, "max_attempts": 2}})
    monday_8am = 8 * 60.0
    tables = simulate(members(sc, [monday_8am], [5.0], retries=[[True, False]],
                              retry_delay=[[15.0, 0.0]]))
    assert log(tables.calls) == [(0, 1, 480.0, "closed", 0.0, -1),
                                 (0, 2, 555.0, "answered", 0.0, 0)]


def test_call_to_closed_lines_without_retry_ends_closed() -> None:
    sc = scenario(1, hours=("09:00", "18:00"))
    tables = simulate(members(sc, [19 * 60.0], [5.0]))
    assert tables.contacts["outcome"].astype(str).tolist() == ["closed"]


def test_callers_waiting_at_closing_are_answered_and_the_late_work_is_overtime() -> None:
    sc = scenario(1, hours=("09:00", "18:00"))
    t = 17 * 60 + 50.0
    tables = simulate(members(sc, [t, t + 1], [20.0, 20.0]))
    assert log(tables.calls) == [(0, 1, t, "answered", 0.0, 0),
                                 (1, 1, t + 1, "answered", 19.0, 0)]
    extra = tables.advisor_time[tables.advisor_time["kind"] == "overtime"]
    # lines closed at 18:00; the advisor finished the second call at 18:30
    assert extra[["start", "end"]].values.tolist() == [[18 * 60.0, 18 * 60 + 30.0]]


def test_no_advisor_takes_calls_during_a_meeting() -> None:
    meeting = {"name": "team", "per_year": 365.25, "duration": "1h", "at": "10:00"}
    sc = scenario(1, hours=("09:00", "18:00"), staff={"advisors": 1, "meetings": [meeting]})
    monday_955 = 9 * 60 + 55.0
    tables = simulate(members(sc, [monday_955, monday_955 + 10], [10.0, 5.0]))
    # meeting 10:00-11:00 (first occurrence half a spacing in: day 0). The first call runs
    # into the meeting (late), the second waits until 11:00.
    times = Calendar(sc)
    assert times.is_open(monday_955)
    calls = log(tables.calls)
    assert calls[1] == (1, 1, monday_955 + 10, "answered", 55.0, 0)
    late = tables.advisor_time[tables.advisor_time["kind"] == "late"]
    assert late[["start", "end"]].values.tolist() == [[600.0, 605.0]]
