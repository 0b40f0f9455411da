"""What the commands leave on disk: Parquet tables that say where each row comes from, CSV
copies that open right in French Excel, and a store that makes a second run free."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import sim
import sim.runs.execution
from sim.cli import app
from sim.outputs import write_csv

runner = CliRunner()

SCENARIO = """
name = "{name}"
[horizon]
start = 2024-03-04
end = 2024-03-06
[[sources]]
name = "a"
volume = {{ per_day = 80 }}
[labels]
topic = {{ "=HYPERLINK(1)" = 0.3, "-minus" = 0.2, "@at" = 0.1, "+plus" = 0.1, plain = 0.3 }}
[[case_types]]
name = "q"
share = 1
talk = {{ dist = "exponential", mean = "6min" }}
[channel]
patience = {{ dist = "exponential", mean = "4min" }}
[staff]
advisors = {advisors}
[run]
replications = 3
seed = 3
"""
"""Weekdays only, so the daily table has dates; label values that look like formulas."""


def scenario_file(folder: Path, name: str = "export-check", advisors: int = 2) -> Path:
    path = folder / f"{name}.toml"
    path.write_text(SCENARIO.format(name=name, advisors=advisors), encoding="utf-8")
    return path


def read_fr(path: Path) -> pd.DataFrame:
    """Read a French-Excel CSV the way the issue asks: `;` and decimal comma."""
    return pd.read_csv(path, sep=";", decimal=",", encoding="utf-8-sig")


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`helpline run --excel-fr` of a small scenario."""
    folder = tmp_path_factory.mktemp("exports")
    out = folder / "out"
    result = runner.invoke(app, ["run", str(scenario_file(folder)), "--out", str(out),
                                 "--workers", "1", "--excel-fr"])
    assert result.exit_code == 0, result.output
    return out


@pytest.mark.parametrize("name", ["replications.parquet", "contacts.parquet", "calls.parquet",
                                  "daily.csv"])
def test_tables_start_with_scenario_replication_seed(exported: Path, name: str) -> None:
    path = exported / name
    table = pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path)
    assert table.columns[:3].tolist() == ["scenario", "replication", "seed"]
    assert set(table["scenario"]) == {"export-check"}
    assert set(table["seed"]) == {3}
    assert sorted(set(table["replication"])) == [0, 1, 2]


def test_every_csv_has_a_french_excel_copy_next_to_it(exported: Path) -> None:
    plain = sorted(p for p in exported.glob("*.csv") if not p.name.endswith(".fr.csv"))
    assert {p.name for p in plain} >= {"replications.csv", "summary.csv", "daily.csv"}
    for path in plain:
        assert path.with_name(path.stem + ".fr.csv").exists(), path.name


def test_french_csv_has_a_byte_order_mark_and_semicolons(exported: Path) -> None:
    data = (exported / "replications.fr.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    header = data[3:].decode("utf-8").splitlines()[0]
    assert header.split(";")[:3] == ["scenario", "replication", "seed"]
    assert "," not in header


def test_french_csv_uses_a_decimal_comma_and_reads_back_to_the_same_numbers(
        exported: Path) -> None:
    plain = pd.read_csv(exported / "replications.csv")
    french = read_fr(exported / "replications.fr.csv")
    assert french.columns.tolist() == plain.columns.tolist()
    assert pd.api.types.is_float_dtype(french["asa_s"])
    pd.testing.assert_frame_equal(french, plain, check_exact=False, rtol=1e-15)
    lines = (exported / "replications.fr.csv").read_text(encoding="utf-8-sig").splitlines()
    cell = lines[1].split(";")[french.columns.get_loc("asa_s")]
    assert re.fullmatch(r"\d+,\d+", cell), cell
    assert cell.replace(",", ".") == repr(float(plain["asa_s"].iloc[0]))


def test_french_csv_writes_dates_day_first(exported: Path) -> None:
    plain = pd.read_csv(exported / "daily.csv", parse_dates=["date"])
    lines = (exported / "daily.fr.csv").read_text(encoding="utf-8-sig").splitlines()
    column = lines[0].split(";").index("date")
    cells = [line.split(";")[column] for line in lines[1:]]
    for cell, date in zip(cells, plain["date"], strict=True):
        assert re.fullmatch(r"\d{2}/\d{2}/\d{4}( 00:00(:00)?)?", cell), cell
        assert cell[:10] == date.strftime("%d/%m/%Y")
    assert cells[0].startswith("04/03/2024")  # 4 March, not 3 April


def test_text_that_looks_like_a_formula_is_neutralised_in_the_plain_and_french_csv(
        exported: Path) -> None:
    for table in (read_fr(exported / "groups.fr.csv"), pd.read_csv(exported / "groups.csv")):
        values = set(table.loc[table["dimension"] == "topic", "value"])
        assert values == {"'=HYPERLINK(1)", "'-minus", "'@at", "'+plus", "plain"}


def test_negative_numbers_stay_numbers_in_the_french_copy(tmp_path: Path) -> None:
    frame = pd.DataFrame({"kpi": ["asa_s", "=1+1", "-x", "@cmd", "+33"],
                          "diff": [-3.25, 0.5, -0.001, 2.0, -7.0],
                          "count": [-2, 0, 3, -1, 5]})
    write_csv(tmp_path / "t.csv", frame, french=True)
    back = read_fr(tmp_path / "t.fr.csv")
    assert back["kpi"].tolist() == ["asa_s", "'=1+1", "'-x", "'@cmd", "'+33"]
    assert back["diff"].tolist() == [-3.25, 0.5, -0.001, 2.0, -7.0]
    assert back["count"].tolist() == [-2, 0, 3, -1, 5]
    text = (tmp_path / "t.fr.csv").read_text(encoding="utf-8-sig")
    assert ";-3,25;-2" in text


def test_a_number_in_a_mixed_column_stays_a_number_in_the_french_copy(tmp_path: Path) -> None:
    # a column holding numbers and text (object dtype), e.g. a table built by hand
    frame = pd.DataFrame({"value": pd.Series([-3.5, "=1+1", "ok"], dtype=object)})
    write_csv(tmp_path / "t.csv", frame, french=True)
    lines = (tmp_path / "t.fr.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[1:] == ["-3,5", "'=1+1", "ok"]


def test_compare_and_sweep_write_french_copies_with_negative_differences(
        tmp_path: Path) -> None:
    base = scenario_file(tmp_path, "base", 2)
    option = scenario_file(tmp_path, "option", 4)
    out = tmp_path / "compare"
    result = runner.invoke(app, ["compare", str(base), str(option), "--out", str(out),
                                 "--workers", "1", "-n", "2", "--excel-fr"])
    assert result.exit_code == 0, result.output
    for name in ("comparison.fr.csv", "base/replications.fr.csv", "option/replications.fr.csv"):
        assert (out / name).exists(), name
    french = read_fr(out / "comparison.fr.csv").set_index(["scenario", "kpi"])
    plain = pd.read_csv(out / "comparison.csv").set_index(["scenario", "kpi"])
    diff = french.loc[("option", "asa_s"), "diff_mean"]
    assert isinstance(diff, float) and diff < 0  # more advisors, shorter waits: a number
    assert diff == pytest.approx(plain.loc[("option", "asa_s"), "diff_mean"], rel=1e-15)

    (tmp_path / "sweep.toml").write_text('base = "base.toml"\nreplications = 2\n'
                                         '[grid]\n"staff.advisors" = [-1, 2]\n',
                                         encoding="utf-8")
    out = tmp_path / "sweep"
    result = runner.invoke(app, ["sweep", str(tmp_path / "sweep.toml"), "--out", str(out),
                                 "--workers", "1", "--excel-fr"])
    assert result.exit_code == 0, result.output
    for name in ("sweep.fr.csv", "points.fr.csv", "errors.fr.csv"):
        assert (out / name).exists(), name
    errors = read_fr(out / "errors.fr.csv")
    assert errors["staff.advisors"].tolist() == [-1]  # a number, not "'-1"


# --- the result store ------------------------------------------------------------------------


def count_computations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Record each replication actually simulated (the run uses one process: --workers 1)."""
    computed: list[int] = []
    compute = sim.runs.execution._compute

    def counting(task: sim.runs.execution.Task) -> object:
        computed.append(task.replication)
        return compute(task)

    monkeypatch.setattr(sim.runs.execution, "_compute", counting)
    return computed


def test_a_second_identical_run_reuses_every_replication_and_fresh_recomputes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = count_computations(monkeypatch)
    path, out = scenario_file(tmp_path), tmp_path / "out"
    command = ["run", str(path), "--out", str(out), "--workers", "1"]

    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert sorted(computed) == [0, 1, 2]
    assert len(list((out / ".store").rglob("*.rep"))) == 3
    replications = (out / "replications.csv").read_bytes()
    contacts = pd.read_parquet(out / "contacts.parquet")

    computed.clear()
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert computed == []
    assert (out / "replications.csv").read_bytes() == replications
    pd.testing.assert_frame_equal(pd.read_parquet(out / "contacts.parquet"), contacts)

    fresh = runner.invoke(app, [*command, "--fresh"])
    assert fresh.exit_code == 0, fresh.output
    assert sorted(computed) == [0, 1, 2]
    assert (out / "replications.csv").read_bytes() == replications


def test_a_run_with_other_settings_does_not_reuse_the_stored_replications(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = count_computations(monkeypatch)
    path, out = scenario_file(tmp_path), tmp_path / "out"
    command = ["run", str(path), "--out", str(out), "--workers", "1"]
    assert runner.invoke(app, [*command, "-n", "2"]).exit_code == 0
    computed.clear()
    assert runner.invoke(app, [*command, "-n", "3"]).exit_code == 0
    assert computed == [2]  # replications 0 and 1 were kept, only 2 is new
    computed.clear()
    assert runner.invoke(app, [*command, "-n", "3", "--seed", "4"]).exit_code == 0
    assert sorted(computed) == [0, 1, 2]
    path.write_text(path.read_text(encoding="utf-8").replace("advisors = 2", "advisors = 3"),
                    encoding="utf-8")
    computed.clear()
    assert runner.invoke(app, [*command, "-n", "3", "--seed", "4"]).exit_code == 0
    assert sorted(computed) == [0, 1, 2]


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t",
                    *args], check=True, capture_output=True)


def test_a_run_after_the_code_changed_does_not_reuse_results_of_the_old_code(
        tmp_path: Path) -> None:
    # a checkout of the package with uncommitted changes, changed again between two runs
    repo = tmp_path / "repo"
    shutil.copytree(Path(sim.__file__).parent, repo / "sim",
                    ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "init", "-q")
    git(repo, "add", "sim")
    git(repo, "commit", "-q", "-m", "snapshot")
    kpis = repo / "sim" / "measures" / "kpis.py"
    kpis.write_text(kpis.read_text(encoding="utf-8") + "\n# a first local edit\n",
                    encoding="utf-8")
    path, out = scenario_file(tmp_path), tmp_path / "out"
    command = [sys.executable, "-m", "sim", "run", str(path), "--out", str(out), "--workers",
               "1", "-n", "2"]
    env = {**os.environ, "PYTHONPATH": str(repo)}
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                           check=False)
    assert first.returncode == 0, first.stderr
    assert (pd.read_csv(out / "replications.csv")["asa_s"] > 0).all()
    # a second edit that changes a KPI
    kpis.write_text(kpis.read_text(encoding="utf-8") + (
        "\n_measured = replication_kpis\n\n\n"
        "def replication_kpis(*args, **kwargs):\n"
        "    return {**_measured(*args, **kwargs), 'asa_s': -1.0}\n"), encoding="utf-8")
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            check=False)
    assert second.returncode == 0, second.stderr
    asa = pd.read_csv(out / "replications.csv")["asa_s"].tolist()
    assert asa == [-1.0, -1.0], f"results of the old code were reused: asa_s {asa}"
