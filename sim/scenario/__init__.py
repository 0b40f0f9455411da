"""Scenario files, format v1: the schema, the loader and the error report.

This package imports nothing else of `sim` except the KPI glossary and the vocabulary (pure
data): everything else reads scenarios, scenarios read nothing. `Resolution` (a word of
`sim.vocabulary`) is re-exported here, as the case types' resolution.
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
from sim.scenario.units import minutes
from sim.vocabulary import Resolution

__all__ = [
    "Issue",
    "Resolution",
    "Scenario",
    "ScenarioError",
    "Target",
    "deep_merge",
    "extends_chain",
    "load_scenario",
    "minutes",
    "to_toml",
    "validate",
    "with_overrides",
]
