"""The helpline calendar (sim/calendar.py): open intervals, holidays and the two deadline clocks.

Every expected value is computed by hand. Times are minutes from 00:00 on the horizon's first
day; `at(day, "HH:MM")` writes them the way a planner reads them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import numpy as np
import pytest

from sim.engine.calendar import DAY, Calendar, easter, french_holidays
from sim.scenario import validate

HOUR = 60.0


def calendar(start: date, end: date, margin_days: int = 400, **section: Any) -> Calendar:
    """The calendar of a minimal scenario with the given [calendar] keys."""
    scenario = validate({
        "name": "cal",
        "horizon": {"start": start, "end": end},
        "calendar": section,
        "sources": [{"name": "all", "volume": {"per_day": 10}}],
        "case_types": [{"name": "call", "share": 1.0, "talk": "5min"}],
        "staff": {"advisors": 1},
    })
    return Calendar(scenario, margin_days=margin_days)


def at(day: int, clock: str) -> float:
    """Minute of `clock` ("HH:MM") on day index `day`."""
    hours, mins = clock.split(":")
    return day * DAY + int(hours) * HOUR + int(mins)


# January 2024 starts on a Monday: day 0 = Mon 1, day 4 = Fri 5, day 7 = Mon 8, day 8 = Tue 9.
JAN_2024 = (date(2024, 1, 1), date(2024, 1, 31))
# May 2012: day 0 = Tue 1 May, day 3 = Fri 4, day 6 = Mon 7, day 7 = Tue 8 (holiday), day 8 = Wed 9.
MAY_2012 = (date(2012, 5, 1), date(2012, 5, 31))


def office_hours(**section: Any) -> Calendar:
    """Monday to Friday, 09:00-18:00, January 2024, no holidays (the defaults)."""
    return calendar(*JAN_2024, **section)


# -- public holidays -----------------------------------------------------------------------------


@pytest.mark.parametrize(("year", "sunday"), [
    (2000, date(2000, 4, 23)), (2011, date(2011, 4, 24)), (2012, date(2012, 4, 8)),
    (2019, date(2019, 4, 21)), (2024, date(2024, 3, 31)), (2025, date(2025, 4, 20)),
    (2038, date(2038, 4, 25)), (2285, date(2285, 3, 22)),
])
def test_easter_sunday_matches_published_dates(year: int, sunday: date) -> None:
    assert easter(year) == sunday


def test_french_public_holidays_of_2012() -> None:
    assert french_holidays(2012) == [
        date(2012, 1, 1), date(2012, 4, 9),  # Easter Monday
        date(2012, 5, 1), date(2012, 5, 8), date(2012, 5, 17),  # Ascension
        date(2012, 5, 28),  # Whit Monday
        date(2012, 7, 14), date(2012, 8, 15), date(2012, 11, 1), date(2012, 11, 11),
        date(2012, 12, 25),
    ]


def test_french_public_holidays_of_2024() -> None:
    assert french_holidays(2024) == [
        date(2024, 1, 1), date(2024, 4, 1),  # Easter Monday
        date(2024, 5, 1), date(2024, 5, 8), date(2024, 5, 9),  # Ascension
        date(2024, 5, 20),  # Whit Monday
        date(2024, 7, 14), date(2024, 8, 15), date(2024, 11, 1), date(2024, 11, 11),
        date(2024, 12, 25),
    ]


def test_french_holidays_close_the_lines_only_when_asked() -> None:
    plain = calendar(*MAY_2012)
    french = calendar(*MAY_2012, public_holidays="fr")
    assert plain.is_open(at(7, "10:00"))  # Tuesday 8 May is an ordinary Tuesday
    assert not french.is_open(at(7, "10:00"))  # Victory in Europe Day
    assert not french.is_open(at(16, "10:00"))  # Thursday 17 May, Ascension
    assert not french.is_open(at(27, "10:00"))  # Monday 28 May, Whit Monday
    assert french.is_open(at(8, "10:00"))


def test_french_holidays_are_loaded_past_the_end_of_the_horizon_year() -> None:
    cal = calendar(date(2023, 12, 18), date(2023, 12, 31), public_holidays="fr")
    assert date(2024, 1, 1) in cal.holidays  # deadlines near the end count past the horizon
    assert not cal.is_open(at(14, "10:00"))  # Monday 1 January 2024


def test_holidays_listed_explicitly_close_the_lines() -> None:
    cal = office_hours(holidays=[date(2024, 1, 3), date(2024, 1, 6)])  # a Wednesday, a Saturday
    assert not cal.is_open(at(2, "10:00"))
    assert cal.is_open(at(3, "10:00"))
    assert cal.open_day[:7].tolist() == [True, True, False, True, True, False, False]
    assert cal.next_open(at(1, "18:00")) == at(3, "09:00")


def test_explicit_holidays_add_to_the_french_ones() -> None:
    cal = calendar(*MAY_2012, public_holidays="fr", holidays=[date(2012, 5, 9)])
    assert not cal.is_open(at(7, "10:00")) and not cal.is_open(at(8, "10:00"))


# -- open lines ----------------------------------------------------------------------------------


def test_lines_are_open_at_exactly_opening_time_and_closed_at_exactly_closing_time() -> None:
    cal = office_hours()
    assert not cal.is_open(at(0, "08:59"))
    assert cal.is_open(at(0, "09:00"))
    assert cal.is_open(at(0, "17:59"))
    assert not cal.is_open(at(0, "18:00"))


def test_weekend_is_closed_by_default() -> None:
    cal = office_hours()
    assert not cal.is_open(at(5, "12:00")) and not cal.is_open(at(6, "12:00"))
    assert cal.is_open(at(7, "12:00"))


def test_each_open_day_is_one_interval() -> None:
    cal = office_hours()
    assert cal.starts[:6].tolist() == [at(d, "09:00") for d in (0, 1, 2, 3, 4, 7)]
    assert cal.ends[:6].tolist() == [at(d, "18:00") for d in (0, 1, 2, 3, 4, 7)]


def test_next_open_is_now_when_open_else_the_next_opening() -> None:
    cal = office_hours()
    assert cal.next_open(at(0, "10:00")) == at(0, "10:00")
    assert cal.next_open(at(0, "09:00")) == at(0, "09:00")
    assert cal.next_open(at(0, "07:00")) == at(0, "09:00")
    assert cal.next_open(at(0, "18:00")) == at(1, "09:00")
    assert cal.next_open(at(4, "18:00")) == at(7, "09:00")  # Friday evening -> Monday
    assert cal.next_open(at(5, "12:00")) == at(7, "09:00")


def test_next_open_past_the_end_of_the_calendar_is_never() -> None:
    cal = calendar(date(2024, 1, 1), date(2024, 1, 5), margin_days=0)
    assert cal.next_open(at(4, "18:00")) == float("inf")


def test_closes_at_is_the_end_of_the_open_interval_or_now_when_closed() -> None:
    cal = office_hours()
    assert cal.closes_at(at(0, "09:00")) == at(0, "18:00")
    assert cal.closes_at(at(0, "17:30")) == at(0, "18:00")
    assert cal.closes_at(at(0, "18:00")) == at(0, "18:00")
    assert cal.closes_at(at(5, "10:00")) == at(5, "10:00")


def test_open_minutes_count_only_open_time() -> None:
    cal = office_hours()
    assert cal.open_minutes(at(4, "16:00"), at(7, "10:00")) == 3 * HOUR  # Fri 2 h + Mon 1 h
    assert cal.open_minutes(at(0, "00:00"), at(7, "00:00")) == 5 * 9 * HOUR
    assert cal.open_minutes(at(5, "00:00"), at(6, "23:59")) == 0


def test_horizon_starting_on_a_sunday_opens_on_monday_morning() -> None:
    cal = calendar(date(2024, 1, 7), date(2024, 1, 20))
    assert cal.weekday(0) == 6 and cal.date(1) == date(2024, 1, 8)
    assert not cal.open_day[0]
    assert not cal.is_open(at(0, "10:00"))
    assert cal.starts[0] == at(1, "09:00")
    assert cal.next_open(0.0) == at(1, "09:00")
    assert cal.business_time(np.array([at(0, "12:00"), at(1, "10:00")])).tolist() == [0, HOUR]


def test_horizon_times_are_set_from_the_scenario() -> None:
    cal = calendar(date(2024, 1, 1), date(2024, 1, 10))
    assert (cal.days, cal.end_time, cal.warmup_time) == (10, 10 * DAY, 0.0)


# -- 24/7 ----------------------------------------------------------------------------------------

ALWAYS = {"open_days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
          "open_hours": ["00:00", "24:00"]}


def test_a_24_7_line_is_one_interval_because_midnight_does_not_close_it() -> None:
    cal = calendar(*JAN_2024, margin_days=10, **ALWAYS)
    assert cal.starts.tolist() == [0.0]
    assert cal.ends.tolist() == [(31 + 10) * DAY]
    assert cal.is_open(at(1, "00:00")) and cal.is_open(at(6, "23:59"))
    assert cal.closes_at(at(3, "12:00")) == (31 + 10) * DAY


def test_on_a_24_7_line_the_business_clock_is_the_calendar_clock() -> None:
    cal = calendar(*JAN_2024, **ALWAYS)
    t = np.array([0.0, 17.5, at(4, "16:00"), at(20, "23:59")])
    assert cal.business_time(t).tolist() == t.tolist()
    assert cal.deadline(t, 72 * HOUR, "business").tolist() == (t + 72 * HOUR).tolist()
    assert cal.deadline(t, 72 * HOUR, "calendar").tolist() == (t + 72 * HOUR).tolist()


def test_a_holiday_on_a_24_7_line_splits_it_in_two() -> None:
    cal = calendar(*JAN_2024, margin_days=0, holidays=[date(2024, 1, 10)], **ALWAYS)
    assert cal.starts.tolist() == [0.0, 10 * DAY]
    assert cal.ends.tolist() == [9 * DAY, 31 * DAY]


# -- deadlines -----------------------------------------------------------------------------------

FRIDAY_4PM = at(4, "16:00")  # Friday 5 January 2024


def test_72_hours_on_the_calendar_clock_from_friday_4pm_is_monday_4pm() -> None:
    assert office_hours().deadline(FRIDAY_4PM, 72 * HOUR, "calendar") == at(7, "16:00")


def test_16_business_hours_from_friday_4pm_with_9_to_18_is_tuesday_2pm() -> None:
    # Friday 16-18 (2 h), Monday 09-18 (9 h, 11 in all), Tuesday 09-14 (5 h, 16 in all).
    assert office_hours().deadline(FRIDAY_4PM, 16 * HOUR, "business") == at(8, "14:00")


def test_16_business_hours_from_friday_4pm_with_9_to_17_is_tuesday_4pm() -> None:
    # Friday 16-17 (1 h), Monday 09-17 (8 h, 9 in all), Tuesday 09-16 (7 h, 16 in all).
    cal = office_hours(open_hours=["09:00", "17:00"])
    assert cal.deadline(FRIDAY_4PM, 16 * HOUR, "business") == at(8, "16:00")


def test_business_deadline_skips_a_public_holiday() -> None:
    # Friday 4 May 2012 16:00: Friday 2 h, Monday 7 May 9 h, Tuesday 8 May is a public holiday,
    # Wednesday 9 May 09-14 (5 h): 16 h in all.
    cal = calendar(*MAY_2012, public_holidays="fr")
    assert cal.deadline(at(3, "16:00"), 16 * HOUR, "business") == at(8, "14:00")
    assert cal.date(8) == date(2012, 5, 9)


def test_calendar_deadline_ignores_holidays_and_weekends() -> None:
    cal = calendar(*MAY_2012, public_holidays="fr")
    assert cal.deadline(at(3, "16:00"), 72 * HOUR, "calendar") == at(6, "16:00")


def test_business_deadline_ending_exactly_at_closing_time_stays_at_closing_time() -> None:
    cal = office_hours()
    assert cal.deadline(FRIDAY_4PM, 2 * HOUR, "business") == at(4, "18:00")  # not Monday 09:00
    assert cal.deadline(FRIDAY_4PM, 11 * HOUR, "business") == at(7, "18:00")  # not Tuesday


def test_business_deadline_for_a_request_made_at_night_starts_at_the_next_opening() -> None:
    cal = office_hours()
    assert cal.deadline(at(1, "22:00"), 1 * HOUR, "business") == at(2, "10:00")
    assert cal.deadline(at(2, "03:00"), 1 * HOUR, "business") == at(2, "10:00")
    assert cal.deadline(at(0, "18:00"), 1 * HOUR, "business") == at(1, "10:00")


def test_business_deadline_for_a_weekend_request_starts_on_monday_morning() -> None:
    # Saturday 6 January 11:00: Monday 8 to Friday 12, 9 h a day = 45 h; 3 h more on Monday 15.
    cal = office_hours()
    assert cal.deadline(at(5, "11:00"), 48 * HOUR, "business") == at(14, "12:00")


def test_business_deadlines_are_computed_for_many_requests_at_once() -> None:
    cal = office_hours()
    t = np.array([at(0, "09:00"), FRIDAY_4PM, at(5, "11:00")])
    assert cal.deadline(t, 3 * HOUR, "business").tolist() == [
        at(0, "12:00"), at(7, "10:00"), at(7, "12:00")]


def test_business_time_and_its_inverse_agree_on_open_minutes() -> None:
    cal = office_hours()
    t = np.array([at(0, "09:00"), at(0, "13:30"), at(3, "17:59"), at(7, "09:01")])
    assert cal.from_business_time(cal.business_time(t)).tolist() == t.tolist()


def test_business_deadline_past_the_end_of_the_calendar_extends_the_calendar() -> None:
    cal = calendar(date(2024, 1, 1), date(2024, 1, 5), margin_days=0)
    # Friday 5 January 16:00 + 3 open hours: 2 h on Friday, 1 h on Monday 8 January
    assert float(cal.deadline(at(4, "16:00"), 3 * HOUR, "business")) == at(7, "10:00")


def test_calendar_dates_follow_the_horizon_start() -> None:
    cal = calendar(*MAY_2012)
    assert cal.date(30) == date(2012, 5, 31)
    assert cal.date(31) == date(2012, 5, 31) + timedelta(days=1)
    assert [cal.weekday(d) for d in range(7)] == [1, 2, 3, 4, 5, 6, 0]


@pytest.mark.parametrize("clock", ["business", "open-days"])
def test_one_deadline_at_a_time_is_exactly_the_vectorised_deadline(clock: str) -> None:
    # `after` answers one time during a run without arrays; it must give the same float
    cal = calendar(*MAY_2012, margin_days=10, public_holidays="fr")
    rng = np.random.default_rng(7)
    t = np.concatenate([rng.uniform(-2 * DAY, 40 * DAY, 500),
                        cal.starts[:50], cal.ends[:50]])  # on the edges too
    allowed = rng.choice([0.0, 1.0, 4 * HOUR, 48 * HOUR, 72 * HOUR, 30 * DAY], len(t))
    one_by_one = [cal.after(float(x), float(a), clock) for x, a in zip(t, allowed, strict=True)]
    assert one_by_one == cal.deadline(t, allowed, clock).tolist()
    assert cal.after(at(4, "16:00"), 0.0, clock) == float(cal.deadline(at(4, "16:00"), 0.0,
                                                                        clock))
