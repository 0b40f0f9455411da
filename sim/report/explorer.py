"""The explorer of a sweep's report: move a value of the grid, read the figures of that point.

One range input per dimension of the grid; the verdict sentence and the key figures, each with
its 95 % interval (and its difference to the reference when the sweep has one), are those of a
point the sweep computed, carried in the page as data: no server, nothing to install, the page
opens from a USB stick. Between grid points it shows the nearest computed point and says so: it
never interpolates and never invents an interval. Every text is formatted here, in the reader's
language, so the page's script only chooses which point to show.
"""

from __future__ import annotations

import html
import itertools
import json
import math
from typing import Any

import pandas as pd

from sim.glossary import KPIS
from sim.report.findings import _parameter
from sim.report.language import Words
from sim.report.results import Results

KEY = tuple(k for k in ("right_on_time_rate", "callback_on_time_rate", "cost_per_right_answer",
                        "cost_total", "callback_hours_p90", "resolution_hours_p90",
                        "remediation_hours") if k in KPIS)
"""The key figures shown for each point (those the glossary has)."""
PROMISE = KEY[0]
MONEY = next(k for k in KEY if k.startswith("cost"))

TEXT: dict[str, tuple[str, str]] = {
    "explorer": ("Explore the swept values", "Explorer les valeurs balayées"),
    "explain": ("Move a value: the figures are those of the nearest point the sweep computed, "
                "with their 95 % intervals; nothing is computed in between.",
                "Déplacez une valeur : les chiffres sont ceux du point calculé le plus proche, "
                "avec leurs intervalles à 95 % ; rien n'est calculé entre deux points."),
    "nearest": ("No point was computed at these values: shown is the nearest computed point, {at}.",
                "Aucun point n'a été calculé à ces valeurs : voici le point calculé le plus "
                "proche, {at}."),
    "exact": ("A computed point: {at}.", "Un point calculé : {at}."),
    "point": ("At {at}: {promise} {value} [{low} ; {high}], over {n} simulations",
              "À {at} : {promise} {value} [{low} ; {high}], sur {n} simulations"),
    "money": ("{money} {value} [{low} ; {high}]", "{money} {value} [{low} ; {high}]"),
    "vs_better": ("{diff} against the reference (better: the interval [{low} ; {high}] excludes "
                  "no change)", "{diff} face à la référence (mieux : l'intervalle [{low} ; "
                  "{high}] exclut l'absence d'écart)"),
    "vs_worse": ("{diff} against the reference (worse: the interval [{low} ; {high}] excludes "
                 "no change)", "{diff} face à la référence (moins bien : l'intervalle [{low} ; "
                 "{high}] exclut l'absence d'écart)"),
    "vs_unclear": ("{diff} against the reference (not clear: the interval [{low} ; {high}] "
                   "includes no change)", "{diff} face à la référence (pas net : l'intervalle "
                   "[{low} ; {high}] inclut l'absence d'écart)"),
    "figure": ("Figure", "Indicateur"),
    "value": ("Mean [95 % interval]", "Moyenne [intervalle à 95 %]"),
    "reference": ("Difference to the reference [95 %]", "Écart à la référence [95 %]"),
}


def _t(words: Words, key: str, **values: Any) -> str:
    text = TEXT[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def _value(words: Words, kpi: str, value: float) -> str:
    return words.kpi_value(kpi, value) if not _nan(value) else "–"


def _nan(value: Any) -> bool:
    try:
        return math.isnan(float(value))
    except (TypeError, ValueError):
        return True


def _interval(words: Words, kpi: str, row: dict[Any, Any], prefix: str, signed: bool) -> dict[
        str, str]:
    def show(name: str, value: float) -> str:
        return words.signed(name, value) if signed else _value(words, name, value)

    out = {s: show(kpi, row[f"{prefix}_{s}"]) if not _nan(row[f"{prefix}_{s}"]) else "–"
           for s in ("mean", "ci_low", "ci_high")}
    if not signed and not _nan(row[f"{prefix}_ci_low"]):  # as the report shows it
        out["ci_low"] = _value(words, kpi, max(0.0, float(row[f"{prefix}_ci_low"])))
        if KPIS[kpi].unit == "share":
            out["ci_high"] = _value(words, kpi, min(1.0, float(row[f"{prefix}_ci_high"])))
    return out


def _sentence(words: Words, row: dict[Any, Any], at: str, has_reference: bool) -> str:
    """The verdict of one point: the promise and the money with their intervals, and against
    the reference whether each is better, worse or not clear (the report's rule)."""
    promise = _interval(words, PROMISE, row, PROMISE, False)
    parts = [_t(words, "point", at=at, promise=words.label(PROMISE).lower(),
                value=promise["mean"], low=promise["ci_low"], high=promise["ci_high"],
                n=int(row["n"]))]
    money = _interval(words, MONEY, row, MONEY, False)
    parts.append(_t(words, "money", money=words.label(MONEY).lower(), value=money["mean"],
                    low=money["ci_low"], high=money["ci_high"]))
    if has_reference:
        for kpi in (PROMISE, MONEY):
            diff = _interval(words, kpi, row, f"{kpi}_diff", True)
            verdict = KPIS[kpi].verdict(float(row[f"{kpi}_diff_mean"]),
                                        float(row[f"{kpi}_diff_ci_low"]),
                                        float(row[f"{kpi}_diff_ci_high"])) if not _nan(
                row[f"{kpi}_diff_ci_low"]) else ""
            key = {"better": "vs_better", "worse": "vs_worse"}.get(verdict, "vs_unclear")
            parts.append(f"{words.label(kpi)} : " if words.lang == "fr" else
                         f"{words.label(kpi)}: ")
            parts[-1] += _t(words, key, diff=diff["mean"], low=diff["ci_low"],
                            high=diff["ci_high"])
    return words.join(parts) + "."


def data(results: Results, words: Words) -> dict[str, Any]:
    """What the page's script needs: each dimension's values, and per computed point its
    values, its verdict and its key figures already written in the reader's language."""
    points = results.points
    assert points is not None
    parameters = results.parameters
    has_reference = f"{PROMISE}_diff_mean" in points.columns
    rows = []
    for row in points.to_dict("records"):
        at = ", ".join(f"{p} = {_parameter(p, row[p], words)}" for p in parameters)
        figures = []
        for kpi in KEY:
            if f"{kpi}_mean" not in row or _nan(row[f"{kpi}_mean"]):
                continue
            value = _interval(words, kpi, row, kpi, False)
            figure = {"kpi": kpi, "label": words.label(kpi),
                      "value": f"{value['mean']} [{value['ci_low']} ; {value['ci_high']}]"}
            if has_reference:
                diff = _interval(words, kpi, row, f"{kpi}_diff", True)
                figure["diff"] = f"{diff['mean']} [{diff['ci_low']} ; {diff['ci_high']}]"
            figures.append(figure)
        rows.append({"values": [float(row[p]) for p in parameters],
                     "exact": _t(words, "exact", at=at), "nearest": _t(words, "nearest", at=at),
                     "verdict": _sentence(words, row, at, has_reference), "figures": figures})
    grid = [sorted({float(v) for v in pd.to_numeric(points[p])}) for p in parameters]
    return {"parameters": parameters, "grid": grid, "points": rows,
            "reference": has_reference}


def section(results: Results, words: Words) -> str:
    """The explorer's section of a sweep's report (empty for anything else)."""
    if results.kind != "sweep" or results.points is None or results.points.empty:
        return ""
    try:
        payload = data(results, words)
    except (TypeError, ValueError):  # a grid of words (a distribution's name): nothing to slide
        return ""
    inputs = []
    for i, (name, values) in enumerate(zip(payload["parameters"], payload["grid"],
                                           strict=True)):
        low, high = values[0], values[-1]
        steps = [b - a for a, b in itertools.pairwise(values) if b > a]
        step = (min(steps) / 10) if steps else 1
        inputs.append(
            f"<label>{html.escape(name)} <input type='range' class='explore' data-dim='{i}' "
            f"min='{low:g}' max='{high:g}' step='{step:g}' value='{low:g}'> "
            f"<output data-dim='{i}'>{low:g}</output></label><br>")
    head = (f"<tr><th>{html.escape(_t(words, 'figure'))}</th>"
            f"<th>{html.escape(_t(words, 'value'))}</th>"
            + (f"<th>{html.escape(_t(words, 'reference'))}</th>" if payload["reference"]
               else "") + "</tr>")
    text = json.dumps(payload, ensure_ascii=False).replace("</", "<\\/")
    return (f"<section id='explorer'><h2>{html.escape(_t(words, 'explorer'))}</h2>"
            f"<p class='note'>{html.escape(_t(words, 'explain'))}</p>{''.join(inputs)}"
            "<p id='explorer-where'></p><p id='explorer-verdict'><strong></strong></p>"
            f"<table id='explorer-figures'><thead>{head}</thead><tbody></tbody></table>"
            f"<script type='application/json' id='explorer-data'>{text}</script>"
            f"<script>{SCRIPT}</script></section>")


SCRIPT = """
(function () {
  var data = JSON.parse(document.getElementById('explorer-data').textContent);
  var inputs = document.querySelectorAll('input.explore');
  function span(d) { var g = data.grid[d]; return (g[g.length - 1] - g[0]) || 1; }
  function cell(text) { var td = document.createElement('td'); td.textContent = text; return td; }
  function show() {
    var asked = [];
    inputs.forEach(function (el) {
      var d = Number(el.dataset.dim); asked[d] = Number(el.value);
      document.querySelector('output[data-dim="' + d + '"]').textContent = el.value;
    });
    var best = null, bestDistance = Infinity;
    data.points.forEach(function (p) {
      var distance = 0;
      p.values.forEach(function (v, d) { distance += Math.pow((v - asked[d]) / span(d), 2); });
      if (distance < bestDistance) { best = p; bestDistance = distance; }
    });
    if (!best) { return; }
    var exact = best.values.every(function (v, d) {
      return Math.abs(v - asked[d]) <= 1e-9 * Math.max(1, Math.abs(v)); });
    var where = document.getElementById('explorer-where');
    where.textContent = exact ? best.exact : best.nearest;
    where.setAttribute('data-exact', String(exact));
    document.querySelector('#explorer-verdict strong').textContent = best.verdict;
    var body = document.querySelector('#explorer-figures tbody');
    body.textContent = '';
    best.figures.forEach(function (f) {
      var tr = document.createElement('tr');
      tr.setAttribute('data-kpi', f.kpi);
      tr.appendChild(cell(f.label)); tr.appendChild(cell(f.value));
      if (data.reference) { tr.appendChild(cell(f.diff)); }
      body.appendChild(tr);
    });
  }
  inputs.forEach(function (el) { el.addEventListener('input', show); });
  show();
})();
"""
