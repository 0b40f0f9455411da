"""Scenario files, format v1: the schema, the loader and the error report.

Modules: `schema` (the Scenario) and its sections (`sections`, `journeys`, `options`,
`distributions`, `units`); `reading` (a file's text and TOML, whatever the file holds), `loading`
(`extends`, `unset`, a backlog CSV), `issues` (every problem said with its path), `size` (how big a
run is, refused beyond what the machine holds), `register` (the assumptions).

This package imports nothing else of `sim` except the KPI glossary (pure data): everything else
reads scenarios, scenarios read nothing.
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
from sim.scenario.sections import Resolution
from sim.scenario.size import Size, check_size, estimate_size
from sim.scenario.units import minutes

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
