"""The record tables: what one replication leaves behind, and the contract between the engine
and the measures.

The engine (`sim.engine.records`) fills them while a replication runs; the measures
(`sim.measures`) compute every KPI from them, and never look inside the engine. Times are
minutes since the horizon start (`_min`); categories are the labels of `sim.vocabulary`.

Tables
------
contacts : one row per member request: source, case type, resolution, labels, arrival, outcome
    (`ContactOutcome`), call attempts, team of the first contact, first reached, callback owed
    since / deadline / reached, answered, and the provider's wrong answers and hand-backs
calls : one row per call attempt: contact, attempt, arrival, outcome (`CallOutcome`), wait,
    advisor (-1 when none answered)
tasks : one row per piece of advisor work: advisor, kind (`Task`), start, end, contact
advisor_time : one row per interval of an advisor's time: team, start, end, kind
    (`AdvisorTime`: scheduled, absent, meeting, available, overtime, late)
steps : one row per step of a member journey: contact, step (`Step`), start, end (NaN while
    open when the horizon ended)
files : one row per back-office file: contact, opened, deadline, closed (NaN if open),
    documents requested, whether that request was wrongful
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass
class Tables:
    """The record tables of one replication. Times are minutes since the horizon start."""

    contacts: pd.DataFrame
    calls: pd.DataFrame
    tasks: pd.DataFrame
    advisor_time: pd.DataFrame
    steps: pd.DataFrame
    files: pd.DataFrame


__all__ = ["Tables"]
