"""Time the what-if app's first answer: the app started as a person starts it, then questions
asked as a person asks them.

`helpline app` is started in a subprocess on a free loopback port with `--workers W` (default 2,
the two cores of the goal) and an empty store; once it answers, N questions are asked on the
social-action comparison (das-inhouse-48h against das-eco-outsourced, a full year), each with
other values (the option's in-house headcount and the provider's defect rate move), so no
answer comes from the store. A question is timed from the request to the answer's figures
(`POST /ask`), while the previous question is still being refined in the background, as in a
meeting. Between questions it waits `--pause` seconds. Printed: each time, the median and the
worst, in seconds, and as a gauge of how busy the machine was, one replication of each option
timed in this process at the end (a first answer is two rounds of such replications on two
workers, plus moving and telling the results). The goal is a first answer under 2 s on two
cores.

Usage: `python bench/app.py [--questions 7] [--workers 2] [--pause 3] [--json out.json]`
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _post(url: str, form: dict[str, str]) -> str:
    body = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(urllib.request.Request(url, body), timeout=300) as response:
        return str(response.read().decode("utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pause", type=float, default=3.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="bench-app-") as tmp:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-m", "sim", "app", "--port", str(port), "--workers",
             str(args.workers), "--out", str(Path(tmp) / "app")], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL)
        try:
            base = f"http://127.0.0.1:{port}"
            while True:
                try:
                    urllib.request.urlopen(base + "/", timeout=5).read()
                    break
                except OSError:
                    if server.poll() is not None:
                        raise SystemExit("the app did not start") from None
                    time.sleep(0.2)
            ready = time.perf_counter() - started
            times = []
            for i in range(args.questions):
                form = {"lang": "fr", "base": "das-inhouse-48h", "option": "das-eco-outsourced",
                        "base_advisors": "24", "option_advisors": str(11 - i % 4),
                        "defect_rate": f"{0.05 + 0.02 * i:.2f}", "price_per_contact": "24",
                        "demand_factor": "1", "deadline_hours": "48"}
                clock = time.perf_counter()
                text = _post(base + "/ask", form)
                times.append(time.perf_counter() - clock)
                assert "key-figures" in text, text[:500]
                print(f"question {i + 1}: {times[-1]:.2f} s")
                time.sleep(args.pause)
        finally:
            server.terminate()
            server.wait(timeout=30)
    sys.path.insert(0, str(ROOT))
    from sim.runs.replication import replicate
    from sim.scenario import load_scenario

    gauge = {}
    for name in ("das-inhouse-48h", "das-eco-outsourced"):
        scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml")
        clock = time.perf_counter()
        replicate(scenario, scenario.run.seed, 0, detail=False)
        gauge[name] = time.perf_counter() - clock
    print("one replication in this process now: " + ", ".join(
        f"{k} {v:.2f} s" for k, v in gauge.items()))
    load = os.getloadavg()[0]
    print(f"app ready in {ready:.1f} s (workers started, simulator imported)")
    print(f"first answer, {args.questions} questions on {args.workers} workers: median "
          f"{statistics.median(times):.2f} s, worst {max(times):.2f} s "
          f"(load average at the end {load:.1f})")
    if args.json:
        args.json.write_text(json.dumps({"times_s": times, "median_s": statistics.median(times),
                                         "ready_s": ready, "workers": args.workers,
                                         "replication_s": gauge,
                                         "load": load}, indent=1))


if __name__ == "__main__":
    main()
