"""How long calls last and how long callers wait before hanging up, fitted to a log.

Talk and wrap-up times are fitted by maximum likelihood as a lognormal and as a gamma; the one
closer to the data by the Kolmogorov–Smirnov distance is kept, or the observed values themselves
(`empirical`, as quantiles) when neither is close (distance above `EMPIRICAL_KS`).

Patience is seen only for callers who hung up: a caller who was answered after waiting three
minutes would have waited at least three minutes, so answered waits are right-censored. The mean
wait of those who hung up is therefore never the patience (it is biased short, and more so the
better the service). The survival curve is Kaplan–Meier (`scipy.stats.ecdf` on
`scipy.stats.CensoredData`, with its 95 % band); the scenario gets the censored exponential
maximum likelihood estimate, total waiting time of everyone over the number who hung up, and a
censored Weibull fit says whether patience wears out (shape above 1) or not. Exports that leave
out abandons shorter than a few seconds are handled by keeping only waits beyond that threshold
(the exponential is memoryless, so the estimate stays unbiased). From interval reports, the
same exponential estimate comes from the totals: abandons over total waiting time.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from sim.calibration.logs import CallLog, Ending

EMPIRICAL_KS = 0.05
"""Above this Kolmogorov–Smirnov distance neither fit is kept: the observed quantiles are."""
EMPIRICAL_POINTS = 200
SAMPLE = 5000
"""Values kept for the page's histograms (a fixed random subsample; durations only)."""
WEIBULL_SAMPLE = 50_000
"""Waits used for the Weibull fit (a fixed random subsample beyond this)."""


@dataclass
class Fit:
    """A duration fitted to observed values (seconds)."""

    dist: str  # "lognormal", "gamma" or "empirical"
    mean_s: float
    cv: float
    n: int
    se_mean_s: float
    ks: dict[str, float]
    params: dict[str, tuple[float, float]]  # lognormal (mu, sigma), gamma (shape, scale)
    quantiles_s: np.ndarray = field(default_factory=lambda: np.empty(0))
    sample: np.ndarray = field(default_factory=lambda: np.empty(0))


def _subsample(values: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    if len(values) <= size:
        return values
    return np.random.default_rng(seed).choice(values, size, replace=False)


def fit_duration(values: np.ndarray) -> Fit | None:
    """Lognormal and gamma fits of positive durations, the closer one kept (None if fewer than
    two values)."""
    x = values[np.isfinite(values) & (values > 0)]
    if len(x) < 2 or np.all(x == x[0]):
        return None
    logs = np.log(x)
    mu, sigma = float(logs.mean()), float(logs.std())
    shape, _, scale = stats.gamma.fit(x, floc=0)
    ks = {"lognormal": float(stats.kstest(x, "lognorm", (sigma, 0, math.exp(mu))).statistic),
          "gamma": float(stats.kstest(x, "gamma", (shape, 0, scale)).statistic)}
    best = min(ks, key=lambda k: ks[k])
    if best == "lognormal":
        mean, cv = math.exp(mu + sigma**2 / 2), math.sqrt(math.expm1(sigma**2))
    else:
        mean, cv = shape * scale, 1 / math.sqrt(shape)
    dist = best if ks[best] <= EMPIRICAL_KS else "empirical"
    quantiles = np.quantile(x, (np.arange(EMPIRICAL_POINTS) + 0.5) / EMPIRICAL_POINTS)
    if dist == "empirical":
        mean, cv = float(x.mean()), float(x.std() / x.mean())
    return Fit(dist=dist, mean_s=mean, cv=cv, n=len(x),
               se_mean_s=float(x.std(ddof=1) / math.sqrt(len(x))), ks=ks,
               params={"lognormal": (mu, sigma), "gamma": (float(shape), float(scale))},
               quantiles_s=quantiles, sample=_subsample(x, SAMPLE))


@dataclass
class Patience:
    """Patience estimated from censored waits (seconds)."""

    identifiable: bool
    n: int  # waits used
    abandoned: int
    mean_s: float = math.nan  # censored exponential MLE
    se_s: float = math.nan
    method: str = ""
    truncated_s: float = 0.0
    weibull: tuple[float, float] | None = None  # shape, scale
    curve: pd.DataFrame | None = None  # t_s, survival, low, high (Kaplan-Meier)


def patience_from_calls(log: CallLog) -> Patience:
    """Kaplan–Meier, censored exponential and Weibull fits of the waits of a call log."""
    calls = log.calls
    wait = calls["wait_s"].to_numpy(dtype=float)
    gave_up = (calls["ending"] == Ending.ABANDONED.value).to_numpy()
    short = log.short_abandon_s
    keep = wait > short if short > 0 else np.ones(len(wait), dtype=bool)
    wait, gave_up = wait[keep] - short, gave_up[keep]
    n, d = len(wait), int(gave_up.sum())
    if d == 0:
        return Patience(identifiable=False, n=n, abandoned=0, truncated_s=short,
                        method="not identifiable: no caller hung up")
    mean = float(wait.sum() / d)
    data = stats.CensoredData(uncensored=wait[gave_up], right=wait[~gave_up])
    sf = stats.ecdf(data).sf
    with warnings.catch_warnings():  # undefined where the curve reaches 0 or 1: expected
        warnings.simplefilter("ignore", RuntimeWarning)
        band = sf.confidence_interval(0.95)
    t = sf.quantiles
    step = max(1, len(t) // 400)
    curve = pd.DataFrame({"t_s": t[::step] + short, "survival": sf.probabilities[::step],
                          "low": band.low.probabilities[::step],
                          "high": band.high.probabilities[::step]})
    weibull = None
    if short == 0:
        rng = np.random.default_rng(0)
        pick = rng.choice(n, WEIBULL_SAMPLE, replace=False) if n > WEIBULL_SAMPLE else slice(None)
        w, g = wait[pick], gave_up[pick]
        w = np.maximum(w, 0.5)  # a zero wait is censored at once; the fit needs t > 0
        if g.sum() >= 2:
            c, _, scale = stats.weibull_min.fit(
                stats.CensoredData(uncensored=w[g], right=w[~g]), floc=0)
            weibull = (float(c), float(scale))
    method = ("censored exponential maximum likelihood (total wait / abandons), answered "
              "waits right-censored; Kaplan-Meier and censored Weibull on the page")
    if short > 0:
        method += f"; waits beyond {short:g} s only (shorter abandons missing from the export)"
    return Patience(identifiable=True, n=n, abandoned=d, mean_s=mean, se_s=mean / math.sqrt(d),
                    method=method, truncated_s=short, weibull=weibull, curve=curve)


def patience_from_intervals(log: CallLog) -> Patience:
    """The censored exponential estimate from interval totals: abandons over total waiting
    time (answered waits from the speed of answer, abandoned ones from the abandon time)."""
    frame = log.intervals
    assert frame is not None
    d = float(frame["abandoned"].sum())
    n = int(frame["offered"].sum())
    if d == 0 or frame["abandon_time_s"].isna().all():
        why = "no caller hung up" if d == 0 else "the export has no average abandon time"
        return Patience(identifiable=False, n=n, abandoned=int(d),
                        method=f"not identifiable: {why}")
    waited = float((frame["answered"] * frame["asa_s"].fillna(0)).sum()
                   + (frame["abandoned"] * frame["abandon_time_s"].fillna(0)).sum())
    mean = waited / d
    return Patience(identifiable=True, n=n, abandoned=int(d), mean_s=mean,
                    se_s=mean / math.sqrt(d),
                    method="censored exponential maximum likelihood from interval totals "
                           "(total waiting time / abandons)")
