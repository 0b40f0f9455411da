"""Money: what an option costs, from the record tables (pandas only).

- **in-house**: every paid hour of an in-house advisor (scheduled, absent and in meetings
  included, plus overtime) at `staff.cost_per_hour`, and the hours spent overseeing the
  provider's contract (`oversight_hours_per_month`) at the same rate;
- **provider**: each calendar month, the price per contact it handled plus the price per paid
  hour of its advisors, but at least the monthly minimum (pro rata for a month the window only
  partly covers), minus a penalty per callback it made late;
- **experts**: a price per escalated case, when the expert network charges one.

Only the measured window counts (after the warm-up).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.scenario import Scenario
from sim.vocabulary import DAY, PROVIDER, ContactOutcome


def measured_days(days: pd.DataFrame, scenario: Scenario) -> pd.DataFrame:
    """The rows of the advisor-day table in the measured window (after the warm-up)."""
    return days[days["date"] >= pd.Timestamp(scenario.horizon.start)
                + pd.Timedelta(days=scenario.horizon.warmup_days)]


def months(scenario: Scenario) -> pd.DataFrame:
    """The calendar months of the measured window: start and end (minutes) and the share of
    the month covered."""
    start = pd.Timestamp(scenario.horizon.start)
    first = start + pd.Timedelta(days=scenario.horizon.warmup_days)
    last = start + pd.Timedelta(days=scenario.horizon.days)  # exclusive
    rows = []
    month = first.to_period("M")
    while month.start_time < last:
        begin = max(month.start_time, first)
        end = min(month.end_time.normalize() + pd.Timedelta(days=1), last)
        rows.append({"month": str(month),
                     "start_min": (begin - start) / pd.Timedelta(minutes=1),
                     "end_min": (end - start) / pd.Timedelta(minutes=1),
                     "covered": (end - begin).days / month.days_in_month})
        month += 1
    return pd.DataFrame(rows)


def costs(scenario: Scenario, days: pd.DataFrame, measured: pd.DataFrame,
          escalated: int) -> dict[str, float]:
    """cost_inhouse, cost_provider, cost_experts and cost_total of one replication.

    `days` is the advisor-day table (with `team`), `measured` the measured contacts.
    """
    window = measured_days(days, scenario)
    inhouse = window[window["team"] != PROVIDER]
    paid = float(inhouse["scheduled_hours"].sum() + inhouse["overtime_hours"].sum())
    rate = scenario.staff.cost_per_hour
    spans = months(scenario)
    provider = scenario.outsourcing
    oversight = 0.0 if provider is None else provider.oversight_hours_per_month * float(
        spans["covered"].sum())
    out = {"cost_inhouse": (paid + oversight) * rate, "cost_provider": 0.0}
    if provider is not None:
        out["cost_provider"] = provider_cost(scenario, window, measured, spans)
    experts = scenario.escalation.experts
    out["cost_experts"] = escalated * (experts.cost_per_case if experts else 0.0)
    out["cost_total"] = out["cost_inhouse"] + out["cost_provider"] + out["cost_experts"]
    return out


def provider_cost(scenario: Scenario, window: pd.DataFrame, measured: pd.DataFrame,
                  spans: pd.DataFrame) -> float:
    """The provider's invoices over the window, month by month."""
    provider = scenario.outsourcing
    assert provider is not None
    price = provider.price
    handled = measured[(measured["team"] == PROVIDER)
                       & (measured["outcome"] != ContactOutcome.DEFLECTED.label)]
    hours = window[window["team"] == PROVIDER]
    hour_minutes = (hours["date"] - pd.Timestamp(scenario.horizon.start)) / pd.Timedelta(
        minutes=1)
    total = 0.0
    for span in spans.to_dict("records"):
        begin, end = float(span["start_min"]), float(span["end_min"])
        contacts = int(((handled["arrived_min"] >= begin) & (handled["arrived_min"] < end)).sum())
        in_month = (hour_minutes >= begin) & (hour_minutes < end)
        paid = float(hours.loc[in_month, "scheduled_hours"].sum()
                     + hours.loc[in_month, "overtime_hours"].sum())
        invoice = price.per_contact * contacts + price.per_hour * paid
        total += max(invoice, price.minimum_monthly * float(span["covered"]))
    late = handled[handled["owed_min"].notna() & handled["handed_back_min"].isna()]
    late = late[~(late["reached_min"] <= late["deadline_min"])
                & ((late["deadline_min"] < scenario.horizon.days * DAY)
                   | late["reached_min"].notna())]
    return total - price.penalty_per_late_callback * len(late)


def per_on_time_answer(cost_total: float, measured: pd.DataFrame) -> float:
    """Cost per member answered and, when a callback was owed, reached before the deadline:
    reached by anyone, with the right answer or a provider's wrong one later put right (see
    `per_right_answer` for the promise itself)."""
    answered = measured["outcome"] == ContactOutcome.ANSWERED.label
    owed = measured["owed_min"].notna()
    on_time = answered & (~owed | (measured["reached_min"] <= measured["deadline_min"]))
    count = int(np.count_nonzero(on_time))
    return cost_total / count if count else math.nan


def per_right_answer(cost_total: float, right_on_time: int) -> float:
    """Cost per member whose correct answer reached them, before the deadline when one was owed
    (`right_on_time`: how many; see `sim.measures.kpis.right_on_time`)."""
    return cost_total / right_on_time if right_on_time else math.nan
