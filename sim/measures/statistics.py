"""Statistics over replications: intervals, paired differences, targets met.

A KPI of one replication is one draw; what an answer may say comes from many. The interval is a
Student-t interval over replications (95 % unless asked). Options run on the same seeds face the
same members (common random numbers), so their difference is taken replication by replication
(`paired`): its interval is much narrower than the difference of two intervals.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.scenario import Target


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
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * std / math.sqrt(n)
    return {"mean": mean, "std": std, "ci_low": mean - half, "ci_high": mean + half, "n": n}


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


__all__ = ["mean_ci", "met_share", "paired"]
