"""helpline-sim: a discrete-event simulator for staffing a member helpline.

The map of the package (one module per domain concept):

- `scenario/`     scenario files: schema, units, distributions, loading with `extends` and
                  every error listed (imports nothing else of ours but the glossary)
- `glossary`      KPI names, units, directions and definitions (pure data)
- `calendar`      open hours, holidays, the calendar and business clocks
- `streams`       random streams keyed by (seed, replication, name)
- `distributions` drawing durations by inverse transform
- `arrivals`      non-homogeneous Poisson arrivals per source
- `contacts`      members and every attribute drawn at creation
- `roster`        shifts, rota, absences, meetings, teams: when each advisor is on the lines
- `events`        SimPy as an event calendar (bare events, scheduling at exact times)
- `advisors`      the advisor pool: teams, priorities, what a free advisor does next
- `teams`         who does which work in which queues; routing each contact's work
- `calls`         inbound calls: queue, patience, retrials, closed lines, overflow
- `journeys`      member journeys after the first contact; steps; self-service
- `callbacks`     callbacks owed within a deadline, attempts, reachability
- `escalation`    the expert network and regional offices
- `files`         back-office files, document requests
- `provider`      a subcontractor: speed, wrong answers remediated in-house, hand-offs
- `records`       the tidy record tables a replication leaves behind
- `model`         one replication: (scenario, seed, replication) -> tables
- `kpis`, `costs` KPIs and money as pandas functions of the tables
- `replication`   one replication simulated and measured (the unit of work)
- `store`         finished replications kept on disk, so long work resumes
- `execution`     replications in this process, local processes or a Dask cluster
- `runner`        a scenario's replications, summaries with confidence intervals
- `compare`       options on the same members, paired differences, precision
- `sweep`         grids of variants, resumable, with a reference and a break-even
- `staffing`      the fewest advisors meeting targets with confidence
- `assumptions`   the register of what each number of a scenario rests on
- `outputs`       atomic writes, French-Excel CSV, provenance
- `analytic`      our own exact Erlang B, C and A formulas
- `results`       a results folder read back (run, comparison or sweep)
- `findings`      the verdict and findings in plain words, from those tables
- `i18n`, `charts`, `report`   the self-contained HTML evidence pack, in French or English
- `console`, `cli` the `helpline` command and what it prints

Python API (in a script, under `if __name__ == "__main__":`, as worker processes import it)::

    import sim
    scenario = sim.load_scenario("scenarios/rac-pilot-2012.toml")
    result = sim.run(scenario, replications=10, seed=1, workers=2)
    result.summary, result.replications, result.contacts, result.daily
"""

from sim.runner import RunResult, run
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
