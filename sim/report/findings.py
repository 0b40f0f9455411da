"""The findings in plain words, option by option, generated from a results folder's tables.

The summary comes first (`sim.report.verdict`); here, for each option, one sentence per topic:
the promise (right answer on time, and called back on time), calls, cost (a direction only
when its interval excludes zero), rework, in-house load (per advisor beside totals), the
members' wait, members never answered by source; then what the figures rest on: the count of
facts and assumptions and, for the promise, the money and the provider, the values and why
they were chosen, in the reader's language. Every sentence is built from
`sim.report.language` texts, so it reads the same in French and English.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from sim.measures import kpis
from sim.report.language import Words
from sim.report.precision import interval_text
from sim.report.results import Results, RunData
from sim.report.verdict import (
    change,
    comparison_row,
    difference,
    mean,
    option_name,
    title,
)
from sim.scenario import Target

__all__ = ["comparison_row", "findings", "goal_text", "mean", "met_share", "reason",
           "register_of", "title"]


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


def findings(results: Results, words: Words) -> list[str]:
    """The findings option by option, in plain words, then what they rest on."""
    if results.kind == "sweep":
        return _sweep_findings(results, words)
    out: list[str] = []
    for run in results.runs:
        for sentence in (_promise, _calls, _cost, _rework, _load, _resolution, _by_source):
            text = sentence(results, run, words)
            if text:
                out.append(text)
    out.extend(_rests_on(results, words))
    return out


def _names(results: Results, run: RunData, words: Words) -> dict[str, str]:
    return {"option": option_name(results, run, words),
            "base": option_name(results, results.runs[0], words)}


def _promise(results: Results, run: RunData, words: Words) -> str:
    right = mean(run, "right_on_time_rate")
    if math.isnan(right):
        return ""
    return words.t("f_right", **_names(results, run, words), value=words.percent(right),
                   called=words.percent(mean(run, "callback_on_time_rate")),
                   target=_target_text(words, run, "callback_on_time_rate"))


def _calls(results: Results, run: RunData, words: Words) -> str:
    level = mean(run, "service_level")
    if math.isnan(level):
        return ""
    return words.t("f_calls", **_names(results, run, words), value=words.percent(level),
                   threshold=f"{words.number(run.option.threshold_min * 60)} s",
                   abandon=words.percent(mean(run, "abandon_rate")))


def _cost(results: Results, run: RunData, words: Words) -> str:
    value = mean(run, "cost_total")
    if not value > 0:
        return ""
    names = _names(results, run, words)
    d = difference(results, run, "cost_total")
    if d is None:
        return words.t("f_cost", **names, value=words.money(value),
                       per_contact=words.money(mean(run, "cost_per_contact")))
    return words.t("f_cost_vs", **names, value=words.money(value),
                   change=change(words, d, "s_dearer", "s_cheaper"))


def _rework(results: Results, run: RunData, words: Words) -> str:
    if not (mean(run, "remediations") > 0 or mean(run, "handoffs") > 0):
        return ""
    return words.t("f_rework", **_names(results, run, words),
                   hours=words.number(mean(run, "remediation_hours")),
                   remediations=words.number(mean(run, "remediations")),
                   handoffs=words.number(mean(run, "handoffs")),
                   value=words.money(mean(run, "cost_rework")))


def _load(results: Results, run: RunData, words: Words) -> str:
    occupancy = mean(run, "occupancy")
    if math.isnan(occupancy):
        return ""
    return words.t("f_load", **_names(results, run, words),
                   advisors=words.number(mean(run, "inhouse_advisors")),
                   fte=words.number(mean(run, "inhouse_fte"), 1),
                   value=words.percent(occupancy, 0),
                   p90=words.percent(mean(run, "occupancy_p90"), 0),
                   busiest=words.percent(mean(run, "occupancy_max"), 0),
                   overtime=words.number(mean(run, "overtime_hours")),
                   per_advisor=words.number(mean(run, "overtime_hours_per_advisor")))


def _resolution(results: Results, run: RunData, words: Words) -> str:
    hours = mean(run, "resolution_hours_mean")
    if math.isnan(hours):
        return ""
    return words.t("f_resolution", **_names(results, run, words), value=words.number(hours, 1),
                   p90=words.number(mean(run, "resolution_hours_p90"), 1),
                   unanswered=words.percent(mean(run, "unanswered_rate")))


def _by_source(results: Results, run: RunData, words: Words) -> str:
    """Members never answered, source by source, when there are several."""
    groups = run.option.groups_summary
    if groups.empty or "dimension" not in groups:
        return ""
    rows = groups[(groups["dimension"] == "source") & (groups["kpi"] == "unanswered_rate")]
    if rows["value"].nunique() < 2:
        return ""
    items = [f"{words.source(str(row['value']))} {words.percent(float(row['mean']))}"
             for row in rows.to_dict("records")]
    return words.t("f_by_source", **_names(results, run, words), items=words.join(items))


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
    the option's name when the options differ), the reason in the reader's language."""
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
            why = ([", ".join(_short_names(results, row["option"], words))]
                   if len(row["option"]) < len(results.runs) else [])
            note = reason(row, words)
            why.append(words.t(str(row["kind"])) + (f" — {note}" if note else ""))
            items.append(f"{words.path_label(row['path'])} = {str(row['value']).strip(chr(34))} "
                         f"({words.join(why)})")
        out.append(words.t(key, items=words.join(items)))
    return out


def _short_names(results: Results, names: list[str], words: Words) -> list[str]:
    by_name = {r.scenario.name: r for r in results.runs}
    return [option_name(results, by_name[n], words) if n in by_name else n for n in names]


def reason(row: Mapping[Any, Any], words: Words) -> str:
    """Why a value was chosen, in the reader's language, without the leading kind; in French,
    the English reason marked as such when the file gives no French one."""
    kind, note = str(row["kind"]), str(row.get("note", "") or "")
    french = str(row.get("note_fr", "") or "")
    if words.lang == "fr" and french:
        if french.lower().startswith(("hypothèse", "déduit", "fait")):
            french = french.partition(":")[2].strip()
        cited = re.search(r"\[seed [^\]]+\]", note)
        if cited and cited.group(0) not in french:  # a fact keeps its citation
            french = f"{cited.group(0)} {french}"
        return _short(french)
    if note.lower().startswith(kind):  # "assumption: why" after the kind says only why
        note = note[len(kind):].lstrip(" :")
    note = _short(note)
    if words.lang == "fr" and note and kind in ("assumption", "derived", "unmarked"):
        return f"{note} {words.t('reason_in_english')}"
    return note


def register_of(results: Results) -> pd.DataFrame:
    """The assumptions registers of every option, each value once, with the list of the
    options that hold it (`option`); empty when no option has a register."""
    frames = [r.assumptions.assign(option=r.scenario.name) for r in results.runs
              if not r.assumptions.empty]
    columns = ["path", "value", "kind", "note", "note_fr"]
    if not results.runs and not results.assumptions.empty:  # a sweep's base and reference
        frames = [results.assumptions]
    if not frames:
        return pd.DataFrame(columns=[*columns, "option"])
    register = pd.concat(frames, ignore_index=True)
    if "note_fr" not in register:
        register["note_fr"] = ""
    for column in ("note", "note_fr"):
        register[column] = register[column].astype(object).where(register[column].notna(), "")
    return register.groupby(columns, sort=False, dropna=False)["option"].agg(list).reset_index()


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
                value = (interval_text(parameter, float(row[crossing]), float(row["ci_low"]),
                                       float(row["ci_high"]), str(row.get("note") or ""),
                                       words) if "ci_low" in row
                         else _parameter(parameter, float(row[crossing]), words))
                out.append(words.t("f_breakeven", reference=manifest.get("reference", ""),
                                   kpi=kpi, parameter=parameter, value=value, where=where))
        out.append(words.t("f_breakeven_note", replications=manifest.get("replications", "")))
    return out
