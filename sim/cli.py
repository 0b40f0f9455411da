"""The `helpline` command: run, validate, erlang (and more as the project grows).

Bad input never produces a traceback: every problem of a scenario file is listed with its path
and value, and the command exits with code 2 before anything is written.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from sim import analytic
from sim.glossary import KPIS
from sim.runner import RunResult, run
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.units import minutes, parse_duration

app = typer.Typer(
    help="helpline-sim: simulate a member helpline's staffing, callbacks and options.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
out = Console()
err = Console(stderr=True)

BAD_INPUT = 2


def _load(path: Path) -> Scenario:
    """Load a scenario or exit 2 listing every problem."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        _report_issues(exc)
        raise typer.Exit(BAD_INPUT) from None


def _report_issues(exc: ScenarioError) -> None:
    count = len(exc.issues)
    err.print(f"[bold red]{count} problem{'s' if count > 1 else ''} found:[/]")
    for issue in exc.issues:
        err.print(f"  {issue}", markup=False, highlight=False, soft_wrap=True)


def _progress(label: str) -> Progress:
    return Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=err, transient=False, disable=not err.is_terminal)


def _fmt(value: float, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit == "share":
        return f"{value:.1%}"
    if unit == "count":
        return f"{value:,.1f}"
    return f"{value:,.2f}"


def summary_table(result: RunResult, title: str) -> Table:
    """The KPIs that apply to this run, with their 95 % intervals."""
    table = Table(title=title, title_justify="left")
    table.add_column("KPI")
    table.add_column("mean", justify="right")
    table.add_column("95 % CI", justify="right")
    for record in result.summary.to_dict("records"):
        kpi, mean, std = str(record["kpi"]), float(record["mean"]), float(record["std"])
        low, high = float(record["ci_low"]), float(record["ci_high"])
        unit = KPIS[kpi].unit
        if record["n"] == 0 or (mean == 0 and std == 0 and unit != "share"):
            continue
        ci = "-" if math.isnan(low) else f"{_fmt(low, unit)} .. {_fmt(high, unit)}"
        table.add_row(kpi, _fmt(mean, unit), ci)
    return table


@app.command("run")
def run_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (TOML).")],
    replications: Annotated[int | None, typer.Option(
        "--replications", "-n", min=1, help="Replications (default: the file's [run]).")] = None,
    seed: Annotated[int | None, typer.Option(min=0, help="Seed (default: [run]).")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="Worker processes (default: all cores).")] = None,
    out_dir: Annotated[Path | None, typer.Option(
        "--out", help="Output folder (default: results/<name>).")] = None,
) -> None:
    """Simulate a scenario and write its tables to results/<name>/."""
    loaded = _load(scenario)
    folder = out_dir or Path("results") / loaded.name
    total = replications or loaded.run.replications
    with _progress(f"{loaded.name}") as bar:
        task = bar.add_task("run", total=total)
        result = run(loaded, replications=replications, seed=seed, workers=workers,
                     progress=lambda done, _: bar.update(task, completed=done))
    result.manifest["command"] = " ".join(["helpline", *sys.argv[1:]])
    result.write(folder)
    out.print(summary_table(result, f"{loaded.title or loaded.name} — "
                                    f"{len(result.replications)} replications, "
                                    f"seed {result.seed}"))
    out.print(f"Results written to [bold]{folder}[/]")


@app.command()
def validate(
    files: Annotated[list[Path], typer.Argument(help="Scenario files to check.")],
) -> None:
    """Check scenario files without running them."""
    bad = 0
    for path in files:
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            bad += 1
            _report_issues(exc)
            continue
        out.print(f"[green]ok[/] {path} ({scenario.name})", soft_wrap=True)
    if bad:
        raise typer.Exit(BAD_INPUT)


def _duration(text: str) -> float:
    try:
        return minutes(parse_duration(text))
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


@app.command()
def erlang(
    calls_per_hour: Annotated[float, typer.Option(min=0.0, help="Offered calls per hour.")],
    aht: Annotated[str, typer.Option(help="Average handle time, e.g. 12min.")],
    advisors: Annotated[int | None, typer.Option(min=1, help="Advisors on the lines.")] = None,
    patience: Annotated[str | None, typer.Option(
        help="Mean patience (exponential) for Erlang A, e.g. 3min.")] = None,
    threshold: Annotated[str, typer.Option(help="Service-level threshold.")] = "20s",
    service_level: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Target service level, to compute the advisors needed.")] = None,
    abandon_rate: Annotated[float | None, typer.Option(
        min=0.0, max=1.0, help="Target abandon rate (needs --patience).")] = None,
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
        needed = analytic.advisors_needed(
            calls_per_hour, aht_min, threshold_min, patience_min=patience_min,
            service_level=service_level, abandon_rate=abandon_rate)
        out.print(f"Advisors needed for the target: [bold]{needed}[/]")
        levels.extend(n for n in (needed - 1, needed) if n >= 1 and n not in levels)
    if not levels:
        levels = [max(1, math.ceil(load) + k) for k in range(0, 4)]
    table = Table()
    for column in ("advisors", "P(wait)", "P(abandon)", "ASA (s)",
                   f"SL {threshold}", "occupancy"):
        table.add_column(column, justify="right")
    for n in sorted(levels):
        est = analytic.estimate(n, calls_per_hour, aht_min, threshold_min, patience_min)
        table.add_row(str(n), f"{est.p_wait:.4f}", f"{est.p_abandon:.4f}",
                      "inf" if math.isinf(est.asa_s) else f"{est.asa_s:.1f}",
                      f"{est.service_level:.4f}", f"{est.occupancy:.4f}")
    out.print(table)


def main() -> None:  # pragma: no cover - console entry point
    """Entry point for `python -m sim`."""
    app()
