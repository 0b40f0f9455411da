"""Every reference scenario validates and runs, on a short horizon."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import sim
from sim.scenario import load_scenario, with_overrides

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.toml"))


def short(path: Path, days: int = 14) -> sim.Scenario:
    scenario = load_scenario(path)
    joins = max((s.start for s in scenario.sources if s.start), default=scenario.horizon.start)
    end = min(scenario.horizon.end, max(scenario.horizon.start + timedelta(days=days - 1),
                                        joins + timedelta(days=7)))
    return with_overrides(scenario, {"horizon.end": end.isoformat(), "horizon.warmup_days": 0})


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_reference_scenario_runs_on_a_short_horizon(path: Path) -> None:
    result = sim.run(short(path), replications=2, seed=3, workers=1)
    assert len(result.replications) == 2
    assert (result.replications["contacts"] > 0).all()
    assert set(result.contacts["outcome"].astype(str)) <= {"answered", "abandoned", "closed",
                                                           "unreachable", "deflected", "open"}


def test_rac_pilot_reproduces_the_seed_facts() -> None:
    scenario = load_scenario(SCENARIOS[0].parent / "rac-pilot-2012.toml")
    assert scenario.staff.advisors == 15
    assert str(scenario.horizon.start) == "2011-12-12"
    assert str(scenario.horizon.end) == "2012-12-31"
    assert sum(s.volume.amount for s in scenario.sources) == 3496
    assert scenario.labels["topic"] == pytest.approx(
        {"working-life": 0.56, "leaving-company": 0.25, "other": 0.19})
    assert scenario.labels["segment"]["small-firm-or-confidential"] == pytest.approx(0.40)


def test_rac_pilot_contacts_come_out_at_the_seed_count_within_sampling() -> None:
    scenario = load_scenario(SCENARIOS[0].parent / "rac-pilot-2012.toml")
    result = sim.run(scenario, replications=8, seed=11, workers=1)
    row = result.summary.set_index("kpi").loc["contacts"]
    assert row["ci_low"] <= 3496 <= row["ci_high"], row
    topics = result.contacts["topic"].value_counts(normalize=True)
    assert topics["working-life"] == pytest.approx(0.56, abs=0.01)
    segment = result.contacts["segment"].value_counts(normalize=True)
    assert segment["small-firm-or-confidential"] == pytest.approx(0.40, abs=0.01)


def test_every_number_in_a_reference_scenario_is_cited_or_marked_as_an_assumption() -> None:
    from sim.scenario.register import register

    unmarked = []
    for path in SCENARIOS:
        table = register(path)
        bad = table[table["kind"] == "unmarked"]
        unmarked += [f"{path.name}: {row.path} = {row.value}" for row in bad.itertuples()]
    assert not unmarked, "values citing no source and not marked as assumptions:\n" + "\n".join(
        unmarked)
