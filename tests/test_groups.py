"""Groups of advisors: routing by source, case type and kind of work, overflow after a wait,
per-team KPIs, and advisors reserved for callbacks.

Hand-made members (`test_events.members`) on a 24/7 week make every time exact; times are
minutes since the horizon start (Monday 2024-01-01).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from helpers import START, WEEK, exponential
from test_events import members
from test_events import scenario as tiny
from typer.testing import CliRunner

from sim.cli import app
from sim.engine.model import simulate
from sim.measures import kpis
from sim.scenario import ScenarioError, validate

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
TWO_SOURCES = [{"name": "a", "volume": {"per_day": 1}}, {"name": "b", "volume": {"per_day": 1}}]
TWO_CASES = [{"name": "q1", "share": 0.5, "talk": "10min"},
             {"name": "q2", "share": 0.5, "talk": "10min"}]


def calls_log(tables: Any) -> list[list[float]]:
    return tables.calls[["contact", "arrived_min", "wait_min", "advisor"]].values.tolist()


# --- routing ---------------------------------------------------------------------------------


def routed() -> tuple[Any, Any]:
    sc = tiny(sources=TWO_SOURCES, case_types=TWO_CASES,
              files={"from_calls": 0.5, "process": "30min", "case_type": "q1"},
              staff={"groups": [
                  {"name": "gf", "advisors": 1, "work": ["files"]},  # advisor 0
                  {"name": "ga", "advisors": 1, "sources": ["a"]},  # advisor 1
                  {"name": "gb", "advisors": 1, "case_types": ["q2"]}]})  # advisor 2
    tables = simulate(members(
        sc, [0.0, 1.0, 2.0, 3.0], [10.0] * 4,
        source=np.array([0, 1, 0, 1]), case_type=np.array([0, 1, 0, 0]),
        opens_file=np.array([True, False, False, False]), file_process=np.full(4, 30.0)))
    return sc, tables


def test_work_goes_to_the_group_serving_its_source_case_type_and_kind_of_work() -> None:
    _, tables = routed()
    # 0 (source a) to ga; 1 (case q2) to gb; 2 (source a) waits for ga although the files
    # advisor is idle; 3 (source b, case q1) matches no group and goes to the first group
    # taking calls (ga), after 2
    assert calls_log(tables) == [[0, 0.0, 0.0, 1], [1, 1.0, 0.0, 2], [2, 2.0, 8.0, 1],
                                 [3, 3.0, 17.0, 1]]
    # the file of contact 0 is opened when its call ends, and the files team does it
    files = tables.tasks[tables.tasks["kind"] == "file"]
    assert files[["advisor", "start_min", "end_min", "contact"]].values.tolist() == [
        [0, 10.0, 40.0, 0]]
    assert tables.contacts["team"].astype(str).tolist() == ["ga", "gb", "ga", "ga"]


def test_team_kpis_give_each_groups_hours_and_occupancy() -> None:
    sc, tables = routed()
    table = kpis.team_kpis(kpis.advisor_days(tables, sc), sc).set_index("team")
    assert sorted(table.index) == ["ga", "gb", "gf"]
    week = 7 * 24.0  # each advisor is on the lines all week
    # gf: one 30-minute file; ga: three 10-minute calls; gb: one 10-minute call
    work = {"gf": 0.5, "ga": 0.5, "gb": 10 / 60}
    for team, hours in work.items():
        row = table.loc[team]
        assert row["advisors"] == 1
        assert row["work_hours"] == pytest.approx(hours)
        assert row["lines_hours"] == pytest.approx(week)
        assert row["paid_hours"] == pytest.approx(week)
        assert row["overtime_hours"] == 0
        assert row["occupancy"] == pytest.approx(hours / week)


# --- overflow between groups -----------------------------------------------------------------


def test_a_caller_who_waited_overflow_after_is_answered_by_the_other_group_and_not_before(
) -> None:
    sc = tiny(sources=TWO_SOURCES,
              staff={"groups": [
                  {"name": "ga", "advisors": 1, "sources": ["a"], "overflow_to": "gb",
                   "overflow_after": "2min"},  # advisor 0
                  {"name": "gb", "advisors": 1, "sources": ["b"]}]})  # advisor 1
    tables = simulate(members(sc, [0.0, 1.0, 5.0, 8.5], [10.0] * 4,
                              source=np.array([0, 0, 1, 0])))
    # 0 (a) to ga, busy until 10. 1 (a) waits although gb is idle, until it has waited two
    # minutes: gb answers it at 3 and is busy until 13. 2 (b) waits for gb: ga does not take
    # b's callers. 3 (a) has waited 1.5 minutes when ga frees at 10: its own group answers.
    assert calls_log(tables) == [[0, 0.0, 0.0, 0], [1, 1.0, 2.0, 1], [2, 5.0, 8.0, 1],
                                 [3, 8.5, 1.5, 0]]
    assert tables.contacts["team"].astype(str).tolist() == ["ga", "ga", "gb", "ga"]


def test_groups_csv_has_a_team_dimension_with_each_groups_members(tmp_path: Path) -> None:
    short = tmp_path / "dedicated.toml"
    short.write_text(f'extends = "{SCENARIOS / "dilemme-pro-dedicated.toml"}"\n'
                     "[horizon]\nend = 2013-10-25\n", encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["run", str(short), "-n", "2", "--workers", "1",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    groups = pd.read_csv(out / "groups.csv")
    teams = groups[groups["dimension"] == "team"]
    assert sorted(teams["value"].unique()) == ["dilemme", "pool"]
    contacts = pd.read_parquet(out / "contacts.parquet")
    for (replication, team), frame in teams.groupby(["replication", "value"]):
        mine = contacts[(contacts["replication"] == replication)
                        & (contacts["team"].astype(str) == team)]
        assert frame["contacts"].item() == len(mine)
    # the dedicated advisor's group serves Dilemme pro, the pool the managers' line
    sources = contacts.groupby("team", observed=True)["source"].agg(lambda s: set(s.astype(str)))
    assert sources["dilemme"] == {"dilemme-pro"}
    assert sources["pool"] == {"managers-line"}


# --- advisors reserved for callbacks ---------------------------------------------------------


def test_advisors_reserved_for_callbacks_never_take_live_calls() -> None:
    cases = [{"name": "c", "share": 1, "talk": "10min", "resolution": "callback",
              "research": "5min"}]
    sc = tiny(2, case_types=cases, callbacks={"reserved_advisors": 1})
    tables = simulate(members(sc, [0.0, 1.0], [10.0, 20.0], research=np.full(2, 5.0),
                              callback_talk=np.full(2, 5.0)))
    # advisor 1 is reserved: the second caller waits for advisor 0 although advisor 1 is idle
    assert calls_log(tables) == [[0, 0.0, 0.0, 0], [1, 1.0, 9.0, 0]]
    # the reserved advisor researches and calls back while advisor 0 talks; once idle,
    # advisor 0 makes callbacks too
    tasks = tables.tasks.astype({"kind": str})
    rows = tasks[tasks["kind"] != "call"][["advisor", "kind", "start_min", "end_min", "contact"]]
    assert rows.values.tolist() == [[1, "research", 10.0, 15.0, 0],
                                    [1, "callback", 15.0, 20.0, 0],
                                    [1, "research", 30.0, 35.0, 1],
                                    [0, "callback", 35.0, 40.0, 1]]
    teams = kpis.team_kpis(kpis.advisor_days(tables, sc), sc).set_index("team")
    assert teams.loc["callbacks", "work_hours"] == pytest.approx(15 / 60)
    assert teams.loc["in-house", "work_hours"] == pytest.approx(35 / 60)


# --- groups that leave work undone -----------------------------------------------------------


def line(staff: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"name": "undone", "horizon": {"start": START, "end": "2024-01-03"},
            "calendar": {"open_days": WEEK, "open_hours": ["00:00", "24:00"]},
            "sources": [{"name": "all", "volume": {"per_hour": 2}}],
            "case_types": [{"name": "x", "share": 1, "talk": exponential(6)}],
            "staff": staff, **extra}


@pytest.mark.parametrize(("data", "kind"), [
    (line({"groups": [{"name": "g", "advisors": 2, "work": ["callbacks"]}]}), "calls"),
    (line({"groups": [{"name": "g", "advisors": 2, "work": ["calls"]}]},
          outsourcing={"advisors": 1, "defect_rate": 0.5, "takes": {"share": 0.5}}),
     "remediation"),
], ids=["no-group-takes-calls", "no-group-puts-provider-errors-right"])
def test_groups_that_leave_a_kind_of_work_to_nobody_are_refused(data: dict[str, Any],
                                                                 kind: str) -> None:
    # The scenario creates work no group does: it must be refused when validated, naming
    # the work, rather than crash in the middle of a run.
    with pytest.raises(ScenarioError) as raised:
        validate(data)
    assert kind in str(raised.value)
