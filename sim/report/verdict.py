"""The verdict of a comparison: what it may say, and what it rests on (DESIGN.md section 10).

A direction ("costs less", "waits longer") is said only when the 95 % interval of the paired
difference excludes zero; otherwise the sentence says there is no measurable difference and
gives the interval. Colour needs the interval to exclude zero and the difference to be material
(the glossary's threshold). The summary, at most six sentences, says the promise (the right
answer on time), the cost, the members' waiting, the in-house load per advisor, and the values
that differ between the options (headcounts first) with the values side by side.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.glossary import KPIS, measurable
from sim.measures.kpis import met_share
from sim.report.language import Words
from sim.report.results import Results, RunData
from sim.scenario import Scenario

PROMISE = "right_on_time_rate"


def mean(run: RunData, kpi: str) -> float:
    """An option's mean of a KPI over its replications (NaN when never measured)."""
    values = run.replications[kpi].dropna() if kpi in run.replications else pd.Series()
    return float(values.mean()) if len(values) else math.nan


def title(scenario: Scenario, words: Words) -> str:
    """The scenario's title in the reader's language (its name when it has none)."""
    if words.lang == "fr" and scenario.title_fr:
        return scenario.title_fr
    return scenario.title or scenario.name


def quoted_title(results: Results, name: str, words: Words) -> str:
    """An option of `results` by its title in the reader's language, quoted (its name when the
    folder does not hold it)."""
    run = next((r for r in results.runs if r.scenario.name == name), None)
    text = title(run.scenario, words) if run is not None else name
    return f"« {text} »" if words.lang == "fr" else f"“{text}”"


def short_title(scenario: Scenario, words: Words,
                others: list[Scenario] | None = None) -> str:
    """The option's title without the head it shares with the `others` (`Action sociale —
    ECO sous-traitées, DIS en interne` -> `ECO sous-traitées, DIS en interne`); the whole
    title when the others' titles start otherwise."""
    text = title(scenario, words)
    head, dash, tail = text.partition(" — ")
    if not (dash and tail):
        return text
    heads = {title(s, words).partition(" — ")[0] for s in others or [scenario]}
    return tail if heads == {head} else text


def option_name(results: Results, run: RunData, words: Words) -> str:
    """How the report names an option: its short title among the compared options, quoted."""
    return quote(short_title(run.scenario, words, [r.scenario for r in results.runs]), words)


def quote(text: str, words: Words) -> str:
    """A name in the language's quotation marks."""
    return f"« {text} »" if words.lang == "fr" else f"“{text}”"


@dataclass(frozen=True)
class Difference:
    """One option minus the base on one KPI, paired replication by replication."""

    kpi: str
    base: float
    value: float
    diff: float
    low: float
    high: float

    @property
    def measurable(self) -> bool:
        """The 95 % interval excludes zero."""
        return not math.isnan(self.low) and measurable(self.low, self.high)

    @property
    def material(self) -> bool:
        """At least the glossary's threshold for this KPI, from the base value."""
        return abs(self.diff) >= KPIS[self.kpi].material_threshold(self.base)

    @property
    def colour(self) -> str:
        """`better`, `worse`, or empty (not measurable, not material, or no better side)."""
        return KPIS[self.kpi].verdict(self.diff, self.low, self.high, self.base)


def comparison_row(results: Results, run: RunData, kpi: str) -> dict[str, float]:
    """The row of `comparison.csv` for one option and KPI (empty when there is none)."""
    table = results.comparison
    if table is None:
        return {}
    rows = table[(table["scenario"] == run.scenario.name) & (table["kpi"] == kpi)]
    if not len(rows):
        return {}
    return {str(k): float(v) for k, v in rows.iloc[0].items()
            if k in ("mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low", "diff_ci_high")}


def difference(results: Results, run: RunData, kpi: str) -> Difference | None:
    """The paired difference of `run` against the base on `kpi`, or None."""
    row = comparison_row(results, run, kpi)
    if not row or math.isnan(row.get("diff_mean", math.nan)):
        return None
    return Difference(kpi, mean(results.runs[0], kpi), mean(run, kpi), row["diff_mean"],
                      row.get("diff_ci_low", math.nan), row.get("diff_ci_high", math.nan))


def change(words: Words, d: Difference, more: str, less: str, **values: Any) -> str:
    """A difference in words: its direction (the `more` or `less` text) with its interval
    when the interval excludes zero; `no measurable difference` with the interval otherwise;
    `no change` when every replication gives the same value."""
    if d.diff == 0 and d.low == d.high == 0:
        return words.t("no_change")
    interval = words.interval(d.kpi, d.low, d.high)
    if d.low == d.high:
        interval = f"({interval})"
    if not d.measurable:
        return words.t("no_difference", interval=interval,
                       diff=words.difference_within(d.kpi, d.diff, d.low, d.high))
    unit = KPIS[d.kpi].unit
    size = (words.difference(d.kpi, abs(d.diff)).lstrip("+") if unit == "share"
            else words.kpi_value(d.kpi, abs(d.diff)))
    return words.t(more if d.diff > 0 else less, amount=size, **values) + f" {interval}"


# -- the summary -----------------------------------------------------------------------------
def summary(results: Results, words: Words) -> list[str]:
    """At most six sentences for the top of the report."""
    sentences = [promise(results, words), cost(results, words), waiting(results, words),
                 load(results, words), rests_on_sentence(results, words)]
    return [s for s in sentences if s][:6]


def _deadline(run: RunData, words: Words) -> str:
    callbacks = run.scenario.callbacks
    hours = callbacks.deadline.total_seconds() / 3600
    return words.t(f"clock_{callbacks.clock.replace('-', '_')}", hours=words.number(hours))


def promise(results: Results, words: Words) -> str:
    """The right answer on time, for every option, with the difference to the base."""
    base = results.runs[0]
    parts = []
    for run in results.runs:
        rate = mean(run, PROMISE)
        if math.isnan(rate):
            continue
        targets = run.scenario.targets
        target = targets.get(PROMISE) or targets.get("callback_on_time_rate")
        part = words.t("s_promise_option", option=option_name(results, run, words),
                       rate=words.percent(rate),
                       called=words.percent(mean(run, "callback_on_time_rate")))
        d = difference(results, run, PROMISE)
        if d is not None:
            part += ", " + change(words, d, "s_more_points", "s_less_points")
        if target is not None:
            part += words.t("s_target_met", share=words.percent(
                met_share(run.replications[PROMISE], target), 0))
        parts.append(part)
    if not parts:
        return ""
    targets = base.scenario.targets
    target = targets.get(PROMISE) or targets.get("callback_on_time_rate")
    goal = words.t("s_goal", target=words.percent(target.value)) if target else ""
    return words.t("s_promise", deadline=_deadline(base, words), goal=goal,
                   options=words.join(parts))


def cost(results: Results, words: Words) -> str:
    """The total cost of each option against the base, and its cost per right answer."""
    if not mean(results.runs[0], "cost_total") > 0:
        return ""
    parts = []
    for run in results.runs:
        d = difference(results, run, "cost_total")
        part = f"{option_name(results, run, words)} {words.money(mean(run, 'cost_total'))}"
        if d is not None:
            part += ", " + change(words, d, "s_dearer", "s_cheaper")
            pieces = [f"{words.label(k).lower()} {words.difference(k, p.diff)}"
                      for k in COST_PARTS if (p := difference(results, run, k)) is not None
                      and p.measurable]
            if pieces:
                part += ", " + words.t("s_parts", parts=", ".join(pieces))
        per_right = mean(run, "cost_per_right_answer")
        if not math.isnan(per_right):
            part += " " + words.t("s_per_right", value=words.money(per_right))
        parts.append(part)
    return words.t("s_cost", parts=words.join(parts))


COST_PARTS = ("cost_inhouse", "cost_provider", "cost_experts")
"""What a cost difference is made of."""


def waiting(results: Results, words: Words) -> str:
    """How long members wait for their answer, and how many never get one."""
    parts = []
    for run in results.runs:
        hours = mean(run, "resolution_hours_mean")
        if math.isnan(hours):
            continue
        part = words.t("s_wait_option", option=option_name(results, run, words),
                       hours=words.number(hours, 1),
                       p90=words.number(mean(run, "resolution_hours_p90")),
                       unanswered=words.percent(mean(run, "unanswered_rate")))
        d = difference(results, run, "resolution_hours_mean")
        if d is not None:
            part += ", " + change(words, d, "s_longer", "s_shorter")
        parts.append(part)
    return words.t("s_wait", parts=words.join(parts)) if parts else ""


def load(results: Results, words: Words) -> str:
    """The in-house load per advisor: headcount, work and overtime hours each, the busiest."""
    parts = []
    for run in results.runs:
        headcount = mean(run, "inhouse_advisors")
        if math.isnan(headcount) or headcount == 0:
            continue
        part = words.t("s_load_option", option=option_name(results, run, words),
                       advisors=words.number(headcount),
                       work=words.number(mean(run, "work_hours_per_advisor")),
                       overtime=words.number(mean(run, "overtime_hours_per_advisor")),
                       busiest=words.percent(mean(run, "occupancy_max"), 0))
        d = difference(results, run, "overtime_hours_per_advisor")
        if d is not None:
            part += ", " + words.t("s_overtime_change",
                                   change=change(words, d, "s_more_hours", "s_fewer_hours"))
        parts.append(part)
    return words.t("s_load", parts=words.join(parts)) if parts else ""


def rests_on_sentence(results: Results, words: Words, named: int = 5) -> str:
    """The values that differ between the options (headcounts first), side by side."""
    if len(results.runs) < 2:
        return ""
    rows = differences_between(results)
    if not rows:
        return words.t("s_rests_same")
    items = [f"{words.path_label(r['path'])} "
             f"{' | '.join(shown(r['path'], v, words) for v in r['values'])}" + (
        f" ({words.t(r['kind'])})" if r["kind"] else "") for r in rows[:named]]
    more = (words.t("s_rests_more", count=len(rows) - named) if len(rows) > named else "")
    order = " | ".join(option_name(results, r, words) for r in results.runs)
    return words.t("s_rests", order=order, items=words.join(items), more=more)


# -- what differs between the options --------------------------------------------------------
SKIPPED = ("name", "title", "title_fr", "description", "description_fr", "references", "run",
           "targets", "extends")
"""Top-level keys that do not change what an option costs or promises."""

FIRST = ("staff.advisors", "outsourcing.advisors", "staff.days_per_week", "outsourcing.days",
         "outsourcing.defect_rate", "outsourcing.initial_defect_rate",
         "outsourcing.price.per_contact", "outsourcing.price.per_hour",
         "outsourcing.price.minimum_monthly", "outsourcing.first_contact_resolution",
         "outsourcing.talk_factor", "outsourcing.takes")
"""The order in which differing values are named: headcounts, then the provider's quality
and price (any other value comes after, in file order)."""


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """A scenario's values by dotted path; a distribution stays one value."""
    if isinstance(value, dict) and "dist" not in value:
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and value and all(isinstance(x, dict) for x in value):
        out = {}
        for i, item in enumerate(value, start=1):
            out.update(flatten(item, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


SHARES = ("_rate", "share", "first_contact_resolution", "probability", "shrinkage")
"""Values written as shares of one (shown as percentages)."""


def shown(path: str, value: Any, words: Words) -> str:
    """A scenario value the reader's way: `8 %` for a share, `20 000` for a number."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        return " ".join(str(v) for v in value.values())
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if path.endswith(SHARES) and 0 <= value <= 1:
        return words.percent(value, 0 if round(value * 100, 6) == int(value * 100) else 1)
    return words.number(value, 0 if value == int(value) else 2)


def _rank(path: str) -> tuple[int, int]:
    for i, first in enumerate(FIRST):
        if path == first or path.startswith(f"{first}."):
            return (0 if "advisors" in path else 1, i)
    if path.endswith(".advisors"):
        return 0, len(FIRST)
    return 2, 0


def differences_between(results: Results) -> list[dict[str, Any]]:
    """Each value that differs between the options: `path`, `values` (one per option, in
    order, `–` where an option has none), and `kind` and `note` from the register (the
    option's whose value differs from the base), headcounts first."""
    flats = []
    for run in results.runs:
        dumped = run.scenario.model_dump(mode="json")
        flats.append({k: v for k, v in flatten(
            {k: v for k, v in dumped.items() if k not in SKIPPED}).items() if v is not None})
    paths = list(dict.fromkeys(p for flat in flats for p in flat))
    registers = [r.assumptions.set_index("path") if not r.assumptions.empty else None
                 for r in results.runs]
    rows = []
    for path in paths:
        values = [flat.get(path) for flat in flats]
        if all(v == values[0] for v in values):
            continue
        kind, note, note_fr = "", "", ""
        for register, value in zip(registers[1:], values[1:], strict=True):
            entry = _entry(register, path)
            if entry is not None and value != values[0]:
                kind, note = str(entry["kind"]), str(entry["note"])
                note_fr = str(entry.get("note_fr", "") or "")
                break
        rows.append({"path": path, "values": values, "kind": kind,
                     "note": note, "note_fr": "" if note_fr == "nan" else note_fr})
    order = {p: i for i, p in enumerate(paths)}
    return sorted(rows, key=lambda r: (*_rank(r["path"]), order[r["path"]]))


def _entry(register: pd.DataFrame | None, path: str) -> pd.Series | None:
    """The register entry of a path, or of the table holding it (`outsourcing.hours` for a
    value written as one table)."""
    if register is None:
        return None
    while path:
        if path in register.index:
            found = register.loc[path]
            return found.iloc[0] if isinstance(found, pd.DataFrame) else found
        path = path.rpartition(".")[0]
    return None
