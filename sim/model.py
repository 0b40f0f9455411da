"""One replication of one scenario: a pure function from (scenario, seed, replication) to tables.

The phases are those of desmod: build (calendar, demand, members, roster), wire (the advisor pool
and the channels), simulate (SimPy), collect (tidy tables). Nothing survives between calls: no
module-level state, no global random generator.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.advisors import RESEARCH, TASK_KINDS, WORK_KINDS, AdvisorPool, TaskQueue
from sim.arrivals import DemandProfile, arrival_times, contact_sources
from sim.calendar import Calendar
from sim.callbacks import CallbackDesk
from sim.calls import InboundLine
from sim.contacts import RESOLUTIONS, STEPS, Contacts, draw_contacts
from sim.escalation import ExpertNetwork, RegionalOffices
from sim.events import Environment
from sim.files import FileDesk
from sim.journeys import (
    BACKLOG_ARRIVAL,
    CALL_ARRIVAL,
    FILE_ARRIVAL,
    REQUEST_ARRIVAL,
    STEP_NAMES,
    Journeys,
)
from sim.records import ADVISOR_TIME_KINDS, CONTACT_OUTCOMES, Recorder, Tables, categorical
from sim.roster import Roster, build_roster
from sim.scenario import Resolution, Scenario
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
    env = Environment()
    recorder = Recorder()
    pool = AdvisorPool(env, roster, calendar, recorder, scenario.callbacks.reserved_advisors)
    journeys = Journeys(env, contacts, [RESOLUTIONS.index(c.resolution.value)
                                        for c in scenario.case_types],
                        _arrival_kinds(scenario, contacts), recorder)
    journeys.callback_mode = scenario.channel.mode == "callback"
    arrived, allowed = contacts.arrived.tolist(), contacts.deadline.tolist()
    clock = scenario.callbacks.clock
    journeys.clock_deadline = lambda c: calendar.after(arrived[c], allowed[c], clock)

    needed = scenario.work_kinds()
    line = InboundLine(env, contacts, calendar, pool, journeys, recorder)
    callbacks = (CallbackDesk(env, scenario.callbacks, contacts, calendar, pool, journeys)
                 if "callbacks" in needed else None)
    research = TaskQueue(pool, RESEARCH) if "research" in needed else None
    journeys.line, journeys.callbacks, journeys.research = line, callbacks, research
    escalation = scenario.escalation
    if escalation.experts is not None:
        journeys.experts = ExpertNetwork(env, escalation.experts,
                                         contacts.expert_response.tolist(), calendar, journeys)
    if escalation.regional is not None:
        journeys.regional = RegionalOffices(env, escalation.regional,
                                            contacts.regional_response.tolist(), calendar,
                                            journeys)
    files = None
    if scenario.files is not None:
        # the file is the answer for file cases, for files arriving directly and for files
        # of the starting backlog
        is_file_case = np.array([c.resolution == Resolution.FILE for c in scenario.case_types])
        closes = (is_file_case[contacts.case_type] | (contacts.source == len(scenario.sources))
                  | (contacts.backlog_step == STEPS.index("file")))
        files = FileDesk(env, scenario.files, contacts, calendar, pool, journeys,
                         closes.tolist())
        journeys.files = files
    work = {"calls": line, "callbacks": callbacks, "research": research,
            "files": files.queue if files else None}
    for kind in priorities(scenario):
        if kind in needed and work.get(kind) is not None:
            pool.add_work(work[kind], live_calls=kind == "calls")  # type: ignore[arg-type]

    pool.start()
    if callbacks is not None:
        callbacks.start()
    journeys.start()
    env.run(until=calendar.end_time)
    line.finish()
    pool.finish()
    journeys.finish()

    calls = recorder.calls_table()
    return Tables(
        contacts=_contacts_table(scenario, contacts, line, journeys),
        calls=calls,
        tasks=recorder.tasks_table(TASK_KINDS, calls, contacts.talk + contacts.wrap_up),
        advisor_time=_advisor_time(roster, recorder),
        steps=recorder.steps_table(STEP_NAMES),
        files=files.table() if files else FileDesk.empty_table(),
    )


def priorities(scenario: Scenario) -> list[str]:
    """`staff.priorities`, then the kinds of work it does not list, in the default order."""
    given = list(scenario.staff.priorities)
    return given + [kind for kind in WORK_KINDS if kind not in given]


def _arrival_kinds(scenario: Scenario, contacts: Contacts) -> list[int]:
    files_source = len(scenario.sources)  # the extra source of files arriving directly
    kinds = np.full(len(contacts), REQUEST_ARRIVAL if scenario.channel.mode == "callback"
                    else CALL_ARRIVAL)
    kinds[contacts.source == files_source] = FILE_ARRIVAL
    kinds[contacts.backlog_step >= 0] = BACKLOG_ARRIVAL
    return list(kinds.tolist())


def _contacts_table(scenario: Scenario, contacts: Contacts, line: InboundLine,
                    journeys: Journeys) -> pd.DataFrame:
    n = len(contacts)
    names = [c.name for c in scenario.case_types]
    frame = pd.DataFrame({
        "contact": np.arange(n, dtype=np.int64),
        "source": categorical(contacts.source, [s.name for s in contact_sources(scenario)]),
        "case_type": categorical(contacts.case_type, names),
        "resolution": categorical(np.array([RESOLUTIONS.index(c.resolution.value)
                                            for c in scenario.case_types])[contacts.case_type],
                                  RESOLUTIONS),
        "backlog": contacts.backlog_step >= 0,
    })
    for label, codes in contacts.labels.items():
        frame[label] = categorical(codes, list(scenario.labels[label]))
    frame["arrived_min"] = contacts.arrived
    frame["outcome"] = categorical(journeys.outcome, CONTACT_OUTCOMES)
    frame["attempts"] = np.asarray(line.attempts, dtype=np.int16)
    frame["first_reached_min"] = np.asarray(journeys.first_reached, dtype=float)
    frame["owed_min"] = np.asarray(journeys.owed_since, dtype=float)
    frame["deadline_min"] = np.asarray(journeys.deadline_at, dtype=float)
    frame["reached_min"] = np.asarray(journeys.reached_at, dtype=float)
    frame["callback_attempts"] = np.asarray(journeys.callback_attempts, dtype=np.int16)
    frame["answered_min"] = np.asarray(journeys.answered_at, dtype=float)
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
