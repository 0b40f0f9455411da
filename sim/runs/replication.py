"""One replication, simulated and measured: its KPI row and its tidy tables.

This is the unit of work that runs in a worker process (locally or on a Dask cluster) and that
the result store keeps.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import pandas as pd

from sim.engine.model import run_replication
from sim.measures import kpis
from sim.scenario import Scenario


@dataclass
class ReplicationResult:
    """What one replication sends back: its KPI row and its tidy tables."""

    replication: int
    kpis: dict[str, float]
    contacts: pd.DataFrame
    calls: pd.DataFrame
    daily: pd.DataFrame
    advisor_days: pd.DataFrame
    groups: pd.DataFrame
    steps: pd.DataFrame
    files: pd.DataFrame
    seconds: float


def replicate(scenario: Scenario, seed: int, replication: int,
              detail: bool = True) -> ReplicationResult:
    """Simulate one replication and compute its KPIs (runs in a worker process).

    Without `detail`, the member-level tables (contacts, calls, steps, files) are dropped to keep
    large sweeps light; the KPIs, daily, advisor-day and group tables are kept.
    """
    started = time.perf_counter()
    tables = run_replication(scenario, seed, replication)
    days = kpis.advisor_days(tables, scenario)
    records = kpis.MemberRecords(tables, scenario)  # read once, for every member KPI

    def kept(frame: pd.DataFrame) -> pd.DataFrame:
        return frame if detail else frame.iloc[:0]

    return ReplicationResult(
        replication=replication,
        kpis=kpis.replication_kpis(tables, scenario, days, records),
        contacts=kept(tables.contacts),
        calls=kept(tables.calls),
        daily=kpis.daily(tables, scenario, days, records),
        advisor_days=days,
        groups=kpis.group_kpis(tables, scenario, records),
        steps=kept(tables.steps),
        files=kept(tables.files),
        seconds=time.perf_counter() - started,
    )


