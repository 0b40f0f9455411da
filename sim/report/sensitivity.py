"""What would change the verdict: the sensitivity analysis of a comparison, in the report.

`helpline sensitivity` writes, beside the comparison it extends, `sensitivity.csv` (the paired
difference of each KPI at the low and high end of each contested value), `switching.csv` (the
value at which a verdict changes sign, with its interval) and `sensitivity.json`. When they were
computed on the same scenarios as the comparison in the folder, the report gets a section
"What would change the verdict" / « Ce qui ferait changer le verdict »: a tornado chart per KPI
(the widest swing on top) and the switching values in words, each with no more digits than its
interval supports. A value's name is said in words where the report knows it.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from sim.glossary import KPIS
from sim.outputs import file_digest
from sim.report.language import Words
from sim.report.precision import decimals, value_text
from sim.report.results import Results
from sim.report.verdict import quoted_title

ANCHOR = "sensitivity"
WITHIN_CHANCE = "the sign changes only within chance"
"""The note `switching.csv` gives a sign change the intervals cannot place."""

TEXT: dict[str, tuple[str, str]] = {
    "title": ("What would change the verdict", "Ce qui ferait changer le verdict"),
    "link": ("What would change the verdict: the contested values and where the verdict "
             "switches.",
             "Ce qui ferait changer le verdict : les valeurs contestées et où le verdict "
             "bascule."),
    "intro": ("Each contested value of the scenarios (an assumption, not a fact from the "
              "sources) was moved from the low to the high end of its range, the other values "
              "staying as in the files, and {option} compared with {base} on the same members "
              "({replications} simulations at each value). The bars show the difference of the "
              "option ({option}) to the reference ({base}) at each end; the thin lines, its "
              "95 % interval; the dotted line, the difference with the files' values.",
              "Chaque valeur contestée des scénarios (une hypothèse, non un fait tiré des "
              "sources) a été déplacée du bas au haut de sa plage, les autres valeurs restant "
              "celles des fichiers, et {option} comparée à {base} sur les mêmes adhérents "
              "({replications} simulations pour chaque valeur). Les barres montrent l'écart de "
              "l'option ({option}) à la référence ({base}) à chaque bout ; les traits fins, "
              "son intervalle à 95 % ; le pointillé, l'écart avec les valeurs des fichiers."),
    "tornado": ("{kpi}: the option's difference to the reference over each value's range",
                "{kpi} : écart de l'option à la référence sur la plage de chaque valeur"),
    "axis": ("{kpi}, option minus reference", "{kpi}, option moins référence"),
    "verdict_at": ("With the files' values, on {kpi}, {option} is {verdict} than {base}: "
                   "{diff} (95 % interval {low} to {high}).",
                   "Avec les valeurs des fichiers, sur « {kpi} », {option} est {verdict} que "
                   "{base} : {diff} (intervalle à 95 % : {low} à {high})."),
    "low": ("at the low end", "au bas de la plage"),
    "high": ("at the high end", "au haut de la plage"),
    "as_filed": ("with the files' values", "avec les valeurs des fichiers"),
    "better": ("better", "meilleure"),
    "worse": ("worse", "moins bonne"),
    "better_money": ("cheaper", "moins chère"),
    "worse_money": ("dearer", "plus chère"),
    "switch": ("On {kpi}, {option} becomes {verdict} than {base} when {value_name} goes "
               "{side} {value} (95 % interval {low} to {high}{edge}).",
               "Sur « {kpi} », {option} devient {verdict} que {base} quand {value_name} passe "
               "{side} {value} (intervalle à 95 % : {low} à {high}{edge})."),
    "above": ("above", "au-dessus de"),
    "below": ("below", "au-dessous de"),
    "edge": ("; the interval reaches the end of the range explored",
             " ; l'intervalle atteint le bout de la plage explorée"),
    "no_switch": ("Over their ranges, none of these values changes the verdict on {kpi}: "
                  "{names}.",
                  "Sur leurs plages, aucune de ces valeurs ne fait changer le verdict sur "
                  "« {kpi} » : {names}."),
    "chance": ("On {kpi}, the difference changes sign only within chance over the range of: "
               "{names}; the simulations cannot say where.",
               "Sur « {kpi} », l'écart ne change de signe que dans la marge du hasard sur la "
               "plage de : {names} ; les simulations ne disent pas où."),
    "holds": ("Drawing every contested value at once, uniformly in its range ({draws} draws), "
              "the verdict on {kpi} holds in {share} of draws (95 % interval {low} to {high}).",
              "En tirant toutes les valeurs contestées à la fois, uniformément dans leur plage "
              "({draws} tirages), le verdict sur « {kpi} » tient dans {share} des tirages "
              "(intervalle à 95 % : {low} à {high})."),
    "range": ("{low} to {high}", "{low} à {high}"),
    "no_verdict": ("On {kpi}, the options cannot be told apart with the files' values.",
                   "Sur « {kpi} », les options ne se distinguent pas avec les valeurs des "
                   "fichiers."),
}

NAMES: dict[str, tuple[str, str]] = {
    "callbacks.reach_probability": ("the chance of reaching a member per attempt",
                                    "la chance de joindre un adhérent à chaque tentative"),
    "callbacks.max_attempts": ("the callback attempts per member",
                               "le nombre de tentatives de rappel par adhérent"),
    "staff.cost_per_hour": ("the loaded hourly cost of an advisor",
                            "le coût horaire chargé d'un conseiller"),
    "staff.shrinkage": ("the advisors' absence share", "la part d'absence des conseillers"),
    "outsourcing.advisors": ("the provider's advisors", "les conseillers du prestataire"),
    "outsourcing.talk_factor": ("the provider's call length (factor)",
                                "la durée des appels du prestataire (facteur)"),
    "outsourcing.first_contact_resolution": ("the provider's first-contact resolution",
                                             "la résolution au premier contact du prestataire"),
    "outsourcing.defect_rate": ("the provider's defect rate",
                                "le taux d'erreur du prestataire"),
    "outsourcing.initial_talk_factor": ("the provider's call length while learning",
                                        "la durée des appels du prestataire au démarrage"),
    "outsourcing.initial_defect_rate": ("the provider's defect rate while learning",
                                        "le taux d'erreur du prestataire au démarrage"),
    "outsourcing.oversight_hours_per_month": ("the in-house hours overseeing the provider",
                                              "les heures internes de suivi du prestataire"),
    "outsourcing.price.per_contact": ("the provider's price per contact",
                                      "le prix du prestataire par contact"),
    "outsourcing.price.per_hour": ("the provider's price per hour",
                                   "le prix horaire du prestataire"),
    "outsourcing.price.minimum_monthly": ("the provider's monthly minimum",
                                          "le minimum mensuel du prestataire"),
    "outsourcing.price.penalty_per_late_callback": ("the penalty per late callback",
                                                    "la pénalité par rappel tardif"),
}
"""Contested values in words (others are shown by their key)."""


def _t(words: Words, key: str, **values: Any) -> str:
    text = TEXT[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def value_name(key: str, words: Words) -> str:
    """A contested value's name in the reader's language (its key when unknown)."""
    return NAMES[key][0 if words.lang == "en" else 1] if key in NAMES else key


@dataclass
class Analysis:
    """A sensitivity analysis read back from a folder."""

    manifest: dict[str, Any]
    tornado: pd.DataFrame
    switching: pd.DataFrame
    holds: pd.DataFrame | None


def load(results: Results) -> Analysis | None:
    """The sensitivity analysis in the folder, when it was computed on the comparison's very
    scenarios (a later comparison of other options does not show a stale one)."""
    path = results.folder / "sensitivity.json"
    if results.kind != "compare" or not path.exists():
        return None
    manifest = json.loads(path.read_text(encoding="utf-8"))
    hashes = {s["name"]: s.get("scenario_sha256") for s in results.manifest.get("scenarios", [])}
    if any(hashes.get(s["name"]) != s["scenario_sha256"] for s in manifest["scenarios"]):
        return None
    files = manifest.get("files", {})
    if not isinstance(files, dict) or any(
            not (results.folder / name).is_file()
            or file_digest(results.folder / name) != digest for name, digest in files.items()):
        return None  # a table changed or missing since the analysis wrote it
    holds = results.folder / "holds.csv"
    return Analysis(manifest, pd.read_csv(results.folder / "sensitivity.csv"),
                    pd.read_csv(results.folder / "switching.csv"),
                    pd.read_csv(holds) if holds.exists() else None)


def tornado(analysis: Analysis, kpi: str, words: Words) -> go.Figure | None:
    """Each value's swing of the difference on one KPI, widest on top."""
    rows = analysis.tornado[analysis.tornado["kpi"] == kpi].copy()
    spans = rows[[c for c in rows.columns if c.startswith("diff_")]].abs().to_numpy()
    if rows.empty or not (spans > 0).any():
        return None  # no difference anywhere: nothing to draw (the words say so)
    nominal = float(analysis.manifest["nominal"][kpi]["diff_mean"])
    rows["swing"] = (rows["diff_high"] - rows["diff_low"]).abs()
    rows = rows.sort_values("swing")
    labels = [f"{value_name(str(r['assumption']), words)} "
              f"({value_text(str(r['assumption']), float(r['value_low']), words)} – "
              f"{value_text(str(r['assumption']), float(r['value_high']), words)})"
              for r in rows.to_dict("records")]
    fig = go.Figure()
    for end, colour in (("low", "#1f5f8b"), ("high", "#d9822b")):
        tip = rows[f"diff_{end}"]
        fig.add_trace(go.Bar(
            y=labels, x=tip - nominal, base=nominal, orientation="h", name=_t(words, end),
            marker={"color": colour},
            error_x={"type": "data", "symmetric": False,
                     "array": rows[f"diff_{end}_ci_high"] - tip,
                     "arrayminus": tip - rows[f"diff_{end}_ci_low"], "thickness": 1}))
    fig.add_vline(x=0, line={"color": "#333", "width": 1})
    fig.add_vline(x=nominal, line={"color": "#888", "dash": "dot", "width": 1},
                  annotation_text=_t(words, "as_filed"), annotation_position="top")
    fig.update_layout(
        title=_t(words, "tornado", kpi=words.label(kpi)),
        barmode="overlay", separators=words.separators(), template="plotly_white",
        height=max(320, 60 + 34 * len(rows)), margin={"l": 20, "r": 20, "t": 60, "b": 50},
        legend={"orientation": "h", "y": -0.12}, yaxis={"automargin": True},
        xaxis_title=_t(words, "axis", kpi=words.label(kpi)))
    return fig


def _sign(value: float) -> int:
    return 0 if not math.isfinite(value) else (value > 0) - (value < 0)


def _verdict_word(kpi: str, verdict: str) -> str:
    return f"{verdict}_money" if KPIS[kpi].unit == "money" else verdict


def sentences(results: Results, analysis: Analysis, words: Words) -> list[str]:
    """The switching values in words, then the values that switch nothing, then the draws."""
    manifest = analysis.manifest
    option = quoted_title(results, manifest["option"], words)
    base = quoted_title(results, manifest["base"], words)
    out = []
    for kpi in manifest["kpis"]:
        nominal = manifest["nominal"][kpi]
        verdict = KPIS[kpi].verdict(nominal["diff_mean"], nominal["diff_ci_low"],
                                    nominal["diff_ci_high"])
        rows = analysis.switching[analysis.switching["kpi"] == kpi]
        switching = rows[rows["switching_value"].notna()]
        if not verdict:
            out.append(_t(words, "no_verdict", kpi=words.label(kpi)))
        else:
            out.append(_t(words, "verdict_at", kpi=words.label(kpi), option=option, base=base,
                          verdict=_t(words, _verdict_word(kpi, verdict)),
                          diff=words.signed(kpi, nominal["diff_mean"]),
                          low=words.signed(kpi, nominal["diff_ci_low"]),
                          high=words.signed(kpi, nominal["diff_ci_high"])))
        for row in switching.to_dict("records"):
            key = str(row["assumption"])
            ends = analysis.tornado[(analysis.tornado["assumption"] == key)
                                    & (analysis.tornado["kpi"] == kpi)].iloc[0]
            beyond = float(ends["diff_high"]) if _sign(float(ends["diff_high"])) != _sign(
                float(nominal["diff_mean"])) else float(ends["diff_low"])
            side = "above" if beyond == float(ends["diff_high"]) else "below"
            after = "better" if (beyond > 0) == (KPIS[kpi].better == "higher") else "worse"
            places = decimals(float(row["ci_low"]), float(row["ci_high"]))
            if "price" in key or "cost" in key:
                places = min(places, 2)
            out.append(_t(words, "switch", kpi=words.label(kpi), option=option, base=base,
                          verdict=_t(words, _verdict_word(kpi, after)),
                          value_name=value_name(key, words), side=_t(words, side),
                          value=value_text(key, float(row["switching_value"]), words, places),
                          low=value_text(key, float(row["ci_low"]), words, places),
                          high=value_text(key, float(row["ci_high"]), words, places),
                          edge=_t(words, "edge") if str(row["note"]).startswith(
                              "the interval reaches") else ""))
        unclear = rows[rows["note"] == WITHIN_CHANCE]
        if len(unclear):
            names = [value_name(str(k), words) for k in unclear["assumption"]]
            out.append(_t(words, "chance", kpi=words.label(kpi), names=words.join(names)))
        quiet = rows[rows["switching_value"].isna() & (rows["note"] != WITHIN_CHANCE)]
        if verdict and len(quiet):
            names = [value_name(str(k), words) for k in quiet["assumption"]]
            out.append(_t(words, "no_switch", kpi=words.label(kpi), names=words.join(names)))
    if analysis.holds is not None:
        for row in analysis.holds.to_dict("records"):
            if not math.isfinite(float(row["share"])):
                continue  # no clear verdict at the files' values (said above)
            out.append(_t(words, "holds", kpi=words.label(str(row["kpi"])), draws=row["draws"],
                          share=words.percent(float(row["share"]), 0),
                          low=words.percent(float(row["ci_low"]), 0),
                          high=words.percent(float(row["ci_high"]), 0)))
    return out


def summary_items(results: Results, words: Words) -> str:
    """A line of the findings pointing to the section (empty without an analysis)."""
    if load(results) is None:
        return ""
    return f"<li><a href='#{ANCHOR}'>{html.escape(_t(words, 'link'))}</a></li>"


def section(results: Results, words: Words) -> tuple[str, list[go.Figure]]:
    """The section's HTML and its charts (empty without an analysis)."""
    analysis = load(results)
    if analysis is None:
        return "", []
    manifest = analysis.manifest
    figs = [f for f in (tornado(analysis, k, words) for k in manifest["kpis"]) if f is not None]
    config = {"displaylogo": False, "responsive": True}
    charts = "".join("<div class='chart'>" + fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"tornado-{i}", config=config)
        + "</div>" for i, fig in enumerate(figs, start=1))
    items = "".join(f"<li>{html.escape(s)}</li>" for s in sentences(results, analysis, words))
    intro = _t(words, "intro", option=quoted_title(results, manifest["option"], words),
               base=quoted_title(results, manifest["base"], words),
               replications=manifest["replications"])
    return (f"<section id='{ANCHOR}'><h2>{html.escape(_t(words, 'title'))}</h2>"
            f"<p class='note'>{html.escape(intro)}</p><ul class='findings'>{items}</ul>"
            f"{charts}</section>"), figs
