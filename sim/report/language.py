"""Words and numbers in the reader's language: French or English.

A French reader sees `1 234,5`, `71 %` and `lundi 3 mars 2025`; an English reader `1,234.5`,
`71%` and `Monday 3 March 2025`. Every label of the report goes through `Words.t`, so a report
in one language never shows a word of the other (KPI column names, kept as identifiers, aside).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any, Literal

from sim.glossary import KPIS

Lang = Literal["en", "fr"]

_DAYS = {"en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
         "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]}
_MONTHS = {"en": ["January", "February", "March", "April", "May", "June", "July", "August",
                  "September", "October", "November", "December"],
           "fr": ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre"]}

LABELS: dict[str, tuple[str, str]] = {
    "contacts": ("Member requests", "Demandes d'adhérents"),
    "calls_offered": ("Calls offered", "Appels présentés"),
    "calls_answered": ("Calls answered", "Appels décrochés"),
    "calls_abandoned": ("Calls abandoned", "Appels abandonnés"),
    "calls_closed": ("Calls to closed lines", "Appels lignes fermées"),
    "abandon_rate": ("Abandoned calls", "Appels abandonnés (taux)"),
    "p_wait": ("Calls that had to wait", "Appels mis en attente"),
    "asa_s": ("Mean wait of answered calls (s)", "Attente moyenne des appels décrochés (s)"),
    "service_level": ("Calls answered quickly", "Appels décrochés rapidement"),
    "occupancy": ("In-house advisor occupancy", "Occupation des conseillers internes"),
    "callbacks_owed": ("Callbacks owed", "Rappels dus"),
    "callback_on_time_rate": ("Callbacks on time", "Rappels dans les délais"),
    "callback_hours_p90": ("Hours to callback (9 in 10 within)",
                           "Heures avant rappel (9 sur 10 en moins de)"),
    "callbacks_unreachable": ("Members never reached", "Adhérents jamais joints"),
    "escalated_experts": ("Escalated to experts", "Transmis aux experts"),
    "handed_over_regional": ("Handed over to regions", "Relayés aux régions"),
    "files_opened": ("Files opened", "Dossiers ouverts"),
    "file_on_time_rate": ("Files closed on time", "Dossiers clos dans les délais"),
    "documents_requested": ("Files with documents requested", "Dossiers avec pièces demandées"),
    "wrongful_requests": ("Documents wrongly requested", "Pièces demandées à tort"),
    "resolution_hours_mean": ("Hours to the answer (mean)", "Heures jusqu'à la réponse (moyenne)"),
    "resolution_hours_p90": ("Hours to the answer (9 in 10 within)",
                             "Heures jusqu'à la réponse (9 sur 10 en moins de)"),
    "open_at_end": ("Still open at the end", "Encore ouverts à la fin"),
    "overtime_hours": ("In-house overtime (hours)", "Heures supplémentaires internes"),
    "inhouse_work_hours": ("In-house work (hours)", "Travail interne (heures)"),
    "provider_share": ("Share handled by the provider", "Part traitée par le prestataire"),
    "remediations": ("Provider errors put right", "Erreurs du prestataire corrigées"),
    "remediation_hours": ("In-house hours correcting the provider",
                          "Heures internes de correction du prestataire"),
    "handoffs": ("Handed back by the provider", "Rendus par le prestataire"),
    "deflected": ("Answered by self-service", "Répondus en libre-service"),
    "cost_inhouse": ("In-house cost", "Coût interne"),
    "cost_provider": ("Provider cost", "Coût prestataire"),
    "cost_rework": ("Value of in-house rework", "Valeur des reprises internes"),
    "cost_experts": ("Experts cost", "Coût des experts"),
    "cost_total": ("Total cost", "Coût total"),
    "cost_per_contact": ("Cost per request", "Coût par demande"),
    "cost_per_on_time_answer": ("Cost per member answered on time",
                                "Coût par adhérent répondu à temps"),
}

TEXT: dict[str, tuple[str, str]] = {
    "report": ("Evidence pack", "Dossier de preuves"),
    "findings": ("What the simulation says", "Ce que dit la simulation"),
    "kpis": ("Key figures, with their 95 % intervals",
             "Chiffres clés, avec leur intervalle à 95 %"),
    "charts": ("Charts", "Graphiques"),
    "assumptions": ("What the answer rests on", "Sur quoi repose la réponse"),
    "provenance": ("How to reproduce these figures", "Comment reproduire ces chiffres"),
    "options": ("The options compared", "Les options comparées"),
    "option_file": ("scenario file", "fichier de scénario"),
    "sources": ("Sources cited", "Sources citées"),
    "sources_note": (
        "A value marked as a fact cites one of these documents; every other value is an "
        "assumption or a setting, listed below with why it was chosen.",
        "Une valeur marquée comme un fait cite l'un de ces documents ; toute autre valeur est "
        "une hypothèse ou un réglage, listé ci-dessous avec la raison de son choix."),
    "kpi": ("Indicator", "Indicateur"),
    "target": ("Target", "Objectif"),
    "met_share": ("Share of the simulations meeting it", "Part des simulations qui l'atteignent"),
    "met_in": ("met in {share} of the simulations", "atteint dans {share} des simulations"),
    "difference": ("Difference with", "Écart avec"),
    "fact": ("fact from the sources", "fait tiré des sources"),
    "derived": ("derived from facts", "déduit des faits"),
    "assumption": ("assumption", "hypothèse"),
    "setting": ("setting", "réglage"),
    "unmarked": ("unmarked", "non justifié"),
    "key": ("Setting", "Paramètre"),
    "value": ("Value", "Valeur"),
    "rests_on": ("Rests on", "Repose sur"),
    "why": ("Source or reason", "Source ou raison"),
    "hours_to_callback": ("Callbacks against each member's deadline",
                          "Rappels face à l'échéance de chaque adhérent"),
    "hours_vs_deadline": ("Hours before (−) or after (+) the member's deadline",
                          "Heures avant (−) ou après (+) l'échéance de l'adhérent"),
    "occupancy_axis": ("Occupancy (work / time on the lines)",
                       "Occupation (travail / temps de présence)"),
    "share_of_members": ("Share of members", "Part des adhérents"),
    "deadline": ("deadline", "échéance"),
    "daily_backlog": ("Work waiting at the end of each day", "Travail en attente chaque soir"),
    "date": ("Date", "Date"),
    "items_waiting": ("Items waiting", "Éléments en attente"),
    "overdue": ("callbacks past their deadline", "rappels en retard"),
    "occupancy_per_advisor": ("Occupancy of each advisor", "Occupation de chaque conseiller"),
    "advisor": ("Advisor", "Conseiller"),
    "by_hour": ("Service by hour of the day", "Service selon l'heure de la journée"),
    "hour": ("Hour of the day", "Heure de la journée"),
    "costs": ("What each option costs over the simulated period",
              "Ce que coûte chaque option sur la période simulée"),
    "money": ("Euros", "Euros"),
    "equity": ("Are all members served alike?", "Tous les adhérents sont-ils servis pareil ?"),
    "sweep": ("How the figures change across the options swept",
              "Comment les chiffres varient selon les options balayées"),
    "breakeven": ("Break-even against the reference", "Point mort face à la référence"),
    "difference_short": ("difference", "écart"),
    "scenario": ("Option", "Option"),
    "replications": ("replications", "réplications"),
    "seed": ("seed", "graine"),
    "code_version": ("Code version", "Version du code"),
    "command": ("Command", "Commande"),
    "scenario_hash": ("Scenario fingerprint (SHA-256)", "Empreinte du scénario (SHA-256)"),
    "generated": ("Report generated", "Rapport généré"),
    "team": ("Team", "Équipe"),
    "team_in-house": ("in-house", "interne"),
    "team_provider": ("provider", "prestataire"),
    "team_callbacks": ("callbacks", "rappels"),
    "f_on_time": ("{option} calls back {value} of members before the deadline{target}.",
                  "{option} rappelle {value} des adhérents avant l'échéance{target}."),
    "f_on_time_vs": ("{option} calls back {value} of members before the deadline (against "
                     "{base_value} with {base}){target}.",
                     "{option} rappelle {value} des adhérents avant l'échéance (contre "
                     "{base_value} avec {base}){target}."),
    "f_target": ("; the target {target} is met in {share} of the simulations",
                 " ; l'objectif {target} est atteint dans {share} des simulations"),
    "f_calls": ("{value} of calls are answered within {threshold}; {abandon} of callers hang "
                "up before an advisor answers.",
                "{value} des appels sont décrochés en moins de {threshold} ; {abandon} des "
                "appelants raccrochent avant qu'un conseiller ne réponde."),
    "f_calls_vs": ("{option} answers {value} of calls within {threshold} (against "
                   "{base_value}); {abandon} of callers hang up (against {base_abandon}).",
                   "{option} décroche {value} des appels en moins de {threshold} (contre "
                   "{base_value}) ; {abandon} des appelants raccrochent (contre "
                   "{base_abandon})."),
    "f_cost": ("It costs {value} over the simulated period, {per_contact} per request.",
               "Elle coûte {value} sur la période simulée, soit {per_contact} par demande."),
    "f_cost_vs": ("{option} costs {value} over the simulated period: {diff} compared with {base} "
                  "(95 % interval {low} to {high}).",
                  "{option} coûte {value} sur la période simulée : {diff} par rapport à {base} "
                  "(intervalle à 95 % de {low} à {high})."),
    "f_rework": ("In-house advisors spend {hours} hours correcting the provider's errors "
                 "({remediations} answers put right) and take back {handoffs} contacts.",
                 "Les conseillers internes passent {hours} heures à corriger les erreurs du "
                 "prestataire ({remediations} réponses reprises) et reprennent {handoffs} "
                 "contacts."),
    "f_occupancy": ("In-house advisors are busy {value} of their time on the lines.",
                    "Les conseillers internes sont occupés {value} de leur temps de présence."),
    "f_occupancy_vs": ("In-house advisors are busy {value} of their time on the lines "
                       "(against {base_value} with {base}).",
                       "Les conseillers internes sont occupés {value} de leur temps de présence "
                       "(contre {base_value} avec {base})."),
    "f_resolution": ("Members get their answer after {value} hours on average (9 in 10 within "
                     "{p90} hours).",
                     "Les adhérents ont leur réponse en {value} heures en moyenne (9 sur 10 en "
                     "moins de {p90} heures)."),
    "f_resolution_vs": ("Members of {option} get their answer after {value} hours on average, "
                        "against {base_value} with {base}.",
                        "Avec {option}, les adhérents ont leur réponse en {value} heures en "
                        "moyenne, contre {base_value} avec {base}."),
    "f_rests": ("These figures rest on {facts} facts from the source documents, {derived} "
                "figures derived from them and {assumptions} assumptions (listed below).",
                "Ces chiffres reposent sur {facts} faits tirés des documents sources, {derived} "
                "chiffres qui en sont déduits et {assumptions} hypothèses (listées plus bas)."),
    "r_promise": ("The promise figures rest on: {items}.",
                  "Les chiffres de la promesse reposent sur : {items}."),
    "r_cost": ("The costs rest on: {items}.", "Les coûts reposent sur : {items}."),
    "r_provider": ("The provider's quality rests on: {items}.",
                   "La qualité du prestataire repose sur : {items}."),
    "f_sweep": ("{points} variants of {base} simulated, {replications} times each.",
                "{points} variantes de {base} simulées, {replications} fois chacune."),
    "f_breakeven": ("Against {reference}, the {kpi} breaks even at {parameter} = {value}"
                    "{where}.",
                    "Face à {reference}, le point mort du {kpi} est atteint pour {parameter} "
                    "= {value}{where}."),
    "f_no_breakeven": ("Against {reference}, the {kpi} never breaks even over the range swept"
                       "{where}.",
                       "Face à {reference}, le {kpi} n'atteint pas le point mort sur la plage "
                       "balayée{where}."),
    "f_breakeven_note": (
        "Each point of the grid was simulated {replications} times: the band around the curve "
        "below shows how far the break-even could move.",
        "Chaque point de la grille a été simulé {replications} fois : la bande autour de la "
        "courbe ci-dessous montre de combien le point mort pourrait bouger."),
    "horizon": ("Simulated from {start} to {end}", "Simulé du {start} au {end}"),
    "png_missing": (
        "PNG export needs the png extra and a Chromium: pip install -e \".[png]\" and "
        "apt-get install chromium.",
        "L'export PNG demande l'option png et un Chromium : pip install -e \".[png]\" "
        "et apt-get install chromium."),
    "v_option": ("{option} against {base}: {parts}.", "{option} face à {base} : {parts}."),
    "v_promise": ("The promise (at least {target} of members called back within {deadline}): "
                  "{options}.",
                  "La promesse (au moins {target} des adhérents rappelés sous {deadline}) : "
                  "{options}."),
    "v_kept": ("{option} keeps it ({rate} on time; met in {share} of the simulations)",
               "{option} la tient ({rate} dans les délais ; atteinte dans {share} des "
               "simulations)"),
    "v_at_risk": ("{option} keeps it only sometimes ({rate} on time; met in {share} of the "
                  "simulations)",
                  "{option} ne la tient que parfois ({rate} dans les délais ; atteinte dans "
                  "{share} des simulations)"),
    "v_broken": ("{option} does not keep it ({rate} on time; met in {share} of the "
                 "simulations)",
                 "{option} ne la tient pas ({rate} dans les délais ; atteinte dans {share} "
                 "des simulations)"),
    "clock_calendar": ("{hours} hours", "{hours} heures"),
    "clock_business": ("{hours} hours of open lines", "{hours} heures d'ouverture"),
    "clock_open_days": ("{hours} hours counted on working days only",
                        "{hours} heures comptées sur les seuls jours ouvrés"),
    "v_cheaper": ("costs {amount} less", "coûte {amount} de moins"),
    "v_dearer": ("costs {amount} more", "coûte {amount} de plus"),
    "v_later": ("members wait {hours} hours longer for their answer on average, and one in ten "
                "waits more than {p90} hours (against {base_p90})",
                "les adhérents attendent leur réponse {hours} heures de plus en moyenne, et "
                "un sur dix plus de {p90} heures (contre {base_p90})"),
    "v_sooner": ("members get their answer {hours} hours sooner on average (one in ten waits "
                 "more than {p90} hours, against {base_p90})",
                 "les adhérents ont leur réponse {hours} heures plus tôt en moyenne (un sur "
                 "dix attend plus de {p90} heures, contre {base_p90})"),
    "v_rework": ("in-house advisors spend {hours} more hours correcting the provider",
                 "les conseillers internes passent {hours} heures de plus à corriger le "
                 "prestataire"),
    "all_options": ("all options", "toutes les options"),
    "notes_on_intervals": (
        "Each figure is the mean over the simulations (replications: the same period simulated "
        "again with other chance events), with the range that contains the true mean 95 times "
        "in 100. Differences are measured on the same members in every option, simulation by "
        "simulation.",
        "Chaque chiffre est la moyenne sur les simulations (réplications : la même période "
        "simulée à nouveau avec d'autres aléas), avec la plage qui contient la vraie moyenne "
        "95 fois sur 100. Les écarts sont mesurés sur les mêmes adhérents dans chaque option, "
        "simulation par simulation."),
}


class Words:
    """Translation and number formatting for one language."""

    def __init__(self, lang: Lang) -> None:
        if lang not in ("en", "fr"):
            raise ValueError(f"language must be 'en' or 'fr', got {lang!r}")
        self.lang: Lang = lang
        self._i = 0 if lang == "en" else 1

    def t(self, key: str, **values: Any) -> str:
        """A sentence or label in the language, with `{name}` fields filled."""
        text = TEXT[key][self._i]
        return text.format(**values) if values else text

    def label(self, kpi: str) -> str:
        """A KPI's short label."""
        return LABELS[kpi][self._i] if kpi in LABELS else kpi

    def team(self, name: str) -> str:
        """A team's name: the reserved ones in the language, a group's as the file names it."""
        key = f"team_{name}"
        return TEXT[key][self._i] if key in TEXT else name

    def definition(self, kpi: str) -> str:
        """A KPI's definition (glossary)."""
        entry = KPIS.get(kpi)
        return "" if entry is None else (entry.en if self.lang == "en" else entry.fr)

    # -- numbers -----------------------------------------------------------------------------
    def number(self, value: float, decimals: int = 0) -> str:
        """`1 234,5` in French (narrow no-break space), `1,234.5` in English."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = f"{value:,.{decimals}f}"
        if self.lang == "fr":
            text = text.replace(",", "\u202f").replace(".", ",")
        return text

    def percent(self, share: float, decimals: int = 1) -> str:
        """`71,3 %` in French, `71.3%` in English."""
        if share is None or (isinstance(share, float) and math.isnan(share)):
            return "–"
        text = self.number(share * 100, decimals)
        return f"{text}\u00a0%" if self.lang == "fr" else f"{text}%"

    def money(self, value: float) -> str:
        """`1 234 €` in French, `€1,234` in English."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = self.number(value, 0)
        return f"{text}\u00a0€" if self.lang == "fr" else f"€{text}".replace("€-", "-€")

    def kpi_value(self, kpi: str, value: float) -> str:
        """A KPI value in its unit."""
        unit = KPIS[kpi].unit if kpi in KPIS else "count"
        if unit == "share":
            return self.percent(value)
        if unit == "money":
            return self.money(value)
        if unit in ("hours", "seconds"):
            return self.number(value, 1)
        return self.number(value, 0 if abs(value) >= 100 or value == int(value) else 1)

    def signed(self, kpi: str, value: float) -> str:
        """A difference, with its sign."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        text = self.kpi_value(kpi, abs(value))
        return ("+" if value > 0 else "−" if value < 0 else "±") + text

    def date(self, day: date) -> str:
        """`lundi 3 mars 2025` in French, `Monday 3 March 2025` in English."""
        return (f"{_DAYS[self.lang][day.weekday()]} {day.day} "
                f"{_MONTHS[self.lang][day.month - 1]} {day.year}")

    def join(self, items: list[str]) -> str:
        """Items of a sentence, separated by semicolons the language's way."""
        return (" ; " if self.lang == "fr" else "; ").join(items)

    def separators(self) -> str:
        """Plotly's decimal and thousands separators for the language."""
        return ", " if self.lang == "fr" else ".,"
