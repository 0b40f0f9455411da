"""Random-number streams, one per source of randomness, keyed by name.

Think of each stream as its own pack of cards: the pack for talk times is shuffled by
`(seed, replication, "talk", source)` and nothing else, so changing how many advisors answer does
not reshuffle who calls or how long they talk. Two scenarios compared on the same seed therefore
face the same members (common random numbers). Streams are never derived from `seed + i` or
spawned from a shared parent whose state depends on what was drawn before.
"""

from __future__ import annotations

import hashlib

import numpy as np


def stream_key(name: tuple[str, ...]) -> tuple[int, ...]:
    """A stable tuple of 32-bit words for a stream name (the same on every machine)."""
    digest = hashlib.sha256("/".join(name).encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


class Streams:
    """The generators of one replication: `streams.get("talk", "rhone-alpes")`."""

    def __init__(self, seed: int, replication: int) -> None:
        if seed < 0 or replication < 0:
            raise ValueError(f"seed and replication must be >= 0, got {seed}, {replication}")
        self.seed = seed
        self.replication = replication

    def get(self, *name: str) -> np.random.Generator:
        """A fresh generator for this stream; the same name always gives the same numbers."""
        sequence = np.random.SeedSequence(
            entropy=self.seed, spawn_key=(self.replication, *stream_key(name))
        )
        return np.random.Generator(np.random.PCG64(sequence))

    def uniform(self, size: int | tuple[int, ...], *name: str) -> np.ndarray:
        """`size` uniforms on [0, 1) from the named stream."""
        return self.get(*name).random(size)
