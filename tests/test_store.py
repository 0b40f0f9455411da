"""The result store keeps data, not code: whatever bytes sit in it, nothing runs, and an entry
that is not exactly what was stored for its key is computed again, never reused."""

from __future__ import annotations

import hashlib
import json
import logging
import pickle
import random
import shutil
from pathlib import Path

import pandas as pd
import pytest
from test_exports import count_computations, scenario_file
from typer.testing import CliRunner

import sim
import sim.runs.execution
from sim.cli import app
from sim.outputs import source_digest
from sim.runs.replication import replicate
from sim.runs.store import MAGIC, TABLES, DamagedEntry, ResultStore, decode, encode, result_key

RUN_TABLES = ("replications", "summary", "contacts", "calls", "daily", "advisor_days",
              "groups", "groups_summary", "steps", "files")


class Touch:
    """Unpickling this creates `path`: the proof that a pickle would have run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (Path.touch, (self.path,))


def key_of(scenario: sim.Scenario, replication: int) -> str:
    return result_key(scenario, 3, replication, source_digest(), True)


def same_tables(one: sim.RunResult, other: sim.RunResult) -> None:
    for name in RUN_TABLES:
        pd.testing.assert_frame_equal(getattr(one, name), getattr(other, name), check_exact=True)


@pytest.fixture
def stored(tmp_path: Path) -> tuple[sim.Scenario, ResultStore, sim.RunResult]:
    """A scenario run once with a store: (scenario, store, the clean result)."""
    scenario = sim.load_scenario(scenario_file(tmp_path))
    store = ResultStore(tmp_path / ".store")
    clean = sim.run(scenario, workers=1, store=store)
    assert len(store.entries()) == 3
    return scenario, store, clean


def test_an_entry_gives_back_every_table_and_kpi_exactly(tmp_path: Path) -> None:
    scenario = sim.load_scenario(scenario_file(tmp_path))
    for detail in (True, False):
        result = replicate(scenario, 3, 1, detail=detail)
        back = decode("k", encode("k", result))
        assert back.kpis.keys() == result.kpis.keys()
        assert all(a == b or (a != a and b != b)  # NaN is NaN
                   for a, b in zip(back.kpis.values(), result.kpis.values(), strict=True))
        assert (back.replication, back.seconds) == (result.replication, result.seconds)
        for name in TABLES:
            pd.testing.assert_frame_equal(getattr(back, name), getattr(result, name),
                                          check_exact=True)


def test_a_pickle_placed_in_the_store_runs_nothing_and_is_recomputed(
        stored: tuple[sim.Scenario, ResultStore, sim.RunResult], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    scenario, store, clean = stored
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Touch(marker))
    pickle.loads(payload)  # the payload works: unpickled, it creates the file
    assert marker.exists()
    marker.unlink()
    store.path(key_of(scenario, 1)).write_bytes(payload)
    legacy = store.path(key_of(scenario, 2)).with_suffix(".pkl")  # the old format's name
    legacy.write_bytes(payload)

    computed = count_computations(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="sim.runs.store"):
        again = sim.run(scenario, workers=1, store=store)
    assert not marker.exists()
    assert computed == [1]
    assert "is not reused: not a helpline-sim store entry" in caplog.text
    same_tables(again, clean)
    assert decode(key_of(scenario, 1), store.path(key_of(scenario, 1)).read_bytes())


def test_a_pickle_dressed_as_an_entry_with_a_valid_checksum_runs_nothing(
        tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    payload = pickle.dumps(Touch(marker))
    header = json.dumps({"key": "k", "replication": 0, "seconds": 0.0, "kpis": {},
                         "tables": [[name, len(payload)] for name in TABLES],
                         "layouts": {name: {"axis": None, "categories": {}} for name in TABLES}
                         }).encode("utf-8")
    body = len(header).to_bytes(8, "big") + header + payload * len(TABLES)
    crafted = MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body
    with pytest.raises(DamagedEntry, match="cannot be decoded"):
        decode("k", crafted)
    assert not marker.exists()


def test_thirty_random_corruptions_are_all_detected_and_recomputed(
        stored: tuple[sim.Scenario, ResultStore, sim.RunResult],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    scenario, store, clean = stored
    computed = count_computations(monkeypatch)
    rng = random.Random(16)
    for trial in range(30):
        replication = rng.randrange(3)
        path = store.path(key_of(scenario, replication))
        data = bytearray(path.read_bytes())
        kind = ("flip", "truncate", "append")[trial % 3]
        if kind == "flip":
            position = rng.randrange(len(data))
            data[position] ^= 1 << rng.randrange(8)
        elif kind == "truncate":
            data = data[:rng.randrange(len(data))]
        else:
            data += bytes([rng.randrange(256)])
        path.write_bytes(bytes(data))
        with pytest.raises(DamagedEntry):
            decode(key_of(scenario, replication), bytes(data))
        computed.clear()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="sim.runs.store"):
            again = sim.run(scenario, workers=1, store=store)
        assert computed == [replication], f"trial {trial} ({kind}) was reused"
        assert "computing it again" in caplog.text
        same_tables(again, clean)


def test_another_keys_entry_is_not_reused(
        stored: tuple[sim.Scenario, ResultStore, sim.RunResult],
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    scenario, store, clean = stored
    shutil.copyfile(store.path(key_of(scenario, 0)), store.path(key_of(scenario, 2)))
    computed = count_computations(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="sim.runs.store"):
        again = sim.run(scenario, workers=1, store=store)
    assert computed == [2]
    assert "it holds the result of another key" in caplog.text
    same_tables(again, clean)


def test_the_command_says_which_stored_result_it_did_not_trust(tmp_path: Path) -> None:
    path, out = scenario_file(tmp_path), tmp_path / "out"
    command = ["run", str(path), "--out", str(out), "--workers", "1"]
    runner = CliRunner()
    assert runner.invoke(app, command).exit_code == 0
    entry = ResultStore(out / ".store").entries()[0]
    entry.write_bytes(entry.read_bytes()[:100])
    again = runner.invoke(app, command)
    assert again.exit_code == 0, again.output
    assert f"stored result {entry} is not reused" in again.output.replace("\n", "")
    assert "2 replications reused from an earlier run, 1 computed" in again.output
