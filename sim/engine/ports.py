"""The ports: what member journeys needs of the channels it hands work to.

The channels (a team's line, callback desk, research, file and remediation queues; the expert
network; the regional offices; the provider's quality rules) call journeys back when a step is
done, so journeys cannot import them without a cycle. It sees them through these structural
types instead (read-only properties, so a channel's own, narrower attribute types satisfy them),
and receives them once, as `Channels`, through `Journeys.connect`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol


class CallbackPort(Protocol):
    def owe(self, contact: int, *, answer: bool, now: float | None = None,
            talk: float | None = None) -> None: ...
    def intake(self, contact: int, now: float) -> None: ...


class TaskPort(Protocol):
    def add(self, contact: int, minutes: float, then: Callable[[int], None] | None,
            key: float | None = None) -> None: ...


class EscalationPort(Protocol):
    def send(self, contact: int) -> None: ...


class FilePort(Protocol):
    def open(self, contact: int, now: float, since: float | None = None,
             extra: float = 0.0) -> None: ...


class CallPort(Protocol):
    def ring(self, contact: int, attempt: int, now: float) -> None: ...


class TeamPort(Protocol):
    """What journeys needs of a team: its queues (None when the team does not do that)."""

    @property
    def name(self) -> str: ...
    @property
    def is_provider(self) -> bool: ...
    @property
    def research_minutes(self) -> list[float] | None: ...
    @property
    def line(self) -> CallPort | None: ...
    @property
    def callbacks(self) -> CallbackPort | None: ...
    @property
    def research(self) -> TaskPort | None: ...
    @property
    def files(self) -> FilePort | None: ...
    @property
    def remediation(self) -> TaskPort | None: ...


class QualityPort(Protocol):
    def answered(self, contact: int, at: float) -> bool: ...
    def hands_back(self, contact: int) -> bool: ...
    def hand_back(self, contact: int, now: float) -> None: ...
    def file_handoff(self, contact: int, now: float) -> None: ...


@dataclass(frozen=True)
class Channels:
    """The channels journeys hands work to, each of which calls journeys back when its step
    is done: the teams (their lines and queues), the expert network, the regional offices, and
    the provider's quality rules (None when the scenario has none)."""

    teams: Sequence[TeamPort]
    experts: EscalationPort | None = None
    regional: EscalationPort | None = None
    quality: QualityPort | None = None


__all__ = ["CallPort", "CallbackPort", "Channels", "EscalationPort", "FilePort", "QualityPort",
           "TaskPort", "TeamPort"]
