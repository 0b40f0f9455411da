"""At equal service: the headcount each option needed to keep the same promise, and the cost.

`compare --equal-service` writes `equal_service.csv` beside the comparison: for each option,
its in-house headcount in the file and the fewest advisors meeting every target with the
stated confidence, each target's mean and the share of simulations meeting it, and, for a
target no headcount meets, the limit that binds. The report says it in a section of its own
and puts the cost difference at equal service, with its interval, among the findings.
"""

from __future__ import annotations

import html
import math
from typing import Any

import pandas as pd

from sim.glossary import KPIS
from sim.report.language import Words
from sim.report.results import Results
from sim.report.verdict import quoted_title

ANCHOR = "equal-service"

TEXT: dict[str, tuple[str, str]] = {
    "title": ("At equal service", "À service égal"),
    "intro": ("Each option was first given the fewest in-house advisors with which it meets "
              "every target with {confidence} confidence (the same members in every option and "
              "at every headcount), then the options were compared at those headcounts.",
              "Chaque option a d'abord reçu le plus petit effectif interne avec lequel elle "
              "atteint chaque objectif avec une confiance de {confidence} (les mêmes adhérents "
              "dans chaque option et pour chaque effectif), puis les options ont été comparées "
              "à ces effectifs."),
    "option": ("Option", "Option"),
    "in_file": ("Advisors in the file", "Conseillers dans le fichier"),
    "needed": ("Advisors needed", "Conseillers nécessaires"),
    "met": ("{mean}, met in {share} of simulations", "{mean}, atteint dans {share} des "
                                                     "simulations"),
    "cheaper": ("At equal service, {option} costs {amount} less than {base} (95 % interval "
                "{low} to {high}).",
                "À service égal, {option} coûte {amount} de moins que {base} (intervalle à "
                "95 % : {low} à {high})."),
    "dearer": ("At equal service, {option} costs {amount} more than {base} (95 % interval "
               "{low} to {high}).",
               "À service égal, {option} coûte {amount} de plus que {base} (intervalle à "
               "95 % : {low} à {high})."),
    "unsure": (" The interval includes no difference: the costs cannot be told apart.",
               " L'intervalle contient l'absence d'écart : les coûts ne se distinguent pas."),
    "partial": ("Not at equal service: {option} cannot meet every target, so it is compared "
                "at the fewest advisors meeting the others.",
                "Pas à service égal : {option} ne peut atteindre tous les objectifs ; elle "
                "est comparée au plus petit effectif qui atteint les autres."),
    "out_of_reach": ("{option} cannot reach {goal} on {kpi} at any in-house headcount: it "
                     "stops moving as advisors are added. What binds: {limit}.",
                     "{option} ne peut atteindre {goal} sur « {kpi} » à aucun effectif "
                     "interne : l'indicateur ne bouge plus quand on ajoute des conseillers. "
                     "Ce qui bloque : {limit}."),
    "reach": ("members who cannot be reached after every attempt",
              "les adhérents injoignables après toutes les tentatives"),
    "provider": ("the provider's own advisors and hours, which in-house advisors do not "
                 "replace",
                 "les conseillers et les horaires du prestataire, que les conseillers internes "
                 "ne remplacent pas"),
    "other": ("something other than in-house advisors (deadlines, experts, regional offices)",
              "autre chose que les conseillers internes (délais, experts, structures "
              "régionales)"),
    "cap": ("the search's cap on advisors", "le plafond d'effectif de la recherche"),
    "precision": ("the confidence: the mean meets it, but too few simulations say so with "
                  "the confidence asked",
                  "la confiance : la moyenne l'atteint, mais trop peu de simulations le disent "
                  "avec la confiance demandée"),
}


def _t(words: Words, key: str, **values: Any) -> str:
    text = TEXT[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def load(results: Results) -> pd.DataFrame | None:
    """The sizing table of a comparison made with `--equal-service` (None otherwise)."""
    path = results.folder / "equal_service.csv"
    if results.kind != "compare" or not path.exists() or "equal_service" not in results.manifest:
        return None
    return pd.read_csv(path, dtype={"advisors_in_file": str, "advisors_needed": str},
                       keep_default_na=False, na_values=[""])


def _targets(table: pd.DataFrame) -> list[str]:
    return [c.removesuffix("_target") for c in table.columns if c.endswith("_target")]


def _goal(words: Words, kpi: str, text: str) -> str:
    op, value = text[:2], float(text[2:])
    return f"{'≥' if op == '>=' else '≤'} {words.kpi_value(kpi, value)}"


def cost_sentences(results: Results, table: pd.DataFrame, words: Words) -> list[str]:
    """The cost difference of each option to the first, at the headcounts compared."""
    out: list[str] = []
    comparison = results.comparison
    if comparison is None:
        return out
    base = str(table["scenario"].iloc[0])
    rows = comparison[(comparison["kpi"] == "cost_total") & comparison["diff_mean"].notna()]
    met = dict(zip(table["scenario"], table["met"], strict=True))
    for row in rows.to_dict("records"):
        diff, low, high = (float(row[k]) for k in ("diff_mean", "diff_ci_low", "diff_ci_high"))
        option = str(row["scenario"])
        if not (bool(met.get(option, True)) and bool(met.get(base, True))):
            out.append(_t(words, "partial", option=quoted_title(
                results, option if not met.get(option, True) else base, words)))
        text = _t(words, "cheaper" if diff < 0 else "dearer",
                  option=quoted_title(results, option, words),
                  base=quoted_title(results, base, words),
                  amount=words.money(abs(diff)), low=words.signed("cost_total", low),
                  high=words.signed("cost_total", high))
        if not (low > 0 or high < 0):
            text += _t(words, "unsure")
        out.append(text)
    return out


def limits(results: Results, table: pd.DataFrame, words: Words) -> list[str]:
    """Each target out of reach, and what binds it."""
    out = []
    for row in table.to_dict("records"):
        for kpi in _targets(table):
            limit = row.get(f"{kpi}_limit")
            if isinstance(limit, str) and limit:
                out.append(_t(words, "out_of_reach",
                              option=quoted_title(results, str(row["scenario"]), words),
                              goal=_goal(words, kpi, str(row[f"{kpi}_target"])),
                              kpi=words.label(kpi), limit=_t(words, limit)))
    return out


def summary_items(results: Results, words: Words) -> str:
    """The cost at equal service among the findings, linked to the section."""
    table = load(results)
    if table is None:
        return ""
    return "".join(f"<li><strong><a href='#{ANCHOR}'>{html.escape(s)}</a></strong></li>"
                   for s in cost_sentences(results, table, words))


def section(results: Results, words: Words) -> tuple[str, list[Any]]:
    """The headcounts table and what binds a target out of reach (empty without sizing)."""
    table = load(results)
    if table is None:
        return "", []
    confidence = float(results.manifest["equal_service"].get("confidence", 0.95))
    kpis = _targets(table)
    head = "".join(f"<th>{html.escape(x)}</th>" for x in (
        _t(words, "option"), _t(words, "in_file"), _t(words, "needed"),
        *(f"{words.label(k)} {_goal(words, k, str(table[f'{k}_target'].iloc[0]))}"
          for k in kpis)))
    rows = []
    for row in table.to_dict("records"):
        cells = [quoted_title(results, str(row["scenario"]), words), row["advisors_in_file"],
                 row["advisors_needed"]]
        for kpi in kpis:
            mean, share = float(row[f"{kpi}_mean"]), float(row[f"{kpi}_met_share"])
            cells.append(_t(words, "met", mean=words.kpi_value(kpi, mean) if KPIS.get(kpi)
                            else mean, share=words.percent(share, 0)
                            if math.isfinite(share) else "–"))
        css = "" if row["met"] else " class='bad'"
        rows.append(f"<tr{css}>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells)
                    + "</tr>")
    notes = "".join(f"<li>{html.escape(s)}</li>" for s in [*limits(results, table, words),
                                                           *cost_sentences(results, table,
                                                                           words)])
    intro = _t(words, "intro", confidence=words.percent(confidence, 0))
    return (f"<section id='{ANCHOR}'><h2>{html.escape(_t(words, 'title'))}</h2>"
            f"<p class='note'>{html.escape(intro)}</p><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><ul class='findings'>{notes}</ul>"
            "</section>"), []
