"""The result store: every replication kept as soon as it is computed.

A long run or a sweep killed at any moment loses nothing it had finished: each replication's
result is written to its own file, named by a key that identifies exactly what was computed
(the resolved scenario, the seed, the replication and the code version), through a temporary
name and `os.replace`. Restarting the same work finds those files and computes only what is
missing; nothing is computed or counted twice, because a key names one file.
"""

from __future__ import annotations

import hashlib
import pickle
from pathlib import Path
from typing import Any

from sim.outputs import write_bytes
from sim.scenario import Scenario, to_toml


def result_key(scenario: Scenario, seed: int, replication: int, version: str,
               detail: bool = True) -> str:
    """A name for one replication's result: same inputs, same key, on any machine."""
    text = "\n".join([to_toml(scenario), f"seed={seed}", f"replication={replication}",
                      f"version={version}", f"detail={detail}"])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ResultStore:
    """A folder of finished replication results, one file each."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The stored result, or None if it was never finished (or cannot be read)."""
        path = self._path(key)
        try:
            with path.open("rb") as handle:
                return pickle.load(handle)
        except FileNotFoundError:
            return None  # never finished
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None  # a result from an incompatible version: recompute it

    def put(self, key: str, result: Any) -> None:
        """Keep a finished result (atomically: a crash leaves no half file)."""
        write_bytes(self._path(key), pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
