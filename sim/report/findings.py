"""The findings in plain words, generated from a results folder's tables.

The verdict comes first (does each option keep the callback promise, what it costs, how long
members wait for an answer), then one sentence per figure, then what the figures rest on: the
count of facts and assumptions and, for the promise, the money and the provider, the values
and why they were chosen. Every sentence is built from `sim.report.language` texts, so it
reads the same in French and English.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.measures import kpis
from sim.report.language import Words
from sim.report.results import Results, RunData
from sim.scenario import Scenario, Target


def mean(run: RunData, kpi: str) -> float:
    values = run.replications[kpi].dropna() if kpi in run.replications else pd.Series()
    return float(values.mean()) if len(values) else math.nan


def met_share(run: RunData, kpi: str, target: Target) -> float:
    """Share of the option's replications meeting the target."""
    return kpis.met_share(run.replications[kpi], target)


def _target_text(words: Words, run: RunData, kpi: str) -> str:
    target = run.scenario.targets.get(kpi)
    if target is None:
        return ""
    share = met_share(run, kpi, target)
    return words.t("f_target", target=goal_text(words, kpi, target),
                   share=words.percent(share, 0))


def goal_text(words: Words, kpi: str, target: Target) -> str:
    """A target the reader's way: `≥ 95,0 %`."""
    return f"{'≥' if target.op == '>=' else '≤'} {words.kpi_value(kpi, target.value)}"


def title(scenario: Scenario, words: Words) -> str:
    """The scenario's title in the reader's language (its name when it has none)."""
    if words.lang == "fr" and scenario.title_fr:
        return scenario.title_fr
    return scenario.title or scenario.name


def _quote(text: str, words: Words) -> str:
    return f"« {text} »" if words.lang == "fr" else f"“{text}”"


def verdict(results: Results, words: Words) -> list[str]:
    """The answer first: whether each option keeps the callback promise, and for each option
    against the first, the money, the members' wait and the in-house load."""
    base = results.runs[0]
    out = []
    promise = []
    for run in results.runs:
        target = run.scenario.targets.get("callback_on_time_rate")
        rate = mean(run, "callback_on_time_rate")
        if target is None or math.isnan(rate):
            continue
        share = met_share(run, "callback_on_time_rate", target)
        key = "v_kept" if share >= 0.95 else "v_at_risk" if share >= 0.5 else "v_broken"
        promise.append(words.t(key, option=_quote(title(run.scenario, words), words),
                               rate=words.percent(rate), share=words.percent(share, 0)))
    if promise:
        target = next(r.scenario.targets["callback_on_time_rate"] for r in results.runs
                      if "callback_on_time_rate" in r.scenario.targets)
        out.append(words.t("v_promise", target=words.kpi_value("callback_on_time_rate",
                                                               target.value),
                           deadline=_deadline_text(base, words), options=words.join(promise)))
    for run in results.runs[1:]:
        parts = []
        cost = comparison_row(results, run, "cost_total")
        if cost and not math.isnan(cost["diff_mean"]) and cost["mean"] > 0:
            parts.append(words.t("v_cheaper" if cost["diff_mean"] < 0 else "v_dearer",
                                 amount=words.money(abs(cost["diff_mean"]))))
        hours = comparison_row(results, run, "resolution_hours_mean")
        if hours and abs(hours.get("diff_mean", 0)) >= 0.5:
            parts.append(words.t("v_later" if hours["diff_mean"] > 0 else "v_sooner",
                                 hours=words.number(abs(hours["diff_mean"]), 1),
                                 p90=words.number(mean(run, "resolution_hours_p90")),
                                 base_p90=words.number(mean(base, "resolution_hours_p90"))))
        rework = comparison_row(results, run, "remediation_hours")
        if rework and rework.get("diff_mean", 0) > 0:
            parts.append(words.t("v_rework", hours=words.number(rework["diff_mean"])))
        if parts:
            out.append(words.t("v_option", option=_quote(title(run.scenario, words), words),
                               base=_quote(title(base.scenario, words), words),
                               parts=words.join(parts)))
    return out


def _deadline_text(run: RunData, words: Words) -> str:
    callbacks = run.scenario.callbacks
    hours = callbacks.deadline.total_seconds() / 3600
    return words.t(f"clock_{callbacks.clock.replace('-', '_')}", hours=words.number(hours))


def findings(results: Results, words: Words) -> list[str]:
    """The headline findings, in plain words, from the results."""
    if results.kind == "sweep":
        return _sweep_findings(results, words)
    out: list[str] = []
    base = results.runs[0]
    w = words
    for run in results.runs:
        name = _quote(title(run.scenario, w), w)
        is_base = run is base
        base_name = _quote(base.scenario.name, w)
        on_time = mean(run, "callback_on_time_rate")
        if not math.isnan(on_time):
            key = "f_on_time" if is_base else "f_on_time_vs"
            out.append(w.t(key, option=name, value=w.percent(on_time),
                           target=_target_text(w, run, "callback_on_time_rate"),
                           base_value=w.percent(mean(base, "callback_on_time_rate")),
                           base=base_name))
        level = mean(run, "service_level")
        if not math.isnan(level):
            threshold = f"{w.number(run.option.threshold_min * 60)} s"
            if is_base:
                out.append(w.t("f_calls", value=w.percent(level), threshold=threshold,
                               abandon=w.percent(mean(run, "abandon_rate"))))
            else:
                out.append(w.t("f_calls_vs", option=name, value=w.percent(level),
                               threshold=threshold, base_value=w.percent(
                                   mean(base, "service_level")),
                               abandon=w.percent(mean(run, "abandon_rate")),
                               base_abandon=w.percent(mean(base, "abandon_rate"))))
        cost = mean(run, "cost_total")
        if cost > 0:
            if is_base:
                out.append(w.t("f_cost", value=w.money(cost),
                               per_contact=w.money(mean(run, "cost_per_contact"))))
            else:
                row = comparison_row(results, run, "cost_total")
                out.append(w.t("f_cost_vs", option=name, value=w.money(cost),
                               diff=w.signed("cost_total", row.get("diff_mean", math.nan)),
                               base=base_name,
                               low=w.signed("cost_total", row.get("diff_ci_low", math.nan)),
                               high=w.signed("cost_total", row.get("diff_ci_high", math.nan))))
        if mean(run, "remediations") > 0 or mean(run, "handoffs") > 0:
            out.append(w.t("f_rework", hours=w.number(mean(run, "remediation_hours")),
                           remediations=w.number(mean(run, "remediations")),
                           handoffs=w.number(mean(run, "handoffs"))))
        occupancy = mean(run, "occupancy")
        if not math.isnan(occupancy):
            out.append(w.t("f_occupancy" if is_base else "f_occupancy_vs",
                           value=w.percent(occupancy, 0),
                           base_value=w.percent(mean(base, "occupancy"), 0), base=base_name))
        hours = mean(run, "resolution_hours_mean")
        if not math.isnan(hours):
            if is_base:
                out.append(w.t("f_resolution", value=w.number(hours, 1),
                               p90=w.number(mean(run, "resolution_hours_p90"), 1)))
            else:
                out.append(w.t("f_resolution_vs", option=name, value=w.number(hours, 1),
                               base_value=w.number(mean(base, "resolution_hours_mean"), 1),
                               base=base_name))
    out.extend(_rests_on(results, words))
    return out


def comparison_row(results: Results, run: RunData, kpi: str) -> dict[str, float]:
    table = results.comparison
    if table is None:
        return {}
    rows = table[(table["scenario"] == run.scenario.name) & (table["kpi"] == kpi)]
    if not len(rows):
        return {}
    return {str(k): float(v) for k, v in rows.iloc[0].items()
            if k in ("mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high")}


RESTS_ON = {
    "r_promise": ("callbacks.deadline", "callbacks.clock", "callbacks.reach_probability",
                  "callbacks.max_attempts"),
    "r_cost": ("staff.advisors", "staff.cost_per_hour", "outsourcing.advisors",
               "outsourcing.price"),
    "r_provider": ("outsourcing.defect_rate", "outsourcing.remediation",
                   "outsourcing.first_contact_resolution", "outsourcing.handoff_work"),
}
"""For each headline, the keys it depends on most directly."""


def _rests_on(results: Results, words: Words) -> list[str]:
    """What the headline figures rest on: the count of facts and assumptions, then, for the
    promise, the money and the provider's quality, the values and why they were chosen (with
    the option's name when the options differ)."""
    register = register_of(results)
    if register.empty:
        return []
    counts = register["kind"].value_counts()
    out = [words.t("f_rests", facts=int(counts.get("fact", 0)),
                   derived=int(counts.get("derived", 0)),
                   assumptions=int(counts.get("assumption", 0)))]
    for key, paths in RESTS_ON.items():
        rows = register[register["path"].map(
            lambda p, prefixes=paths: any(p == x or p.startswith(f"{x}.") for x in prefixes))]
        if rows.empty:
            continue
        items = []
        for row in rows.to_dict("records"):
            why = [", ".join(row["option"])] if len(row["option"]) < len(results.runs) else []
            kind = str(row["kind"])
            note = str(row["note"])
            if note.startswith(kind):  # "assumption: why" after the kind says only why
                note = note[len(kind):].lstrip(" :")
            why.append(words.t(kind) + (f" — {_short(note)}" if note else ""))
            items.append(f"{row['path']} = {row['value']} ({words.join(why)})")
        out.append(words.t(key, items=words.join(items)))
    return out


def register_of(results: Results) -> pd.DataFrame:
    """The assumptions registers of every option, each value once, with the list of the
    options that hold it (`option`); empty when no option has a register."""
    frames = [r.assumptions.assign(option=r.scenario.name) for r in results.runs
              if not r.assumptions.empty]
    if not frames:
        return pd.DataFrame(columns=["path", "value", "kind", "note", "option"])
    register = pd.concat(frames, ignore_index=True).fillna({"note": ""})
    return register.groupby(["path", "value", "kind", "note"], sort=False,
                            dropna=False)["option"].agg(list).reset_index()


def _short(text: str, limit: int = 110) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _parameter(name: str, value: Any, words: Words) -> str:
    """A grid value the language's way: money for prices, a plain number otherwise."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if "price" in name or "cost" in name:
        return words.money(number) if abs(number) >= 100 else (
            f"{words.number(number, 2)}\u00a0€" if words.lang == "fr"
            else f"€{words.number(number, 2)}")
    return words.number(number, 0 if number == int(number) else 2)


def _sweep_findings(results: Results, words: Words) -> list[str]:
    points = results.points
    assert points is not None
    manifest = results.manifest
    out = [words.t("f_sweep", points=manifest.get("points", len(points)),
                   base=manifest.get("base", ""), replications=manifest.get("replications", ""))]
    breakeven = results.breakeven
    if breakeven is not None:
        parameter = results.breakeven_parameter
        crossing = f"{parameter} at break-even"
        others = [c for c in breakeven.columns[:list(breakeven.columns).index("kpi")]]
        for row in breakeven.to_dict("records"):
            where = ", ".join(f"{p} = {_parameter(p, row[p], words)}" for p in others)
            where = f" ({where})" if where else ""
            kpi = words.label(str(row["kpi"])).lower()
            if math.isnan(float(row[crossing])):
                out.append(words.t("f_no_breakeven", reference=manifest.get("reference", ""),
                                   kpi=kpi, where=where))
            else:
                out.append(words.t("f_breakeven", reference=manifest.get("reference", ""),
                                   kpi=kpi, parameter=parameter,
                                   value=_parameter(parameter, float(row[crossing]), words),
                                   where=where))
        out.append(words.t("f_breakeven_note", replications=manifest.get("replications", "")))
    return out


def translate_note(note: str, words: Words) -> str:
    """The comment's own words stay as written; its leading tag is said in the language."""
    for tag in ("assumption", "derived"):
        if note.startswith(tag):
            rest = note[len(tag):]
            if words.lang == "fr" and rest.startswith(":"):
                rest = "\u00a0" + rest  # « hypothèse : … »
            return words.t(tag).capitalize() + rest
    return note
