"""What each user-facing command costs on its reference input: wall time and peak memory.

Each command runs as a child process (`python -m sim ...`, as a user would type `helpline ...`)
with `--fresh` into a temporary folder, so nothing is reused from an earlier run. Two memory
figures: the peak resident memory of the largest single process (the command or one of its
workers, from `wait4`), and the peak of all of them together (the command and its workers,
sampled every 50 ms with psutil when it is installed). The commands:

- `compare`: the README's comparison (two options, French report);
- `staff`: the staffing search on the 2013 extension, 10 replications per level;
- `sweep`: the break-even sweep (25 points x 3 replications, and the reference);
- `run 1M`: one replication of about a million callers (`bench/scenarios/mmc-1m.toml`: the
  benchmark's M/M/15+M queue for five months instead of one), its tables written;
- `run year`: a year of the reference helpline (`rac-pilot-2012`), its default replications;
- `sensitivity` with its defaults on the README's two options, when `python -m sim --help` lists
  it (the app's first answer is not measured here yet).

Then the cost of starting worker processes: the same batch of replications on a new pool of
workers and on one already started (`sim.runs.execution.WorkerPool`).

Usage: `python bench/commands.py [--only compare,staff] [--markdown] [--json out.json]`
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

try:
    import psutil
except ImportError:  # optional: pip install psutil
    psutil = None


@dataclass(frozen=True)
class Command:
    """A command line of the `helpline` tool on its reference input."""

    name: str
    args: tuple[str, ...]
    needs: str = ""  # a command `python -m sim --help` must list, when it is not there yet


COMMANDS = (
    Command("compare", ("compare", "scenarios/das-inhouse-48h.toml",
                        "scenarios/das-eco-outsourced.toml", "--report", "--lang", "fr")),
    Command("staff", ("staff", "scenarios/rac-extension-2013.toml", "-n", "10",
                      "--target", "callback_on_time_rate>=0.92")),
    Command("sweep", ("sweep", "scenarios/sweeps/das-break-even.toml")),
    Command("sensitivity", ("sensitivity", "scenarios/das-inhouse-48h.toml",
                            "scenarios/das-eco-outsourced.toml"), needs="sensitivity"),
    Command("run 1M", ("run", "bench/scenarios/mmc-1m.toml")),
    Command("run year", ("run", "scenarios/rac-pilot-2012.toml")),
)


@dataclass
class Measured:
    name: str
    line: str
    seconds: float = float("nan")
    largest_mb: float = float("nan")
    total_mb: float = float("nan")
    note: str = ""


def listed_commands() -> set[str]:
    """The commands `python -m sim --help` lists."""
    text = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True,
                          text=True, cwd=ROOT, env=_env(), check=False).stdout
    return {line.strip("│ ").split()[0] for line in text.splitlines()
            if line.startswith("│ ") and line.strip("│ ") and not line.strip("│ ").startswith("-")}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["COLUMNS"] = "200"  # help text on one line per command
    return env


def _tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (0 once it is gone)."""
    try:
        members = [process, *process.children(recursive=True)]
    except psutil.Error:
        return 0
    total = 0
    for member in members:
        with contextlib.suppress(psutil.Error):  # it ended meanwhile
            total += member.memory_info().rss
    return total


def measure(command: Command, folder: Path) -> Measured:
    """Run the command in a child process; its wall time and peak memory."""
    out = folder / command.name.replace(" ", "-")
    args = [*command.args, "--out", str(out), "--fresh"]
    result = Measured(command.name, "helpline " + " ".join(
        f'"{a}"' if any(c in a for c in " <>=") else a for a in command.args))
    errors_file = folder / f"{out.name}.stderr"
    start = time.perf_counter()
    with errors_file.open("wb") as errors_out:  # (a pipe would fill with the progress bar)
        child = subprocess.Popen([sys.executable, "-m", "sim", *args], cwd=ROOT, env=_env(),
                                 stdout=subprocess.DEVNULL, stderr=errors_out)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        process = psutil.Process(child.pid)
        while not done.is_set():
            peak[0] = max(peak[0], _tree_rss(process))
            done.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True) if psutil is not None else None
    if sampler is not None:
        sampler.start()
    _, status, usage = os.wait4(child.pid, 0)
    result.seconds = time.perf_counter() - start
    done.set()
    if sampler is not None:
        sampler.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    errors = errors_file.read_text(errors="replace")
    result.largest_mb = usage.ru_maxrss / 1024  # kilobytes on Linux
    result.total_mb = peak[0] / 2**20 if sampler is not None else float("nan")
    if child.returncode not in (0, 1):  # 1: a target not met (staff) is still an answer
        result.note = f"exit {child.returncode}: {errors.strip().splitlines()[-1:]}"
    return result


def worker_start(workers: int = 2) -> dict[str, float]:
    """Seconds for one batch of `workers` replications of rac-pilot-2012 on a new pool, on the
    same pool again, and in this process one after the other."""
    import sim
    from sim.runs.execution import Task, WorkerPool, execute

    scenario = sim.load_scenario(ROOT / "scenarios" / "rac-pilot-2012.toml")
    tasks = [Task(scenario, 1, r) for r in range(workers)]
    with WorkerPool(workers) as pool:
        start = time.perf_counter()
        list(execute(tasks, workers=pool))
        cold = time.perf_counter() - start
        start = time.perf_counter()
        list(execute(tasks, workers=pool))
        warm = time.perf_counter() - start
    start = time.perf_counter()
    list(execute(tasks, workers=1))
    serial = time.perf_counter() - start
    return {"new pool": cold, "same pool": warm, "in process": serial}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated command names (default: all)")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    wanted = set(args.only.split(",")) if args.only else None
    listed = listed_commands()
    load_before = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    rows: list[Measured] = []
    with tempfile.TemporaryDirectory(prefix="helpline-bench-") as tmp:
        for command in COMMANDS:
            if wanted is not None and command.name not in wanted:
                continue
            if command.needs and command.needs not in listed:
                rows.append(Measured(command.name, "helpline " + " ".join(command.args),
                                     note=f"skipped: `{command.needs}` is not a command yet"))
                continue
            rows.append(measure(command, Path(tmp)))
            print(f"{rows[-1].name}: {rows[-1].seconds:.1f} s", file=sys.stderr)
    rows.append(Measured("app, first answer", "helpline app",
                         note="skipped: `app` is not a command yet")
                if "app" not in listed else Measured("app, first answer", "helpline app",
                                                     note="not measured by this script yet"))
    starts = worker_start() if wanted is None or "workers" in wanted else {}
    load_after = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{os.cpu_count()} cores; load average {load_before} before, {load_after} after")
    if args.markdown:
        print("| command | wall time (s) | peak memory, largest process (MB) | "
              "peak memory, all processes (MB) |")
        print("|---|---|---|---|")
        for r in rows:
            if r.note and r.note.startswith("skipped"):
                print(f"| `{r.line}` | {r.note} | | |")
            else:
                print(f"| `{r.line}` | {r.seconds:.1f} | {r.largest_mb:.0f} | {r.total_mb:.0f} |"
                      + (f" {r.note}" if r.note else ""))
    else:
        print(f"{'command':18s} {'wall s':>8s} {'largest MB':>11s} {'all MB':>8s}  line")
        for r in rows:
            print(f"{r.name:18s} {r.seconds:8.1f} {r.largest_mb:11.0f} {r.total_mb:8.0f}  "
                  f"{r.line}" + (f"  ({r.note})" if r.note else ""))
    if starts:
        print("worker start-up, one batch of 2 replications of rac-pilot-2012: "
              + ", ".join(f"{k} {v:.2f} s" for k, v in starts.items()))
    if args.json:
        args.json.write_text(json.dumps({
            "load_before": load_before, "load_after": load_after, "worker_start_s": starts,
            "commands": [r.__dict__ for r in rows]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
