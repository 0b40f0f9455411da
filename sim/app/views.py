"""The app's page and its fragments: the form of contested values and the answer, in French or
English.

The answer is told with the report's own machinery: the summary of `sim.report.verdict`, the
findings of `sim.report.findings`, the numbers of `sim.report.language`, the table of every
KPI of `sim.report.tables`, the charts of `sim.report.charts`. The page runs no inline script (the
content security policy forbids it): charts travel as JSON in a `data-figure` attribute and
`app.js` draws them.
"""

from __future__ import annotations

import html
import math
from typing import Any

from sim.app.whatif import PROMISE, SHOWN, Answer, Contested, Question
from sim.glossary import KPIS
from sim.report import charts
from sim.report.findings import findings
from sim.report.language import Lang, Words
from sim.report.tables import kpi_table
from sim.report.verdict import summary, title
from sim.scenario import ScenarioError

UI: dict[str, tuple[str, str]] = {
    "heading": ("What if? Compare two options", "Et si ? Comparer deux options"),
    "intro": ("Move the contested numbers and read the promise and the money, with their "
              "95 % intervals. Everything runs on this computer; nothing is sent anywhere.",
              "Modifiez les chiffres contestés et lisez la promesse et l'argent, avec leurs "
              "intervalles à 95 %. Tout tourne sur cet ordinateur ; rien n'est envoyé nulle "
              "part."),
    "base": ("Base", "Base"), "option": ("Option", "Option"),
    "upload": ("Or use your own scenario file (TOML, 256 kB at most)",
               "Ou utiliser votre propre fichier de scénario (TOML, 256 ko au plus)"),
    "upload_button": ("Add the file", "Ajouter le fichier"),
    "contested": ("The contested values", "Les valeurs contestées"),
    "base_advisors": ("In-house advisors, base", "Conseillers internes, base"),
    "option_advisors": ("In-house advisors, option", "Conseillers internes, option"),
    "defect_rate": ("Provider's defect rate (share of wrong answers)",
                    "Taux d'erreur du prestataire (part de réponses fausses)"),
    "price": ("Provider's price per contact (€)", "Prix du prestataire par contact (€)"),
    "demand": ("Demand factor (1 = as in the file)", "Facteur de demande (1 = comme le fichier)"),
    "deadline": ("Callback deadline (hours)", "Délai de rappel (heures)"),
    "no_provider": ("(no provider in these options)", "(pas de prestataire dans ces options)"),
    "no_headcount": ("(set by team in the file)", "(fixé par équipe dans le fichier)"),
    "working": ("Computing…", "Calcul en cours…"),
    "refining": ("Refining: {n} simulations per option so far (at most {cap}); the intervals "
                 "narrow as they come.",
                 "Affinage : {n} simulations par option pour l'instant (au plus {cap}) ; les "
                 "intervalles se resserrent à mesure."),
    "settled": ("{n} simulations per option: the intervals are as tight as asked.",
                "{n} simulations par option : les intervalles sont aussi serrés que demandé."),
    "capped": ("{n} simulations per option (the most this page runs); for tighter intervals "
               "save and run the command below with more.",
               "{n} simulations par option (le maximum de cette page) ; pour des intervalles "
               "plus serrés, enregistrez et lancez la commande ci-dessous avec davantage."),
    "replaced": ("A newer question replaced this one.", "Une question plus récente a remplacé "
                 "celle-ci."),
    "key_figures": ("Key figures", "Chiffres clés"),
    "figure": ("Figure", "Indicateur"),
    "interval": ("95 % interval", "intervalle à 95 %"),
    "difference": ("Difference option − base", "Écart option − base"),
    "all_figures": ("Every figure", "Tous les indicateurs"),
    "save": ("Save the evidence pack and the scenario files",
             "Enregistrer le dossier de preuves et les fichiers de scénario"),
    "saved": ("Saved in {folder}. To run it again from the command line:",
              "Enregistré dans {folder}. Pour le relancer en ligne de commande :"),
    "problems": ("This cannot be computed:", "Impossible de calculer :"),
    "language": ("English", "Français"),
    "failed": ("A simulation failed:", "Une simulation a échoué :"),
}


def ui(lang: Lang, key: str, **values: Any) -> str:
    text = UI[key][0 if lang == "en" else 1]
    return text.format(**values) if values else text


def esc(text: Any) -> str:
    return html.escape(str(text))


def page(lang: Lang, names: list[str], base: str, option: str, values: Contested,
         fields: str) -> str:
    """The whole page: the pick of options, the contested values, the (empty) answer."""
    other: Lang = "en" if lang == "fr" else "fr"

    def select(name: str, chosen: str) -> str:
        items = "".join(f"<option value='{esc(n)}'{' selected' if n == chosen else ''}>"
                        f"{esc(n)}</option>" for n in names)
        return (f"<label>{esc(ui(lang, name))} <select name='{name}' id='{name}' "
                f"hx-get='/inputs' hx-target='#contested' hx-include='#whatif' "
                f"hx-trigger='change'>{items}</select></label>")

    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content='{{"includeIndicatorStyles": false, "allowEval": false,
 "allowScriptTags": false}}'>
<title>{esc(ui(lang, 'heading'))}</title>
<link rel="stylesheet" href="/static/app.css">
<script src="/static/app.js"></script>
<script src="/static/htmx.min.js"></script>
<script src="/static/plotly.min.js"></script>
</head><body>
<header><h1>{esc(ui(lang, 'heading'))}</h1>
<form method="get" action="/" class="lang"><input type="hidden" name="lang" value="{other}">
<input type="hidden" name="base" value="{esc(base)}">
<input type="hidden" name="option" value="{esc(option)}">
<button type="submit" id="switch-lang">{esc(ui(other, 'language'))}</button></form>
<p>{esc(ui(lang, 'intro'))}</p></header>
<main>
<form id="whatif">
<input type="hidden" name="lang" value="{lang}">
<fieldset class="pick">{select('base', base)} {select('option', option)}</fieldset>
<div id="contested">{fields}</div>
</form>
<form id="upload" hx-post="/upload" hx-encoding="multipart/form-data" hx-target="#upload-result">
<input type="hidden" name="lang" value="{lang}">
<label>{esc(ui(lang, 'upload'))} <input type="file" name="file" id="file" accept=".toml"></label>
<button type="submit" id="upload-button">{esc(ui(lang, 'upload_button'))}</button>
<div id="upload-result"></div></form>
<section id="answer" aria-live="polite"></section>
<section id="save"><button id="save-button" hx-post="/save" hx-include="#whatif"
 hx-target="#saved">{esc(ui(lang, 'save'))}</button><div id="saved"></div></section>
</main>
<div id="self-check" hidden></div>
</body></html>
"""


def contested(lang: Lang, values: Contested) -> str:
    """The contested inputs; the fieldset asks as soon as it is shown and at every change."""
    def number(name: str, key: str, value: float | None, step: str, low: str,
               high: str = "") -> str:
        if value is None:
            why = "no_headcount" if name.endswith("advisors") else "no_provider"
            return (f"<label class='off'>{esc(ui(lang, key))} "
                    f"<em>{esc(ui(lang, why))}</em></label>")
        top = f" max='{high}'" if high else ""
        return (f"<label>{esc(ui(lang, key))} <input type='number' name='{name}' id='{name}' "
                f"value='{value:g}' step='{step}' min='{low}'{top} required></label>")

    return (f"<fieldset class='values' hx-post='/ask' hx-trigger='load, change' "
            f"hx-target='#answer' hx-include='#whatif' hx-sync='this:replace' "
            f"hx-indicator='#answer'><legend>{esc(ui(lang, 'contested'))}</legend>"
            + number("base_advisors", "base_advisors", values.base_advisors, "1", "1", "500")
            + number("option_advisors", "option_advisors", values.option_advisors, "1", "1",
                     "500")
            + number("defect_rate", "defect_rate", values.defect_rate, "0.01", "0", "1")
            + number("price_per_contact", "price", values.price_per_contact, "1", "0")
            + number("demand_factor", "demand", values.demand_factor, "0.05", "0.05", "10")
            + number("deadline_hours", "deadline", values.deadline_hours, "1", "1", "2000")
            + f"<p class='working'>{esc(ui(lang, 'working'))}</p></fieldset>")


def problems(lang: Lang, exc: ScenarioError) -> str:
    """Every problem of a file or of the values, with its key."""
    items = "".join(f"<li><code>{esc(i.path or i.file)}</code> : {esc(i.message)}</li>"
                    if lang == "fr" else
                    f"<li><code>{esc(i.path or i.file)}</code>: {esc(i.message)}</li>"
                    for i in exc.issues)
    return f"<div class='problems'><p>{esc(ui(lang, 'problems'))}</p><ul>{items}</ul></div>"


def answer(lang: Lang, question: Question, current: bool, cap: int, full: bool = True) -> str:
    """What is known of a question, and a poll for more while it is being refined (or, for a
    first answer, `full=False`, until the charts and the table of every figure are added)."""
    if not current:
        return f"<p class='status'>{esc(ui(lang, 'replaced'))}</p>"
    if question.error:
        return (f"<div class='problems'><p>{esc(ui(lang, 'failed'))}</p>"
                f"<pre>{esc(question.error)}</pre></div>")
    if question.answer is None:
        return f"<p class='status'>{esc(ui(lang, 'working'))}</p>"
    done = question.done and full
    n = question.replications
    status = ("capped" if n >= cap else "settled") if done else "refining"
    poll = ("" if done else f" hx-get='/answer?q={question.number}&amp;n={n}&amp;lang={lang}'"
            " hx-trigger='every 1s' hx-target='#answer'")
    head = (f"<div id='progress' data-replications='{n}' data-done='{str(done).lower()}'{poll}>"
            f"<progress value='{n}' max='{cap}'></progress> "
            f"<span>{esc(ui(lang, status, n=n, cap=cap))}</span></div>")
    return (head + f"<input type='hidden' name='question' form='whatif' "
            f"value='{question.number}'>" + told(lang, question.answer, full))


def told(lang: Lang, known: Answer, full: bool = True) -> str:
    """The verdict, the key figures with intervals, the findings; with `full`, the charts and
    the table of every figure."""
    words = Words(lang)
    results = known.results()
    sentences = "".join(f"<li><strong>{esc(x)}</strong></li>" for x in summary(results, words))
    sentences += "".join(f"<li>{esc(x)}</li>" for x in findings(results, words))
    table = known.table
    names = [r.scenario.name for r in known.runs]
    head = "".join(f"<th>{esc(title(r.scenario, words))}</th>" for r in known.runs)
    rows = []
    for kpi in SHOWN:
        cells = []
        for name in names:
            row = table[(table["kpi"] == kpi) & (table["scenario"] == name)].iloc[0]
            low, high = clip(kpi, row["ci_low"], row["ci_high"])
            cells.append(f"<td data-kpi='{kpi}' data-scenario='{esc(name)}'>"
                         f"<b>{esc(words.kpi_value(kpi, row['mean']))}</b>"
                         f"<br><small>[{esc(words.kpi_value(kpi, low))} ; "
                         f"{esc(words.kpi_value(kpi, high))}]</small></td>")
        diff = table[(table["kpi"] == kpi) & (table["scenario"] == names[-1])].iloc[0]
        cells.append(f"<td class='diff'>{esc(words.signed(kpi, diff['diff_mean']))}"
                     f"<br><small>[{esc(words.signed(kpi, diff['diff_ci_low']))} ; "
                     f"{esc(words.signed(kpi, diff['diff_ci_high']))}]</small></td>")
        lead = " class='lead'" if kpi == PROMISE else ""
        rows.append(f"<tr{lead}><th>{esc(words.label(kpi))}</th>{''.join(cells)}</tr>")
    figures = []
    options = [r.option for r in results.runs]
    for make in (charts.cost_breakdown, charts.daily_backlog) if full else ():
        fig = make(options, words)
        if fig is not None:
            fig.update_layout(separators=words.separators())
            figures.append(f"<div class='chart' data-figure='{esc(fig.to_json())}'></div>")
    return (f"<ul class='verdict'>{sentences}</ul>"
            f"<h2>{esc(ui(lang, 'key_figures'))}</h2>"
            f"<table id='key-figures'><thead><tr><th>{esc(ui(lang, 'figure'))}</th>{head}"
            f"<th>{esc(ui(lang, 'difference'))}</th></tr></thead><tbody>{''.join(rows)}"
            f"</tbody></table><p class='note'>{esc(words.t('notes_on_intervals'))}</p>"
            + "".join(figures)
            + (f"<details><summary>{esc(ui(lang, 'all_figures'))}</summary>"
               f"{kpi_table(results, words)}</details>" if full else ""))


def clip(kpi: str, low: float, high: float) -> tuple[float, float]:
    """An option's interval shown within what the KPI can be, as the report shows it: never
    below 0, a share never above 1 (a difference is not clipped)."""
    if math.isnan(low):
        return low, high
    return max(low, 0.0), min(high, 1.0) if KPIS[kpi].unit == "share" else high


def saved(lang: Lang, folder: str, command: str) -> str:
    return (f"<p>{esc(ui(lang, 'saved', folder=folder))}</p><pre id='rerun'>{esc(command)}"
            "</pre>")
