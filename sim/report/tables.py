"""The report's tables, as HTML: key figures, the options, what differs between them, the
sources and the assumptions register, the glossary of the indicators, and the provenance.

The key figures put, for each option, its mean and 95 % interval, and under it (options after
the first) the paired difference and its interval, coloured only when the interval excludes
zero and the difference is material (`sim.report.verdict.Difference.colour`). One column per
option keeps five options readable at 1300 px. Indicators are named in words; their code names
are in the glossary at the end (and in a tooltip).
"""

from __future__ import annotations

import html
import math
from typing import Any

from sim.glossary import KPIS
from sim.report.findings import goal_text, met_share, reason, register_of
from sim.report.language import Words
from sim.report.results import Results, RunData
from sim.report.verdict import (
    Difference,
    difference,
    differences_between,
    mean,
    short_title,
    shown,
    title,
)

FIRST_ROWS = ("right_on_time_rate", "callback_on_time_rate", "unanswered_rate",
              "resolution_hours_mean", "resolution_hours_p90", "cost_total",
              "cost_per_right_answer", "inhouse_advisors", "inhouse_fte",
              "work_hours_per_advisor", "inhouse_work_hours", "overtime_hours_per_advisor",
              "overtime_hours", "occupancy", "occupancy_p90", "occupancy_max")
"""The key figures a meeting asks first: the promise, the wait, the money, the people (the
totals of hours beside their value per advisor)."""

TOTALS = ("overtime_hours", "inhouse_work_hours")
"""Totals that mislead beside a headcount change: not coloured when the headcounts differ
(their value per advisor, next row up, is)."""


def esc(text: Any) -> str:
    """Text safe inside HTML."""
    return html.escape(str(text))


def shown_kpis(results: Results) -> list[str]:
    """The KPIs of the key figures, in reading order: those measured in some option (a count
    or an amount that is zero everywhere says nothing)."""
    out = []
    for kpi in [*FIRST_ROWS, *(k for k in KPIS if k not in FIRST_ROWS)]:
        means = [mean(run, kpi) for run in results.runs]
        if all(math.isnan(m) for m in means):
            continue
        if KPIS[kpi].unit != "share" and all(m == 0 or math.isnan(m) for m in means):
            continue
        out.append(kpi)
    return out


def kpi_table(results: Results, words: Words) -> str:
    """Key figures: one row per KPI, one column per option (differences under the value)."""
    runs = results.runs
    head = [f"<th class='label'>{esc(words.t('kpi'))}</th>"]
    scenarios = [run.scenario for run in runs]
    head += [f"<th>{esc(short_title(run.scenario, words, scenarios))}</th>" for run in runs]
    rows = []
    for kpi in shown_kpis(results):
        cells = [f"<td class='label' title='{esc(words.definition(kpi))} ({esc(kpi)})'>"
                 f"{esc(words.label(kpi))}</td>"]
        for i, run in enumerate(runs):
            cells.append(_value_cell(results, run, kpi, words, i > 0))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    width = max(10, min(25, 78 // len(runs)))
    return (f"<div class='wide'><table class='kpis' style='--col:{width}%'><thead><tr>"
            f"{''.join(head)}</tr></thead><tbody>" + "".join(rows) + "</tbody></table></div>"
            f"<p class='note'>{esc(words.t('key_figures_note'))}</p>")


def _clip(kpi: str, low: float, high: float) -> tuple[float, float]:
    """An interval shown within what the KPI can be: never below 0, a share never above 1."""
    if math.isnan(low):
        return low, high
    low = max(low, 0.0)
    if KPIS[kpi].unit == "share":
        high = min(high, 1.0)
    return low, high


def _value_cell(results: Results, run: RunData, kpi: str, words: Words, vs_base: bool) -> str:
    found = run.summary[run.summary["kpi"] == kpi]
    low = float(found["ci_low"].iloc[0]) if len(found) else math.nan
    high = float(found["ci_high"].iloc[0]) if len(found) else math.nan
    low, high = _clip(kpi, low, high)
    parts = [f"<span class='v'>{esc(words.kpi_value(kpi, mean(run, kpi)))}</span>"]
    if not math.isnan(low):
        parts.append(f"<small>{esc(words.kpi_value(kpi, low))} – "
                     f"{esc(words.kpi_value(kpi, high))}</small>")
    css = ""
    d = difference(results, run, kpi) if vs_base else None
    if d is not None:
        parts.append(_diff_text(d, words))
        headcount = difference(results, run, "inhouse_advisors")
        regrown = kpi in TOTALS and headcount is not None and headcount.diff != 0
        css = f" {d.colour}" if d.colour and not regrown else ""
    target = run.scenario.targets.get(kpi)
    if target is not None:
        share = met_share(run, kpi, target)
        mark = "ok" if share >= 0.8 else "warn" if share >= 0.5 else "bad"
        parts.append(f"<small class='{mark}' title='{esc(words.t('met_share'))}'>"
                     f"{esc(words.t('target').lower())} {esc(goal_text(words, kpi, target))} — "
                     f"{esc(words.percent(share, 0))}</small>")
    return f"<td class='num{css}'>" + "".join(parts) + "</td>"


def _diff_text(d: Difference, words: Words) -> str:
    """The difference to the first option and its interval (`no change` when both are 0)."""
    if d.diff == 0 and d.low == d.high == 0:
        return f"<small class='diff'>{esc(words.t('no_change'))}</small>"
    interval = words.interval(d.kpi, d.low, d.high)
    if d.low == d.high:
        interval = f"({interval})"
    return (f"<small class='diff'>{esc(words.t('difference_short'))} "
            f"{esc(words.difference_within(d.kpi, d.diff, d.low, d.high))} {esc(interval)}"
            "</small>")


def options_list(results: Results, words: Words) -> str:
    """What each option is, in the reader's language where the scenario says it."""
    items = []
    for run in results.runs:
        scenario = run.scenario
        text = (scenario.description_fr if words.lang == "fr" and scenario.description_fr
                else scenario.description)
        paragraph = f"<p>{esc(' '.join(text.split()))}</p>" if text.strip() else ""
        items.append(f"<li><strong>{esc(title(scenario, words))}</strong> "
                     f"<small>({esc(words.t('option_file'))} <code>{esc(scenario.name)}</code>)"
                     f"</small>{paragraph}</li>")
    return f"<ul class='options'>{''.join(items)}</ul>"


def differs_table(results: Results, words: Words) -> str:
    """Every value that differs between the options, side by side, with why."""
    rows = differences_between(results)
    if len(results.runs) < 2 or not rows:
        return ""
    scenarios = [r.scenario for r in results.runs]
    head = "".join(f"<th>{esc(short_title(r.scenario, words, scenarios))}</th>"
                   for r in results.runs)
    body = []
    for row in rows:
        cells = "".join(f"<td>{esc(shown(row['path'], v, words))}</td>"
                        for v in row["values"])
        kind = str(row["kind"])
        why = (words.t(kind) if kind else "") + (
            f" — {reason(row, words)}" if reason(row, words) else "")
        body.append(f"<tr><td>{esc(words.path_label(row['path']))}"
                    f"<br><small><code>{esc(row['path'])}</code></small></td>{cells}"
                    f"<td>{esc(why)}</td></tr>")
    return (f"<p class='note'>{esc(words.t('differs_note'))}</p><div class='wide'>"
            f"<table class='differs'><thead><tr><th>{esc(words.t('key'))}</th>{head}"
            f"<th>{esc(words.t('why'))}</th></tr></thead><tbody>{''.join(body)}</tbody>"
            "</table></div>")


def sources_list(results: Results, words: Words) -> str:
    """The documents the scenarios' facts cite, each once."""
    cited: dict[str, str] = {}
    for run in results.runs:
        cited.update(run.scenario.references)
    if not cited:
        return ""
    items = "".join(f"<li><strong>{esc(tag)}</strong> — {esc(document)}</li>"
                    for tag, document in sorted(cited.items()))
    return (f"<h3>{esc(words.t('sources'))}</h3><ul class='sources'>{items}</ul>"
            f"<p class='note'>{esc(words.t('sources_note'))}</p>")


def assumptions_table(results: Results, words: Words) -> str:
    """The register of every option, each value once, with what it rests on, in the reader's
    language (an English-only reason is marked so in French)."""
    register = register_of(results)
    if register.empty:
        return ""
    scenarios = [r.scenario for r in results.runs]
    names = {r.scenario.name: short_title(r.scenario, words, scenarios) for r in results.runs}
    everyone = [r.scenario.name for r in results.runs]
    rows = []
    kinds = ("fact", "derived", "assumption", "setting", "unmarked")
    for row in register.to_dict("records"):
        kind = str(row["kind"])
        held = (words.t("all_options") if list(row["option"]) == everyone
                else ", ".join(names.get(n, n) for n in row["option"]))
        rows.append(f"<tr class='{esc(kind)}'><td><code>{esc(row['path'])}</code></td>"
                    f"<td><code>{esc(row['value'])}</code></td>"
                    f"<td>{esc(words.t(kind) if kind in kinds else kind)}</td>"
                    f"<td>{esc(reason(row, words))}</td><td>{esc(held)}</td></tr>")
    return (f"<div class='wide'><table class='register'><thead><tr>"
            f"<th>{esc(words.t('key'))}</th>"
            f"<th>{esc(words.t('value'))}</th><th>{esc(words.t('rests_on'))}</th>"
            f"<th>{esc(words.t('why'))}</th><th>{esc(words.t('scenario'))}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


def glossary_table(results: Results, words: Words) -> str:
    """The indicators of the key figures: label, code name, definition, colour threshold."""
    rows = []
    for kpi in shown_kpis(results):
        entry = KPIS[kpi]
        kind, size = entry.materiality
        amount = (words.difference(kpi, size).lstrip("+") if entry.unit == "share"
                  else words.number(size, 1) if kind == "absolute"
                  else words.percent(size, 0))
        material = ("–" if entry.better == "neutral" else
                    words.t(f"material_{kind}", size=amount))
        rows.append(f"<tr><td>{esc(words.label(kpi))}</td><td><code>{esc(kpi)}</code></td>"
                    f"<td>{esc(words.definition(kpi))}</td><td>{esc(material)}</td></tr>")
    return (f"<p class='note'>{esc(words.t('glossary_note'))}</p><table class='glossary'>"
            f"<thead><tr><th>{esc(words.t('kpi'))}</th><th>{esc(words.t('code_name'))}</th>"
            f"<th>{esc(words.t('definition'))}</th><th>{esc(words.t('material'))}</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def provenance(results: Results, words: Words) -> str:
    """Code version, seeds, replications, scenario fingerprints and the command."""
    items = []
    manifests = [r.manifest for r in results.runs] or [results.manifest]
    for manifest in manifests:
        items.append(
            f"<li><strong>{esc(manifest.get('scenario', manifest.get('sweep', '')))}</strong>"
            " — " + words.join([
                f"{esc(words.t('seed'))} {esc(manifest.get('seed'))}, "
                f"{esc(manifest.get('replications'))} {esc(words.t('replications'))}",
                f"{esc(words.t('code_version'))} "
                f"<code>{esc(manifest.get('code_version'))}</code>",
                f"{esc(words.t('scenario_hash'))} <code>"
                f"{esc(manifest.get('scenario_sha256', manifest.get('base_sha256', '')))}"
                "</code>"]) + "</li>")
    command = results.manifest.get("command", "")
    return (f"<ul>{''.join(items)}</ul><p>{esc(words.colon(words.t('command')))} "
            f"<code>{esc(command)}</code></p>")
