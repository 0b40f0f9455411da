"""The provider: wrong answers put right in-house, hand-backs, file hand-offs, ramp-up, overflow,
and what a provider that is exactly as good as the in-house team changes for members (nothing).

Hand-made members (`test_events.members`) make every time below checkable with a pencil; times
are minutes since the horizon start (Monday 2024-01-01).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import START, WEEK, exponential
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_events import members
from test_events import scenario as tiny

from sim.engine.model import run_replication, simulate
from sim.engine.provider import ramp
from sim.engine.roster import PROVIDER
from sim.measures import kpis
from sim.scenario import Scenario, load_scenario, validate, with_overrides
from sim.tables import Tables

DAY = 1440.0
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
MEMBER_KPIS = ("contacts", "calls_offered", "calls_answered", "calls_abandoned", "abandon_rate",
               "p_wait", "asa_s", "service_level", "callbacks_owed", "callback_on_time_rate",
               "callback_hours_p90", "callbacks_unreachable", "escalated_experts",
               "files_opened", "file_on_time_rate", "documents_requested",
               "resolution_hours_mean", "resolution_hours_p90", "open_at_end")


def helpline(days: int = 4, warmup_days: int = 1, **sections: Any) -> Scenario:
    """A small line open 08:00-20:00 every day, with research, expert and file work."""
    data: dict[str, Any] = {
        "name": "provider-check",
        "horizon": {"start": START, "end": START + timedelta(days=days - 1),
                    "warmup_days": warmup_days},
        "calendar": {"open_days": WEEK, "open_hours": ["08:00", "20:00"]},
        "sources": [{"name": "all", "volume": {"per_hour": 6}}],
        "case_types": [
            {"name": "quick", "share": 0.5, "talk": exponential(6)},
            {"name": "research", "share": 0.3, "talk": exponential(8),
             "resolution": "callback", "research": exponential(20)},
            {"name": "expert", "share": 0.2, "talk": exponential(8), "resolution": "expert"}],
        "channel": {"patience": exponential(4),
                    "retry": {"probability": 0.5, "max_attempts": 2}},
        "escalation": {"experts": {"capacity": 2, "response": exponential(120)}},
        "files": {"from_calls": 0.2, "process": exponential(30), "case_type": "quick",
                  "incomplete_probability": 0.3},
        "callbacks": {"reach_probability": 0.7},
        "staff": {"advisors": 3},
    }
    data.update(sections)
    return validate(data)


def plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as text, so that tables with different category lists compare."""
    return frame.astype({c: str for c in frame.columns if isinstance(frame[c].dtype,
                                                                     pd.CategoricalDtype)})


def team_of_advisor(tables: Tables) -> pd.Series:
    time = tables.advisor_time
    return time.drop_duplicates("advisor").set_index("advisor")["team"].astype(str)


# --- wrong answers ---------------------------------------------------------------------------


def assert_every_defect_is_put_right_or_open(tables: Tables, sc: Scenario) -> tuple[int, int]:
    end_min = sc.horizon.days * DAY
    contacts = tables.contacts
    wrong = contacts[contacts["wrong_answer_min"].notna()]
    remediated = wrong[wrong["remediated_min"].notna()]
    still_open = wrong[wrong["remediated_min"].isna()]
    # put right: the member has the right answer when the remediation ends, not before
    assert (remediated["outcome"] == "answered").all()
    assert (remediated["answered_min"] == remediated["remediated_min"]).all()
    assert (remediated["remediated_min"] >= remediated["wrong_answer_min"]).all()
    # or not yet: the contact is open and its remediation step has no end
    assert (still_open["outcome"] == "open").all()
    steps = tables.steps[tables.steps["step"] == "remediation"].set_index("contact")
    assert set(steps.index) == set(wrong["contact"])
    assert steps.loc[still_open["contact"], "end_min"].isna().all()
    assert (steps.loc[remediated["contact"], "end_min"].to_numpy()
            == remediated["remediated_min"].to_numpy()).all()
    # only the provider answers wrongly, and only in-house advisors put it right
    assert (wrong["team"] == PROVIDER).all()
    tasks = tables.tasks[tables.tasks["kind"] == "remediation"]
    assert tasks["contact"].is_unique
    # one remediation task per contact put right, ending when it is; any other task was still
    # in progress when the horizon ended
    assert set(remediated["contact"]) <= set(tasks["contact"])
    unfinished = tasks[~tasks["contact"].isin(remediated["contact"])]
    assert unfinished["contact"].isin(still_open["contact"]).all()
    assert (unfinished["end_min"] >= end_min).all()
    done = tasks.set_index("contact").loc[remediated["contact"]]
    assert (done["end_min"].to_numpy() == remediated["remediated_min"].to_numpy()).all()
    assert (team_of_advisor(tables).loc[tasks["advisor"]] != PROVIDER).all()
    # nothing else is wrong: a contact nobody answered wrongly is never remediated
    assert contacts.loc[contacts["wrong_answer_min"].isna(), "remediated_min"].isna().all()
    return len(remediated), len(still_open)


@pytest.mark.parametrize("mode", ["inbound", "callback"])
def test_every_wrong_answer_is_put_right_in_house_or_still_open_at_the_end(mode: str) -> None:
    sc = helpline(channel={"mode": mode, "patience": exponential(4)},
                  outsourcing={"advisors": 2, "takes": {"share": 0.6}, "defect_rate": 0.4,
                               "detect_after": exponential(1200),
                               "remediation": exponential(30)})
    counts = [assert_every_defect_is_put_right_or_open(run_replication(sc, 11, r), sc)
              for r in range(3)]
    remediated, still_open = np.sum(counts, axis=0)
    assert remediated > 20 and still_open > 0, counts  # both cases really happened


def test_every_wrong_answer_of_the_dis_provider_is_put_right_in_house_or_still_open() -> None:
    das = load_scenario(SCENARIOS / "das-eco-dis-outsourced.toml")
    short = with_overrides(das, {"horizon.end": "2025-03-09"})
    remediated, still_open = assert_every_defect_is_put_right_or_open(
        run_replication(short, 2025, 0), short)
    assert remediated > 20 and still_open > 20


@settings(deadline=None, max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(mode=st.sampled_from(["inbound", "callback"]), share=st.sampled_from([0.0, 0.3, 1.0]),
       defect_rate=st.sampled_from([0.0, 0.2, 0.6]),
       initial_defect_rate=st.sampled_from([None, 0.9]),
       resolution=st.sampled_from([1.0, 0.7]), talk_factor=st.sampled_from([0.7, 1.0, 1.8]),
       overflow_queue=st.sampled_from([None, 1, 3]), seed=st.integers(0, 2**32 - 1))
def test_whatever_the_provider_wrong_answers_and_hand_backs_are_its_own_and_settled_in_house(
        mode: str, share: float, defect_rate: float, initial_defect_rate: float | None,
        resolution: float, talk_factor: float, overflow_queue: int | None, seed: int) -> None:
    takes: dict[str, Any] = {"share": share}
    if overflow_queue is not None:
        takes["overflow_queue"] = overflow_queue
    sc = helpline(days=3, channel={"mode": mode, "patience": exponential(4)},
                  outsourcing={"advisors": 1, "takes": takes, "defect_rate": defect_rate,
                               "initial_defect_rate": initial_defect_rate, "ramp_up": "2d",
                               "first_contact_resolution": resolution,
                               "talk_factor": talk_factor, "detect_after": exponential(600),
                               "handoff": exponential(120), "handoff_work": "10min"})
    tables = run_replication(sc, seed, 0)
    assert_every_defect_is_put_right_or_open(tables, sc)
    contacts = tables.contacts
    theirs = contacts["team"] == PROVIDER
    assert contacts.loc[~theirs, "handed_back_min"].isna().all()
    handed = contacts[contacts["handed_back_min"].notna()]
    handoffs = tables.steps[tables.steps["step"] == "handoff"].set_index("contact")
    assert sorted(handoffs.index) == sorted(handed["contact"])
    assert (handoffs.loc[handed["contact"], "start_min"].to_numpy()
            == handed["handed_back_min"].to_numpy()).all()
    # the provider's advisors do none of the in-house contacts' work
    provider = team_of_advisor(tables)[lambda t: t == PROVIDER].index
    worked = tables.tasks[tables.tasks["advisor"].isin(provider)]
    assert worked["contact"].isin(contacts.loc[theirs, "contact"]).all()
    if resolution == 1.0:  # then the only hand-offs are of files kept in-house
        assert handed["contact"].isin(tables.files["contact"]).all()


# --- a provider share of zero, and a provider as good as in-house --------------------------


@pytest.mark.parametrize("mode", ["inbound", "callback"])
def test_a_provider_share_of_zero_leaves_every_member_exactly_as_in_house(mode: str) -> None:
    inhouse = helpline(channel={"mode": mode, "patience": exponential(4)})
    provider = {"advisors": 3, "takes": {"share": 0.0}, "defect_rate": 0.3,
                "first_contact_resolution": 0.5, "talk_factor": 1.5, "handoff_work": "10min"}
    option = with_overrides(inhouse, {"outsourcing": provider})
    for replication in range(2):
        a, b = run_replication(inhouse, 3, replication), run_replication(option, 3, replication)
        for table in ("contacts", "calls", "steps", "files"):
            pd.testing.assert_frame_equal(plain(getattr(a, table)), plain(getattr(b, table)),
                                          obj=table)
        pd.testing.assert_frame_equal(a.tasks, b.tasks)  # the provider's advisors stay idle
        provider_advisors = team_of_advisor(b)[lambda t: t == PROVIDER].index
        assert len(provider_advisors) == 3
        assert not b.tasks["advisor"].isin(provider_advisors).any()
        ka, kb = kpis.contact_kpis(a, inhouse), kpis.contact_kpis(b, option)
        for name in MEMBER_KPIS:
            assert ka[name] == kb[name] or (np.isnan(ka[name]) and np.isnan(kb[name])), name
        # the in-house advisors' load is the same too
        load_a = kpis.advisor_kpis(kpis.advisor_days(a, inhouse), inhouse)
        load_b = kpis.advisor_kpis(kpis.advisor_days(b, option), option)
        assert load_a == load_b


def two_case_types(groups: list[dict[str, Any]], outsourcing: dict[str, Any] | None = None
                   ) -> Scenario:
    """Case x (researched, called back within 4 open hours) and case y (answered at once)."""
    data: dict[str, Any] = {
        "name": "two-cases",
        "horizon": {"start": START, "end": START + timedelta(days=6), "warmup_days": 1},
        "calendar": {"open_days": WEEK[:5], "open_hours": ["09:00", "17:00"]},
        "sources": [{"name": "all", "volume": {"per_hour": 5}}],
        "case_types": [
            {"name": "x", "share": 0.5, "talk": exponential(6), "resolution": "callback",
             "research": exponential(15), "deadline": "4h"},
            {"name": "y", "share": 0.5, "talk": exponential(12)}],
        "channel": {"patience": exponential(3), "service_level_threshold": "30s",
                    "retry": {"probability": 0.5, "max_attempts": 2}},
        "callbacks": {"reach_probability": 0.8, "clock": "business"},
        "staff": {"groups": groups},
    }
    if outsourcing is not None:
        data["outsourcing"] = outsourcing
    return validate(data)


def test_a_provider_as_good_as_the_advisors_it_replaces_gives_members_the_same_service() -> None:
    # In-house: three advisors for case x and three for case y, no overflow between them.
    # Outsourced: the same three for y, and a provider of three with the same hours taking x,
    # with no defect, the same speed, no ramp-up and every contact resolved.
    inhouse = two_case_types([{"name": "gx", "advisors": 3, "case_types": ["x"]},
                              {"name": "gy", "advisors": 3, "case_types": ["y"]}])
    outsourced = two_case_types([{"name": "gy", "advisors": 3, "case_types": ["y"]}],
                                {"advisors": 3, "takes": {"case_types": ["x"]}})
    names = ("service_level", "asa_s", "abandon_rate", "callback_on_time_rate",
             "resolution_hours_mean", "open_at_end")
    diffs = {name: [] for name in names}
    for replication in range(6):
        a, b = run_replication(inhouse, 5, replication), run_replication(outsourced, 5,
                                                                         replication)
        ka, kb = kpis.contact_kpis(a, inhouse), kpis.contact_kpis(b, outsourced)
        for name in names:
            diffs[name].append(kb[name] - ka[name])
        # the two systems are the same for members, call by call
        pd.testing.assert_frame_equal(a.contacts.drop(columns="team"),
                                      b.contacts.drop(columns="team"))
        pd.testing.assert_frame_equal(a.calls.drop(columns="advisor"),
                                      b.calls.drop(columns="advisor"))
        assert (b.contacts["team"].astype(str) == np.where(
            b.contacts["case_type"] == "x", PROVIDER, "gy")).all()
    # the paired differences are all zero: their 99 % interval is {0}
    for name, values in diffs.items():
        assert values == [0.0] * 6, name


# --- ramp-up ---------------------------------------------------------------------------------


def test_ramp_goes_linearly_from_the_initial_value_to_the_nominal_one_from_the_start() -> None:
    sc = tiny(1, outsourcing={"advisors": 1, "ramp_up": "4d", "start": "2024-01-03",
                              "defect_rate": 0.1, "initial_defect_rate": 0.5})
    assert sc.horizon.start == date(2024, 1, 1)
    arrived = np.array([0.0, 2 * DAY, 3 * DAY, 4 * DAY, 6 * DAY, 6.5 * DAY])
    # the ramp starts on 3 January (day 2) and lasts four days
    values = ramp(sc, arrived, 0.1, 0.5)
    np.testing.assert_allclose(values, [0.5, 0.5, 0.4, 0.3, 0.1, 0.1])
    # without an initial value, or without a ramp-up, the nominal value throughout
    assert (ramp(sc, arrived, 0.1, None) == 0.1).all()


def test_during_the_ramp_up_the_provider_talks_longer_and_errs_more_falling_linearly() -> None:
    sc = tiny(1, outsourcing={"advisors": 1, "ramp_up": "4d", "talk_factor": 1.0,
                              "initial_talk_factor": 2.0, "defect_rate": 0.0,
                              "initial_defect_rate": 0.8, "detect_after": "1h",
                              "remediation": "5min"})
    # four members calling at day 0, 2, 2 (+1 h) and 4, each with a 10-minute talk; the
    # defect draw is compared with the rate of the day they call: 0.8, 0.4, 0.4, 0.0
    arrived = [0.0, 2 * DAY, 2 * DAY + 60, 4 * DAY]
    tables = simulate(members(sc, arrived, [10.0] * 4,
                              defect_u=np.array([0.5, 0.5, 0.39, 0.01]),
                              detect_after=np.full(4, 60.0), remediation=np.full(4, 5.0)))
    calls = tables.tasks[tables.tasks["kind"] == "call"].set_index("contact")
    assert (calls["advisor"] == 1).all()  # the provider's advisor
    # talk factor 2 at day 0, 1.5 at day 2 (and 1.5 + an hour's progress), 1 from day 4
    np.testing.assert_allclose((calls["end_min"] - calls["start_min"]).to_numpy(),
                               [20.0, 15.0, 10.0 * (2.0 - (2 * DAY + 60) / (4 * DAY)), 10.0])
    wrong = tables.contacts["wrong_answer_min"]
    assert wrong.notna().tolist() == [True, False, True, False]
    assert wrong[0] == 20.0  # the wrong answer was given at the end of the (long) talk


# --- hand-backs and file hand-offs -----------------------------------------------------------


def test_a_contact_the_provider_cannot_resolve_is_handed_back_and_called_back_in_house() -> None:
    sc = tiny(1, outsourcing={"advisors": 1, "first_contact_resolution": 0.5,
                              "handoff": "2h", "handoff_work": "15min"})
    # both members go to the provider (advisor 1); the first is beyond its resolution rate
    tables = simulate(members(sc, [0.0, 1.0], [10.0, 10.0], resolve_u=np.array([0.9, 0.1]),
                              handoff=np.full(2, 120.0), handoff_work=np.full(2, 15.0)))
    contacts = tables.contacts
    assert contacts["handed_back_min"].tolist()[0] == 10.0  # when the provider's talk ended
    assert np.isnan(contacts["handed_back_min"][1])
    assert contacts["handoff_work_min"].tolist() == [15.0, 0.0]
    # the hand-over takes two hours; then an in-house advisor calls back for 15 minutes
    steps = tables.steps.astype({"step": str})
    assert steps.values.tolist() == [[0, "handoff", 10.0, 130.0], [0, "callback", 130.0, 130.0]]
    tasks = tables.tasks.astype({"kind": str})
    assert tasks[["advisor", "kind", "start_min", "end_min", "contact"]].values.tolist() == [
        [1, "call", 0.0, 10.0, 0], [1, "call", 10.0, 20.0, 1], [0, "callback", 130.0, 145.0, 0]]
    assert contacts["answered_min"].tolist() == [145.0, 20.0]
    assert contacts["outcome"].astype(str).tolist() == ["answered", "answered"]
    # a callback is owed from the hand-back, within the deadline counted from the call
    assert contacts["owed_min"][0] == 10.0 and contacts["deadline_min"][0] == 72 * 60.0
    assert contacts["reached_min"][0] == 130.0
    assert contacts["team"].astype(str).tolist() == [PROVIDER, PROVIDER]  # still its contact
    got = kpis.replication_kpis(tables, sc)
    assert got["handoffs"] == 1 and got["callbacks_owed"] == 1


def test_handed_back_members_of_an_inbound_line_are_reached_by_the_in_house_callback() -> None:
    # An inbound line of first-contact calls: the only callbacks are the provider's hand-backs.
    # With the default reach probability (1) every handed-back member is reached.
    sc = helpline(days=3, case_types=[{"name": "quick", "share": 1.0, "talk": exponential(6)}],
                  escalation={}, files=None, callbacks={},
                  outsourcing={"advisors": 2, "first_contact_resolution": 0.5,
                               "handoff": "1h", "handoff_work": "10min"})
    tables = run_replication(sc, 1, 0)
    handed = tables.contacts[tables.contacts["handed_back_min"].notna()]
    assert len(handed) > 20
    outcomes = handed["outcome"].astype(str).value_counts().to_dict()
    assert outcomes.get("unreachable", 0) == 0, (
        f"handed-back members ended {outcomes}: with reach_probability = 1 none is unreachable")


def test_an_outsourced_call_opening_an_in_house_file_reaches_it_after_the_handoff() -> None:
    cases = [{"name": "c", "share": 1, "talk": "10min"},
             {"name": "dis", "share": 0, "talk": "0s", "resolution": "file"}]
    files = {"from_calls": 0.5, "process": "30min", "case_type": "dis"}
    provider = {"advisors": 1, "takes": {"case_types": ["c"]}, "handoff": "1h",
                "handoff_work": "20min"}
    option = tiny(1, case_types=cases, files=files, outsourcing=provider)
    inhouse = tiny(1, case_types=cases, files=files)
    columns = dict(opens_file=np.array([True]), file_process=np.array([30.0]),
                   handoff=np.array([60.0]), handoff_work=np.array([20.0]))
    # in-house, the file is opened when the call ends and takes 30 minutes
    alone = simulate(members(inhouse, [0.0], [10.0], **columns))
    assert alone.files[["opened_min", "closed_min"]].values.tolist() == [[10.0, 40.0]]
    # outsourced: the provider (advisor 1) takes the call; the file reaches the in-house
    # advisor (0) an hour later and takes 20 minutes more
    tables = simulate(members(option, [0.0], [10.0], **columns))
    tasks = tables.tasks.astype({"kind": str})
    assert tasks[["advisor", "kind", "start_min", "end_min"]].values.tolist() == [
        [1, "call", 0.0, 10.0], [0, "file", 70.0, 120.0]]
    assert tables.files[["opened_min", "closed_min"]].values.tolist() == [[70.0, 120.0]]
    steps = tables.steps.astype({"step": str})
    assert steps.values.tolist() == [[0, "handoff", 10.0, 70.0], [0, "file", 70.0, 120.0]]
    contacts = tables.contacts
    assert contacts["handed_back_min"].tolist() == [10.0]
    assert contacts["answered_min"].tolist() == [10.0]  # the call itself answered the member
    got = kpis.replication_kpis(tables, option)
    assert got["handoffs"] == 1
    assert got["files_opened"] == 1


def test_a_handed_back_call_that_also_opens_an_in_house_file_ends_every_handoff_step() -> None:
    cases = [{"name": "c", "share": 1, "talk": "10min"},
             {"name": "dis", "share": 0, "talk": "0s", "resolution": "file"}]
    sc = tiny(1, case_types=cases, files={"from_calls": 0.5, "process": "30min",
                                          "case_type": "dis"},
              outsourcing={"advisors": 1, "takes": {"case_types": ["c"]}, "handoff": "1h",
                           "first_contact_resolution": 0.5, "handoff_work": "20min"})
    # the provider cannot resolve the call, which also opens a file kept in-house: both the
    # member and the file reach the in-house advisor an hour after the call (at 70)
    tables = simulate(members(sc, [0.0], [10.0], opens_file=np.array([True]),
                              file_process=np.array([30.0]), resolve_u=np.array([0.9]),
                              handoff=np.array([60.0]), handoff_work=np.array([20.0])))
    tasks = tables.tasks.astype({"kind": str})
    assert tasks[["advisor", "kind", "start_min", "end_min"]].values.tolist() == [
        [1, "call", 0.0, 10.0], [0, "file", 70.0, 120.0], [0, "callback", 120.0, 140.0]]
    assert tables.contacts["answered_min"].tolist() == [140.0]
    # every hand-off has ended by 70: none is still counted in the backlog days later
    handoffs = tables.steps[tables.steps["step"] == "handoff"]
    assert handoffs["end_min"].notna().all(), handoffs.to_string()
    daily = kpis.daily(tables, sc)
    assert daily["backlog_handoff"].tolist() == [0] * 7


# --- overflow to the provider ----------------------------------------------------------------


def test_calls_go_to_the_provider_when_the_in_house_queue_is_that_long() -> None:
    sc = tiny(1, outsourcing={"advisors": 1, "takes": {"share": 0.0, "overflow_queue": 2}})
    # one in-house advisor busy 0-10; callers at 1 and 2 queue; at 3 and 4 two are waiting,
    # so those calls go to the provider (advisor 1), which is busy 3-13
    tables = simulate(members(sc, [0.0, 1.0, 2.0, 3.0, 4.0], [10.0] * 5))
    calls = tables.calls
    assert calls[["contact", "arrived_min", "wait_min", "advisor"]].values.tolist() == [
        [0, 0.0, 0.0, 0], [1, 1.0, 9.0, 0], [2, 2.0, 18.0, 0], [3, 3.0, 0.0, 1],
        [4, 4.0, 9.0, 1]]
    assert tables.contacts["team"].astype(str).tolist() == ["in-house"] * 3 + [PROVIDER] * 2
    assert kpis.replication_kpis(tables, sc)["provider_share"] == 0.4


# --- the provider's own speed ----------------------------------------------------------------


def test_the_providers_talk_factor_applies_to_all_its_advisor_work_research_included() -> None:
    # sim.engine.provider.SCALED lists every advisor duration a team does at its own speed, research
    # included: a provider twice as slow researches twice as long, as it talks and calls back.
    cases = [{"name": "c", "share": 1, "talk": "10min", "resolution": "callback",
              "research": "30min"}]
    sc = tiny(1, case_types=cases, outsourcing={"advisors": 1, "talk_factor": 2.0})
    tables = simulate(members(sc, [0.0], [10.0], research=np.array([30.0]),
                              callback_talk=np.array([5.0])))
    tasks = tables.tasks.astype({"kind": str})
    durations = dict(zip(tasks["kind"], tasks["end_min"] - tasks["start_min"], strict=True))
    assert durations["call"] == 20.0 and durations["callback"] == 10.0
    assert durations["research"] == 60.0, f"research took {durations['research']} minutes"


def test_more_provider_errors_lower_the_right_answer_on_time_not_the_callbacks_on_time() -> None:
    """A member reached on time with a wrong answer is called back on time, but has not had
    the right answer on time: only `right_on_time_rate` sees the provider's errors."""
    from sim.experiments.compare import compare

    short = {"horizon.end": "2025-03-31"}
    base = with_overrides(load_scenario(SCENARIOS / "das-eco-outsourced.toml"), short)
    worse = with_overrides(base, {"name": "more-errors", "outsourcing.defect_rate": 0.30,
                                  "outsourcing.initial_defect_rate": 0.30})
    table = compare([base, worse], replications=3, workers=1).table.set_index(["scenario", "kpi"])
    right = table.loc[("more-errors", "right_on_time_rate")]
    called = table.loc[("more-errors", "callback_on_time_rate")]
    assert right["diff_ci_high"] < 0  # measurably lower
    assert right["diff_mean"] < -0.10  # about 22 more members in 100 get a wrong answer first
    assert abs(called["diff_mean"]) < abs(right["diff_mean"]) / 10
