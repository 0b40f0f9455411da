"""Sweep files: one base scenario, a grid of changes to it, and how to run them.

```toml
base = "rac-pilot-2012.toml"        # relative to the sweep file
replications = 30
seed = 1
mode = "product"                    # every combination; "zip": the lists side by side
[grid]
"staff.advisors" = [10, 12, 14, 16]
"demand.volume_factor" = [0.8, 1.0, 1.2]   # scales every source's volume
```

A sweep file is validated like a scenario (unknown keys refused, every problem said with its
key). Loading builds every point of the grid as a validated scenario: a point that cannot be
built keeps its error, the others still run, and a key that fails at every point (a typo rather
than a bad corner of the grid) is an error of the file. Running a sweep is
`sim.experiments.sweep`.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.glossary import KPIS
from sim.scenario.issues import Issue, ScenarioError, validation_issues
from sim.scenario.loading import load_scenario, with_overrides
from sim.scenario.reading import read_toml
from sim.scenario.schema import Scenario
from sim.scenario.sections import MAX_REPLICATIONS
from sim.scenario.units import Integer


class BreakEven(BaseModel):
    """Where, along one grid parameter, an option stops being better than the reference."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    parameter: str
    kpi: str = "cost_total"


class SweepFile(BaseModel):
    """A sweep file, validated like a scenario."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    base: str
    reference: str | None = None
    breakeven: BreakEven | None = None
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]*$")
    replications: Integer = Field(default=10, ge=1, le=MAX_REPLICATIONS)
    seed: Integer = Field(default=1, ge=0, lt=2**63)
    mode: Literal["product", "zip"] = "product"
    grid: dict[str, list[Any]] = Field(min_length=1)

    @field_validator("grid")
    @classmethod
    def _lists(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for path, values in grid.items():
            if not values:
                raise ValueError(f"{path!r} has no value")
        return grid


MAX_POINTS = 10_000
"""Points in one sweep: each is validated when the file is read, so a million-point grid would
keep `validate` busy for hours."""

MAX_TASKS = 1_000_000
"""Replications in one sweep, all points together."""


@dataclass
class Point:
    """One point of the grid: its values and the scenario they give (or why there is none)."""

    index: int
    values: dict[str, Any]
    scenario: Scenario | None
    error: str = ""


@dataclass
class Sweep:
    """A loaded sweep: the base, its points, and the run settings."""

    name: str
    base: Scenario
    points: list[Point]
    replications: int
    seed: int
    parameters: list[str]
    reference: Scenario | None = None
    breakeven: BreakEven | None = None


def load_sweep(path: str | Path) -> Sweep:
    """Read a sweep file and build every point (points that fail validation keep their error).

    Raises
    ------
    ScenarioError
        if the sweep file itself, or its base scenario, is not valid, or no point is.
    """
    path = Path(path)
    label = str(path)
    spec = read_sweep_file(path)
    base = load_scenario(path.parent / spec.base)
    reference = load_scenario(path.parent / spec.reference) if spec.reference else None
    _check_breakeven(spec, reference, label)
    points = grid_points(base, spec, label)
    return Sweep(spec.name or path.stem.replace("_", "-").lower(), base, points,
                 spec.replications, spec.seed, list(spec.grid), reference, spec.breakeven)


def read_sweep_file(path: Path) -> SweepFile:
    """The sweep file itself, validated (its base and reference are not read here)."""
    label = str(path)
    data = read_toml(path)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(validation_issues(exc, data, label, SweepFile)) from None
    points_count = math.prod(len(v) for v in spec.grid.values()) if spec.mode == "product" \
        else max(len(v) for v in spec.grid.values())
    if points_count > MAX_POINTS or points_count * spec.replications > MAX_TASKS:
        raise ScenarioError([Issue(label, "grid", (
            f"{points_count:,} points x {spec.replications} replications: a sweep runs at most "
            f"{MAX_POINTS:,} points and {MAX_TASKS:,} replications in all; split it into "
            "several sweeps or use fewer values"))])
    if spec.mode == "zip" and len({len(v) for v in spec.grid.values()}) > 1:
        raise ScenarioError([Issue(label, "grid", "with mode = \"zip\" every list must have "
                                                  "the same length")])
    return spec


def _check_breakeven(spec: SweepFile, reference: Scenario | None, label: str) -> None:
    """A break-even runs along a grid key, on a known KPI, against a reference."""
    if spec.breakeven is None:
        return
    issues = []
    if spec.breakeven.parameter not in spec.grid:
        issues.append(Issue(label, "breakeven.parameter", "must be one of the grid's keys"))
    if spec.breakeven.kpi not in KPIS:
        issues.append(Issue(label, "breakeven.kpi", f"unknown KPI {spec.breakeven.kpi!r}"))
    if reference is None:
        issues.append(Issue(label, "breakeven", "needs a reference scenario to break even "
                                                "against"))
    if issues:
        raise ScenarioError(issues)


def grid_points(base: Scenario, spec: SweepFile, label: str) -> list[Point]:
    """Every point of the grid as a scenario, or with the reason it cannot be built.

    Raises
    ------
    ScenarioError
        if no point can be built (each failing key said once).
    """
    names = list(spec.grid)
    combos = (itertools.product(*spec.grid.values()) if spec.mode == "product"
              else zip(*spec.grid.values(), strict=True))
    points: list[Point] = []
    failed: dict[str, Issue] = {}
    for index, combo in enumerate(combos):
        values = dict(zip(names, combo, strict=True))
        try:
            scenario = with_overrides(base, values, label=f"{label} point {index}")
            points.append(Point(index, values, scenario))
        except ScenarioError as exc:
            points.append(Point(index, values, None, "; ".join(
                f"{i.path}: {i.message}" for i in exc.issues)))
            for issue in exc.issues:  # each key once: "(got 8)" would repeat it per point
                failed.setdefault(issue.path, Issue(
                    label, issue.path, f"{issue.message} (at every point of the grid)"))
    if all(p.scenario is None for p in points):  # a typo in a key, not a bad corner of the grid
        raise ScenarioError(list(failed.values()))
    return points


__all__ = ["MAX_POINTS", "MAX_TASKS", "BreakEven", "Point", "Sweep", "SweepFile", "grid_points",
           "load_sweep", "read_sweep_file"]
