"""Back-office files (the DIS social-aid requests): processed by advisors, sometimes waiting for
the member's documents.

A file is opened when a contact of a `file` case type has had its first conversation, when a
call of another case type leads to one (`from_calls`), or when it arrives directly
(`[files] volume`). An advisor processes it (`process` minutes); if documents are missing
(`incomplete_probability`), or if documents are wrongly asked for on a complete file
(`wrongful_request_probability`: the error the source document describes), the advisor writes a
request (`request` minutes), the member answers after `member_response`, and an advisor resumes
the file (`resume` minutes). A file is on time if closed before its `deadline`, counted from its
opening on the files' clock.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.engine.advisors import AdvisorPool, TaskQueue
from sim.engine.calendar import Calendar
from sim.engine.contacts import Contacts
from sim.engine.events import Due, Environment
from sim.engine.journeys import Journeys
from sim.scenario import minutes
from sim.scenario.journeys import Files
from sim.vocabulary import Step, Task


class FileDesk:
    """The files of one replication."""

    def __init__(self, env: Environment, spec: Files, contacts: Contacts,
                 calendar: Calendar, pool: AdvisorPool, journeys: Journeys,
                 closes_contact: list[bool], served_by: list[int],
                 is_provider: bool = False) -> None:
        self.env, self.spec, self.calendar, self.journeys = env, spec, calendar, journeys
        self.queue = TaskQueue(pool, Task.FILE, served_by)
        self.is_provider = is_provider
        self.closes_contact = closes_contact  # the file is the contact's answer
        self.process: list[float] = contacts.file_process.tolist()
        self.resume: list[float] = contacts.file_resume.tolist()
        self.member_response: list[float] = contacts.member_response.tolist()
        self.asks_documents: list[bool] = (contacts.file_incomplete
                                           | contacts.file_wrongful).tolist()
        self.wrongful: list[bool] = contacts.file_wrongful.tolist()
        self.opened: dict[int, float] = {}
        self.deadline: dict[int, float] = {}
        self.closed: dict[int, float] = {}
        self.requested: set[int] = set()
        self._deadline_minutes = minutes(spec.deadline)

    def open(self, contact: int, now: float, since: float | None = None,
             extra: float = 0.0) -> None:
        """Open a file for `contact` at `now` (`since`: when it was really opened, for a file
        of the starting backlog; `extra`: more advisor time, for a file handed over)."""
        if contact in self.opened:
            return
        opened = now if since is None else since
        self.opened[contact] = opened
        self.deadline[contact] = self.calendar.after(opened, self._deadline_minutes,
                                                     self.spec.clock)
        self.journeys.begin(contact, Step.FILE, now)
        self.queue.add(contact, self.process[contact] + extra, self._processed)

    def _processed(self, contact: int) -> None:
        if self.asks_documents[contact] and contact not in self.requested:
            self.requested.add(contact)
            self.journeys.begin(contact, Step.DOCUMENTS, self.env.now)
            self.env.after(self.member_response[contact], self._documents_in, contact)
            return
        self._close(contact)

    def _documents_in(self, event: Due) -> None:
        contact = event.payload
        self.journeys.end(contact, Step.DOCUMENTS, self.env.now)
        self.queue.add(contact, self.resume[contact], self._close)

    def _close(self, contact: int) -> None:
        now = self.env.now
        self.closed[contact] = now
        self.journeys.end(contact, Step.FILE, now)
        if self.closes_contact[contact]:
            self.journeys.answered(contact, now, self.is_provider)

    @staticmethod
    def empty_table() -> pd.DataFrame:
        """The files table of a scenario without files."""
        return pd.DataFrame({"contact": np.array([], dtype=np.int64),
                             **{c: np.array([], dtype=float)
                                for c in ("opened_min", "deadline_min", "closed_min")},
                             "documents_requested": np.array([], dtype=bool),
                             "wrongful_request": np.array([], dtype=bool)})

    def table(self) -> pd.DataFrame:
        """One row per file: opened, deadline, closed (NaN if still open), documents asked
        for, and whether that request was wrongful (the file was complete)."""
        contacts = sorted(self.opened)
        return pd.DataFrame({
            "contact": np.array(contacts, dtype=np.int64),
            "opened_min": np.array([self.opened[c] for c in contacts], dtype=float),
            "deadline_min": np.array([self.deadline[c] for c in contacts], dtype=float),
            "closed_min": np.array([self.closed.get(c, math.nan) for c in contacts], dtype=float),
            "documents_requested": np.array([c in self.requested for c in contacts], dtype=bool),
            "wrongful_request": np.array([c in self.requested and self.wrongful[c]
                                          for c in contacts], dtype=bool),
        })
