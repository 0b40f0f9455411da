"""helpline-sim: a discrete-event simulator for staffing a member helpline.

The map of the package, by layer (arrows point down only; `tests/test_layers.py` keeps it so):

    cli, console            the `helpline` command and what it prints
      -> app/               the what-if page in the browser (`helpline app`, loopback only)
      -> experiments/       compare, sweep, staffing: questions asked of many runs
      -> report/            a results folder read back: findings, charts, the HTML page
      -> calibration/       a helpline's call log turned into a scenario, a page, a backtest
    runs/                   replications executed, kept (store) and summarised; offered load
      -> engine/            one replication: (scenario, seed, replication) -> tables
      -> measures/          KPIs, money, statistics: pure functions of the tables
    scenario/               the file format: schema, units, loading, sweep files, the register

Beside the layers, pure data imported by any of them: `vocabulary` (the shared words: kinds of
work, tasks, resolutions, outcomes, steps, team names, `DAY`), `tables` (the record tables, the
contract between the engine and the measures), `glossary` (KPI names, units, definitions). And
`analytic` (our own exact Erlang B, C and A), `outputs` (atomic writes, CSV, provenance),
`folders` (a results folder: its lock, its manifest, checked when read back).

Each folder's `__init__` says what it holds and what it may import; `docs/architecture.md`
explains the design in a page.

Python API (in a script, under `if __name__ == "__main__":`, as worker processes import it)::

    import sim
    scenario = sim.load_scenario("scenarios/rac-pilot-2012.toml")
    result = sim.run(scenario, replications=10, seed=1, workers=2)
    result.summary, result.replications, result.contacts, result.daily
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.runs.runner import RunResult, run
    from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"

_HOMES = {"RunResult": "sim.runs.runner", "run": "sim.runs.runner", "Scenario": "sim.scenario",
          "ScenarioError": "sim.scenario", "load_scenario": "sim.scenario"}
"""Imported on first use, so that `helpline` (sim.__main__) starts before the libraries load
and a Ctrl-C while they load is said plainly rather than as a traceback."""


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
