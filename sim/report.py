"""The evidence pack: one self-contained HTML file, in French or English, from a results folder.

It reads the tables a run, a comparison or a sweep wrote (never the model) and puts, in this
order: the findings in plain words, generated from the results; the key figures with their
intervals, paired differences and targets; the charts; the assumptions register (what each
number rests on); and the provenance needed to reproduce every figure. plotly.js is embedded
once, so the file opens offline on any laptop. A small script records JavaScript errors and
rendered charts in `#self-check`, which the browser test reads.
"""

from __future__ import annotations

import html
import json
import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim import charts
from sim.glossary import KPIS
from sim.i18n import Lang, Words
from sim.outputs import write_text
from sim.scenario import Scenario, Target, validate


class NotAResult(ValueError):
    """The folder holds no result helpline-sim wrote."""


@dataclass
class RunData:
    """One option's result folder."""

    folder: Path
    scenario: Scenario
    manifest: dict[str, Any]
    replications: pd.DataFrame
    summary: pd.DataFrame
    option: charts.Option
    assumptions: pd.DataFrame


@dataclass
class Results:
    """A results folder: a run, a comparison, or a sweep."""

    kind: str
    folder: Path
    manifest: dict[str, Any]
    runs: list[RunData] = field(default_factory=list)
    comparison: pd.DataFrame | None = None
    points: pd.DataFrame | None = None
    breakeven: pd.DataFrame | None = None
    parameters: list[str] = field(default_factory=list)


def _read(path: Path, **kwargs: Any) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame()
    return pd.read_parquet(path, **kwargs) if path.suffix == ".parquet" else pd.read_csv(path)


def load_run(folder: Path) -> RunData:
    """A run's tables (members' tables only with the columns the charts use)."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    scenario = validate(tomllib.loads((folder / "scenario.resolved.toml").read_text(
        encoding="utf-8")), str(folder))
    contacts = _read(folder / "contacts.parquet", columns=[
        "arrived_min", "owed_min", "deadline_min", "reached_min", "outcome", "backlog"])
    calls = _read(folder / "calls.parquet", columns=["arrived_min", "outcome", "wait_min"])
    daily = _read(folder / "daily.csv")
    replications = _read(folder / "replications.csv")
    option = charts.Option(
        name=scenario.name, contacts=contacts, calls=calls, daily=daily,
        advisor_days=_read(folder / "advisor_days.parquet",
                           columns=["advisor", "team", "work_hours", "lines_hours"]),
        replications=replications, groups_summary=_read(folder / "groups_summary.csv"),
        threshold_min=scenario.channel.service_level_threshold.total_seconds() / 60)
    return RunData(folder, scenario, manifest, replications, _read(folder / "summary.csv"),
                   option, _read(folder / "assumptions.csv"))


def load_results(folder: str | Path) -> Results:
    """Whatever helpline-sim wrote in `folder`."""
    folder = Path(folder)
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise NotAResult(f"{folder} holds no manifest.json: not a complete helpline-sim result")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    if (folder / "comparison.csv").exists():
        names = [s["name"] for s in manifest["scenarios"]]
        return Results("compare", folder, manifest, [load_run(folder / n) for n in names],
                       comparison=pd.read_csv(folder / "comparison.csv"))
    if (folder / "points.csv").exists():
        points = pd.read_csv(folder / "points.csv")
        parameters = [c for c in points.columns[1:list(points.columns).index("n")]]
        breakeven = _read(folder / "breakeven.csv")
        return Results("sweep", folder, manifest, points=points,
                       breakeven=breakeven if not breakeven.empty else None,
                       parameters=parameters)
    if (folder / "replications.csv").exists():
        return Results("run", folder, manifest, [load_run(folder)])
    raise NotAResult(f"{folder} is not a run, comparison or sweep folder")


# -- findings --------------------------------------------------------------------------------
def _mean(run: RunData, kpi: str) -> float:
    values = run.replications[kpi].dropna() if kpi in run.replications else pd.Series()
    return float(values.mean()) if len(values) else math.nan


def _met_share(run: RunData, kpi: str, target: Target) -> float:
    values = run.replications[kpi].dropna()
    return float(sum(target.met(float(v)) for v in values) / len(values)) if len(values) \
        else math.nan


def _target_text(words: Words, run: RunData, kpi: str) -> str:
    target = run.scenario.targets.get(kpi)
    if target is None:
        return ""
    share = _met_share(run, kpi, target)
    goal = f"{'≥' if target.op == '>=' else '≤'} {words.kpi_value(kpi, target.value)}"
    return words.t("f_target", target=goal, share=words.percent(share, 0))


def title(scenario: Scenario, words: Words) -> str:
    """The scenario's title in the reader's language (its name when it has none)."""
    if words.lang == "fr" and scenario.title_fr:
        return scenario.title_fr
    return scenario.title or scenario.name


def _quote(text: str, words: Words) -> str:
    return f"« {text} »" if words.lang == "fr" else f"“{text}”"


def verdict(results: Results, words: Words) -> list[str]:
    """One sentence per option against the first: the promise, the money, the members' wait
    and the in-house load, each only when it applies."""
    base = results.runs[0]
    out = []
    for run in results.runs[1:]:
        parts = []
        target = run.scenario.targets.get("callback_on_time_rate")
        if target is not None:
            share = _met_share(run, "callback_on_time_rate", target)
            parts.append(words.t("v_promise_kept" if share >= 0.95 else "v_promise_risk",
                                 target=words.kpi_value("callback_on_time_rate", target.value),
                                 share=words.percent(share, 0)))
        cost = _comparison_row(results, run, "cost_total")
        if cost and not math.isnan(cost["diff_mean"]) and cost["mean"] > 0:
            parts.append(words.t("v_cheaper" if cost["diff_mean"] < 0 else "v_dearer",
                                 amount=words.money(abs(cost["diff_mean"]))))
        hours = _comparison_row(results, run, "resolution_hours_mean")
        if hours and abs(hours.get("diff_mean", 0)) >= 0.5:
            parts.append(words.t("v_later" if hours["diff_mean"] > 0 else "v_sooner",
                                 hours=words.number(abs(hours["diff_mean"]), 1)))
        rework = _comparison_row(results, run, "remediation_hours")
        if rework and rework.get("diff_mean", 0) > 0:
            parts.append(words.t("v_rework", hours=words.number(rework["diff_mean"])))
        if parts:
            out.append(words.t("v_option", option=_quote(title(run.scenario, words), words),
                               base=_quote(title(base.scenario, words), words),
                               parts=words.join(parts)))
    return out


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
        on_time = _mean(run, "callback_on_time_rate")
        if not math.isnan(on_time):
            key = "f_on_time" if is_base else "f_on_time_vs"
            out.append(w.t(key, option=name, value=w.percent(on_time),
                           target=_target_text(w, run, "callback_on_time_rate"),
                           base_value=w.percent(_mean(base, "callback_on_time_rate")),
                           base=base_name))
        level = _mean(run, "service_level")
        if not math.isnan(level):
            threshold = f"{w.number(run.option.threshold_min * 60)} s"
            if is_base:
                out.append(w.t("f_calls", value=w.percent(level), threshold=threshold,
                               abandon=w.percent(_mean(run, "abandon_rate"))))
            else:
                out.append(w.t("f_calls_vs", option=name, value=w.percent(level),
                               threshold=threshold, base_value=w.percent(
                                   _mean(base, "service_level")),
                               abandon=w.percent(_mean(run, "abandon_rate")),
                               base_abandon=w.percent(_mean(base, "abandon_rate"))))
        cost = _mean(run, "cost_total")
        if cost > 0:
            if is_base:
                out.append(w.t("f_cost", value=w.money(cost),
                               per_contact=w.money(_mean(run, "cost_per_contact"))))
            else:
                row = _comparison_row(results, run, "cost_total")
                out.append(w.t("f_cost_vs", option=name, value=w.money(cost),
                               diff=w.signed("cost_total", row.get("diff_mean", math.nan)),
                               base=base_name,
                               low=w.signed("cost_total", row.get("diff_ci_low", math.nan)),
                               high=w.signed("cost_total", row.get("diff_ci_high", math.nan))))
        if _mean(run, "remediations") > 0 or _mean(run, "handoffs") > 0:
            out.append(w.t("f_rework", hours=w.number(_mean(run, "remediation_hours")),
                           remediations=w.number(_mean(run, "remediations")),
                           handoffs=w.number(_mean(run, "handoffs"))))
        occupancy = _mean(run, "occupancy")
        if not math.isnan(occupancy):
            out.append(w.t("f_occupancy" if is_base else "f_occupancy_vs",
                           value=w.percent(occupancy, 0),
                           base_value=w.percent(_mean(base, "occupancy"), 0), base=base_name))
        hours = _mean(run, "resolution_hours_mean")
        if not math.isnan(hours):
            if is_base:
                out.append(w.t("f_resolution", value=w.number(hours, 1),
                               p90=w.number(_mean(run, "resolution_hours_p90"), 1)))
            else:
                out.append(w.t("f_resolution_vs", option=name, value=w.number(hours, 1),
                               base_value=w.number(_mean(base, "resolution_hours_mean"), 1),
                               base=base_name))
    out.extend(_rests_on(results, words))
    return out


def _comparison_row(results: Results, run: RunData, kpi: str) -> dict[str, float]:
    table = results.comparison
    if table is None:
        return {}
    rows = table[(table["scenario"] == run.scenario.name) & (table["kpi"] == kpi)]
    if not len(rows):
        return {}
    return {str(k): float(v) for k, v in rows.iloc[0].items()
            if k in ("mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high")}


def _rests_on(results: Results, words: Words) -> list[str]:
    register = pd.concat([r.assumptions.assign(option=r.scenario.name) for r in results.runs
                          if not r.assumptions.empty], ignore_index=True) \
        if any(not r.assumptions.empty for r in results.runs) else pd.DataFrame()
    if register.empty:
        return []
    unique = register.drop_duplicates(["path", "value", "note"])
    counts = unique["kind"].value_counts()
    out = [words.t("f_rests", facts=int(counts.get("fact", 0)),
                   derived=int(counts.get("derived", 0)),
                   assumptions=int(counts.get("assumption", 0)))]
    for run in results.runs[1:]:
        register_ = run.assumptions
        own = register_[(register_["kind"] == "assumption")
                        & (register_["file"] == f"{run.scenario.name}.toml")]
        if len(own):
            items = words.join([f"{row.path} = {row.value}" for row in own.head(8).itertuples()])
            out.append(words.t("f_rests_on_option", option=run.scenario.name, items=items))
    return out


def _sweep_findings(results: Results, words: Words) -> list[str]:
    points = results.points
    assert points is not None
    manifest = results.manifest
    out = [words.t("f_sweep", points=manifest.get("points", len(points)),
                   base=manifest.get("base", ""), replications=manifest.get("replications", ""))]
    breakeven = results.breakeven
    if breakeven is not None:
        crossing = next(c for c in breakeven.columns if c.endswith(" at break-even"))
        parameter = crossing.removesuffix(" at break-even")
        others = [c for c in breakeven.columns[:list(breakeven.columns).index("kpi")]]
        for row in breakeven.to_dict("records"):
            where = ", ".join(f"{p} = {row[p]}" for p in others)
            where = f" ({where})" if where else ""
            kpi = words.label(str(row["kpi"])).lower()
            if math.isnan(float(row[crossing])):
                out.append(words.t("f_no_breakeven", reference=manifest.get("reference", ""),
                                   kpi=kpi, where=where))
            else:
                out.append(words.t("f_breakeven", reference=manifest.get("reference", ""),
                                   kpi=kpi, parameter=parameter,
                                   value=words.number(float(row[crossing]), 2), where=where))
    return out


# -- tables ----------------------------------------------------------------------------------
def _esc(text: Any) -> str:
    return html.escape(str(text))


def kpi_table(results: Results, words: Words) -> str:
    """Key figures: one row per KPI measured, one column per option, differences coloured."""
    runs = results.runs
    head = [f"<th>{_esc(words.t('kpi'))}</th>"]
    for i, run in enumerate(runs):
        head.append(f"<th>{_esc(run.scenario.name)}</th>")
        if i:
            head.append(f"<th>{_esc(words.t('difference'))} {_esc(runs[0].scenario.name)}</th>")
    head.append(f"<th>{_esc(words.t('target'))}</th>")
    rows = []
    for kpi in KPIS:
        means = [_mean(run, kpi) for run in runs]
        if all(math.isnan(m) for m in means) or (KPIS[kpi].unit != "share"
                                                   and all(m == 0 or math.isnan(m)
                                                           for m in means)):
            continue
        cells = [f"<td><strong>{_esc(words.label(kpi))}</strong><br>"
                 f"<small title='{_esc(words.definition(kpi))}'>{_esc(kpi)}</small></td>"]
        for i, run in enumerate(runs):
            found = run.summary[run.summary["kpi"] == kpi]
            low = float(found["ci_low"].iloc[0]) if len(found) else math.nan
            high = float(found["ci_high"].iloc[0]) if len(found) else math.nan
            value = words.kpi_value(kpi, means[i])
            ci = ("" if math.isnan(low) else
                  f"<br><small>{_esc(words.kpi_value(kpi, low))} – "
                  f"{_esc(words.kpi_value(kpi, high))}</small>")
            cells.append(f"<td class='num'>{_esc(value)}{ci}</td>")
            if i:
                cells.append(_diff_cell(results, run, kpi, words))
        cells.append(_target_cell(runs, kpi, words))
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='kpis'><thead><tr>{''.join(head)}</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _diff_cell(results: Results, run: RunData, kpi: str, words: Words) -> str:
    row = _comparison_row(results, run, kpi)
    diff, low, high = (float(row.get(k, math.nan)) for k in ("diff_mean", "diff_ci_low",
                                                             "diff_ci_high"))
    if math.isnan(diff):
        return "<td class='num'>–</td>"
    css = ""
    better = KPIS[kpi].better
    if not math.isnan(low) and (low > 0 or high < 0) and better != "neutral":
        css = " better" if (diff > 0) == (better == "higher") else " worse"
    return (f"<td class='num diff{css}'>{_esc(words.signed(kpi, diff))}<br><small>"
            f"{_esc(words.signed(kpi, low))} … {_esc(words.signed(kpi, high))}</small></td>")


def _target_cell(runs: list[RunData], kpi: str, words: Words) -> str:
    parts = []
    for run in runs:
        target = run.scenario.targets.get(kpi)
        if target is None:
            continue
        share = _met_share(run, kpi, target)
        css = "ok" if share >= 0.8 else "warn" if share >= 0.5 else "bad"
        goal = f"{'≥' if target.op == '>=' else '≤'} {words.kpi_value(kpi, target.value)}"
        parts.append(f"<span class='{css}'>{_esc(run.scenario.name)}: {_esc(goal)} · "
                     f"{_esc(words.percent(share, 0))}</span>")
    if not parts:
        return "<td></td>"
    return (f"<td title='{_esc(words.t('met_share'))}'>" + "<br>".join(parts) + "</td>")


def assumptions_table(results: Results, words: Words) -> str:
    """The register of every option, each value once, with what it rests on."""
    frames = [r.assumptions.assign(option=r.scenario.name) for r in results.runs
              if not r.assumptions.empty]
    if not frames:
        return ""
    register = pd.concat(frames, ignore_index=True).fillna({"note": ""})
    register = register.groupby(["path", "value", "kind", "note"], sort=False,
                                dropna=False)["option"].agg(", ".join).reset_index()
    everyone = ", ".join(r.scenario.name for r in results.runs)
    register["option"] = register["option"].replace(everyone, words.t("all_options"))
    register["note"] = register["note"].map(lambda note: _translate_note(note, words))
    rows = []
    kinds = ("fact", "derived", "assumption", "setting", "unmarked")
    for row in register.to_dict("records"):
        kind = str(row["kind"])
        rows.append(f"<tr class='{_esc(kind)}'><td><code>{_esc(row['path'])}</code></td>"
                    f"<td><code>{_esc(row['value'])}</code></td>"
                    f"<td>{_esc(words.t(kind) if kind in kinds else kind)}</td>"
                    f"<td>{_esc(row['note'])}</td><td>{_esc(row['option'])}</td></tr>")
    return (f"<table class='register'><thead><tr><th>{_esc(words.t('key'))}</th>"
            f"<th>{_esc(words.t('value'))}</th><th>{_esc(words.t('rests_on'))}</th>"
            f"<th>{_esc(words.t('why'))}</th><th>{_esc(words.t('scenario'))}</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _translate_note(note: str, words: Words) -> str:
    """The comment's own words stay as written; its leading tag is said in the language."""
    for tag in ("assumption", "derived"):
        if note.startswith(tag):
            return words.t(tag).capitalize() + note[len(tag):]
    return note


def provenance(results: Results, words: Words) -> str:
    """Code version, seeds, replications, scenario fingerprints and the command."""
    items = []
    manifests = [r.manifest for r in results.runs] or [results.manifest]
    for manifest in manifests:
        items.append(
            f"<li><strong>{_esc(manifest.get('scenario', manifest.get('sweep', '')))}</strong>"
            f" — {_esc(words.t('seed'))} {_esc(manifest.get('seed'))}, "
            f"{_esc(manifest.get('replications'))} {_esc(words.t('replications'))}; "
            f"{_esc(words.t('code_version'))} <code>{_esc(manifest.get('code_version'))}</code>"
            f"; {_esc(words.t('scenario_hash'))} "
            f"<code>{_esc(manifest.get('scenario_sha256', manifest.get('base_sha256', '')))}"
            f"</code></li>")
    command = results.manifest.get("command", "")
    return (f"<ul>{''.join(items)}</ul><p>{_esc(words.t('command'))}: "
            f"<code>{_esc(command)}</code></p>")


# -- the page --------------------------------------------------------------------------------
STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#222;
background:#f6f7f9;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px}
header{background:#1f5f8b;color:#fff;padding:28px 24px}
header h1{margin:0 0 6px;font-size:1.7em} header p{margin:0;opacity:.9}
section{background:#fff;border-radius:8px;padding:18px 22px;margin:18px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h2{margin-top:0;color:#1f5f8b;font-size:1.3em}
ul.findings li{margin:.45em 0;font-size:1.08em}
.note{color:#555;font-size:.92em}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e3e6ea;padding:6px 8px;vertical-align:top;text-align:left}
th{background:#eef2f6} td.num{text-align:right;white-space:nowrap}
td.better{background:#e3f4e8;color:#1e6b3a} td.worse{background:#fbe3e1;color:#9b2c22}
span.ok{color:#1e6b3a} span.warn{color:#9a6a00} span.bad{color:#9b2c22;font-weight:bold}
tr.fact td:nth-child(3){color:#1e6b3a;font-weight:bold}
tr.assumption td:nth-child(3){color:#9a6a00}
.chart{margin:10px 0 24px}
code{font-size:.9em}
"""

CHECK = """
<script>
window.addEventListener('load', function () {
  setTimeout(function () {
    var charts = document.querySelectorAll('.chart');
    var rendered = 0;
    charts.forEach(function (c) { if (c.querySelector('.main-svg')) { rendered += 1; } });
    var check = document.getElementById('self-check');
    check.setAttribute('data-charts', String(charts.length));
    check.setAttribute('data-rendered', String(rendered));
    check.setAttribute('data-errors', String(window.__errors.length));
    check.textContent = window.__errors.join('\\n');
  }, 800);
});
</script>
"""


def figures(results: Results, words: Words) -> list[go.Figure]:
    """Every chart of the results, in report order."""
    if results.kind == "sweep":
        assert results.points is not None
        out = [charts.sweep_curves(results.points, results.parameters, words)]
        if results.breakeven is not None:
            crossing = next(c for c in results.breakeven.columns
                            if c.endswith(" at break-even"))
            out.append(charts.breakeven_curve(
                results.points, results.breakeven, crossing.removesuffix(" at break-even"),
                str(results.breakeven["kpi"].iloc[0]), results.parameters, words))
        return [f for f in out if f is not None]
    return charts.all_charts([r.option for r in results.runs], words)


def build(results: Results, lang: Lang) -> tuple[str, list[go.Figure]]:
    """The report's HTML text, and its figures (for PNG export)."""
    words = Words(lang)
    figs = figures(results, words)
    config = {"displaylogo": False, "responsive": True}
    chart_html = "".join(
        "<div class='chart'>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                             div_id=f"chart-{i}", config=config) + "</div>"
        for i, fig in enumerate(figs, start=1))
    heading = (title(results.runs[0].scenario, words) if results.kind == "run" else
               " / ".join(r.scenario.name for r in results.runs) if results.runs else
               str(results.manifest.get("sweep", "")))
    subtitle = ""
    if results.runs:
        horizon = results.runs[0].scenario.horizon
        subtitle = words.t("horizon", start=words.date(horizon.start),
                           end=words.date(horizon.end))
    items = "".join(f"<li><strong>{_esc(x)}</strong></li>" for x in verdict(results, words)
                    ) if results.kind == "compare" else ""
    items += "".join(f"<li>{_esc(x)}</li>" for x in findings(results, words))
    sections = [f"<section id='findings'><h2>{_esc(words.t('findings'))}</h2>"
                f"<ul class='findings'>{items}</ul>"
                f"<p class='note'>{_esc(words.t('notes_on_intervals'))}</p></section>"]
    if results.runs:
        sections.append(f"<section id='kpis'><h2>{_esc(words.t('kpis'))}</h2>"
                        f"{kpi_table(results, words)}</section>")
    sections.append(f"<section id='charts'><h2>{_esc(words.t('charts'))}</h2>{chart_html}"
                    "</section>")
    register = assumptions_table(results, words)
    if register:
        sections.append(f"<section id='assumptions'><h2>{_esc(words.t('assumptions'))}</h2>"
                        f"{register}</section>")
    sections.append(f"<section id='provenance'><h2>{_esc(words.t('provenance'))}</h2>"
                    f"{provenance(results, words)}<p class='note'>{_esc(words.t('generated'))}"
                    f" {_esc(words.date(date.today()))}</p></section>")
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(words.t('report'))} — {_esc(heading)}</title>
<style>{STYLE}</style>
<script>window.__errors = []; window.addEventListener('error', function (e) {{
window.__errors.push(String(e.message)); }});</script>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(words.t('report'))} — {_esc(heading)}</h1><p>{_esc(subtitle)}</p></header>
<main>{''.join(sections)}</main>
<div id="self-check" hidden></div>
{CHECK}
</body></html>
"""
    return page, figs


def write_report(folder: str | Path, lang: Lang = "en", png: bool = False) -> Path:
    """Write `report.<lang>.html` and `report.html` in the results folder; with `png`, each
    chart as `charts/<n>.png` too (needs kaleido and a Chromium)."""
    folder = Path(folder)
    results = load_results(folder)
    page, figs = build(results, lang)
    write_text(folder / f"report.{lang}.html", page)
    write_text(folder / "report.html", page)
    if png:
        export_png(figs, folder / "charts", lang)
    return folder / f"report.{lang}.html"


class PngUnavailable(RuntimeError):
    """PNG export needs the `png` extra (kaleido) and a Chromium."""


def export_png(figs: list[go.Figure], folder: Path, lang: Lang) -> list[Path]:
    """Each chart as a PNG, or PngUnavailable with what to install."""
    try:
        import kaleido  # noqa: F401
    except ImportError:
        raise PngUnavailable(Words(lang).t("png_missing")) from None
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    try:
        for i, fig in enumerate(figs, start=1):
            path = folder / f"{i:02d}.{lang}.png"
            fig.write_image(path, width=1100, height=int(fig.layout.height or 420), scale=1.5)
            paths.append(path)
    except Exception as exc:  # kaleido reports a missing browser in several ways
        raise PngUnavailable(f"{Words(lang).t('png_missing')} ({exc})") from None
    return paths
