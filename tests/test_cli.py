"""The `helpline` command as a user meets it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()

GOOD = """
name = "cli-check"
[horizon]
start = 2024-03-04
end = 2024-03-08
[[sources]]
name = "a"
volume = { per_day = 60 }
[[case_types]]
name = "q"
share = 1
talk = { dist = "exponential", mean = "6min" }
[staff]
advisors = 2
[run]
replications = 2
seed = 3
"""


def test_run_writes_the_result_folder(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(GOOD)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "out"),
                                 "--workers", "1"])
    assert result.exit_code == 0, result.output
    for name in ("replications.csv", "replications.parquet", "summary.csv", "contacts.parquet",
                 "daily.csv", "scenario.resolved.toml", "manifest.json"):
        assert (tmp_path / "out" / name).exists(), name
    assert "contacts" in result.output
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["command"].startswith("helpline")


def test_run_options_override_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(GOOD)
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "-n", "3",
                                 "--seed", "8", "--workers", "1"])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "o" / "replications.csv")
    assert table["replication"].tolist() == [0, 1, 2] and set(table["seed"]) == {8}


def test_bad_scenario_exits_2_lists_every_problem_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(GOOD.replace("advisors = 2", "advisors = -2\nshrinkage = 2")
                    .replace('mean = "6min"', 'mean = 6'))
    out = tmp_path / "never"
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(out)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    assert "staff.advisors" in proc.stderr
    assert "staff.shrinkage" in proc.stderr
    assert "case_types[1].talk.mean" in proc.stderr
    assert not out.exists()


def test_missing_file_exits_2_without_traceback(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "sim", "run", str(tmp_path / "nope.toml")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "file not found" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_validate_accepts_good_files_and_refuses_bad_ones(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text(GOOD)
    bad.write_text(GOOD.replace("[staff]", "[staf]"))
    ok = runner.invoke(app, ["validate", str(good)])
    assert ok.exit_code == 0 and "ok" in ok.output
    refused = runner.invoke(app, ["validate", str(good), str(bad)])
    assert refused.exit_code == 2
    assert "staf: unknown key; did you mean 'staff'?" in refused.output


def test_erlang_prints_the_design_values_and_the_advisors_needed() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "200", "--aht", "3min",
                                 "--advisors", "14", "--service-level", "0.9"])
    assert result.exit_code == 0, result.output
    assert "0.1741" in result.output  # Erlang C P(wait), design note 8
    assert "Advisors needed for the target: 15" in result.output


def test_erlang_a_with_patience() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "200", "--aht", "3min",
                                 "--advisors", "14", "--patience", "5min"])
    assert result.exit_code == 0
    assert "0.1453" in result.output and "0.0140" in result.output


def test_erlang_says_when_the_load_is_more_than_the_advisors_can_take() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "60", "--aht", "20min",
                                 "--advisors", "15"])
    assert result.exit_code == 0
    assert "Unstable with 15 advisors or fewer" in " ".join(result.output.split())
    stable = runner.invoke(app, ["erlang", "--calls-per-hour", "60", "--aht", "20min",
                                 "--advisors", "25"])
    assert "Unstable" not in stable.output


def test_erlang_refuses_a_duration_without_unit() -> None:
    result = runner.invoke(app, ["erlang", "--calls-per-hour", "200", "--aht", "3"])
    assert result.exit_code == 2
    assert "unit" in result.output


def _options(tmp_path: Path, *names: str) -> list[str]:
    paths = []
    for name in names:
        path = tmp_path / f"{name}.toml"
        path.write_text(GOOD.replace('name = "cli-check"', f'name = "{name}"'))
        paths.append(str(path))
    return paths


def test_a_bad_lang_is_refused_before_anything_is_simulated(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["compare", *_options(tmp_path, "a", "b"), "--out", str(out),
                                 "--report", "--lang", "de"])
    assert result.exit_code == 2
    assert "--lang must be en or fr" in result.output
    assert not out.exists()  # nothing simulated, nothing written


def test_an_output_folder_that_is_a_file_is_refused_before_anything_is_simulated(
        tmp_path: Path) -> None:
    out = tmp_path / "taken"
    out.write_text("not a folder")
    result = runner.invoke(app, ["compare", *_options(tmp_path, "a", "b"), "--out", str(out)])
    assert result.exit_code == 2 and "is a file, not a folder" in " ".join(result.output.split())
    assert not (tmp_path / ".store").exists() and out.read_text() == "not a folder"


def test_compare_writes_to_a_folder_named_after_all_its_options(tmp_path: Path,
                                                                 monkeypatch: Any) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["compare", *_options(tmp_path, "a", "b"), "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "compare-a+b" / "comparison.csv").exists()


def test_rerunning_a_comparison_leaves_no_report_of_the_earlier_run(tmp_path: Path) -> None:
    out = tmp_path / "out"
    options = _options(tmp_path, "a", "b")
    first = runner.invoke(app, ["compare", *options, "--out", str(out), "--workers", "1",
                                "--report"])
    assert first.exit_code == 0, first.output
    assert (out / "report.html").exists()
    again = runner.invoke(app, ["compare", *options, "--out", str(out), "--workers", "1",
                                "-n", "3"])
    assert again.exit_code == 0, again.output
    assert not (out / "report.html").exists() and not (out / "report.en.html").exists()
