"""The evidence pack: one self-contained HTML file, in French or English, from a results folder.

It reads the tables a run, a comparison or a sweep wrote (never the model) and puts, in this
order: the summary, at most six sentences (`sim.report.verdict`); the findings option by option
(`sim.report.findings`); what each option is; the key figures with their intervals, paired
differences and targets; what differs between the options; the charts that say something; the
sources cited and the assumptions register; the glossary of the indicators; and the provenance
needed to reproduce every figure (`sim.report.tables`). plotly.js is embedded
once, so the file opens offline on any laptop. A small script records JavaScript errors,
rendered charts, tables or cells wider than their room and the tallest row of the key figures
in `#self-check`, which the browser tests read. A print stylesheet lays it out on A4.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from sim import folders
from sim.outputs import write_text
from sim.report import charts, equal_service, explorer, sensitivity
from sim.report.findings import findings
from sim.report.language import Lang, Words
from sim.report.results import NotAResult, Results, load_results
from sim.report.tables import (
    assumptions_table,
    differs_table,
    esc,
    glossary_table,
    kpi_table,
    options_list,
    provenance,
    sources_list,
)
from sim.report.verdict import short_title, summary, title

__all__ = ["NotAResult", "PngUnavailable", "build", "load_results", "write_report"]


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
ol.summary li{margin:.5em 0;font-size:1.08em}
ul.findings li{margin:.45em 0}
ul.options p{margin:.2em 0 .8em}
h3{color:#1f5f8b;font-size:1.05em}
.note{color:#555;font-size:.92em}
.wide{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92em}
th,td{border-bottom:1px solid #e3e6ea;padding:5px 7px;vertical-align:top;text-align:left;
overflow-wrap:anywhere}
th{background:#eef2f6}
table.kpis{table-layout:fixed} table.kpis th.label{width:22%}
table.kpis th:not(.label){width:var(--col)}
td.num{text-align:right} td.num small{display:block;line-height:1.25;font-size:.8em}
td.num .v{font-weight:600;display:block}
td.better{background:#e3f4e8;color:#1e6b3a} td.worse{background:#fbe3e1;color:#9b2c22}
.ok{color:#1e6b3a} .warn{color:#9a6a00} .bad{color:#9b2c22;font-weight:bold}
tr.fact td:nth-child(3){color:#1e6b3a;font-weight:bold}
tr.assumption td:nth-child(3){color:#9a6a00}
.chart{margin:10px 0 24px}
code{font-size:.9em}
@media print{
@page{size:A4;margin:14mm 12mm}
body{background:#fff;font-size:10pt}
main{max-width:none;padding:0}
header{background:none;color:#000;padding:0 0 8px;border-bottom:2px solid #1f5f8b}
section{box-shadow:none;border-radius:0;padding:0;margin:0 0 14px}
.wide{overflow:visible}
table{font-size:8.5pt} tr,td,th{break-inside:avoid}
.chart{break-inside:avoid} .modebar{display:none!important}
td.better,td.worse{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
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
    var overflow = 0;
    if (document.documentElement.scrollWidth > window.innerWidth + 1) { overflow += 1; }
    document.querySelectorAll('table').forEach(function (t) {
      if (t.scrollWidth > t.parentElement.clientWidth + 1) { overflow += 1; }
      t.querySelectorAll('td, th').forEach(function (cell) {
        if (cell.scrollWidth > cell.clientWidth + 1) { overflow += 1; }
      });
    });
    var tallest = 0, which = '';
    document.querySelectorAll('table.kpis tbody tr').forEach(function (row) {
      var height = row.getBoundingClientRect().height;
      if (height > tallest) { tallest = height; which = row.cells[0].textContent; }
    });
    check.setAttribute('data-tallest-row', which);
    check.setAttribute('data-overflow', String(overflow));
    check.setAttribute('data-tallest', String(Math.round(tallest)));
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
        return [f for f in out if f is not None and says_something(f)]
    scenarios = [r.scenario for r in results.runs]
    options = [replace(r.option, name=short_title(r.scenario, words, scenarios))
               for r in results.runs]  # options named by their titles, as in the text
    return [f for f in charts.all_charts(options, words) if says_something(f)]


CONFIG = {"displaylogo": False, "responsive": True, "showSendToCloud": False,
          "modeBarButtonsToRemove": ["sendDataToCloud", "editInChartStudio", "lasso2d",
                                     "select2d"]}
"""Chart toolbars: nothing that uploads or links to plotly's cloud (a confidential document)."""


def says_something(fig: go.Figure, flat: float = 0.01) -> bool:
    """Whether a chart shows more than flat lines or a single value: its values spread over
    more than `flat` of their largest size (a line at 96 % give or take half a point says
    nothing the key figures do not)."""
    values = [float(v) for trace in fig.data if getattr(trace, "y", None) is not None
              for v in trace.y if v is not None and v == v]
    if len(values) < 2:
        return False
    size = max(abs(v) for v in values)
    return size > 0 and max(values) - min(values) > flat * size


def _section(key: str, words: Words, body: str, note: str = "") -> str:
    extra = f"<p class='note'>{esc(words.t(note))}</p>" if note else ""
    return f"<section id='{key}'><h2>{esc(words.t(key))}</h2>{body}{extra}</section>"


def _heading(results: Results, words: Words) -> tuple[str, str]:
    if results.kind == "run":
        heading = title(results.runs[0].scenario, words)
    elif results.runs:
        scenarios = [r.scenario for r in results.runs]
        heading = " / ".join(short_title(r.scenario, words, scenarios) for r in results.runs)
    else:
        heading = str(results.manifest.get("sweep", ""))
    subtitle = ""
    if results.runs:
        horizon = results.runs[0].scenario.horizon
        subtitle = words.t("horizon", start=words.date(horizon.start),
                           end=words.date(horizon.end))
    return heading, subtitle


def sections(results: Results, words: Words, chart_html: str) -> list[str]:
    """The report's sections, in reading order."""
    out = []
    if results.runs:
        short = "".join(f"<li>{esc(x)}</li>" for x in summary(results, words))
        short += equal_service.summary_items(results, words) + sensitivity.summary_items(
            results, words)
        out.append(_section("summary", words, f"<ol class='summary'>{short}</ol>",
                            "notes_on_intervals"))
    items = "".join(f"<li>{esc(x)}</li>" for x in findings(results, words))
    out.append(_section("findings", words, f"<ul class='findings'>{items}</ul>"))
    out.append(explorer.section(results, words))  # a sweep's points, explored offline
    if results.runs:
        out.append(_section("options", words, options_list(results, words)))
        out.append(_section("kpis", words, kpi_table(results, words)))
        out += [extra.section(results, words)[0] for extra in (equal_service, sensitivity)]
    differs = differs_table(results, words)
    if differs:
        out.append(_section("differs", words, differs))
    if chart_html:
        out.append(_section("charts", words, chart_html))
    register = assumptions_table(results, words)
    if register:
        out.append(_section("assumptions", words, sources_list(results, words) + register))
    if results.runs:
        out.append(_section("glossary", words, glossary_table(results, words)))
    out.append(_section("provenance", words, provenance(results, words)
                        + f"<p class='note'>{esc(words.t('generated'))} "
                          f"{esc(words.date(date.today()))}</p>"))
    return out


def build(results: Results, lang: Lang) -> tuple[str, list[go.Figure]]:
    """The report's HTML text, and its figures (for PNG export)."""
    words = Words(lang)
    figs = figures(results, words)
    chart_html = "".join(
        "<div class='chart'>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                             div_id=f"chart-{i}", config=CONFIG) + "</div>"
        for i, fig in enumerate(figs, start=1))
    heading, subtitle = _heading(results, words)
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(words.t('report'))} — {esc(heading)}</title>
<style>{STYLE}</style>
<script>window.__errors = []; window.addEventListener('error', function (e) {{
window.__errors.push(String(e.message)); }});</script>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{esc(words.t('report'))} — {esc(heading)}</h1><p>{esc(subtitle)}</p></header>
<main>{''.join(sections(results, words, chart_html))}</main>
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
