"""The KPI glossary: names, units, which direction is better, and plain-language definitions.

Every table, target and report speaks these names (design note 7). This module is pure data
and imports nothing of the package, so the scenario schema can check `[targets]` against it and
the report can translate it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

Direction = Literal["higher", "lower", "neutral"]

MATERIALITY: dict[str, tuple[Literal["absolute", "relative"], float]] = {
    "share": ("absolute", 0.005),
    "money": ("relative", 0.01),
    "hours": ("relative", 0.05),
    "seconds": ("relative", 0.05),
    "count": ("relative", 0.05),
}
"""The smallest difference worth a colour, by unit unless a KPI says otherwise: half a point
on a rate, 1 % of the base option's value on money, 5 % of it on hours, seconds and counts."""


@dataclass(frozen=True)
class Kpi:
    """One column of `replications.csv`."""

    name: str
    unit: str
    better: Direction
    en: str
    fr: str
    material: tuple[Literal["absolute", "relative"], float] | None = None
    """The smallest difference worth a colour (default: `MATERIALITY` of the unit)."""

    @property
    def materiality(self) -> tuple[Literal["absolute", "relative"], float]:
        """(`absolute`, x): a difference of at least x (a share: 0.005 is half a point);
        (`relative`, x): at least x times the base option's value."""
        return self.material or MATERIALITY[self.unit]

    def material_threshold(self, base: float) -> float:
        """The smallest difference from `base` that is material."""
        kind, size = self.materiality
        return size if kind == "absolute" else size * abs(base)

    def verdict(self, diff: float, low: float, high: float, base: float | None = None) -> str:
        """`better` or `worse` for a difference whose interval `[low, high]` excludes no
        change, on a KPI with a better direction, and (given the `base` value) at least
        material; empty otherwise."""
        if self.better == "neutral" or math.isnan(low) or not measurable(low, high):
            return ""
        if base is not None and not abs(diff) >= self.material_threshold(base):
            return ""
        return "better" if (diff > 0) == (self.better == "higher") else "worse"


def measurable(low: float, high: float) -> bool:
    """Whether a difference's 95 % interval `[low, high]` excludes zero."""
    return bool(low > 0 or high < 0)


_KPIS = (
    Kpi("contacts", "count", "neutral",
        "member requests arriving in the measured window (first attempts only)",
        "demandes d'adhérents arrivées dans la fenêtre mesurée (premières tentatives)"),
    Kpi("calls_offered", "count", "neutral",
        "inbound call attempts (first + retrials) made while the lines were open",
        "appels entrants (premiers appels et rappels) passés pendant l'ouverture des lignes"),
    Kpi("calls_answered", "count", "neutral", "offered calls answered by an advisor",
        "appels présentés décrochés par un conseiller"),
    Kpi("calls_abandoned", "count", "lower", "offered calls whose caller hung up while waiting",
        "appels présentés raccrochés pendant l'attente"),
    Kpi("calls_closed", "count", "lower", "call attempts made while the lines were closed",
        "appels passés lignes fermées"),
    Kpi("abandon_rate", "share", "lower", "calls_abandoned / calls_offered",
        "appels abandonnés / appels présentés"),
    Kpi("p_wait", "share", "lower", "share of offered calls that found no advisor free",
        "part des appels présentés qui n'ont trouvé aucun conseiller libre"),
    Kpi("asa_s", "seconds", "lower", "mean wait of answered calls",
        "attente moyenne des appels décrochés"),
    Kpi("service_level", "share", "higher",
        "calls answered within the threshold / calls offered",
        "appels décrochés dans le délai cible / appels présentés"),
    Kpi("occupancy", "share", "neutral",
        "in-house advisor work time / their available time (staffed minus meetings and "
        "shrinkage, plus overtime)",
        "temps de travail des conseillers internes / leur temps disponible (présence hors "
        "réunions et absences, heures supplémentaires comprises)"),
    Kpi("callbacks_owed", "count", "neutral",
        "contacts owed a callback: every request in callback mode; callback, expert and "
        "regional cases in inbound mode",
        "contacts à rappeler : toute demande en mode rappel ; cas recherche, expert et "
        "régional en mode appels entrants"),
    Kpi("callback_on_time_rate", "share", "higher",
        "share of contacts owed a callback reached before the deadline (contacts not yet "
        "reached whose deadline falls after the horizon are not counted)",
        "part des contacts à rappeler joints avant l'échéance (contacts non joints dont "
        "l'échéance tombe après l'horizon non comptés)"),
    Kpi("right_on_time_rate", "share", "higher",
        "the promise: share of the contacts owed an answer within a deadline (the deadline "
        "falling before the horizon ends) whose correct answer reached the member before it; a "
        "provider's wrong answer is no answer until its remediation reaches the member",
        "la promesse : part des contacts dus dans un délai (échéance avant la fin de "
        "l'horizon) dont la réponse juste est parvenue à l'adhérent avant l'échéance ; une "
        "réponse erronée du prestataire ne compte qu'une fois corrigée auprès de l'adhérent"),
    Kpi("callback_hours_p90", "hours", "lower",
        "90th percentile of hours from request to the member being reached",
        "9e décile des heures entre la demande et le rappel abouti"),
    Kpi("callbacks_unreachable", "count", "lower",
        "contacts closed after the last failed callback attempt",
        "contacts clos après la dernière tentative de rappel infructueuse"),
    Kpi("escalated_experts", "count", "neutral", "contacts escalated to the expert network",
        "contacts transmis au réseau d'experts"),
    Kpi("handed_over_regional", "count", "neutral", "contacts handed over to a regional office",
        "contacts relayés par une structure régionale"),
    Kpi("files_opened", "count", "neutral",
        "back-office files of the contacts measured (arrived in the window, backlog excluded)",
        "dossiers des contacts mesurés (arrivés dans la fenêtre, stock initial exclu)"),
    Kpi("file_on_time_rate", "share", "higher",
        "share of files closed before their deadline (files still open whose deadline falls "
        "after the horizon are not counted)",
        "part des dossiers clos avant leur échéance (dossiers ouverts dont l'échéance tombe après "
        "l'horizon non comptés)"),
    Kpi("documents_requested", "count", "neutral",
        "files for which documents were asked of the member",
        "dossiers pour lesquels des pièces ont été demandées à l'adhérent"),
    Kpi("wrongful_requests", "count", "lower",
        "documents asked for on files that were already complete",
        "pièces demandées sur des dossiers déjà complets"),
    Kpi("resolution_hours_mean", "hours", "lower",
        "mean hours from first contact to the answer reaching the member",
        "heures moyennes entre le premier contact et la réponse"),
    Kpi("resolution_hours_p90", "hours", "lower",
        "90th percentile of hours from first contact to the answer reaching the member",
        "9e décile des heures entre le premier contact et la réponse"),
    Kpi("open_at_end", "count", "lower", "contacts not yet answered when the horizon ends",
        "contacts sans réponse à la fin de l'horizon"),
    Kpi("unanswered_rate", "share", "lower",
        "share of the contacts that never got an answer: gave up, last attempt on closed "
        "lines, never reached, or still open when the horizon ends",
        "part des contacts restés sans réponse : abandon, dernier appel lignes fermées, "
        "jamais joints, ou encore ouverts à la fin de l'horizon"),
    Kpi("overtime_hours", "hours", "lower",
        "in-house advisor time worked past shift end, all advisors together",
        "temps travaillé par les conseillers internes après la fin de service, tous "
        "ensemble"),
    Kpi("inhouse_work_hours", "hours", "neutral",
        "hours in-house advisors spent working, all advisors together",
        "heures de travail des conseillers internes, tous ensemble"),
    Kpi("inhouse_advisors", "count", "neutral",
        "in-house headcount: advisors on the in-house roster in the measured window",
        "effectif interne : conseillers au planning interne dans la fenêtre mesurée",
        ("absolute", 0.5)),
    Kpi("inhouse_fte", "count", "neutral",
        "paid in-house full-time equivalents: paid hours (scheduled, absences and meetings "
        "included, plus overtime) / the scheduled hours of the in-house advisor with the "
        "longest schedule",
        "équivalents temps plein internes payés : heures payées (planifiées, absences et "
        "réunions comprises, plus heures supplémentaires) / heures planifiées du conseiller "
        "interne au plus long planning", ("absolute", 0.1)),
    Kpi("work_hours_per_advisor", "hours", "lower",
        "in-house work hours / in-house headcount: the load on each person",
        "heures de travail internes / effectif interne : la charge de chacun"),
    Kpi("overtime_hours_per_advisor", "hours", "lower",
        "in-house overtime hours / in-house headcount",
        "heures supplémentaires internes / effectif interne"),
    Kpi("occupancy_max", "share", "lower",
        "occupancy of the busiest in-house advisor over the window (work / time on the lines)",
        "occupation du conseiller interne le plus chargé sur la fenêtre (travail / temps de "
        "présence)"),
    Kpi("occupancy_p90", "share", "lower",
        "occupancy that 9 in-house advisors in 10 stay under, over the window",
        "occupation sous laquelle restent 9 conseillers internes sur 10, sur la fenêtre"),
    Kpi("provider_share", "share", "neutral",
        "share of contacts whose first contact the provider handled",
        "part des contacts dont le premier contact a été traité par le prestataire"),
    Kpi("remediations", "count", "lower", "provider defects reworked in-house",
        "défauts du prestataire repris en interne"),
    Kpi("remediation_hours", "hours", "lower",
        "in-house advisor hours spent putting the provider's wrong answers right",
        "heures des conseillers internes passées à corriger les erreurs du prestataire"),
    Kpi("handoffs", "count", "lower",
        "contacts the provider handed back in-house (unresolved, or leading to an in-house "
        "file)",
        "contacts rendus par le prestataire à l'interne (non résolus, ou menant à un dossier "
        "interne)"),
    Kpi("deflected", "count", "neutral",
        "contacts answered by self-service (AI) without coming back",
        "contacts répondus en libre-service (IA) sans revenir"),
    Kpi("cost_inhouse", "money", "lower",
        "paid in-house advisor hours, and hours overseeing the provider, at the loaded "
        "hourly cost",
        "heures payées des conseillers internes, et heures de suivi du prestataire, au coût "
        "horaire chargé"),
    Kpi("cost_provider", "money", "lower",
        "what the provider is paid: per contact and per hour, at least the monthly minimum, "
        "minus penalties for late callbacks",
        "montant payé au prestataire : par contact et par heure, au moins le minimum mensuel, "
        "moins les pénalités de rappels tardifs"),
    Kpi("cost_rework", "money", "lower",
        "in-house hours spent on the provider's errors and hand-overs, at the loaded hourly "
        "cost (already inside cost_inhouse while the team absorbs them; a cost of its own "
        "when the team must grow)",
        "heures internes passées sur les erreurs et les transferts du prestataire, au coût "
        "horaire chargé (déjà dans le coût interne tant que l'équipe les absorbe ; un coût à "
        "part entière quand il faut la renforcer)"),
    Kpi("cost_experts", "money", "lower", "escalated cases times the experts' price per case",
        "cas transmis fois le prix par cas des experts"),
    Kpi("cost_total", "money", "lower", "cost_inhouse + cost_provider + cost_experts",
        "coût interne + prestataire + experts"),
    Kpi("cost_per_contact", "money", "lower", "cost_total / contacts",
        "coût total / contacts"),
    Kpi("cost_per_on_time_answer", "money", "lower",
        "cost_total / members answered in the end and, when a callback was owed, reached "
        "before the deadline — by anyone, with the right answer or a provider's wrong answer "
        "put right later (cost_per_right_answer is the promise's)",
        "coût total / adhérents répondus au bout du compte et, quand un rappel était dû, "
        "joints avant l'échéance — par quiconque, avec la bonne réponse ou une réponse erronée "
        "du prestataire corrigée plus tard (le coût par réponse juste à temps est celui de la "
        "promesse)"),
    Kpi("cost_per_right_answer", "money", "lower",
        "cost_total / contacts whose correct answer reached them, before the deadline when "
        "one was owed",
        "coût total / contacts dont la réponse juste leur est parvenue, avant l'échéance "
        "quand il y en avait une"),
)

KPIS: dict[str, Kpi] = {k.name: k for k in _KPIS}
"""Every KPI by name, in the order of `replications.csv`."""

