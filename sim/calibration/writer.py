"""The calibrated scenario, written as a file a planner can read, run and `extends`.

Every number carries its comment for the assumptions register: `derived:` with the method, the
sample size, the log's period and the SHA-256 of the log file, or `assumption:` with the reason
when the log cannot tell (the service-level threshold, wrap-up in a `queue_log`, patience when
nobody hung up). `helpline assumptions FILE` shows them.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from sim.calibration.calibrate import THRESHOLD_S, Calibration
from sim.calibration.fits import Fit
from sim.calibration.logs import Trap
from sim.scenario.units import WEEKDAYS


def _seconds(value: float) -> str:
    return f'"{max(value, 0.1):.1f}s"'


def _dist(fit: Fit) -> str:
    if fit.dist == "empirical":
        return "{ dist = \"empirical\", values = [" + ", ".join(
            _seconds(v) for v in fit.quantiles_s) + "] }"
    return f'{{ dist = "{fit.dist}", mean = {_seconds(fit.mean_s)}, cv = {fit.cv:.3f} }}'


def _fit_note(fit: Fit, what: str) -> str:
    ks = ", ".join(f"{k} {v:.3f}" for k, v in fit.ks.items())
    kept = ("observed quantiles (neither fit within KS 0.05)" if fit.dist == "empirical"
            else f"{fit.dist} by maximum likelihood")
    return (f"{what}: {kept}; KS distance {ks}; mean {fit.mean_s:.1f} s "
            f"± {1.96 * fit.se_mean_s:.1f} s")


def _weights(values: np.ndarray, decimals: int = 4) -> str:
    scale = values[values > 0].mean() if np.any(values > 0) else 1.0
    return "[" + ", ".join(f"{v / scale:.{decimals}f}".rstrip("0").rstrip(".") or "0"
                           for v in values) + "]"


def scenario_text(cal: Calibration, name: str) -> str:
    """The scenario file's text."""
    log, arr = cal.log, cal.arrivals
    tail = f"{cal.period}; log sha256 {log.digest}"

    def derived(method: str, n: int) -> str:
        return f"  # derived: {method}; n = {n}; {tail}"

    lines = [
        f"# Calibrated by `helpline calibrate` from {log.path.name} ({log.kind}), {cal.period},",
        f"# {arr.attempts} call attempts, time zone {log.timezone}.",
        f"# Log SHA-256: {log.digest}",
        "# Every number says how it was derived; `helpline assumptions` lists them.",
        f'name = "{name}"',
        f'title = "Calibrated from {log.path.name}"',
        "",
        "[horizon]",
        f"start = {arr.first}" + derived("the log's first day", arr.attempts),
        f"end = {arr.last}" + derived("the log's last day", arr.attempts),
        "",
        "[calendar]",
        "open_days = [" + ", ".join(f'"{WEEKDAYS[d]}"' for d in arr.open_days) + "]"
        + derived("weekdays with at least 2 % of the busiest weekday's call rate",
                  arr.attempts),
        f'open_hours = ["{arr.open_hours[0]:02d}:00", "{arr.open_hours[1]:02d}:00"]'
        + derived("hours with at least 2 % of the peak hour's call rate", arr.attempts),
    ]
    if log.closed_days:
        lines.append("holidays = [" + ", ".join(str(d) for d in log.closed_days) + "]"
                     + "  # derived: days the column map lists as closed; " + tail)
    total = sum(arr.counts.values())
    for queue, scenario_name in cal.queues.items():
        if queue not in arr.weekly:
            continue
        n = arr.counts[queue]
        lines += ["", "[[sources]]", f'name = "{scenario_name}"',
                  f"volume = {{ per_week = {arr.weekly[queue]:.2f} }}"
                  + derived(f"first attempts of queue {scenario_name} per week "
                            f"(± {1.96 * arr.weekly[queue] / math.sqrt(n):.1f}, Poisson)", n),
                  f'case_mix = {{ {scenario_name} = 1.0 }}'
                  + derived("one case type per queue", n)]
    lines += ["", "[demand]",
              "weekday_weights = " + _weights(arr.weekday)
              + derived("first attempts per day of each weekday (days counted on the local "
                        "clock)", total)]
    open_from, open_to = arr.open_hours
    hours = np.where((np.arange(24) >= open_from) & (np.arange(24) < open_to), arr.hour, 0.0)
    lines.append("hour_weights = " + _weights(hours)
                 + derived("first attempts per hour of exposure on the local clock (the "
                           "autumn hour counted twice, the spring one never)", total))
    if arr.month is not None:
        lines.append("month_weights = " + _weights(arr.month)
                     + derived("calls per day of each month, the weekday mix divided out",
                               total))
    else:
        lines.append("# month_weights: assumption: the log covers less than a year, months "
                     "are taken as even")
    lines.append(f"day_cv = {arr.day_cv:.4f}"
                 + derived("moments of daily counts after the weekday and month effects "
                           "(Poisson noise removed)", arr.day_cv_n))
    if arr.by_weekday:
        lines += ["", "[demand.hour_weights_by_weekday]"]
        halves = arr.half_hours is not None
        slot_hour = np.arange(48) // 2 if halves else np.arange(24)
        opened = (slot_hour >= open_from) & (slot_hour < open_to)
        for d in arr.open_days:
            rates = arr.half_hours[d] if arr.half_hours is not None else arr.heat[d]
            row = np.where(opened, rates, 0.0)
            if row.sum() > 0:
                unit = "half-hour" if halves else "hour"
                lines.append(f"{WEEKDAYS[d]} = " + _weights(row)
                             + derived(f"first attempts per {unit} of {WEEKDAYS[d]}s",
                                       total))
    for queue, scenario_name in cal.queues.items():
        if queue not in arr.weekly:
            continue
        lines += _case_type(cal, queue, scenario_name, arr.counts[queue] / total, tail)
    lines += _channel(cal, tail)
    lines += ["", "[staff]"]
    if cal.advisors_given:
        lines.append(f"advisors = {cal.advisors}  # derived: given on the command line "
                     f"(--advisors); {tail}")
    else:
        lines.append(f"advisors = {cal.advisors}  # derived: estimated, not a head count: the "
                     "fewest advisors for which Erlang A at the log's mean load gives its "
                     f"abandon rate; give --advisors N; {tail}")
    lines += ["", "[run]", "replications = 10  # assumption: enough for a first look",
              "seed = 1  # assumption: any seed", ""]
    return "\n".join(lines)


def _case_type(cal: Calibration, queue: str, name: str, share: float, tail: str) -> list[str]:
    lines = ["", "[[case_types]]", f'name = "{name}"',
             f"share = {share:.6f}  # derived: the queue's share of first attempts; {tail}"]
    fit = cal.talk.get(queue)
    if fit is not None:
        lines.append(f"talk = {_dist(fit)}  # derived: {_fit_note(fit, 'talk')}; "
                     f"n = {fit.n}; {tail}")
    else:
        aht = cal.aht_s.get(queue, math.nan)
        mean = aht if math.isfinite(aht) else 180.0
        lines.append(f'talk = {{ dist = "exponential", mean = {_seconds(mean)} }}  # '
                     + (f"derived: mean handle time of the interval reports (the shape, "
                        f"exponential, is an assumption); {tail}" if math.isfinite(aht) else
                        "assumption: no talk time in the log"))
    wrap = cal.wrap.get(queue)
    if wrap is not None:
        lines.append(f"wrap_up = {_dist(wrap)}  # derived: {_fit_note(wrap, 'wrap-up')}; "
                     f"n = {wrap.n}; {tail}")
    elif Trap.NO_WRAP_UP in cal.log.traps:
        lines.append('wrap_up = "0s"  # assumption: the export has no wrap-up time (a queue_log '
                     "never has); set it if advisors do after-call work")
    lines.append('resolution = "first-contact"')
    return lines


def _channel(cal: Calibration, tail: str) -> list[str]:
    p, arr = cal.patience, cal.arrivals
    lines = ["", "[channel]", 'mode = "inbound"']
    if p.identifiable:
        lines.append(f'patience = {{ dist = "exponential", mean = {_seconds(p.mean_s)} }}'
                     f"  # derived: {p.method}; mean ± {1.96 * p.se_s:.1f} s; "
                     f"{p.abandoned} abandons among n = {p.n}; {tail}")
    else:
        lines.append(f"# patience: assumption: {p.method}; callers are taken as infinitely "
                     "patient until someone sets one")
    if arr.retry_probability is not None:
        delay = cal.retry_delay
        delay_text = _dist(delay) if delay is not None else '"30min"'
        lines.append(
            f"retry = {{ probability = {arr.retry_probability:.4f}, delay = {delay_text}, "
            f"max_attempts = {arr.max_attempts} }}"
            f"  # derived: the same caller's attempts linked by a keyed hash of the number "
            f"(within 24 h of a failed attempt); n = {arr.retry_n} failed attempts; {tail}")
    else:
        lines.append("# retry: assumption: the export does not link a caller's attempts; "
                     "nobody is taken to call again")
    lines.append(f'service_level_threshold = "{THRESHOLD_S:g}s"  # assumption: the '
                 "helpline's threshold is not in the log; the classic 20 s")
    return lines


def write_scenario(cal: Calibration, out: Path) -> str:
    """The scenario's text for `out` (its name from the file name); writing is the caller's."""
    stem = "".join(c if c.isalnum() else "-" for c in out.stem.lower()).strip("-")
    return scenario_text(cal, stem or "calibrated")
