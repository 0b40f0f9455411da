"""Prices change what an option costs, not what happens to members: reprice, do not simulate.

The loaded hourly cost, the provider's prices and the in-house hours overseeing it are read only
when the money is counted (`sim.measures.money`), never by the engine. A variant that changes
only such values faces the very same members, advisors and events as the option it comes from,
so its KPIs are that option's, with the money counted again from the same replication's tables.
This keeps a sensitivity analysis of prices free of simulation, and exactly linear in a price.

The shortcut checks itself: counted again at the option's own prices, every money KPI must come
out as the simulation gave it, and every money KPI of the glossary must be counted here;
otherwise the caller simulates as usual.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from sim.glossary import KPIS
from sim.measures.kpis import measured_contacts, right_on_time
from sim.measures.money import costs, per_on_time_answer, per_right_answer
from sim.runs.replication import ReplicationResult
from sim.scenario import Scenario

MONEY_ONLY = ("staff.cost_per_hour", "outsourcing.price.", "outsourcing.oversight_hours_per_month")
"""Keys (or prefixes) read by the money count only."""


def money_only(changes: Mapping[str, object]) -> bool:
    """Whether every changed key is one only the money count reads."""
    return bool(changes) and all(
        any(key == p or (p.endswith(".") and key.startswith(p)) for p in MONEY_ONLY)
        for key in changes)


def reprice(result: ReplicationResult, scenario: Scenario) -> dict[str, float]:
    """The replication's KPIs with the money counted at `scenario`'s prices (the result must
    keep its member tables: computed with detail)."""
    measured = measured_contacts(result.contacts, scenario)
    money = costs(scenario, result.advisor_days, measured,
                  int(result.kpis.get("escalated_experts", 0)))
    handed = measured[measured["handed_back_min"].notna()]
    rework_hours = (result.kpis.get("remediation_hours", 0.0)
                    + float(handed["handoff_work_min"].sum()) / 60)
    out = dict(result.kpis)
    out.update(money)
    out["cost_rework"] = rework_hours * scenario.staff.cost_per_hour
    out["cost_per_contact"] = (money["cost_total"] / len(measured) if len(measured)
                               else math.nan)
    out["cost_per_on_time_answer"] = per_on_time_answer(money["cost_total"], measured)
    out["cost_per_right_answer"] = per_right_answer(money["cost_total"],
                                                    int(right_on_time(measured).sum()))
    return {k: float(v) for k, v in out.items()}


COUNTED = ("cost_inhouse", "cost_provider", "cost_experts", "cost_total", "cost_rework",
           "cost_per_contact", "cost_per_on_time_answer", "cost_per_right_answer")
"""The money KPIs `reprice` counts again."""


def trustworthy(results: list[ReplicationResult], scenario: Scenario) -> bool:
    """Whether repricing `scenario`'s own results gives back its simulated KPIs exactly, and
    counts every money KPI the glossary has."""
    if any(KPIS[k].unit == "money" and k not in COUNTED for k in KPIS):
        return False
    for result in results:
        if result.contacts.empty and result.kpis.get("contacts", 0):
            return False  # the member tables were not kept
        again = reprice(result, scenario)
        for kpi in COUNTED:
            a, b = again.get(kpi, math.nan), result.kpis.get(kpi, math.nan)
            if not (a == b or (math.isnan(a) and math.isnan(b))
                    or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)):
                return False
    return True
