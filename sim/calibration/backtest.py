"""The backtest: does the calibrated scenario give back the log it came from?

The calibrated scenario is simulated over the log's own period, and its service level,
abandonment and average speed of answer per hour of the day are set against the log's. Each
replication gives one value per hour; the band is the 95 % Student interval of their mean, and
the spread of single replications (5th to 95th percentile) says how far one year of chance may
stray. A log hour outside the spread points at something the scenario leaves out (staffing that
changes over the day, most often: the calibrated scenario has a flat headcount).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.measures.kpis import call_flags, call_kpis_from_sums, mean_ci
from sim.runs.runner import run
from sim.scenario import Scenario, minutes

KPIS = ("service_level", "abandon_rate", "asa_s")


def backtest(scenario: Scenario, observed: pd.DataFrame, replications: int, seed: int = 1,
             workers: int | None = None,
             progress: Callable[[int, int], None] | None = None) -> pd.DataFrame:
    """Per hour and KPI: `observed`, the simulated `mean, ci_low, ci_high` over replications
    and single-replication `p05, p95`."""
    result = run(scenario, replications=replications, seed=seed, workers=workers,
                 progress=progress)
    calls = result.calls
    flags = call_flags(calls, minutes(scenario.channel.service_level_threshold))
    flags["replication"] = calls["replication"].to_numpy()
    flags["hour"] = (calls["arrived_min"].to_numpy() % 1440 // 60).astype(int)
    sums = flags.groupby(["replication", "hour"]).sum()
    per = call_kpis_from_sums(sums).reset_index()
    rows = []
    for hour in range(24):
        mine = per[per["hour"] == hour]
        for kpi in KPIS:
            values = mine[kpi].dropna().to_numpy(dtype=float)
            obs = float(observed[kpi].to_numpy(dtype=float)[hour])
            if len(values) == 0 and not np.isfinite(obs):
                continue
            ci = mean_ci(values) if len(values) else {"mean": np.nan, "ci_low": np.nan,
                                                      "ci_high": np.nan}
            rows.append({"hour": hour, "kpi": kpi, "observed": obs, "mean": ci["mean"],
                         "ci_low": ci["ci_low"], "ci_high": ci["ci_high"],
                         "p05": float(np.quantile(values, 0.05)) if len(values) else np.nan,
                         "p95": float(np.quantile(values, 0.95)) if len(values) else np.nan})
    return pd.DataFrame(rows, columns=["hour", "kpi", "observed", "mean", "ci_low", "ci_high",
                                       "p05", "p95"])
