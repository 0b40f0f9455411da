"""The engine against queueing theory (design note 8), inbound calls.

Each stationary scenario (24/7, one Poisson source, exponential talk, optionally exponential
patience) is simulated once per module: `REPLICATIONS` independent replications of
`MEASURED_DAYS` days after a warm-up day. Per replication we take the KPI, and the exact value
must lie in the 99 % Student-t interval of the mean over replications. The intervals are never
widened by hand; each check also asserts that its interval is tight enough to mean something.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import assert_in_ci99, stationary_line
from scipy.stats import poisson

import sim
from sim import analytic
from sim.measures.kpis import window

REPLICATIONS = 40
MEASURED_DAYS = 10
SEED = 20240101
WORKERS = 2
TWENTY_S = 20 / 60

CALLS_PER_HOUR, AHT_MIN = 200.0, 3.0  # "100 calls / 30 min, AHT 3 min": 10 erlangs
PATIENCE_MIN = 5.0
# Erlang A with patience = AHT: A = 12 erlangs on c = 15 advisors
POISSON_CALLS_PER_HOUR, POISSON_AHT_MIN, POISSON_ADVISORS = 240.0, 3.0, 15

# The literal figures of design note 8.
DESIGN = {
    "erlang-c-14": {"p_wait": 0.174132, "service_level": 0.88835, "asa_s": 7.836},
    "erlang-c-15": {"p_wait": 0.102042},
    "erlang-a-14": {"p_wait": 0.14526, "abandon_rate": 0.013984, "occupancy": 0.704297,
                    "service_level": 0.916792},
    "erlang-a-poisson": {"p_wait": 0.227975, "abandon_rate": 0.033495},
}


def _scenarios() -> dict[str, sim.Scenario]:
    common = {"calls_per_hour": CALLS_PER_HOUR, "aht_min": AHT_MIN, "days": MEASURED_DAYS}
    return {
        "erlang-c-14": stationary_line(advisors=14, name="erlang-c-14", **common),
        "erlang-c-15": stationary_line(advisors=15, name="erlang-c-15", **common),
        "erlang-a-14": stationary_line(advisors=14, patience_min=PATIENCE_MIN,
                                       name="erlang-a-14", **common),
        "erlang-a-poisson": stationary_line(
            calls_per_hour=POISSON_CALLS_PER_HOUR, aht_min=POISSON_AHT_MIN,
            advisors=POISSON_ADVISORS, patience_min=POISSON_AHT_MIN, days=MEASURED_DAYS,
            name="erlang-a-poisson"),
    }


def _exact() -> dict[str, analytic.QueueEstimate]:
    return {
        "erlang-c-14": analytic.erlang_c_estimate(14, CALLS_PER_HOUR, AHT_MIN, TWENTY_S),
        "erlang-c-15": analytic.erlang_c_estimate(15, CALLS_PER_HOUR, AHT_MIN, TWENTY_S),
        "erlang-a-14": analytic.erlang_a_estimate(14, CALLS_PER_HOUR, AHT_MIN, PATIENCE_MIN,
                                                  TWENTY_S),
        "erlang-a-poisson": analytic.erlang_a_estimate(
            POISSON_ADVISORS, POISSON_CALLS_PER_HOUR, POISSON_AHT_MIN, POISSON_AHT_MIN,
            TWENTY_S),
    }


@pytest.fixture(scope="module")
def runs() -> dict[str, sim.RunResult]:
    """Every stationary scenario, simulated once for the whole module."""
    return {name: sim.run(scenario, replications=REPLICATIONS, seed=SEED, workers=WORKERS)
            for name, scenario in _scenarios().items()}


def _kpi(runs: dict[str, sim.RunResult], case: str, kpi: str) -> np.ndarray:
    frame = runs[case].replications
    assert len(frame) == REPLICATIONS
    return frame[kpi].to_numpy(dtype=float)


# --- the analytic module reproduces the figures of design note 8 -------------------------------


@pytest.mark.parametrize("case", sorted(DESIGN))
def test_analytic_module_reproduces_the_figures_quoted_in_the_design(case):
    exact = _exact()[case]
    figures = {"p_wait": exact.p_wait, "service_level": exact.service_level,
               "asa_s": exact.asa_s, "abandon_rate": exact.p_abandon,
               "occupancy": exact.occupancy}
    for kpi, quoted in DESIGN[case].items():
        assert figures[kpi] == pytest.approx(quoted, abs=5e-4 if kpi == "asa_s" else 5e-6), kpi


def test_erlang_a_with_patience_equal_to_handle_time_is_poisson_in_the_analytic_module():
    pmf = analytic.erlang_a_distribution(POISSON_ADVISORS, POISSON_CALLS_PER_HOUR,
                                         POISSON_AHT_MIN, POISSON_AHT_MIN)
    k = np.arange(len(pmf))
    np.testing.assert_allclose(pmf, poisson.pmf(k, 12.0), atol=1e-12)


# --- Erlang C -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kpi", "precision"), [
    ("p_wait", 0.04), ("service_level", 0.01), ("asa_s", 0.08), ("occupancy", 0.01)])
def test_erlang_c_fourteen_advisors_matches_exact_formulas(runs, kpi, precision):
    exact = _exact()["erlang-c-14"]
    value = {"p_wait": exact.p_wait, "service_level": exact.service_level,
             "asa_s": exact.asa_s, "occupancy": exact.occupancy}[kpi]
    assert_in_ci99(_kpi(runs, "erlang-c-14", kpi), value, f"Erlang C, 14 advisors, {kpi}",
                   precision)


def test_erlang_c_fourteen_advisors_matches_design_figures(runs):
    for kpi, quoted in DESIGN["erlang-c-14"].items():
        assert_in_ci99(_kpi(runs, "erlang-c-14", kpi), quoted, f"DESIGN Erlang C 14, {kpi}")


def test_erlang_c_occupancy_is_load_over_advisors(runs):
    load = CALLS_PER_HOUR * AHT_MIN / 60
    assert_in_ci99(_kpi(runs, "erlang-c-14", "occupancy"), load / 14, "occupancy, 14", 0.01)
    assert_in_ci99(_kpi(runs, "erlang-c-15", "occupancy"), load / 15, "occupancy, 15", 0.01)


def test_erlang_c_fifteen_advisors_matches_exact_p_wait_and_design_figure(runs):
    waits = _kpi(runs, "erlang-c-15", "p_wait")
    assert_in_ci99(waits, _exact()["erlang-c-15"].p_wait, "Erlang C, 15 advisors, p_wait", 0.05)
    assert_in_ci99(waits, DESIGN["erlang-c-15"]["p_wait"], "DESIGN Erlang C 15, p_wait")
    exact = _exact()["erlang-c-15"]
    assert_in_ci99(_kpi(runs, "erlang-c-15", "asa_s"), exact.asa_s, "Erlang C 15, asa_s", 0.1)
    assert_in_ci99(_kpi(runs, "erlang-c-15", "service_level"), exact.service_level,
                   "Erlang C 15, service_level", 0.01)


def test_infinitely_patient_callers_never_abandon(runs):
    for case in ("erlang-c-14", "erlang-c-15"):
        assert (_kpi(runs, case, "calls_abandoned") == 0).all()


# --- Erlang A -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("kpi", "precision"), [
    ("p_wait", 0.04), ("abandon_rate", 0.05), ("occupancy", 0.01), ("service_level", 0.01),
    ("asa_s", 0.06)])
def test_erlang_a_fourteen_advisors_matches_exact_formulas(runs, kpi, precision):
    exact = _exact()["erlang-a-14"]
    value = {"p_wait": exact.p_wait, "abandon_rate": exact.p_abandon,
             "occupancy": exact.occupancy, "service_level": exact.service_level,
             "asa_s": exact.asa_s}[kpi]
    assert_in_ci99(_kpi(runs, "erlang-a-14", kpi), value, f"Erlang A, 14 advisors, {kpi}",
                   precision)


def test_erlang_a_fourteen_advisors_matches_design_figures(runs):
    for kpi, quoted in DESIGN["erlang-a-14"].items():
        assert_in_ci99(_kpi(runs, "erlang-a-14", kpi), quoted, f"DESIGN Erlang A 14, {kpi}")


@pytest.mark.parametrize("kpi", ["p_wait", "abandon_rate"])
def test_erlang_a_with_patience_equal_to_handle_time_matches_exact_formulas(runs, kpi):
    exact = _exact()["erlang-a-poisson"]
    value = {"p_wait": exact.p_wait, "abandon_rate": exact.p_abandon}[kpi]
    assert_in_ci99(_kpi(runs, "erlang-a-poisson", kpi), value, f"Erlang A A=12 c=15, {kpi}",
                   0.04)
    assert_in_ci99(_kpi(runs, "erlang-a-poisson", kpi), DESIGN["erlang-a-poisson"][kpi],
                   f"DESIGN Erlang A A=12 c=15, {kpi}")


def number_in_system_distribution(calls: pd.DataFrame, contacts: pd.DataFrame,
                                  lo: float, hi: float) -> np.ndarray:
    """Time-average distribution of the number of callers in the system over [lo, hi).

    A caller is in the system while waiting, [arrived, arrived + wait), and, if answered, while
    talking, [arrived + wait, arrived + wait + talk); talk is read from the contacts table (the
    answer reaches the member when the talk ends). Callers still waiting at the horizon's end
    were recorded with the wait they had so far.
    """
    arrived = calls["arrived_min"].to_numpy()
    left_queue = arrived + calls["wait_min"].to_numpy()
    answered = (calls["outcome"] == "answered").to_numpy()
    talk_end = contacts.set_index("contact")["answered_min"].reindex(
        calls["contact"]).to_numpy()
    talk = np.where(answered, talk_end - left_queue, 0.0)
    assert (talk[answered] >= 0).all()
    begin = np.clip(arrived, lo, hi)
    end = np.clip(left_queue + talk, lo, hi)
    keep = end > begin
    times = np.concatenate([begin[keep], end[keep], [lo, hi]])
    steps = np.concatenate([np.ones(keep.sum()), -np.ones(keep.sum()), [0.0, 0.0]])
    order = np.argsort(times, kind="stable")
    times, level = times[order], np.cumsum(steps[order])
    durations = np.diff(times)
    assert (level[:-1][durations > 0] >= 0).all()
    shares = np.bincount(level[:-1].astype(int), weights=durations)
    return shares / (hi - lo)


@pytest.fixture(scope="module")
def number_in_system(runs) -> pd.DataFrame:
    """Per replication: mean, variance and a few probabilities of the number in system."""
    result = runs["erlang-a-poisson"]
    lo, hi = window(result.scenario)
    rows = []
    contacts_by_rep = dict(tuple(result.contacts.groupby("replication")))
    for replication, calls in result.calls.groupby("replication"):
        pmf = number_in_system_distribution(calls, contacts_by_rep[replication], lo, hi)
        k = np.arange(len(pmf))
        mean = float(k @ pmf)
        rows.append({"mean": mean, "variance": float((k - mean) ** 2 @ pmf),
                     "p_at_most_8": float(pmf[:9].sum()), "p_12": float(pmf[12]),
                     "p_at_least_15": float(pmf[15:].sum()),
                     "p_at_least_20": float(pmf[20:].sum())})
    return pd.DataFrame(rows)


def test_number_in_system_with_patience_equal_to_handle_time_is_poisson_12(number_in_system):
    assert len(number_in_system) == REPLICATIONS
    load = POISSON_CALLS_PER_HOUR * POISSON_AHT_MIN / 60
    assert load == 12
    expected = {
        "mean": (load, 0.01),
        "variance": (load, 0.03),
        "p_at_most_8": (poisson.cdf(8, load), 0.04),
        "p_12": (poisson.pmf(12, load), 0.02),
        "p_at_least_15": (poisson.sf(14, load), 0.03),
        "p_at_least_20": (poisson.sf(19, load), 0.1),
    }
    for name, (value, precision) in expected.items():
        assert_in_ci99(number_in_system[name].to_numpy(), value,
                       f"number in system, {name}", precision)


def test_time_share_with_every_advisor_busy_equals_design_p_wait(number_in_system):
    # PASTA: arrivals see time averages, so P(N >= c) is the P(wait) of design note 8
    assert_in_ci99(number_in_system["p_at_least_15"].to_numpy(),
                   DESIGN["erlang-a-poisson"]["p_wait"], "P(N >= 15)", 0.03)
