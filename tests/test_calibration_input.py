"""`helpline calibrate` as a planner meets it: interval reports, vendor traps, bad input, privacy.

Bad input exits with code 2 and a message naming the row and the column, and writes nothing.
The privacy test feeds a CSV with caller numbers, names, e-mails and notes, and greps the bytes
of every file written for any of them.
"""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from bench.calibrate import simulated_calls, write_calls_csv, write_queue_log
from sim.calibration.arrivals import exposure
from sim.calibration.calibrate import calibrate
from sim.calibration.formats import load_map, read_log
from sim.calibration.logs import Trap, caller_keys, normalise_number
from sim.cli import app
from sim.scenario import validate

runner = CliRunner()
PATIENCE_MIN = 3.0


def small_truth(days: int = 14, per_week: float = 1400.0) -> object:
    return validate({
        "name": "small-truth",
        "horizon": {"start": "2024-01-08", "end": str(date(2024, 1, 7 + days))},
        "calendar": {"open_days": ["mon", "tue", "wed", "thu", "fri"],
                     "open_hours": ["09:00", "17:00"]},
        "sources": [{"name": "accueil", "volume": {"per_week": per_week}}],
        "case_types": [{"name": "call", "share": 1.0,
                        "talk": {"dist": "lognormal", "mean": "4min", "cv": 0.8}}],
        "channel": {"patience": {"dist": "exponential", "mean": f"{PATIENCE_MIN}min"}},
        "staff": {"advisors": 3},
    })


@pytest.fixture(scope="module")
def calls() -> pd.DataFrame:
    return simulated_calls(small_truth(), seed=5)  # type: ignore[arg-type]


def intervals(calls: pd.DataFrame, at: str = "arrival") -> pd.DataFrame:
    """30-minute reports of the calls, counted when they arrived or when they ended."""
    answered = calls["outcome"] == "answered"
    handle = calls["talk_s"].fillna(0) + calls["wrap_up_s"].fillna(0)
    end = calls["wall"] + pd.to_timedelta(calls["wait_s"] + np.where(answered, handle, 0), "s")
    slot = (calls["wall"] if at == "arrival" else end).dt.floor("30min")
    frame = pd.DataFrame({"slot": slot, "answered": answered,
                          "abandoned": calls["outcome"] == "abandoned",
                          "handle": np.where(answered, handle, np.nan),
                          "asa": np.where(answered, calls["wait_s"], np.nan),
                          "gave_up": np.where(~answered, calls["wait_s"], np.nan)})
    grouped = frame.groupby("slot")
    out = pd.DataFrame({
        "interval": grouped.size().index.strftime("%Y-%m-%d %H:%M"),
        "queue": "accueil", "offered": grouped.size().to_numpy(),
        "answered": grouped["answered"].sum().to_numpy(),
        "abandoned": grouped["abandoned"].sum().to_numpy(),
        "aht_s": grouped["handle"].mean().round(1).to_numpy(),
        "asa_s": grouped["asa"].mean().round(1).fillna(0).to_numpy(),
        "abandon_time_s": grouped["gave_up"].mean().round(1).fillna(0).to_numpy()})
    return out


def test_interval_reports_give_patience_by_the_censored_exponential_estimate(
        calls: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "intervals.csv"
    intervals(calls).to_csv(path, index=False)
    cal = calibrate(path, "intervals-csv", advisors=3)
    p = cal.patience
    assert p.identifiable and p.abandoned == (calls["outcome"] == "abandoned").sum()
    z = stats.norm.ppf(1 - 0.001 / 2)
    assert abs(p.mean_s - PATIENCE_MIN * 60) <= z * p.se_s, (p.mean_s, p.se_s)
    assert cal.log.interval_min == 30
    assert sum(cal.arrivals.counts.values()) == len(calls)
    # the log ends on a Friday: the week is counted by weekdays, not by calendar days
    weeks = 2
    assert abs(cal.arrivals.weekly["accueil"] - 1400) <= z * math.sqrt(len(calls)) / weeks


def test_reports_counting_calls_when_they_ended_are_moved_back_to_their_arrival(
        calls: pd.DataFrame, tmp_path: Path) -> None:
    truth = np.bincount(calls["wall"].dt.hour, minlength=24).astype(float)
    errors = {}
    for moved in (False, True):
        path = tmp_path / f"end-{moved}.csv"
        intervals(calls, at="end").to_csv(path, index=False)
        columns = tmp_path / "map.toml"
        columns.write_text('[export]\ncounted_at = "end"\n' if moved else "")
        cal = calibrate(path, "intervals-csv", columns=columns, advisors=3)
        assert (Trap.COUNTED_AT_END in cal.log.traps) is moved
        hours = cal.arrivals.hour * exposure(cal.arrivals.first, cal.arrivals.last,
                                             "Europe/Paris").sum(axis=0)
        errors[moved] = float(np.abs(hours - truth).sum())
    # the correction moves back the mean lag's share, an approximation: it must bring the
    # hours closer to the arrivals, not make them exact
    assert errors[True] < errors[False], errors


def test_an_export_without_short_abandons_still_gives_the_patience(calls: pd.DataFrame,
                                                                   tmp_path: Path) -> None:
    short = (calls["outcome"] == "abandoned") & (calls["wait_s"] < 20)
    path = tmp_path / "no-short.csv"
    write_calls_csv(calls[~short], path)
    columns = tmp_path / "map.toml"
    columns.write_text('[export]\nshort_abandons_excluded = "20s"\n')
    p = calibrate(path, "calls-csv", columns=columns, advisors=3).patience
    z = stats.norm.ppf(1 - 0.001 / 2)
    assert short.sum() > 0 and p.truncated_s == 20
    assert abs(p.mean_s - PATIENCE_MIN * 60) <= z * p.se_s, (p.mean_s, p.se_s)
    # read as if complete, the same file overstates patience beyond its sampling error
    naive = calibrate(path, "calls-csv", advisors=3).patience
    assert naive.mean_s - PATIENCE_MIN * 60 > z * naive.se_s, (naive.mean_s, naive.se_s)


def test_the_autumn_hour_seen_twice_is_told_apart_by_file_order(tmp_path: Path) -> None:
    times = ["2024-10-27T01:30:00", "2024-10-27T02:10:00", "2024-10-27T02:40:00",
             "2024-10-27T02:20:00", "2024-10-27T02:50:00", "2024-10-27T03:10:00"]
    frame = pd.DataFrame({"arrived": times, "outcome": "answered", "wait_s": 5, "talk_s": 60})
    path = tmp_path / "dst.csv"
    frame.to_csv(path, index=False)
    log = read_log(path, "calls-csv", load_map(None), "Europe/Paris", b"k")
    utc = log.calls["start"].dt.strftime("%H:%M").tolist()
    assert utc == ["23:30", "00:10", "00:40", "01:20", "01:50", "02:10"]
    assert log.traps[Trap.DST_DUPLICATE] == 4
    autumn = exposure(date(2024, 10, 27), date(2024, 10, 27), "Europe/Paris")
    spring = exposure(date(2024, 3, 31), date(2024, 3, 31), "Europe/Paris")
    assert autumn[6, 2] == 2 and autumn.sum() == 25
    assert spring[6, 2] == 0 and spring.sum() == 23


def test_one_callers_number_written_three_ways_is_one_caller() -> None:
    assert {normalise_number(n) for n in ("+33 6 12 34 56 78", "0033612345678",
                                          "06.12.34.56.78")} == {"0612345678"}
    keys = caller_keys(pd.Series(["+33 6 12 34 56 78", "06 12 34 56 78", "", "anonymous"]),
                       b"secret")
    assert keys[0] == keys[1] >= 0 and keys[2] == keys[3] == -1
    other = caller_keys(pd.Series(["+33 6 12 34 56 78"]), b"another secret")
    assert other[0] != keys[0]


# -- privacy -----------------------------------------------------------------------------------
NAMES = ["Jeanne Dupont", "Marc Lévêque", "Zoé Martin"]
NOTES = ["rappeler demain au sujet de sa pension", "très mécontent, dossier 4471",
         "veuve depuis mars"]


def test_nothing_personal_reaches_any_output_file(calls: pd.DataFrame, tmp_path: Path) -> None:
    n = len(calls)
    extra = {"nom": [NAMES[i % 3] for i in range(n)],
             "email": [f"{NAMES[i % 3].split()[0].lower()}.{i}@exemple.fr" for i in range(n)],
             "notes": [NOTES[i % 3] for i in range(n)]}
    log = tmp_path / "export.csv"
    write_calls_csv(calls, log, extra)
    secret = tmp_path / "secret.key"
    secret.write_bytes(b"a long secret kept by the helpline")
    out = tmp_path / "out"
    result = runner.invoke(app, ["calibrate", str(log), "--format", "calls-csv", "--out",
                                 str(out / "calibrated.toml"), "--secret-file", str(secret),
                                 "--backtest", "2", "--workers", "1", "--lang", "fr"])
    assert result.exit_code == 0, result.output
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert {p.name for p in written} >= {"calibrated.toml", "calibration.html",
                                         "calibration_backtest.csv"}
    blob = b"".join(p.read_bytes() for p in written) + result.output.encode()
    numbers = set(calls["caller"])
    forbidden = ([x.encode() for x in NAMES + NOTES] + [e.encode() for e in extra["email"][:50]]
                 + [b"a long secret"] + [x.encode() for x in list(numbers)[:200]]
                 + [normalise_number(x).encode() for x in list(numbers)[:200]]
                 + [normalise_number(x)[1:].encode() for x in list(numbers)[:200]])
    leaked = [x for x in forbidden if x in blob]
    assert not leaked, leaked[:5]
    page = (out / "calibration.html").read_text(encoding="utf-8")
    assert "Colonnes ignorées (jamais lues) : nom, email, notes." in page.replace("\u00a0", " ")
    # offline: plotly embedded once, nothing fetched; the heat map, fits, patience, backtest
    assert page.count("Plotly.newPlot") >= 4 and "<script src=" not in page
    assert page.count("plotly.js v") == 1
    for title in ("Appels par heure", "Durée de conversation", "Kaplan–Meier",
                  "Contrôle a posteriori"):
        assert title in page


def test_a_queue_log_keeps_no_agent_name(calls: pd.DataFrame, tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    write_queue_log(calls, log)
    out = tmp_path / "out"
    result = runner.invoke(app, ["calibrate", str(log), "--format", "queue-log", "--out",
                                 str(out / "c.toml"), "--backtest", "0", "--advisors", "3"])
    assert result.exit_code == 0, result.output
    blob = b"".join(p.read_bytes() for p in out.iterdir())
    assert b"dupont" not in blob and b"curie" not in blob and b"paul-martin" not in blob
    assert b"ENTERQUEUE" not in blob


# -- bad input ---------------------------------------------------------------------------------
def _calls_csv(calls: pd.DataFrame, path: Path) -> pd.DataFrame:
    write_calls_csv(calls, path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _refused(path: Path, tmp_path: Path, *more: str) -> str:
    out = tmp_path / "out" / "c.toml"
    result = runner.invoke(app, ["calibrate", str(path), "--format", "calls-csv", "--out",
                                 str(out), "--backtest", "0", *more])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def test_a_missing_column_is_named(calls: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    _calls_csv(calls, path).drop(columns="wait_s").to_csv(path, index=False)
    assert "column wait_s: is missing" in _refused(path, tmp_path)


def test_an_unreadable_time_is_named_by_row_and_column(calls: pd.DataFrame, tmp_path: Path
                                                       ) -> None:
    path = tmp_path / "x.csv"
    frame = _calls_csv(calls, path)
    frame.loc[2, "arrived"] = "2024-13-45 25:00"
    frame.to_csv(path, index=False)
    message = _refused(path, tmp_path)
    assert "row 4, column arrived: not a date and time ('2024-13-45 25:00')" in message


def test_a_negative_duration_is_named_by_row_and_column(calls: pd.DataFrame, tmp_path: Path
                                                        ) -> None:
    path = tmp_path / "x.csv"
    frame = _calls_csv(calls, path)
    first = int(np.flatnonzero(frame["outcome"] == "answered")[0])
    frame.loc[first, "talk_s"] = "-5"
    frame.to_csv(path, index=False)
    assert f"row {first + 2}, column talk_s: is a negative duration ('-5')" in \
        _refused(path, tmp_path)


def test_times_with_and_without_a_time_zone_are_refused(calls: pd.DataFrame, tmp_path: Path
                                                        ) -> None:
    path = tmp_path / "x.csv"
    frame = _calls_csv(calls, path)
    frame.loc[7, "arrived"] = frame.loc[7, "arrived"] + "+01:00"
    frame.to_csv(path, index=False)
    assert "row 9, column arrived: mixes times with and without a time zone offset" in \
        _refused(path, tmp_path)


def test_a_day_without_calls_is_refused_unless_listed_as_closed(calls: pd.DataFrame,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    frame = _calls_csv(calls, path)
    frame = frame[~frame["arrived"].str.startswith("2024-01-10")]
    frame.to_csv(path, index=False)
    assert "no call at all on 2024-01-10 (wednesday)" in _refused(path, tmp_path)
    closed = tmp_path / "map.toml"
    closed.write_text("[export]\nclosed_days = [2024-01-10]\n")
    out = tmp_path / "ok" / "c.toml"
    result = runner.invoke(app, ["calibrate", str(path), "--format", "calls-csv", "--out",
                                 str(out), "--backtest", "0", "--columns", str(closed)])
    assert result.exit_code == 0, result.output
    assert "holidays = [2024-01-10]" in out.read_text()


def test_without_any_abandon_patience_is_left_an_assumption_and_said(calls: pd.DataFrame,
                                                                     tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    frame = _calls_csv(calls, path)
    frame = frame[frame["outcome"] == "answered"]
    frame.to_csv(path, index=False)
    out = tmp_path / "out" / "c.toml"
    result = runner.invoke(app, ["calibrate", str(path), "--format", "calls-csv", "--out",
                                 str(out), "--backtest", "0"])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "\npatience =" not in text
    assert "# patience: assumption: not identifiable: no caller hung up" in text
    assert "Patience cannot be estimated: no caller hung up" in \
        (out.parent / "calibration.html").read_text()
    assert "not identifiable" in result.output


def test_an_unknown_format_or_time_zone_is_refused(calls: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    _calls_csv(calls, path)
    result = runner.invoke(app, ["calibrate", str(path), "--format", "cdr", "--out",
                                 str(tmp_path / "c.toml"), "--timezone", "Mars/Olympus"])
    assert result.exit_code == 2
    assert "--format must be one of queue-log, calls-csv, intervals-csv" in result.output
    assert "unknown time zone 'Mars/Olympus'" in result.output
    assert not (tmp_path / "c.toml").exists()


def test_the_calibrated_scenario_is_shown_by_helpline_assumptions(calls: pd.DataFrame,
                                                                  tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    _calls_csv(calls, path)
    out = tmp_path / "c.toml"
    assert runner.invoke(app, ["calibrate", str(path), "--format", "calls-csv", "--out",
                               str(out), "--backtest", "0"]).exit_code == 0
    shown = runner.invoke(app, ["assumptions", str(out)])
    assert shown.exit_code == 0, shown.output
    assert "derived" in shown.output and "unmarked" not in shown.output
    assert math.isfinite(len(shown.output))


def test_the_backtest_of_the_calibrated_scenario_covers_the_log_and_flags_a_wrong_headcount(
        calls: pd.DataFrame, tmp_path: Path) -> None:
    from sim.calibration.backtest import KPIS, backtest
    from sim.calibration.writer import write_scenario
    path = tmp_path / "calls.csv"
    write_calls_csv(calls, path)
    outside = {}
    for advisors in (3, 2):  # the truth has 3
        cal = calibrate(path, "calls-csv", advisors=advisors)
        out = tmp_path / f"c{advisors}.toml"
        out.write_text(write_scenario(cal, out), encoding="utf-8")
        from sim.scenario import load_scenario
        table = backtest(load_scenario(out), cal.observed, replications=20, workers=1)
        assert set(table["kpi"]) == set(KPIS)
        assert set(table["hour"]) == set(range(9, 17))
        outside[advisors] = int(((table["observed"] < table["p05"])
                                 | (table["observed"] > table["p95"])).sum())
    # each hour and KPI falls outside the 5-95 % range of single runs 10 times in 100
    limit = stats.binom.ppf(1 - 0.001, len(KPIS) * 8, 0.10)
    assert outside[3] <= limit < outside[2], (outside, limit)


def test_enough_calls_give_a_half_hour_profile_per_weekday(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    weights = np.zeros(48)
    weights[18:34] = 1.0
    weights[18] = 3.0  # 09:00-09:30, three times 09:30-10:00
    days = pd.date_range("2024-01-08", periods=14, freq="D")
    days = days[days.day_of_week < 5]
    per_day = 2600  # 5,200 a weekday over the two weeks: enough for half-hours
    rows = []
    for day in days:
        slots = rng.choice(48, size=rng.poisson(per_day), p=weights / weights.sum())
        rows.append(day + pd.to_timedelta(slots * 30 + rng.uniform(0, 30, len(slots)), "min"))
    wall = pd.DatetimeIndex(np.sort(np.concatenate(rows)))
    frame = pd.DataFrame({"arrived": wall.strftime("%Y-%m-%dT%H:%M:%S"), "outcome": "answered",
                          "wait_s": 0, "talk_s": rng.gamma(2, 90, len(wall)).round(1)})
    path = tmp_path / "calls.csv"
    frame.to_csv(path, index=False)
    cal = calibrate(path, "calls-csv", advisors=10)
    halves = cal.arrivals.half_hours
    assert halves is not None
    n1 = halves[:5, 18].sum() * 2
    n2 = halves[:5, 19].sum() * 2
    # ratio of two Poisson counts: log ratio has SE sqrt(1/n1 + 1/n2)
    z = stats.norm.ppf(1 - 0.001 / 2)
    assert abs(math.log(n1 / n2) - math.log(3)) <= z * math.sqrt(1 / n1 + 1 / n2)
    from sim.calibration.writer import write_scenario
    from sim.scenario import load_scenario
    out = tmp_path / "c.toml"
    out.write_text(write_scenario(cal, out), encoding="utf-8")
    profile = load_scenario(out).demand.hour_weights_by_weekday
    assert profile is not None and all(len(row) == 48 for row in profile.values())


def test_a_broken_queue_log_line_and_a_negative_wait_are_named_by_line(calls: pd.DataFrame,
                                                                     tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    write_queue_log(calls, log)
    lines = log.read_text().splitlines()
    lines[2] = "garbage|x"
    abandon = next(i for i, line in enumerate(lines) if "|ABANDON|" in line)
    lines[abandon] = lines[abandon].rsplit("|", 1)[0] + "|-12"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out" / "c.toml"
    result = runner.invoke(app, ["calibrate", str(log), "--format", "queue-log", "--out",
                                 str(out), "--backtest", "0"])
    assert result.exit_code == 2, result.output
    message = " ".join(result.output.split())
    assert "row 3, column epoch: not a queue_log line" in message
    assert f"row {abandon + 1}, column data: is a negative duration" in message
    assert not out.exists()


def test_from_and_to_keep_only_the_days_asked_for(calls: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    write_calls_csv(calls, path)
    cal = calibrate(path, "calls-csv", start=date(2024, 1, 9), end=date(2024, 1, 18),
                    advisors=3)
    assert (cal.arrivals.first, cal.arrivals.last) == (date(2024, 1, 9), date(2024, 1, 18))
    inside = calls["wall"].between(pd.Timestamp("2024-01-09"), pd.Timestamp("2024-01-19"),
                                   inclusive="left")
    assert cal.arrivals.attempts == int(inside.sum())
