"""Scenario files, format v1: the schema, the loader and the error report.

This package imports nothing else of `sim` except the KPI glossary and the vocabulary (pure
data): everything else reads scenarios, scenarios read nothing. `Resolution` (a word of
`sim.vocabulary`) is re-exported here, as the case types' resolution.

- `units`          durations, clock times, weekdays and months as planners write them
- `distributions`  the duration distributions of a file (`{dist = "lognormal", ...}`)
- `sections`       the scenario's sections, one pydantic model each (calendar, sources, staff...)
- `journeys`       sections after the first contact: callbacks, escalation, files, backlog
- `options`        outsourcing to a provider, AI assistance
- `schema`         the Scenario, its cross-section checks and the defaults that depend on them
- `issues`         every problem said as `file: dotted.key: reason (value)`
- `reading`        a file's text and TOML, whatever the file holds (encodings, depth, size)
- `loading`        reading a file (`extends`, `unset`, overrides, a backlog CSV), writing one back
- `size`           how big a run is, refused beyond what the machine holds
- `sweeps`         sweep files: a base, a grid, a reference and a break-even
- `register`       the assumptions register: each value and what it rests on
"""

from sim.scenario.issues import Issue, ScenarioError, validate
from sim.scenario.loading import (
    deep_merge,
    extends_chain,
    load_scenario,
    to_toml,
    with_overrides,
)
from sim.scenario.schema import Scenario, Target
from sim.scenario.size import Size, check_size, estimate_size
from sim.scenario.units import minutes
from sim.vocabulary import Resolution

__all__ = [
    "Issue",
    "Resolution",
    "Scenario",
    "ScenarioError",
    "Size",
    "Target",
    "check_size",
    "deep_merge",
    "estimate_size",
    "extends_chain",
    "load_scenario",
    "minutes",
    "to_toml",
    "validate",
    "with_overrides",
]
