"""One replication of one scenario: a pure function from (scenario, seed, replication) to tables.

The phases are those of desmod, one function each: build (`draw`: calendar, demand, members,
roster), wire (`wire`: the advisor pool, member journeys, the channels), simulate (`run`: SimPy
to the horizon's end), collect (`collect`: the tidy tables of `sim.tables`). Nothing survives
between calls: no module-level state, no global random generator. `docs/architecture.md`
explains the wiring.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.engine.advisors import AdvisorPool
from sim.engine.arrivals import DemandProfile, arrival_times, contact_sources
from sim.engine.calendar import Calendar
from sim.engine.contacts import NEW, Contacts, draw_contacts
from sim.engine.escalation import ExpertNetwork, RegionalOffices
from sim.engine.events import Environment
from sim.engine.files import FileDesk
from sim.engine.journeys import Journeys, SelfService
from sim.engine.ports import Channels
from sim.engine.provider import ProviderQuality
from sim.engine.records import Recorder, categorical, small_ints
from sim.engine.roster import Roster, build_roster
from sim.engine.streams import Streams
from sim.engine.teams import Team, build_teams, routes, team_names
from sim.scenario import Scenario
from sim.tables import Tables
from sim.vocabulary import (
    ADVISOR_TIME_KINDS,
    CONTACT_OUTCOMES,
    RESOLUTIONS,
    AdvisorTime,
    Arrival,
    CallOutcome,
    Work,
    resolution_code,
)


@dataclass
class Members:
    """Everything drawn before the simulation starts: who calls, when, and who works."""

    scenario: Scenario
    calendar: Calendar
    contacts: Contacts
    roster: Roster


@dataclass
class Replication:
    """One replication wired and ready to run: the environment and what takes part in it."""

    members: Members
    env: Environment
    recorder: Recorder
    pool: AdvisorPool
    journeys: Journeys
    teams: list[Team]
    quality: ProviderQuality | None


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


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a replication is wired, run and tabulated: a run
    allocates hundreds of thousands of short-lived events and dozens of per-contact lists,
    none of which needs it (`_take_apart` breaks the run's cycles at the end), and the
    collector would walk them again and again. Its previous state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@_without_cycle_collection()
def simulate(members: Members) -> Tables:
    """Wire, simulate and collect: what happens to the members drawn."""
    replication = wire(members)
    run(replication)
    tables = collect(replication)
    _take_apart(replication)
    return tables


def wire(members: Members) -> Replication:
    """Wire phase: the advisor pool, member journeys, then the channels journeys hands work
    to (built with journeys, because each calls it back), connected once."""
    scenario, calendar, contacts, roster = (members.scenario, members.calendar,
                                            members.contacts, members.roster)
    env = Environment()
    recorder = Recorder()
    names = team_names(scenario)
    pool = AdvisorPool(env, roster, calendar, recorder, names)
    callback_mode = scenario.channel.mode == "callback"
    clock = scenario.callbacks.clock
    arrived, allowed = contacts.arrived.tolist(), contacts.deadline
    journeys = Journeys(
        env, contacts, recorder,
        resolution_of_case=[resolution_code(c.resolution) for c in scenario.case_types],
        arrival_kind=_arrival_kinds(scenario, contacts),
        routes=routes(scenario, contacts, names),
        callback_mode=callback_mode,
        deadline=lambda c: calendar.after(arrived[c], float(allowed[c]), clock),
        self_service=_self_service(scenario, contacts))
    teams = build_teams(env, scenario, calendar, contacts, pool, journeys, recorder)
    quality = None
    if scenario.outsourcing is not None:
        inhouse = routes(scenario, contacts, names, with_provider=False)[Work.CALLBACKS]
        quality = ProviderQuality(env, scenario, contacts, journeys, inhouse)
    escalation = scenario.escalation
    experts = (ExpertNetwork(env, escalation.experts, contacts.expert_response.tolist(),
                             calendar, journeys)
               if escalation.experts is not None else None)
    regional = (RegionalOffices(env, escalation.regional, contacts.regional_response.tolist(),
                                calendar, journeys)
                if escalation.regional is not None else None)
    journeys.connect(Channels(teams, experts, regional, quality))
    return Replication(members, env, recorder, pool, journeys, teams, quality)


def run(replication: Replication) -> None:
    """Simulate phase: start the rosters, the callback openings and the arrivals, run to the
    horizon's end, and settle what is still under way."""
    pool, journeys, teams = replication.pool, replication.journeys, replication.teams
    pool.start()
    for team in teams:
        if team.callbacks is not None:
            team.callbacks.start()
    journeys.start()
    with _without_cycle_collection():
        replication.env.run(until=replication.members.calendar.end_time)
    for team in teams:
        if team.line is not None:
            team.line.finish()
    pool.finish()
    journeys.finish()


def collect(replication: Replication) -> Tables:
    """Collect phase: the record tables."""
    members, recorder, teams = replication.members, replication.recorder, replication.teams
    calls = recorder.calls_table()
    answered = calls[calls["outcome"] == CallOutcome.ANSWERED.label]
    return Tables(
        contacts=_contacts_table(members.scenario, members.contacts, replication.journeys,
                                 replication.quality),
        calls=calls,
        tasks=recorder.tasks_table(answered, _call_minutes(answered, teams, replication.pool)),
        advisor_time=_advisor_time(members.roster, recorder),
        steps=recorder.steps_table(),
        files=pd.concat([t.files.table() for t in teams if t.files is not None]
                        or [FileDesk.empty_table()], ignore_index=True),
    )


def _take_apart(replication: Replication) -> None:
    """Break the run's reference cycles once its tables are built. The channels, the pool and
    the journeys point at each other, and events still scheduled point at their methods: left
    alone, the run's per-contact lists (dozens, each as long as the contacts) would wait for
    the cycle collector, which walks every item of them, and hold their memory until then."""
    journeys, teams = replication.journeys, replication.teams
    parts: list[Any] = [replication.env, replication.pool, journeys, replication.quality,
                        journeys.experts, journeys.regional, *teams]
    for team in teams:
        parts += [team.line, team.callbacks, team.research, team.files, team.remediation]
    for part in parts:
        if part is not None:
            vars(part).clear()
    vars(replication).clear()


def _self_service(scenario: Scenario, contacts: Contacts) -> SelfService | None:
    """Which members self-service (AI) answers, and who comes back."""
    ai = scenario.ai
    if ai is None or ai.deflect_share == 0:
        return None
    eligible = np.isin(np.array([c.name for c in scenario.case_types],
                                dtype=object)[contacts.case_type], list(scenario.deflectable()))
    deflected = eligible & (contacts.deflect_u < ai.deflect_share) & (contacts.backlog_step == NEW)
    return SelfService(deflected.tolist(),
                       (contacts.return_u < ai.deflect_return_probability).tolist(),
                       contacts.return_after.tolist())


def _call_minutes(answered: pd.DataFrame, teams: list[Team], pool: AdvisorPool) -> np.ndarray:
    """Advisor minutes of each answered call, at the speed of the team that answered it."""
    contact = answered["contact"].to_numpy()
    team = np.asarray(pool.team_of, dtype=np.int64)[answered["advisor"].to_numpy()]
    minutes = np.zeros(len(answered))
    for t in teams:
        line = t.line
        if line is not None:
            mask = team == t.index
            minutes[mask] = line.work_array[contact[mask]]
    return minutes


def _arrival_kinds(scenario: Scenario, contacts: Contacts) -> list[int]:
    files_source = len(scenario.sources)  # the extra source of files arriving directly
    kinds = np.full(len(contacts), int(Arrival.REQUEST if scenario.channel.mode == "callback"
                                       else Arrival.CALL))
    kinds[contacts.source == files_source] = Arrival.FILE
    kinds[contacts.backlog_step != NEW] = Arrival.BACKLOG
    return list(kinds.tolist())


def _contacts_table(scenario: Scenario, contacts: Contacts, journeys: Journeys,
                    quality: ProviderQuality | None) -> pd.DataFrame:
    n = len(contacts)
    names = [c.name for c in scenario.case_types]
    columns: dict[str, Any] = {
        "contact": np.arange(n, dtype=np.int64),
        "source": categorical(contacts.source, [s.name for s in contact_sources(scenario)]),
        "case_type": categorical(contacts.case_type, names),
        "resolution": categorical(np.array([resolution_code(c.resolution)
                                            for c in scenario.case_types])[contacts.case_type],
                                  RESOLUTIONS),
        "backlog": contacts.backlog_step != NEW,
        **{label: categorical(codes, list(scenario.labels[label]))
           for label, codes in contacts.labels.items()},
        "arrived_min": contacts.arrived.copy(),  # (the drawn members stay as they are)
        "outcome": categorical(journeys.outcome, CONTACT_OUTCOMES),
        "attempts": small_ints(journeys.attempts, np.int16),
        "team": categorical(journeys.first_team, team_names(scenario)),
        "first_reached_min": _array(journeys.first_reached),
        "owed_min": _array(journeys.owed_since),
        "deadline_min": _array(journeys.deadline_at),
        "reached_min": _array(journeys.reached_at),
        "callback_attempts": small_ints(journeys.callback_attempts, np.int16),
        "answered_min": _array(journeys.answered_at),
        "wrong_answer_min": _times(quality.wrong if quality else {}, n),
        "remediated_min": _times(quality.remediated if quality else {}, n),
        "handed_back_min": _times(quality.handed_back if quality else {}, n),
        "handoff_work_min": np.nan_to_num(
            _times(quality.handoff_minutes if quality else {}, n), nan=0.0),
    }
    # built in one go from arrays made here (a column at a time, pandas copies each one)
    frame = pd.DataFrame(columns, copy=False)
    return frame


def _array(values: list[float]) -> np.ndarray:
    """A list of floats as an array (`fromiter` is several times faster than `asarray`)."""
    return np.fromiter(values, dtype=float, count=len(values))


def _times(by_contact: dict[int, float], n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    if by_contact:
        out[list(by_contact)] = list(by_contact.values())
    return out


def _advisor_time(roster: Roster, recorder: Recorder) -> pd.DataFrame:
    rows: list[tuple[int, float, float, int]] = []
    rows.extend((a, s, e, AdvisorTime.SCHEDULED) for a, s, e in roster.scheduled)
    rows.extend((a, s, e, AdvisorTime.ABSENT) for a, s, e in roster.absent)
    rows.extend((a, s, e, AdvisorTime.MEETING) for a, s, e, _ in roster.meetings)
    for advisor, intervals in enumerate(roster.available):
        rows.extend((advisor, s, e, AdvisorTime.AVAILABLE) for s, e, _ in intervals)
    rows.extend((a, s, e, AdvisorTime.OVERTIME if over else AdvisorTime.LATE)
                for a, s, e, over in recorder.extensions)
    data = np.array(rows, dtype=float).reshape(-1, 4)
    who = data[:, 0].astype(np.int32)
    names = list(dict.fromkeys(roster.team_of))
    return pd.DataFrame({
        "advisor": who,
        "team": categorical(np.array([names.index(t) for t in roster.team_of],
                                     dtype=np.int64)[who], names),
        "start": data[:, 1],
        "end": data[:, 2],
        "kind": categorical(data[:, 3].astype(np.int8), ADVISOR_TIME_KINDS),
    })
