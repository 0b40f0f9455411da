"""The calibration page's charts: what the log shows, and what the fitted scenario makes of it.

Each function takes the calibration (or the backtest table) and returns a plotly figure labelled
in the reader's language, or None when there is nothing to show.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats

from sim.calibration.backtest import KPIS
from sim.calibration.calibrate import Calibration
from sim.report.charts import FILL, PALETTE, _band, _layout
from sim.report.language import Words

DAYS = {"en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
        "fr": ["lun.", "mar.", "mer.", "jeu.", "ven.", "sam.", "dim."]}
LABEL = {
    "heat": ("Calls per hour, by weekday and hour (first attempts)",
             "Appels par heure, par jour et par heure (premières tentatives)"),
    "hour": ("Hour of the day", "Heure de la journée"),
    "talk": ("Talk time of answered calls, {queue}: data and fits",
             "Durée de conversation des appels répondus, {queue} : données et ajustements"),
    "wrap": ("Wrap-up time of answered calls, {queue}: data and fits",
             "Durée de clôture après appel, {queue} : données et ajustements"),
    "minutes": ("Minutes", "Minutes"),
    "density": ("Density", "Densité"),
    "observed": ("observed", "observé"),
    "patience": ("Patience: share of callers still waiting after t minutes (Kaplan–Meier)",
                 "Patience : part des appelants qui attendent encore après t minutes "
                 "(Kaplan–Meier)"),
    "km": ("Kaplan–Meier, 95 % band", "Kaplan–Meier, bande à 95 %"),
    "exponential": ("exponential (censored fit)", "exponentielle (ajustement censuré)"),
    "weibull": ("Weibull (censored fit)", "Weibull (ajustement censuré)"),
    "still": ("Still waiting", "Attendent encore"),
    "backtest": ("Backtest: the log against the calibrated scenario, per hour",
                 "Contrôle a posteriori : le journal face au scénario calibré, par heure"),
    "simulated": ("simulated (mean, 95 % interval)", "simulé (moyenne, intervalle à 95 %)"),
    "service_level": ("Service level", "Taux de service"),
    "abandon_rate": ("Abandonment", "Abandon"),
    "asa_s": ("Speed of answer (s)", "Attente moyenne (s)"),
}


def _t(words: Words, key: str, **values: str) -> str:
    text = LABEL[key][0 if words.lang == "en" else 1]
    return text.format(**values) if values else text


def heat_map(cal: Calibration, words: Words) -> go.Figure:
    """Arrival rate per weekday and hour of the day."""
    fig = go.Figure(go.Heatmap(z=cal.arrivals.heat, x=[f"{h:02d}" for h in range(24)],
                               y=DAYS[words.lang], colorscale="Blues",
                               hovertemplate="%{y} %{x}h: %{z:.1f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return _layout(fig, words, _t(words, "heat"), xaxis_title=_t(words, "hour"))


def duration_fits(cal: Calibration, words: Words) -> list[go.Figure]:
    """Per queue, talk then wrap-up: a histogram of the data with the lognormal and gamma
    densities fitted."""
    out = []
    for what, fits in (("talk", cal.talk), ("wrap", cal.wrap)):
        for queue, name in cal.queues.items():
            fit = fits.get(queue)
            if fit is None:
                continue
            sample = fit.sample / 60
            top = float(np.quantile(sample, 0.99))
            x = np.linspace(top / 400, top, 300)
            mu, sigma = fit.params["lognormal"]
            shape, scale = fit.params["gamma"]
            fig = go.Figure(go.Histogram(x=sample[sample <= top], histnorm="probability density",
                                         name=_t(words, "observed"), nbinsx=60,
                                         marker_color="#c9d6e3"))
            fig.add_trace(go.Scatter(
                x=x, y=stats.lognorm.pdf(x * 60, sigma, 0, math.exp(mu)) * 60,
                name=f"lognormal (KS {fit.ks['lognormal']:.3f})", line={"color": PALETTE[0]}))
            fig.add_trace(go.Scatter(
                x=x, y=stats.gamma.pdf(x * 60, shape, 0, scale) * 60,
                name=f"gamma (KS {fit.ks['gamma']:.3f})",
                line={"color": PALETTE[1], "dash": "dash"}))
            out.append(_layout(fig, words, _t(words, what, queue=name),
                               xaxis_title=_t(words, "minutes"),
                               yaxis_title=_t(words, "density")))
    return out


def patience_curve(cal: Calibration, words: Words) -> go.Figure | None:
    """The Kaplan–Meier survival of patience with its band, and the fitted curves."""
    p = cal.patience
    if not p.identifiable or p.curve is None:
        return None
    curve = p.curve
    t = curve["t_s"] / 60
    fig = go.Figure(_band(t, curve["low"], curve["high"], 0))
    fig.add_trace(go.Scatter(x=t, y=curve["survival"], name=_t(words, "km"),
                             line={"color": PALETTE[0], "shape": "hv"}))
    x = np.linspace(0, float(t.max()), 200)
    fig.add_trace(go.Scatter(x=x, y=np.exp(-np.maximum(x * 60 - p.truncated_s, 0) / p.mean_s),
                             name=_t(words, "exponential"),
                             line={"color": PALETTE[1], "dash": "dash"}))
    if p.weibull is not None:
        c, scale = p.weibull
        fig.add_trace(go.Scatter(x=x, y=np.exp(-((x * 60 / scale) ** c)),
                                 name=f"{_t(words, 'weibull')}, k = {words.number(c, 2)}",
                                 line={"color": PALETTE[2], "dash": "dot"}))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    return _layout(fig, words, _t(words, "patience"), xaxis_title=_t(words, "minutes"),
                   yaxis_title=_t(words, "still"))


def backtest_chart(table: pd.DataFrame, words: Words) -> go.Figure | None:
    """Observed against simulated service level, abandonment and ASA, per hour."""
    if table is None or table.empty:
        return None
    fig = make_subplots(rows=1, cols=3, subplot_titles=[_t(words, k) for k in KPIS])
    for col, kpi in enumerate(KPIS, start=1):
        rows = table[table["kpi"] == kpi].sort_values("hour")
        if rows.empty:
            continue
        sim = rows.dropna(subset=["mean", "p05", "p95"])
        band = _band(sim["hour"], sim["p05"], sim["p95"], 0)
        band.fillcolor = FILL[4]
        fig.add_trace(band, row=1, col=col)
        sim = sim.dropna(subset=["ci_low", "ci_high"])
        fig.add_trace(_band(sim["hour"], sim["ci_low"], sim["ci_high"], 0), row=1, col=col)
        fig.add_trace(go.Scatter(x=rows["hour"], y=rows["mean"], name=_t(words, "simulated"),
                                 line={"color": PALETTE[0]}, showlegend=col == 1),
                      row=1, col=col)
        fig.add_trace(go.Scatter(x=rows["hour"], y=rows["observed"], name=_t(words, "observed"),
                                 mode="markers", marker={"color": PALETTE[1], "size": 7},
                                 showlegend=col == 1), row=1, col=col)
        if kpi != "asa_s":
            fig.update_yaxes(tickformat=".0%", row=1, col=col)
    return _layout(fig, words, _t(words, "backtest"), xaxis2_title=_t(words, "hour"))


def all_figures(cal: Calibration, table: pd.DataFrame | None, words: Words) -> list[go.Figure]:
    """Every chart of the page, in page order."""
    figs = [heat_map(cal, words), *duration_fits(cal, words), patience_curve(cal, words)]
    if table is not None:
        figs.append(backtest_chart(table, words))
    return [f for f in figs if f is not None]
