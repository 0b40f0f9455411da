"""The assumptions register (`helpline assumptions FILE`): every value of a scenario, with the
fact, derivation or assumption it rests on, following `extends` from parent to child."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim import cli
from sim.scenario import load_scenario
from sim.scenario.register import register

runner = CliRunner()
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
REFERENCE = sorted(SCENARIOS.glob("*.toml"))
KINDS = {"fact", "derived", "assumption", "setting"}


@pytest.fixture
def wide() -> Iterator[None]:
    """A console wide enough that no cell of the register is folded."""
    old = cli.out.width
    cli.out.width = 1000
    yield
    cli.out.width = old


def cells(output: str) -> list[list[str]]:
    return [[cell.strip() for cell in line.split("│")[1:-1]] for line in output.splitlines()
            if line.startswith("│")]


def test_the_register_lists_every_value_and_what_it_rests_on_following_extends(
        wide: None) -> None:
    path = SCENARIOS / "das-eco-outsourced.toml"
    result = runner.invoke(cli.app, ["assumptions", str(path)])
    assert result.exit_code == 0, result.output
    rows = {row[0]: row for row in cells(result.output)}
    table = register(path)
    assert set(rows) == set(table["path"])
    for entry in table.to_dict("records"):
        assert rows[entry["path"]][2] == entry["kind"]
        assert entry["kind"] in KINDS
    # the parent's values are there, marked with the file they come from
    assert rows["callbacks.deadline"][1] == '"48h"'
    assert "das-inhouse-48h.toml" in rows["callbacks.deadline"][3]
    # the child's values replace the parent's
    assert rows["staff.advisors"][1] == "11"
    assert table.set_index("path").loc["staff.advisors", "file"] == "das-eco-outsourced.toml"
    assert rows["outsourcing.defect_rate"][2] == "assumption"
    counts = table["kind"].value_counts()
    assert (f"{counts['fact']} fact, {counts['derived']} derived, "
            f"{counts['assumption']} assumption, {counts['setting']} setting") in result.output


def test_the_register_csv_is_written_with_one_row_per_value(tmp_path: Path) -> None:
    path = SCENARIOS / "das-eco-dis-outsourced.toml"
    csv = tmp_path / "register.csv"
    result = runner.invoke(cli.app, ["assumptions", str(path), "--csv", str(csv)])
    assert result.exit_code == 0, result.output
    written = pd.read_csv(csv, keep_default_na=False, dtype=str)
    assert list(written.columns) == ["path", "value", "kind", "note", "file", "note_fr"]
    pd.testing.assert_frame_equal(written, register(path).astype(str))
    # three files deep: the grandparent's facts, the parent's and the child's assumptions
    assert set(written["file"]) == {"das-inhouse-48h.toml", "das-eco-outsourced.toml",
                                    "das-eco-dis-outsourced.toml"}
    assert written.set_index("path").loc["outsourcing.advisors", "value"] == "26"


@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_every_value_of_a_reference_scenario_is_marked(path: Path) -> None:
    table = register(path)
    unmarked = table[table["kind"] == "unmarked"]
    assert unmarked.empty, unmarked[["path", "value", "file"]].to_string()
    assert set(table["kind"]) <= KINDS


@pytest.mark.parametrize("path", REFERENCE, ids=[p.stem for p in REFERENCE])
def test_every_marked_value_of_a_reference_scenario_gives_a_french_reason(path: Path) -> None:
    table = register(path)
    marked = table[table["kind"].isin(["fact", "derived", "assumption"])]
    assert not marked.empty
    missing = marked[marked["note_fr"].str.strip() == ""]
    assert missing.empty, missing[["path", "note", "file"]].to_string()
    # the French reason is a reason of its own, not the English one copied across
    assert (marked["note_fr"] != marked["note"]).all()


def test_names_titles_and_descriptions_are_not_values_of_the_register() -> None:
    # they are words, not numbers to source: a French title ("... sous 48 h") is no unmarked
    # assumption
    for path in REFERENCE:
        table = register(path)
        texts = table[table["path"].isin(["name", "title", "title_fr", "description"])]
        assert texts.empty, f"{path.name}:\n{texts[['path', 'kind']].to_string()}"


def test_the_facts_of_das_inhouse_include_the_48_hour_deadline_and_the_meetings() -> None:
    table = register(SCENARIOS / "das-inhouse-48h.toml").set_index("path")
    facts = table[table["kind"] == "fact"]
    assert facts.loc["callbacks.deadline", "value"] == '"48h"'
    assert "48 heures" in facts.loc["callbacks.deadline", "note"]
    meetings = facts.loc["staff.meetings"]
    assert "per_year = 4" in meetings["value"] and "per_year = 2" in meetings["value"]
    assert "[seed 004]" in meetings["note"]
    assert table.loc["channel.mode", "kind"] == "fact"


# --- extends ---------------------------------------------------------------------------------


PARENT = """
name = "parent"
[horizon]
start = 2024-01-01          # assumption: a Monday
end = 2024-01-07            # assumption: one week
[[sources]]
name = "a"
volume = { per_day = 10 }   # assumption: source a
[[sources]]
name = "b"
volume = { per_day = 20 }   # assumption: source b
[[case_types]]
name = "q"
share = 1                   # derived: the only case type
talk = "5min"               # [seed 000] "cinq minutes"
[[staff.groups]]
name = "g1"
advisors = 2                # assumption: group one
[[staff.groups]]
name = "g2"
advisors = 3                # assumption: group two
"""


def family(folder: Path, child: str) -> Path:
    (folder / "parent.toml").write_text(PARENT, encoding="utf-8")
    path = folder / "child.toml"
    path.write_text('extends = "parent.toml"\nname = "child"\n' + child, encoding="utf-8")
    load_scenario(path)  # a valid scenario
    return path


def test_a_childs_value_replaces_its_parents(tmp_path: Path) -> None:
    path = family(tmp_path, '[horizon]\nend = 2024-01-14   # assumption: two weeks\n')
    table = register(path).set_index("path")
    assert table.loc["horizon.end", "value"] == "2024-01-14"
    assert table.loc["horizon.end", "note"] == "assumption: two weeks"
    assert table.loc["horizon.end", "file"] == "child.toml"
    assert table.loc["horizon.start", "file"] == "parent.toml"
    assert table.index.is_unique


def test_a_childs_array_of_tables_replaces_the_parents_whole_array(tmp_path: Path) -> None:
    path = family(tmp_path, '[[sources]]\nname = "c"\n'
                            'volume = { per_day = 30 }   # assumption: one source now\n')
    assert [s.name for s in load_scenario(path).sources] == ["c"]
    table = register(path)
    sources = table[table["path"].str.startswith("sources")]
    assert sources[["path", "value", "file"]].values.tolist() == [
        ["sources[1].volume", "{ per_day = 30 }", "child.toml"]]


def test_a_childs_array_of_tables_inside_a_table_replaces_the_parents_whole_array(
        tmp_path: Path) -> None:
    # [[staff.groups]] is an array of tables like [[sources]]: the child's one group is the
    # scenario's only group, and the register must not keep the parent's second group
    path = family(tmp_path, '[[staff.groups]]\nname = "only"\n'
                            'advisors = 4                # assumption: one group now\n')
    assert [g.name for g in load_scenario(path).staff.groups] == ["only"]
    table = register(path)
    groups = table[table["path"].str.startswith("staff.groups")]
    assert groups[["path", "value", "file"]].values.tolist() == [
        ["staff.groups[1].advisors", "4", "child.toml"]]


def test_a_value_the_child_unsets_is_not_in_the_register() -> None:
    # dilemme-pro-dedicated unsets its parent's staff.advisors = 4 and splits the four
    # advisors into two groups: the register must not show a headcount the scenario ignores
    path = SCENARIOS / "dilemme-pro-dedicated.toml"
    assert load_scenario(path).staff.advisors is None
    table = register(path)
    assert "staff.advisors" not in set(table["path"]), table[
        table["path"] == "staff.advisors"].to_string()


# --- bad files -------------------------------------------------------------------------------


def test_a_missing_file_exits_2_without_a_traceback(tmp_path: Path) -> None:
    result = runner.invoke(cli.app, ["assumptions", str(tmp_path / "nope.toml")])
    assert result.exit_code == 2
    assert "file not found" in result.output
    assert "Traceback" not in result.output


def test_an_invalid_scenario_exits_2_and_writes_no_register(tmp_path: Path) -> None:
    path = tmp_path / "child.toml"
    (tmp_path / "parent.toml").write_text(PARENT, encoding="utf-8")
    path.write_text('extends = "parent.toml"\nname = "child"\n[horizon]\nend = 2023-12-01\n',
                    encoding="utf-8")
    csv = tmp_path / "register.csv"
    result = runner.invoke(cli.app, ["assumptions", str(path), "--csv", str(csv)])
    assert result.exit_code == 2
    assert "horizon.end" in result.output
    assert "Traceback" not in result.output
    assert not csv.exists()
