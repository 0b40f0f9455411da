"""The decision KPIs (DESIGN.md section 10) on tables written by hand: the right answer on
time, members never answered, and the in-house load per person."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from test_money import priced

from sim.measures import kpis
from sim.tables import Tables

NAN = math.nan


def test_a_wrong_answer_is_right_on_time_only_when_put_right_before_the_deadline() -> None:
    contacts = pd.DataFrame({
        #                 on time  late   wrong, fixed late  wrong, fixed in time  no deadline
        "outcome": ["answered", "answered", "answered", "answered", "answered", "open"],
        "deadline_min": [100.0, 100.0, 100.0, 100.0, NAN, 100.0],
        "reached_min": [50.0, 150.0, 50.0, 50.0, NAN, 50.0],
        "answered_min": [60.0, 160.0, 500.0, 90.0, 30.0, NAN],  # a defect: when remediated
    })
    assert kpis.right_on_time(contacts).tolist() == [True, False, False, True, True, False]


def test_right_on_time_and_unanswered_rates_of_the_measured_contacts() -> None:
    scenario = priced()
    day = 1440.0
    frame = pd.DataFrame({
        "contact": np.arange(5), "backlog": False,
        "arrived_min": [day + 10] * 5,
        "outcome": pd.Categorical(["answered", "answered", "abandoned", "unreachable",
                                   "answered"]),
        "owed_min": [day + 10] * 4 + [NAN],
        "deadline_min": [day + 100, day + 100, day + 100, day + 100, NAN],
        "reached_min": [day + 50, day + 50, NAN, NAN, NAN],
        "answered_min": [day + 60, day + 400, NAN, NAN, day + 20],
    })
    rates = kpis.member_kpis(kpis.MemberRecords(_only_contacts(frame), scenario))
    assert rates["right_on_time_rate"] == pytest.approx(1 / 4)  # of the four owed a deadline
    assert rates["callback_on_time_rate"] == pytest.approx(2 / 4)  # reached, right or not
    assert rates["unanswered_rate"] == pytest.approx(2 / 5)


def _only_contacts(contacts: pd.DataFrame) -> Tables:
    """Record tables with these contacts and no call, step or file."""
    none = np.array([], dtype=float)
    return Tables(
        contacts=contacts,
        calls=pd.DataFrame({"contact": none.astype(np.int64), "arrived_min": none,
                            "outcome": pd.Categorical([]), "wait_min": none}),
        tasks=pd.DataFrame(), advisor_time=pd.DataFrame(),
        steps=pd.DataFrame({"contact": none.astype(np.int64), "step": pd.Categorical([])}),
        files=pd.DataFrame({"contact": none.astype(np.int64), "closed_min": none,
                            "deadline_min": none, "documents_requested": none.astype(bool),
                            "wrongful_request": none.astype(bool)}))


def test_load_per_advisor_and_occupancy_spread_from_the_advisor_days() -> None:
    scenario = priced()
    start = pd.Timestamp(scenario.horizon.start)
    days = pd.DataFrame({
        "advisor": [0, 0, 1, 1, 2],
        "date": [start + pd.Timedelta(days=d) for d in (1, 2, 1, 2, 1)],
        "team": ["in-house", "in-house", "in-house", "in-house", "provider"],
        "scheduled_hours": [8.0, 8.0, 4.0, 4.0, 8.0],
        "overtime_hours": [1.0, 1.0, 0.0, 0.0, 0.0],
        "work_hours": [6.0, 6.0, 1.0, 1.0, 8.0],
        "lines_hours": [8.0, 8.0, 4.0, 4.0, 8.0],
    })
    out = kpis.advisor_kpis(days, scenario)
    assert out["inhouse_advisors"] == 2  # the provider's advisor is not in-house
    assert out["work_hours_per_advisor"] == pytest.approx(14 / 2)
    assert out["overtime_hours_per_advisor"] == pytest.approx(2 / 2)
    assert out["inhouse_fte"] == pytest.approx((24 + 2) / 16)  # paid / the longest schedule
    assert out["occupancy_max"] == pytest.approx(12 / 16)
    assert out["occupancy_p90"] == pytest.approx(2 / 8 + 0.9 * (12 / 16 - 2 / 8))
