"""The `helpline` command: run, compare, sweep, staff, validate, erlang, app.

Bad input never produces a traceback: every problem of a scenario file is listed with its path
and value, and the command exits with code 2 before anything is written. Long commands keep each
finished replication in the output folder's store (`.store/`), so a command interrupted at any
moment and started again finishes where it stopped.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import sys
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim import analytic, folders
from sim.console import (
    assumptions_view,
    comparison_table,
    equal_service_lines,
    equal_service_table,
    erlang_table,
    sensitivity_table,
    staffing_table,
    summary_table,
    switching_lines,
)
from sim.experiments.compare import compare, default_folder
from sim.experiments.equal_service import equal_service
from sim.experiments.ranges import check_ranges, ranges
from sim.experiments.sensitivity import analyse, promise_kpi
from sim.experiments.staffing import parse_target, plateaued, search
from sim.experiments.sweep import REFERENCE, load_sweep, run_sweep
from sim.glossary import KPIS
from sim.outputs import provenance, with_french, write_csv
from sim.report.language import Lang
from sim.report.page import NotAResult, PngUnavailable, write_report
from sim.runs.execution import SchedulerError, WorkerPool
from sim.runs.runner import ReplicationError, run
from sim.runs.store import ResultStore
from sim.scenario import Issue, Scenario, ScenarioError, load_scenario
from sim.scenario.issues import show
from sim.scenario.reading import read_toml
from sim.scenario.register import register
from sim.scenario.sections import MAX_REPLICATIONS
from sim.scenario.size import Size, check_size, estimate_size
from sim.scenario.units import minutes, parse_duration

app = typer.Typer(
    help="helpline-sim: simulate a member helpline's staffing, callbacks and options.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

BAD_INPUT, FAILED = 2, 1


class _Warnings(logging.Handler):
    """Warnings of the library (a stored result not trusted, a stale lock taken over) shown
    on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        err.print(record.getMessage(), markup=False, highlight=False, style="yellow")


_held: list[Callable[[], None]] = []
"""Locks the running command holds on results folders, released when it ends."""


def _release() -> None:
    while _held:
        _held.pop()()


@app.callback()
def _main(ctx: typer.Context) -> None:
    """helpline-sim: simulate a member helpline's staffing, callbacks and options."""
    library = logging.getLogger("sim")
    if not any(isinstance(h, _Warnings) for h in library.handlers):
        library.addHandler(_Warnings(logging.WARNING))
    ctx.call_on_close(_release)

MAX_SEED = 2**63 - 1
"""The command line takes the numbers the scenario file takes (`[run]`)."""
MAX_WORKERS = 1024
MAX_ADVISORS = 10_000
MAX_CALLS_PER_HOUR = 1e6

Replications = Annotated[int | None, typer.Option(
    "--replications", "-n", min=1, max=MAX_REPLICATIONS,
    help="Replications (default: the scenario's run section).")]
Seed = Annotated[int | None, typer.Option(
    min=0, max=MAX_SEED, help="Seed (default: the scenario's run section).")]
Workers = Annotated[int | None, typer.Option(
    min=1, max=MAX_WORKERS, help="Worker processes (default: all cores).")]
AllowLarge = Annotated[bool, typer.Option(
    "--allow-large", help="Run even when the estimated memory is more than this machine can "
                          "hold.")]
Fresh = Annotated[bool, typer.Option(
    "--fresh", help="Recompute everything instead of reusing stored replications.")]
ExcelFr = Annotated[bool, typer.Option(
    "--excel-fr", help="Also write each CSV for French Excel (name.fr.csv: ';', decimal comma).")]
Report = Annotated[bool, typer.Option(
    "--report", help="Also write the HTML report (report.html) in the output folder.")]


def _lang(value: str) -> Lang:
    if value not in ("en", "fr"):
        raise typer.BadParameter(f"--lang must be en or fr (got {value!r})")
    return value  # type: ignore[return-value]


Language = Annotated[str, typer.Option(
    "--lang", callback=_lang, help="Language of the report: en or fr.")]
"""Checked when the command line is read, before anything is simulated."""


def _write_report(folder: Path, lang: str, png: bool = False) -> None:
    try:
        path = write_report(folder, _lang(lang), png=png)
    except PngUnavailable as exc:
        err.print(str(exc), markup=False, highlight=False, style="yellow")
        path = folder / f"report.{lang}.html"
    except NotAResult as exc:
        err.print(str(exc), markup=False, highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None
    except OSError as exc:
        err.print(f"{folder}: the report cannot be written ({exc.strerror or exc})",
                  markup=False, highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None
    out.print(f"Report written to [bold]{escape(str(path))}[/]")


def _load(path: Path) -> Scenario:
    """Load a scenario or exit 2 listing every problem."""
    with _bad_input():
        return load_scenario(path)


@contextmanager
def _bad_input() -> Iterator[None]:
    """Exit 2 listing every problem of a scenario or sweep file that failed to load."""
    try:
        yield
    except ScenarioError as exc:
        _report_issues(exc)
        raise typer.Exit(BAD_INPUT) from None


def _command() -> str:
    """The command line that produced a result, for its manifest."""
    return " ".join(["helpline", *sys.argv[1:]])


def _report_issues(exc: ScenarioError) -> None:
    count = len(exc.issues)
    err.print(f"[bold red]{count} problem{'s' if count > 1 else ''} found:[/]")
    for issue in exc.issues:
        err.print(f"  {issue}", markup=False, highlight=False, soft_wrap=True)


def _claim(out_dir: Path | None, default: Path) -> Path:
    """The output folder, checked, created and locked for this command (until it ends)
    before anything is computed; exit 2 if it cannot be used or another run is using it."""
    folder = out_dir or default
    try:
        folders.prepare(folder, explicit_here=str(out_dir) == ".")
        release = folders.lock(folder, _command())
    except folders.FolderError as exc:
        err.print(str(exc), markup=False, highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None
    except OSError as exc:
        err.print(f"--out {folder}: cannot be used ({exc.strerror or exc})", markup=False,
                  highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None
    _held.append(release)
    return folder


def _store(folder: Path, fresh: bool) -> ResultStore:
    store = folder / ".store"
    if fresh and store.exists():
        shutil.rmtree(store)
    return ResultStore(store)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (when it is a terminal); yields `update(done, total)`."""
    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   console=err, transient=False, disable=not err.is_terminal)
    if not err.is_terminal:
        err.print(f"{label}: running...", markup=False, highlight=False)
    with bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


INTERRUPTED = 130


@contextmanager
def _failures() -> Iterator[None]:
    """A replication that crashed, a Ctrl-C, an unreachable cluster: say so plainly, keep what
    finished, and exit with a code that tells which."""
    try:
        yield
    except ReplicationError as exc:
        err.print("A replication failed (finished replications are kept; run the same command "
                  f"again to retry):\n{exc}", markup=False, highlight=False, style="red")
        raise typer.Exit(FAILED) from None
    except SchedulerError as exc:
        err.print(str(exc), markup=False, highlight=False, style="red")
        raise typer.Exit(FAILED) from None
    except MemoryError:
        err.print("The machine ran out of memory (finished replications are kept): run fewer "
                  "replications or a shorter horizon.", markup=False, highlight=False,
                  style="red")
        raise typer.Exit(FAILED) from None
    except KeyboardInterrupt:
        err.print("Interrupted. The replications already finished are kept in the output "
                  "folder's .store: run the same command again to continue from there.",
                  markup=False, highlight=False, style="yellow")
        raise typer.Exit(INTERRUPTED) from None
    except ValueError as exc:
        err.print(str(exc), markup=False, highlight=False, style="red")
        raise typer.Exit(BAD_INPUT) from None


@app.command("run")
def run_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/<name>).")] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    report: Report = False,
    lang: Language = "en",
    allow_large: AllowLarge = False,
) -> None:
    """Simulate a scenario and write its tables to results/<name>/."""
    loaded = _load(scenario)
    _fits([loaded], replications, str(scenario), allow_large)
    folder = _claim(out_dir, Path("results") / loaded.name)
    with _failures(), WorkerPool(workers) as pool, _progress(loaded.name) as update:
        result = run(loaded, replications=replications, seed=seed, workers=pool,
                     progress=update, store=_store(folder, fresh))
    result.manifest["command"] = _command()
    result.assumptions = register(scenario)
    result.write(folder, excel_fr)
    out.print(summary_table(result, f"{escape(loaded.title or loaded.name)} — "
                                    f"{len(result.replications)} replications, "
                                    f"seed {result.seed}"))
    if result.manifest.get("replications_reused"):
        out.print(f"{result.manifest['replications_reused']} replications reused from an "
                  f"earlier run, {result.manifest['replications_computed']} computed "
                  "(--fresh recomputes them all).")
    out.print(f"Results written to [bold]{escape(str(folder))}[/]")
    if report:
        _write_report(folder, lang)


def _precision(items: list[str]) -> dict[str, float]:
    out_: dict[str, float] = {}
    for item in items:
        kpi, _, value = item.partition("=")
        try:
            out_[kpi.strip()] = float(value)
        except ValueError:
            raise typer.BadParameter(f"write KPI=half-width, e.g. callback_on_time_rate=0.01 "
                                     f"(got {item!r})") from None
        if kpi.strip() not in KPIS:  # (checked here for a clear option error)
            raise typer.BadParameter(f"unknown KPI {kpi.strip()!r}")
    return out_


@app.command("compare")
def compare_command(
    scenarios: Annotated[list[Path], typer.Argument(help="BASE.toml then OPTION.toml ...")],
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = None,
    precision: Annotated[list[str] | None, typer.Option(
        help="Add replications until KPI's 95 % half-width is at most this: "
             "callback_on_time_rate=0.01 (repeatable).")] = None,
    max_replications: Annotated[int, typer.Option(
        min=2, max=MAX_REPLICATIONS, help="Cap for --precision.")] = 200,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/compare-<base>+<option>+...).")
    ] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    report: Report = False,
    lang: Language = "en",
    allow_large: AllowLarge = False,
    equal: Annotated[bool, typer.Option(
        "--equal-service", help="First staff each option with the fewest in-house advisors "
                                "meeting the options' targets, then compare at those "
                                "headcounts.")] = False,
    confidence: Annotated[float, typer.Option(
        min=0.5, max=0.999, help="With --equal-service: confidence that each target is met.")
    ] = 0.95,
) -> None:
    """Run options on the same members and compare each with the first (paired differences)."""
    loaded = [_load(path) for path in scenarios]
    wanted = _precision(precision or [])
    most = max(replications or loaded[0].run.replications, max_replications if wanted else 0)
    _fits(loaded, most, str(scenarios[0]), allow_large)
    folder = _claim(out_dir, default_folder(loaded))
    if equal:
        if wanted:
            raise typer.BadParameter("--precision and --equal-service cannot be combined yet")
        _compare_equal(loaded, scenarios, folder, replications=replications, seed=seed,
                       workers=workers, confidence=confidence, fresh=fresh, excel_fr=excel_fr)
        if report:
            _write_report(folder, lang)
        return
    with _failures(), WorkerPool(workers) as pool, _progress("compare") as update:
        result = compare(loaded, replications=replications, seed=seed, workers=pool,
                         precision=wanted, max_replications=max_replications,
                         store=_store(folder, fresh), progress=update)
    result.manifest["command"] = _command()
    for one, path in zip(result.runs, scenarios, strict=True):
        one.assumptions = register(path)
    result.write(folder, excel_fr)
    out.print(comparison_table(result))
    if wanted and not result.precision_reached:
        table = result.table
        for kpi, asked in wanted.items():
            rows = table[table["kpi"] == kpi]
            half = max(((rows["ci_high"] - rows["ci_low"]) / 2).max(),
                       ((rows["diff_ci_high"] - rows["diff_ci_low"]) / 2).max())
            err.print(f"The cap of {max_replications} replications stopped before {kpi} reached "
                      f"±{asked:g}: its widest 95 % half-width is ±{half:.3g}.",
                      markup=False, highlight=False, style="yellow")
    out.print("Green: better than the base, red: worse (the interval excludes no change). "
              "The report colours only material differences (thresholds in its glossary). "
              f"Results written to [bold]{escape(str(folder))}[/]")
    if report:
        _write_report(folder, lang)


def _compare_equal(loaded: list[Scenario], paths: list[Path], folder: Path, *,
                   replications: int | None, seed: int | None, workers: int | None,
                   confidence: float, fresh: bool, excel_fr: bool) -> None:
    """`compare --equal-service`: size every option, then compare at those headcounts."""
    with _failures(), WorkerPool(workers) as pool, _progress("size and compare") as update:
        result = equal_service(loaded, replications=replications, seed=seed,
                               confidence=confidence, workers=pool,
                               store=_store(folder, fresh), progress=update)
    result.comparison.manifest["command"] = _command()
    for one, path in zip(result.comparison.runs, paths, strict=True):
        one.assumptions = register(path)
    result.write(folder, excel_fr)
    out.print(equal_service_table(result))
    out.print(comparison_table(result.comparison))
    for line in equal_service_lines(result):
        out.print(line, highlight=False)
    out.print(f"Results written to [bold]{escape(str(folder))}[/]")


@app.command("sensitivity")
def sensitivity_command(
    base: Annotated[Path, typer.Argument(help="BASE.toml (the reference option).")],
    option: Annotated[Path, typer.Argument(help="OPTION.toml (the option judged).")],
    vary: Annotated[list[str] | None, typer.Option(
        help="KEY=LOW:HIGH, e.g. outsourcing.defect_rate=0.02:0.30 (repeatable; default: "
             "every contested value that differs between the options or that the money or "
             "the promise rests on, over its range in the file's ranges table, else "
             "±50 %).")] = None,
    kpi: Annotated[list[str] | None, typer.Option(
        help="KPI whose verdict is tested (repeatable; default: cost_total and the "
             "promise).")] = None,
    replications: Replications = None,
    seed: Seed = None,
    draws: Annotated[int, typer.Option(
        min=0, help="Also draw every varied value at once N times: how often the verdict "
                    "holds.")] = 0,
    workers: Workers = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786 or tls://...); needs the dask extra.")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/compare-<base>, beside the "
                      "comparison).")] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    report: Report = False,
    lang: Language = "en",
) -> None:
    """What would change the verdict: a tornado of paired differences and switching values."""
    options = (_load(base), _load(option))
    kpis = list(kpi) if kpi else ["cost_total", promise_kpi()]
    unknown = [k for k in kpis if k not in KPIS]
    if unknown:
        err.print(f"--kpi: unknown KPI {unknown[0]!r} (see the glossary: "
                  f"{', '.join(list(KPIS)[:6])}, ...)", markup=False, highlight=False,
                  style="bold red")
        raise typer.Exit(BAD_INPUT)
    try:
        with _bad_input():
            found = ranges(options, (base, option), vary)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--vary") from None
    folder = _claim(out_dir, default_folder(list(options)))
    store = _store(folder, fresh)
    with _failures(), WorkerPool(workers) as pool, _progress("sensitivity") as update:
        result = analyse(*options, found, kpis, replications=replications, seed=seed,
                         draws=draws, workers=pool, store=store, scheduler=scheduler,
                         progress=update)
        comparison = compare(list(options), replications=result.manifest["replications"],
                             seed=result.manifest["seed"], workers=pool, store=store,
                             scheduler=scheduler)
    result.manifest["command"] = comparison.manifest["command"] = _command()
    for one, path in zip(comparison.runs, (base, option), strict=True):
        one.assumptions = register(path)
    comparison.write(folder, excel_fr)
    result.write(folder, excel_fr)
    out.print(sensitivity_table(result))
    for line in switching_lines(result):
        out.print(line, highlight=False)
    out.print(f"{result.manifest['results_computed']} replications computed, "
              f"{result.manifest['results_reused']} reused. Results written to "
              f"[bold]{escape(str(folder))}[/]")
    if report:
        _write_report(folder, lang)


@app.command("sweep")
def sweep_command(
    sweep_file: Annotated[Path, typer.Argument(help="Sweep file (TOML).")],
    workers: Workers = None,
    scheduler: Annotated[str | None, typer.Option(
        help="Dask scheduler address (tcp://host:8786 or tls://...); needs the dask extra.")
    ] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/sweep-<name>).")] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    report: Report = False,
    lang: Language = "en",
    allow_large: AllowLarge = False,
) -> None:
    """Run a grid of variants of a base scenario; resumable, locally or on a Dask cluster."""
    with _bad_input():
        sweep = load_sweep(sweep_file)
        _sweep_fits(sweep, workers, str(sweep_file), allow_large)
    folder = _claim(out_dir, Path("results") / f"sweep-{sweep.name}")
    with _failures(), WorkerPool(workers) as pool, _progress(f"sweep {sweep.name}") as update:
        result = run_sweep(sweep, store=_store(folder, fresh), workers=pool,
                           scheduler=scheduler, progress=update)
    result.manifest["command"] = _command()
    result.write(folder, excel_fr)
    write_csv(folder / "assumptions.csv", _sweep_register(sweep_file, sweep.base.name,
                                                          sweep.reference), excel_fr)
    folders.add(folder, with_french(["assumptions.csv"], excel_fr))
    out.print(f"{len(sweep.points)} points x {sweep.replications} replications: "
              f"{result.computed} computed, {result.reused} reused from an earlier run.")
    for error in result.errors.to_dict("records"):
        where = ("the reference" if error["point"] == REFERENCE else f"point {error['point']}")
        if not pd.isna(error["replication"]):
            where += f", replication {error['replication']},"
        err.print(f"{where} failed: {error['error']}", markup=False, highlight=False,
                  style="red")
    out.print(f"Results written to [bold]{escape(str(folder))}[/]")
    if report:
        _write_report(folder, lang)
    if result.replications_failed:
        err.print(f"{result.replications_failed} replication(s) failed (listed in errors.csv); "
                  "run the same command again to retry them.", markup=False, highlight=False,
                  style="red")
        raise typer.Exit(FAILED)


def _sweep_register(sweep_file: Path, base: str, reference: Scenario | None
                    ) -> pd.DataFrame:
    """The assumptions registers of a sweep's base and reference files (`option` names
    which); the grid's keys are the values the sweep moves."""
    spec = tomllib.loads(sweep_file.read_text(encoding="utf-8"))
    frames = [register(sweep_file.parent / spec["base"]).assign(option=base)]
    if reference is not None and spec.get("reference"):
        frames.append(register(sweep_file.parent / spec["reference"]).assign(
            option=reference.name))
    table = pd.concat(frames, ignore_index=True)
    swept = table["path"].isin(list(spec.get("grid", {})))
    table.loc[swept, "note"] = ("swept: " + table.loc[swept, "note"].astype(str)).str.rstrip(": ")
    return table


@app.command("staff")
def staff_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    target: Annotated[list[str] | None, typer.Option(
        help="\"KPI>=X\" or \"KPI<=X\" (repeatable; default: the scenario's targets "
             "section).")] = None,
    confidence: Annotated[float, typer.Option(
        min=0.5, max=0.999, callback=_finite, help="Confidence that each target is met.")
    ] = 0.95,
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/staff-<name>).")] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    by_interval: Annotated[bool, typer.Option(
        "--by-interval", help="Advisors needed on the lines in each interval of the week "
                              "(requirements.csv), by Erlang A and by simulation.")] = False,
    interval: Annotated[str, typer.Option(
        help="Interval length with --by-interval, e.g. 30min or 1h.")] = "30min",
    erlang_only: Annotated[bool, typer.Option(
        "--erlang-only", help="With --by-interval: Erlang A only, no simulation.")] = False,
    report: Report = False,
    lang: Language = "en",
    allow_large: AllowLarge = False,
) -> None:
    """Find the fewest advisors (per shift, with shifts) meeting every target; with
    --by-interval, the advisors needed on the lines in each interval of the week."""
    loaded = _load(scenario)
    _fits([loaded], replications, str(scenario), allow_large)
    try:
        targets = dict(parse_target(t) for t in target) if target else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    folder = _claim(out_dir, Path("results") / f"staff-{loaded.name}")
    if by_interval:
        _staff_by_interval(loaded, folder, targets, interval, not erlang_only, replications,
                           seed, confidence, workers, fresh, excel_fr, report, lang)
        return

    def show(evaluation: Any) -> None:
        verdict = "[green]met[/]" if evaluation.met else "[red]not met[/]"
        margins = ", ".join(f"{k} {m:+.3g}" for k, m in evaluation.margins.items())
        err.print(f"  {'+'.join(map(str, evaluation.level))} advisors: {verdict} ({margins})")

    with _failures(), WorkerPool(workers) as pool:  # one set of workers for every level
        result = search(loaded, targets, replications=replications, seed=seed,
                        confidence=confidence, workers=pool, store=_store(folder, fresh),
                        on_level=show)
    previous = folders.begin(folder)
    written = write_csv(folder / "staffing.csv", result.table, excel_fr)
    folders.finish(folder, {"staffing": loaded.name, **provenance(), "command": _command()},
                   [p.name for p in written], previous)
    table = staffing_table(result, confidence)
    out.print(table)
    if result.chosen is None:
        stuck = plateaued(result)
        err.print("[red]No staffing level tried meets every target.[/]")
        for kpi in stuck:
            values = [float(e.kpis[kpi].mean()) for e in result.evaluations[-2:]]
            shown = f"{values[-1]:.1%}" if KPIS[kpi].unit == "share" else f"{values[-1]:.4g}"
            err.print(f"  {kpi} stays at {shown} however many advisors: something "
                      "other than advisors limits it (response times of experts or regional "
                      "offices, reachability, deadlines).", highlight=False)
        raise typer.Exit(FAILED)
    out.print(f"Fewest advisors meeting every target: [bold]{'+'.join(map(str, result.chosen))}"
              f"[/]. Written to [bold]{escape(str(folder / 'staffing.csv'))}[/]")


# -- staffing by interval and rotas (issue 14) --------------------------------------------
def _staff_by_interval(loaded: Scenario, folder: Path, targets: dict[str, Any] | None,
                       interval: str, simulate: bool, replications: int | None,
                       seed: int | None, confidence: float, workers: int | None, fresh: bool,
                       excel_fr: bool, report: bool, lang: str) -> None:
    from sim.experiments.planning import staff_by_interval, write_staffing

    _lang(lang)
    wanted = dict(loaded.targets if targets is None else targets)

    def show(iteration: Any) -> None:
        met = iteration.measured["met"]
        err.print(f"  iteration {len(shown) + 1}: {sum(iteration.vector.values())} "
                  f"advisor-intervals, {int(met.sum())}/{len(met)} intervals met")
        shown.append(iteration)

    shown: list[Any] = []
    with _failures(), WorkerPool(workers) as pool:  # one set of workers for every iteration
        result = staff_by_interval(loaded, _duration(interval), wanted, simulate=simulate,
                                   replications=replications, seed=seed,
                                   confidence=confidence, workers=pool,
                                   store=_store(folder, fresh), on_iteration=show)
    previous = folders.begin(folder)
    folders.finish(folder, {"staffing_by_interval": loaded.name, **provenance(),
                            "command": _command()},
                   write_staffing(folder, result, excel_fr), previous)
    hours = result.hours
    out.print(f"Advisors on the lines, before shrinkage, per {result.grid.interval_min}-min "
              f"interval: [bold]{escape(str(folder / 'requirements.csv'))}[/]")
    out.print(f"  Erlang A: {hours['erlang_on_lines_hours']:.1f} advisor-hours a week on the "
              f"lines (fractions summed; {hours['erlang_rounded_hours']:.1f} if each interval "
              f"is rounded up), {hours['erlang_paid_hours']:.1f} paid with shrinkage "
              f"{loaded.staff.shrinkage:.0%}")
    if "simulated_on_lines_hours" in hours:
        out.print(f"  Simulation: {hours['simulated_on_lines_hours']:.1f} advisor-hours a "
                  f"week on the lines, {hours['simulated_paid_hours']:.1f} paid")
    for line in result.differences + ([] if result.simulated is None
                                      else result.simulated.notes):
        out.print(f"  {escape(line)}", highlight=False)
    skipped = [k for k in wanted if k not in result.targets]
    if skipped:
        out.print(f"  Not measured per interval: {', '.join(skipped)} (checked over the whole "
                  "period when `helpline roster` simulates the rota)")
    out.print(f"  ({result.seconds:.0f} s)")
    if report:
        _write_staffing_report(folder, lang)


def _write_staffing_report(folder: Path, lang: str) -> None:
    from sim.report.staffing import write_staffing_report

    try:
        path = write_staffing_report(folder, _lang(lang))
    except NotAResult as exc:
        err.print(f"No report: {exc}", markup=False, highlight=False, style="yellow")
        return
    out.print(f"Report written to [bold]{escape(str(path))}[/]")


@app.command("roster")
def roster_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    requirements: Annotated[Path | None, typer.Option(
        help="requirements.csv from `staff --by-interval` (default: the output folder's, "
             "else Erlang A).")] = None,
    rules: Annotated[Path | None, typer.Option(
        help="Rota rules (TOML): shift lengths, days, lunch, rest, headcount.")] = None,
    interval: Annotated[str, typer.Option(
        help="Interval length when no requirements file is given.")] = "30min",
    target: Annotated[list[str] | None, typer.Option(
        help="\"KPI>=X\" or \"KPI<=X\" checked on the simulated rota (repeatable; "
             "default: the scenario's targets section).")] = None,
    simulate: Annotated[bool, typer.Option(
        "--simulate/--no-simulate", help="Simulate the rota and report targets met.")] = True,
    confidence: Annotated[float, typer.Option(
        min=0.5, max=0.999, help="Confidence that each target is met.")] = 0.95,
    replications: Replications = None,
    seed: Seed = None,
    workers: Workers = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/staff-<name>).")] = None,
    fresh: Fresh = False,
    excel_fr: ExcelFr = False,
    report: Report = False,
    lang: Language = "en",
) -> None:
    """Design shifts covering the requirement at least cost (an integer program), write them
    as a staff.shifts fragment and roster.csv, then simulate the rota."""
    from sim.experiments import planning
    from sim.experiments.requirement import RequirementError
    from sim.experiments.rota import RulesConflict
    from sim.runs.intervals import IntervalError
    from sim.scenario.rules import load_rules

    loaded = _load(scenario)
    _lang(lang)
    try:
        targets = dict(parse_target(t) for t in target) if target else dict(loaded.targets)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with _bad_input():
        the_rules = load_rules(rules)
    folder = _claim(out_dir, Path("results") / f"staff-{loaded.name}")
    default = folder / "requirements.csv"
    source = requirements if requirements is not None else default if default.exists() else None
    try:
        the_grid, needed, label = planning.requirement_source(
            loaded, _duration(interval), source, targets)
        rota = planning.design_rota(the_rules, the_grid, needed)
    except (RulesConflict, IntervalError, RequirementError) as exc:
        err.print("[bold red]Cannot design a rota:[/]")
        for line in str(exc).splitlines():
            err.print(f"  {line}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(BAD_INPUT) from None
    out.print(f"Requirement: {escape(label)}. Integer program: [bold]{rota.status}[/] in "
              f"{rota.seconds:.2f} s (time limit {rota.time_limit_s:g} s"
              + (f", gap {rota.gap:.2%}" if rota.gap is not None else "") + ")")
    if rota.status not in ("optimal", "time limit reached") or (
            rota.headcount == 0 and needed.sum() > 0):
        err.print(f"[red]No rota found: {escape(rota.message)}[/]")
        raise typer.Exit(FAILED)
    out.print(f"  {rota.headcount} advisors, {rota.paid_hours_per_week:.1f} paid hours a week")
    uncovered = rota.uncovered
    if uncovered.sum() > 0:
        short = [f"{d} {s}-{e} (-{u})" for d, s, e, u in planning.uncovered_list(rota)]
        out.print(f"  [yellow]{int(uncovered.sum())} advisor-intervals uncovered[/] in "
                  f"{len(short)} intervals: {escape(', '.join(short[:8]))}"
                  + (" ... (all in coverage.csv)" if len(short) > 8 else ""))
    check = None
    if simulate:
        n = loaded.run.replications if replications is None else replications
        with _failures():
            check = planning.check_rota(
                loaded, rota, targets, seed=loaded.run.seed if seed is None
                else seed, replications=n, confidence=confidence, workers=workers,
                store=_store(folder, fresh))
        met = check.intervals["met"].astype(bool)
        out.print(f"  Simulated rota: targets met with confidence in {int(met.sum())} of "
                  f"{len(met)} intervals ({check.seconds:.0f} s)")
        for row in check.overall.itertuples(index=False):
            verdict = "[green]met[/]" if row.met else "[red]not met[/]"
            out.print(f"    overall {row.kpi} {row.mean:.3g} for {row.target}: {verdict}")
        for line in check.shortfalls[:12]:
            out.print(f"    [red]short[/] {escape(line)}", highlight=False)
        if len(check.shortfalls) > 12:
            out.print(f"    ... {len(check.shortfalls) - 12} more in rota_intervals.csv")
    previous = folders.begin(folder)
    kept = [name for name in planning.STAFFING_FILES if name in previous]  # what it read
    folders.finish(folder, {"rota": loaded.name, **provenance(), "command": _command()},
                   kept + planning.write_rota(folder, rota, check, label, excel_fr), previous)
    out.print(f"Shifts: [bold]{escape(str(folder / 'shifts.toml'))}[/], rota: "
              f"[bold]{escape(str(folder / 'roster.csv'))}[/]")
    if report:
        _write_staffing_report(folder, lang)


@app.command("report")
def report_command(
    folder: Annotated[Path, typer.Argument(help="A results folder (run, compare or sweep).")],
    lang: Language = "en",
    png: Annotated[bool, typer.Option(
        "--png", help="Also export each chart as PNG (needs the png extra and a Chromium).")
    ] = False,
) -> None:
    """Write the self-contained HTML report of a results folder (report.html), once its
    manifest's checksums are verified."""
    if folder.is_dir():  # not while a run writes into it
        try:
            _held.append(folders.lock(folder, _command()))
        except folders.FolderInUse as exc:
            err.print(str(exc), markup=False, highlight=False, style="bold red")
            raise typer.Exit(BAD_INPUT) from None
        except OSError:
            pass  # a folder we cannot write in: the report says so when it writes
    _write_report(folder, lang, png)


@app.command("app")
def app_command(
    scenarios: Annotated[list[Path] | None, typer.Argument(
        help="Scenario files offered (default: every scenario of scenarios/).")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port on 127.0.0.1.")] = 8000,
    host: Annotated[str, typer.Option(help="Only 127.0.0.1 (or localhost) is accepted.")
                    ] = "127.0.0.1",
    workers: Workers = None,
    out_dir: Annotated[Path, typer.Option(
        "--out", help="Folder of the app's store and saved evidence packs.")] = Path(
            "results/app"),
) -> None:
    """The what-if app in the browser, on this computer only (needs the app extra)."""
    try:
        from sim.app.server import NotLoopback, serve
    except ImportError as exc:
        err.print(f"The app needs its extra: pip install 'helpline-sim[app]' ({exc})",
                  markup=False, highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None
    paths = scenarios or sorted(Path("scenarios").glob("*.toml"))
    out.print(f"What-if app on [bold]http://127.0.0.1:{port}/[/] (Ctrl-C stops it); nothing "
              "is sent anywhere.")
    try:
        with _bad_input():
            serve(paths, port=port, host=host, out=out_dir, workers=workers)
    except NotLoopback as exc:
        err.print(str(exc), markup=False, highlight=False, style="bold red")
        raise typer.Exit(BAD_INPUT) from None


@app.command()
def assumptions(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    csv: Annotated[Path | None, typer.Option("--csv", help="Also write the register here.")
                   ] = None,
) -> None:
    """The assumptions register: every value, and the fact or assumption it rests on."""
    loaded = _load(scenario)
    table = register(scenario)
    view = assumptions_view(table, f"{escape(loaded.title or loaded.name)}: what each value rests "
                                   "on", scenario.name)
    out.print(view)
    counts = table["kind"].value_counts()
    out.print(", ".join(f"{counts.get(k, 0)} {k}" for k in ("fact", "derived", "assumption",
                                                           "setting", "unmarked")
                        if counts.get(k, 0)))
    if csv is not None:
        write_csv(csv, table)


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
    allow_large: AllowLarge = False,
) -> None:
    """Check scenario and sweep files without running them (and that they fit this machine,
    as `run` would check)."""
    bad = 0
    for path in files:
        try:
            what = _check(path, allow_large)
        except ScenarioError as exc:
            bad += 1
            _report_issues(exc)
            continue
        out.print(f"[green]ok[/] {escape(str(path))} ({escape(what)})", soft_wrap=True)
    if bad:
        raise typer.Exit(BAD_INPUT)


def _check(path: Path, allow_large: bool = False) -> str:
    """What a valid file is; a sweep file (it has a grid) has each of its points checked."""
    try:
        is_sweep = "grid" in read_toml(path)
    except ScenarioError:
        is_sweep = False  # load_scenario says what is wrong
    if not is_sweep:
        scenario = load_scenario(path)
        check_size(estimate_size(scenario), str(path), allow_large)
        check_ranges(scenario, str(path))
        return scenario.name
    sweep = load_sweep(path)
    _sweep_fits(sweep, None, str(path), allow_large)
    failed = [p for p in sweep.points if p.scenario is None]
    if failed:
        raise ScenarioError([Issue(str(path), f"point {p.index} (" + ", ".join(
            f"{k} = {show(v)}" for k, v in p.values.items()) + ")", str(p.error)) for p in failed])
    return f"sweep {sweep.name}, {len(sweep.points)} points"


def _fits(scenarios: list[Scenario], replications: int | None, label: str,
          allow_large: bool) -> None:
    """Exit 2 before anything runs if the run's estimated memory is beyond this machine."""
    with _bad_input():
        for scenario in scenarios:
            check_size(estimate_size(scenario, replications), label, allow_large)
        n = replications or scenarios[0].run.replications
        total = sum(estimate_size(s).contacts for s in scenarios)
        check_size(Size(total, n), label, allow_large)


def _sweep_fits(sweep: Any, workers: int | None, label: str, allow_large: bool) -> None:
    """A sweep keeps KPIs only: the largest point times the replications in flight at once."""
    largest = max((estimate_size(p.scenario).contacts for p in sweep.points
                   if p.scenario is not None), default=0.0)
    at_once = min(sweep.replications, workers or os.cpu_count() or 1)
    check_size(Size(largest, at_once), label, allow_large)


def _finite(value: float | None) -> float | None:
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"must be a finite number (got {value})")
    return value


def _duration(text: str) -> float:
    try:
        return minutes(parse_duration(text))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def erlang(
    calls_per_hour: Annotated[float, typer.Option(
        min=0.0, max=MAX_CALLS_PER_HOUR, callback=_finite, help="Offered calls per hour.")],
    aht: Annotated[str, typer.Option(help="Average handle time, e.g. 12min.")],
    advisors: Annotated[int | None, typer.Option(
        min=1, max=MAX_ADVISORS, help="Advisors on the lines.")] = None,
    patience: Annotated[str | None, typer.Option(
        help="Mean patience (exponential) for Erlang A, e.g. 3min.")] = None,
    threshold: Annotated[str, typer.Option(help="Service-level threshold.")] = "20s",
    service_level: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, callback=_finite,
        help="Target service level, to compute the advisors needed.")] = None,
    abandon_rate: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, callback=_finite, help="Target abandon rate (needs --patience).")
    ] = None,
) -> None:
    """Quick Erlang C / Erlang A estimates, and the advisors needed for a target."""
    aht_min, threshold_min = _duration(aht), _duration(threshold)
    patience_min = _duration(patience) if patience else None
    load = calls_per_hour * aht_min / 60
    model = "Erlang A" if patience_min else "Erlang C"
    out.print(f"{model}: {calls_per_hour:g} calls/h x {aht} = {load:.2f} erlangs")
    levels: list[int] = []
    if advisors:
        levels.append(advisors)
    if service_level is not None or abandon_rate is not None:
        try:
            needed = analytic.advisors_needed(
                calls_per_hour, aht_min, threshold_min, patience_min=patience_min,
                service_level=service_level, abandon_rate=abandon_rate)
        except ValueError as exc:
            err.print(f"No answer for these targets: {exc}.", markup=False, highlight=False,
                      style="red")
            raise typer.Exit(BAD_INPUT) from None
        out.print(f"Advisors needed for the target: [bold]{needed}[/]")
        levels.extend(n for n in (needed - 1, needed) if n >= 1 and n not in levels)
    if not levels:
        levels = [max(1, math.ceil(load) + k) for k in range(0, 4)]
    table = erlang_table([analytic.estimate(n, calls_per_hour, aht_min, threshold_min,
                                            patience_min) for n in sorted(levels)], threshold)
    out.print(table)
    unstable = [n for n in levels if n <= load]
    if unstable and not patience_min:
        out.print(f"Unstable with {max(unstable)} advisors or fewer: the load ({load:.2f} "
                  "erlangs) is at least the number of advisors, so without hang-ups the queue "
                  "grows without limit (every caller waits; there is no steady state). Give "
                  "--patience for Erlang A, or more advisors.", style="yellow")



# -- calibrate (issue 13) ------------------------------------------------------------------------
@app.command("calibrate")
def calibrate_command(
    log: Annotated[Path, typer.Argument(help="The telephony export (queue_log or CSV).")],
    kind: Annotated[str, typer.Option(
        "--format", help="queue-log, calls-csv or intervals-csv.")],
    out_file: Annotated[Path, typer.Option("--out", help="The scenario to write (TOML).")],
    columns: Annotated[Path | None, typer.Option(
        help="Column map (TOML): the export's headers, outcome words and habits.")] = None,
    timezone: Annotated[str, typer.Option(help="The helpline's time zone.")] = "Europe/Paris",
    date_from: Annotated[str | None, typer.Option("--from", help="First day read.")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Last day read.")] = None,
    advisors: Annotated[int | None, typer.Option(
        min=0, help="Advisors on the lines (default: estimated from the log, marked so).")] = None,
    secret_file: Annotated[Path | None, typer.Option(
        help="Key for hashing caller numbers (default: a random key for this run).")] = None,
    backtest: Annotated[int, typer.Option(
        min=0, help="Replications of the backtest on the page (0: none).")] = 5,
    workers: Workers = None,
    lang: Language = "en",
) -> None:
    """Turn a telephony export into a scenario (every value marked derived) and calibration.html."""
    import tempfile
    import zoneinfo
    from datetime import date as date_

    from sim.calibration import backtest as backtest_
    from sim.calibration import calibrate as calibrate_
    from sim.calibration.formats import FORMATS
    from sim.calibration.page import build as build_page
    from sim.calibration.writer import write_scenario
    from sim.outputs import write_text
    from sim.scenario import validate

    language = _lang(lang)
    problems = []
    if kind not in FORMATS:
        problems.append(f"--format must be one of {', '.join(FORMATS)} (got {kind!r})")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        problems.append(f"--timezone: unknown time zone {timezone!r} (e.g. Europe/Paris)")
    days: list[date_ | None] = []
    for flag, text in (("--from", date_from), ("--to", date_to)):
        try:
            days.append(date_.fromisoformat(text) if text else None)
        except ValueError:
            problems.append(f"{flag}: not a date YYYY-MM-DD ({text!r})")
    if problems:
        for line in problems:
            err.print(line, markup=False, highlight=False, style="red")
        raise typer.Exit(BAD_INPUT)
    with _bad_input():
        cal = calibrate_.calibrate(log, kind, columns, timezone, days[0], days[1], advisors,
                                   secret_file)
        text = write_scenario(cal, out_file)
        scenario = validate(tomllib.loads(text), str(out_file))
    table = None
    if backtest:
        with _failures(), _progress("backtest") as update:
            table = backtest_.backtest(scenario, cal.observed, backtest, workers=workers,
                                       progress=update)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_file.parent) as tmp:
        draft = Path(tmp) / out_file.name
        draft.write_text(text, encoding="utf-8")
        page = build_page(cal, draft, table, backtest, language)
    write_text(out_file, text)
    page_path = out_file.parent / "calibration.html"
    write_text(page_path, page)
    if table is not None:
        write_csv(out_file.parent / "calibration_backtest.csv", table)
    found = calibrate_.summary(cal)
    out.print(f"{found['attempts']:,} call attempts, {found['period']}, {found['queues']} "
              f"queue(s): {found['weekly']:,.0f} new calls a week; patience "
              + (f"{found['patience_min']:.2f} min" if math.isfinite(found["patience_min"])
                 else "not identifiable (left an assumption)")
              + f"; {found['advisors']} advisors"
              + ("" if advisors is not None else " (estimated: give --advisors)"))
    out.print(f"Scenario written to [bold]{escape(str(out_file))}[/], page to "
              f"[bold]{escape(str(page_path))}[/]")
