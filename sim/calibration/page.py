"""`calibration.html`: what was read, what was estimated and how well it holds, in one page.

Same machinery as the report (`sim.report`): the reader's language, plotly embedded once so the
file opens offline, the same style and self-check. In order: the log (file, digest, period,
calls), the vendor habits corrected for and the columns ignored (their names only, never their
content), the estimates, the charts (arrival heat map, fitted talk times over the data, the
Kaplan–Meier patience curve with its band, the backtest), and the assumptions register of the
calibrated scenario.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
from plotly.offline import get_plotlyjs

from sim.calibration.calibrate import Calibration
from sim.calibration.figures import all_figures
from sim.calibration.logs import Trap
from sim.report.language import Lang, Words
from sim.report.page import CHECK, STYLE
from sim.scenario.register import register

TEXT: dict[str, tuple[str, str]] = {
    "title": ("Calibration", "Calibration"),
    "log": ("The log", "Le journal"),
    "log_line": ("{file} ({kind}), {first} to {last}: {attempts} call attempts; time zone "
                 "{tz}.", "{file} ({kind}), du {first} au {last} : {attempts} tentatives "
                 "d'appel ; fuseau horaire {tz}."),
    "digest": ("SHA-256 of the file", "Empreinte SHA-256 du fichier"),
    "traps": ("What the export does, and what we did about it",
              "Ce que fait l'export, et ce que nous en avons fait"),
    Trap.DST_DUPLICATE: (
        "{n} calls fell in the autumn hour that occurs twice; file order told the summer pass "
        "from the winter one, and that hour's exposure is counted twice.",
        "{n} appels tombent dans l'heure d'automne qui a lieu deux fois ; l'ordre du fichier "
        "distingue le passage en heure d'été de celui en heure d'hiver, et cette heure compte "
        "double dans l'exposition."),
    Trap.DST_GAP: (
        "{n} calls carry a local time in the spring hour that does not exist; they are moved "
        "to the first valid minute.",
        "{n} appels portent une heure locale du printemps qui n'existe pas ; ils sont placés à "
        "la première minute valide."),
    Trap.COUNTED_AT_END: (
        "The reports count a call in the interval it ended in; the share that arrived in the "
        "interval before (speed of answer plus handle time over the interval length) was "
        "moved back.",
        "Les rapports comptent un appel dans l'intervalle où il s'est terminé ; la part "
        "arrivée dans l'intervalle précédent (attente plus durée de traitement, rapportées à "
        "la longueur de l'intervalle) y a été replacée."),
    Trap.SHORT_ABANDONS: (
        "The export leaves out abandons shorter than {n} s: patience is estimated from waits "
        "beyond {n} s only, and the volume misses those short calls.",
        "L'export omet les abandons de moins de {n} s : la patience est estimée sur les "
        "attentes au-delà de {n} s seulement, et le volume ne compte pas ces appels courts."),
    Trap.NO_WRAP_UP: (
        "The export has no wrap-up time: wrap-up is left an assumption (0 s) to be set.",
        "L'export ne donne pas le temps de clôture après appel : il reste une hypothèse (0 s) "
        "à renseigner."),
    "no_trap": ("Nothing to correct was found.", "Rien à corriger n'a été trouvé."),
    "ignored": ("Columns ignored (never read): {names}.",
                "Colonnes ignorées (jamais lues) : {names}."),
    "none_ignored": ("No column was ignored.", "Aucune colonne n'a été ignorée."),
    "privacy": (
        "Caller numbers were only turned into keyed hashes in memory to link a caller's "
        "attempts, then dropped: no number, name or note is in any output.",
        "Les numéros des appelants n'ont servi, sous forme d'empreintes à clé en mémoire, qu'à "
        "relier les tentatives d'un même appelant, puis ont été effacés : aucun numéro, nom ou "
        "commentaire ne figure dans les fichiers produits."),
    "estimates": ("What the log says", "Ce que dit le journal"),
    "weekly": ("{queue}: {n} new calls a week", "{queue} : {n} nouveaux appels par semaine"),
    "talk": ("{queue}: talk time {dist}, mean {mean} min, cv {cv} (KS distance {ks})",
             "{queue} : conversation {dist}, moyenne {mean} min, cv {cv} (distance de KS {ks})"),
    "patience": ("Patience: exponential with mean {mean} min (± {half}), from {d} abandons "
                 "among {n} waits; answered waits are censored, never averaged as patience.",
                 "Patience : exponentielle de moyenne {mean} min (± {half}), d'après {d} "
                 "abandons sur {n} attentes ; les attentes des appels répondus sont censurées, "
                 "jamais moyennées comme une patience."),
    "weibull": ("A censored Weibull fit gives shape {k} ({how}).",
                "Un ajustement de Weibull censuré donne une forme {k} ({how})."),
    "wears": ("above 1: patience wears out as the wait grows",
              "au-dessus de 1 : la patience s'use avec l'attente"),
    "steady": ("near 1: the exponential is fair", "proche de 1 : l'exponentielle convient"),
    "early": ("below 1: many hang up early, the rest hold on",
              "en dessous de 1 : beaucoup raccrochent tôt, les autres tiennent"),
    "no_patience": ("Patience cannot be estimated: {why}. It is left an assumption "
                    "(callers taken as infinitely patient) to be set.",
                    "La patience ne peut pas être estimée : {why}. Elle reste une hypothèse "
                    "(appelants supposés infiniment patients) à renseigner."),
    "retry": ("Retrials: {p} of failed attempts are followed by another within 24 h, after "
              "{mean} min on average (up to {max} attempts).",
              "Rappels : {p} des tentatives échouées sont suivies d'une autre sous 24 h, après "
              "{mean} min en moyenne (jusqu'à {max} tentatives)."),
    "day_cv": ("Day-to-day spread beyond chance (day_cv): {cv}.",
               "Variation d'un jour à l'autre au-delà du hasard (day_cv) : {cv}."),
    "advisors_given": ("Advisors: {n}, as given.", "Conseillers : {n}, comme indiqué."),
    "advisors_est": ("Advisors: {n}, estimated from the log (not a head count; give "
                     "--advisors).", "Conseillers : {n}, estimés d'après le journal (ce n'est "
                     "pas un effectif ; indiquez --advisors)."),
    "charts": ("Charts", "Graphiques"),
    "backtest_note": ("Backtest: {r} simulations of the calibrated scenario over the log's "
                      "period. Dark band: 95 % interval of the mean; light band: where a "
                      "single year falls 90 times in 100.",
                      "Contrôle a posteriori : {r} simulations du scénario calibré sur la "
                      "période du journal. Bande foncée : intervalle à 95 % de la moyenne ; "
                      "bande claire : où tombe une seule année 90 fois sur 100."),
    "register": ("The calibrated scenario, value by value", "Le scénario calibré, valeur par "
                 "valeur"),
    "key": ("Key", "Clé"), "value": ("Value", "Valeur"), "why": ("How", "Comment"),
}


def _esc(text: Any) -> str:
    return html.escape(str(text))


def _t(words: Words, key: str, **values: Any) -> str:
    text = TEXT[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def _estimates(cal: Calibration, words: Words) -> list[str]:
    items = []
    arr, p = cal.arrivals, cal.patience
    for queue, name in cal.queues.items():
        if queue in arr.weekly:
            items.append(_t(words, "weekly", queue=name, n=words.number(arr.weekly[queue], 0)))
        fit = cal.talk.get(queue)
        if fit is not None:
            items.append(_t(words, "talk", queue=name, dist=fit.dist,
                            mean=words.number(fit.mean_s / 60, 2), cv=words.number(fit.cv, 2),
                            ks=words.number(min(fit.ks.values()), 3)))
    if p.identifiable:
        items.append(_t(words, "patience", mean=words.number(p.mean_s / 60, 2),
                        half=words.number(1.96 * p.se_s / 60, 2), d=words.number(p.abandoned),
                        n=words.number(p.n)))
        if p.weibull is not None:
            k = p.weibull[0]
            how = "wears" if k > 1.1 else "early" if k < 0.9 else "steady"
            items.append(_t(words, "weibull", k=words.number(k, 2), how=_t(words, how)))
    else:
        items.append(_t(words, "no_patience", why=p.method.split(": ", 1)[-1]))
    if arr.retry_probability is not None and cal.retry_delay is not None:
        items.append(_t(words, "retry", p=words.percent(arr.retry_probability),
                        mean=words.number(cal.retry_delay.mean_s / 60, 1),
                        max=arr.max_attempts))
    items.append(_t(words, "day_cv", cv=words.number(arr.day_cv, 3)))
    items.append(_t(words, "advisors_given" if cal.advisors_given else "advisors_est",
                    n=cal.advisors))
    return items


def _register(path: Path, words: Words) -> str:
    table = register(path)
    rows = "".join(
        f"<tr class='{_esc(r['kind'])}'><td><code>{_esc(r['path'])}</code></td>"
        f"<td><code>{_esc(_short(r['value']))}</code></td>"
        f"<td>{_esc(_note(str(r['kind']), str(r['note']), words))}</td></tr>"
        for r in table.to_dict("records"))
    return (f"<table class='register'><thead><tr><th>{_esc(_t(words, 'key'))}</th>"
            f"<th>{_esc(_t(words, 'value'))}</th><th>{_esc(_t(words, 'why'))}</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def _note(kind: str, note: str, words: Words) -> str:
    """The comment's own words in full (method, sample, period, digest); its leading tag said in
    the page's language."""
    if note.lower().startswith(kind):
        note = note[len(kind):].lstrip(" :")
    return f"{words.t(kind).capitalize()}\u00a0: {note}" if words.lang == "fr" else \
        f"{words.t(kind).capitalize()}: {note}"


def _short(value: str, limit: int = 120) -> str:
    return value if len(value) <= limit else value[:limit] + " …"


def build(cal: Calibration, scenario_path: Path, backtest: pd.DataFrame | None,
          replications: int, lang: Lang) -> str:
    """The page's HTML text."""
    words = Words(lang)
    arr, log = cal.arrivals, cal.log
    traps = [_t(words, trap, n=count) for trap, count in log.traps.items()] or \
        [_t(words, "no_trap")]
    ignored = (_t(words, "ignored", names=", ".join(log.ignored)) if log.ignored
               else _t(words, "none_ignored"))
    config = {"displaylogo": False, "responsive": True, "showSendToCloud": False}
    charts = "".join(
        "<div class='chart'>" + fig.to_html(full_html=False, include_plotlyjs=False,
                                             div_id=f"chart-{i}", config=config) + "</div>"
        for i, fig in enumerate(all_figures(cal, backtest, words), start=1))
    note = (f"<p class='note'>{_esc(_t(words, 'backtest_note', r=replications))}</p>"
            if backtest is not None else "")
    li = "".join(f"<li>{_esc(x)}</li>" for x in traps)
    estimates = "".join(f"<li>{_esc(x)}</li>" for x in _estimates(cal, words))
    heading = f"{_t(words, 'title')} — {log.path.name}"
    line = _t(words, "log_line", file=log.path.name, kind=log.kind, first=words.date(arr.first),
              last=words.date(arr.last), attempts=words.number(arr.attempts), tz=log.timezone)
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(heading)}</title>
<style>{STYLE}</style>
<script>window.__errors = []; window.addEventListener('error', function (e) {{
window.__errors.push(String(e.message)); }});</script>
<script type="text/javascript">{get_plotlyjs()}</script>
</head><body>
<header><h1>{_esc(heading)}</h1><p>{_esc(line)}</p></header>
<main>
<section id='log'><h2>{_esc(_t(words, 'log'))}</h2><p>{_esc(line)}</p>
<p>{_esc(_t(words, 'digest'))} : <code>{_esc(log.digest)}</code></p></section>
<section id='traps'><h2>{_esc(_t(words, 'traps'))}</h2><ul>{li}</ul>
<p>{_esc(ignored)}</p><p class='note'>{_esc(_t(words, 'privacy'))}</p></section>
<section id='estimates'><h2>{_esc(_t(words, 'estimates'))}</h2><ul>{estimates}</ul></section>
<section id='charts'><h2>{_esc(_t(words, 'charts'))}</h2>{charts}{note}</section>
<section id='assumptions'><h2>{_esc(_t(words, 'register'))}</h2>
{_register(scenario_path, words)}</section>
</main>
<div id="self-check" hidden></div>
{CHECK}
</body></html>
""".replace(" : <code>", "\u00a0: <code>" if lang == "fr" else ": <code>")

