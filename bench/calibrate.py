"""Time `helpline calibrate` on a synthetic year of Asterisk `queue_log` (500,000 calls).

The log is written by simulating a known scenario with our engine (so waits, abandons and
retrials are those of a real queue) and writing each call attempt out as Asterisk would:
ENTERQUEUE, then CONNECT + COMPLETECALLER, or ABANDON. The same functions write the per-call
CSV and queue_log used by the closed-loop tests (`tests/test_calibration.py`).

Usage: `python bench/calibrate.py [--calls 500000] [--keep DIR]`
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.engine.model import draw, simulate  # noqa: E402
from sim.scenario import Scenario, validate  # noqa: E402

AGENTS = ["Agent/jean.dupont", "Agent/marie.curie", "SIP/paul-martin"]


def simulated_calls(scenario: Scenario, seed: int = 1, timezone: str = "Europe/Paris"
                    ) -> pd.DataFrame:
    """Every call attempt of one replication that entered the queue, with its true talk and
    wrap-up, its queue (the source), a caller number per member and the local wall clock."""
    members = draw(scenario, seed, 0)
    tables = simulate(members)
    calls, contacts = tables.calls, members.contacts
    calls = calls[calls["outcome"].isin(["answered", "abandoned"])].reset_index(drop=True)
    who = calls["contact"].to_numpy()
    rng = np.random.default_rng(seed)
    numbers = rng.choice(10**8, size=len(contacts), replace=False)  # one each, 8 digits
    sources = [s.name for s in scenario.sources]
    start = pd.Timestamp(scenario.horizon.start)
    wall = start + pd.to_timedelta(calls["arrived_min"].to_numpy(), unit="min")
    answered = (calls["outcome"] == "answered").to_numpy()
    return pd.DataFrame({
        "wall": wall.round("s"),
        "queue": np.array(sources)[contacts.source[who]],
        "caller": [f"+33 6 {n // 10**6 % 100:02d} {n // 10**4 % 100:02d} "
                   f"{n // 100 % 100:02d} {n % 100:02d}" for n in numbers[who]],
        "outcome": calls["outcome"].astype(str).to_numpy(),
        "wait_s": np.round(calls["wait_min"].to_numpy() * 60, 1),
        "talk_s": np.where(answered, np.round(contacts.talk[who] * 60, 1), np.nan),
        "wrap_up_s": np.where(answered, np.round(contacts.wrap_up[who] * 60, 1), np.nan),
        "attempt": calls["attempt"].to_numpy(),
        "contact": who,
    })


def write_calls_csv(calls: pd.DataFrame, path: Path, extra: dict[str, Any] | None = None) -> None:
    """The generic per-call CSV (documented default headers), with any extra columns."""
    frame = calls[["queue", "caller", "outcome", "wait_s", "talk_s", "wrap_up_s"]].copy()
    frame.insert(0, "arrived", calls["wall"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
    for name, values in (extra or {}).items():
        frame[name] = values
    frame.to_csv(path, index=False)


def write_queue_log(calls: pd.DataFrame, path: Path, timezone: str = "Europe/Paris") -> None:
    """The attempts as Asterisk's queue_log (integer epochs and seconds, as Asterisk writes)."""
    utc = calls["wall"].dt.tz_localize(timezone, ambiguous=True, nonexistent="shift_forward")
    epoch = (utc.astype("int64") // 10**9).to_numpy()
    n = len(calls)
    callid = np.char.add(epoch.astype(str), np.char.add(".", np.arange(n).astype(str)))
    wait = np.round(calls["wait_s"].to_numpy()).astype(np.int64)
    talk = np.round(np.nan_to_num(calls["talk_s"].to_numpy())).astype(np.int64)
    answered = (calls["outcome"] == "answered").to_numpy()
    queue = calls["queue"].to_numpy().astype(str)
    number = calls["caller"].str.replace(" ", "", regex=False).to_numpy().astype(str)
    agent = np.array(AGENTS)[np.arange(n) % len(AGENTS)]
    parts = [
        pd.DataFrame({"t": epoch, "k": 0, "line": pd.Series(epoch.astype(str)) + "|" + callid
                      + "|" + queue + "|NONE|ENTERQUEUE||" + number + "|1"}),
        pd.DataFrame({"t": (epoch + wait)[answered], "k": 1, "line": (
            pd.Series((epoch + wait)[answered].astype(str)) + "|" + callid[answered] + "|"
            + queue[answered] + "|" + agent[answered] + "|CONNECT|"
            + wait[answered].astype(str) + "|1700000000.1|3")}),
        pd.DataFrame({"t": (epoch + wait + talk)[answered], "k": 2, "line": (
            pd.Series((epoch + wait + talk)[answered].astype(str)) + "|" + callid[answered]
            + "|" + queue[answered] + "|" + agent[answered] + "|COMPLETECALLER|"
            + wait[answered].astype(str) + "|" + talk[answered].astype(str) + "|1")}),
        pd.DataFrame({"t": (epoch + wait)[~answered], "k": 1, "line": (
            pd.Series((epoch + wait)[~answered].astype(str)) + "|" + callid[~answered] + "|"
            + queue[~answered] + "|NONE|ABANDON|1|1|" + wait[~answered].astype(str))}),
    ]
    lines = pd.concat(parts, ignore_index=True).sort_values(["t", "k"], kind="stable")
    path.write_text("\n".join(lines["line"]) + "\n", encoding="utf-8")


def year_scenario(calls_per_year: float) -> Scenario:
    """Office hours, a year, two queues, lognormal talk, exponential patience, retrials."""
    return validate({
        "name": "calibration-bench",
        "horizon": {"start": "2023-01-02", "end": "2023-12-31"},
        "calendar": {"open_days": ["mon", "tue", "wed", "thu", "fri"],
                     "open_hours": ["08:00", "19:00"]},
        "sources": [{"name": "retraite", "volume": {"per_year": calls_per_year * 0.6}},
                    {"name": "sante", "volume": {"per_year": calls_per_year * 0.4}}],
        "demand": {"weekday_weights": [1.3, 1.1, 1.0, 1.0, 0.8, 0, 0],
                   "hour_weights": [0] * 8 + [1, 2, 2, 1.5, 1, 1.5, 2, 2, 1.5, 1, 0.5] + [0] * 5},
        "case_types": [{"name": "call", "share": 1.0,
                        "talk": {"dist": "lognormal", "mean": "6min", "cv": 0.7},
                        "wrap_up": {"dist": "gamma", "mean": "1min", "cv": 0.5}}],
        "channel": {"patience": {"dist": "exponential", "mean": "4min"},
                    "retry": {"probability": 0.4, "delay": {"dist": "exponential",
                                                            "mean": "20min"},
                              "max_attempts": 3}},
        "staff": {"advisors": max(2, round(calls_per_year / 250 / 11 * 7 / 60 * 1.15))},
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500_000)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the log in this folder.")
    args = parser.parse_args()
    from sim.calibration.calibrate import calibrate
    from sim.calibration.page import build
    from sim.calibration.writer import write_scenario

    folder = args.keep or Path(tempfile.mkdtemp(prefix="calibrate-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "queue_log"
    started = time.perf_counter()
    calls = simulated_calls(year_scenario(args.calls / 1.05))
    write_queue_log(calls, log)
    made = time.perf_counter() - started
    print(f"synthetic queue_log: {len(calls):,} call attempts, {log.stat().st_size / 1e6:.0f} MB"
          f" ({made:.1f} s to simulate and write)")
    started, cpu = time.perf_counter(), time.process_time()
    cal = calibrate(log, "queue-log")
    text = write_scenario(cal, folder / "calibrated.toml")
    estimated = time.perf_counter() - started
    (folder / "calibrated.toml").write_text(text, encoding="utf-8")
    page = build(cal, folder / "calibrated.toml", None, 0, "en")
    (folder / "calibration.html").write_text(page, encoding="utf-8")
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"calibrate {cal.arrivals.attempts:,} attempts: {estimated:.1f} s to read, link, "
          f"estimate and write the scenario; {seconds:.1f} s with calibration.html "
          f"(no backtest); {cpu:.1f} s of processor time")

if __name__ == "__main__":
    main()
