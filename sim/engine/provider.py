"""The provider: a subcontractor answering part of the work, and what its quality costs.

The provider's advisors work with the provider's own hours and talk times (`talk_factor`). It
resolves `first_contact_resolution` of its contacts itself; the others are handed back
in-house after a delay (`handoff`), and an in-house advisor calls the member back
(`handoff_work`). When an outsourced call leads to a back-office file kept in-house, the file
reaches the in-house team after the same delay and costs `handoff_work` more advisor time: this
is what "ECO and DIS go together" is about. A share `defect_rate` of the provider's answers are
wrong: the error is found `detect_after` later, an in-house advisor puts it right
(`remediation` minutes), and only then does the member have the right answer. During the first
weeks (`ramp_up`) the provider is slower and makes more errors, linearly improving to its
nominal talk factor and defect rate.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.engine.contacts import Contacts
from sim.engine.events import Due, Environment
from sim.engine.journeys import Journeys
from sim.scenario import Scenario, minutes
from sim.vocabulary import DAY, Step, Work

SCALED = ("talk", "wrap_up", "research", "callback_talk", "prepare", "no_answer",
          "file_process", "file_resume")
"""Durations of advisor work that a different team does at its own speed."""


def ramp(scenario: Scenario, arrived: np.ndarray, nominal: float,
         initial: float | None) -> np.ndarray:
    """A value per contact, going linearly from `initial` to `nominal` over the provider's
    ramp-up (from its start)."""
    spec = scenario.outsourcing
    assert spec is not None
    if initial is None or spec.ramp_up.total_seconds() <= 0:
        return np.full(len(arrived), nominal)
    begin = (scenario.provider_start() - scenario.horizon.start).days * DAY
    progress = np.clip((arrived - begin) / minutes(spec.ramp_up), 0.0, 1.0)
    return initial + (nominal - initial) * progress


def scaled(contacts: Contacts, factor: np.ndarray | float) -> Contacts:
    """The same members, with every advisor work duration multiplied by `factor` (per
    contact): how long they take with another team."""
    factor = np.asarray(factor, dtype=float)
    changes = {}
    for name in SCALED:
        values = getattr(contacts, name)
        per_row = factor if factor.ndim == 0 or values.ndim == 1 else factor[:, None]
        changes[name] = values * per_row
    return replace(contacts, **changes)


class ProviderQuality:
    """Wrong answers put right in-house, and contacts handed back, for one replication."""

    def __init__(self, env: Environment, scenario: Scenario, contacts: Contacts,
                 journeys: Journeys, inhouse_callbacks: list[int]) -> None:
        self.env, self.journeys = env, journeys
        spec = scenario.outsourcing
        assert spec is not None
        rate = ramp(scenario, contacts.arrived, spec.defect_rate, spec.initial_defect_rate)
        self.defective: list[bool] = (contacts.defect_u < rate).tolist()
        self.unresolved: list[bool] = (contacts.resolve_u >= spec.first_contact_resolution
                                       ).tolist()
        self.detect_after: list[float] = contacts.detect_after.tolist()
        self.remediation: list[float] = contacts.remediation.tolist()
        self.handoff: list[float] = contacts.handoff.tolist()
        self.handoff_work: list[float] = contacts.handoff_work.tolist()
        self.inhouse_callbacks = inhouse_callbacks  # the in-house team that calls back
        self.wrong: dict[int, float] = {}  # contact -> when the wrong answer was given
        self.remediated: dict[int, float] = {}
        self.handed_back: dict[int, float] = {}
        self.handoff_minutes: dict[int, float] = {}  # in-house work taking contacts back

    # -- wrong answers -----------------------------------------------------------------------
    def answered(self, contact: int, at: float) -> bool:
        """The provider answers `contact` at `at`; False if that answer is wrong."""
        if not self.defective[contact] or contact in self.wrong:
            return True
        self.wrong[contact] = at
        self.journeys.begin(contact, Step.REMEDIATION, at)
        self.env.at(at + self.detect_after[contact], self._detected, contact)
        return False

    def _detected(self, event: Due) -> None:
        contact = event.payload
        remediation = self.journeys.team(Work.REMEDIATION, contact).remediation
        assert remediation is not None
        remediation.add(contact, self.remediation[contact], self._put_right)

    def _put_right(self, contact: int) -> None:
        now = self.env.now
        self.remediated[contact] = now
        self.journeys.end(contact, Step.REMEDIATION, now)
        self.journeys.answered(contact, now)

    # -- hand-offs ---------------------------------------------------------------------------
    def hands_back(self, contact: int) -> bool:
        """Whether the provider cannot resolve this contact itself."""
        return self.unresolved[contact]

    def hand_back(self, contact: int, now: float) -> None:
        """The provider passes the contact back: in-house calls the member back later."""
        journeys = self.journeys
        self._hand_over(contact, now)
        if not journeys.callback_mode:
            journeys.owe_callback(contact, now)
        self.env.at(now + self.handoff[contact], self._taken_back, contact)

    def _taken_back(self, event: Due) -> None:
        contact = event.payload
        journeys = self.journeys
        journeys.end(contact, Step.HANDOFF, self.env.now)
        journeys.reroute(contact, self.inhouse_callbacks[contact])
        callbacks = journeys.team(Work.CALLBACKS, contact).callbacks
        assert callbacks is not None
        callbacks.owe(contact, answer=True, talk=self.handoff_work[contact])

    def file_handoff(self, contact: int, now: float) -> None:
        """An outsourced call led to a file kept in-house: it arrives after the hand-off
        delay and costs the in-house team `handoff_work` more."""
        self._hand_over(contact, now)
        self.env.at(now + self.handoff[contact], self._file_in, contact)

    def _hand_over(self, contact: int, now: float) -> None:
        """Count the hand-over and its in-house work; one hand-off step per contact."""
        if contact not in self.handed_back:
            self.handed_back[contact] = now
            self.journeys.begin(contact, Step.HANDOFF, now)
        self.handoff_minutes[contact] = (self.handoff_minutes.get(contact, 0.0)
                                         + self.handoff_work[contact])

    def _file_in(self, event: Due) -> None:
        contact = event.payload
        now = self.env.now
        self.journeys.end(contact, Step.HANDOFF, now)
        files = self.journeys.team(Work.FILES, contact).files
        assert files is not None
        files.open(contact, now, extra=self.handoff_work[contact])
