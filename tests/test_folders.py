"""A results folder holds one run: one command writes it at a time, its manifest lists every
file, an earlier run's leftovers go, `report` checks it before reading, and `--out` is checked
before anything is computed. CSVs are safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_exports import count_computations, scenario_file
from test_sweep import base_file
from typer.testing import CliRunner, Result

from sim import folders
from sim.cli import app
from sim.outputs import file_digest, write_csv

runner = CliRunner()
PAYLOAD = "\r=cmd|' /C calc'!A0"


def invoke(*args: str) -> Result:
    return runner.invoke(app, list(args))


def says(result: Result, text: str) -> bool:
    """Whether the output holds `text`, however the terminal wrapped it."""
    return "".join(text.split()) in "".join(result.output.split())


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))


def run_into(tmp_path: Path, out: Path, *extra: str) -> Result:
    result = invoke("run", str(scenario_file(tmp_path)), "--out", str(out), "--workers", "1",
                    "-n", "2", *extra)
    no_traceback(result)
    return result


def files_on_disk(folder: Path) -> set[str]:
    """Every file of a folder but our hidden housekeeping (.store, the lock)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")
            if p.is_file() and not any(part.startswith(".") for part in
                                       p.relative_to(folder).parts)}


def manifest_files(folder: Path) -> dict[str, str]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["files"]


# --- CSVs a spreadsheet cannot be tricked by --------------------------------------------------


@pytest.mark.parametrize("french", [False, True], ids=["plain", "excel-fr"])
def test_a_carriage_return_payload_stays_inside_its_quoted_cell_and_is_neutralised(
        tmp_path: Path, french: bool) -> None:
    frame = pd.DataFrame({"value": ["x" + PAYLOAD, PAYLOAD, "a\nb", "=1+1", "ok"],
                          "number": [-1.5, -2.0, 3.0, -4.0, 5.0], "count": [-1, 2, 3, 4, 5]})
    written = write_csv(tmp_path / "t.csv", frame, french)
    path = written[-1]
    assert path.name == ("t.fr.csv" if french else "t.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";" if french else ","))
    assert len(rows) == 6  # the header and five records: no return ended a record
    assert [r[0] for r in rows[1:]] == ["x" + PAYLOAD, "'" + PAYLOAD, "a\nb", "'=1+1", "ok"]
    text = path.read_bytes().decode("utf-8-sig")
    assert f'"x{PAYLOAD}"' in text and f"\"'{PAYLOAD}\"" in text  # quoted, records end CR LF
    numbers = [r[1] for r in rows[1:]]
    assert numbers == (["-1,5", "-2,0", "3,0", "-4,0", "5,0"] if french
                       else ["-1.5", "-2.0", "3.0", "-4.0", "5.0"])  # numbers stay numbers
    assert [r[2] for r in rows[1:]] == ["-1", "2", "3", "4", "5"]


def test_a_label_value_with_the_payload_is_safe_in_every_csv_of_a_run(tmp_path: Path) -> None:
    path = scenario_file(tmp_path)
    text = path.read_text(encoding="utf-8").replace('plain = 0.3', '"x\\r=cmd|\' /C calc\'!A0" '
                                                    '= 0.15, "\\r=cmd|\' /C calc\'!A0" = 0.15')
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("run", str(path), "--out", str(out), "--workers", "1", "-n", "1",
                    "--excel-fr")
    assert result.exit_code == 0, result.output
    for name in ("groups.csv", "groups.fr.csv", "groups_summary.csv", "assumptions.fr.csv"):
        with (out / name).open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle, delimiter=";" if ".fr." in name else ","))
        width = len(rows[0])
        assert all(len(r) == width for r in rows), name  # every record whole
        cells = [c for r in rows for c in r]
        assert "'" + PAYLOAD in cells or name.startswith("assumptions"), name
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))
                    and not _number(c)], name


def _number(cell: str) -> bool:
    try:
        float(cell.replace(",", "."))
    except ValueError:
        return False
    return True


# --- one run per folder -----------------------------------------------------------------------


def test_a_second_run_into_a_folder_in_use_is_refused_naming_the_process(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    release = folders.lock(out, "helpline run other.toml")
    computed = count_computations(monkeypatch)
    try:
        result = run_into(tmp_path, out)
    finally:
        release()
    assert result.exit_code == 2
    assert says(result, f"is in use by process {os.getpid()}")
    assert says(result, "(helpline run other.toml, since")
    assert computed == [] and not (out / "manifest.json").exists()
    assert run_into(tmp_path, out).exit_code == 0  # released: the folder is free again


def test_a_lock_left_by_a_dead_process_is_taken_over_with_a_message(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    pid = int(dead.stdout)
    (out / folders.LOCK).write_text(json.dumps({"pid": pid, "command": "helpline run old.toml"}),
                                    encoding="utf-8")
    result = run_into(tmp_path, out)
    assert result.exit_code == 0, result.output
    assert says(result, f"the run of process {pid} (helpline run old.toml) stopped without "
                        "finishing; this run takes over the folder")
    assert not (out / folders.LOCK).exists()  # released when the command ended


def test_two_processes_into_one_folder_one_refuses_the_other_completes(tmp_path: Path) -> None:
    path = base_file(tmp_path, days=5, per_hour=300, advisors=16)  # ~0.25 s a replication
    out = tmp_path / "out"

    def start(seed: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "sim", "run", str(path), "--out",
                                 str(out), "--workers", "1", "-n", "20", "--seed", seed],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)

    first = start("1")
    deadline = time.monotonic() + 120
    while not (out / folders.LOCK).exists() or not (out / folders.LOCK).read_text():
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    second = start("2")
    _, second_err = second.communicate(timeout=300)
    _, first_err = first.communicate(timeout=300)
    assert second.returncode == 2, second_err
    assert f"is in use by process {first.pid}" in " ".join(second_err.split())
    assert "Traceback" not in second_err
    assert first.returncode == 0, first_err
    assert folders.problems(out) == []
    assert set(pd.read_csv(out / "replications.csv")["seed"]) == {1}
    assert set(pd.read_parquet(out / "contacts.parquet")["seed"]) == {1}
    alone = tmp_path / "alone"
    subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(alone),
                    "--workers", "1", "-n", "20", "--seed", "1"], cwd=tmp_path, check=True,
                   capture_output=True)
    for name in ("replications.csv", "summary.csv", "daily.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(out / name), pd.read_csv(alone / name))


# --- every file in the manifest, nothing stale -----------------------------------------------


def test_the_manifest_lists_every_file_french_copies_and_reports_included(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_into(tmp_path, out, "--excel-fr", "--report").exit_code == 0
    listed = manifest_files(out)
    assert set(listed) == files_on_disk(out) - {"manifest.json"}
    assert {"replications.fr.csv", "report.html", "report.en.html"} <= set(listed)
    assert all(file_digest(out / name) == digest for name, digest in listed.items())


def test_a_comparison_manifest_lists_every_file_of_every_option(tmp_path: Path) -> None:
    base, option = scenario_file(tmp_path, "base", 2), scenario_file(tmp_path, "option", 3)
    out = tmp_path / "out"
    result = invoke("compare", str(base), str(option), "--out", str(out), "--workers", "1",
                    "-n", "2", "--excel-fr", "--report")
    assert result.exit_code == 0, result.output
    listed = set(manifest_files(out))
    assert listed == files_on_disk(out) - {"manifest.json"}
    assert {"base/manifest.json", "option/contacts.parquet", "option/daily.fr.csv"} <= listed


def test_a_later_run_removes_the_earlier_runs_files_it_does_not_write_and_nothing_else(
        tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_into(tmp_path, out, "--excel-fr", "--report").exit_code == 0
    (out / "notes.txt").write_text("mine", encoding="utf-8")  # a file we never wrote
    (out / "daily.fr.csv").write_text("edited by hand", encoding="utf-8")
    again = run_into(tmp_path, out)
    assert again.exit_code == 0, again.output
    assert says(again, "removed") and says(again, "replications.fr.csv")
    assert says(again, "report.html")
    assert not list(out.glob("report*.html"))
    assert not (out / "replications.fr.csv").exists()
    assert (out / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert (out / "daily.fr.csv").exists() and says(again, "kept daily.fr.csv")
    assert set(manifest_files(out)) == files_on_disk(out) - {"notes.txt", "daily.fr.csv",
                                                             "manifest.json"}


def test_a_comparison_with_other_options_removes_the_folder_of_an_option_gone(
        tmp_path: Path) -> None:
    base, option = scenario_file(tmp_path, "base", 2), scenario_file(tmp_path, "option", 3)
    other = scenario_file(tmp_path, "other", 4)
    out = tmp_path / "out"
    for second in (option, other):
        result = invoke("compare", str(base), str(second), "--out", str(out), "--workers", "1",
                        "-n", "2")
        assert result.exit_code == 0, result.output
    assert not (out / "option").exists()
    assert (out / "other" / "summary.csv").exists()
    assert set(manifest_files(out)) == files_on_disk(out) - {"manifest.json"}


# --- report on a damaged folder --------------------------------------------------------------


def reseal(folder: Path) -> None:
    """Make the manifest agree with the files again (a damage the checksums cannot see)."""
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest["files"] = {n: file_digest(folder / n) for n in manifest["files"]
                         if (folder / n).is_file()}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:200])


DAMAGES = {
    "missing file": (lambda f: (f / "summary.csv").unlink(), "summary.csv: missing"),
    "truncated parquet": (lambda f: _truncate(f / "contacts.parquet"),
                          "contacts.parquet: damaged"),
    "garbage manifest": (lambda f: (f / "manifest.json").write_bytes(b"\x00{not json"),
                         "manifest.json: cannot be read"),
    "manifest is a list": (lambda f: (f / "manifest.json").write_text("[1, 2]"),
                           "not a helpline-sim manifest"),
    "manifest files wrong type": (lambda f: (f / "manifest.json").write_text(
        '{"files": {"summary.csv": 3}}'), "not a helpline-sim manifest"),
    "manifest names a file outside": (lambda f: (f / "manifest.json").write_text(
        '{"files": {"../../etc/passwd": "00"}}'), "outside the folder"),
    "wrong types in csv": (lambda f: (f / "replications.csv").write_text("a,b\nx,y\n"),
                           "replications.csv: damaged"),
    "no manifest": (lambda f: (f / "manifest.json").unlink(), "holds no manifest.json"),
    "folder where a file was": (lambda f: ((f / "daily.csv").unlink(),
                                           (f / "daily.csv").mkdir()), "daily.csv: not a file"),
    "garbage scenario toml": (lambda f: (f / "scenario.resolved.toml").write_text("[[[x"),
                              "scenario.resolved.toml: damaged"),
    "wrong types in csv, resealed": (lambda f: ((f / "replications.csv").write_text(
        "a,b\nx,y\n"), reseal(f)), "cannot be read as a helpline-sim result"),
    "truncated parquet, resealed": (lambda f: (_truncate(f / "contacts.parquet"), reseal(f)),
                                    "cannot be read as a helpline-sim result"),
    "garbage scenario, resealed": (lambda f: ((f / "scenario.resolved.toml").write_text(
        "[[[x"), reseal(f)), "cannot be read as a helpline-sim result"),
    "everything deleted": (lambda f: [p.unlink() for p in f.iterdir() if p.is_file()],
                           "holds no manifest.json"),
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("written")
    result = invoke("run", str(scenario_file(folder)), "--out", str(folder / "out"),
                    "--workers", "1", "-n", "2")
    assert result.exit_code == 0, result.output
    return folder / "out"


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_report_on_a_damaged_folder_names_the_damage_and_exits_2(
        written: Path, tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(written), str(folder)], check=True)
    harm, said = DAMAGES[damage]
    harm(folder)
    result = invoke("report", str(folder))
    no_traceback(result)
    assert result.exit_code == 2, result.output
    assert says(result, said)
    assert not (folder / "report.html").exists()


@pytest.mark.parametrize("where", ["empty folder", "a file", "nowhere"])
def test_report_on_something_that_is_no_results_folder_exits_2(tmp_path: Path,
                                                                where: str) -> None:
    target = tmp_path / "target"
    if where == "empty folder":
        target.mkdir()
    elif where == "a file":
        target.write_text("x", encoding="utf-8")
    result = invoke("report", str(target))
    no_traceback(result)
    assert result.exit_code == 2, result.output


def test_report_on_a_comparison_whose_option_folder_is_a_file_exits_2(tmp_path: Path) -> None:
    base, option = scenario_file(tmp_path, "base", 2), scenario_file(tmp_path, "option", 3)
    out = tmp_path / "out"
    assert invoke("compare", str(base), str(option), "--out", str(out), "--workers", "1",
                  "-n", "2").exit_code == 0
    subprocess.run(["rm", "-r", str(out / "option")], check=True)
    (out / "option").write_text("x", encoding="utf-8")
    result = invoke("report", str(out))
    no_traceback(result)
    assert result.exit_code == 2
    assert says(result, "option/summary.csv: missing")


def test_report_on_a_sound_folder_writes_it_and_lists_it_in_the_manifest(written: Path,
                                                                         tmp_path: Path) -> None:
    folder = tmp_path / "copy"
    subprocess.run(["cp", "-r", str(written), str(folder)], check=True)
    result = invoke("report", str(folder), "--lang", "fr")
    assert result.exit_code == 0, result.output
    assert {"report.html", "report.fr.html"} <= set(manifest_files(folder))
    assert folders.problems(folder) == []


# --- --out checked first ---------------------------------------------------------------------


def test_out_naming_a_file_is_refused_before_anything_is_computed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    computed = count_computations(monkeypatch)
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for out, said in ((tmp_path / "file", "is a file, not a folder"),
                      (tmp_path / "file" / "sub", "cannot be created")):
        result = run_into(tmp_path, out)
        assert result.exit_code == 2, result.output
        assert says(result, said)
    assert computed == []


def test_out_naming_the_current_folder_needs_a_dot(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    refused = run_into(tmp_path, here)
    assert refused.exit_code == 2
    assert says(refused, "is the current folder")
    assert not (here / "manifest.json").exists()
    assert run_into(tmp_path, Path(".")).exit_code == 0
    assert (here / "manifest.json").exists()
