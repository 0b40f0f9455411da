"""Drawing durations from the distributions a scenario describes, by inverse transform.

Every draw turns a uniform number u in [0, 1) into a duration through the distribution's
quantile function. The same member keeps the same u in every scenario compared, so a member who
talks long with one talk-time assumption talks long with another (a monotone coupling that makes
paired comparisons sharper). Results are in minutes, the simulation clock's unit.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from sim.scenario.distributions import (
    Constant,
    Empirical,
    Exponential,
    Gamma,
    LogNormal,
    Triangular,
    Uniform,
)
from sim.scenario.units import minutes

Spec = Exponential | LogNormal | Gamma | Constant | Uniform | Triangular | Empirical


def quantile(spec: Spec, u: np.ndarray) -> np.ndarray:
    """Durations in minutes for uniforms `u` (any shape)."""
    u = np.asarray(u, dtype=float)
    if isinstance(spec, Exponential):
        return -minutes(spec.mean) * np.log1p(-u)
    if isinstance(spec, LogNormal):
        sigma2 = np.log1p(spec.cv**2)
        mu = np.log(minutes(spec.mean)) - sigma2 / 2
        return np.exp(mu + np.sqrt(sigma2) * special.ndtri(_open(u)))
    if isinstance(spec, Gamma):
        shape = 1.0 / spec.cv**2
        return special.gammaincinv(shape, u) * minutes(spec.mean) / shape
    if isinstance(spec, Constant):
        return np.full(u.shape, minutes(spec.value))
    if isinstance(spec, Uniform):
        low, high = minutes(spec.min), minutes(spec.max)
        return low + u * (high - low)
    if isinstance(spec, Triangular):
        return _triangular(minutes(spec.min), minutes(spec.mode), minutes(spec.max), u)
    values = np.array([minutes(v) for v in spec.values])
    return values[np.minimum((u * len(values)).astype(int), len(values) - 1)]


def mean_minutes(spec: Spec) -> float:
    """The distribution's mean in minutes."""
    return minutes(spec.expected())


def _open(u: np.ndarray) -> np.ndarray:
    """Keep u away from 0 so quantiles stay finite."""
    return np.maximum(u, np.finfo(float).tiny)


def _triangular(low: float, mode: float, high: float, u: np.ndarray) -> np.ndarray:
    cut = (mode - low) / (high - low)
    left = low + np.sqrt(u * (high - low) * (mode - low))
    right = high - np.sqrt((1 - u) * (high - low) * (high - mode))
    return np.where(u < cut, left, right)
