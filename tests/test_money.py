"""Money: what each option costs, computed by hand on tiny cases; the money KPIs of the reference
options side by side; and sweeps that find where an option breaks even against a reference.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import WEEK
from test_events import members
from typer.testing import CliRunner

from sim import cli
from sim.engine.model import simulate
from sim.measures import kpis
from sim.measures.money import months
from sim.scenario import Scenario, validate

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DAY = 1440.0


# --- a week across two months, by hand -------------------------------------------------------


def priced() -> Scenario:
    """Monday 29 January to Saturday 3 February 2024, the first day a warm-up: the measured
    window is 30-31 January (2 of 31 days) and 1-3 February (3 of 29 days). Lines open
    09:00-17:00 every day; two in-house advisors at 40 an hour, with absences and a meeting;
    a provider with one advisor 08:00-18:00 taking case types a and r."""
    return validate({
        "name": "priced",
        "horizon": {"start": "2024-01-29", "end": "2024-02-03", "warmup_days": 1},
        "calendar": {"open_days": WEEK, "open_hours": ["09:00", "17:00"]},
        "sources": [{"name": "s", "volume": {"per_day": 1}}],
        "case_types": [
            {"name": "a", "share": 0.25, "talk": "10min"},
            {"name": "b", "share": 0.25, "talk": "10min"},
            {"name": "e", "share": 0.25, "talk": "10min", "resolution": "expert"},
            {"name": "r", "share": 0.25, "talk": "10min", "resolution": "callback",
             "research": "60min"}],
        "escalation": {"experts": {"response": "1h", "clock": "calendar",
                                   "cost_per_case": 100}},
        "staff": {"advisors": 2, "cost_per_hour": 40, "shrinkage": 0.3,
                  "meetings": [{"name": "team", "per_year": 52, "duration": "1h",
                                "at": "10:00"}]},
        "outsourcing": {"advisors": 1, "hours": ["08:00", "18:00"], "defect_rate": 0.5,
                        "first_contact_resolution": 0.9, "oversight_hours_per_month": 10,
                        "takes": {"case_types": ["a", "r"]},
                        "price": {"per_contact": 10, "per_hour": 20, "minimum_monthly": 6200,
                                  "penalty_per_late_callback": 5}},
    })


def priced_tables(sc: Scenario) -> Any:
    # contact: 0     1     2     3     4     5     6     7     8     9
    # case:    a     e     a     b     r     e     b     a     a     a
    # day:     0     0     1     1     2     2     2     3     4     5      (day 0: warm-up)
    # time:  10:00 10:20 10:00 10:20 10:00 11:40 16:50 10:00 10:00 10:00
    case = [0, 2, 0, 1, 3, 2, 1, 0, 0, 0]
    at = [600, 620, DAY + 600, DAY + 620, 2 * DAY + 600, 2 * DAY + 700, 2 * DAY + 1010,
          3 * DAY + 600, 4 * DAY + 600, 5 * DAY + 600]
    talk = [10.0] * 10
    talk[6] = 25.0  # 16:50 + 25 min: 15 minutes of overtime
    deadline = np.full(10, 72 * 60.0)
    deadline[4] = 60.0  # researched for an hour: called back after its 1-hour deadline
    defect = np.ones(10)
    defect[7] = 0.0  # the provider's answer to 7 is wrong
    resolve = np.zeros(10)
    resolve[8] = 0.99  # the provider hands 8 back
    n = len(at)
    return simulate(members(
        sc, at, talk, case_type=np.array(case), deadline=deadline,
        research=np.where(np.array(case) == 3, 60.0, 0.0), callback_talk=np.full(n, 10.0),
        expert_response=np.full(n, 60.0), defect_u=defect, resolve_u=resolve,
        detect_after=np.full(n, 60.0), remediation=np.full(n, 30.0),
        handoff=np.full(n, 120.0), handoff_work=np.full(n, 20.0)))


def test_the_months_of_the_window_and_the_share_of_each_covered() -> None:
    table = months(priced())
    assert table["month"].tolist() == ["2024-01", "2024-02"]
    assert table["start_min"].tolist() == [DAY, 3 * DAY]
    assert table["end_min"].tolist() == [3 * DAY, 6 * DAY]
    assert table["covered"].tolist() == [2 / 31, 3 / 29]


def test_costs_of_a_week_across_two_months_add_up_by_hand() -> None:
    sc = priced()
    tables = priced_tables(sc)
    time = tables.advisor_time
    window = time[(time["start"] >= DAY) & (time["team"] == "in-house")]
    # absences and meetings happen in the window, and are paid all the same
    assert (window["kind"] == "absent").any() and (window["kind"] == "meeting").any()
    contacts = tables.contacts
    assert contacts["team"].astype(str).tolist() == [
        "provider", "in-house", "provider", "in-house", "provider", "in-house", "in-house",
        "provider", "provider", "provider"]
    got = kpis.replication_kpis(tables, sc)

    # In-house: 2 advisors x 5 days x 8 h = 80 h scheduled (absent and in meetings included),
    # + 0.25 h overtime (the 16:50 call ends 17:15) = 80.25 paid hours;
    # oversight: 10 h a month x (2/31 + 3/29) of a month; all at 40 an hour.
    oversight = 10 * (2 / 31 + 3 / 29)
    assert got["overtime_hours"] == pytest.approx(0.25)
    cost_inhouse = (80.25 + oversight) * 40  # = 3,277.19
    assert got["cost_inhouse"] == pytest.approx(cost_inhouse)

    # Provider, January: contacts 2 and 4 (contact 0 arrived in the warm-up), 2 days x 10 h:
    #   invoice 10 x 2 + 20 x 20 = 420 > minimum 6,200 x 2/31 = 400    -> 420
    # February: contacts 7, 8, 9, 3 days x 10 h:
    #   invoice 10 x 3 + 20 x 30 = 630 < minimum 6,200 x 3/29 = 641.38 -> 641.38
    # minus 5 for its one late callback (contact 4: called at 10:00, researched 10:10-11:10,
    # reached at 11:10, 10 minutes after its 1-hour deadline).
    cost_provider = max(10 * 2 + 20 * 20, 6200 * 2 / 31) + max(10 * 3 + 20 * 30,
                                                                6200 * 3 / 29) - 5 * 1
    assert got["cost_provider"] == pytest.approx(cost_provider)  # = 1,056.38
    assert contacts.loc[4, "reached_min"] > contacts.loc[4, "deadline_min"]

    # Experts: contact 5 (contact 1 arrived in the warm-up) at 100 a case.
    assert got["escalated_experts"] == 1
    assert got["cost_experts"] == 100.0

    cost_total = cost_inhouse + cost_provider + 100.0  # = 4,433.57
    assert got["cost_total"] == pytest.approx(cost_total)
    # 8 members measured (contacts 2 to 9); 7 answered on time: all but contact 4, late
    assert got["contacts"] == 8
    assert got["cost_per_contact"] == pytest.approx(cost_total / 8)
    assert got["cost_per_on_time_answer"] == pytest.approx(cost_total / 7)

    # Rework: the 30-minute remediation of contact 7 and the 20 minutes taking 8 back, in-house
    assert got["remediations"] == 1 and got["handoffs"] == 1
    assert got["remediation_hours"] == pytest.approx(0.5)
    assert got["cost_rework"] == pytest.approx((30 + 20) / 60 * 40)  # = 33.33
    assert contacts.loc[7, "answered_min"] == contacts.loc[7, "remediated_min"] == (
        3 * DAY + 610 + 60 + 30)  # answered 10:10, found an hour later, put right in 30 min


def test_the_monthly_minimum_of_a_month_partly_covered_is_paid_pro_rata() -> None:
    # The provider handles nothing at all: it is paid its minimum, pro rata, and no more.
    sc = priced()
    tables = simulate(members(sc, [600.0], [10.0], case_type=np.array([1])))
    got = kpis.replication_kpis(tables, sc)
    per_hour = 20 * 10  # a day of the provider's advisor
    # January: 20 x 20 h = 400 = the minimum 6,200 x 2/31; February: 20 x 30 h = 600 <
    # 6,200 x 3/29 = 641.38: 1,041.38 in all
    assert got["cost_provider"] == pytest.approx(max(2 * per_hour, 6200 * 2 / 31)
                                                 + max(3 * per_hour, 6200 * 3 / 29))
    assert got["contacts"] == 0
    assert np.isnan(got["cost_per_contact"])


def test_the_provider_is_not_paid_for_members_that_self_service_answered() -> None:
    # A provider taking every contact at 10 a contact, and self-service answering member 0
    # for good: the provider handled one contact (member 1), and is paid for that one.
    sc = validate({
        "name": "deflected", "horizon": {"start": "2024-01-01", "end": "2024-01-07"},
        "calendar": {"open_days": WEEK, "open_hours": ["00:00", "24:00"]},
        "sources": [{"name": "s", "volume": {"per_day": 1}}],
        "case_types": [{"name": "c", "share": 1, "talk": "10min"}],
        "staff": {"advisors": 1},
        "ai": {"deflect_share": 0.5},
        "outsourcing": {"advisors": 1, "price": {"per_contact": 10}}})
    tables = simulate(members(sc, [0.0, 10.0], [10.0, 10.0], deflect_u=np.array([0.1, 0.9])))
    assert tables.contacts["outcome"].astype(str).tolist() == ["deflected", "answered"]
    assert tables.calls["contact"].tolist() == [1]
    got = kpis.replication_kpis(tables, sc)
    assert got["deflected"] == 1
    assert got["cost_provider"] == 10.0, f"paid {got['cost_provider']} for one contact handled"


# --- the reference options side by side ------------------------------------------------------


DAS = ("das-inhouse-48h", "das-eco-outsourced", "das-eco-dis-outsourced")


@pytest.fixture(scope="module")
def das_compared(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("das")
    files = []
    for name in DAS:  # six weeks, two of them warm-up: 20 January to 23 February measured
        path = folder / f"{name}.toml"
        path.write_text(f'extends = "{SCENARIOS / name}.toml"\n[horizon]\nend = 2025-02-23\n',
                        encoding="utf-8")
        files.append(str(path))
    old = cli.out.width
    cli.out.width = 250  # no folding of the table
    try:
        result = runner.invoke(cli.app, ["compare", *files, "-n", "2", "--workers", "1",
                                       "--out", str(folder / "out")])
    finally:
        cli.out.width = old
    assert result.exit_code == 0, result.output
    return folder / "out", result.output


def test_compare_of_the_das_options_shows_cost_rework_service_and_load(
        das_compared: tuple[Path, str]) -> None:
    out, shown = das_compared
    rows = {line.split("│")[1].strip(): line for line in shown.splitlines()
            if line.startswith("│")}
    for kpi in ("cost_total", "remediation_hours", "callback_on_time_rate", "occupancy",
                "cost_inhouse", "cost_provider", "cost_rework"):
        assert kpi in rows, f"no {kpi} row in:\n{shown}"
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == set(DAS)
    mean = table.set_index(["scenario", "kpi"])["mean"]
    assert mean["das-inhouse-48h", "remediation_hours"] == 0
    assert mean["das-inhouse-48h", "cost_provider"] == 0
    for option in DAS[1:]:
        assert mean[option, "remediation_hours"] > 0
        assert mean[option, "cost_provider"] > 0
    for name in DAS:
        reps = pd.read_csv(out / name / "replications.csv")
        np.testing.assert_allclose(reps["cost_total"], reps["cost_inhouse"]
                                   + reps["cost_provider"] + reps["cost_experts"])
        np.testing.assert_allclose(reps["cost_per_contact"], reps["cost_total"]
                                   / reps["contacts"])


def test_the_eco_outsourced_costs_follow_from_its_own_tables(
        das_compared: tuple[Path, str]) -> None:
    out, _ = das_compared
    folder = out / "das-eco-outsourced"
    reps = pd.read_csv(folder / "replications.csv").set_index("replication")
    days = pd.read_parquet(folder / "advisor_days.parquet")
    contacts = pd.read_parquet(folder / "contacts.parquet")
    start = pd.Timestamp("2025-01-06")
    measured_from = start + pd.Timedelta(days=14)  # 20 January
    covered = {1: 12 / 31, 2: 23 / 28}  # 20-31 January, 1-23 February
    end_min = 49 * DAY
    for replication, kpi in reps.iterrows():
        mine = days[(days["replication"] == replication) & (days["date"] >= measured_from)]
        inhouse = mine[mine["team"].astype(str) != "provider"]
        paid = inhouse["scheduled_hours"].sum() + inhouse["overtime_hours"].sum()
        # 42 an hour, for the in-house paid hours and 40 h a month of oversight
        assert kpi["cost_inhouse"] == pytest.approx((paid + 40 * sum(covered.values())) * 42)
        theirs = contacts[(contacts["replication"] == replication)
                          & (contacts["team"].astype(str) == "provider")
                          & (contacts["arrived_min"] >= 14 * DAY)]
        month = (start + pd.to_timedelta(theirs["arrived_min"], unit="min")).dt.month
        # 24 a contact, at least 20,000 a month pro rata; priced per contact only
        invoices = sum(max(24.0 * int((month == m).sum()), 20000 * share)
                       for m, share in covered.items())
        owed = theirs[theirs["owed_min"].notna()]
        late = owed[~(owed["reached_min"] <= owed["deadline_min"])
                    & ((owed["deadline_min"] < end_min) | owed["reached_min"].notna())]
        assert kpi["cost_provider"] == pytest.approx(invoices - 5.0 * len(late))


# --- break-even sweeps -----------------------------------------------------------------------


LINE = """
[horizon]
start = 2024-01-01
end = 2024-01-02
[calendar]
open_days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
open_hours = ["00:00", "24:00"]
[[sources]]
name = "phone"
volume = { per_hour = 4 }
[[case_types]]
name = "call"
share = 1
talk = { dist = "exponential", mean = "6min" }
[channel]
patience = { dist = "exponential", mean = "5min" }
"""


def sweep_files(folder: Path, *, reference: bool = True,
                breakeven: str = '"outsourcing.price.per_contact"') -> Path:
    # reference: two in-house advisors at 10 an hour, 48 hours: 960.
    # option: one in-house advisor (480) and a provider taking every contact at a price per
    # contact p: its cost difference to the reference is -480 + p x contacts, linear in p.
    (folder / "inhouse.toml").write_text(
        'name = "inhouse"\n' + LINE + "[staff]\nadvisors = 2\ncost_per_hour = 10\n",
        encoding="utf-8")
    (folder / "option.toml").write_text(
        'name = "option"\n' + LINE + "[staff]\nadvisors = 1\ncost_per_hour = 10\n"
        "[outsourcing]\nadvisors = 1\ndetect_after = \"1h\"\n", encoding="utf-8")
    path = folder / "sweep.toml"
    path.write_text(
        'base = "option.toml"\n'
        + ('reference = "inhouse.toml"\n' if reference else "")
        + "replications = 3\nseed = 4\n[grid]\n"
        '"outsourcing.price.per_contact" = [0.0, 2.0, 4.0]\n'
        '"outsourcing.defect_rate" = [0.0, 0.2]\n'
        f"[breakeven]\nparameter = {breakeven}\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("breakeven")
    result = runner.invoke(cli.app, ["sweep", str(sweep_files(folder)), "--workers", "1",
                                     "--out", str(folder / "out")])
    assert result.exit_code == 0, result.output
    return folder / "out"


def test_points_csv_gains_the_paired_mean_difference_to_the_reference(swept: Path) -> None:
    rows = pd.read_csv(swept / "sweep.csv")
    reference = pd.read_csv(swept / "reference.csv").set_index("replication")
    points = pd.read_csv(swept / "points.csv").set_index("point")
    for kpi in ("cost_total", "service_level", "remediation_hours"):
        for column in ("mean", "ci_low", "ci_high"):
            assert f"{kpi}_diff_{column}" in points.columns
    # by hand, for point 4 (price 4, no defect): the mean over replications of
    # (its cost_total - the reference's cost_total in the same replication)
    point = rows[rows["point"] == 4].set_index("replication")
    assert point["outsourcing.price.per_contact"].iloc[0] == 4.0
    assert point["outsourcing.defect_rate"].iloc[0] == 0.0
    by_hand = (point["cost_total"] - reference["cost_total"]).mean()
    assert points.loc[4, "cost_total_diff_mean"] == pytest.approx(by_hand)
    # and the paired difference of the member KPIs too
    by_hand = (point["service_level"] - reference["service_level"]).mean()
    assert points.loc[4, "service_level_diff_mean"] == pytest.approx(by_hand)


def test_breakeven_csv_finds_the_price_where_the_costs_cross_by_linear_interpolation(
        swept: Path) -> None:
    rows = pd.read_csv(swept / "sweep.csv")
    reference = pd.read_csv(swept / "reference.csv").set_index("replication")
    points = pd.read_csv(swept / "points.csv")
    table = pd.read_csv(swept / "breakeven.csv")
    column = "outsourcing.price.per_contact at break-even"
    assert table["outsourcing.defect_rate"].tolist() == [0.0, 0.2]
    assert (table["kpi"] == "cost_total").all()
    for rate, found in zip(table["outsourcing.defect_rate"], table[column], strict=True):
        # cost difference = a + p x N per replication, with a the difference at price 0 and N
        # the provider's contacts: the mean difference is zero at p = -mean(a) / mean(N)
        free = rows[(rows["outsourcing.defect_rate"] == rate)
                    & (rows["outsourcing.price.per_contact"] == 0.0)].set_index("replication")
        a = free["cost_total"] - reference["cost_total"]
        n = free["contacts"] * free["provider_share"]
        assert a.mean() < 0
        assert found == pytest.approx(-a.mean() / n.mean(), rel=1e-9)
        # which is the interpolation between the grid points around it (here 2 and 4)
        mine = points[points["outsourcing.defect_rate"] == rate].set_index(
            "outsourcing.price.per_contact")["cost_total_diff_mean"]
        y2, y4 = mine[2.0], mine[4.0]
        assert y2 < 0 < y4
        assert found == pytest.approx(2.0 + 2.0 * (0 - y2) / (y4 - y2))
        # what the members and the advisors get there: the differences at the point before
        there = table[table["outsourcing.defect_rate"] == rate]
        assert there["remediation_hours_diff_there"].item() == pytest.approx(
            points[(points["outsourcing.defect_rate"] == rate)
                   & (points["outsourcing.price.per_contact"] == 2.0)][
                "remediation_hours_diff_mean"].item())


@pytest.mark.parametrize(("reference", "parameter", "message"), [
    (False, '"outsourcing.price.per_contact"', "needs a reference"),
    (True, '"outsourcing.price.per_hour"', "must be one of the grid's keys"),
], ids=["without-reference", "parameter-not-in-grid"])
def test_a_breakeven_that_cannot_be_computed_is_refused(tmp_path: Path, reference: bool,
                                                         parameter: str, message: str) -> None:
    path = sweep_files(tmp_path, reference=reference, breakeven=parameter)
    result = runner.invoke(cli.app, ["sweep", str(path), "--workers", "1",
                                     "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not (tmp_path / "out" / "sweep.csv").exists()
