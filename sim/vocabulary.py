"""The helpline's words, each defined once: kinds of work, tasks, resolutions, outcomes, steps.

Pure data, importing nothing of ours, so every layer may use it (the scenario file's words, the
engine's integer codes, the measures' column values). Each enum's order is its code: the record
tables store the code and name the category by the enum's label, so a word's code, its label in
the tables and its value in a scenario file cannot drift apart.

| word | where it shows | enum |
|---|---|---|
| kind of work | `staff.priorities`, `[[staff.groups]] work`, routing | `Work` |
| task | the `kind` column of the tasks table | `Task` |
| resolution | a case type's `resolution`, the contacts table | `Resolution` |
| call outcome | the `outcome` column of the calls table | `CallOutcome` |
| contact outcome | the `outcome` column of the contacts table | `ContactOutcome` |
| step | the `step` column of the steps table, a backlog item's `step` | `Step` |
| arrival | how a contact reaches the helpline (engine only) | `Arrival` |
| advisor time | the `kind` column of the advisor-time table | `AdvisorTime` |

A word that exists in two enums is two words: `Task.CALLBACK` is a callback call an advisor
makes, `Resolution.CALLBACK` a case answered by calling back, `Step.CALLBACK` the wait for it.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

DAY = 1440.0
"""Minutes in a day: every time in the engine and the record tables is in minutes."""

HOUR = 60.0
"""Minutes in an hour."""


class Labelled(IntEnum):
    """An integer code with the label the record tables show (`SELF_SERVICE` -> "self-service")."""

    @property
    def label(self) -> str:
        """The category name in the tables."""
        return self.name.lower().replace("_", "-")


def labels(codes: type[Labelled]) -> list[str]:
    """The labels of an enum, in code order: the categories of a table column."""
    return [code.label for code in codes]


class Work(StrEnum):
    """A kind of work a contact is routed for and a team serves; the order is the default of
    `staff.priorities` (what a free advisor looks at first)."""

    CALLS = "calls"
    CALLBACKS = "callbacks"
    FILES = "files"
    RESEARCH = "research"
    REMEDIATION = "remediation"


WORK_KINDS: tuple[Work, ...] = tuple(Work)
"""Every kind of work, in the default priority order."""


class Task(Labelled):
    """A piece of advisor work, as the tasks table names it."""

    CALL = 0  # a live call answered, with its wrap-up
    CALLBACK = 1  # a callback attempt (prepared, reached or not)
    RESEARCH = 2  # research before calling back
    FILE = 3  # processing (or resuming) a back-office file
    REMEDIATION = 4  # putting a provider's wrong answer right
    HANDOFF = 5  # taking back a contact the provider handed back


TASK_KINDS = labels(Task)


class Resolution(StrEnum):
    """How a case type is answered (a case type's `resolution` in the scenario file)."""

    FIRST_CONTACT = "first-contact"
    CALLBACK = "callback"
    EXPERT = "expert"
    REGIONAL = "regional"
    FILE = "file"


RESOLUTIONS: list[str] = [r.value for r in Resolution]
"""The labels of the resolutions; a resolution's code is its position here."""


def resolution_code(resolution: Resolution) -> int:
    """The integer code of a resolution (its position in `Resolution`)."""
    return RESOLUTIONS.index(resolution.value)


class CallOutcome(Labelled):
    """What happened to one call attempt."""

    ANSWERED = 0
    ABANDONED = 1
    CLOSED = 2  # the lines were closed
    WAITING = 3  # still waiting when the horizon ended


class ContactOutcome(Labelled):
    """How a member's request ended; every contact ends in exactly one of these."""

    ANSWERED = 0  # the answer reached the member
    ABANDONED = 1  # gave up after the last attempt
    CLOSED = 2  # last attempt found the lines closed and the member did not try again
    UNREACHABLE = 3  # the last callback attempt failed to reach the member
    DEFLECTED = 4  # answered by self-service (AI) and did not come back
    OPEN = 5  # not yet answered when the horizon ended


CALL_OUTCOMES = labels(CallOutcome)
CONTACT_OUTCOMES = labels(ContactOutcome)


class Step(Labelled):
    """A step of a member journey after the first contact (the steps table)."""

    RESEARCH = 0
    EXPERT = 1
    REGIONAL = 2
    CALLBACK = 3
    FILE = 4
    DOCUMENTS = 5
    REMEDIATION = 6
    HANDOFF = 7
    SELF_SERVICE = 8


STEP_NAMES = labels(Step)

BACKLOG_STEPS: tuple[Step, ...] = (Step.CALLBACK, Step.RESEARCH, Step.EXPERT, Step.REGIONAL,
                                   Step.FILE)
"""The steps an item of the starting backlog may stand at (a backlog item's `step`)."""


class Arrival(Labelled):
    """How a contact reaches the helpline."""

    CALL = 0  # a live call (inbound mode)
    REQUEST = 1  # a callback request (callback mode)
    FILE = 2  # a file arriving directly (`[files] volume`)
    BACKLOG = 3  # an item of the starting backlog


class AdvisorTime(Labelled):
    """A row of the advisor-time table. `available`, `overtime` and `late` are time on the
    lines (overtime: worked past the end of a shift; late: stayed on past the start of a
    meeting)."""

    SCHEDULED = 0
    ABSENT = 1
    MEETING = 2
    AVAILABLE = 3
    OVERTIME = 4
    LATE = 5


ADVISOR_TIME_KINDS = labels(AdvisorTime)

INHOUSE = "in-house"
"""The team of in-house advisors when the scenario has no `[[staff.groups]]`."""
RESERVED = "callbacks"
"""The team of advisors reserved for callbacks (`callbacks.reserved_advisors`)."""
PROVIDER = "provider"
"""The team of a subcontractor's advisors (`[outsourcing]`)."""

FILES_SOURCE = "files"
"""The source name kept for files arriving directly (`[files] volume`)."""

__all__ = [
    "ADVISOR_TIME_KINDS",
    "BACKLOG_STEPS",
    "CALL_OUTCOMES",
    "CONTACT_OUTCOMES",
    "DAY",
    "FILES_SOURCE",
    "HOUR",
    "INHOUSE",
    "PROVIDER",
    "RESERVED",
    "RESOLUTIONS",
    "STEP_NAMES",
    "TASK_KINDS",
    "WORK_KINDS",
    "AdvisorTime",
    "Arrival",
    "CallOutcome",
    "ContactOutcome",
    "Labelled",
    "Resolution",
    "Step",
    "Task",
    "Work",
    "labels",
    "resolution_code",
]
