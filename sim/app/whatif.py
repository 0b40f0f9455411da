"""A what-if question: two scenarios with their contested values moved, answered then refined.

The contested values are the ones an outsourcing debate turns on: the in-house headcount of
each side, the provider's defect rate and price per contact, the demand (a factor on every
source) and the callback deadline. A question is answered first on a few replications (the
same members in both options: common random numbers), fast enough to read in a meeting, then
more replications are added in the background until the intervals of the promise and of the
money are tight, or a cap is reached. Every replication goes through the result store, so moving
a value back finds its replications already computed. A newer question replaces the one in
hand: its replications not yet started are dropped. The page's answer keeps only each
replication's KPIs and daily tables (the member-level tables are what makes a first answer
slow to move between processes and to assemble); the evidence pack recomputes them in full.
"""

from __future__ import annotations

import logging
import math
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.compare import comparison_table
from sim.glossary import KPIS
from sim.outputs import source_digest
from sim.report.charts import Option
from sim.report.results import Results, RunData
from sim.runs.execution import Task, execute
from sim.runs.runner import RunResult, assemble
from sim.runs.store import ResultStore
from sim.scenario import Scenario, with_overrides

log = logging.getLogger(__name__)

PROMISE = "right_on_time_rate" if "right_on_time_rate" in KPIS else "callback_on_time_rate"
"""The promise the page leads with (the honest one when the glossary has it)."""
MONEY = "cost_per_right_answer" if "cost_per_right_answer" in KPIS else "cost_total"
"""The money the page leads with."""
SHOWN = tuple(dict.fromkeys(k for k in (PROMISE, "callback_on_time_rate", MONEY, "cost_total",
                                        "callback_hours_p90", "resolution_hours_p90",
                                        "remediation_hours") if k in KPIS))
"""The key figures on the page, in this order."""

FIRST = 2
"""Replications per option of the first answer."""
CAP = 40
"""Replications per option at most."""
PROMISE_HALF = 0.01
"""The promise's interval is tight at ±1 point (each option's mean and the difference)."""
MONEY_SHARE = 0.02
"""The money's interval is tight at ±2 % of the base's mean."""


@dataclass(frozen=True)
class Contested:
    """The values a reader may move; None where the scenarios have no such value (a provider's
    defect rate without a provider)."""

    base_advisors: int | None
    option_advisors: int | None
    defect_rate: float | None
    price_per_contact: float | None
    demand_factor: float
    deadline_hours: float

    @classmethod
    def of(cls, base: Scenario, option: Scenario) -> Contested:
        """The values as the scenario files set them (the provider's from whichever has one)."""
        provider = option.outsourcing or base.outsourcing
        return cls(
            base_advisors=base.staff.advisors, option_advisors=option.staff.advisors,
            defect_rate=provider.defect_rate if provider else None,
            price_per_contact=provider.price.per_contact if provider else None,
            demand_factor=base.demand.volume_factor,
            deadline_hours=base.callbacks.deadline.total_seconds() / 3600)

    def apply(self, scenario: Scenario, advisors: int | None) -> Scenario:
        """The scenario with these values (validated like a file: ScenarioError if not)."""
        overrides: dict[str, Any] = {
            "demand.volume_factor": self.demand_factor,
            "callbacks.deadline": f"{self.deadline_hours:g}h"}
        if advisors is not None:
            overrides["staff.advisors"] = advisors
        if scenario.outsourcing is not None:
            if self.defect_rate is not None:
                overrides["outsourcing.defect_rate"] = self.defect_rate
            if self.price_per_contact is not None:
                overrides["outsourcing.price.per_contact"] = self.price_per_contact
        return with_overrides(scenario, overrides, scenario.name)

    def scenarios(self, base: Scenario, option: Scenario) -> list[Scenario]:
        """Base and option with these values."""
        return [self.apply(base, self.base_advisors), self.apply(option, self.option_advisors)]


@dataclass
class Answer:
    """What is known of a question so far: each option's run and the comparison table."""

    runs: list[RunResult]
    table: pd.DataFrame
    replications: int

    def results(self) -> Results:
        """The answer as the report reads a comparison folder (in memory, nothing written)."""
        data = []
        for run in self.runs:
            threshold = run.scenario.channel.service_level_threshold.total_seconds() / 60
            option = Option(run.scenario.name, run.contacts, run.calls, run.daily,
                            run.advisor_days, run.replications, run.groups_summary, threshold)
            data.append(RunData(Path("."), run.scenario, run.manifest, run.replications,
                                run.summary, option, run.assumptions if run.assumptions
                                is not None else pd.DataFrame()))
        manifest = {"scenarios": [{"name": r.scenario.name} for r in self.runs],
                    "replications": self.replications}
        return Results("compare", Path("."), manifest, data, comparison=self.table)

    def widest(self) -> dict[str, float]:
        """Per headline KPI, the widest 95 % half-width among the means and the difference."""
        out = {}
        for kpi in (PROMISE, MONEY):
            rows = self.table[self.table["kpi"] == kpi]
            halves = pd.concat([(rows["ci_high"] - rows["ci_low"]) / 2,
                                (rows["diff_ci_high"] - rows["diff_ci_low"]) / 2]).dropna()
            out[kpi] = float(halves.max()) if len(halves) else math.inf
        return out

    def tight(self) -> bool:
        """Whether the promise and the money are known closely enough to stop refining."""
        widest = self.widest()
        base_money = self.table[(self.table["kpi"] == MONEY)
                                & (self.table["scenario"] == self.runs[0].scenario.name)]
        money_mean = abs(float(base_money["mean"].iloc[0])) if len(base_money) else math.nan
        money_ok = (widest[MONEY] <= MONEY_SHARE * money_mean if math.isfinite(money_mean)
                    else not math.isfinite(widest[MONEY]))
        return widest[PROMISE] <= PROMISE_HALF and money_ok


@dataclass
class Question:
    """One question in hand: its scenarios, what is known, and how far refining has gone."""

    number: int
    scenarios: list[Scenario]
    seed: int
    answer: Answer | None = None
    error: str = ""
    done: bool = False
    stopped: threading.Event = field(default_factory=threading.Event)
    computed: dict[int, list[Any]] = field(default_factory=dict)

    @property
    def replications(self) -> int:
        return self.answer.replications if self.answer else 0


class Explorer:
    """Answers what-if questions on a pool of worker processes kept running between them."""

    def __init__(self, pool: ProcessPoolExecutor | None, store: ResultStore,
                 first: int = FIRST, cap: int = CAP, workers: int = 1) -> None:
        self.pool, self.store = pool, store
        self.first, self.cap = first, cap
        # refinement rounds of one replication per worker: a newer question then waits for at
        # most the replications in hand (a pool's queued tasks cannot be taken back)
        self.workers = workers
        self._lock = threading.Lock()
        self._count = 0
        self.current: Question | None = None
        self._version = source_digest()

    def ask(self, scenarios: list[Scenario], seed: int,
            refine: bool = True) -> Question:
        """Answer on `first` replications now, then (with `refine`) refine in a thread."""
        with self._lock:
            if self.current is not None:
                self.current.stopped.set()
            self._count += 1
            question = Question(self._count, scenarios, seed)
            self.current = question
        self._extend(question, self.first)
        if refine and not question.error:
            threading.Thread(target=self._refine, args=(question,), daemon=True,
                             name=f"whatif-{question.number}").start()
        else:
            question.done = True
        return question

    def detailed(self, question: Question) -> Answer:
        """The question's replications with every member-level table (for the evidence pack),
        from the store or computed now."""
        count = question.replications
        tasks = [Task(s, question.seed, r, tag=i) for i, s in enumerate(question.scenarios)
                 for r in range(count)]
        results: dict[int, list[Any]] = {}
        for outcome in execute(tasks, store=self.store, version=self._version, pool=self.pool,
                               workers=1 if self.pool is None else None):
            if outcome.result is None:
                raise RuntimeError(f"{outcome.task.scenario.name}: {outcome.error}")
            results.setdefault(outcome.task.tag, []).append(outcome.result)
        runs = [assemble(s, question.seed, results.get(i, []), {})
                for i, s in enumerate(question.scenarios)]
        return Answer(runs, comparison_table(runs), count)

    def _extend(self, question: Question, count: int) -> None:
        """Bring each option to `count` replications and recompute the answer."""
        have = question.replications
        tasks = [Task(s, question.seed, r, tag=i, detail=False)
                 for i, s in enumerate(question.scenarios) for r in range(have, count)]
        results: dict[int, list[Any]] = question.computed
        for outcome in execute(tasks, store=self.store, version=self._version, pool=self.pool,
                               workers=1 if self.pool is None else None):
            if question.stopped.is_set():
                return
            if outcome.result is None:
                question.error = f"{outcome.task.scenario.name}: {outcome.error}"
                question.done = True
                return
            results.setdefault(outcome.task.tag, []).append(outcome.result)
        runs = [assemble(s, question.seed, results.get(i, []), {})
                for i, s in enumerate(question.scenarios)]
        question.answer = Answer(runs, comparison_table(runs), count)

    def _refine(self, question: Question) -> None:
        try:
            while (not question.stopped.is_set() and question.answer is not None
                   and question.replications < self.cap and not question.answer.tight()):
                step = max(1, self.workers // len(question.scenarios))
                self._extend(question, min(self.cap, question.replications + step))
        except Exception as exc:  # shown in the page rather than lost in a thread
            if not question.stopped.is_set():  # (a question dropped as the app stops is not)
                log.exception("refining a what-if failed")
                question.error = str(exc)
        finally:
            question.done = True

