"""Callbacks owed within a deadline: theory, hand-computed deadlines, ordering, exact logs."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from helpers import ALWAYS_OPEN, START, assert_in_ci99, exponential
from test_events import members, scenario

import sim
from sim import analytic
from sim.engine.calendar import Calendar
from sim.engine.model import run_replication, simulate
from sim.scenario import validate


def callback_line(*, advisors: int, deadline: str, order: str = "fifo", days: int = 8,
                  calls_per_hour: float = 200.0, aht_min: float = 3.0) -> sim.Scenario:
    """Callback mode, 24/7, exponential call time, no preparation, always reachable."""
    return validate({
        "name": "callback-theory",
        "horizon": {"start": START, "end": START + timedelta(days=days), "warmup_days": 1},
        "calendar": ALWAYS_OPEN,
        "sources": [{"name": "all", "volume": {"per_hour": calls_per_hour}}],
        "case_types": [{"name": "call", "share": 1.0, "talk": exponential(aht_min)}],
        "channel": {"mode": "callback"},
        "callbacks": {"deadline": deadline, "order": order, "reach_probability": 1.0},
        "staff": {"advisors": advisors},
    })


@pytest.mark.parametrize(("advisors", "deadline_min"), [(11, 1.0), (12, 0.5)])
def test_callback_on_time_rate_is_erlang_c_probability_of_waiting_less_than_the_deadline(
        advisors: int, deadline_min: float) -> None:
    # design note 8: callback mode, 24/7, exponential call time, FIFO: on-time rate =
    # Erlang C P(W <= deadline). 200 requests/h, 3 min calls.
    line = callback_line(advisors=advisors, deadline=f"{deadline_min * 60:g}s")
    result = sim.run(line, replications=30, seed=2024, workers=2)
    exact = analytic.p_wait_within(advisors, 200.0, 3.0, deadline_min)
    assert 0.3 < exact < 0.9  # a check with teeth: far from 0 and 1
    assert_in_ci99(result.replications["callback_on_time_rate"].to_numpy(), exact,
                   f"on-time rate, c={advisors}, deadline {deadline_min} min",
                   max_relative_half_width=0.04)
    owed = result.replications["callbacks_owed"] / result.replications["contacts"]
    assert (owed == 1.0).all()  # every request is owed a callback


def test_friday_request_deadline_on_calendar_and_business_clocks_across_a_holiday() -> None:
    # Friday 4 May 2012, 16:00; open 09:00-18:00 on weekdays; Tuesday 8 May is a holiday.
    base = {
        "name": "deadlines",
        "horizon": {"start": "2012-05-04", "end": "2012-05-20"},
        "calendar": {"public_holidays": "fr"},
        "sources": [{"name": "a", "volume": {"per_day": 1}}],
        "case_types": [{"name": "q", "share": 1, "talk": "5min"}],
        "channel": {"mode": "callback"},
        "staff": {"advisors": 1},
    }
    friday_4pm = 16 * 60.0
    calendar_72h = validate({**base, "callbacks": {"deadline": "72h", "clock": "calendar"}})
    business_16h = validate({**base, "callbacks": {"deadline": "16h", "clock": "business"}})
    for sc, expected in ((calendar_72h, "2012-05-07 16:00"), (business_16h, "2012-05-09 14:00")):
        tables = simulate(members(sc, [friday_4pm], [5.0]))
        deadline = tables.contacts["deadline_min"].iloc[0]
        when = np.datetime64("2012-05-04") + np.timedelta64(int(deadline), "m")
        assert str(when).replace("T", " ")[:16] == expected


def test_callbacks_are_made_only_when_the_lines_open() -> None:
    sc = scenario(1, hours=("09:00", "18:00"), channel={"mode": "callback"})
    sunday_night = 6 * 1440 + 22 * 60.0  # the horizon starts on a Monday; this is Sunday 22:00
    monday_1am = 60.0
    tables = simulate(members(sc, [monday_1am, sunday_night], [5.0, 5.0]))
    starts = tables.tasks["start_min"].tolist()
    assert starts == [9 * 60.0]  # Monday 09:00; Sunday's request is past the horizon's lines
    assert tables.contacts["outcome"].astype(str).tolist() == ["answered", "open"]


def test_failed_attempts_are_retried_then_the_member_is_closed_unreachable() -> None:
    sc = scenario(1, channel={"mode": "callback"},
                  callbacks={"max_attempts": 3, "prepare": "4min", "retry_after": "30min"})
    reached = [[False, False, False], [False, True, False]]
    tables = simulate(members(sc, [0.0, 100.0], [10.0, 10.0], reached=reached,
                              no_answer=[[2.0] * 3] * 2, retry_after=[[30.0] * 3] * 2,
                              prepare=[4.0, 4.0]))
    tasks = tables.tasks[["contact", "start_min", "end_min"]].values.tolist()
    # member 0: prepare + no answer (0-6), retry at 36 (36-38), at 68 (68-70): unreachable
    # member 1: 100-106 fails, retried at 136, reached at once (no second preparation)
    assert tasks == [[0, 0.0, 6.0], [0, 36.0, 38.0], [0, 68.0, 70.0],
                     [1, 100.0, 106.0], [1, 136.0, 146.0]]
    contacts = tables.contacts
    assert contacts["outcome"].astype(str).tolist() == ["unreachable", "answered"]
    assert contacts["callback_attempts"].tolist() == [3, 2]
    assert contacts["reached_min"].iloc[1] == 136.0
    assert contacts["answered_min"].iloc[1] == 146.0


def test_research_case_is_called_back_after_the_research() -> None:
    case_types = [{"name": "q", "share": 1, "talk": "10min", "resolution": "callback",
                   "research": "30min", "callback_talk": "5min"}]
    sc = scenario(1, case_types=case_types)
    tables = simulate(members(sc, [0.0], [10.0], research=[30.0], callback_talk=[5.0]))
    kinds = tables.tasks[["kind", "start_min", "end_min"]].astype({"kind": str}).values.tolist()
    assert kinds == [["call", 0.0, 10.0], ["research", 10.0, 40.0], ["callback", 40.0, 45.0]]
    contact = tables.contacts.iloc[0]
    assert contact["owed_min"] == 10.0  # "we will call you back", at the end of the call
    assert contact["reached_min"] == 40.0 and contact["answered_min"] == 45.0
    steps = tables.steps.astype({"step": str})[["step", "start_min", "end_min"]]
    assert steps.values.tolist() == [["research", 10.0, 40.0], ["callback", 40.0, 40.0]]


def test_expert_network_answers_escalations_at_most_capacity_at_a_time() -> None:
    case_types = [{"name": "q", "share": 1, "talk": "1min", "resolution": "expert"}]
    sc = scenario(3, case_types=case_types,
                  escalation={"experts": {"capacity": 1, "response": "60min",
                                          "clock": "calendar"}})
    tables = simulate(members(sc, [0.0, 0.0, 0.0], [1.0, 1.0, 1.0],
                              expert_response=[60.0, 60.0, 60.0], callback_talk=[2.0] * 3))
    expert = tables.steps[tables.steps["step"] == "expert"].sort_values("contact")
    # escalated at 1; one expert: answers at 61, 121, 181
    assert expert["end_min"].tolist() == [61.0, 121.0, 181.0]
    assert tables.contacts["answered_min"].tolist() == [63.0, 123.0, 183.0]


def test_regional_office_answers_the_member_itself_after_its_response_time() -> None:
    case_types = [{"name": "q", "share": 1, "talk": "8min", "resolution": "regional"}]
    sc = scenario(1, case_types=case_types,
                  escalation={"regional": {"response": "24h", "clock": "calendar"}})
    tables = simulate(members(sc, [0.0], [8.0], regional_response=[1440.0]))
    contact = tables.contacts.iloc[0]
    assert contact["answered_min"] == 8.0 + 1440.0
    assert contact["reached_min"] == contact["answered_min"]
    assert list(tables.tasks["kind"].astype(str)) == ["call"]  # no advisor time afterwards


def test_file_waits_for_the_members_documents_then_closes() -> None:
    case_types = [{"name": "dis", "share": 1, "talk": "10min", "resolution": "file"}]
    sc = scenario(1, case_types=case_types,
                  files={"process": "40min", "incomplete_probability": 1.0,
                         "member_response": "2d", "resume": "20min"})
    tables = simulate(members(sc, [0.0], [10.0], opens_file=[True], file_process=[40.0],
                              file_incomplete=[True], member_response=[2880.0],
                              file_resume=[20.0]))
    assert tables.tasks[["kind", "start_min", "end_min"]].astype({"kind": str}).values.tolist(
    ) == [["call", 0.0, 10.0], ["file", 10.0, 50.0], ["file", 2930.0, 2950.0]]
    assert tables.contacts["answered_min"].iloc[0] == 2950.0
    files = tables.files.iloc[0]
    assert files["documents_requested"] and not files["wrongful_request"]


def test_earliest_deadline_first_beats_fifo_when_deadlines_differ() -> None:
    def line(order: str) -> sim.Scenario:
        return validate({
            "name": f"edf-{order}",
            "horizon": {"start": START, "end": START + timedelta(days=6), "warmup_days": 1},
            "calendar": ALWAYS_OPEN,
            "sources": [{"name": "all", "volume": {"per_hour": 200}}],
            "case_types": [
                {"name": "urgent", "share": 0.5, "talk": exponential(3.0), "deadline": "2min"},
                {"name": "routine", "share": 0.5, "talk": exponential(3.0), "deadline": "30min"},
            ],
            "channel": {"mode": "callback"},
            "callbacks": {"order": order},
            "staff": {"advisors": 11},
        })

    edf = sim.run(line("earliest-deadline"), replications=10, seed=5, workers=2).replications
    fifo = sim.run(line("fifo"), replications=10, seed=5, workers=2).replications
    diff = (edf["callback_on_time_rate"] - fifo["callback_on_time_rate"]).to_numpy()
    mean, half = diff.mean(), 3.25 * diff.std(ddof=1) / np.sqrt(len(diff))  # t(0.995, 9)
    assert mean - half > 0, f"EDF - FIFO on-time rate: {mean:.4f} ± {half:.4f}"


def test_backlog_items_are_worked_from_the_first_opening() -> None:
    sc = scenario(2, hours=("09:00", "18:00"), channel={"mode": "callback"},
                  backlog={"items": [{"case_type": "c", "count": 3, "age": "36h"}]})
    tables = run_replication(sc, 1, 0)
    backlog = tables.contacts[tables.contacts["backlog"]]
    assert len(backlog) == 3 and (backlog["arrived_min"] == -36 * 60.0).all()
    first = tables.tasks[tables.tasks["contact"].isin(backlog["contact"])]["start_min"].min()
    assert first == 9 * 60.0
    # the deadline (72 h from reception) is counted from before the run
    assert (backlog["deadline_min"] == -36 * 60.0 + 72 * 60.0).all()


def test_business_clock_deadline_for_a_night_request_starts_at_the_next_opening() -> None:
    sc = scenario(1, hours=("09:00", "18:00"), channel={"mode": "callback"},
                  callbacks={"deadline": "4h", "clock": "business"})
    calendar = Calendar(sc)
    assert calendar.after(60.0, 240.0, "business") == 13 * 60.0
