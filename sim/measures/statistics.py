"""Statistics over replications: intervals, paired differences, targets met, summaries.

A KPI of one replication is one draw; what an answer may say comes from many. The interval is a
Student-t interval over replications (95 % unless asked). Options run on the same seeds face the
same members (common random numbers), so their difference is taken replication by replication
(`paired`): its interval is much narrower than the difference of two intervals.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pandas as pd
from scipy import stats

from sim.glossary import KPIS
from sim.scenario import Target

SUMMARY_COLUMNS = ["mean", "std", "ci_low", "ci_high", "n"]


def summarize(replications: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """Per KPI: mean, std, and the Student-t confidence interval of the mean over replications."""
    names = [name for name in KPIS if name in replications]
    columns = replications[names].to_numpy(dtype=float).T
    rows = [{"kpi": name, **mean_ci(column[~np.isnan(column)], level)}
            for name, column in zip(names, columns, strict=True)]
    return pd.DataFrame(rows, columns=["kpi", *SUMMARY_COLUMNS])


def summarize_groups(groups: pd.DataFrame, kpis: list[str], level: float = 0.95
                     ) -> pd.DataFrame:
    """Per (dimension, value, KPI of `kpis`): mean and interval over replications."""
    if groups.empty:
        return pd.DataFrame(columns=["dimension", "value", "kpi", *SUMMARY_COLUMNS])
    names = [name for name in kpis if name in groups]
    rows = []
    for (dimension, value), frame in groups.groupby(["dimension", "value"], sort=False):
        columns = frame[names].to_numpy(dtype=float).T
        for name, column in zip(names, columns, strict=True):
            rows.append({"dimension": dimension, "value": value, "kpi": name,
                         **mean_ci(column[~np.isnan(column)], level)})
    return pd.DataFrame(rows)


def mean_ci(values: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """Mean, standard deviation and Student-t interval (NaN bounds with fewer than 2 values)."""
    n = len(values)
    if n == 0:
        return {"mean": math.nan, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan,
                "n": 0}
    mean = float(values.mean())
    if n < 2:
        return {"mean": mean, "std": math.nan, "ci_low": math.nan, "ci_high": math.nan, "n": 1}
    std = float(values.std(ddof=1))
    half = _t_quantile(level, n - 1) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "n": n}


@cache
def _t_quantile(level: float, dof: int) -> float:
    """The two-sided Student-t quantile (asked once per level and count: it is slow)."""
    return float(stats.t.ppf(0.5 + level / 2, dof))


def paired(option: pd.DataFrame, base: pd.DataFrame, kpi: str) -> np.ndarray:
    """Option minus base on one KPI, replication by replication (both present): the paired
    differences of common random numbers."""
    joined = option[["replication", kpi]].merge(base[["replication", kpi]], on="replication",
                                                suffixes=("", "_base"))
    diff = joined[kpi] - joined[f"{kpi}_base"]
    return diff.dropna().to_numpy(dtype=float)


def met_share(values: pd.Series, target: Target | None) -> float:
    """Share of the replications (known values) meeting the target; NaN without either."""
    known = values.dropna()
    if target is None or known.empty:
        return math.nan
    return float(np.mean([target.met(float(v)) for v in known]))


__all__ = ["mean_ci", "met_share", "paired", "summarize", "summarize_groups"]
