"""AI: self-service answers some simple requests (some members come back later), and assisted
advisors talk for less time.

Hand-made members (`test_events.members`) make every time exact; times are minutes since the
horizon start (Monday 2024-01-01).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from test_events import members
from test_events import scenario as tiny

from sim.engine.model import run_replication, simulate
from sim.measures import kpis
from sim.scenario import load_scenario, with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
CASES = [{"name": "c", "share": 0.5, "talk": "5min"}, {"name": "d", "share": 0.5, "talk": "5min"}]
AI = {"deflect_share": 0.5, "deflect_case_types": ["c"], "deflect_return_probability": 0.5,
      "return_after": "90min"}


def test_self_service_answers_some_simple_requests_and_the_members_who_return_call_later(
) -> None:
    sc = tiny(1, case_types=CASES, ai=AI)
    # 0: case c, answered by self-service for good; 1: case c, self-service, comes back 90
    # minutes later; 2: case c, not deflected (its draw is above the share); 3: case d, which
    # self-service does not answer, whatever its draw
    tables = simulate(members(
        sc, [0.0, 10.0, 20.0, 30.0], [5.0] * 4, case_type=np.array([0, 0, 0, 1]),
        deflect_u=np.array([0.1, 0.1, 0.9, 0.1]), return_u=np.array([0.9, 0.1, 0.1, 0.1]),
        return_after=np.full(4, 90.0)))
    contacts = tables.contacts
    assert contacts["outcome"].astype(str).tolist() == ["deflected", "answered", "answered",
                                                        "answered"]
    # the returning member's first call attempt is at arrival + 90 minutes
    assert tables.calls[["contact", "attempt", "arrived_min", "wait_min"]].values.tolist() == [
        [1, 1, 100.0, 0.0], [2, 1, 20.0, 0.0], [3, 1, 30.0, 0.0]]
    assert contacts["answered_min"].tolist()[1:] == [105.0, 25.0, 35.0]
    assert math.isnan(contacts["answered_min"][0])
    steps = tables.steps.astype({"step": str})
    assert steps.values.tolist() == [[0, "self-service", 0.0, 0.0],
                                     [1, "self-service", 10.0, 100.0]]
    got = kpis.replication_kpis(tables, sc)
    assert got["deflected"] == 1
    assert got["contacts"] == 4
    assert got["calls_offered"] == 3


def test_a_returning_members_callback_deadline_counts_from_the_original_request() -> None:
    sc = tiny(1, case_types=CASES, ai=AI, channel={"mode": "callback"},
              callbacks={"deadline": "2h"})
    # both come back: 0 after 90 minutes (inside its 2-hour deadline), 1 after 3 hours
    tables = simulate(members(
        sc, [0.0, 10.0], [5.0, 5.0], deflect_u=np.full(2, 0.1), return_u=np.full(2, 0.1),
        return_after=np.array([90.0, 180.0])))
    contacts = tables.contacts
    assert contacts["owed_min"].tolist() == [90.0, 190.0]  # the request is logged on return
    assert contacts["deadline_min"].tolist() == [120.0, 130.0]  # 2 h after the first request
    assert contacts["reached_min"].tolist() == [90.0, 190.0]
    got = kpis.replication_kpis(tables, sc)
    assert got["callbacks_owed"] == 2
    assert got["callback_on_time_rate"] == 0.5
    assert got["deflected"] == 0  # both came back


def test_assisted_in_house_advisors_take_talk_factor_as_long_and_the_provider_does_not() -> None:
    sc = tiny(1, ai={"talk_factor": 0.8},
              outsourcing={"advisors": 1, "takes": {"share": 0.5}})
    # 0 stays in-house (advisor 0), 1 goes to the provider (advisor 1); 10 min talk + 5 wrap-up
    tables = simulate(members(sc, [0.0, 1.0], [10.0, 10.0], wrap_up=[5.0, 5.0],
                              provider_u=np.array([0.9, 0.1])))
    tasks = tables.tasks
    assert tasks[["advisor", "start_min", "end_min"]].values.tolist() == [[0, 0.0, 12.0],
                                                                           [1, 1.0, 16.0]]
    # the member hears the answer at the end of the (shorter) talk
    assert tables.contacts["answered_min"].tolist() == [8.0, 11.0]


def test_assisted_advisors_make_shorter_callbacks_too() -> None:
    cases = [{"name": "c", "share": 1, "talk": "10min", "resolution": "callback"}]
    sc = tiny(1, case_types=cases, ai={"talk_factor": 0.5})
    tables = simulate(members(sc, [0.0], [10.0], callback_talk=np.array([8.0])))
    tasks = tables.tasks.astype({"kind": str})
    # a 10-minute talk, no research, an 8-minute callback: 5 and 4 minutes with assistance
    assert tasks[["kind", "start_min", "end_min"]].values.tolist() == [
        ["call", 0.0, 5.0], ["research", 5.0, 5.0], ["callback", 5.0, 9.0]]


def test_das_ai_assist_deflects_eco_requests_only_and_keeps_every_members_deadline() -> None:
    short = {"horizon.end": "2025-03-09"}
    ai = with_overrides(load_scenario(SCENARIOS / "das-ai-assist.toml"), short)
    inhouse = with_overrides(load_scenario(SCENARIOS / "das-inhouse-48h.toml"), short)
    a, b = run_replication(ai, 2025, 0), run_replication(inhouse, 2025, 0)
    contacts, same = a.contacts, b.contacts
    steps = a.steps[a.steps["step"] == "self-service"].set_index("contact")
    served = contacts.set_index("contact").loc[steps.index]
    # only ECO requests meet self-service, about 15 % of them (99 % binomial bounds)
    assert (served["case_type"] == "eco").all()
    eco = int((contacts["case_type"] == "eco").sum())
    low, high = stats.binom.ppf([0.005, 0.995], eco, 0.15)
    assert low <= len(steps) <= high
    # those who do not come back are deflected and never reach an advisor
    gone = steps[steps["end_min"] == steps["start_min"]].index
    assert (contacts.loc[gone, "outcome"] == "deflected").all()
    assert not a.tasks["contact"].isin(gone).any()
    # those who come back log their request on return, with the deadline of the first one
    back = steps[steps["end_min"] > steps["start_min"]]
    assert len(back) > 0
    returned = contacts.loc[back.index]
    assert (returned["owed_min"].to_numpy() == back["end_min"].to_numpy()).all()
    owed = contacts["owed_min"].notna() & same["owed_min"].notna()
    pd.testing.assert_series_equal(contacts.loc[owed, "deadline_min"],
                                   same.loc[owed, "deadline_min"])
    got = kpis.replication_kpis(a, ai)
    measured = kpis.measured_contacts(contacts, ai)
    assert got["deflected"] == int((measured["outcome"] == "deflected").sum()) > 0
