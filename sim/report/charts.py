"""The report's charts: plotly figures built from result tables, labelled in the reader's
language. Nothing here knows the simulation; each function takes tables and returns a figure
(or None when the data has nothing to show)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from sim.glossary import KPIS
from sim.report.language import Words

PALETTE = ["#1f5f8b", "#d9822b", "#2e8b57", "#a23b72", "#6c757d", "#b8860b"]
FILL = ["rgba(31,95,139,0.15)", "rgba(217,130,43,0.15)", "rgba(46,139,87,0.15)",
        "rgba(162,59,114,0.15)", "rgba(108,117,125,0.15)", "rgba(184,134,11,0.15)"]


@dataclass
class Option:
    """What the charts need of one option's results."""

    name: str
    contacts: pd.DataFrame
    calls: pd.DataFrame
    daily: pd.DataFrame
    advisor_days: pd.DataFrame
    replications: pd.DataFrame
    groups_summary: pd.DataFrame
    threshold_min: float


def _band(x: pd.Series, low: pd.Series, high: pd.Series, colour: int) -> go.Scatter:
    """A shaded 95 % band between `low` and `high` along `x`."""
    return go.Scatter(x=list(x) + list(x)[::-1], y=list(high) + list(low)[::-1], fill="toself",
                      fillcolor=FILL[colour % 6], line={"width": 0}, hoverinfo="skip",
                      mode="lines", showlegend=False)


def _layout(fig: go.Figure, words: Words, title: str, **axes: Any) -> go.Figure:
    fig.update_layout(title=title, separators=words.separators(), template="plotly_white",
                      height=420, margin={"l": 60, "r": 20, "t": 60, "b": 50},
                      legend={"orientation": "h", "y": -0.18}, **axes)
    return fig


def callback_times(options: list[Option], words: Words) -> go.Figure | None:
    """Share of members called back (solid) and given the right answer (dotted) by x hours
    before (negative) or after each member's own deadline: the heights at 0 are the on-time
    rate and the right-answer-on-time rate, whatever clock the deadline uses. A provider's
    wrong answer shows as the gap between the two curves."""
    fig = go.Figure()
    for i, option in enumerate(options):
        owed = option.contacts[option.contacts["owed_min"].notna()]
        if owed.empty:
            continue
        _share_curve(fig, owed["reached_min"] - owed["deadline_min"], len(owed), option.name,
                     i, "solid")
        if "answered_min" in owed:
            right = owed["answered_min"].where(owed["outcome"].astype(str) == "answered")
            _share_curve(fig, right - owed["deadline_min"], len(owed),
                         f"{option.name} · {words.t('right_answer')}", i, "dot")
    if not fig.data:
        return None
    fig.add_vline(x=0, line={"dash": "dash", "color": "#c0392b"},
                  annotation_text=words.t("deadline"))
    _percent_axis(fig, words, (0, 101))
    hours = np.concatenate([np.asarray(t.x, dtype=float) for t in fig.data])
    if len(hours):  # the last members' long wait would squash the curves near the deadline
        fig.update_xaxes(range=[float(hours.min()), max(float(np.quantile(hours, 0.98)), 1.0)])
    return _layout(fig, words, words.t("hours_to_callback"),
                   xaxis_title=words.t("hours_vs_deadline"),
                   yaxis_title=words.t("share_of_members"))


def _share_curve(fig: go.Figure, minutes: pd.Series, count: int, name: str, colour: int,
                 dash: str) -> None:
    """The share of `count` members whose time (minutes from the deadline) is at most x."""
    hours = np.sort((minutes / 60).dropna().to_numpy())
    share = np.arange(1, len(hours) + 1) / count  # never reached: the curve stays low
    step = max(1, len(hours) // 400)
    fig.add_trace(go.Scatter(x=hours[::step], y=100 * share[::step], name=name,
                             line={"color": PALETTE[colour % 6], "shape": "hv",
                                   "dash": dash}))


def _percent_axis(fig: go.Figure, words: Words, span: tuple[float, float] | None = None,
                  **where: Any) -> None:
    """A y axis of percentages (values given as 0-100), written the language's way."""
    fig.update_yaxes(ticksuffix="\u00a0%" if words.lang == "fr" else "%",
                     range=list(span) if span else None, **where)


def daily_backlog(options: list[Option], words: Words) -> go.Figure | None:
    """Items waiting at the end of each day (mean over simulated years), and overdue callbacks."""
    fig = go.Figure()
    for i, option in enumerate(options):
        daily = option.daily
        kinds = [c for c in daily.columns if c.startswith("backlog_")]
        if not kinds:
            continue
        per_day = daily.assign(waiting=daily[kinds].sum(axis=1)).groupby("date")[
            ["waiting", "callbacks_overdue"]].mean()
        dates = pd.to_datetime(per_day.index)
        fig.add_trace(go.Scatter(x=dates, y=per_day["waiting"], name=option.name,
                                 line={"color": PALETTE[i % 6]}))
        if per_day["callbacks_overdue"].sum() > 0:
            fig.add_trace(go.Scatter(x=dates, y=per_day["callbacks_overdue"],
                                     name=f"{option.name} · {words.t('overdue')}",
                                     line={"color": PALETTE[i % 6], "dash": "dot"}))
    if not fig.data:
        return None
    fig.update_xaxes(tickformat="%d/%m/%Y")
    return _layout(fig, words, words.t("daily_backlog"), xaxis_title=words.t("date"),
                   yaxis_title=words.t("items_waiting"))


def occupancy_per_advisor(options: list[Option], words: Words) -> go.Figure | None:
    """Each advisor's occupancy over the horizon (all simulated years together)."""
    fig = go.Figure()
    for i, option in enumerate(options):
        days = option.advisor_days
        if days.empty:
            continue
        per = days.groupby(["advisor", "team"], observed=True)[["work_hours",
                                                                  "lines_hours"]].sum()
        per = per[per["lines_hours"] > 0].reset_index()
        for j, (team, rows) in enumerate(per.groupby("team", observed=True, sort=False)):
            fig.add_trace(go.Bar(
                x=[f"{option.name} · {team} #{a}" for a in rows["advisor"]],
                y=100 * rows["work_hours"] / rows["lines_hours"],
                name=f"{option.name} · {words.t('team')} {words.team(str(team))}",
                marker_color=PALETTE[(i + 2 * j) % 6],
                marker_pattern_shape="/" if team == "provider" else ""))
    if not fig.data:
        return None
    _percent_axis(fig, words, (0, 100))
    fig.update_xaxes(showticklabels=False)
    return _layout(fig, words, words.t("occupancy_per_advisor"),
                   xaxis_title=words.t("advisor"), yaxis_title=words.t("occupancy_axis"))


def service_by_hour(options: list[Option], words: Words) -> go.Figure | None:
    """Calls answered quickly by hour of the day, or callbacks on time by hour of request."""
    fig = go.Figure()
    for i, option in enumerate(options):
        calls = option.calls
        offered = calls[calls["outcome"].astype(str) != "closed"] if not calls.empty else calls
        if not offered.empty:
            hour = (offered["arrived_min"] % 1440 // 60).astype(int)
            quick = ((offered["outcome"].astype(str) == "answered")
                     & (offered["wait_min"] <= option.threshold_min))
            share = quick.groupby(hour).mean()
            label = words.label("service_level")
        else:
            owed = option.contacts[option.contacts["owed_min"].notna()]
            if owed.empty:
                continue
            hour = (owed["arrived_min"] % 1440 // 60).astype(int)
            on_time = owed["reached_min"] <= owed["deadline_min"]
            share = on_time.groupby(hour).mean()
            label = words.label("callback_on_time_rate")
        fig.add_trace(go.Scatter(x=share.index, y=100 * share.to_numpy(dtype=float),
                                 mode="lines+markers",
                                 name=f"{option.name} · {label}",
                                 line={"color": PALETTE[i % 6]}))
    if not fig.data:
        return None
    _percent_axis(fig, words, (0, 101))  # from zero: small differences are not blown up
    fig.update_xaxes(dtick=1)
    return _layout(fig, words, words.t("by_hour"), xaxis_title=words.t("hour"))


def cost_breakdown(options: list[Option], words: Words) -> go.Figure | None:
    """Mean cost of each option by part, with the 95 % interval of the total."""
    parts = ["cost_inhouse", "cost_provider", "cost_experts"]
    means = pd.DataFrame([{**option.replications[parts].mean().to_dict(), "name": option.name}
                          for option in options])
    if means[parts].to_numpy().sum() == 0:
        return None
    fig = go.Figure()
    for j, part in enumerate(parts):
        if means[part].sum() > 0:
            fig.add_trace(go.Bar(x=means["name"], y=means[part], name=words.label(part),
                                 marker_color=PALETTE[j]))
    totals = [option.replications["cost_total"] for option in options]
    errors = [1.96 * t.std(ddof=1) / np.sqrt(len(t)) if len(t) > 1 else 0 for t in totals]
    fig.add_trace(go.Scatter(x=means["name"], y=[t.mean() for t in totals], mode="markers",
                             name=words.label("cost_total"), marker={"color": "black"},
                             error_y={"type": "data", "array": errors, "visible": True}))
    fig.update_layout(barmode="stack")
    fig.update_yaxes(exponentformat="none", separatethousands=True)
    return _layout(fig, words, words.t("costs"), yaxis_title=words.t("money"))


def equity(options: list[Option], words: Words) -> go.Figure | None:
    """The main member KPI by source, with its 95 % interval, for each option (none when
    every option has a single source: the key figures already say it)."""
    fig = go.Figure()
    for i, option in enumerate(options):
        groups = option.groups_summary
        if groups.empty:
            continue
        sources = groups[groups["dimension"] == "source"]
        if sources["value"].nunique() < 2:
            continue
        kpi = next((k for k in ("callback_on_time_rate", "service_level")
                    if sources.loc[sources["kpi"] == k, "n"].sum() > 0), None)
        if kpi is None:
            continue
        rows = sources[(sources["kpi"] == kpi) & (sources["n"] > 0)]
        fig.add_trace(go.Bar(
            x=rows["value"], y=100 * rows["mean"], name=f"{option.name} · {words.label(kpi)}",
            marker_color=PALETTE[i % 6],
            error_y={"type": "data", "symmetric": False, "visible": True,
                     "array": 100 * (rows["ci_high"] - rows["mean"]),
                     "arrayminus": 100 * (rows["mean"] - rows["ci_low"])}))
    if not fig.data:
        return None
    fig.update_layout(barmode="group")
    _percent_axis(fig, words, (0, 100))
    return _layout(fig, words, words.t("equity"))


SWEEP_KPIS = ["cost_total", "right_on_time_rate", "callback_on_time_rate", "service_level",
              "occupancy"]


def sweep_curves(points: pd.DataFrame, parameters: list[str], words: Words) -> go.Figure | None:
    """Key KPIs along the first grid parameter, one line (with its 95 % band) per combination
    of the others."""
    kpis = [k for k in SWEEP_KPIS if f"{k}_mean" in points and points[f"{k}_mean"].notna().any()]
    if points.empty or not kpis:
        return None
    x, others = parameters[0], parameters[1:]
    fig = make_subplots(rows=(len(kpis) + 1) // 2, cols=2,
                        subplot_titles=[words.label(k) for k in kpis])
    for c, (name, frame) in enumerate(_combinations(points, others, x)):
        frame = frame.sort_values(x)
        for k, kpi in enumerate(kpis):
            row, col = k // 2 + 1, k % 2 + 1
            scale, top = (100.0, 100.0) if KPIS[kpi].unit == "share" else (1.0, np.inf)
            low = (scale * frame[f"{kpi}_ci_low"]).clip(lower=0.0, upper=top)
            high = (scale * frame[f"{kpi}_ci_high"]).clip(lower=0.0, upper=top)
            fig.add_trace(_band(frame[x], low, high, c), row=row, col=col)
            fig.add_trace(go.Scatter(x=frame[x], y=scale * frame[f"{kpi}_mean"], name=name,
                                     line={"color": PALETTE[c % 6]}, showlegend=k == 0,
                                     mode="lines+markers"), row=row, col=col)
    _layout(fig, words, words.t("sweep"))
    fig.update_layout(height=360 * ((len(kpis) + 1) // 2))
    fig.update_xaxes(title_text=x)
    for k, kpi in enumerate(kpis):
        if KPIS[kpi].unit == "share":
            _percent_axis(fig, words, row=k // 2 + 1, col=k % 2 + 1)
        else:
            fig.update_yaxes(exponentformat="none", separatethousands=True,
                             row=k // 2 + 1, col=k % 2 + 1)
    return fig


def _combinations(points: pd.DataFrame, others: list[str], default: str
                  ) -> Iterator[tuple[str, pd.DataFrame]]:
    """The points of each combination of the `others` parameters, named `p = v, ...` (the
    `default` name when there are no others)."""
    if not others:
        yield default, points
        return
    for key, frame in points.groupby(others, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        yield ", ".join(f"{p} = {v}" for p, v in zip(others, values, strict=True)), frame


def breakeven_curve(points: pd.DataFrame, breakeven: pd.DataFrame, parameter: str, kpi: str,
                    parameters: list[str], words: Words) -> go.Figure | None:
    """The difference of a KPI to the reference along one parameter, with its 95 % band, and
    where it crosses zero."""
    column = f"{kpi}_diff_mean"
    if column not in points:
        return None
    others = [p for p in parameters if p != parameter]
    fig = go.Figure()
    for c, (name, frame) in enumerate(_combinations(points, others, kpi)):
        frame = frame.sort_values(parameter)
        fig.add_trace(_band(frame[parameter], frame[f"{kpi}_diff_ci_low"],
                            frame[f"{kpi}_diff_ci_high"], c))
        fig.add_trace(go.Scatter(x=frame[parameter], y=frame[column], name=name,
                                 mode="lines+markers", line={"color": PALETTE[c % 6]}))
    crossing = f"{parameter} at break-even"
    if crossing in breakeven:
        marks = breakeven[breakeven[crossing].notna()]
        fig.add_trace(go.Scatter(x=marks[crossing], y=np.zeros(len(marks)), mode="markers",
                                 name=words.t("breakeven"),
                                 marker={"symbol": "x", "size": 14, "color": "#c0392b"}))
    fig.add_hline(y=0, line={"color": "#333", "width": 1})
    return _layout(fig, words, f"{words.t('breakeven')}: {words.label(kpi)}",
                   xaxis_title=parameter,
                   yaxis_title=f"{words.label(kpi)} ({words.t('difference_short')})")


def all_charts(options: list[Option], words: Words) -> list[go.Figure]:
    """The charts of a run or a comparison, in report order (those with data)."""
    figures = [callback_times(options, words), daily_backlog(options, words),
               occupancy_per_advisor(options, words), service_by_hour(options, words),
               cost_breakdown(options, words), equity(options, words)]
    return [f for f in figures if f is not None]


