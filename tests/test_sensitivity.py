"""What would change the verdict: tornado, switching values, draws, and bad input."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.ranges import ranges
from sim.experiments.sensitivity import analyse, wilson
from sim.scenario import Scenario, ScenarioError, load_scenario, to_toml, with_overrides

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
PATHS = (SCENARIOS / "das-inhouse-48h.toml", SCENARIOS / "das-eco-outsourced.toml")


def short(scenario: Scenario, **more: object) -> Scenario:
    """The scenario over three weeks (two days of warm-up), at a tenth of its volume."""
    start = scenario.horizon.start
    return with_overrides(scenario, {"horizon.end": (start + timedelta(days=20)).isoformat(),
                                     "horizon.warmup_days": 2, **more})


@pytest.fixture(scope="module")
def options() -> tuple[Scenario, Scenario]:
    base, option = (load_scenario(p) for p in PATHS)
    return short(base), short(option, **{"outsourcing.price.minimum_monthly": 0.0})


def test_switching_value_by_bisection_equals_the_one_solved_from_two_prices(
        options: tuple[Scenario, Scenario], tmp_path: Path) -> None:
    # the price changes no member's journey, so the cost difference is a + b * price exactly
    found = ranges(options, PATHS, ["outsourcing.price.per_contact=0:400"])
    result = analyse(*options, found, ["cost_total"], replications=3, seed=5, workers=1,
                     tolerance=1 / 1024)
    tornado = result.tornado.iloc[0]
    low, high = float(tornado["diff_low"]), float(tornado["diff_high"])
    assert low < 0 < high, (low, high)  # cheaper for free, dearer at 400 a contact
    solved = 0 + (0 - low) * (400 - 0) / (high - low)
    row = result.switching.iloc[0]
    assert row["switching_value"] == pytest.approx(solved, rel=0.01)
    # the bisection closed in on it from both sides (a straight line would be interpolated
    # right from any two prices: the values simulated show the bracket was the right one)
    tried = np.array(result.simulated[("outsourcing.price.per_contact", "cost_total")])
    assert len(tried) >= 8
    assert ((tried < solved) & (tried > solved * 0.99)).any()
    assert ((tried > solved) & (tried < solved * 1.01)).any()
    assert row["ci_low"] <= row["switching_value"] <= row["ci_high"]
    assert row["ci_low"] > 0 and row["ci_high"] < 400
    result.write(tmp_path)
    written = pd.read_csv(tmp_path / "switching.csv")
    assert list(written.columns) == ["assumption", "kpi", "switching_value", "ci_low",
                                     "ci_high", "note"]
    assert list(pd.read_csv(tmp_path / "sensitivity.csv").columns) == [
        "assumption", "value_low", "value_high", "kpi", "diff_low", "diff_low_ci_low",
        "diff_low_ci_high", "diff_high", "diff_high_ci_low", "diff_high_ci_high"]


def test_a_value_that_never_flips_the_verdict_says_no_switch_and_draws_are_repeatable(
        options: tuple[Scenario, Scenario]) -> None:
    found = ranges(options, PATHS, ["outsourcing.price.per_contact=0:5"])
    first = analyse(*options, found, ["cost_total"], replications=2, seed=5, workers=1,
                    draws=3)
    assert first.switching["note"].tolist() == ["no switch in the range"]
    again = analyse(*options, found, ["cost_total"], replications=2, seed=5, workers=1,
                    draws=3)
    assert first.draws is not None and first.holds is not None and again.draws is not None
    pd.testing.assert_frame_equal(first.draws, again.draws)
    assert first.holds["holds"].tolist() == [3]  # free or nearly: always cheaper


def test_wilson_interval_contains_the_share_and_stays_in_zero_one() -> None:
    low, high = wilson(87, 100)
    assert low < 0.87 < high and low > 0.78 and high < 0.93
    assert wilson(0, 10)[0] == 0 and wilson(10, 10)[1] == pytest.approx(1)


def test_default_ranges_leave_headcounts_out_and_stay_within_allowed_values(
        options: tuple[Scenario, Scenario]) -> None:
    found = {r.key: r for r in ranges(options, PATHS)}
    assert "staff.advisors" not in found
    assert found["outsourcing.price.per_contact"].nominal == (None, 24.0)
    assert found["staff.cost_per_hour"].low == pytest.approx(21.0)
    assert found["outsourcing.first_contact_resolution"].high <= 1.0
    assert found["callbacks.max_attempts"].integer


@pytest.mark.parametrize(("vary", "key", "reason"), [
    ("outsourcing.prize.per_contact=1:2", "outsourcing.prize.per_contact", "no such value"),
    ("outsourcing.defect_rate=0.1:1.5", "outsourcing.defect_rate", "1.5"),
    ("callbacks.order=1:2", "callbacks.order", "not a number"),
])
def test_bad_vary_is_refused_before_anything_runs_with_the_key_named(
        vary: str, key: str, reason: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["sensitivity", *map(str, PATHS), "--vary", vary,
                                 "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert key in result.output and reason in result.output
    assert not out.exists()


def test_unknown_kpi_is_refused_before_anything_runs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["sensitivity", *map(str, PATHS), "--kpi", "cost_totl",
                                 "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "cost_totl" in result.output
    assert not (tmp_path / "out").exists()


def test_a_range_in_the_file_is_checked_against_the_scenario(tmp_path: Path) -> None:
    base, option = (load_scenario(p) for p in PATHS)
    bad = with_overrides(option, {"ranges": {"outsourcing.defect_rate": [0.02, 3.0]}})
    path = tmp_path / "option.toml"
    path.write_text(to_toml(bad), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"outsourcing\.defect_rate"):
        ranges((base, load_scenario(path)), (PATHS[0], path))
    with pytest.raises(ScenarioError, match="low < high"):
        with_overrides(option, {"ranges": {"outsourcing.defect_rate": [0.3, 0.1]}})
    assert np.isfinite(bad.ranges["outsourcing.defect_rate"][1])


def test_a_price_variant_counted_again_equals_its_simulation(
        options: tuple[Scenario, Scenario]) -> None:
    from sim.experiments.repricing import money_only, reprice, trustworthy
    from sim.runs.replication import replicate
    option = options[1]
    dearer = with_overrides(option, {"outsourcing.price.per_contact": 61.5,
                                     "staff.cost_per_hour": 50.0})
    nominal = replicate(option, 5, 0)
    assert trustworthy([nominal], option)
    simulated = replicate(dearer, 5, 0).kpis
    again = reprice(nominal, dearer)
    assert again == pytest.approx(simulated, rel=1e-12, nan_ok=True)
    assert again["cost_total"] != nominal.kpis["cost_total"]
    assert money_only({"outsourcing.price.per_contact": 1, "staff.cost_per_hour": 2})
    assert not money_only({"outsourcing.defect_rate": 0.1})
    assert not money_only({})


def test_the_report_shows_the_tornado_and_the_switching_value_linked_from_the_findings(
        options: tuple[Scenario, Scenario], tmp_path: Path) -> None:
    from sim.report.page import build, load_results
    paths = []
    for scenario in options:
        path = tmp_path / f"{scenario.name}.toml"
        path.write_text(to_toml(scenario), encoding="utf-8")
        paths.append(str(path))
    out = tmp_path / "out"
    result = runner.invoke(app, ["sensitivity", *paths, "--vary",
                                 "outsourcing.price.per_contact=0:400", "--kpi", "cost_total",
                                 "-n", "3", "--workers", "1", "--out", str(out), "--report"])
    assert result.exit_code == 0, result.output
    assert "changes sign at outsourcing.price.per_contact" in " ".join(result.output.split())
    page = html.unescape((out / "report.en.html").read_text(encoding="utf-8"))
    assert "What would change the verdict" in page and "href='#sensitivity'" in page
    assert "id='tornado-1'" in page or 'id="tornado-1"' in page
    assert "becomes dearer than" in page
    assert "when the provider's price per contact goes above €" in page
    french, _ = build(load_results(out), "fr")
    assert "Ce qui ferait changer le verdict" in french and "passe au-dessus de" in french
    assert "devient plus chère que" in html.unescape(french)
    # a later comparison of other options in the same folder does not show a stale analysis
    other = with_overrides(options[1], {"outsourcing.advisors": 12})
    path = tmp_path / "other.toml"
    path.write_text(to_toml(other), encoding="utf-8")
    again = runner.invoke(app, ["compare", paths[0], str(path), "-n", "2", "--workers", "1",
                                "--out", str(out), "--report"])
    assert again.exit_code == 0, again.output
    assert "What would change the verdict" not in (out / "report.en.html").read_text(
        encoding="utf-8")


def test_validate_checks_the_ranges_of_a_scenario_file(tmp_path: Path) -> None:
    option = load_scenario(PATHS[1])
    bad = with_overrides(option, {"ranges": {"outsourcing.defect_rate": [0.02, 3.0],
                                             "outsourcing.prize": [1.0, 2.0]}})
    path = tmp_path / "option.toml"
    path.write_text(to_toml(bad), encoding="utf-8")
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "ranges.outsourcing.defect_rate" in text and "ranges.outsourcing.prize" in text
    assert runner.invoke(app, ["validate", str(PATHS[1])]).exit_code == 0
