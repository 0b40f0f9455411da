"""Scenario validation: one test per message a planner can see (design note 6).

Each test starts from a small valid scenario, breaks one thing and asserts the exact path
(`case_types[1].talk.mean`, lists counted from 1) and the exact message of the one problem
reported. A few tests go through files (TOML syntax, `extends`) and the `helpline validate` command.
"""

from __future__ import annotations

import copy
import re
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.scenario import Scenario, ScenarioError, deep_merge, load_scenario, to_toml, validate
from sim.scenario.distributions import Constant, Exponential

BASE_TOML = """\
name = "base"

[horizon]
start = 2024-01-01
end = 2024-01-31

[[sources]]
name = "all"
volume = { per_day = 100 }

[[case_types]]
name = "call"
share = 1.0
talk = { dist = "exponential", mean = "5min" }

[staff]
advisors = 5
"""
BASE: dict[str, Any] = tomllib.loads(BASE_TOML)

DELETE = object()
"""Pass as a value to `edited` to remove the key."""

DISTS = "exponential, lognormal, gamma, constant, uniform, triangular or empirical"


def edited(data: dict[str, Any] | None = None, **changes: Any) -> dict[str, Any]:
    """A deep copy of the base scenario with dotted keys set (`"case_types[1].talk"`, 1-based).

    Keyword names cannot hold dots or brackets, so changes are given as `**{"a.b": value}`.
    """
    out = copy.deepcopy(BASE if data is None else data)
    for dotted, value in changes.items():
        parts: list[str | int] = []
        for piece in dotted.split("."):
            name, *indices = piece.replace("]", "").split("[")
            parts.append(name)
            parts.extend(int(i) - 1 for i in indices)
        node: Any = out
        for part in parts[:-1]:
            if isinstance(part, str) and part not in node:
                node[part] = {}
            node = node[part]
        if value is DELETE:
            del node[parts[-1]]
        else:
            node[parts[-1]] = value
    return out


def problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Every (path, message) reported for a scenario table; fails if the table is valid."""
    with pytest.raises(ScenarioError) as caught:
        validate(data)
    issues = caught.value.issues
    assert issues, "a ScenarioError must list at least one problem"
    return [(issue.path, issue.message) for issue in issues]


def problem(data: dict[str, Any]) -> tuple[str, str]:
    """The single (path, message) reported for a scenario table."""
    found = problems(data)
    assert len(found) == 1, found
    return found[0]


# -- the base ----------------------------------------------------------------------------------


def test_base_scenario_is_valid_and_frozen() -> None:
    scenario = validate(BASE)
    assert scenario.name == "base"
    assert scenario.horizon.days == 31
    with pytest.raises(ValueError):
        scenario.name = "other"  # type: ignore[misc]


# -- keys ----------------------------------------------------------------------------------------


def test_unknown_top_level_key_suggests_the_close_name() -> None:
    assert problem(edited(nme="x")) == ("nme", "unknown key; did you mean 'name'? (got 'x')")


def test_unknown_nested_key_suggests_the_close_name() -> None:
    data = edited(**{"calendar.open_dayz": ["mon"]})
    assert problem(data) == ("calendar.open_dayz", "unknown key; did you mean 'open_days'?")


def test_unknown_key_in_a_distribution_suggests_that_distributions_key() -> None:
    data = edited(**{"case_types[1].talk": {"dist": "lognormal", "mean": "5min", "cvv": 0.5}})
    assert problems(data) == [
        ("case_types[1].talk.cv", "missing (required)"),
        ("case_types[1].talk.cvv", "unknown key; did you mean 'cv'? (got 0.5)"),
    ]


def test_unknown_key_without_a_close_name_gets_no_hint() -> None:
    assert problem(edited(**{"staff.colour": "blue"})) == ("staff.colour",
                                                           "unknown key (got 'blue')")


def test_missing_required_section_is_reported() -> None:
    assert problem(edited(staff=DELETE)) == ("staff", "missing (required)")


def test_missing_required_key_in_a_list_item_is_reported_with_its_position() -> None:
    assert problem(edited(**{"case_types[1].talk": DELETE})) == ("case_types[1].talk",
                                                                  "missing (required)")


def test_section_given_as_a_plain_value_asks_for_a_table() -> None:
    assert problem(edited(horizon="2024")) == (
        "horizon", "must be a table: a [section] or {key = value, ...} (got '2024')")


def test_empty_sources_list_asks_for_at_least_one() -> None:
    assert problem(edited(sources=[])) == ("sources", "needs at least one entry (got none)")


def test_wrong_type_is_reported_in_plain_words() -> None:
    assert problem(edited(**{"staff.advisors": "five"})) == (
        "staff.advisors",
        "must be a valid integer, unable to parse string as an integer (got 'five')")


# -- names ---------------------------------------------------------------------------------------


def test_scenario_name_with_capitals_and_spaces_is_refused() -> None:
    assert problem(edited(name="Rac Pilot")) == (
        "name", "use lowercase letters a-z, digits and '-' only (got 'Rac Pilot')")


def test_source_name_follows_the_same_pattern() -> None:
    assert problem(edited(**{"sources[1].name": "Rhône"})) == (
        "sources[1].name", "use lowercase letters a-z, digits and '-' only (got 'Rhône')")


# -- horizon -------------------------------------------------------------------------------------


def test_horizon_ending_before_it_starts_points_at_end() -> None:
    data = edited(**{"horizon.end": date(2023, 12, 31)})
    assert problem(data) == ("horizon.end", "is before start (2024-01-01) (got 2023-12-31)")


def test_warmup_as_long_as_the_horizon_is_refused() -> None:
    assert problem(edited(**{"horizon.warmup_days": 31})) == (
        "horizon.warmup_days", "leaves nothing to measure in a 31-day horizon (got 31)")


def test_warmup_one_day_shorter_than_the_horizon_is_accepted() -> None:
    assert validate(edited(**{"horizon.warmup_days": 30})).horizon.warmup_days == 30


def test_negative_warmup_is_refused() -> None:
    assert problem(edited(**{"horizon.warmup_days": -1})) == (
        "horizon.warmup_days", "must be greater than or equal to 0 (got -1)")


def test_impossible_date_is_refused() -> None:
    path, message = problem(edited(**{"horizon.start": "2024-13-01"}))
    assert path == "horizon.start"
    assert message.startswith("must be a valid date")
    assert message.endswith("(got '2024-13-01')")


# -- calendar ------------------------------------------------------------------------------------


def test_lines_closing_before_they_open_is_refused() -> None:
    assert problem(edited(**{"calendar.open_hours": ["18:00", "09:00"]})) == (
        "calendar.open_hours", "the lines close (09:00) before they open (18:00)")


def test_lines_closing_when_they_open_is_refused() -> None:
    assert problem(edited(**{"calendar.open_hours": ["09:00", "09:00"]})) == (
        "calendar.open_hours", "the lines close (09:00) before they open (09:00)")


def test_midnight_written_24_00_is_accepted_as_closing_time() -> None:
    scenario = validate(edited(**{"calendar.open_hours": ["00:00", "24:00"]}))
    assert scenario.calendar.open_hours == (0, 1440)


def test_unreadable_clock_time_is_refused() -> None:
    assert problem(edited(**{"calendar.open_hours": ["9am", "18:00"]})) == (
        "calendar.open_hours[1]", "cannot read '9am' as a clock time \"HH:MM\"")


def test_clock_time_past_midnight_is_refused() -> None:
    assert problem(edited(**{"calendar.open_hours": ["09:00", "24:30"]})) == (
        "calendar.open_hours[2]", "'24:30' is not a time of day between 00:00 and 24:00")


def test_clock_time_written_as_a_number_asks_for_hh_mm() -> None:
    assert problem(edited(**{"calendar.open_hours": [9, "18:00"]})) == (
        "calendar.open_hours[1]", "write clock times as \"HH:MM\", for example \"09:00\" (got 9)")


def test_open_day_listed_twice_is_refused() -> None:
    assert problem(edited(**{"calendar.open_days": ["mon", "tue", "Monday"]})) == (
        "calendar.open_days", "'mon' is listed twice")


def test_no_open_day_is_refused() -> None:
    assert problem(edited(**{"calendar.open_days": []})) == ("calendar.open_days", "no open day")


def test_weekday_names_in_english_and_french_are_accepted_and_sorted() -> None:
    data = edited(**{"calendar.open_days": ["vendredi", "Monday", "MARDI", " wed ", "jeudi"]})
    assert validate(data).calendar.open_days == ("mon", "tue", "wed", "thu", "fri")


def test_unknown_weekday_is_refused_with_its_position() -> None:
    assert problem(edited(**{"calendar.open_days": ["mon", "funday"]})) == (
        "calendar.open_days[2]",
        "'funday' is not a weekday; use one of mon, tue, wed, thu, fri, sat, sun")


def test_unknown_public_holiday_set_is_refused() -> None:
    path, message = problem(edited(**{"calendar.public_holidays": "be"}))
    assert (path, message) == ("calendar.public_holidays", "must be 'none' or 'fr' (got 'be')")


# -- sources -------------------------------------------------------------------------------------


def test_volume_without_any_key_is_refused() -> None:
    assert problem(edited(**{"sources[1].volume": {}})) == (
        "sources[1].volume", "give exactly one of per_year, per_week, per_day, per_hour, total")


def test_volume_with_two_keys_is_refused_naming_both() -> None:
    data = edited(**{"sources[1].volume": {"per_day": 3, "per_week": 20}})
    assert problem(data) == (
        "sources[1].volume",
        "give exactly one of per_year, per_week, per_day, per_hour, total (got per_week, per_day)")


def test_negative_volume_is_refused() -> None:
    assert problem(edited(**{"sources[1].volume": {"per_day": -3}})) == (
        "sources[1].volume.per_day", "must be greater than 0 (got -3)")


def test_source_starting_after_the_horizon_is_refused() -> None:
    assert problem(edited(**{"sources[1].start": date(2024, 3, 1)})) == (
        "sources[1].start", "is after the horizon ends (2024-01-31) (got 2024-03-01)")


def test_source_ending_before_the_horizon_is_refused() -> None:
    assert problem(edited(**{"sources[1].end": date(2023, 12, 1)})) == (
        "sources[1].end", "is before the horizon starts (2024-01-01) (got 2023-12-01)")


def test_source_ending_before_it_starts_is_refused() -> None:
    data = edited(**{"sources[1].start": date(2024, 1, 20), "sources[1].end": date(2024, 1, 10)})
    assert problem(data) == ("sources[1].end", "is before start (2024-01-20) (got 2024-01-10)")


def test_two_sources_with_the_same_name_are_refused() -> None:
    data = edited(sources=[BASE["sources"][0], {"name": "all", "volume": {"per_week": 3}}])
    assert problem(data) == ("sources", "two sources are named 'all'")


# -- demand --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "message"), [
    ("weekday_weights", "give 7 weekday weights (mon, tue, wed, thu, fri, sat, sun), got 3"),
    ("hour_weights", "give 24 hour weights (00 to 23), got 3"),
    ("month_weights", "give 12 month weights (jan, feb, mar, apr, may, jun, jul, aug, sep, oct, "
                      "nov, dec), got 3"),
])
def test_weights_list_of_the_wrong_length_is_refused(key: str, message: str) -> None:
    assert problem(edited(**{f"demand.{key}": [1, 2, 3]})) == (f"demand.{key}", message)


def test_unknown_weekday_in_weights_is_refused() -> None:
    assert problem(edited(**{"demand.weekday_weights": {"mon": 1, "funday": 2}})) == (
        "demand.weekday_weights", "unknown weekday 'funday'; use mon, tue, wed, thu, fri, sat, sun")


def test_unknown_month_in_weights_is_refused_even_if_it_starts_like_one() -> None:
    assert problem(edited(**{"demand.month_weights": {"junk": 2}})) == (
        "demand.month_weights",
        "unknown month 'junk'; use jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec")


def test_weights_by_name_accept_english_and_french_names() -> None:
    data = edited(**{"demand.weekday_weights": {"Monday": 2, "mardi": 1, "wed": 1},
                     "demand.month_weights": {"janvier": 2, "August": 0.5, "décembre": 3}})
    demand = validate(data).demand
    assert demand.weekday_weights == (2, 1, 1, 0, 0, 0, 0)  # days not named get no demand
    assert demand.month_weights == (2, 1, 1, 1, 1, 1, 1, 0.5, 1, 1, 1, 3)  # months keep 1


def test_same_weekday_given_twice_in_weights_is_refused() -> None:
    assert problem(edited(**{"demand.weekday_weights": {"mon": 1, "lundi": 2}})) == (
        "demand.weekday_weights", "weekday 'mon' is given twice")


def test_all_zero_weights_are_refused() -> None:
    assert problem(edited(**{"demand.weekday_weights": [0] * 7})) == (
        "demand.weekday_weights", "at least one weight must be positive")


def test_negative_weight_is_refused_with_its_position() -> None:
    assert problem(edited(**{"demand.weekday_weights": [1, 1, 1, 1, 1, -1, 0]})) == (
        "demand.weekday_weights[6]", "must be greater than or equal to 0 (got -1)")


def test_hour_outside_the_day_is_refused_in_hour_weights() -> None:
    assert problem(edited(**{"demand.hour_weights": {"09": 1, "25": 1}})) == (
        "demand.hour_weights", "hour '25' is not an hour of the day \"00\"..\"23\"")


def test_hour_weights_by_clock_time_fill_the_other_hours_with_zero() -> None:
    weights = validate(edited(**{"demand.hour_weights": {"09:00": 2, "14h": 1}})).demand
    assert weights.hour_weights == tuple(2 if h == 9 else 1 if h == 14 else 0 for h in range(24))


# -- labels and case types -----------------------------------------------------------------------


def test_label_shares_not_summing_to_one_are_refused() -> None:
    data = edited(labels={"topic": {"working-life": 0.56, "leaving-company": 0.25, "other": 0.18}})
    assert problem(data) == ("labels.topic", "'topic' shares sum to 0.99, they must sum to 1")


def test_label_shares_within_rounding_are_accepted_and_normalised() -> None:
    data = edited(labels={"topic": {"working-life": 0.5605, "leaving-company": 0.25,
                                    "other": 0.19}})
    shares = validate(data).labels["topic"]
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert shares["working-life"] == pytest.approx(0.5605 / 1.0005, abs=1e-12)


def test_label_without_shares_is_refused() -> None:
    assert problem(edited(labels={"topic": {}})) == ("labels.topic", "no 'topic' shares given")


def test_label_name_with_capitals_is_refused() -> None:
    assert problem(edited(labels={"Topic": {"a": 1.0}})) == (
        "labels.Topic", "a label name uses a-z, 0-9, - and _")


def test_case_type_shares_not_summing_to_one_are_refused() -> None:
    data = edited(**{"case_types[1].share": 0.6})
    data["case_types"].append({"name": "other", "share": 0.3, "talk": "5min"})
    assert problem(data) == ("case_types", "case type shares sum to 0.9, they must sum to 1")


def test_case_type_shares_within_rounding_are_normalised() -> None:
    data = edited(**{"case_types[1].share": 0.6004})
    data["case_types"].append({"name": "other", "share": 0.4, "talk": "5min"})
    shares = [case.share for case in validate(data).case_types]
    assert shares == pytest.approx([0.6004 / 1.0004, 0.4 / 1.0004], abs=1e-12)


def test_two_case_types_with_the_same_name_are_refused() -> None:
    data = edited(**{"case_types[1].share": 0.5})
    data["case_types"].append({"name": "call", "share": 0.5, "talk": "5min"})
    assert problem(data) == ("case_types", "two case types are named 'call'")


@pytest.mark.parametrize(("resolution", "section"), [
    ("expert", "[escalation.experts]"),
    ("regional", "[escalation.regional]"),
    ("file", "[files]"),
])
def test_resolution_without_the_section_it_needs_is_refused(resolution: str,
                                                            section: str) -> None:
    assert problem(edited(**{"case_types[1].resolution": resolution})) == (
        "case_types[1].resolution", f"{resolution!r} needs the {section} section")


def test_resolution_is_refused_at_the_position_of_its_case_type() -> None:
    data = edited(**{"case_types[1].share": 0.5})
    data["case_types"].append({"name": "aid", "share": 0.5, "talk": "5min",
                               "resolution": "file"})
    assert problem(data) == ("case_types[2].resolution", "'file' needs the [files] section")


@pytest.mark.parametrize(("resolution", "sections"), [
    ("callback", {}),
    ("expert", {"escalation": {"experts": {"response": "4h"}}}),
    ("regional", {"escalation": {"regional": {"response": "2d"}}}),
    ("file", {"files": {"process": "30min"}}),
])
def test_every_resolution_is_accepted_with_the_section_it_needs(
        resolution: str, sections: dict[str, Any]) -> None:
    scenario = validate(edited(**{"case_types[1].resolution": resolution}, **sections))
    assert scenario.case_types[0].resolution.value == resolution


def test_unknown_resolution_lists_the_known_ones() -> None:
    assert problem(edited(**{"case_types[1].resolution": "magic"})) == (
        "case_types[1].resolution",
        "must be 'first-contact', 'callback', 'expert', 'regional' or 'file' (got 'magic')")


# -- channel and later sections ------------------------------------------------------------------


def test_callback_channel_mode_is_accepted() -> None:
    assert validate(edited(**{"channel.mode": "callback"})).channel.mode == "callback"


def test_unknown_channel_mode_lists_the_known_ones() -> None:
    assert problem(edited(**{"channel.mode": "chat"})) == (
        "channel.mode", "must be 'inbound' or 'callback' (got 'chat')")


@pytest.mark.parametrize("section", ["callbacks", "escalation", "backlog", "ai"])
def test_journey_section_refuses_an_unknown_key(section: str) -> None:
    assert problem(edited(**{section: {"anything": 1}})) == (
        f"{section}.anything", "unknown key (got 1)")


def test_retry_probability_above_one_is_refused() -> None:
    assert problem(edited(**{"channel.retry": {"probability": 1.5}})) == (
        "channel.retry.probability", "must be less than or equal to 1 (got 1.5)")


def test_zero_max_attempts_is_refused() -> None:
    assert problem(edited(**{"channel.retry": {"max_attempts": 0}})) == (
        "channel.retry.max_attempts", "must be greater than or equal to 1 (got 0)")


def test_service_level_threshold_without_unit_is_refused() -> None:
    assert problem(edited(**{"channel.service_level_threshold": 20})) == (
        "channel.service_level_threshold",
        "a duration needs a unit, for example \"20min\" or \"20s\" (got 20)")


# -- member journeys: callbacks, escalation, files, backlog ------------------------------------

WEEK = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
FILES = {"process": "30min"}


def test_files_arriving_directly_without_a_file_case_type_must_name_one() -> None:
    data = edited(files={**FILES, "volume": {"per_day": 3}})
    assert problem(data) == ("files.case_type", "name the case type of files arriving directly "
                                                "(no case type has resolution \"file\")")


def test_files_arriving_directly_take_the_file_case_type_when_there_is_one() -> None:
    data = edited(**{"case_types[1].resolution": "file"}, files={**FILES, "volume": {"per_day": 3}})
    assert validate(data).files.volume.per_day == 3  # type: ignore[union-attr]


def test_files_case_type_naming_no_case_type_is_refused() -> None:
    assert problem(edited(files={**FILES, "case_type": "dis"})) == (
        "files.case_type", "no case type is named 'dis'")


def test_source_named_files_is_refused_when_files_arrive_directly() -> None:
    data = edited(**{"sources[1].name": "files"},
                  files={**FILES, "volume": {"per_day": 3}, "case_type": "call"})
    assert problem(data) == ("sources", "the source name 'files' is kept for files arriving "
                                        "directly")


def test_source_named_files_is_accepted_when_no_file_arrives_directly() -> None:
    data = edited(**{"sources[1].name": "files"}, files=FILES)
    assert validate(data).sources[0].name == "files"


def test_backlog_item_naming_no_case_type_is_refused() -> None:
    data = edited(backlog={"items": [{"case_type": "call", "count": 2},
                                     {"case_type": "eco", "count": 3}]})
    assert problem(data) == ("backlog.items[2].case_type", "no case type is named 'eco'")


def test_backlog_item_naming_no_source_is_refused() -> None:
    data = edited(backlog={"items": [{"case_type": "call", "count": 2, "source": "auvergne"}]})
    assert problem(data) == ("backlog.items[1].source", "no source is named 'auvergne'")


def test_backlog_item_at_an_unknown_step_lists_the_steps() -> None:
    data = edited(backlog={"items": [{"case_type": "call", "count": 2, "step": "limbo"}]})
    assert problem(data) == (
        "backlog.items[1].step",
        "must be 'callback', 'research', 'expert', 'regional' or 'file' (got 'limbo')")


def test_negative_backlog_count_is_refused() -> None:
    data = edited(backlog={"items": [{"case_type": "call", "count": -2}]})
    assert problem(data) == ("backlog.items[1].count",
                             "must be greater than or equal to 0 (got -2)")


@pytest.mark.parametrize(("step", "section"), [
    ("expert", "[escalation.experts]"),
    ("regional", "[escalation.regional]"),
    ("file", "[files]"),
])
def test_backlog_item_at_a_step_whose_section_is_missing_is_refused(step: str,
                                                                    section: str) -> None:
    # the engine cannot run it: an expert step needs experts, a file step needs [files]
    data = edited(backlog={"items": [{"case_type": "call", "count": 2, "step": step}]})
    assert problem(data) == ("backlog.items[1].step", f"{step!r} needs the {section} section")


def test_backlog_item_from_the_files_source_needs_files_arriving_directly() -> None:
    # "files" names a source only when [files] volume is set; without it the engine has no
    # such source to put the item in
    data = edited(files=FILES, backlog={"items": [{"case_type": "call", "count": 2,
                                                   "source": "files"}]})
    assert problem(data) == ("backlog.items[1].source", "no source is named 'files'")


def test_more_advisors_reserved_for_callbacks_than_employed_is_refused() -> None:
    assert problem(edited(callbacks={"reserved_advisors": 6})) == (
        "callbacks.reserved_advisors", "more than the 5 advisors employed (got 6)")


def test_advisors_reserved_for_callbacks_are_counted_over_all_shifts() -> None:
    staff = {"shifts": [SHIFT, {**SHIFT, "name": "late", "start": "12:00", "end": "18:00"}]}
    assert validate(edited(staff=staff, callbacks={"reserved_advisors": 4})).staff.headcount == 4
    assert problem(edited(staff=staff, callbacks={"reserved_advisors": 5})) == (
        "callbacks.reserved_advisors", "more than the 4 advisors employed (got 5)")


def test_days_per_week_with_shifts_is_refused() -> None:
    assert problem(edited(staff={"shifts": [SHIFT], "days_per_week": 3})) == (
        "staff.days_per_week", "applies to advisors = <number>; shifts name their own days "
                               "(got 3)")


def test_days_per_week_above_the_open_days_is_refused() -> None:
    assert problem(edited(**{"staff.days_per_week": 6})) == (
        "staff.days_per_week", "more than the 5 open days a week (got 6)")


def test_days_per_week_up_to_the_open_days_is_accepted() -> None:
    data = edited(**{"staff.days_per_week": 7, "calendar.open_days": WEEK})
    assert validate(data).staff.days_per_week == 7


def test_zero_callback_deadline_is_refused() -> None:
    assert problem(edited(callbacks={"deadline": "0s"})) == (
        "callbacks.deadline", "must be longer than 0 (got '0s')")


def test_zero_case_type_deadline_is_refused() -> None:
    assert problem(edited(**{"case_types[1].deadline": "0s"})) == (
        "case_types[1].deadline", "must be longer than 0 (got '0s')")


def test_unknown_callback_order_is_refused() -> None:
    assert problem(edited(callbacks={"order": "lifo"})) == (
        "callbacks.order", "must be 'earliest-deadline' or 'fifo' (got 'lifo')")


def test_unknown_callback_clock_is_refused() -> None:
    assert problem(edited(callbacks={"clock": "wall"})) == (
        "callbacks.clock", "must be 'calendar', 'business' or 'open-days' (got 'wall')")


def test_zero_callback_attempts_is_refused() -> None:
    assert problem(edited(callbacks={"max_attempts": 0})) == (
        "callbacks.max_attempts", "must be greater than or equal to 1 (got 0)")


def test_reach_probability_above_one_is_refused() -> None:
    assert problem(edited(callbacks={"reach_probability": 1.2})) == (
        "callbacks.reach_probability", "must be less than or equal to 1 (got 1.2)")


def test_expert_capacity_of_zero_is_refused() -> None:
    assert problem(edited(escalation={"experts": {"capacity": 0, "response": "4h"}})) == (
        "escalation.experts.capacity", "must be greater than or equal to 1 (got 0)")


def test_experts_without_a_response_time_are_refused() -> None:
    assert problem(edited(escalation={"experts": {"capacity": 2}})) == (
        "escalation.experts.response", "missing (required)")


def test_files_without_a_process_time_are_refused() -> None:
    assert problem(edited(files={"from_calls": 0.1})) == ("files.process", "missing (required)")


def test_journey_cross_checks_list_all_their_problems_together() -> None:
    data = edited(**{"case_types[1].resolution": "expert", "staff.days_per_week": 6},
                  files={**FILES, "case_type": "dis"},
                  backlog={"items": [{"case_type": "eco", "count": 1}]},
                  callbacks={"reserved_advisors": 9})
    assert [path for path, _ in problems(data)] == [
        "case_types[1].resolution", "files.case_type", "backlog.items[1].case_type",
        "callbacks.reserved_advisors", "staff.days_per_week"]


# -- distributions and durations -----------------------------------------------------------------

TALK = "case_types[1].talk"


def bad_talk(spec: Any) -> tuple[str, str]:
    return problem(edited(**{TALK: spec}))


def test_unknown_distribution_is_refused_at_its_dist_key() -> None:
    assert bad_talk({"dist": "weibull", "mean": "5min"}) == (
        f"{TALK}.dist", f"unknown distribution; use {DISTS} (got 'weibull')")


def test_distribution_without_dist_key_asks_which_one() -> None:
    assert bad_talk({"mean": "5min"}) == (f"{TALK}.dist",
                                          f"missing: say which distribution ({DISTS})")


def test_lognormal_with_zero_cv_is_refused() -> None:
    assert bad_talk({"dist": "lognormal", "mean": "5min", "cv": 0}) == (
        f"{TALK}.cv", "must be greater than 0 (got 0)")


def test_gamma_with_negative_cv_is_refused() -> None:
    assert bad_talk({"dist": "gamma", "mean": "5min", "cv": -0.5}) == (
        f"{TALK}.cv", "must be greater than 0 (got -0.5)")


def test_lognormal_without_cv_is_refused() -> None:
    assert bad_talk({"dist": "lognormal", "mean": "5min"}) == (f"{TALK}.cv", "missing (required)")


def test_exponential_with_zero_mean_is_refused() -> None:
    assert bad_talk({"dist": "exponential", "mean": "0s"}) == (
        f"{TALK}.mean", "must be greater than 0 (got '0s')")


def test_triangular_with_min_above_mode_is_refused() -> None:
    assert bad_talk({"dist": "triangular", "min": "5min", "mode": "2min", "max": "9min"}) == (
        f"{TALK}.mode", "must lie between min and max (got '2min')")


def test_triangular_with_max_below_min_is_refused() -> None:
    assert bad_talk({"dist": "triangular", "min": "5min", "mode": "5min", "max": "2min"}) == (
        f"{TALK}.max", "must not be below min (got '2min')")


def test_triangular_with_no_spread_asks_for_a_constant() -> None:
    assert bad_talk({"dist": "triangular", "min": "5min", "mode": "5min", "max": "5min"}) == (
        f"{TALK}.max", "equals min: use {dist = \"constant\", value = ...} (got '5min')")


def test_uniform_with_max_below_min_is_refused() -> None:
    assert bad_talk({"dist": "uniform", "min": "5min", "max": "2min"}) == (
        f"{TALK}.max", "must not be below min (got '2min')")


def test_empirical_without_values_is_refused() -> None:
    assert bad_talk({"dist": "empirical", "values": []}) == (
        f"{TALK}.values", "needs at least one entry (got none)")


def test_empirical_value_without_unit_is_refused_with_its_position() -> None:
    assert bad_talk({"dist": "empirical", "values": ["1min", 3]}) == (
        f"{TALK}.values[2]", "a duration needs a unit, for example \"3min\" or \"3s\" (got 3)")


def test_bare_number_as_a_duration_needs_a_unit() -> None:
    assert bad_talk({"dist": "exponential", "mean": 5}) == (
        f"{TALK}.mean", "a duration needs a unit, for example \"5min\" or \"5s\" (got 5)")


def test_bare_number_in_place_of_a_distribution_needs_a_unit() -> None:
    assert bad_talk(5) == (TALK, "a duration needs a unit, for example \"5min\" or \"5s\" (got 5)")


def test_number_written_as_text_needs_a_unit() -> None:
    assert bad_talk({"dist": "exponential", "mean": "5"}) == (
        f"{TALK}.mean", "a duration needs a unit, for example \"5min\" or \"5s\" (got '5')")


def test_unknown_unit_is_refused() -> None:
    assert bad_talk({"dist": "exponential", "mean": "5 parsecs"}) == (
        f"{TALK}.mean", "unknown unit 'parsecs' in '5 parsecs'")


def test_m_as_a_unit_hints_min() -> None:
    assert bad_talk("5m") == (TALK, "unknown unit 'm' in '5m' (write \"min\" for minutes)")


def test_negative_duration_is_refused() -> None:
    assert bad_talk({"dist": "constant", "value": "-5min"}) == (
        f"{TALK}.value", "a duration cannot be negative (got '-5min')")


def test_duration_string_is_a_constant_distribution() -> None:
    talk = validate(edited(**{TALK: "1h30min"})).case_types[0].talk
    assert talk == Constant(dist="constant", value=timedelta(minutes=90))


# -- staff ---------------------------------------------------------------------------------------

SHIFT = {"name": "day", "advisors": 2, "start": "09:00", "end": "17:00"}


def test_staff_with_both_advisors_and_shifts_is_refused() -> None:
    assert problem(edited(**{"staff.shifts": [SHIFT]})) == (
        "staff", "give advisors, [[staff.shifts]] or [[staff.groups]], only one of them")


def test_staff_with_neither_advisors_nor_shifts_is_refused() -> None:
    assert problem(edited(staff={})) == (
        "staff", "give advisors = <number>, [[staff.shifts]] or [[staff.groups]]")


def test_shift_ending_before_it_starts_is_refused() -> None:
    data = edited(staff={"shifts": [{**SHIFT, "start": "17:00", "end": "09:00"}]})
    assert problem(data) == ("staff.shifts[1].end", "is not after start (17:00) (got '09:00')")


def test_two_shifts_with_the_same_name_are_refused() -> None:
    data = edited(staff={"shifts": [SHIFT, {**SHIFT, "start": "12:00", "end": "18:00"}]})
    assert problem(data) == ("staff.shifts", "two shifts are named 'day'")


def test_meeting_running_past_closing_time_is_refused() -> None:
    meeting = {"name": "team", "per_year": 4, "duration": "2h", "at": "17:00"}
    assert problem(edited(**{"staff.meetings": [meeting]})) == (
        "staff.meetings[1]",
        "the meeting (17:00-19:00) does not fit inside the open hours (09:00-18:00)")


def test_meeting_before_opening_is_refused() -> None:
    meeting = {"name": "team", "per_year": 4, "duration": "2h", "at": "08:00"}
    assert problem(edited(**{"staff.meetings": [meeting]})) == (
        "staff.meetings[1]",
        "the meeting (08:00-10:00) does not fit inside the open hours (09:00-18:00)")


def test_meeting_without_a_time_starts_at_opening_and_fits() -> None:
    meeting = {"name": "all-hands", "per_year": 2, "duration": "3h", "teams": 1}
    assert validate(edited(**{"staff.meetings": [meeting]})).staff.meetings[0].at is None


def test_meeting_lasting_zero_is_refused() -> None:
    meeting = {"name": "team", "per_year": 4, "duration": "0min"}
    assert problem(edited(**{"staff.meetings": [meeting]})) == (
        "staff.meetings[1].duration", "a meeting must last more than 0 (got '0min')")


def test_shrinkage_of_one_is_refused() -> None:
    assert problem(edited(**{"staff.shrinkage": 1.0})) == (
        "staff.shrinkage", "must be less than 1 (got 1.0)")


def test_kind_of_work_listed_twice_in_priorities_is_refused() -> None:
    assert problem(edited(**{"staff.priorities": ["calls", "callbacks", "calls"]})) == (
        "staff.priorities", "'calls' is listed twice")


def test_unknown_kind_of_work_in_priorities_is_refused() -> None:
    assert problem(edited(**{"staff.priorities": ["calls", "lunch"]})) == (
        "staff.priorities[2]",
        "must be 'calls', 'callbacks', 'files', 'research' or 'remediation' (got 'lunch')")


# -- targets and run -----------------------------------------------------------------------------


def test_unknown_kpi_in_targets_suggests_the_close_name() -> None:
    assert problem(edited(targets={"service_levl": 0.8})) == (
        "targets.service_levl", "unknown KPI; did you mean 'service_level'? (got 0.8)")


def test_target_on_a_neutral_kpi_must_say_which_way() -> None:
    assert problem(edited(targets={"contacts": 100})) == (
        "targets.contacts", "say which way: \">=100\" or \"<=100\" (got 100)")


@pytest.mark.parametrize(("text", "op", "value"), [
    (">=95%", ">=", 0.95),
    ("<= 0.05", "<=", 0.05),
    ("=>0.9", ">=", 0.9),
    (" =< 5 % ", "<=", 0.05),
    (">=.8", ">=", 0.8),
])
def test_target_strings_planners_write_are_accepted(text: str, op: str, value: float) -> None:
    target = validate(edited(targets={"service_level": text})).targets["service_level"]
    assert (target.op, target.value) == (op, pytest.approx(value))


def test_bare_target_number_takes_the_kpis_better_direction() -> None:
    targets = validate(edited(targets={"service_level": 0.8, "abandon_rate": 0.05})).targets
    assert (str(targets["service_level"]), str(targets["abandon_rate"])) == (">=0.8", "<=0.05")


def test_unreadable_target_string_is_refused() -> None:
    assert problem(edited(targets={"service_level": "about 0.9"})) == (
        "targets.service_level", "cannot read target 'about 0.9'; write e.g. \">=0.95\" or "
                                 "\"<=0.05\"")


def test_target_with_two_decimal_points_is_refused() -> None:
    assert problem(edited(targets={"service_level": ">=0.9.5"})) == (
        "targets.service_level", "cannot read target '>=0.9.5'; write e.g. \">=0.95\" or "
                                 "\"<=0.05\"")


def test_share_target_above_one_suggests_a_percent_sign() -> None:
    assert problem(edited(targets={"service_level": ">=95"})) == (
        "targets.service_level",
        "a share is between 0 and 1; write e.g. \">=0.95\" or \">=95%\" (got '>=95')")


def test_boolean_target_is_refused() -> None:
    assert problem(edited(targets={"service_level": True})) == (
        "targets.service_level", "a target is a number or a string such as \">=0.95\" (got true)")


def test_target_table_without_op_and_value_is_refused() -> None:
    assert problem(edited(targets={"cost_total": {"": 1}})) == (
        "targets.cost_total", "a target is a number, a string such as \">=0.95\" or "
                              "{op = \">=\", value = 0.95}")


def test_infinite_target_is_refused_at_its_kpi() -> None:
    assert problem(edited(targets={"cost_total": "<=1e999"})) == (
        "targets.cost_total", "target '<=1e999' is not a finite number")


def test_zero_replications_is_refused() -> None:
    assert problem(edited(run={"replications": 0})) == (
        "run.replications", "must be greater than or equal to 1 (got 0)")


# -- numbers are written as numbers (no silent conversion) --------------------------------------


def test_true_for_a_count_is_refused_not_run_as_one_advisor() -> None:
    assert problem(edited(**{"staff.advisors": True})) == (
        "staff.advisors", "must be a whole number, not true or false (got true)")


def test_quoted_number_for_a_count_is_refused_not_read_as_the_number() -> None:
    assert problem(edited(**{"staff.advisors": "15"})) == (
        "staff.advisors", "must be a whole number written without quotes (got '15')")


def test_quoted_number_for_a_share_is_refused() -> None:
    assert problem(edited(**{"case_types[1].share": "1.0"})) == (
        "case_types[1].share", "must be a number written without quotes (got '1.0')")


def test_false_for_a_probability_is_refused() -> None:
    assert problem(edited(**{"channel.retry.probability": False})) == (
        "channel.retry.probability", "must be a number, not true or false (got false)")


def test_count_written_with_a_decimal_point_is_refused() -> None:
    assert problem(edited(**{"staff.advisors": 5.0})) == (
        "staff.advisors", "must be a whole number, written without a decimal point (got 5.0)")


def test_count_with_a_fraction_is_refused() -> None:
    assert problem(edited(**{"staff.advisors": 5.5})) == (
        "staff.advisors", "must be a valid integer, got a number with a fractional part "
                          "(got 5.5)")


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan")])
def test_infinite_or_undefined_volume_is_refused(value: float) -> None:
    path, message = problem(edited(**{"sources[1].volume": {"per_day": value}}))
    assert (path, message.split(" (got")[0]) == ("sources[1].volume.per_day",
                                                "must be a finite number")


@pytest.mark.parametrize("key", ["sources[1].volume_cv", "demand.day_cv"])
def test_a_vanishing_cv_is_refused_not_overflowed(key: str) -> None:
    assert problem(edited(**{key: 5e-324})) == (
        key, "a cv below 0.001 is no variation; write 0 (or use a constant) (got 5e-324)")


def test_a_vanishing_distribution_cv_is_refused() -> None:
    talk = {"dist": "gamma", "mean": "5min", "cv": 1e-300}
    assert problem(edited(**{"case_types[1].talk": talk})) == (
        "case_types[1].talk.cv", "a cv below 0.001 is no variation; write 0 (or use a "
                                 "constant) (got 1e-300)")


def test_whole_number_for_a_share_is_a_number() -> None:
    assert validate(edited(**{"case_types[1].share": 1})).case_types[0].share == 1.0


def test_quoted_number_in_a_weight_list_is_refused_with_its_position() -> None:
    weights = [1, 1, "1", 1, 1, 0, 0]
    assert problem(edited(**{"demand.weekday_weights": weights})) == (
        "demand.weekday_weights[3]", "must be a number written without quotes (got '1')")


def test_huge_integer_is_shown_by_its_length() -> None:
    assert problem(edited(**{"staff.advisors": 10**40})) == (
        "staff.advisors", "must be less than or equal to 10000 (got a number of about 41 digits)")


def test_horizon_beyond_the_years_a_calendar_reaches_is_refused() -> None:
    data = edited(**{"horizon.start": date(9999, 12, 1), "horizon.end": date(9999, 12, 31)})
    assert problems(data) == [
        ("horizon.start", "must lie between 1900-01-01 and 2199-12-31 (got 9999-12-01)"),
        ("horizon.end", "must lie between 1900-01-01 and 2199-12-31 (got 9999-12-31)")]


def test_backlog_item_open_for_centuries_is_refused() -> None:
    data = edited(backlog={"items": [{"case_type": "call", "count": 1, "age": "738000d"}]})
    assert problem(data) == (
        "backlog.items[1].age", "'738000d' is longer than ten years (3650d), more than any "
                                "delay of a helpline")


def test_duration_of_a_million_weeks_is_refused() -> None:
    data = edited(**{"case_types[1].talk": {"dist": "exponential", "mean": "1000000w"}})
    assert problem(data) == (
        "case_types[1].talk.mean", "'1000000w' is longer than ten years (3650d), more than "
                                   "any delay of a helpline")


# -- many problems at once -----------------------------------------------------------------------


def test_every_problem_in_a_file_is_listed_at_once() -> None:
    data = edited(**{
        "name": "Bad Name",
        "horizon.warmup_days": 40,
        "calendar.open_hours": ["18:00", "09:00"],
        "sources[1].volume": {"per_day": -1},
        "demand.weekday_weights": [1, 2],
        "case_types[1].talk": {"dist": "lognormal", "mean": "5m", "cv": 0.5},
        "case_types[1].resolution": "magic",
        "channel.retry": {"probability": 2},
        "staff.shrinkage": 1.5,
        "run.replications": 0,
        "targets": {"nonsense": 1},
        "callbacks.order": "lifo",
        "escalation.experts": {"capacity": 0, "response": "1h"},
        "files": {"from_calls": 2},
        "backlog.items": [{"case_type": "call", "count": -1}],
        "ai": {"deflect_share": 1.5},
    })
    paths = [path for path, _ in problems(data)]
    assert paths == [
        "name", "horizon.warmup_days", "calendar.open_hours", "sources[1].volume.per_day",
        "demand.weekday_weights", "case_types[1].talk.mean", "case_types[1].resolution",
        "channel.retry.probability", "staff.shrinkage", "targets.nonsense", "run.replications",
        "callbacks.order", "escalation.experts.capacity", "files.from_calls", "files.process",
        "backlog.items[1].count", "ai.deflect_share",
    ]


def test_cross_checks_list_all_their_problems_together() -> None:
    meeting = {"name": "team", "per_year": 4, "duration": "2h", "at": "17:00"}
    late = {"name": "late", "volume": {"per_day": 1}, "start": date(2025, 1, 1)}
    early = {"name": "early", "volume": {"per_day": 1}, "end": date(2023, 1, 1)}
    data = edited(sources=[late, early], **{"staff.meetings": [meeting]})
    assert [path for path, _ in problems(data)] == [
        "sources[1].start", "sources[2].end", "staff.meetings[1]"]


# -- files ---------------------------------------------------------------------------------------


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_toml_syntax_error_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "bad.toml", 'name = "x"\n[horizon\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    [issue] = caught.value.issues
    assert (issue.file, issue.path) == (str(path), "")
    assert issue.message.startswith("not valid TOML: ")
    assert "line 2" in issue.message


def test_missing_file_is_reported(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nope.toml")
    assert [(i.path, i.message) for i in caught.value.issues] == [("", "file not found")]


def test_problems_name_the_file_they_come_from(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BASE_TOML.replace("advisors = 5", "advisors = -5"))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [str(i) for i in caught.value.issues] == [
        f"{path}: staff.advisors: must be greater than or equal to 0 (got -5)"]


def test_extends_merges_tables_and_replaces_arrays(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", BASE_TOML + '\n[calendar]\nopen_days = ["mon", "tue"]\n'
                                             'public_holidays = "fr"\n')
    child = write(tmp_path, "child.toml", """\
extends = "base.toml"
name = "child"

[horizon]
end = 2024-02-29

[calendar]
open_hours = ["08:00", "20:00"]

[[case_types]]
name = "short"
share = 1.0
talk = "3min"
""")
    scenario = load_scenario(child)
    assert scenario.name == "child"
    assert (scenario.horizon.start, scenario.horizon.end) == (date(2024, 1, 1), date(2024, 2, 29))
    assert scenario.calendar.open_days == ("mon", "tue")  # kept from the parent table
    assert scenario.calendar.public_holidays == "fr"
    assert scenario.calendar.open_hours == (8 * 60, 20 * 60)  # overridden by the child
    assert [case.name for case in scenario.case_types] == ["short"]  # the array is replaced
    assert scenario.sources[0].name == "all"


def test_extends_chain_resolves_relative_to_each_file(tmp_path: Path) -> None:
    (tmp_path / "common").mkdir()
    write(tmp_path / "common", "base.toml", BASE_TOML)
    write(tmp_path / "common", "mid.toml", 'extends = "base.toml"\n[staff]\nadvisors = 9\n')
    top = write(tmp_path, "top.toml", 'extends = "common/mid.toml"\nname = "top"\n')
    scenario = load_scenario(top)
    assert (scenario.name, scenario.staff.advisors) == ("top", 9)


def test_deep_merge_merges_tables_and_replaces_everything_else() -> None:
    base = {"a": {"x": 1, "y": {"p": 1}}, "list": [1, 2], "s": "base"}
    override = {"a": {"y": {"q": 2}}, "list": [3], "s": {"now": "table"}}
    assert deep_merge(base, override) == {
        "a": {"x": 1, "y": {"p": 1, "q": 2}}, "list": [3], "s": {"now": "table"}}
    assert base == {"a": {"x": 1, "y": {"p": 1}}, "list": [1, 2], "s": "base"}  # untouched


def test_extends_loop_is_reported(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "b.toml"\nname = "a"\n')
    write(tmp_path, "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("extends", "files extend each other in a loop: a.toml -> b.toml -> a.toml")]


def test_file_extending_itself_is_a_loop(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "a.toml"\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("extends", "files extend each other in a loop: a.toml -> a.toml")]


def test_extends_must_be_a_path(tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", "extends = 3\n" + BASE_TOML)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a)
    assert [(i.path, i.message) for i in caught.value.issues] == [
        ("extends", "give the parent file's path as a string")]


def test_extending_a_missing_file_names_the_file_and_the_file_that_asks_for_it(
        tmp_path: Path) -> None:
    a = write(tmp_path, "a.toml", 'extends = "gone.toml"\n' + BASE_TOML)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(a)
    assert [(i.file, i.path, i.message) for i in caught.value.issues] == [
        (str(a), "extends", f"no file 'gone.toml' (looked for {tmp_path / 'gone.toml'})")]


def test_a_mistake_in_a_parent_file_is_said_in_that_file(tmp_path: Path) -> None:
    parent = write(tmp_path, "parent.toml", BASE_TOML.replace("advisors = 5",
                                                              "advisors = 5\nshrinkage = 1.5"))
    child = write(tmp_path, "child.toml", 'extends = "parent.toml"\nname = "child"\n'
                                          '[horizon]\nend = 2023-12-01\n')
    with pytest.raises(ScenarioError) as caught:
        load_scenario(child)
    assert sorted(str(i) for i in caught.value.issues) == sorted([
        f"{child}: horizon.end: is before start (2024-01-01) (got 2023-12-01)",
        f"{parent}: staff.shrinkage: must be less than 1 (got 1.5) (inherited by child.toml)"])


def test_case_type_shares_are_checked_even_when_a_case_type_has_another_mistake() -> None:
    data = edited(**{"case_types[1].share": 0.6})
    data["case_types"].append({"name": "other", "share": 0.3, "talk": "5"})
    assert problems(data) == [
        ("case_types[2].talk", 'a duration needs a unit, for example "5min" or "5s" (got \'5\')'),
        ("case_types", "case type shares sum to 0.9, they must sum to 1")]


# -- round trip ----------------------------------------------------------------------------------


def round_trip(scenario: Scenario) -> Scenario:
    return validate(tomllib.loads(to_toml(scenario)))


def test_base_scenario_round_trips_through_toml() -> None:
    scenario = validate(BASE)
    assert round_trip(scenario) == scenario


def test_rich_scenario_round_trips_through_toml() -> None:
    data = edited(**{
        "title": "Réponses à la carte — pilot",
        "horizon.warmup_days": 3,
        "calendar": {"open_days": ["lundi", "mardi"], "open_hours": ["08:30", "24:00"],
                     "holidays": [date(2024, 1, 15)], "public_holidays": "fr"},
        "sources[1]": {"name": "rhone-alpes", "volume": {"per_year": 1200},
                       "start": date(2024, 1, 3), "ramp_up": "1h30min", "volume_cv": 0.1},
        "demand": {"weekday_weights": {"mon": 2, "tue": 1}, "hour_weights": [1] * 24,
                   "month_weights": list(range(1, 13)), "day_cv": 0.2},
        "labels": {"topic": {"working-life": 0.56, "leaving-company": 0.25, "other": 0.19}},
        "case_types[1].talk": {"dist": "triangular", "min": "45s", "mode": "0.1h", "max": "1h"},
        "case_types[1].wrap_up": {"dist": "empirical", "values": ["30s", "1.5s", "2min"]},
        "channel": {"patience": {"dist": "gamma", "mean": "3min", "cv": 0.7},
                    "retry": {"probability": 0.3, "delay": {"dist": "uniform", "min": "5min",
                                                            "max": "2h"}, "max_attempts": 3},
                    "service_level_threshold": "60s"},
        "staff": {"shifts": [SHIFT, {**SHIFT, "name": "late", "start": "12:00", "end": "24:00",
                                      "days": ["mon"]}],
                  "shrinkage": 0.15, "cost_per_hour": 32.5,
                  "meetings": [{"name": "team", "per_year": 4, "duration": "2h", "teams": 3,
                                "at": "14:00"}]},
        "targets": {"service_level": ">=80%", "abandon_rate": 0.0512345678},
        "run": {"replications": 7, "seed": 2**40},
    })
    scenario = validate(data)
    assert round_trip(scenario) == scenario


durations = st.one_of(
    st.integers(min_value=1, max_value=10 * 86400).map(lambda s: f"{s}s"),
    st.integers(min_value=1, max_value=10**9).map(lambda us: timedelta(microseconds=us)),
)
share_weights = st.lists(st.integers(min_value=1, max_value=99), min_size=1, max_size=5)


@st.composite
def distributions(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["exponential", "lognormal", "constant", "empirical", "short"]))
    mean = draw(durations)
    if kind == "exponential":
        return {"dist": "exponential", "mean": mean}
    if kind == "lognormal":
        cv = draw(st.floats(min_value=0.01, max_value=3, allow_nan=False))
        return {"dist": "lognormal", "mean": mean, "cv": cv}
    if kind == "empirical":
        return {"dist": "empirical", "values": draw(st.lists(durations, min_size=1, max_size=4))}
    return {"dist": "constant", "value": mean} if kind == "constant" else "12min"


@st.composite
def variants(draw: st.DrawFn) -> dict[str, Any]:
    weights = draw(share_weights)
    cases = [{"name": f"case-{i}", "share": round(w / sum(weights), 2) if i else 0.0,
              "talk": draw(distributions())} for i, w in enumerate(weights)]
    cases[0]["share"] = 1 - sum(case["share"] for case in cases[1:])
    labels = draw(share_weights)
    return edited(**{
        "case_types": cases,
        "labels": {"topic": {f"t{i}": w / sum(labels) for i, w in enumerate(labels)}},
        "staff.advisors": draw(st.integers(min_value=0, max_value=500)),
        "staff.shrinkage": draw(st.floats(min_value=0, max_value=0.99)),
        "sources[1].volume": {draw(st.sampled_from(["per_year", "per_day", "per_hour"])):
                              draw(st.floats(min_value=0.001, max_value=1e6))},
        "targets": {"service_level": draw(st.floats(min_value=0, max_value=1)),
                    "asa_s": draw(st.floats(min_value=0, max_value=1e4))},
        "channel.service_level_threshold": draw(durations),
    })


@settings(max_examples=60, deadline=None)
@given(variants())
def test_generated_scenarios_round_trip_through_toml(data: dict[str, Any]) -> None:
    scenario = validate(data)
    assert round_trip(scenario) == scenario
    assert round_trip(round_trip(scenario)) == scenario


def test_exponential_spec_is_built_from_the_file() -> None:
    talk = validate(BASE).case_types[0].talk
    assert talk == Exponential(dist="exponential", mean=timedelta(minutes=5))


# -- the command ---------------------------------------------------------------------------------


def test_validate_command_lists_every_problem_and_exits_2_without_traceback(
    tmp_path: Path,
) -> None:
    bad = write(tmp_path, "bad.toml", BASE_TOML.replace('name = "base"', 'name = "Bad"')
                .replace('mean = "5min"', 'mean = "5m"').replace("advisors = 5", "advisers = 5"))
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(bad)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    assert lines == [
        "3 problems found:",
        f"{bad}: name: use lowercase letters a-z, digits and '-' only (got 'Bad')",
        f"{bad}: case_types[1].talk.mean: unknown unit 'm' in '5m' (write \"min\" for minutes)",
        f"{bad}: staff.advisers: unknown key; did you mean 'advisors'? (got 5)",
    ]


def test_validate_command_accepts_a_valid_file(tmp_path: Path) -> None:
    good = write(tmp_path, "good.toml", BASE_TOML)
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(good)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert re.search(r"ok .*good\.toml \(base\)", result.stdout)


def test_validate_command_prints_a_long_path_on_one_line(tmp_path: Path) -> None:
    # a planner pipes the output into a log or grep: the "ok" line must not be wrapped at the
    # console width, whatever the length of the path
    folder = tmp_path / ("a-folder-with-a-rather-long-name-" * 3)
    folder.mkdir()
    good = write(folder, "good.toml", BASE_TOML)
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(good)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [f"ok {good} (base)"]


# -- backlog read from a CSV of open items -------------------------------------------------------

BACKLOG_TOML = BASE_TOML + """
[[case_types]]
name = "research"
share = 0.0
talk = "5min"
resolution = "callback"

[backlog]
csv = "open.csv"
"""
"""The base scenario (starting 2024-01-01 00:00) with its backlog read from open.csv."""


def backlog_scenario(folder: Path, csv_text: str, toml: str = BACKLOG_TOML) -> Path:
    """Write the scenario and its CSV of open items; return the scenario's path."""
    (folder / "open.csv").write_text(csv_text, encoding="utf-8")
    return write(folder, "s.toml", toml)


def csv_problems(path: Path) -> list[str]:
    """Every problem reported for a scenario file, as the planner sees it."""
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(issue) for issue in caught.value.issues]


OPEN_ITEMS = """\
case_type,received,step,member_name
call,2023-12-30T10:00,,Jean Dupont
research,2023-12-31T08:00,research,Marie Curie
call,2023-12-30T10:00,,Paul Martin
research,2023-12-31T08:00,research,Louise Michel
research,2023-12-31T08:00,callback,Ada Lovelace
"""


def test_backlog_csv_is_read_as_counts_of_items_of_the_same_case_type_step_and_age(
        tmp_path: Path) -> None:
    scenario = load_scenario(backlog_scenario(tmp_path, OPEN_ITEMS))
    items = {(i.case_type, i.step, i.source, i.age): i.count for i in scenario.backlog.items}
    assert items == {
        ("call", None, None, timedelta(hours=38)): 2,
        ("research", "research", None, timedelta(hours=16)): 2,
        ("research", "callback", None, timedelta(hours=16)): 1,
    }


def test_backlog_csv_never_brings_member_names_into_the_scenario(tmp_path: Path) -> None:
    scenario = load_scenario(backlog_scenario(tmp_path, OPEN_ITEMS))
    written = to_toml(scenario) + repr(scenario) + str(scenario.model_dump())
    for name in ("Jean", "Dupont", "Marie", "Curie", "Paul", "Martin", "Louise", "Ada",
                 "member_name"):
        assert name not in written
    assert sum(item.count for item in scenario.backlog.items) == 5
    assert "csv" not in scenario.backlog.model_dump()


def test_backlog_csv_separated_by_semicolons_with_ages_is_read(tmp_path: Path) -> None:
    text = ("case_type;age;step;source;member_name\n"
            "call;36h;callback;all;Dupont, Jean\n"
            "call;1d12h;callback;all;Martin, Paul\n"
            "research;2d;;;Curie, Marie\n")
    scenario = load_scenario(backlog_scenario(tmp_path, text))
    items = {(i.case_type, i.step, i.source, i.age): i.count for i in scenario.backlog.items}
    assert items == {("call", "callback", "all", timedelta(hours=36)): 2,
                     ("research", None, None, timedelta(days=2)): 1}
    assert "Dupont" not in to_toml(scenario)


def test_backlog_csv_item_received_after_the_horizon_starts_is_reported_with_its_row(
        tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "case_type,received\ncall,2023-12-30T10:00\n"
                                      "call,2024-01-03T10:00\n")
    assert csv_problems(path) == [
        f"{path}: backlog.csv: row 3: received 2024-01-03T10:00 is after the horizon starts"]


def test_backlog_csv_unreadable_dates_are_all_reported_with_their_rows(tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "case_type,received\ncall,yesterday\n"
                                      "call,2023-12-30T10:00\ncall,30/12/2023\n")
    assert csv_problems(path) == [
        f"{path}: backlog.csv: row 2: cannot read received 'yesterday' as a date-time "
        "(2025-03-03T14:30)",
        f"{path}: backlog.csv: row 4: cannot read received '30/12/2023' as a date-time "
        "(2025-03-03T14:30)",
    ]


def test_backlog_csv_without_a_received_or_age_column_is_reported(tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "case_type,member_name\ncall,Jean Dupont\n")
    assert csv_problems(path) == [
        f"{path}: backlog.csv: needs the columns case_type and received (date-time) or age "
        "(e.g. \"36h\")"]


def test_backlog_csv_without_a_case_type_column_is_reported(tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "kind,age\ncall,36h\n")
    assert csv_problems(path) == [
        f"{path}: backlog.csv: needs the columns case_type and received (date-time) or age "
        "(e.g. \"36h\")"]


def test_missing_backlog_csv_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BACKLOG_TOML)
    [problem_] = csv_problems(path)
    assert problem_.startswith(f"{path}: backlog.csv: cannot read {tmp_path / 'open.csv'} (")


def test_backlog_csv_with_only_a_case_type_column_reports_the_missing_column(
        tmp_path: Path) -> None:
    # a one-column file has no delimiter to find: it must be reported like any missing column,
    # not crash the loader
    path = backlog_scenario(tmp_path, "case_type\ncall\ncall\n")
    assert csv_problems(path) == [
        f"{path}: backlog.csv: needs the columns case_type and received (date-time) or age "
        "(e.g. \"36h\")"]


def test_backlog_csv_date_with_a_time_zone_is_reported_not_crashed(tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "case_type,received\ncall,2023-12-30T10:00+01:00\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert [issue.path for issue in caught.value.issues] == ["row 2"]


def test_backlog_csv_dates_are_read_when_the_horizon_start_is_written_as_a_string(
        tmp_path: Path) -> None:
    # `start = "2024-01-01"` is a valid scenario (the date is parsed by the schema), so the
    # backlog's received dates must be counted from it as from `start = 2024-01-01`
    toml = BACKLOG_TOML.replace("start = 2024-01-01", 'start = "2024-01-01"')
    scenario = load_scenario(backlog_scenario(tmp_path, "case_type,received\n"
                                                        "call,2023-12-30T10:00\n", toml))
    assert [(i.case_type, i.age, i.count) for i in scenario.backlog.items] == [
        ("call", timedelta(hours=38), 1)]


def test_validate_command_reports_backlog_csv_problems_and_exits_2_without_traceback(
        tmp_path: Path) -> None:
    path = backlog_scenario(tmp_path, "case_type,received,member_name\n"
                                      "call,2024-02-01T10:00,Jean Dupont\n"
                                      "call,someday,Marie Curie\n")
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "Dupont" not in output and "Curie" not in output
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    assert lines == [
        "2 problems found:",
        f"{path}: backlog.csv: row 2: received 2024-02-01T10:00 is after the horizon starts",
        f"{path}: backlog.csv: row 3: cannot read received 'someday' as a date-time "
        "(2025-03-03T14:30)",
    ]


def test_validate_command_reports_a_missing_backlog_csv_and_exits_2_without_traceback(
        tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", BACKLOG_TOML)
    result = subprocess.run([sys.executable, "-m", "sim", "validate", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert "1 problem found:" in output
    assert "backlog.csv: cannot read" in output
