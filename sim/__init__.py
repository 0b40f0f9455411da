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
- `roster`        shifts, absences and meetings: when each advisor is on the lines
- `advisors`      the advisor pool and what a free advisor does next
- `calls`         inbound calls: queue, patience, retrials, closed lines
- `records`       the tidy record tables a replication leaves behind
- `model`         one replication: (scenario, seed, replication) -> tables
- `kpis`          KPIs as pandas functions of the tables
- `runner`        replications in parallel, summaries with confidence intervals
- `outputs`       atomic writes, provenance
- `analytic`      our own exact Erlang B, C and A formulas
- `cli`           the `helpline` command

Python API::

    import sim
    scenario = sim.load_scenario("scenarios/rac-pilot-2012.toml")
    result = sim.run(scenario, replications=10, seed=1, workers=2)
    result.summary, result.replications, result.contacts, result.daily
"""

from sim.runner import RunResult, run
from sim.scenario import Scenario, ScenarioError, load_scenario

__all__ = ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
__version__ = "0.1.0"
