"""The evidence pack: one self-contained HTML file, in French or English, from a results folder.

It reads the tables a run, a comparison or a sweep wrote (never the model) and puts, in this
order: the findings in plain words (`sim.report.findings`); what each option is; the key figures
with their intervals, paired differences and targets; the charts; the sources cited and the
assumptions register (what each number rests on); and the provenance needed to reproduce every
figure. The tables are read back by `sim.report.results`. plotly.js is embedded
once, so the file opens offline on any laptop. A small script records JavaScript errors and
rendered charts in `#self-check`, which the browser test reads.
"""

from __future__ import annotations

import html
import math
from datetime import date
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim import folders
from sim.glossary import KPIS
from sim.outputs import write_text
from sim.report import charts
from sim.report.findings import (
    comparison_row,
    findings,
    goal_text,
    mean,
    met_share,
    register_of,
    title,
    translate_note,
    verdict,
)
from sim.report.language import Lang, Words
from sim.report.results import NotAResult, Results, RunData, load_results

__all__ = ["NotAResult", "PngUnavailable", "build", "load_results", "write_report"]


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
        means = [mean(run, kpi) for run in runs]
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
            low, high = _clip(kpi, low, high)
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


def _clip(kpi: str, low: float, high: float) -> tuple[float, float]:
    """An interval shown within what the KPI can be: never below 0, a share never above 1."""
    if math.isnan(low):
        return low, high
    low = max(low, 0.0)
    if KPIS[kpi].unit == "share":
        high = min(high, 1.0)
    return low, high


def _diff_cell(results: Results, run: RunData, kpi: str, words: Words) -> str:
    row = comparison_row(results, run, kpi)
    diff, low, high = (float(row.get(k, math.nan)) for k in ("diff_mean", "diff_ci_low",
                                                             "diff_ci_high"))
    if math.isnan(diff):
        return "<td class='num'>–</td>"
    verdict = KPIS[kpi].verdict(diff, low, high)
    shown = any(ch in "123456789" for ch in words.signed(kpi, diff))  # not a rounded zero
    css = f" {verdict}" if verdict and shown else ""
    return (f"<td class='num diff{css}'>{_esc(words.signed(kpi, diff))}<br><small>"
            f"{_esc(words.signed(kpi, low))} … {_esc(words.signed(kpi, high))}</small></td>")


def _target_cell(runs: list[RunData], kpi: str, words: Words) -> str:
    parts = []
    for run in runs:
        target = run.scenario.targets.get(kpi)
        if target is None:
            continue
        share = met_share(run, kpi, target)
        css = "ok" if share >= 0.8 else "warn" if share >= 0.5 else "bad"
        goal = goal_text(words, kpi, target)
        colon = " :" if words.lang == "fr" else ":"
        met = words.t("met_in", share=words.percent(share, 0))
        parts.append(f"<span class='{css}'>{_esc(run.scenario.name)}{colon} {_esc(goal)} — "
                     f"{_esc(met)}</span>")
    if not parts:
        return "<td></td>"
    return (f"<td title='{_esc(words.t('met_share'))}'>" + "<br>".join(parts) + "</td>")


def options_list(results: Results, words: Words) -> str:
    """What each option is, in the reader's language where the scenario says it."""
    items = []
    for run in results.runs:
        scenario = run.scenario
        text = (scenario.description_fr if words.lang == "fr" and scenario.description_fr
                else scenario.description)
        paragraph = f"<p>{_esc(' '.join(text.split()))}</p>" if text.strip() else ""
        items.append(f"<li><strong>{_esc(title(scenario, words))}</strong> "
                     f"<small>({_esc(words.t('option_file'))} <code>{_esc(scenario.name)}</code>)"
                     f"</small>{paragraph}</li>")
    return f"<ul class='options'>{''.join(items)}</ul>"


def sources_list(results: Results, words: Words) -> str:
    """The documents the scenarios' facts cite, each once."""
    cited: dict[str, str] = {}
    for run in results.runs:
        cited.update(run.scenario.references)
    if not cited:
        return ""
    items = "".join(f"<li><strong>{_esc(tag)}</strong> — {_esc(document)}</li>"
                    for tag, document in sorted(cited.items()))
    return (f"<h3>{_esc(words.t('sources'))}</h3><ul class='sources'>{items}</ul>"
            f"<p class='note'>{_esc(words.t('sources_note'))}</p>")


def assumptions_table(results: Results, words: Words) -> str:
    """The register of every option, each value once, with what it rests on."""
    register = register_of(results)
    if register.empty:
        return ""
    register["option"] = register["option"].map(", ".join)
    everyone = ", ".join(r.scenario.name for r in results.runs)
    register["option"] = register["option"].replace(everyone, words.t("all_options"))
    register["note"] = register["note"].map(lambda note: translate_note(note, words))
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


def provenance(results: Results, words: Words) -> str:
    """Code version, seeds, replications, scenario fingerprints and the command."""
    items = []
    manifests = [r.manifest for r in results.runs] or [results.manifest]
    for manifest in manifests:
        items.append(
            f"<li><strong>{_esc(manifest.get('scenario', manifest.get('sweep', '')))}</strong>"
            " — " + words.join([
                f"{_esc(words.t('seed'))} {_esc(manifest.get('seed'))}, "
                f"{_esc(manifest.get('replications'))} {_esc(words.t('replications'))}",
                f"{_esc(words.t('code_version'))} "
                f"<code>{_esc(manifest.get('code_version'))}</code>",
                f"{_esc(words.t('scenario_hash'))} <code>"
                f"{_esc(manifest.get('scenario_sha256', manifest.get('base_sha256', '')))}"
                "</code>"]) + "</li>")
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
ul.options p{margin:.2em 0 .8em}
h3{color:#1f5f8b;font-size:1.05em}
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
            out.append(charts.breakeven_curve(
                results.points, results.breakeven, results.breakeven_parameter,
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
        sections.append(f"<section id='options'><h2>{_esc(words.t('options'))}</h2>"
                        f"{options_list(results, words)}</section>")
        sections.append(f"<section id='kpis'><h2>{_esc(words.t('kpis'))}</h2>"
                        f"{kpi_table(results, words)}</section>")
    sections.append(f"<section id='charts'><h2>{_esc(words.t('charts'))}</h2>{chart_html}"
                    "</section>")
    register = assumptions_table(results, words)
    if register:
        sections.append(f"<section id='assumptions'><h2>{_esc(words.t('assumptions'))}</h2>"
                        f"{sources_list(results, words)}{register}</section>")
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
    try:
        page, figs = build(results, lang)
    except (KeyError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise NotAResult(f"{folder} cannot be read as a helpline-sim result: its tables are "
                         f"not the ones it writes ({type(exc).__name__}: {exc})") from None
    write_text(folder / f"report.{lang}.html", page)
    write_text(folder / "report.html", page)
    written = [f"report.{lang}.html", "report.html"]
    try:
        if png:
            written += [p.relative_to(folder).as_posix()
                        for p in export_png(figs, folder / "charts", lang)]
    finally:
        folders.add(folder, written)  # the report is a file of the folder like the tables
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
