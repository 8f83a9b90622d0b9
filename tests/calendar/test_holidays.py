"""관공서 공휴일: the ``holidays`` package checked against law.md §3.3, overrides, working-day arithmetic."""

import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcworkflow.calendar import (
    HolidayCalendar,
    HolidayOverride,
    format_date_ko,
    format_date_ko_weekday,
    iter_holidays,
)
from tests.calendar.reference_law import reference_holidays

CAL = HolidayCalendar()
PROPERTY = settings(max_examples=300, deadline=None)


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 3, 2), "3·1절 대체공휴일"),  # 3. 1. (일)
        (date(2026, 5, 25), "부처님오신날 대체공휴일"),  # 5. 24. (일)
        (date(2026, 8, 17), "광복절 대체공휴일"),  # 8. 15. (토)
        (date(2026, 10, 5), "개천절 대체공휴일"),  # 10. 3. (토)
        (date(2025, 10, 8), "추석 대체공휴일"),  # 추석 전날 10. 5. (일): 제3조①2
        (date(2027, 12, 27), "기독탄신일 대체공휴일"),  # 12. 25. (토), the first Christmas substitute
        (date(2024, 2, 12), "설날 대체공휴일"),  # 설날 다음날 2. 11. (일); 설날 2. 10. (토) gives none
        (date(2023, 5, 29), "부처님오신날 대체공휴일"),  # 5. 27. (토), first under the 2023. 5. 4. rule
        (date(2021, 8, 16), "광복절 대체공휴일"),  # 8. 15. (일), first under the 2021. 8. 4. rule
        (date(2028, 10, 5), "추석 대체공휴일"),  # 추석 = 개천절 on Tue 10. 3.: 제3조①3
        (date(2025, 5, 6), "부처님오신날 대체공휴일·어린이날 대체공휴일"),  # both on Mon 5. 5.: one day
        (date(2027, 5, 3), "노동절 대체공휴일"),  # 5. 1. (토)
        (date(2027, 7, 19), "제헌절 대체공휴일"),  # 7. 17. (토)
        (date(2026, 6, 3), "지방선거일"),
        (date(2026, 5, 1), "노동절"),
        (date(2026, 7, 17), "제헌절"),
        (date(2026, 2, 16), "설날 전날"),
        (date(2025, 10, 6), "추석"),
        (date(2025, 1, 27), "임시공휴일"),
    ],
)
def test_named_holidays(day: date, name: str) -> None:
    assert CAL.holiday_name(day) == name
    assert CAL.is_holiday(day)
    assert not CAL.is_working_day(day)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2025, 5, 1), "노동절 is a 관공서 공휴일 only from 2026. 5. 1."),
        (date(2025, 7, 17), "제헌절 is a 공휴일 again only from 2026. 5. 11."),
        (date(2020, 10, 5), "개천절 10. 3. (토) before 국경일 substitutes (2021. 8. 4.)"),
        (date(2022, 5, 9), "부처님오신날 5. 8. (일) before the 2023. 5. 4. rule"),
        (date(2022, 12, 26), "기독탄신일 12. 25. (일) before the 2023. 5. 4. rule"),
        (date(2023, 1, 2), "no substitute for 1월 1일 (일)"),
        (date(2028, 1, 3), "no substitute for 1월 1일 (토)"),
        (date(2027, 6, 7), "no substitute for 현충일 (일)"),
        (date(2026, 6, 8), "no substitute for 현충일 (토)"),
        (date(2026, 9, 28), "추석 다음날 9. 26. (토): 설·추석 substitute only for Sundays"),
        (date(2025, 5, 7), "two holidays on one weekday give one substitute"),
        (date(2025, 10, 10), "the day after the 2025 추석·한글날 run"),
        (date(2026, 2, 19), "the day after 설날 2026"),
    ],
)
def test_working_days_the_law_decides(day: date, why: str) -> None:
    assert CAL.is_working_day(day), why
    assert CAL.holiday_name(day) is None


def test_2025_chuseok_run_is_seven_days_off() -> None:
    # 개천절 (금), 토, 추석 전날 (일), 추석, 다음날, 대체 (수), 한글날 (목).
    run = [date(2025, 10, 3) + timedelta(days=offset) for offset in range(7)]
    assert not any(CAL.is_working_day(day) for day in run)
    assert CAL.holiday_name(date(2025, 10, 4)) is None  # a Saturday is not a 공휴일, only a non-working day


def test_package_matches_article_3_rederived_from_the_law() -> None:
    """Every year's holidays equal an independent derivation from 제2조·제3조 and their effective dates.

    The only differences are three far-future days where two substitute-bearing holidays share a weekend day
    (2063. 5. 5. (토) 부처님오신날·어린이날; 2066. 5. 1. (토) 노동절·부처님오신날; 2066. 10. 3. (일)
    개천절·추석). Read literally, 제3조①1 gives each its own substitute and ② pushes the second one day on;
    the package gives one. No practice exists yet; listed here so that a package change is noticed.
    """
    literal_reading_only = {date(2063, 5, 8), date(2066, 5, 4), date(2066, 10, 6)}
    differences: set[date] = set()
    for year in range(2021, 2101):
        differences |= set(CAL.holidays(year)) ^ reference_holidays(year)
    assert differences == literal_reading_only


def test_substitutes_never_fall_on_a_weekend() -> None:
    for year in range(2014, 2101):
        for day, name in CAL.holidays(year).items():
            if "대체" in name:
                assert day.weekday() < 5, (day, name)


def test_saturdays_and_sundays_are_never_working_days() -> None:
    day = date(2021, 1, 1)
    while day <= date(2030, 12, 31):
        if day.weekday() >= 5:
            assert not CAL.is_working_day(day), day
        day += timedelta(days=1)


def test_sunday_and_saturday_names() -> None:
    assert CAL.holiday_name(date(2026, 9, 27)) == "일요일"
    assert CAL.holiday_name(date(2026, 3, 1)) == "3·1절"  # a named holiday on a Sunday keeps its name
    assert CAL.holiday_name(date(2026, 9, 26)) == "추석 다음날"
    assert CAL.holiday_name(date(2026, 10, 10)) is None  # plain Saturday
    assert not CAL.is_holiday(date(2026, 10, 10))


def test_holidays_lists_public_holidays_but_not_plain_sundays() -> None:
    year = CAL.holidays(2026)
    assert date(2026, 9, 27) not in year
    assert year[date(2026, 3, 1)] == "3·1절"
    assert list(year) == sorted(year)
    assert len(year) == 22


@pytest.mark.parametrize("year", [1947, 2101])
def test_years_without_rules_are_refused(year: int) -> None:
    with pytest.raises(ValueError, match="공휴일 규칙이 없습니다"):
        CAL.holidays(year)
    with pytest.raises(ValueError, match="공휴일 규칙이 없습니다"):
        CAL.is_working_day(date(year, 3, 3))


def test_override_adds_a_temporary_holiday() -> None:
    calendar = HolidayCalendar((HolidayOverride(date(2026, 10, 2), "임시공휴일", True),))
    assert calendar.holiday_name(date(2026, 10, 2)) == "임시공휴일"
    assert not calendar.is_working_day(date(2026, 10, 2))
    assert calendar.holidays(2026)[date(2026, 10, 2)] == "임시공휴일"
    assert calendar.next_working_day(date(2026, 10, 1)) == date(2026, 10, 6)
    assert CAL.is_working_day(date(2026, 10, 2))  # the plain calendar is untouched


def test_override_removes_and_renames_but_never_removes_a_sunday() -> None:
    calendar = HolidayCalendar(
        (
            HolidayOverride(date(2026, 6, 3), "선거일 변경", False),
            HolidayOverride(date(2026, 3, 1), "삼일절 (정정)", True),
            HolidayOverride(date(2026, 9, 27), "정정", False),
        )
    )
    assert calendar.is_working_day(date(2026, 6, 3))
    assert date(2026, 6, 3) not in calendar.holidays(2026)
    assert calendar.holiday_name(date(2026, 3, 1)) == "삼일절 (정정)"
    assert calendar.holiday_name(date(2026, 9, 27)) == "일요일"


def test_override_validation() -> None:
    with pytest.raises(ValueError, match="두 번"):
        HolidayCalendar(
            (
                HolidayOverride(date(2026, 10, 2), "임시공휴일", True),
                HolidayOverride(date(2026, 10, 2), "x", False),
            )
        )
    with pytest.raises(ValueError, match="이름이 없습니다"):
        HolidayOverride(date(2026, 10, 2), " ", True)
    with pytest.raises(TypeError, match="날짜"):
        HolidayOverride(datetime(2026, 10, 2, 9), "임시공휴일", True)


def test_version_identifies_package_and_overrides_whatever_their_order() -> None:
    first = HolidayOverride(date(2026, 10, 2), "임시공휴일", True)
    second = HolidayOverride(date(2026, 12, 24), "임시공휴일", True)
    assert re.fullmatch(r"kr-holidays-[0-9][0-9A-Za-z.]*\+ov-[0-9a-f]{12}", CAL.version)
    assert CAL.version == HolidayCalendar().version
    one_way, other_way = HolidayCalendar((first, second)), HolidayCalendar((second, first))
    assert one_way == other_way
    assert hash(one_way) == hash(other_way)
    assert one_way.version == other_way.version != CAL.version
    renamed = HolidayCalendar((first, HolidayOverride(date(2026, 12, 24), "성탄 전야", True)))
    assert renamed.version != one_way.version


def test_next_working_day_is_strictly_after() -> None:
    assert CAL.next_working_day(date(2026, 10, 2)) == date(2026, 10, 6)  # 토, 일, 개천절 대체
    assert CAL.next_working_day(date(2026, 9, 22)) == date(2026, 9, 23)  # from a working day too
    assert CAL.next_working_day(date(2026, 9, 23)) == date(2026, 9, 28)  # 추석 9. 24.–26., 일요일


def test_add_and_count_working_days() -> None:
    start = date(2026, 9, 23)
    assert CAL.add_working_days(start, 0) == start
    assert CAL.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)
    assert CAL.add_working_days(start, 10) == date(2026, 10, 13)
    assert CAL.working_days_between(start, date(2026, 10, 13)) == 10
    assert CAL.working_days_between(date(2026, 10, 13), start) == -10
    assert CAL.working_days_between(start, start) == 0
    with pytest.raises(ValueError, match="0 이상"):
        CAL.add_working_days(start, -1)


@PROPERTY
@given(st.dates(date(2021, 1, 1), date(2030, 12, 31)), st.integers(0, 60))
def test_working_day_count_inverts_adding(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert CAL.working_days_between(end, start) == -n
    if n:
        assert CAL.is_working_day(end)


OVERRIDE_DAYS = st.dates(date(2024, 1, 1), date(2028, 12, 31))


@PROPERTY
@given(
    st.dates(date(2023, 6, 1), date(2029, 6, 30)),
    st.dates(date(2023, 6, 1), date(2029, 6, 30)),
    st.dictionaries(OVERRIDE_DAYS, st.booleans(), max_size=6),
)
def test_working_days_are_counted_as_walking_the_days_would(
    start: date, end: date, overrides: dict[date, bool]
) -> None:
    calendar = HolidayCalendar(tuple(HolidayOverride(d, "조정", holiday) for d, holiday in overrides.items()))
    low, high = sorted((start, end))
    walked = sum(calendar.is_working_day(low + timedelta(days=k)) for k in range(1, (high - low).days + 1))
    assert calendar.working_days_between(low, high) == walked
    assert calendar.working_days_between(high, low) == -walked


def test_iter_holidays() -> None:
    listed = list(iter_holidays(date(2026, 9, 20), date(2026, 10, 9)))
    assert listed == [
        (date(2026, 9, 24), "추석 전날"),
        (date(2026, 9, 25), "추석"),
        (date(2026, 9, 26), "추석 다음날"),
        (date(2026, 10, 3), "개천절"),
        (date(2026, 10, 5), "개천절 대체공휴일"),
        (date(2026, 10, 9), "한글날"),
    ]
    across_years = list(iter_holidays(date(2026, 12, 25), date(2027, 1, 1)))
    assert [day for day, _ in across_years] == [date(2026, 12, 25), date(2027, 1, 1)]
    assert list(iter_holidays(date(2026, 10, 9), date(2026, 10, 1))) == []
    calendar = HolidayCalendar((HolidayOverride(date(2026, 10, 2), "임시공휴일", True),))
    assert (date(2026, 10, 2), "임시공휴일") in iter_holidays(
        date(2026, 10, 1), date(2026, 10, 2), calendar=calendar
    )


def test_date_formats() -> None:
    assert format_date_ko(date(2026, 9, 23)) == "2026. 9. 23."
    assert format_date_ko_weekday(date(2026, 9, 23)) == "2026. 9. 23. (수)"
    assert format_date_ko_weekday(date(2026, 10, 4)) == "2026. 10. 4. (일)"
