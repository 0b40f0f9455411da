"""What the terminal shows: the rich tables of run, compare and staff (the CLI prints them)."""

from __future__ import annotations

import math

import pandas as pd
from rich.markup import escape
from rich.table import Table

from sim.analytic import QueueEstimate
from sim.experiments.compare import Comparison
from sim.experiments.equal_service import EqualService, Limit
from sim.experiments.sensitivity import Sensitivity
from sim.experiments.staffing import StaffingResult
from sim.glossary import KPIS
from sim.runs.runner import RunResult


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def _shown(kpi: str, mean: float, std: float) -> bool:
    """KPIs worth a line: measured, and not a count that is always zero."""
    return not math.isnan(mean) and not (mean == 0 and (std == 0 or math.isnan(std))
                                         and KPIS[kpi].unit != "share")


def summary_table(result: RunResult, title: str) -> Table:
    """The KPIs that apply to this run, with their 95 % intervals."""
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    for record in result.summary.to_dict("records"):
        kpi, mean, std = str(record["kpi"]), float(record["mean"]), float(record["std"])
        low, high = float(record["ci_low"]), float(record["ci_high"])
        unit = KPIS[kpi].unit
        if record["n"] == 0 or not _shown(kpi, mean, std):
            continue
        ci = "-" if math.isnan(low) else f"{_fmt(low, unit)} .. {_fmt(high, unit)}"
        table.add_row(kpi, _fmt(mean, unit), ci)
    return table


def comparison_table(comparison: Comparison) -> Table:
    """KPIs in rows, options in columns: mean, and the paired difference with its CI."""
    table = Table(title=f"Compared on the same members: {comparison.replications} "
                        f"replications, seed {comparison.manifest['seed']}",
                  title_justify="left")
    table.add_column("KPI")
    names = [run.scenario.name for run in comparison.runs]
    for i, name in enumerate(names):
        table.add_column(name if i == 0 else f"{name}\n(difference, 95 % CI)", justify="right")
    rows = comparison.table
    for kpi, frame in rows.groupby("kpi", sort=False):
        unit = KPIS[str(kpi)].unit
        base = frame.iloc[0]
        means = frame["mean"].astype(float)
        if math.isnan(base["mean"]) or (unit != "share" and (means.fillna(0) == 0).all()):
            continue
        cells = [_fmt(float(base["mean"]), unit)]
        for _, row in frame.iloc[1:].iterrows():
            diff, low, high = (float(row[c]) for c in ("diff_mean", "diff_ci_low",
                                                       "diff_ci_high"))
            colour = {"better": "green", "worse": "red", "": ""}[
                KPIS[str(kpi)].verdict(diff, low, high)]
            text = (f"{_fmt(float(row['mean']), unit)}  {'+' if diff >= 0 else ''}"
                    f"{_fmt(diff, unit)} [{_fmt(low, unit)}, {_fmt(high, unit)}]")
            cells.append(f"[{colour}]{text}[/]" if colour else text)
        table.add_row(str(kpi), *cells)
    return table


def staffing_table(result: StaffingResult, confidence: float) -> Table:
    """Every staffing level tried: each target's mean and confidence bound, met or not."""
    table = Table(title=f"Staffing explored (confidence {confidence:.0%})", title_justify="left")
    table.add_column("advisors", justify="right")
    for kpi, goal in result.targets.items():
        table.add_column(f"{kpi} {goal.op}{goal.value:g}\nmean (confidence bound)",
                         justify="right")
    table.add_column("met", justify="center")
    for record in result.table.to_dict("records"):
        level = "+".join(str(record[c]) for c in result.table.columns[
            :list(result.table.columns).index("total_advisors")])
        cells = [level]
        for kpi, goal in result.targets.items():
            unit, margin = KPIS[kpi].unit, float(record[f"{kpi}_margin"])
            bound = goal.value + margin if goal.op == ">=" else goal.value - margin
            cells.append(f"{_fmt(record[f'{kpi}_mean'], unit)} "
                         f"({goal.op[0]} {_fmt(bound, unit)})")
        cells.append(("[green]yes[/]" if record["met"] else "[red]no[/]")
                     + (" [bold]<- chosen[/]" if record["chosen"] else ""))
        table.add_row(*cells)
    return table


def assumptions_view(register: pd.DataFrame, title: str, own_file: str) -> Table:
    """The assumptions register, coloured by what each value rests on."""
    colours = {"fact": "green", "derived": "cyan", "assumption": "yellow", "unmarked": "red"}
    view = Table(title=title, title_justify="left")
    for column in ("key", "value", "rests on", "source or reason"):
        view.add_column(column, overflow="fold")
    for entry in register.to_dict("records"):
        colour = colours.get(str(entry["kind"]), "")
        kind = f"[{colour}]{entry['kind']}[/]" if colour else str(entry["kind"])
        note = str(entry["note"]) + (f"  ({entry['file']})" if entry["file"] != own_file
                                     else "")
        view.add_row(escape(str(entry["path"])), escape(str(entry["value"])), kind,
                     escape(note))  # the file's own words: never read as markup
    return view


def erlang_table(estimates: list[QueueEstimate], threshold: str) -> Table:
    """Erlang C / A estimates, one row per headcount."""
    table = Table()
    for column in ("advisors", "P(wait)", "P(abandon)", "ASA (s)", f"SL {threshold}",
                   "occupancy"):
        table.add_column(column, justify="right")
    for est in estimates:
        table.add_row(str(est.servers), f"{est.p_wait:.4f}", f"{est.p_abandon:.4f}",
                      "inf" if math.isinf(est.asa_s) else f"{est.asa_s:.1f}",
                      f"{est.service_level:.4f}", f"{est.occupancy:.4f}")
    return table


LIMITS = {
    Limit.REACH: "members who cannot be reached after every attempt (callbacks."
                 "reach_probability, callbacks.max_attempts): no headcount calls them back",
    Limit.PROVIDER: "the provider's own advisors and hours (outsourcing.advisors, "
                    "outsourcing.hours): in-house advisors do not answer its contacts",
    Limit.OTHER: "something other than in-house advisors (deadlines, experts, regional "
                 "offices)",
    Limit.CAP: "the search's cap on advisors",
    Limit.PRECISION: "the confidence: the mean meets it, but too few replications say so with "
                     "the confidence asked (give more with -n)",
}
"""What binds a target that no in-house headcount meets, in words."""


def equal_service_table(result: EqualService) -> Table:
    """Per option: advisors in the file and at equal service, each target met or not."""
    table = Table(title=f"Equal service: the fewest in-house advisors meeting every target "
                        f"(confidence {result.confidence:.0%})", title_justify="left")
    for column in ("option", "advisors in file", "advisors needed"):
        table.add_column(column, justify="left" if column == "option" else "right")
    for kpi, goal in result.targets.items():
        table.add_column(f"{kpi} {goal.op}{goal.value:g}\nmean (met in)", justify="right")
    for row in result.table.to_dict("records"):
        cells = [str(row["scenario"]), str(row["advisors_in_file"]),
                 str(row["advisors_needed"]) + ("" if row["met"] else " [red](not met)[/]")]
        for kpi in result.targets:
            text = (f"{_fmt(float(row[f'{kpi}_mean']), KPIS[kpi].unit)} "
                    f"({float(row[f'{kpi}_met_share']):.0%})")
            cells.append(f"[red]{text}[/]" if row[f"{kpi}_limit"] else text)
        table.add_row(*cells)
    return table


def equal_service_lines(result: EqualService) -> list[str]:
    """The targets out of reach and why, then the cost difference at equal service."""
    lines = []
    for sizing in result.sizings:
        for kpi, limit in sizing.unmet.items():
            lines.append(f"{sizing.scenario.name} cannot meet {kpi} "
                         f"{result.targets[kpi].op}{result.targets[kpi].value:g} at any "
                         f"in-house headcount: it stops moving as advisors are added. The "
                         f"limit that binds: {LIMITS[limit]}. It is compared at the fewest "
                         "advisors meeting the other targets.")
    table = result.comparison.table
    rows = table[(table["kpi"] == "cost_total") & table["diff_mean"].notna()]
    base = result.comparison.base.scenario.name
    equal = all(s.met for s in result.sizings)
    for row in rows.to_dict("records"):
        diff, low, high = (float(row[k]) for k in ("diff_mean", "diff_ci_low", "diff_ci_high"))
        sign = "less" if diff < 0 else "more"
        sure = ("" if low > 0 or high < 0 else
                " (the interval includes no difference: the cost is not told apart)")
        where = "at equal service" if equal else "with the targets each can meet"
        lines.append(f"{where.capitalize()}, {row['scenario']} costs {abs(diff):,.0f} "
                     f"{sign} than {base} (95 % CI {low:+,.0f} .. {high:+,.0f}){sure}.")
    return lines


def sensitivity_table(result: Sensitivity) -> Table:
    """The tornado in numbers: each KPI's paired difference at each value's low and high end."""
    table = Table(title=f"{result.option.name} minus {result.base.name}, on the same members "
                        f"({result.manifest['replications']} replications)",
                  title_justify="left")
    for column in ("assumption", "low .. high", "KPI", "difference at low (95 % CI)",
                   "difference at high (95 % CI)"):
        table.add_column(column, justify="right" if "difference" in column else "left")
    for row in result.tornado.to_dict("records"):
        unit = KPIS[row["kpi"]].unit
        cells = [f"{_fmt(float(row[f'diff_{e}']), unit)} "
                 f"[{_fmt(float(row[f'diff_{e}_ci_low']), unit)}, "
                 f"{_fmt(float(row[f'diff_{e}_ci_high']), unit)}]" for e in ("low", "high")]
        table.add_row(str(row["assumption"]), f"{row['value_low']:g} .. {row['value_high']:g}",
                      str(row["kpi"]), *cells)
    return table


def switching_lines(result: Sensitivity) -> list[str]:
    """The switching values, then how often the verdict holds over the draws."""
    lines = []
    for row in result.switching.to_dict("records"):
        if not math.isfinite(row["switching_value"]):
            continue
        lines.append(f"The {row['kpi']} difference changes sign at {row['assumption']} = "
                     f"{row['switching_value']:.3g} (95 % CI {row['ci_low']:.3g} .. "
                     f"{row['ci_high']:.3g}){'; ' + row['note'] if row['note'] else ''}.")
    for kpi in result.kpis:
        quiet = [str(r["assumption"]) for r in result.switching.to_dict("records")
                 if r["kpi"] == kpi and not math.isfinite(r["switching_value"])]
        if quiet:
            lines.append(f"No clear switch of {kpi} in the range (switching.csv says why): "
                         + ", ".join(quiet) + ".")
    if result.holds is not None:
        for row in result.holds.to_dict("records"):
            if not math.isfinite(row["share"]):
                lines.append(f"No clear verdict on {row['kpi']} at the files' values: nothing "
                             "to hold over the draws.")
                continue
            lines.append(f"The verdict on {row['kpi']} holds in {row['share']:.0%} of "
                         f"{row['draws']} draws (95 % CI {row['ci_low']:.0%} .. "
                         f"{row['ci_high']:.0%}).")
    return lines
