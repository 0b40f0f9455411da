"""Comparing options at equal service: each sized for the same targets, then costed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from helpers import stationary_line
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.equal_service import Limit, equal_service, shared_targets
from sim.report.page import build, load_results
from sim.scenario import Scenario, load_scenario, to_toml, with_overrides

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def line(name: str, aht_min: float) -> Scenario:
    """An Erlang C line (200 calls an hour) with a service-level target."""
    scenario = stationary_line(calls_per_hour=200, aht_min=aht_min, advisors=30, days=2,
                               name=name)
    return with_overrides(scenario, {"targets": {"service_level": ">=0.85"},
                                     "staff.cost_per_hour": 40.0})


def test_each_option_gets_the_fewest_advisors_meeting_the_targets_then_is_costed(
        tmp_path: Path) -> None:
    base, faster = line("base", 3.0), line("faster", 2.5)
    result = equal_service([base, faster], replications=6, seed=3, workers=1)
    needed = {s.scenario.name: s.level for s in result.sizings}
    assert needed["base"] == (14,)  # Erlang C: 13 gives 0.80, 14 gives 0.89
    assert needed["faster"][0] < 14
    assert all(s.met and not s.unmet for s in result.sizings)
    runs = {r.scenario.name: r.scenario.staff.advisors for r in result.comparison.runs}
    assert runs == {"base": 14, "faster": needed["faster"][0]}
    cost = result.comparison.table.query("kpi == 'cost_total' and scenario == 'faster'")
    assert cost["diff_ci_high"].item() < 0  # fewer advisors at equal service: cheaper
    folder = result.write(tmp_path / "out")
    table = pd.read_csv(folder / "equal_service.csv")
    assert table["advisors_in_file"].astype(str).tolist() == ["30", "30"]
    assert table["advisors_needed"].astype(str).tolist() == ["14", str(needed["faster"][0])]
    assert table["service_level_met_share"].between(0, 1).all()


def test_a_target_no_headcount_meets_is_named_with_the_limit_that_binds(
        tmp_path: Path) -> None:
    # half the members cannot be reached on the single attempt: no headcount calls 95 % back
    inhouse = load_scenario(SCENARIOS / "das-inhouse-48h.toml")
    start = inhouse.horizon.start
    short = with_overrides(inhouse, {
        "horizon.end": (start + timedelta(days=20)).isoformat(), "horizon.warmup_days": 2,
        "callbacks.reach_probability": 0.5, "callbacks.max_attempts": 1,
        "targets": {"callback_on_time_rate": ">=0.95"}})
    path = tmp_path / "unreachable.toml"
    path.write_text(to_toml(short), encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", str(path), "--equal-service", "-n", "3",
                                 "--workers", "1", "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "cannot meet callback_on_time_rate >=0.95 at any in-house headcount" in text
    assert "members who cannot be reached" in text
    table = pd.read_csv(out / "equal_service.csv")
    assert table["callback_on_time_rate_limit"].tolist() == [str(Limit.REACH)]
    assert not table["met"].item()
    assert table["levels_tried"].item() < 12  # it stopped once the target stopped moving
    page, _ = build(load_results(out), "fr")
    assert "À service égal" in page and "injoignables" in page


def test_the_first_options_target_wins_when_options_disagree() -> None:
    a = with_overrides(line("a", 3.0), {"targets": {"service_level": ">=0.8"}})
    b = with_overrides(line("b", 3.0), {"targets": {"service_level": ">=0.9",
                                                    "abandon_rate": "<=0.05"}})
    targets = shared_targets([a, b])
    assert targets["service_level"].value == pytest.approx(0.8)
    assert targets["abandon_rate"].value == pytest.approx(0.05)
