"""Defaults that depend on another section: the schema answers them, and a variant that changes
the other section changes them too (they are not frozen into the scenario when it is read)."""

from __future__ import annotations

from datetime import timedelta

from sim.scenario import Scenario, validate, with_overrides
from sim.vocabulary import WORK_KINDS, Work


def scenario(**extra: object) -> Scenario:
    data: dict[str, object] = {
        "name": "defaults",
        "horizon": {"start": "2024-01-01", "end": "2024-01-07"},
        "calendar": {"open_hours": ["08:30", "17:00"]},
        "sources": [{"name": "north", "volume": {"per_day": 10}},
                    {"name": "south", "volume": {"per_day": 10}}],
        "case_types": [
            {"name": "simple", "share": 0.5, "talk": "5min"},
            {"name": "slow", "share": 0.3, "talk": "6min", "resolution": "callback",
             "deadline": "24h", "callback_talk": "3min"},
            {"name": "paper", "share": 0.2, "talk": "4min", "resolution": "file"},
        ],
        "staff": {"advisors": 3, "priorities": ["files", "calls"],
                  "meetings": [{"name": "team", "per_year": 12, "duration": "1h"}]},
        "files": {"process": "30min"},
        "backlog": {"items": [{"case_type": "paper", "count": 2},
                              {"case_type": "slow", "count": 1, "step": "research",
                               "source": "south"}]},
    }
    data.update(extra)
    return validate(data)


def test_a_case_type_without_a_deadline_follows_the_callbacks_deadline_in_a_variant() -> None:
    base = scenario()
    simple, slow, _ = base.case_types
    assert base.deadline_of(simple) == timedelta(hours=72)
    assert base.deadline_of(slow) == timedelta(hours=24)
    variant = with_overrides(base, {"callbacks.deadline": "48h"})
    assert variant.deadline_of(variant.case_types[0]) == timedelta(hours=48)
    assert variant.deadline_of(variant.case_types[1]) == timedelta(hours=24)


def test_the_answer_call_lasts_like_the_first_talk_unless_given() -> None:
    simple, slow, _ = scenario().case_types
    assert simple.answer_talk == simple.talk
    assert slow.answer_talk == slow.callback_talk != slow.talk


def test_a_file_resumes_at_its_processing_time_unless_given() -> None:
    files = scenario().files
    assert files is not None and files.resume_time == files.process
    other = scenario(files={"process": "30min", "resume": "10min"}).files
    assert other is not None and other.resume_time == other.resume != other.process


def test_a_backlog_item_stands_where_its_resolution_says_and_comes_from_the_first_source() -> None:
    base = scenario()
    paper, slow = base.backlog.items
    assert (base.backlog_step_of(paper), base.backlog_source_of(paper)) == ("file", "north")
    assert (base.backlog_step_of(slow), base.backlog_source_of(slow)) == ("research", "south")


def test_priorities_not_listed_follow_in_the_default_order() -> None:
    order = scenario().staff.priority_order()
    assert order == [Work.FILES, Work.CALLS, Work.CALLBACKS, Work.RESEARCH, Work.REMEDIATION]
    assert sorted(order) == sorted(WORK_KINDS)


def test_meetings_start_when_the_lines_open_and_the_provider_works_the_helpline_s_hours() -> None:
    base = scenario(outsourcing={"advisors": 2})
    assert base.meeting_at(base.staff.meetings[0]) == 8 * 60 + 30
    assert base.provider_hours() == (8 * 60 + 30, 17 * 60)
    assert base.provider_start() == base.horizon.start
    later = with_overrides(base, {"calendar.open_hours": ["10:00", "16:00"]})
    assert later.meeting_at(later.staff.meetings[0]) == 600
    assert later.provider_hours() == (600, 960)


def test_self_service_answers_first_contact_cases_unless_told_which() -> None:
    assert scenario(ai={"deflect_share": 0.2}).deflectable() == ("simple",)
    told = scenario(ai={"deflect_share": 0.2, "deflect_case_types": ["slow"]})
    assert told.deflectable() == ("slow",)


def test_files_arriving_directly_take_the_first_file_case_type_unless_named() -> None:
    assert scenario().file_case_type() == "paper"
    named = scenario(files={"process": "30min", "case_type": "slow"})
    assert named.file_case_type() == "slow"
