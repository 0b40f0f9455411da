"""The architecture, checked: imports point down the layers, SimPy stays in the engine, SimPy's
internals stay in `engine/events.py`, and the public API is what `sim.__all__` says.

Each check reads the source with `ast` (nothing is imported to check it), and each is shown
able to fail on a synthetic module that breaks the rule. The table below is the one of the
folders' docstrings and of `docs/architecture.md`.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import get_args

import pytest

import sim

ROOT = Path(sim.__file__).resolve().parent

BESIDE = {"glossary", "vocabulary", "tables"}
"""Pure data any layer may import (each imports nothing of ours)."""

ALLOWED: dict[str, set[str]] = {
    # layer (folder or top-level module) -> what of `sim` it may import, besides itself
    "vocabulary": set(),
    "glossary": set(),
    "tables": set(),
    "analytic": set(),
    "scenario": {"glossary", "vocabulary"},
    "outputs": {"scenario"},
    "folders": {"outputs"},
    "engine": {"scenario", "vocabulary", "tables"},
    "measures": {"scenario"} | BESIDE,
    "runs": {"engine", "measures", "scenario", "outputs", "folders"} | BESIDE,
    "experiments": {"runs", "measures", "scenario", "analytic", "outputs", "folders"} | BESIDE,
    "report": {"measures", "scenario", "outputs", "folders"} | BESIDE,
    "calibration": {"runs", "measures", "report", "scenario", "analytic", "outputs",
                    "folders"} | BESIDE,
    "app": {"experiments", "runs", "report", "scenario", "outputs", "folders"} | BESIDE,
    "console": {"analytic", "experiments", "runs", "glossary"},
    "cli": {"analytic", "app", "calibration", "console", "experiments", "report", "runs",
            "scenario", "outputs", "folders", "glossary"},
    "__init__": {"runs", "scenario"},
    "__main__": {"cli"},
}

SIMPY_LAYERS = {"engine"}
"""The only layer that may import SimPy."""

SIMPY_PRIVATE = {"_queue", "_now", "_eid", "_value", "_ok", "_defused", "_active_proc",
                 "_processing"}
"""SimPy's private attributes (of `Environment` and `Event`)."""

SIMPY_INTERNAL_NAMES = {"NORMAL", "URGENT", "PENDING", "EventPriority"}
"""SimPy's event priorities and markers: what scheduling by hand onto its queue needs."""

ADAPTER = "sim.engine.events"


def layer_of(module: str) -> str:
    """`sim.engine.calls` -> "engine"; `sim.cli` -> "cli"; `sim` -> "__init__"."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def imported(tree: ast.AST) -> list[str]:
    """Every module an AST imports (`from sim import analytic` counts as `sim.analytic`)."""
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.append(node.module)
            if node.module == "sim":
                out.extend(f"sim.{alias.name}" for alias in node.names)
    return out


def import_problems(module: str, source: str) -> list[str]:
    """Imports of `module` (its source given) that cross a boundary."""
    layer = layer_of(module)
    allowed = ALLOWED[layer] | {layer}
    problems = []
    for name in imported(ast.parse(source)):
        top = name.split(".")[0]
        if top == "simpy" and layer not in SIMPY_LAYERS:
            problems.append(f"{module} imports {name}: only the engine imports SimPy")
        if top == "sim" and name != "sim":
            target = name.split(".")[1]
            if target not in allowed:
                problems.append(f"{module} imports {name}: {layer} may import "
                                f"{', '.join(sorted(allowed - {layer})) or 'nothing of ours'}")
    return problems


def private_problems(module: str, source: str) -> list[str]:
    """Uses of SimPy's internals outside the adapter."""
    if module == ADAPTER:
        return []
    problems = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in SIMPY_PRIVATE:
            problems.append(f"{module}:{node.lineno} reads .{node.attr} (SimPy's internals "
                            f"belong in {ADAPTER})")
        if (isinstance(node, ast.ImportFrom) and (node.module or "").startswith("simpy")
                and any(alias.name in SIMPY_INTERNAL_NAMES for alias in node.names)):
            problems.append(f"{module}:{node.lineno} imports SimPy's event priorities")
    return problems


def modules() -> list[tuple[str, str]]:
    """(dotted name, source) of every module of the package."""
    out = []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out.append((name, path.read_text(encoding="utf-8")))
    return out


# --- the package as it is ------------------------------------------------------------------


def test_every_module_belongs_to_a_layer_of_the_table() -> None:
    unknown = sorted({layer_of(name) for name, _ in modules()} - set(ALLOWED))
    assert unknown == []


def test_imports_point_down_the_layers_and_simpy_stays_in_the_engine() -> None:
    problems = [p for name, source in modules() for p in import_problems(name, source)]
    assert problems == []


def test_simpy_internals_are_touched_only_by_the_events_adapter() -> None:
    problems = [p for name, source in modules() for p in private_problems(name, source)]
    assert problems == []


def test_the_adapter_does_touch_simpy_internals() -> None:
    """Otherwise the check above would pass for want of looking at the right names."""
    source = (ROOT / "engine" / "events.py").read_text(encoding="utf-8")
    assert private_problems("sim.engine.journeys", source) != []


# --- each check can fail -------------------------------------------------------------------


@pytest.mark.parametrize(("module", "source"), [
    ("sim.measures.kpis", "from sim.engine.calendar import DAY"),
    ("sim.measures.money", "from sim import engine"),
    ("sim.report.page", "import sim.runs.runner"),
    ("sim.report.charts", "import simpy"),
    ("sim.experiments.staffing", "from sim.engine.arrivals import DemandProfile"),
    ("sim.scenario.schema", "from sim.measures import kpis"),
    ("sim.engine.model", "from sim.runs.runner import run"),
    ("sim.vocabulary", "from sim.scenario import Scenario"),
    ("sim.runs.runner", "from simpy import Environment"),
])
def test_an_import_across_a_boundary_is_flagged(module: str, source: str) -> None:
    assert len(import_problems(module, source)) == 1


@pytest.mark.parametrize(("module", "source"), [
    ("sim.measures.kpis", "from sim.scenario import Scenario\nfrom sim.tables import Tables"),
    ("sim.engine.calls", "import simpy\nfrom sim.vocabulary import DAY"),
    ("sim.experiments.staffing",
     "from sim.runs.load import offered_load\nfrom sim import analytic"),
])
def test_an_import_down_the_layers_is_not_flagged(module: str, source: str) -> None:
    assert import_problems(module, source) == []


@pytest.mark.parametrize("source", [
    "heappush(env._queue, (t, 1, next(env._eid), event))",
    "contact = event._value",
    "if time < self.env._now: pass",
    "from simpy.events import NORMAL",
])
def test_simpy_internals_outside_the_adapter_are_flagged(source: str) -> None:
    assert private_problems("sim.engine.calls", source) != []
    assert private_problems(ADAPTER, source) == []


# --- the words and the public API ----------------------------------------------------------


def test_backlog_steps_of_the_file_format_are_the_vocabulary_s() -> None:
    from sim.scenario.journeys import BacklogStep
    from sim.vocabulary import BACKLOG_STEPS

    assert get_args(BacklogStep) == tuple(step.label for step in BACKLOG_STEPS)


def test_every_coded_word_is_numbered_from_zero_without_gaps() -> None:
    """The record tables turn codes into categories by position."""
    from sim import vocabulary

    coded = [value for value in vars(vocabulary).values()
             if isinstance(value, type) and issubclass(value, vocabulary.Labelled)
             and value is not vocabulary.Labelled]
    assert len(coded) == 6
    for enum in coded:
        assert [int(code) for code in enum] == list(range(len(enum))), enum


def test_sim_exports_exactly_the_public_api_and_each_name_is_importable() -> None:
    assert sim.__all__ == ["RunResult", "Scenario", "ScenarioError", "load_scenario", "run"]
    for name in sim.__all__:
        assert getattr(importlib.import_module("sim"), name) is not None
    assert callable(sim.load_scenario) and callable(sim.run)
    assert issubclass(sim.ScenarioError, ValueError)


def test_resolution_is_the_vocabulary_s_and_still_offered_by_the_scenario_package() -> None:
    from sim.scenario import Resolution
    from sim.vocabulary import Resolution as Word

    assert Resolution is Word
