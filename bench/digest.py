"""Fingerprints of every table of every reference scenario, to show a change altered no number.

Runs each file of `scenarios/` for a few replications (serially, no store) and hashes every column
of every table `sim.run` returns. `--save FILE` keeps the fingerprints; `--against FILE` compares
with kept ones column by column: a column present on both sides must be identical; columns added
or removed are listed (a new KPI is not a changed number).

    python bench/digest.py --save /tmp/before.json
    ... change the code ...
    python bench/digest.py --against /tmp/before.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import pandas as pd

import sim

TABLES = ("replications", "summary", "contacts", "calls", "daily", "advisor_days", "groups",
          "groups_summary", "steps", "files")


def _column_hash(series: pd.Series) -> str:
    values = pd.util.hash_pandas_object(series, index=True).to_numpy()
    return hashlib.sha256(values.tobytes() + str(series.dtype).encode()).hexdigest()[:16]


def _table_hashes(frame: pd.DataFrame) -> dict[str, str]:
    """A hash per column; a long table (one row per KPI, as the summaries) is hashed per KPI
    row group, so a KPI added to the glossary shows as added rows, not as every column changed."""
    if "kpi" not in frame.columns:
        return {str(c): _column_hash(frame[c]) for c in frame.columns}
    keys = [c for c in ("kpi", "dimension", "value") if c in frame.columns]
    out: dict[str, str] = {}
    for key, rows in frame.groupby(keys, sort=True, observed=True):
        label = "|".join(map(str, key if isinstance(key, tuple) else (key,)))
        rows = rows.reset_index(drop=True)
        out.update({f"{label}:{c}": _column_hash(rows[c]) for c in rows.columns})
    return out


def fingerprints(folder: Path, replications: int, seed: int) -> dict[str, dict]:
    """{scenario: {table: {column: hash}}} for every scenario file in `folder`."""
    out: dict[str, dict] = {}
    for path in sorted(folder.glob("*.toml")):
        result = sim.run(sim.load_scenario(path), replications=replications, seed=seed, workers=1)
        out[path.stem] = {table: _table_hashes(getattr(result, table)) for table in TABLES}
        print(f"{path.stem}: done", file=sys.stderr)
    return out


def differences(before: dict, after: dict) -> tuple[list[str], list[str]]:
    """(changed columns, added or removed columns), each as `scenario/table/column`."""
    changed, moved = [], []
    for name in sorted(set(before) | set(after)):
        for table in TABLES:
            old, new = before.get(name, {}).get(table, {}), after.get(name, {}).get(table, {})
            changed += [f"{name}/{table}/{c}" for c in old.keys() & new.keys() if old[c] != new[c]]
            moved += [f"{name}/{table}/{c} ({'added' if c in new else 'removed'})"
                      for c in old.keys() ^ new.keys()]
    return changed, moved


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=Path, default=Path("scenarios"))
    parser.add_argument("--replications", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--save", type=Path)
    parser.add_argument("--against", type=Path)
    args = parser.parse_args()
    now = fingerprints(args.scenarios, args.replications, args.seed)
    if args.save:
        args.save.write_text(json.dumps(now, indent=1, sort_keys=True))
    if args.against:
        changed, moved = differences(json.loads(args.against.read_text()), now)
        for line in moved:
            print("column", line)
        for line in changed:
            print("CHANGED", line)
        print(f"{len(changed)} changed columns, {len(moved)} added or removed")
        return 1 if changed else 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
