"""Teams: who does which work, in which queues.

A team is a set of advisors with its own queues: the in-house advisors (one team, or one per
`[[staff.groups]]`), the advisors reserved for callbacks (who share the in-house queues but never
take live calls), and a provider's advisors. Every contact's work is **routed** when the contact
is created: each kind of work (calls, callbacks, research, files, remediation) goes to one team,
chosen by the group filters (sources, case types, kinds of work) and by the provider's
`takes` (its case types and share). A live call may still move at arrival: to the provider when
the in-house queue is past its overflow threshold. Each team serves its queues in the order of
`staff.priorities`, then the callers of groups that overflow to it once they have waited long
enough.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.engine.advisors import AdvisorPool, TaskQueue, WorkSource
from sim.engine.calendar import Calendar
from sim.engine.callbacks import CallbackDesk
from sim.engine.calls import InboundLine, Overflow
from sim.engine.contacts import Contacts, file_case_type
from sim.engine.events import Environment
from sim.engine.files import FileDesk
from sim.engine.journeys import Journeys, Routes
from sim.engine.provider import ramp, scaled
from sim.engine.records import Recorder
from sim.scenario import Scenario, minutes
from sim.vocabulary import (
    FILES_SOURCE,
    INHOUSE,
    PROVIDER,
    RESERVED,
    WORK_KINDS,
    Resolution,
    Step,
    Task,
    Work,
    resolution_code,
)


@dataclass
class Team:
    """A team's identity and its queues (None for work it does not do)."""

    index: int
    name: str
    is_provider: bool
    does: frozenset[Work]
    research_minutes: list[float] | None = None  # at this team's speed
    line: InboundLine | None = None
    callbacks: CallbackDesk | None = None
    research: TaskQueue | None = None
    files: FileDesk | None = None
    remediation: TaskQueue | None = None


def team_names(scenario: Scenario) -> list[str]:
    """Teams in advisor order: in-house (or the groups), reserved callbacks, the provider."""
    names = [g.name for g in scenario.staff.groups] or [INHOUSE]
    if scenario.callbacks.reserved_advisors:
        names.append(RESERVED)
    if scenario.outsourcing is not None:
        names.append(PROVIDER)
    return names


def _does(scenario: Scenario, name: str) -> frozenset[Work]:
    if name == PROVIDER:
        return frozenset(WORK_KINDS) - {Work.REMEDIATION}
    if name == RESERVED:
        return frozenset(WORK_KINDS) - {Work.CALLS}
    groups = {g.name: g for g in scenario.staff.groups}
    return frozenset(groups[name].work) if name in groups else frozenset(WORK_KINDS)


def routes(scenario: Scenario, contacts: Contacts, names: list[str],
           with_provider: bool = True) -> Routes:
    """For each kind of work, the team doing it for each contact (`with_provider=False`: the
    in-house team it would go to without the provider)."""
    n = len(contacts)
    provider = scenario.outsourcing if with_provider else None
    if not scenario.staff.groups and provider is None:  # one team does everything
        return {kind: [0] * n for kind in WORK_KINDS}
    sources = [s.name for s in scenario.sources] + [FILES_SOURCE]
    cases = [c.name for c in scenario.case_types]
    source_name = np.array(sources, dtype=object)[contacts.source]
    case_name = np.array(cases, dtype=object)[contacts.case_type]
    out = {kind: np.zeros(n, dtype=np.int64) for kind in WORK_KINDS}
    groups = scenario.staff.groups
    for kind in WORK_KINDS:
        if not groups:
            continue
        chosen = np.full(n, -1)
        for index, group in enumerate(groups):
            if kind not in group.work:
                continue
            match = np.ones(n, dtype=bool)
            if group.sources:
                match &= np.isin(source_name, list(group.sources))
            if group.case_types:
                match &= np.isin(case_name, list(group.case_types))
            chosen = np.where((chosen < 0) & match, index, chosen)
        fallback = next((i for i, g in enumerate(groups) if kind in g.work), 0)
        out[kind] = np.where(chosen < 0, fallback, chosen)
    if provider is not None:
        p = names.index(PROVIDER)
        takes = provider.takes
        taken = (np.isin(case_name, list(takes.case_types)) if takes.case_types
                 else np.ones(n, dtype=bool))
        share = (contacts.provider_u < takes.share) & (contacts.backlog_step < 0)
        for kind in (Work.CALLS, Work.CALLBACKS, Work.RESEARCH):
            out[kind] = np.where(taken & share, p, out[kind])
        if scenario.files is not None:
            is_file = np.array([c.resolution == Resolution.FILE for c in scenario.case_types])
            own_case = np.where(is_file[contacts.case_type], contacts.case_type,
                                file_case_type(scenario) if any(is_file)
                                or scenario.files.case_type else contacts.case_type)
            file_taken = (np.isin(np.array(cases, dtype=object)[own_case],
                                  list(takes.case_types)) if takes.case_types
                          else np.ones(n, dtype=bool))
            out[Work.FILES] = np.where(file_taken & share, p, out[Work.FILES])
    return {kind: values.tolist() for kind, values in out.items()}


def build_teams(env: Environment, scenario: Scenario, calendar: Calendar, contacts: Contacts,
                pool: AdvisorPool, journeys: Journeys, recorder: Recorder) -> list[Team]:
    """Every team with its queues, wired into the pool in the order of `staff.priorities`."""
    names = pool.teams
    needed = scenario.work_kinds()
    teams = [Team(i, name, name == PROVIDER, _does(scenario, name) & needed)
             for i, name in enumerate(names)]
    reserved = names.index(RESERVED) if RESERVED in names else None
    inhouse = _inhouse_contacts(scenario, contacts)
    provider_contacts = _provider_contacts(scenario, contacts)
    resolution = np.asarray(journeys.resolution, dtype=np.int64)
    local_follow_up = ((resolution != resolution_code(Resolution.FIRST_CONTACT))
                       | contacts.opens_file).tolist()
    closes = _file_answers(scenario, contacts) if scenario.files is not None else []
    for team in teams:
        if team.index == reserved:
            continue  # works from the in-house queues
        own = provider_contacts if team.is_provider else inhouse
        served_by = [team.index] + ([reserved] if reserved is not None else [])
        if Work.CALLS in team.does:
            follow_up = [True] * len(contacts) if team.is_provider else local_follow_up
            team.line = InboundLine(env, own, calendar, pool, journeys, recorder, team.index,
                                    follow_up)
        if Work.CALLBACKS in team.does:
            team.callbacks = CallbackDesk(env, scenario.callbacks, own, calendar, pool,
                                          journeys, served_by, team.is_provider)
        if Work.RESEARCH in team.does:
            team.research = TaskQueue(pool, Task.RESEARCH, served_by)
            team.research_minutes = own.research.tolist()
        if Work.FILES in team.does and scenario.files is not None:
            team.files = FileDesk(env, scenario.files, own, calendar, pool, journeys, closes,
                                  served_by, team.is_provider)
        if Work.REMEDIATION in team.does:
            team.remediation = TaskQueue(pool, Task.REMEDIATION, served_by)
    _link_lines(scenario, teams)
    _register(scenario, teams, pool, reserved)
    return teams


def _inhouse_contacts(scenario: Scenario, contacts: Contacts) -> Contacts:
    """In-house advisors work at their own speed, or faster with AI assistance."""
    if scenario.ai is None or scenario.ai.talk_factor == 1.0:
        return contacts
    return scaled(contacts, scenario.ai.talk_factor)


def _provider_contacts(scenario: Scenario, contacts: Contacts) -> Contacts:
    """The provider's advisors take `talk_factor` as long (more during the ramp-up)."""
    provider = scenario.outsourcing
    if provider is None:
        return contacts
    factor = ramp(scenario, contacts.arrived, provider.talk_factor,
                  provider.initial_talk_factor)
    return scaled(contacts, factor)


def _file_answers(scenario: Scenario, contacts: Contacts) -> list[bool]:
    """Whether closing the contact's file answers the member: file cases, files arriving
    directly, files of the starting backlog."""
    is_file_case = np.array([c.resolution == Resolution.FILE for c in scenario.case_types])
    closes = (is_file_case[contacts.case_type] | (contacts.source == len(scenario.sources))
              | (contacts.backlog_step == Step.FILE))
    return list(closes.tolist())


def _link_lines(scenario: Scenario, teams: list[Team]) -> None:
    """Group overflow after a wait; provider overflow past the in-house threshold."""
    by_name = {t.name: t for t in teams}
    for group in scenario.staff.groups:
        line = by_name[group.name].line
        if group.overflow_to is not None and line is not None:
            line.overflow_team = by_name[group.overflow_to].index
            line.overflow_after = minutes(group.overflow_after)
    provider = scenario.outsourcing
    if provider is None:
        return
    takes = provider.takes
    spill = by_name[PROVIDER].line
    if spill is None or (takes.overflow_queue is None and takes.overflow_wait is None):
        return
    for team in teams:
        if not team.is_provider and team.line is not None:
            team.line.spill = spill
            team.line.spill_queue = takes.overflow_queue
            team.line.spill_wait = (minutes(takes.overflow_wait)
                                    if takes.overflow_wait is not None else None)


def _register(scenario: Scenario, teams: list[Team], pool: AdvisorPool,
              reserved: int | None) -> None:
    """Each team's sources in priority order; callers overflowing to it after its own."""
    overflow_into: dict[int, list[InboundLine]] = {}
    for team in teams:
        if team.line is not None and team.line.overflow_team is not None:
            overflow_into.setdefault(team.line.overflow_team, []).append(team.line)
    queues = {Work.CALLS: "line", Work.CALLBACKS: "callbacks", Work.RESEARCH: "research",
              Work.FILES: "files", Work.REMEDIATION: "remediation"}
    for team in teams:
        owner = teams[0] if team.index == reserved else team
        for kind in scenario.staff.priority_order():
            if team.index == reserved and kind == Work.CALLS:
                continue
            source = getattr(owner, queues[kind])
            queue: WorkSource | None = source.queue if isinstance(source, FileDesk) else source
            if queue is not None:
                pool.add_work(team.index, queue, live_calls=kind == Work.CALLS)
            if kind == Work.CALLS:
                for line in overflow_into.get(team.index, []):
                    pool.add_work(team.index, Overflow(line))
