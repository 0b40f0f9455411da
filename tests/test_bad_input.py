"""Files no loader should choke on, runs too big for the machine, numbers out of bounds on the
command line: each is a located message and exit code 2, never a traceback, nothing written.

The cases are the ones the issue-16 campaign found breaking (DESIGN.md section 6: every problem
with its path, nothing runs until the scenario is valid).
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from test_validation import BASE_TOML
from typer.testing import CliRunner, Result

from sim import __main__ as entry
from sim.cli import app
from sim.scenario import ScenarioError, Size, check_size, estimate_size, load_scenario, validate
from sim.scenario.size import MAX_CONTACTS

runner = CliRunner()

BASE = BASE_TOML  # the smallest valid scenario, shared with the validation tests


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def issues(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(issue) for issue in caught.value.issues]


def output(result: Result) -> str:
    try:
        return result.output + result.stderr
    except ValueError:
        return result.output


def refused(result: Result) -> str:
    """The output of a command that must have refused its input cleanly."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    text = output(result)
    assert "Traceback" not in text
    assert result.exit_code == 2, text
    return text


# -- files that are not UTF-8 TOML -------------------------------------------------------------


def test_utf16_file_is_refused_asking_for_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.encode("utf-16"))
    assert issues(path) == [f"{path}: is UTF-16 text; save it as UTF-8"]


def test_latin1_file_is_refused_at_the_line_of_the_first_odd_byte(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("[staff]", "# café\n[staff]").encode("latin-1"))
    assert issues(path) == [f"{path}: line 16: byte 0xE9 is not UTF-8 (the file may be Latin-1 "
                            "or Windows-1252, or not text at all); save it as UTF-8"]


def test_gzip_file_is_refused_as_compressed(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", gzip.compress(BASE.encode()))
    assert issues(path) == [f"{path}: is a compressed (gzip) file, not text: decompress it first"]


def test_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", b"\xef\xbb\xbf" + BASE.encode())
    assert load_scenario(path).name == "base"


def test_arrays_nested_a_thousand_deep_are_refused_not_a_recursion_error(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE + "x = " + "[" * 1000 + "]" * 1000 + "\n")
    assert issues(path) == [f"{path}: arrays or tables are nested far deeper than the 16 levels "
                            "a scenario may use"]


def test_tables_nested_twenty_deep_are_refused_with_the_path(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE + "x = " + "{a = " * 20 + "1" + "}" * 20 + "\n")
    found = issues(path)
    assert len(found) == 1 and found[0].startswith(f"{path}: staff.x.a.a.a")
    assert found[0].endswith("nested more than 16 levels deep (tables in arrays in tables ...)")


def test_integer_of_5000_digits_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("advisors = 5", "advisors = " + "9" * 5000))
    assert issues(path) == [f"{path}: line 17: a number of thousands of digits; no value of a "
                            "scenario needs more than a few"]


def test_extends_chain_of_1100_files_is_refused_not_a_recursion_error(tmp_path: Path) -> None:
    write(tmp_path, "f0.toml", BASE)
    for i in range(1, 1101):
        write(tmp_path, f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    found = issues(tmp_path / "f1100.toml")
    assert found == [f"{tmp_path / 'f1080.toml'}: extends: more than 20 files extend one "
                     "another; merge some of them"]


def test_extends_chain_of_twenty_files_is_read(tmp_path: Path) -> None:
    write(tmp_path, "f0.toml", BASE)
    for i in range(1, 20):
        write(tmp_path, f"f{i}.toml", f'extends = "f{i - 1}.toml"\n')
    assert load_scenario(tmp_path / "f19.toml").name == "base"


# -- backlog CSVs ------------------------------------------------------------------------------


def backlog(folder: Path, csv: str | bytes, toml: str = BASE) -> Path:
    write(folder, "open.csv", csv)
    return write(folder, "s.toml", toml + '\n[backlog]\ncsv = "open.csv"\n')


def test_binary_backlog_csv_is_refused(tmp_path: Path) -> None:
    path = backlog(tmp_path, bytes(range(256)) * 4)
    assert issues(path) == [f"{path}: backlog.csv: cannot read {tmp_path / 'open.csv'} (line 1: "
                            "holds a NUL byte: a binary file, not text)"]


def test_backlog_csv_with_a_131_kb_cell_is_refused_at_its_line(tmp_path: Path) -> None:
    path = backlog(tmp_path, "case_type,age\ncall," + "x" * 140_000 + "\n")
    assert issues(path) == [f"{path}: backlog.csv: line 1: cannot read the CSV (field larger "
                            "than field limit (131072))"]


def test_backlog_csv_with_a_long_age_quotes_it_cut(tmp_path: Path) -> None:
    path = backlog(tmp_path, "case_type,age\ncall," + "9" * 1000 + "h\n")
    found = issues(path)
    assert len(found) == 1 and "is too long to be a duration" in found[0]
    assert len(found[0]) < 200


def test_backlog_csv_beside_a_horizon_that_is_not_a_table_is_reported(tmp_path: Path) -> None:
    toml = BASE.replace("[horizon]\nstart = 2024-01-01\nend = 2024-01-31\n", "horizon = 3\n")
    path = backlog(tmp_path, "case_type,age\ncall,2h\n", toml)
    assert issues(path) == [f"{path}: horizon: must be a table: a [section] or {{key = value, "
                            "...} (got 3)"]


def test_backlog_csv_of_rows_all_wrong_lists_fifty_then_stops(tmp_path: Path) -> None:
    path = backlog(tmp_path, "case_type,age\n" + "nobody,1h\n" * 500)
    found = issues(path)
    assert len(found) == 51
    assert found[-1].endswith("more rows than these have problems; put these right first")


# -- sizes: what validate accepts, run runs ----------------------------------------------------


def test_expected_contacts_count_the_open_weekdays_of_the_horizon() -> None:
    scenario = load_scenario_text(BASE)
    # January 2024 has 23 weekdays; 100 contacts on each
    assert estimate_size(scenario, 3) == Size(2300.0, 3)


def load_scenario_text(text: str) -> object:
    import tomllib
    return validate(tomllib.loads(text))


def test_run_beyond_the_machine_is_refused_saying_the_estimate_and_how_to_go_on() -> None:
    with pytest.raises(ScenarioError) as caught:
        check_size(Size(100_000, 10), "s.toml", memory=4 * 10**9)
    message = str(caught.value)
    assert message.startswith("s.toml: too large for this machine: about 100,000 contacts a "
                              "replication x 10 replications, 8.0 million events and 3.0 GB")
    assert "(at 3.0 kB a contact), but 2.4 GB can be used (60% of the memory available)" in message
    assert "--replications 8 fits" in message and "--allow-large" in message


def test_a_run_that_fits_is_not_refused() -> None:
    check_size(Size(100_000, 8), "s.toml", memory=4 * 10**9)


def test_allow_large_runs_what_the_machine_may_not_hold() -> None:
    check_size(Size(1_000_000, 10), "s.toml", allow_large=True, memory=4 * 10**9)


def test_more_than_a_billion_contacts_is_refused_even_with_allow_large() -> None:
    with pytest.raises(ScenarioError, match=r"more than the 1\.0 billion any run may simulate"):
        check_size(Size(MAX_CONTACTS * 10, 1), "s.toml", allow_large=True)


def test_validate_and_run_refuse_a_million_calls_an_hour_and_write_nothing(
        tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("per_day = 100", "per_hour = 1e6"))
    assert "too large for this machine" in refused(runner.invoke(app, ["validate", str(path)]))
    out = tmp_path / "out"
    text = refused(runner.invoke(app, ["run", str(path), "--out", str(out), "-n", "1"]))
    assert "even one replication does not fit" in text
    assert not out.exists()


def test_a_volume_of_1e40_is_refused_by_validate_not_by_the_run(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("per_day = 100", "per_day = 1e40"))
    text = refused(runner.invoke(app, ["validate", str(path), "--allow-large"]))
    assert "contacts a replication: more than the 1.0 billion" in text


# -- the command line has the file's bounds ----------------------------------------------------


def test_a_million_replications_on_the_command_line_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE)
    out = tmp_path / "out"
    refused(runner.invoke(app, ["run", str(path), "--out", str(out), "-n", "1000000"]))
    assert not out.exists()


def test_a_seed_of_2_to_the_70_is_refused_on_the_command_line(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE)
    refused(runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"),
                                "--seed", str(2**70)]))


def test_a_sweep_seed_of_2_to_the_70_is_refused_by_validate(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE)
    path = write(tmp_path, "sweep.toml", f'base = "base.toml"\nseed = {2**70}\n'
                                         '[grid]\n"staff.advisors" = [3]\n')
    text = refused(runner.invoke(app, ["validate", str(path)]))
    assert f"{path}: seed: must be less than 9223372036854775808" in text


def test_a_sweep_of_a_million_points_is_refused_at_once(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE)
    grid = ", ".join(str(i) for i in range(1, 1001))
    factors = ", ".join(str(1 + i / 1000) for i in range(1000))
    path = write(tmp_path, "sweep.toml", f'base = "base.toml"\n[grid]\n"staff.advisors" = '
                                         f'[{grid}]\n"demand.volume_factor" = [{factors}]\n')
    text = refused(runner.invoke(app, ["validate", str(path)]))
    assert "1,000,000 points x 10 replications: a sweep runs at most 10,000 points" in text


def test_a_sweep_point_with_true_for_a_count_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE)
    path = write(tmp_path, "sweep.toml", 'base = "base.toml"\n[grid]\n'
                                         '"staff.advisors" = [true, "4"]\n')
    text = refused(runner.invoke(app, ["validate", str(path)]))
    assert "staff.advisors: must be a whole number, not true or false (got true)" in text


def test_erlang_with_a_billion_calls_an_hour_is_refused() -> None:
    text = refused(runner.invoke(app, ["erlang", "--calls-per-hour", "1e9", "--aht", "5min"]))
    assert "--calls-per-hour" in text


def test_erlang_target_no_headcount_meets_is_said_not_raised() -> None:
    text = refused(runner.invoke(app, ["erlang", "--calls-per-hour", "1e5", "--aht", "5min",
                                       "--service-level", "0.8"]))
    assert "No answer for these targets" in text


def test_erlang_refuses_an_undefined_number() -> None:
    refused(runner.invoke(app, ["erlang", "--calls-per-hour", "100", "--aht", "5min",
                                "--service-level", "nan"]))


# -- what the terminal prints ------------------------------------------------------------------


def test_a_title_with_markup_is_printed_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace('name = "base"',
                                                  'name = "base"\ntitle = "a [/bold] b [red]c"'))
    result = runner.invoke(app, ["run", str(path), "--out", str(tmp_path / "o"), "-n", "1",
                                 "--workers", "1"])
    assert result.exit_code == 0, output(result)
    assert "a [/bold] b [red]c" in output(result)


def test_a_comment_with_markup_is_shown_by_assumptions_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("advisors = 5", "advisors = 5  # see [/] x"))
    result = runner.invoke(app, ["assumptions", str(path)])
    assert result.exit_code == 0, output(result)
    assert "see [/] x" in output(result)


def test_ctrl_c_while_the_command_starts_exits_130_without_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("sim.cli.app", interrupted)
    with pytest.raises(SystemExit) as caught:
        entry.main()
    assert caught.value.code == 130
    assert capsys.readouterr().err == "Interrupted.\n"


def test_hexadecimal_integer_of_5000_digits_is_refused_by_its_length(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE.replace("advisors = 5", "advisors = 0x" + "f" * 5000))
    assert issues(path) == [f"{path}: staff.advisors: must be less than or equal to 10000 (got a "
                            "number of about 6021 digits)"]


def test_a_sweep_key_with_a_position_that_is_not_one_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE)
    path = write(tmp_path, "sweep.toml", 'base = "base.toml"\n[grid]\n"sources[/bold].name" = '
                                         '["x"]\n"sources[0].name" = ["y"]\n')
    text = " ".join(refused(runner.invoke(app, ["validate", str(path)])).split())
    assert "sources[/bold].name: no such key ([/bold] is not a position in a list (counted from " \
           "1))" in text
    assert "sources[0].name: no such key ([0] is not a position in a list (counted from 1))" in text
