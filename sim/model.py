"""One replication of one scenario: a pure function from (scenario, seed, replication) to tables.

The phases are those of desmod: build (calendar, demand, members, roster), wire (the advisor pool
and the channels), simulate (SimPy), collect (tidy tables). Nothing survives between calls: no
module-level state, no global random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import simpy

from sim.advisors import TASK_KINDS, AdvisorPool
from sim.arrivals import DemandProfile, arrival_times
from sim.calendar import Calendar
from sim.calls import InboundLine
from sim.contacts import Contacts, draw_contacts
from sim.records import ADVISOR_TIME_KINDS, CONTACT_OUTCOMES, Recorder, Tables, categorical
from sim.roster import Roster, build_roster
from sim.scenario import Scenario
from sim.streams import Streams


@dataclass
class Members:
    """Everything drawn before the simulation starts: who calls, when, and who works."""

    scenario: Scenario
    calendar: Calendar
    contacts: Contacts
    roster: Roster


def run_replication(scenario: Scenario, seed: int, replication: int) -> Tables:
    """Simulate one replication and return its record tables."""
    return simulate(draw(scenario, seed, replication))


def draw(scenario: Scenario, seed: int, replication: int) -> Members:
    """Build phase: the calendar, and every random draw of the replication."""
    streams = Streams(seed, replication)
    calendar = Calendar(scenario)
    arrivals = arrival_times(DemandProfile(scenario, calendar), streams)
    contacts = draw_contacts(scenario, arrivals, streams)
    return Members(scenario, calendar, contacts, build_roster(scenario, calendar, streams))


def simulate(members: Members) -> Tables:
    """Wire, simulate and collect: what happens to the members drawn."""
    scenario, calendar, contacts, roster = (members.scenario, members.calendar,
                                            members.contacts, members.roster)
    env = simpy.Environment()
    recorder = Recorder()
    pool = AdvisorPool(env, roster, calendar, recorder)
    line = InboundLine(env, contacts, calendar, pool, recorder)
    pool.add_work(line, live_calls=True)

    pool.start()
    line.start()
    env.run(until=calendar.end_time)
    line.finish()
    pool.finish()

    return Tables(
        contacts=_contacts_table(scenario, contacts, line),
        calls=recorder.calls_table(),
        tasks=recorder.tasks_table(TASK_KINDS),
        advisor_time=_advisor_time(roster, recorder),
    )


def _contacts_table(scenario: Scenario, contacts: Contacts, line: InboundLine) -> pd.DataFrame:
    n = len(contacts)
    frame = pd.DataFrame({
        "contact": np.arange(n, dtype=np.int64),
        "source": categorical(contacts.source, [s.name for s in scenario.sources]),
        "case_type": categorical(contacts.case_type,
                                               [c.name for c in scenario.case_types]),
    })
    for label, codes in contacts.labels.items():
        frame[label] = categorical(codes, list(scenario.labels[label]))
    frame["arrived_min"] = contacts.arrived
    frame["outcome"] = categorical(np.asarray(line.outcome, dtype=np.int8),
                                                 CONTACT_OUTCOMES)
    frame["attempts"] = np.asarray(line.attempts, dtype=np.int16)
    frame["answered_min"] = np.asarray(line.answered_at, dtype=float)
    return frame


def _advisor_time(roster: Roster, recorder: Recorder) -> pd.DataFrame:
    rows: list[tuple[int, float, float, int]] = []
    kind = {name: i for i, name in enumerate(ADVISOR_TIME_KINDS)}
    rows.extend((a, s, e, kind["scheduled"]) for a, s, e in roster.scheduled)
    rows.extend((a, s, e, kind["absent"]) for a, s, e in roster.absent)
    rows.extend((a, s, e, kind["meeting"]) for a, s, e, _ in roster.meetings)
    for advisor, intervals in enumerate(roster.available):
        rows.extend((advisor, s, e, kind["available"]) for s, e, _ in intervals)
    rows.extend((a, s, e, kind["overtime" if over else "late"])
                for a, s, e, over in recorder.extensions)
    data = np.array(rows, dtype=float).reshape(-1, 4)
    return pd.DataFrame({
        "advisor": data[:, 0].astype(np.int32),
        "start": data[:, 1],
        "end": data[:, 2],
        "kind": categorical(data[:, 3].astype(np.int8), ADVISOR_TIME_KINDS),
    })
