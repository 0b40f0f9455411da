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
    "right_on_time_rate": ("Right answer on time (the promise)",
                           "Réponse juste dans les délais (la promesse)"),
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
    "unanswered_rate": ("Members never answered", "Adhérents restés sans réponse"),
    "overtime_hours": ("In-house overtime, all advisors (hours)",
                       "Heures supplémentaires internes, tous conseillers"),
    "inhouse_work_hours": ("In-house work, all advisors (hours)",
                           "Travail interne, tous conseillers (heures)"),
    "inhouse_advisors": ("In-house advisors (headcount)", "Conseillers internes (effectif)"),
    "inhouse_fte": ("In-house full-time equivalents paid",
                    "Équivalents temps plein internes payés"),
    "work_hours_per_advisor": ("Work hours per in-house advisor",
                               "Heures de travail par conseiller interne"),
    "overtime_hours_per_advisor": ("Overtime hours per in-house advisor",
                                   "Heures supplémentaires par conseiller interne"),
    "occupancy_max": ("Occupancy of the busiest in-house advisor",
                      "Occupation du conseiller interne le plus chargé"),
    "occupancy_p90": ("Occupancy 9 in-house advisors in 10 stay under",
                      "Occupation sous laquelle restent 9 conseillers internes sur 10"),
    "provider_share": ("Share handled by the provider", "Part traitée par le prestataire"),
    "remediations": ("Provider errors put right", "Erreurs du prestataire corrigées"),
    "remediation_hours": ("In-house hours correcting the provider",
                          "Heures internes de correction du prestataire"),
    "handoffs": ("Handed back by the provider", "Rendus par le prestataire"),
    "deflected": ("Answered by self-service", "Répondus en libre-service"),
    "cost_inhouse": ("In-house cost", "Coût interne"),
    "cost_provider": ("Provider cost", "Coût prestataire"),
    "cost_rework": ("Value of in-house rework (already inside the in-house cost)",
                    "Valeur des reprises internes (déjà comprise dans le coût interne)"),
    "cost_experts": ("Experts cost", "Coût des experts"),
    "cost_total": ("Total cost", "Coût total"),
    "cost_per_contact": ("Cost per request", "Coût par demande"),
    "cost_per_on_time_answer": ("Cost per member reached on time (right or wrong answer)",
                                "Coût par adhérent joint à temps (réponse juste ou non)"),
    "cost_per_right_answer": ("Cost per right answer on time",
                              "Coût par réponse juste dans les délais"),
}

PATHS: dict[str, tuple[str, str]] = {
    "staff.advisors": ("in-house advisors", "conseillers internes"),
    "staff.days_per_week": ("in-house days a week", "jours par semaine en interne"),
    "outsourcing.advisors": ("provider's advisors", "conseillers du prestataire"),
    "outsourcing.defect_rate": ("provider's error rate", "taux d'erreur du prestataire"),
    "outsourcing.initial_defect_rate": ("provider's error rate while starting",
                                        "taux d'erreur du prestataire au démarrage"),
    "outsourcing.first_contact_resolution": ("share the provider resolves itself",
                                             "part résolue par le prestataire lui-même"),
    "outsourcing.talk_factor": ("provider's talk time factor",
                                "facteur de durée d'appel du prestataire"),
    "outsourcing.price.per_contact": ("provider's price per contact",
                                      "prix du prestataire par contact"),
    "outsourcing.price.per_hour": ("provider's price per hour", "prix du prestataire par heure"),
    "outsourcing.price.minimum_monthly": ("provider's monthly minimum",
                                          "minimum mensuel du prestataire"),
    "outsourcing.price.penalty_per_late_callback": ("penalty per late callback",
                                                    "pénalité par rappel tardif"),
    "outsourcing.takes.case_types": ("work given to the provider", "travail confié au prestataire"),
    "outsourcing.takes.share": ("share of it given to the provider",
                                "part confiée au prestataire"),
    "outsourcing.hours": ("provider's hours", "horaires du prestataire"),
    "outsourcing.oversight_hours_per_month": ("in-house hours overseeing the contract a month",
                                              "heures internes de suivi du contrat par mois"),
    "outsourcing.remediation": ("in-house time to put an error right",
                                "temps interne pour corriger une erreur"),
    "outsourcing.detect_after": ("time before an error is found",
                                 "délai avant qu'une erreur soit découverte"),
    "outsourcing.handoff_work": ("in-house time per contact handed back",
                                 "temps interne par contact rendu"),
    "staff.cost_per_hour": ("loaded hourly cost", "coût horaire chargé"),
    "callbacks.deadline": ("callback deadline", "délai de rappel"),
    "callbacks.clock": ("clock of the deadline", "décompte du délai"),
    "callbacks.reach_probability": ("chance of reaching the member at each attempt",
                                    "chance de joindre l'adhérent à chaque tentative"),
    "callbacks.max_attempts": ("callback attempts at most", "tentatives de rappel au plus"),
}
"""Scenario values named in the reader's words (others keep their dotted path)."""

TEXT: dict[str, tuple[str, str]] = {
    "report": ("Evidence pack", "Dossier de preuves"),
    "findings": ("What the simulation says, option by option",
                 "Ce que dit la simulation, option par option"),
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
    "hours_to_callback": ("Callbacks and right answers against each member's deadline",
                          "Rappels et réponses justes face à l'échéance de chaque adhérent"),
    "right_answer": ("right answer", "réponse juste"),
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
    "source_files": ("files received directly", "dossiers reçus directement"),
    "f_right": ("{option}: {value} of the members owed an answer within the deadline get the "
                "right answer in time; {called} are called back in time, right answer or not"
                "{target}.",
                "{option} : {value} des adhérents dus dans un délai ont la réponse juste à "
                "temps ; {called} sont rappelés à temps, réponse juste ou non{target}."),
    "f_calls": ("{option}: {value} of calls are answered within {threshold}; {abandon} of "
                "callers hang up before an advisor answers.",
                "{option} : {value} des appels sont décrochés en moins de {threshold} ; "
                "{abandon} des appelants raccrochent avant qu'un conseiller ne réponde."),
    "f_cost": ("{option} costs {value} over the simulated period, {per_contact} per request.",
               "{option} coûte {value} sur la période simulée, soit {per_contact} par "
               "demande."),
    "f_cost_vs": ("{option} costs {value} over the simulated period: against {base}, {change}.",
                  "{option} coûte {value} sur la période simulée : face à {base}, {change}."),
    "f_rework": ("{option}: in-house advisors spend {hours} hours correcting the provider's "
                 "errors ({remediations} answers put right) and take back {handoffs} contacts; "
                 "valued at {value}, these hours are already inside the in-house cost.",
                 "{option} : les conseillers internes passent {hours} heures à corriger les "
                 "erreurs du prestataire ({remediations} réponses reprises) et reprennent "
                 "{handoffs} contacts ; valorisées à {value}, ces heures sont déjà comprises "
                 "dans le coût interne."),
    "f_load": ("{option}: {advisors} in-house advisors ({fte} full-time equivalents paid) are "
               "busy {value} of their time on the lines on average, 9 in 10 under {p90}, the "
               "busiest {busiest}; overtime {overtime} hours in all, {per_advisor} hours per "
               "advisor.",
               "{option} : {advisors} conseillers internes ({fte} équivalents temps plein "
               "payés) sont occupés {value} de leur temps de présence en moyenne, 9 sur 10 "
               "sous {p90}, le plus chargé {busiest} ; heures supplémentaires : {overtime} en "
               "tout, {per_advisor} par conseiller."),
    "f_resolution": ("{option}: members get their answer after {value} hours on average (9 in "
                     "10 within {p90} hours); {unanswered} never get one.",
                     "{option} : les adhérents ont leur réponse en {value} heures en moyenne "
                     "(9 sur 10 en moins de {p90} heures) ; {unanswered} n'en ont jamais."),
    "f_by_source": ("{option}: members never answered, by source: {items}.",
                    "{option} : adhérents restés sans réponse, par origine : {items}."),
    "f_target": ("; the callback target {target} is met in {share} of the simulations",
                 " ; l'objectif de rappel {target} est atteint dans {share} des simulations"),
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
    "clock_calendar": ("{hours} hours", "{hours} heures"),
    "clock_business": ("{hours} hours of open lines", "{hours} heures d'ouverture"),
    "clock_open_days": ("{hours} hours counted on working days only",
                        "{hours} heures comptées sur les seuls jours ouvrés"),
    "all_options": ("all options", "toutes les options"),
    "summary": ("In short", "En bref"),
    "no_change": ("no change", "aucun changement"),
    "every_simulation": ("the same in every simulation", "identique dans chaque simulation"),
    "no_difference": ("no measurable difference ({diff}, 95 % interval {interval})",
                      "aucune différence mesurable ({diff}, intervalle à 95 % {interval})"),
    "s_promise": ("The promise — the right answer reaching the member within {deadline}{goal}: "
                  "{options}.",
                  "La promesse — la réponse juste parvenue à l'adhérent sous {deadline}{goal} : "
                  "{options}."),
    "s_goal": (", for at least {target} of members", ", pour au moins {target} des adhérents"),
    "s_promise_option": ("{option} {rate} (called back on time, right answer or not: {called})",
                         "{option} {rate} (rappelés dans les délais, réponse juste ou non : "
                         "{called})"),
    "s_target_met": ("; the goal is met in {share} of the simulations",
                     " ; objectif atteint dans {share} des simulations"),
    "s_more_points": ("{amount} above the first option",
                      "{amount} de plus que la première option"),
    "s_less_points": ("{amount} below the first option",
                      "{amount} de moins que la première option"),
    "s_cost": ("Cost over the simulated period: {parts}.",
               "Coût sur la période simulée : {parts}."),
    "s_parts": ("of which {parts}", "dont {parts}"),
    "s_per_right": ("({value} per right answer on time)",
                    "({value} par réponse juste dans les délais)"),
    "s_dearer": ("{amount} more", "{amount} de plus"),
    "s_cheaper": ("{amount} less", "{amount} de moins"),
    "s_wait": ("Members' wait for their answer: {parts}.",
               "Attente des adhérents jusqu'à leur réponse : {parts}."),
    "s_wait_option": ("{option} {hours} hours on average, one in ten more than {p90} hours, "
                      "{unanswered} never answered",
                      "{option} {hours} heures en moyenne, un sur dix plus de {p90} heures, "
                      "{unanswered} restés sans réponse"),
    "s_longer": ("{amount} hours longer", "{amount} heures de plus"),
    "s_shorter": ("{amount} hours shorter", "{amount} heures de moins"),
    "s_load": ("In-house load per advisor: {parts}.",
               "Charge interne par conseiller : {parts}."),
    "s_load_option": ("{option} {advisors} in-house advisors, {work} hours of work and "
                      "{overtime} hours of overtime each, the busiest occupied {busiest}",
                      "{option} {advisors} conseillers internes, {work} heures de travail et "
                      "{overtime} heures supplémentaires chacun, le plus chargé occupé à "
                      "{busiest}"),
    "s_overtime_change": ("overtime per advisor {change}",
                          "heures supplémentaires par conseiller : {change}"),
    "s_more_hours": ("{amount} hours more", "{amount} heures de plus"),
    "s_fewer_hours": ("{amount} hours fewer", "{amount} heures de moins"),
    "s_rests": ("This verdict rests first on the values that differ between the options "
                "({order}): {items}{more}.",
                "Ce verdict repose d'abord sur les valeurs qui diffèrent entre les options "
                "({order}) : {items}{more}."),
    "s_rests_more": ("; and {count} other values (table “What differs between the options”)",
                     " ; et {count} autres valeurs (tableau « Ce qui diffère entre les "
                     "options »)"),
    "s_rests_same": ("The options differ in no value of their scenario files.",
                     "Les options ne diffèrent par aucune valeur de leurs fichiers de scénario."),
    "differs": ("What differs between the options", "Ce qui diffère entre les options"),
    "differs_note": (
        "Every value of the scenario files that is not the same in every option, headcounts "
        "first: the verdict rests on these.",
        "Chaque valeur des fichiers de scénario qui n'est pas la même dans toutes les options, "
        "effectifs d'abord : le verdict repose sur elles."),
    "glossary": ("Glossary of the indicators", "Glossaire des indicateurs"),
    "glossary_note": (
        "The code name is the column of the result tables (replications.csv, comparison.csv).",
        "Le nom de code est la colonne des tableaux de résultats (replications.csv, "
        "comparison.csv)."),
    "code_name": ("Code name", "Nom de code"),
    "definition": ("Definition", "Définition"),
    "material": ("Coloured from", "Coloré à partir de"),
    "material_absolute": ("a difference of {size}", "un écart de {size}"),
    "material_relative": ("{size} of the first option's value",
                          "{size} de la valeur de la première option"),
    "reason_in_english": ("(reason given in English only)", "(raison donnée en anglais seulement)"),
    "key_figures_note": (
        "Under each figure: its 95 % interval; then, from the second option on, the difference "
        "with the first option and its 95 % interval; for a target, the share of the "
        "simulations meeting it. Green: better, red: worse — only when the interval of the "
        "difference excludes zero and the difference is at least the threshold of the "
        "glossary; rates differ in points.",
        "Sous chaque chiffre : son intervalle à 95 % ; puis, à partir de la deuxième option, "
        "l'écart avec la première et son intervalle à 95 % ; pour un objectif, la part des "
        "simulations qui l'atteignent. Vert : mieux, rouge : moins bien — seulement quand "
        "l'intervalle de l'écart exclut zéro et que l'écart atteint le seuil du glossaire ; "
        "les écarts de taux sont en points."),
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

    def path_label(self, path: str) -> str:
        """A scenario value's name in the language (its dotted path when it has none)."""
        return PATHS[path][self._i] if path in PATHS else path

    def source(self, name: str) -> str:
        """A source's name: the reserved one of files in the language, others as written."""
        key = f"source_{name}"
        return TEXT[key][self._i] if key in TEXT else name

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

    def difference(self, kpi: str, value: float, decimals: int | None = None) -> str:
        """A difference with its sign; a difference of rates in points (`+14,0 pts`)."""
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return "–"
        sign = "+" if value > 0 else "−" if value < 0 else "±"
        unit = KPIS[kpi].unit if kpi in KPIS else "count"
        if unit == "share":
            text = self.number(abs(value) * 100, 1 if decimals is None else decimals)
            return f"{sign}{text}\u00a0pts"
        if decimals is None:
            return sign + self.kpi_value(kpi, abs(value))
        if unit == "money":
            number = self.number(abs(value), decimals)
            return sign + (f"{number}\u00a0€" if self.lang == "fr" else f"€{number}")
        return sign + self.number(abs(value), decimals)

    def _suffix(self, kpi: str) -> str:
        unit = KPIS[kpi].unit if kpi in KPIS else "count"
        return {"share": "\u00a0pts", "money": "\u00a0€" if self.lang == "fr" else ""}.get(
            unit, "")

    def decimals(self, kpi: str, low: float, high: float) -> int | None:
        """The fewest decimals (None: the KPI's own) at which an interval's two ends differ
        and neither nonzero end rounds to zero."""
        for decimals in (None, 1, 2, 3, 4):
            ends = [self.difference(kpi, v, decimals) for v in (low, high)]
            shown = all(v == 0 or any(c in "123456789" for c in e)
                        for v, e in zip((low, high), ends, strict=True))
            if ends[0] != ends[1] and shown:
                return decimals
        return 4

    def interval(self, kpi: str, low: float, high: float) -> str:
        """A difference's 95 % interval, `[−28 768 ; +30 148] €`, `[−11,0 ; −9,7] pts`, with
        enough digits that its two ends differ; `no change` when it is a single point at zero,
        `the same in every simulation` when every replication gives the same difference."""
        if math.isnan(low) or math.isnan(high):
            return "–"
        if low == high:
            return self.t("no_change") if low == 0 else self.t("every_simulation")
        sep = " ; " if self.lang == "fr" else "; "
        suffix = self._suffix(kpi)
        decimals = self.decimals(kpi, low, high)
        ends = [self.difference(kpi, v, decimals).removesuffix(suffix) if suffix
                else self.difference(kpi, v, decimals) for v in (low, high)]
        return f"[{ends[0]}{sep}{ends[1]}]{suffix}"

    def difference_within(self, kpi: str, diff: float, low: float, high: float) -> str:
        """A difference with as many decimals as its interval needs (never a rounded −0,0)."""
        if math.isnan(low) or math.isnan(high) or low == high:
            return self.difference(kpi, diff)
        return self.difference(kpi, diff, self.decimals(kpi, low, high))

    def date(self, day: date) -> str:
        """`lundi 3 mars 2025` in French, `Monday 3 March 2025` in English."""
        return (f"{_DAYS[self.lang][day.weekday()]} {day.day} "
                f"{_MONTHS[self.lang][day.month - 1]} {day.year}")

    def colon(self, label: str) -> str:
        """A label before its value: `Commande :` in French, `Command:` in English."""
        return f"{label}\u00a0:" if self.lang == "fr" else f"{label}:"

    def join(self, items: list[str]) -> str:
        """Items of a sentence, separated by semicolons the language's way."""
        return (" ; " if self.lang == "fr" else "; ").join(items)

    def separators(self) -> str:
        """Plotly's decimal and thousands separators for the language."""
        return ", " if self.lang == "fr" else ".,"
