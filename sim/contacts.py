"""Contacts: members' requests, with everything about each member drawn when the request is made.

A contact's case type, talk time, patience on each attempt, whether and when they would try again,
and their reporting labels (topic, segment) are all drawn up front from streams keyed by the
attribute and the source (see `sim.streams`). The simulation then only decides what happens to
them. Two scenarios compared on the same seed therefore face exactly the same members; changing
the staffing changes what happens to a member, never who the member is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.distributions import quantile
from sim.scenario import Scenario
from sim.streams import Streams


@dataclass
class Contacts:
    """Columns of the members of one replication, in order of arrival (index = contact id)."""

    arrived: np.ndarray  # minutes since the horizon start
    source: np.ndarray  # index into scenario.sources
    case_type: np.ndarray  # index into scenario.case_types
    talk: np.ndarray  # minutes an advisor talks to the member when answering
    wrap_up: np.ndarray  # minutes of advisor work after the talk
    patience: np.ndarray  # (n, attempts) minutes a caller waits before hanging up
    retries: np.ndarray  # (n, attempts) whether the caller tries again after this attempt fails
    retry_delay: np.ndarray  # (n, attempts) minutes before trying again
    labels: dict[str, np.ndarray] = field(default_factory=dict)  # label -> category index

    def __len__(self) -> int:
        return len(self.arrived)


def draw_contacts(scenario: Scenario, arrivals: list[np.ndarray], streams: Streams) -> Contacts:
    """Draw every member attribute, source by source, then order contacts by arrival time."""
    parts = [_draw_source(scenario, i, times, streams) for i, times in enumerate(arrivals)]
    merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = np.argsort(merged["arrived"], kind="stable")
    merged = {key: value[order] for key, value in merged.items()}
    labels = {name: merged.pop(f"label:{name}") for name in scenario.labels}
    return Contacts(labels=labels, **merged)


def _categorical(shares: list[float], u: np.ndarray) -> np.ndarray:
    edges = np.cumsum(shares)
    edges[-1] = 1.0
    return np.minimum(np.searchsorted(edges, u, side="right"), len(shares) - 1)


def _draw_source(
    scenario: Scenario, index: int, times: np.ndarray, streams: Streams
) -> dict[str, np.ndarray]:
    name = scenario.sources[index].name
    n = len(times)
    case_types = scenario.case_types
    case = _categorical([c.share for c in case_types], streams.uniform(n, "case-type", name))
    u_talk = streams.uniform(n, "talk", name)
    u_wrap = streams.uniform(n, "wrap-up", name)
    talk, wrap = np.empty(n), np.empty(n)
    for k, case_type in enumerate(case_types):
        mask = case == k
        talk[mask] = quantile(case_type.talk, u_talk[mask])
        wrap[mask] = quantile(case_type.wrap_up, u_wrap[mask])
    channel = scenario.channel
    attempts = channel.retry.max_attempts
    patience = np.full((n, attempts), np.inf)
    retries = np.zeros((n, attempts), dtype=bool)
    delay = np.zeros((n, attempts))
    for j in range(attempts):
        tag = str(j + 1)
        if channel.patience is not None:
            patience[:, j] = quantile(channel.patience, streams.uniform(n, "patience", name, tag))
        if j + 1 < attempts:
            retries[:, j] = streams.uniform(n, "retry", name, tag) < channel.retry.probability
            u = streams.uniform(n, "retry-delay", name, tag)
            delay[:, j] = quantile(channel.retry.delay, u)
    out = {
        "arrived": times,
        "source": np.full(n, index, dtype=np.int32),
        "case_type": case.astype(np.int32),
        "talk": talk,
        "wrap_up": wrap,
        "patience": patience,
        "retries": retries,
        "retry_delay": delay,
    }
    for label, shares in scenario.labels.items():
        u = streams.uniform(n, "label", label, name)
        out[f"label:{label}"] = _categorical(list(shares.values()), u).astype(np.int32)
    return out
