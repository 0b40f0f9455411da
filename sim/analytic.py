"""Queueing formulas for a helpline: Erlang B, Erlang C and Erlang A, computed exactly.

Picture the phone platform as a row of ``servers`` advisors. Calls arrive at random (a Poisson
stream of ``calls_per_hour``), each conversation lasts an exponential time with mean ``aht_min``
(average handle time), and a caller who finds every advisor busy waits in one first-come,
first-served queue. The three classic models differ only in what a waiting caller does:

- **Erlang B**: there is no queue; a caller who finds all advisors busy is lost ("blocked").
- **Erlang C**: callers are infinitely patient and wait as long as it takes. Simple, but it
  overstates waits, and it has no answer at all when the load reaches the number of advisors.
- **Erlang A** (M/M/c+M): each caller also has an exponential patience with mean ``patience_min``;
  whoever is still waiting when it runs out hangs up (abandons). Always stable.

The **load** is calls per minute times handle time in minutes, in erlangs: the number of advisors
that would be busy if no call ever waited or hung up. These formulas check the simulator (a
stationary scenario must reproduce them within its confidence interval, design note 8) and
give quick staffing estimates. Arguments are in minutes, rates per minute, and ``asa_s`` in seconds.

Conventions of the estimates (the KPI glossary's definitions):

- ``p_wait``: share of offered calls that find no advisor free (arrivals see time averages);
- ``p_abandon``: share of offered calls that hang up before being answered (0 for Erlang C);
- ``asa_s``: mean wait of *answered* calls; for Erlang C everybody is answered, so it is the mean
  wait of all calls, ``C / (c mu - lambda)`` (this is what gives the 7.836 s of design note 8);
- ``service_level``: calls answered within the threshold divided by calls *offered*;
- ``occupancy``: carried load (answered calls times handle time) divided by advisors.

Erlang A is computed on the birth-death chain of the number of callers in the system, truncated
where the remaining stationary mass is below about 1e-16. A caller who arrives behind ``k`` others
moves up as those ahead are answered (rate ``c mu``) or hang up (rate ``theta`` each) and hangs up
herself at rate ``theta``. She reaches an advisor with probability ``c mu / (c mu + (k+1) theta)``,
after a sum of exponential stages whose distribution is an incomplete beta function; the tests
check it against the matrix exponential of her absorbing chain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.special import betainc

__all__ = [
    "QueueEstimate",
    "advisors_needed",
    "erlang_a_distribution",
    "erlang_a_estimate",
    "erlang_b",
    "erlang_c",
    "erlang_c_estimate",
    "estimate",
    "p_wait_within",
]

#: Largest number of queue states Erlang A will build before giving up (memory ~ 100 MB).
MAX_QUEUE_STATES = 2_000_000
#: log of the stationary mass we allow to drop when truncating the queue (~1e-16).
_LOG_TAIL = math.log(1e-16)


class QueueTooLongError(ValueError):
    """Erlang A would need more than ``MAX_QUEUE_STATES`` queue states (absurdly long patience)."""


@dataclass(frozen=True)
class QueueEstimate:
    """Steady-state figures for one staffing level, in the KPI glossary's definitions."""

    servers: int
    load: float  # offered load in erlangs
    p_wait: float  # probability an arriving call finds all advisors busy (PASTA)
    p_abandon: float  # share of offered calls that abandon (0 for Erlang C)
    asa_s: float  # mean wait of ANSWERED calls, seconds (inf if unstable)
    service_level: float  # calls answered within threshold / calls offered
    occupancy: float  # carried load / servers
    mean_queue: float  # time-average number waiting
    threshold_min: float  # the threshold used for service_level


def _check(name: str, value: float, *, positive: bool = False) -> None:
    """Raise ``ValueError`` naming the argument if it is negative (or zero when ``positive``)."""
    if math.isnan(value) or value < 0 or (positive and value == 0):
        bound = "> 0" if positive else ">= 0"
        raise ValueError(f"{name} must be {bound}, got {value}")


def _check_servers(servers: int, least: int) -> None:
    """Raise ``ValueError`` unless ``servers`` is a whole number >= ``least``."""
    if isinstance(servers, bool) or int(servers) != servers or servers < least:
        raise ValueError(f"servers must be a whole number >= {least}, got {servers}")


def erlang_b(servers: int, load: float) -> float:
    """Probability that a call finds all advisors busy and is lost (Erlang B, M/M/c/c).

    Parameters
    ----------
    servers : int
        Number of advisors ``c`` (>= 0).
    load : float
        Offered load ``A = lambda / mu`` in erlangs (>= 0).

    Returns
    -------
    float
        ``B(c, A) = (A^c / c!) / sum_k A^k / k!``, by the stable recursion
        ``B(k) = A B(k-1) / (k + A B(k-1))``, which never overflows.
    """
    _check_servers(servers, 0)
    _check("load", load)
    blocking = 1.0
    for k in range(1, int(servers) + 1):
        blocking = load * blocking / (k + load * blocking)
    return blocking


def erlang_c(servers: int, load: float) -> float:
    """Probability that a call has to wait (Erlang C, M/M/c); 1.0 if ``load >= servers``.

    Parameters
    ----------
    servers : int
        Number of advisors ``c``.
    load : float
        Offered load ``A`` in erlangs.

    Returns
    -------
    float
        ``C = c B / (c - A (1 - B))`` with ``B = erlang_b(c, A)``.
    """
    _check_servers(servers, 0)
    _check("load", load)
    if load >= servers:
        return 1.0
    blocking = erlang_b(servers, load)
    return servers * blocking / (servers - load * (1.0 - blocking))


def _rates(calls_per_hour: float, aht_min: float) -> tuple[float, float, float]:
    """Arrival rate and service rate per minute and load in erlangs, after checking inputs."""
    _check("calls_per_hour", calls_per_hour, positive=True)
    _check("aht_min", aht_min, positive=True)
    return calls_per_hour / 60.0, 1.0 / aht_min, calls_per_hour * aht_min / 60.0


def erlang_c_estimate(
    servers: int, calls_per_hour: float, aht_min: float, threshold_min: float
) -> QueueEstimate:
    """Infinitely patient callers (M/M/c). Unstable loads give ``p_wait`` 1 and ``asa_s`` inf.

    Parameters
    ----------
    servers : int
        Number of advisors (>= 1).
    calls_per_hour : float
        Offered calls per hour (> 0).
    aht_min : float
        Mean handle time in minutes (> 0).
    threshold_min : float
        Service-level threshold in minutes (e.g. 20 s = 1/3).
    """
    _check_servers(servers, 1)
    _check("threshold_min", threshold_min)
    lam, mu, load = _rates(calls_per_hour, aht_min)
    if load >= servers:  # the queue grows without bound
        return QueueEstimate(servers, load, 1.0, 0.0, math.inf, 0.0, 1.0, math.inf, threshold_min)
    c_wait = erlang_c(servers, load)
    drain = servers * mu - lam  # rate at which the queue ahead of a caller empties
    return QueueEstimate(
        servers=servers,
        load=load,
        p_wait=c_wait,
        p_abandon=0.0,
        asa_s=60.0 * c_wait / drain,
        service_level=1.0 - c_wait * math.exp(-drain * threshold_min),
        occupancy=load / servers,
        mean_queue=c_wait * load / (servers - load),
        threshold_min=threshold_min,
    )


def p_wait_within(servers: int, calls_per_hour: float, aht_min: float, t_min: float) -> float:
    """Erlang C probability that a call waits at most ``t_min`` minutes.

    ``P(W <= t) = 1 - C exp(-(c mu - lambda) t)``; 0 when the queue is unstable. Used for the
    callback channel, where the "wait" is the time from request to the callback.
    """
    _check("t_min", t_min)
    return erlang_c_estimate(servers, calls_per_hour, aht_min, t_min).service_level


def _stationary(servers: int, lam: float, mu: float, theta: float) -> NDArray[np.float64]:
    """``P(N = n)`` for n = 0..c+K in M/M/c+M; K grows until the tail is below ~1e-16."""
    c = servers
    # n < c, relative to n = c: log pi_n - log pi_c = sum_{m=n+1..c} log(m mu / lam)
    steps = np.log(np.arange(1, c + 1) * mu / lam)
    below = np.concatenate([np.cumsum(steps[::-1])[::-1], [0.0]])  # n = 0..c
    size = 256
    while True:
        i = np.arange(1, size + 1)
        queue = np.cumsum(math.log(lam) - np.log(c * mu + i * theta))  # n = c+1..c+size
        log_max = max(float(below.max()), float(queue.max()))
        ratio = lam / (c * mu + (size + 1) * theta)  # next ratio; the ratios keep falling
        if ratio < 1.0:
            log_tail = float(queue[-1]) + math.log(ratio) - math.log1p(-ratio)
            if log_tail < log_max + _LOG_TAIL:
                break
        size *= 2
        if size > MAX_QUEUE_STATES:
            raise QueueTooLongError(
                f"patience_min={1.0 / theta:g} is too long for a queue this overloaded "
                f"(servers={servers}, load={lam / mu:g}): more than {MAX_QUEUE_STATES} callers "
                "would be waiting; use a shorter patience or Erlang C"
            )
    log_pi = np.concatenate([below, queue])
    pi = np.exp(log_pi - log_max)
    return np.asarray(pi / pi.sum(), dtype=np.float64)


def erlang_a_distribution(
    servers: int, calls_per_hour: float, aht_min: float, patience_min: float
) -> NDArray[np.float64]:
    """Stationary distribution of the number of callers in the system (talking or waiting).

    Returns ``p`` with ``p[n] = P(N = n)``, truncated where the remaining mass is below ~1e-16.
    """
    _check_servers(servers, 1)
    _check("patience_min", patience_min, positive=True)
    lam, mu, _ = _rates(calls_per_hour, aht_min)
    return _stationary(servers, lam, mu, 1.0 / patience_min)


def _reached_within(
    servers_rate: float, theta: float, size: int, t_min: float
) -> NDArray[np.float64]:
    """``P(S_k <= t)`` for k = 0..size-1, ``S_k`` a sum of exponentials of rates ``a + j theta``.

    Here ``a = c mu`` and j = 1..k+1. By Renyi's representation, ``S_k`` is distributed as
    ``-log(1 - Y) / theta`` with ``Y ~ Beta(k + 1, a / theta + 1)`` (check: both Laplace transforms
    are ``prod_j (a + j theta) / (a + j theta + s)``), so the CDF is a regularised incomplete beta.
    """
    if t_min == 0.0:
        return np.zeros(size)
    x = -math.expm1(-theta * t_min)
    k = np.arange(size)
    return np.asarray(betainc(k + 1.0, servers_rate / theta + 1.0, x), dtype=np.float64)


def erlang_a_estimate(
    servers: int,
    calls_per_hour: float,
    aht_min: float,
    patience_min: float,
    threshold_min: float,
) -> QueueEstimate:
    """Callers with exponential patience of mean ``patience_min`` minutes (M/M/c+M, Erlang A).

    Parameters
    ----------
    servers, calls_per_hour, aht_min, threshold_min
        As in :func:`erlang_c_estimate`.
    patience_min : float
        Mean patience in minutes (> 0). As it grows the figures tend to Erlang C's; ``inf``
        gives Erlang C itself.

    Notes
    -----
    ``p_abandon = theta E[queue] / lambda``; ``occupancy = lambda (1 - p_abandon) / (c mu)``. A
    caller finding ``k`` others waiting reaches an advisor with probability
    ``h_k = c mu / (c mu + (k+1) theta)``, after a time that is a sum of exponentials with rates
    ``c mu + (j+1) theta``, j = 0..k; ``asa_s`` and ``service_level`` follow from it exactly.
    """
    _check_servers(servers, 1)
    _check("patience_min", patience_min, positive=True)
    _check("threshold_min", threshold_min)
    if math.isinf(patience_min):  # the limit: nobody ever hangs up
        return erlang_c_estimate(servers, calls_per_hour, aht_min, threshold_min)
    lam, mu, load = _rates(calls_per_hour, aht_min)
    theta = 1.0 / patience_min
    pi = _stationary(servers, lam, mu, theta)
    waiting = pi[servers:]  # arrivals finding k = 0, 1, ... callers already queued
    ahead = np.arange(len(waiting))
    mean_queue = float(ahead @ waiting)
    p_abandon = theta * mean_queue / lam
    rates = servers * mu + (ahead + 1) * theta  # her exit rate with k callers ahead
    answered = servers * mu / rates  # h_k
    mean_reach = np.cumsum(1.0 / rates)  # E[S_k]
    within = _reached_within(servers * mu, theta, len(waiting), threshold_min)
    p_answered = 1.0 - p_abandon
    return QueueEstimate(
        servers=servers,
        load=load,
        p_wait=min(1.0, float(waiting.sum())),  # min(): rounding only
        p_abandon=p_abandon,
        asa_s=60.0 * float(waiting @ (answered * mean_reach)) / p_answered,
        service_level=min(1.0, float(pi[:servers].sum() + waiting @ (answered * within))),
        occupancy=min(1.0, load * p_answered / servers),
        mean_queue=mean_queue,
        threshold_min=threshold_min,
    )


def estimate(
    servers: int,
    calls_per_hour: float,
    aht_min: float,
    threshold_min: float,
    patience_min: float | None = None,
) -> QueueEstimate:
    """Erlang A when ``patience_min`` is given and finite, Erlang C otherwise."""
    if patience_min is None or math.isinf(patience_min):
        return erlang_c_estimate(servers, calls_per_hour, aht_min, threshold_min)
    return erlang_a_estimate(servers, calls_per_hour, aht_min, patience_min, threshold_min)


def advisors_needed(
    calls_per_hour: float,
    aht_min: float,
    threshold_min: float,
    *,
    patience_min: float | None = None,
    service_level: float | None = None,
    abandon_rate: float | None = None,
    asa_s: float | None = None,
    max_occupancy: float | None = None,
    max_servers: int = 2000,
) -> int:
    """The fewest advisors meeting every target given.

    Parameters
    ----------
    calls_per_hour, aht_min, threshold_min, patience_min
        As in :func:`estimate`: Erlang C when ``patience_min`` is None (an unstable queue meets
        no target), Erlang A otherwise.
    service_level : float, optional
        Least share of offered calls answered within ``threshold_min``.
    abandon_rate, asa_s, max_occupancy : float, optional
        Greatest share of calls abandoned, mean wait of answered calls (seconds), occupancy.
    max_servers : int
        Largest staffing level considered.

    Notes
    -----
    Every figure improves as advisors are added (checked on a grid of loads, handle times and
    patiences), so a bisection between a necessary lower bound and ``max_servers`` finds the
    answer. With Erlang A, staffing levels whose queue would exceed ``MAX_QUEUE_STATES`` states
    (an overloaded queue with absurdly long patience) count as failing.

    Raises
    ------
    ValueError
        If no target is given, or if ``max_servers`` advisors do not meet them all.
    """
    targets = {"service_level": service_level, "abandon_rate": abandon_rate, "asa_s": asa_s}
    targets["max_occupancy"] = max_occupancy
    if all(value is None for value in targets.values()):
        raise ValueError("give at least one target: " + ", ".join(targets))
    for name, value in targets.items():
        if value is not None:
            _check(name, value)
    load = _rates(calls_per_hour, aht_min)[2]
    erlang_c_model = patience_min is None or math.isinf(patience_min)

    def meets(servers: int) -> bool:
        if erlang_c_model and load >= servers:
            return False
        try:
            got = estimate(servers, calls_per_hour, aht_min, threshold_min, patience_min)
        except QueueTooLongError:
            return False
        return (
            (service_level is None or got.service_level >= service_level)
            and (abandon_rate is None or got.p_abandon <= abandon_rate)
            and (asa_s is None or got.asa_s <= asa_s)
            and (max_occupancy is None or got.occupancy <= max_occupancy)
        )

    # Answered calls never exceed c / A of those offered: a necessary lower bound.
    low = 1 + (math.floor(load) if erlang_c_model else 0)
    for share in (service_level, None if abandon_rate is None else 1.0 - abandon_rate):
        if share is not None:
            low = max(low, math.ceil(share * load - 1e-9))
    if low > max_servers or not meets(max_servers):
        raise ValueError(f"targets not met with max_servers={max_servers} advisors")
    high = max_servers  # invariant: meets(high); every c < low fails
    while low < high:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle + 1
    return high
