"""Contacts: members' requests, with everything about each member drawn when the request is made.

A contact's case type, talk times, patience on each attempt, whether and when they would try
again, whether each callback attempt reaches them, how long experts and regional offices take,
what their file needs, and their reporting labels (topic, segment) are all drawn up front from
streams keyed by the attribute and the source (see `sim.engine.streams`). The simulation then only
decides what happens to them. Two scenarios compared on the same seed therefore face exactly the
same members; changing the staffing changes what happens to a member, never who the member is.

Contacts come from the sources (calls or callback requests), from `[files] volume` (files
arriving directly) and from `[backlog]` (open at the start, arrived before it: negative times).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.engine.arrivals import contact_sources
from sim.engine.sampling import quantile
from sim.engine.streams import Streams
from sim.scenario import Scenario, minutes
from sim.scenario.distributions import Constant
from sim.vocabulary import BACKLOG_STEPS, FILES_SOURCE, Resolution, Work

NEW = -1
"""`Contacts.backlog_step` of a new contact (not from the starting backlog)."""


@dataclass
class Contacts:
    """Columns of the members of one replication, in order of arrival (index = contact id).

    Times are minutes; `(n, k)` columns hold one value per attempt.
    """

    arrived: np.ndarray  # since the horizon start; negative for the starting backlog
    source: np.ndarray  # index into `contact_sources(scenario)`
    case_type: np.ndarray  # index into scenario.case_types
    talk: np.ndarray  # the first conversation
    wrap_up: np.ndarray  # advisor work after the first conversation
    patience: np.ndarray  # (n, call attempts) before hanging up
    retries: np.ndarray  # (n, call attempts) tries again after this call attempt fails
    retry_delay: np.ndarray  # (n, call attempts) before trying again
    research: np.ndarray  # advisor research before calling back (callback cases)
    callback_talk: np.ndarray  # the call that brings the answer back
    deadline: np.ndarray  # allowed for the callback, on the callbacks clock
    prepare: np.ndarray  # advisor preparation before the first callback attempt
    # one column per callback attempt, counted across the (at most two) callbacks of a member
    reached: np.ndarray  # (n, 2 x callback attempts) whether that attempt reaches the member
    no_answer: np.ndarray  # (n, 2 x callback attempts) advisor time of a failed attempt
    retry_after: np.ndarray  # (n, 2 x callback attempts) before the next attempt
    expert_response: np.ndarray  # expert's time to answer, on the experts' clock
    regional_response: np.ndarray  # regional office's time to answer, on its clock
    opens_file: np.ndarray  # the contact leads to a back-office file
    file_process: np.ndarray  # advisor time to process the file (with any document request)
    file_incomplete: np.ndarray  # documents are missing
    file_wrongful: np.ndarray  # documents are asked for although the file was complete
    member_response: np.ndarray  # before the member's documents arrive
    file_resume: np.ndarray  # advisor time to finish the file once documents are in
    backlog_step: np.ndarray  # the `Step` a backlog item stands at, NEW (-1) otherwise
    # the provider and AI (uniforms compared with shares and rates by the model)
    provider_u: np.ndarray  # the provider takes the contact if below its share
    defect_u: np.ndarray  # the provider's answer is wrong if below its defect rate
    resolve_u: np.ndarray  # the provider resolves it itself if below its resolution rate
    detect_after: np.ndarray  # before a wrong answer is found
    remediation: np.ndarray  # in-house advisor time to put it right
    handoff: np.ndarray  # before a contact handed back reaches the in-house team
    handoff_work: np.ndarray  # in-house advisor time to take it back
    deflect_u: np.ndarray  # self-service answers it if below the AI's deflect share
    return_u: np.ndarray  # the member comes back after self-service if below the share
    return_after: np.ndarray  # before coming back
    labels: dict[str, np.ndarray] = field(default_factory=dict)  # label -> category index

    def __len__(self) -> int:
        return len(self.arrived)


def draw_contacts(scenario: Scenario, arrivals: list[np.ndarray], streams: Streams) -> Contacts:
    """Draw every member attribute, source by source, then order contacts by arrival time."""
    sources = contact_sources(scenario)
    parts = [_draw(scenario, i, source.name, times, streams,
                   _case_types(scenario, source.name, len(times)), np.full(len(times), NEW),
                   source.case_mix)
             for i, (source, times) in enumerate(zip(sources, arrivals, strict=True))]
    parts.extend(_backlog(scenario, streams))
    merged = _in_arrival_order(parts)
    labels = {name: merged.pop(f"label:{name}") for name in scenario.labels}
    return Contacts(labels=labels, **merged)


def _in_arrival_order(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The parts' columns end to end, sorted by arrival (stable). A single source is drawn in
    time order already: its columns are only copied where two keys share an array."""
    if len(parts) > 1:
        merged = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    else:
        seen: set[int] = set()
        merged = {}
        for key, value in parts[0].items():
            merged[key] = value.copy() if id(value) in seen else value
            seen.add(id(value))
    arrived = merged["arrived"]
    if len(arrived) > 1 and not bool(np.all(arrived[1:] >= arrived[:-1])):
        order = np.argsort(arrived, kind="stable")
        merged = {key: value[order] for key, value in merged.items()}
    return merged


def _case_types(scenario: Scenario, source: str, n: int) -> np.ndarray | None:
    """Fixed case types for the files source; None means drawn from the case mix."""
    if source != FILES_SOURCE:
        return None
    return np.full(n, file_case_type(scenario))


def file_case_type(scenario: Scenario) -> int:
    """Index of the case type of files arriving directly."""
    names = [c.name for c in scenario.case_types]
    return names.index(scenario.file_case_type())


def _backlog(scenario: Scenario, streams: Streams) -> list[dict[str, np.ndarray]]:
    """The open items the run starts from, one part per backlog line."""
    sources = [s.name for s in contact_sources(scenario)]
    names = [c.name for c in scenario.case_types]
    steps = {step.label: step for step in BACKLOG_STEPS}
    parts = []
    for i, item in enumerate(scenario.backlog.items, start=1):
        case = names.index(item.case_type)
        step = steps[scenario.backlog_step_of(item)]
        source = sources.index(scenario.backlog_source_of(item))
        times = np.full(item.count, -minutes(item.age))
        parts.append(_draw(scenario, source, f"backlog-{i}", times, streams,
                           np.full(item.count, case), np.full(item.count, int(step))))
    return parts


def _categorical(shares: list[float], u: np.ndarray) -> np.ndarray:
    edges = np.cumsum(shares)
    edges[-1] = 1.0
    return np.minimum(np.searchsorted(edges, u, side="right"), len(shares) - 1)


def _draw(scenario: Scenario, index: int, name: str, times: np.ndarray, streams: Streams,
          case: np.ndarray | None, backlog_step: np.ndarray,
          case_mix: dict[str, float] | None = None) -> dict[str, np.ndarray]:
    """Every attribute of the `len(times)` members of one source (streams keyed by `name`)."""
    n = len(times)

    def u(*key: str) -> np.ndarray:
        return streams.uniform(n, *key, name)

    case_types = scenario.case_types
    if case is None:
        mix = ([case_mix.get(c.name, 0.0) for c in case_types] if case_mix
               else [c.share for c in case_types])
        # a single case type needs no draw (streams are independent: the others are unchanged)
        case = _categorical(mix, u("case-type")) if len(mix) > 1 else np.zeros(n, dtype=np.int64)
    specs = {"talk": [c.talk for c in case_types],
             "wrap_up": [c.wrap_up for c in case_types],
             "research": [c.research for c in case_types],
             "callback_talk": [c.answer_talk for c in case_types]}
    masks = [case == k for k in range(len(case_types))]
    only = next((k for k, mask in enumerate(masks) if mask.all()), None) if n else None
    per_case: dict[str, np.ndarray] = {}
    for key, column in specs.items():
        # a constant duration needs no uniforms: drawing them would change nothing
        drawn = (u(key.replace("_", "-")) if any(not isinstance(s, Constant) for s in column)
                 else np.zeros(n))
        if only is not None:  # every member has the same case type
            per_case[key] = quantile(column[only], drawn)
            continue
        per_case[key] = np.zeros(n)
        for k, mask in enumerate(masks):
            per_case[key][mask] = quantile(column[k], drawn[mask])
    deadline = np.zeros(n)
    for k, case_type in enumerate(case_types):
        deadline[masks[k]] = minutes(scenario.deadline_of(case_type))
    per_case["deadline"] = deadline
    out = {"arrived": times, "source": np.full(n, index, dtype=np.int32),
           "case_type": case.astype(np.int32), **per_case,
           "backlog_step": backlog_step.astype(np.int8)}
    out.update(_call_attempts(scenario, n, u))
    out.update(_callback_attempts(scenario, n, u, Work.CALLBACKS in scenario.work_kinds()))
    escalation = scenario.escalation
    out["expert_response"] = (quantile(escalation.experts.response, u("expert-response"))
                              if escalation.experts else np.zeros(n))
    out["regional_response"] = (quantile(escalation.regional.response, u("regional-response"))
                                if escalation.regional else np.zeros(n))
    out.update(_file_attributes(scenario, n, u, case))
    out.update(_option_attributes(scenario, n, u))
    for label, shares in scenario.labels.items():
        out[f"label:{label}"] = _categorical(list(shares.values()),
                                             u("label", label)).astype(np.int32)
    return out


def _call_attempts(scenario: Scenario, n: int, u: Any) -> dict[str, np.ndarray]:
    channel = scenario.channel
    attempts = channel.retry.max_attempts
    patience = np.full((n, attempts), np.inf)
    retries = np.zeros((n, attempts), dtype=bool)
    delay = np.zeros((n, attempts))
    for j in range(attempts):
        tag = str(j + 1)
        if channel.patience is not None:
            patience[:, j] = quantile(channel.patience, u("patience", tag))
        if j + 1 < attempts:
            retries[:, j] = u("retry", tag) < channel.retry.probability
            delay[:, j] = quantile(channel.retry.delay, u("retry-delay", tag))
    return {"patience": patience, "retries": retries, "retry_delay": delay}


CALLBACKS_PER_CONTACT = 2
"""At most two callbacks are owed to one member: the first call (callback mode) and the answer."""


def _callback_attempts(scenario: Scenario, n: int, u: Any,
                       needed: bool) -> dict[str, np.ndarray]:
    callbacks = scenario.callbacks
    attempts = callbacks.max_attempts * CALLBACKS_PER_CONTACT
    if not needed:  # no callback can happen: nothing to draw (other streams are unaffected)
        return {"prepare": np.zeros(n), "reached": np.zeros((n, attempts), dtype=bool),
                "no_answer": np.zeros((n, attempts)), "retry_after": np.zeros((n, attempts))}
    reached = np.zeros((n, attempts), dtype=bool)
    no_answer = np.zeros((n, attempts))
    retry_after = np.zeros((n, attempts))
    for j in range(attempts):
        tag = str(j + 1)
        reached[:, j] = u("reach", tag) < callbacks.reach_probability
        no_answer[:, j] = quantile(callbacks.no_answer, u("no-answer", tag))
        retry_after[:, j] = quantile(callbacks.retry_after, u("retry-after", tag))
    return {"prepare": quantile(callbacks.prepare, u("prepare")), "reached": reached,
            "no_answer": no_answer, "retry_after": retry_after}


def _file_attributes(scenario: Scenario, n: int, u: Any,
                     case: np.ndarray) -> dict[str, np.ndarray]:
    files = scenario.files
    if files is None:
        return {"opens_file": np.zeros(n, dtype=bool), "file_process": np.zeros(n),
                "file_incomplete": np.zeros(n, dtype=bool),
                "file_wrongful": np.zeros(n, dtype=bool), "member_response": np.zeros(n),
                "file_resume": np.zeros(n)}
    is_file = np.array([c.resolution == Resolution.FILE for c in scenario.case_types])[case]
    incomplete = u("file-incomplete") < files.incomplete_probability
    wrongful = ~incomplete & (u("file-wrongful") < files.wrongful_request_probability)
    request = quantile(files.request, u("file-request"))
    process = quantile(files.process, u("file-process"))
    return {
        "opens_file": is_file | (u("file-from-call") < files.from_calls),
        "file_process": process + np.where(incomplete | wrongful, request, 0.0),
        "file_incomplete": incomplete,
        "file_wrongful": wrongful,
        "member_response": quantile(files.member_response, u("member-response")),
        "file_resume": quantile(files.resume_time, u("file-resume")),
    }


def _option_attributes(scenario: Scenario, n: int, u: Any) -> dict[str, np.ndarray]:
    """Draws for the provider and for AI (zeros when the scenario has neither)."""
    out = {key: np.zeros(n) for key in ("provider_u", "defect_u", "resolve_u", "detect_after",
                                        "remediation", "handoff", "handoff_work", "deflect_u",
                                        "return_u", "return_after")}
    provider = scenario.outsourcing
    if provider is not None:
        out.update(provider_u=u("provider-share"), defect_u=u("defect"),
                   resolve_u=u("provider-resolves"),
                   detect_after=quantile(provider.detect_after, u("detect-after")),
                   remediation=quantile(provider.remediation, u("remediation")),
                   handoff=quantile(provider.handoff, u("handoff")),
                   handoff_work=quantile(provider.handoff_work, u("handoff-work")))
    ai = scenario.ai
    if ai is not None:
        out.update(deflect_u=u("deflect"), return_u=u("return"),
                   return_after=quantile(ai.return_after, u("return-after")))
    return out
