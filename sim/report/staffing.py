"""The staffing page: the requirement by interval against the rota, in French or English.

It reads what `helpline staff --by-interval` and `helpline roster` left in a folder
(`requirements.csv`, `staffing.json`, and when a rota was designed `coverage.csv`,
`rota_intervals.csv`, `rota_targets.csv`, `rota.json`) and shows, for each weekday, the
advisors required interval by interval (Erlang A and simulation) against the advisors the rota
puts on shift; the intervals the rota leaves uncovered; and the targets met interval by
interval when the rota is simulated. The page shell (style, self-check, embedded plotly) is the
evidence pack's.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs
from plotly.subplots import make_subplots

from sim import folders
from sim.outputs import write_text
from sim.report.charts import PALETTE
from sim.report.language import Lang, Words
from sim.report.page import CHECK, STYLE
from sim.report.results import NotAResult
from sim.report.tables import esc as _esc

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Staffing by interval", "Effectifs par créneau"),
    "meaning": (
        "Advisors needed on the lines in each {step}-minute interval to meet the targets, "
        "before shrinkage (absences). Paid advisors = advisors on the lines / (1 − {shrink}).",
        "Conseillers nécessaires en ligne dans chaque créneau de {step} minutes pour tenir les "
        "objectifs, avant absentéisme. Conseillers rémunérés = conseillers en ligne / "
        "(1 − {shrink})."),
    "hours": (
        "Erlang A: {erlang} advisor-hours a week on the lines ({rounded} if each interval is "
        "rounded up before adding up), {paid} paid.",
        "Erlang A : {erlang} heures-conseiller par semaine en ligne ({rounded} si chaque "
        "créneau est arrondi avant de les additionner), {paid} rémunérées."),
    "hours_sim": (
        "Simulation (callbacks, retries, backlogs and closing-time overtime included): "
        "{sim} advisor-hours a week on the lines, {paid} paid.",
        "Simulation (rappels, nouvelles tentatives, stocks et dépassements à la fermeture "
        "compris) : {sim} heures-conseiller par semaine en ligne, {paid} rémunérées."),
    "differ_more": (
        "The simulation asks for more advisors than Erlang A in {n} of {total} intervals: "
        "members who call again, callbacks and research take advisors off the lines, which a "
        "steady queue per interval does not see.",
        "La simulation demande plus de conseillers qu'Erlang A dans {n} créneaux sur {total} : "
        "les adhérents qui rappellent, les rappels et les recherches occupent des conseillers, "
        "ce qu'une file stable par créneau ne voit pas."),
    "differ_less": (
        "It asks for fewer in {n} intervals: deferrable work waits for quieter times.",
        "Elle en demande moins dans {n} créneaux : le travail différable attend les heures "
        "creuses."),
    "rota": (
        "Rota: {headcount} advisors, {hours} paid hours a week; integer program {status} in "
        "{seconds} s (time limit {limit} s).",
        "Planning : {headcount} conseillers, {hours} heures rémunérées par semaine ; programme "
        "en nombres entiers : {status} en {seconds} s (limite {limit} s)."),
    "status_optimal": ("optimal", "optimal"),
    "status_time limit reached": ("stopped at the time limit", "arrêté à la limite de temps"),
    "uncovered_none": ("The rota covers every interval.",
                       "Le planning couvre tous les créneaux."),
    "uncovered": ("Intervals the rota leaves short", "Créneaux que le planning laisse à découvert"),
    "met_all": ("Simulated with its absences and meetings, the rota meets the targets in every "
                "interval.",
                "Simulé avec ses absences et ses réunions, le planning tient les objectifs dans "
                "tous les créneaux."),
    "met_some": ("Simulated with its absences and meetings, the rota meets the targets with "
                 "confidence in {met} of {total} intervals; it falls short in:",
                 "Simulé avec ses absences et ses réunions, le planning tient les objectifs avec "
                 "confiance dans {met} créneaux sur {total} ; il est en deçà dans :"),
    "chart_requirement": ("Advisors by interval, {day}", "Conseillers par créneau, {day}"),
    "erlang_fraction": ("Erlang A (fraction, on the lines)", "Erlang A (fraction, en ligne)"),
    "erlang": ("Erlang A (on the lines)", "Erlang A (en ligne)"),
    "simulated": ("Simulation (on the lines)", "Simulation (en ligne)"),
    "paid": ("Required on shift (paid)", "Nécessaires au planning (rémunérés)"),
    "scheduled": ("On shift in the rota", "Au planning"),
    "advisors": ("Advisors", "Conseillers"),
    "time": ("Time of day", "Heure"),
    "chart_met": ("Share of simulations meeting every target, by interval",
                  "Part des simulations tenant tous les objectifs, par créneau"),
    "weekday": ("Day", "Jour"),
    "interval": ("Interval", "Créneau"),
    "required": ("Required", "Nécessaires"),
    "short_by": ("Short by", "Manquants"),
    "overall": ("Targets over the whole period", "Objectifs sur toute la période"),
    "kpi": ("Indicator", "Indicateur"),
    "target": ("Target", "Objectif"),
    "mean": ("Mean (95 % range)", "Moyenne (plage à 95 %)"),
    "verdict": ("Met with confidence", "Tenu avec confiance"),
    "yes": ("yes", "oui"),
    "no": ("no", "non"),
    "findings": ("What the figures say", "Ce que disent les chiffres"),
    "charts": ("Charts", "Graphiques"),
    "provenance": ("Provenance", "Provenance"),
    "generated": ("Generated on", "Produit le"),
    "seed": ("seed", "graine"),
    "replications": ("replications", "réplications"),
}

_DAY_INDEX = {d: i for i, d in enumerate(("mon", "tue", "wed", "thu", "fri", "sat", "sun"))}


def _t(words: Words, key: str, **values: Any) -> str:
    text = TEXT[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def _day(words: Words, code: str) -> str:
    """A weekday's name in the reader's language (Monday, lundi)."""
    return words.date(date(2024, 1, 1 + _DAY_INDEX[code])).split(" ")[0]


def load(folder: Path) -> dict[str, Any]:
    """The staffing tables of a folder (checked against its manifest), or NotAResult."""
    if not (folder / "requirements.csv").exists() or not (folder / "staffing.json").exists():
        raise NotAResult(f"{folder}: no requirements.csv and staffing.json (run `helpline "
                         "staff --by-interval` first)")
    damaged = folders.problems(folder)
    if damaged:
        raise NotAResult("; ".join(damaged))
    got: dict[str, Any] = {
        "info": json.loads((folder / "staffing.json").read_text(encoding="utf-8")),
        "requirements": pd.read_csv(folder / "requirements.csv", dtype={"start": str}),
    }
    for name in ("coverage", "rota_intervals", "rota_targets"):
        path = folder / f"{name}.csv"
        got[name] = pd.read_csv(path, dtype={"start": str}) if path.exists() else None
    path = folder / "rota.json"
    got["rota"] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    return got


def requirement_chart(data: dict[str, Any], words: Words) -> go.Figure:
    """One panel per weekday: the requirement curves and the rota's coverage."""
    table = data["requirements"]
    days = list(dict.fromkeys(table["weekday"]))
    fig = make_subplots(rows=len(days), cols=1, shared_xaxes=True,
                        subplot_titles=[_day(words, d) for d in days], vertical_spacing=0.04)
    coverage = data["coverage"]
    series = [("advisors_erlang_fractional", "erlang_fraction", "lines", 0),
              ("advisors_erlang", "erlang", "hv", 0),
              ("advisors_simulated", "simulated", "hv", 1),
              ("fte_paid", "paid", "hv", 2)]
    for row, day in enumerate(days, start=1):
        part = table[table["weekday"] == day]
        for column, key, shape, colour in series:
            if column not in part or part[column].isna().all():
                continue
            dash = "dot" if column == "advisors_erlang_fractional" else None
            fig.add_trace(go.Scatter(
                x=part["start"], y=part[column], name=_t(words, key), legendgroup=key,
                showlegend=row == 1, line={"shape": "linear" if shape == "lines" else "hv",
                                           "color": PALETTE[colour], "dash": dash}),
                row=row, col=1)
        if coverage is not None:
            cov = coverage[coverage["weekday"] == day]
            fig.add_trace(go.Bar(x=cov["start"], y=cov["scheduled"], name=_t(words, "scheduled"),
                                 legendgroup="scheduled", showlegend=row == 1,
                                 marker={"color": "rgba(108,117,125,0.35)"}), row=row, col=1)
    fig.update_layout(title=_t(words, "chart_requirement", day="").rstrip(", "),
                      separators=words.separators(), template="plotly_white",
                      height=230 * len(days) + 120, legend={"orientation": "h", "y": -0.05},
                      margin={"l": 60, "r": 20, "t": 80, "b": 50}, barmode="overlay")
    fig.update_yaxes(title_text=_t(words, "advisors"), rangemode="tozero")
    return fig


def met_chart(data: dict[str, Any], words: Words) -> go.Figure | None:
    """Weekday by interval: the share of simulations meeting every interval target."""
    source = data["rota_intervals"] if data["rota_intervals"] is not None else data["requirements"]
    if "met_share" not in source or source["met_share"].isna().all():
        return None
    days = list(dict.fromkeys(source["weekday"]))
    pivot = source.pivot_table(index="weekday", columns="start", values="met_share",
                               sort=False).reindex(days)
    fig = go.Figure(go.Heatmap(z=pivot.to_numpy(), x=list(pivot.columns),
                               y=[_day(words, d) for d in days], zmin=0, zmax=1,
                               colorscale="RdYlGn", colorbar={"tickformat": ".0%"}))
    fig.update_layout(title=_t(words, "chart_met"), separators=words.separators(),
                      template="plotly_white", height=120 + 40 * len(days),
                      margin={"l": 90, "r": 20, "t": 60, "b": 50})
    return fig


def _findings(data: dict[str, Any], words: Words) -> list[str]:
    info, table = data["info"], data["requirements"]
    hours = info["weekly_hours"]
    out = [_t(words, "meaning", step=info["interval_min"],
              shrink=words.percent(info["shrinkage"], 0)),
           _t(words, "hours", erlang=words.number(hours["erlang_on_lines_hours"], 1),
              rounded=words.number(hours["erlang_rounded_hours"], 1),
              paid=words.number(hours["erlang_paid_hours"], 1))]
    if "simulated_on_lines_hours" in hours:
        out.append(_t(words, "hours_sim", sim=words.number(hours["simulated_on_lines_hours"], 1),
                      paid=words.number(hours["simulated_paid_hours"], 1)))
        diff = table["advisors_simulated"] - table["advisors_erlang"]
        if (diff > 0).any():
            out.append(_t(words, "differ_more", n=int((diff > 0).sum()), total=len(table)))
        if (diff < 0).any():
            out.append(_t(words, "differ_less", n=int((diff < 0).sum())))
    rota = data["rota"]
    if rota is not None:
        status = TEXT.get(f"status_{rota['status']}", (rota["status"], rota["status"]))
        out.append(_t(words, "rota", headcount=rota["headcount"],
                      hours=words.number(rota["paid_hours_per_week"], 1),
                      status=status[0 if words.lang == "en" else 1],
                      seconds=words.number(rota["solve_seconds"], 2),
                      limit=words.number(rota["time_limit_s"], 0)))
    return out


def _target(words: Words, kpi: str, text: str) -> str:
    """`>=0.8` as the reader writes it: `≥ 80 %` (French) or `≥ 80%`."""
    op, value = text[:2], float(text[2:])
    return f"{'≥' if op == '>=' else '≤'} {words.kpi_value(kpi, value)}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{_esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _sections(data: dict[str, Any], words: Words) -> list[str]:
    out = []
    coverage = data["coverage"]
    if coverage is not None:
        short = coverage[coverage["uncovered"] > 0]
        if len(short):
            rows = [[_day(words, r.weekday), f"{r.start}–{r.end}",
                     words.number(r.required, 1), str(r.scheduled), str(r.uncovered)]
                    for r in short.itertuples(index=False)]
            out.append(f"<section id='uncovered'><h2>{_esc(_t(words, 'uncovered'))}</h2>"
                       + _table([_t(words, k) for k in ("weekday", "interval", "required",
                                                         "scheduled", "short_by")], rows)
                       + "</section>")
        else:
            out.append(f"<section id='uncovered'><p>{_esc(_t(words, 'uncovered_none'))}</p>"
                       "</section>")
    intervals = data["rota_intervals"]
    if intervals is not None:
        met = intervals["met"].astype(bool)
        if met.all():
            text = f"<p>{_esc(_t(words, 'met_all'))}</p>"
        else:
            kpis = list(data["info"]["targets"])
            rows = [[_day(words, r["weekday"]), f"{r['start']}–{r['end']}",
                     *[words.kpi_value(k, r[f"{k}_simulated"]) for k in kpis]]
                    for r in intervals[~met].to_dict("records")]
            header = [_t(words, "weekday"), _t(words, "interval"),
                      *[f"{words.label(k)} ({_target(words, k, data['info']['targets'][k])})"
                        for k in kpis]]
            text = (f"<p>{_esc(_t(words, 'met_some', met=int(met.sum()), total=len(met)))}</p>"
                    + _table(header, rows))
        overall = data["rota_targets"]
        rows = [[words.label(r.kpi), _target(words, r.kpi, r.target),
                 f"{words.kpi_value(r.kpi, r.mean)} "
                 f"({words.kpi_value(r.kpi, r.ci_low)} – {words.kpi_value(r.kpi, r.ci_high)})",
                 _t(words, "yes" if r.met else "no")]
                for r in overall.itertuples(index=False)] if overall is not None else []
        out.append(f"<section id='targets'><h2>{_esc(_t(words, 'overall'))}</h2>{text}"
                   + _table([_t(words, k) for k in ("kpi", "target", "mean", "verdict")], rows)
                   + "</section>")
    return out


def build(data: dict[str, Any], lang: Lang) -> str:
    """The staffing page's HTML."""
    words = Words(lang)
    info = data["info"]
    figs = [f for f in (requirement_chart(data, words), met_chart(data, words)) if f is not None]
    config = {"displaylogo": False, "responsive": True}
    charts_html = "".join(
        "<div class='chart'>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                             div_id=f"chart-{i}", config=config) + "</div>"
        for i, fig in enumerate(figs, start=1))
    heading = info.get("title_fr") if lang == "fr" and info.get("title_fr") else info["title"]
    items = "".join(f"<li>{_esc(x)}</li>" for x in _findings(data, words))
    sections = [f"<section id='findings'><h2>{_esc(_t(words, 'findings'))}</h2>"
                f"<ul class='findings'>{items}</ul></section>", *_sections(data, words),
                f"<section id='charts'><h2>{_esc(_t(words, 'charts'))}</h2>{charts_html}"
                "</section>",
                f"<section id='provenance'><h2>{_esc(_t(words, 'provenance'))}</h2><p>"
                f"{_esc(info['scenario'])} · {_esc(_t(words, 'seed'))} {info['seed']} · "
                f"{info['replications']} {_esc(_t(words, 'replications'))} · "
                f"{_esc(info.get('code_version', ''))}</p><p class='note'>"
                f"{_esc(_t(words, 'generated'))} {_esc(words.date(date.today()))}</p></section>"]
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(_t(words, 'title'))} — {_esc(heading)}</title>
<style>{STYLE}</style>
<script>window.__errors = []; window.addEventListener('error', function (e) {{
window.__errors.push(String(e.message)); }});</script>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(_t(words, 'title'))} — {_esc(heading)}</h1></header>
<main>{''.join(sections)}</main>
<div id="self-check" hidden></div>
{CHECK}
</body></html>
"""


def write_staffing_report(folder: str | Path, lang: Lang = "en") -> Path:
    """Write `staffing.<lang>.html` in the folder."""
    folder = Path(folder)
    page = build(load(folder), lang)
    path = folder / f"staffing.{lang}.html"
    write_text(path, page)
    folders.add(folder, [path.name])  # the page is a file of the folder like the tables
    return path
