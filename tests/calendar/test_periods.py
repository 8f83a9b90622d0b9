"""Period arithmetic: named cases from law.md §3.2 and properties against reference_law (the statute, naively)."""

from collections.abc import Callable
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gcworkflow.calendar import (
    CitizenFavours,
    HolidayCalendar,
    HolidayOverride,
    PeriodResult,
    PeriodRule,
    PeriodUnit,
    citizen_favourable,
    compute_period,
    format_date_ko_weekday,
)
from tests.calendar import reference_law as ref

CIVIL, RESTRICTIVE = PeriodRule.CIVIL, PeriodRule.RESTRICTIVE
COMMENCEMENT, BACKWARD = PeriodRule.COMMENCEMENT, PeriodRule.BACKWARD
DAYS, WEEKS, MONTHS, YEARS = PeriodUnit.DAYS, PeriodUnit.WEEKS, PeriodUnit.MONTHS, PeriodUnit.YEARS
CAL = HolidayCalendar()
PROPERTY = settings(max_examples=300, deadline=None)


def civil(start: date, amount: int, unit: PeriodUnit = DAYS, **options: object) -> PeriodResult:
    return compute_period(start, amount, unit, CIVIL, **options)


# --- 민법 (CIVIL) ---------------------------------------------------------------------------------------


def test_reply_by_30_days_from_the_request() -> None:
    result = civil(date(2026, 9, 23), 30, label="요청일")
    assert result.end == result.unrolled_end == date(2026, 10, 23)
    assert result.explanation == "요청일 2026. 9. 23. 다음 날부터 30일 → 2026. 10. 23. (금)"
    assert result.basis == "민법 제157조·제159조·제160조·제161조"
    assert (result.start, result.rule, result.unit, result.amount) == (date(2026, 9, 23), CIVIL, DAYS, 30)
    assert result.calendar_version == CAL.version


def test_saturday_national_day_then_sunday_then_substitute_monday() -> None:
    result = civil(date(2026, 10, 2), 1)
    assert result.unrolled_end == date(2026, 10, 3)
    assert result.end == date(2026, 10, 6)
    assert result.explanation == (
        "기산일 2026. 10. 2. 다음 날부터 1일 → 말일 2026. 10. 3. (토)은 토요일·공휴일(개천절), "
        "2026. 10. 4. (일)은 일요일, 2026. 10. 5. (월)은 공휴일(개천절 대체공휴일)이므로 "
        "→ 2026. 10. 6. (화) (민법 제161조)"
    )


def test_inspection_from_midnight_rolls_past_sunday() -> None:
    # law.md §3.2: "2026. 4. 6.부터" 14 days; the first day counts (제157조 단서).
    result = civil(date(2026, 4, 6), 14, from_midnight=True, label="열람 시작일")
    assert result.unrolled_end == date(2026, 4, 19)
    assert result.end == date(2026, 4, 20)
    assert result.explanation.startswith(
        "열람 시작일 2026. 4. 6. 오전 0시부터 14일 → 말일 2026. 4. 19. (일)은 일요일"
    )


def test_chuseok_2025_rolls_through_seven_days() -> None:
    result = civil(date(2025, 10, 2), 1)
    assert result.end == date(2025, 10, 10)
    for reason in (
        "공휴일(개천절)",
        "토요일",
        "공휴일(추석 전날)",
        "공휴일(추석 대체공휴일)",
        "공휴일(한글날)",
    ):
        assert reason in result.explanation


def test_seollal_2026() -> None:
    result = civil(date(2026, 2, 15), 1)
    assert result.end == date(2026, 2, 19)
    assert "2026. 2. 17. (화)은 공휴일(설날)" in result.explanation


@pytest.mark.parametrize(
    ("start", "end", "why"),
    [
        (date(2026, 4, 30), date(2026, 5, 4), "노동절 (금) 2026 → 토, 일 → 월"),
        (date(2025, 4, 30), date(2025, 5, 1), "근로자의 날 2025 is no 관공서 공휴일"),
        (date(2026, 7, 16), date(2026, 7, 20), "제헌절 (금) 2026 → 토, 일 → 월"),
        (date(2025, 7, 16), date(2025, 7, 17), "제헌절 2025 is no 공휴일"),
    ],
)
def test_holidays_new_in_2026(start: date, end: date, why: str) -> None:
    assert civil(start, 1).end == end, why


@pytest.mark.parametrize(
    ("start", "amount", "unit", "unrolled", "end"),
    [
        # First counted day 1. 31.: February has no 31st → its last day (제160조③).
        (date(2027, 1, 30), 1, MONTHS, date(2027, 2, 28), date(2027, 3, 2)),  # 2. 28. (일), 3. 1. 삼일절
        (date(2028, 1, 30), 1, MONTHS, date(2028, 2, 29), date(2028, 2, 29)),  # leap year
        # Counted from the 1st (제160조② "처음으로부터"): whole months.
        (date(2028, 1, 31), 1, MONTHS, date(2028, 2, 29), date(2028, 2, 29)),
        (date(2027, 2, 28), 1, MONTHS, date(2027, 3, 31), date(2027, 3, 31)),
        # First counted day 2028. 2. 29.: 2029 has no 2. 29. → 2. 28.
        (date(2028, 2, 28), 1, YEARS, date(2029, 2, 28), date(2029, 2, 28)),
        (date(2026, 9, 23), 2, WEEKS, date(2026, 10, 7), date(2026, 10, 7)),
        (date(2026, 3, 10), 3, YEARS, date(2029, 3, 10), date(2029, 3, 12)),  # law.md: 민법 would be 3. 12.
    ],
)
def test_calendar_units(start: date, amount: int, unit: PeriodUnit, unrolled: date, end: date) -> None:
    result = civil(start, amount, unit)
    assert (result.unrolled_end, result.end) == (unrolled, end)


def test_temporary_holiday_override_moves_the_deadline_and_the_version() -> None:
    calendar = HolidayCalendar((HolidayOverride(date(2026, 10, 23), "임시공휴일", True),))
    result = civil(date(2026, 9, 23), 30, calendar=calendar)
    assert result.end == date(2026, 10, 26)
    assert "2026. 10. 23. (금)은 공휴일(임시공휴일)" in result.explanation
    assert result.calendar_version == calendar.version != CAL.version


def test_unit_and_rule_accept_their_stored_strings() -> None:
    assert compute_period(date(2021, 6, 15), 6, "months", "commencement").end == date(2021, 12, 16)


# --- 행정기본법 제6조제2항 (RESTRICTIVE) and its 단서 ------------------------------------------------------------


def test_three_year_bar_after_cancellation() -> None:
    result = compute_period(date(2026, 3, 10), 3, YEARS, RESTRICTIVE, label="취소일")
    assert result.end == result.unrolled_end == date(2029, 3, 9)
    assert result.basis == "행정기본법 제6조제2항"
    assert result.explanation == "취소일 2026. 3. 10.부터 첫날 산입 3년 → 2029. 3. 9. (금)"


def test_restrictive_ends_on_a_saturday_holiday_without_roll() -> None:
    result = compute_period(date(2026, 9, 24), 10, DAYS, RESTRICTIVE)
    assert result.end == date(2026, 10, 3)
    assert result.explanation.endswith("(토요일·공휴일(개천절)이어도 그 날 만료, 행정기본법 제6조제2항제2호)")


def test_restrictive_month_end() -> None:
    assert compute_period(date(2028, 1, 31), 1, MONTHS, RESTRICTIVE).end == date(2028, 2, 29)
    assert compute_period(date(2028, 2, 29), 1, YEARS, RESTRICTIVE).end == date(2029, 2, 28)
    assert compute_period(date(2027, 1, 1), 1, YEARS, RESTRICTIVE).end == date(2027, 12, 31)


def test_bar_keeps_the_restrictive_rule() -> None:
    result = citizen_favourable(date(2026, 3, 10), 3, YEARS, label="취소일")
    assert (result.rule, result.end) == (RESTRICTIVE, date(2029, 3, 9))


def test_time_to_act_falls_back_to_civil_under_the_proviso() -> None:
    result = citizen_favourable(date(2026, 9, 23), 10, favours=CitizenFavours.LATER_END)
    assert (result.rule, result.end, result.unrolled_end) == (CIVIL, date(2026, 10, 6), date(2026, 10, 3))
    assert result.basis.startswith("행정기본법 제6조제2항 단서")
    assert result.explanation.endswith(
        "; 제6조제2항 기준(2026. 10. 2. (금) 만료)은 국민에게 불리하므로 민법 적용 (행정기본법 제6조제2항 단서)"
    )


def test_proviso_does_not_apply_on_a_tie() -> None:
    # Both rules end on Thu 2030. 2. 28. (1. 30. + 1개월 and 1. 31. + 1개월): 제6조제2항 is not disadvantageous.
    result = citizen_favourable(date(2030, 1, 30), 1, MONTHS, favours=CitizenFavours.LATER_END)
    assert (result.rule, result.end) == (RESTRICTIVE, date(2030, 2, 28))


# --- 행정기본법 제7조 (COMMENCEMENT) ----------------------------------------------------------------------


def test_commencement_six_months_after_promulgation() -> None:
    result = compute_period(date(2021, 6, 15), 6, MONTHS, COMMENCEMENT, label="공포일")
    assert result.end == result.unrolled_end == date(2021, 12, 16)
    assert result.basis == "행정기본법 제7조"
    assert result.explanation == (
        "공포일 2021. 6. 15. 다음 날부터 6개월 → 말일 2021. 12. 15. (수), 시행일 2021. 12. 16. (목)"
    )


def test_commencement_from_promulgation() -> None:
    result = compute_period(date(2021, 6, 15), 0, MONTHS, COMMENCEMENT, label="공포일")
    assert result.end == date(2021, 6, 15)
    assert result.explanation == "공포일 2021. 6. 15. 공포한 날부터 시행 → 시행일 2021. 6. 15. (화)"


def test_commencement_does_not_roll_a_saturday_last_day() -> None:
    result = compute_period(date(2026, 9, 3), 30, DAYS, COMMENCEMENT)
    assert result.end == date(2026, 10, 4)  # last day 10. 3. (토·개천절) stands; 시행 on the Sunday
    assert "(토요일·공휴일(개천절)이어도 그 날 만료, 행정기본법 제7조제3호)" in result.explanation


# --- "N일 전까지" (BACKWARD) -----------------------------------------------------------------------------


def test_backward_days() -> None:
    """law.md §3.2 (corrected 2026-12): N whole days between the act and the reference day."""
    result = compute_period(date(2026, 6, 27), 3, DAYS, BACKWARD, label="개최일")
    assert result.end == result.unrolled_end == date(2026, 6, 23)
    assert result.explanation == (
        "개최일 2026. 6. 27.의 3일 전까지: 그 전날부터 거꾸로 3일이 온전히 남도록 → 2026. 6. 23. (화)까지 (민법 역산)"
    )
    assert compute_period(date(2026, 10, 15), 7, DAYS, BACKWARD).end == date(2026, 10, 7)  # law.md's example
    assert compute_period(date(2026, 3, 29), 2, WEEKS, BACKWARD).end == date(2026, 3, 14)  # 주주총회 2주 전


def test_backward_is_not_moved_off_holidays_or_past_month_ends() -> None:
    assert compute_period(date(2026, 10, 9), 3, DAYS, BACKWARD).end == date(2026, 10, 5)  # 대체공휴일 stays
    assert compute_period(date(2026, 4, 10), 1, MONTHS, BACKWARD).end == date(2026, 3, 9)
    assert compute_period(date(2026, 3, 31), 1, MONTHS, BACKWARD).end == date(2026, 2, 28)
    assert compute_period(date(2028, 3, 1), 1, YEARS, BACKWARD).end == date(2027, 2, 28)
    assert compute_period(date(2026, 1, 1), 1000, YEARS, BACKWARD).end == date(1025, 12, 31)


# --- validation -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: civil(date(2026, 1, 1), -1), ValueError, "0 이상"),
        (lambda: civil(date(2026, 1, 1), 1001, YEARS), ValueError, "너무 깁니다"),
        (lambda: civil(date(2026, 1, 1), 400_000), ValueError, "너무 깁니다"),
        (lambda: civil(date(2026, 1, 1), 0), ValueError, "1 이상"),
        (lambda: compute_period(date(2026, 1, 1), 0, rule=RESTRICTIVE), ValueError, "1 이상"),
        (
            lambda: compute_period(date(2026, 1, 1), 3, rule=RESTRICTIVE, from_midnight=True),
            ValueError,
            "0시",
        ),
        (lambda: compute_period(date(2026, 1, 1), 3, "fortnights"), ValueError, "알 수 없는"),
        (lambda: civil(datetime(2026, 1, 1, 9), 3), TypeError, "날짜"),
        (lambda: civil(date(2026, 1, 1), True), TypeError, "정수"),
        (lambda: civil(date(2026, 1, 1), 2.0), TypeError, "정수"),
        (lambda: civil(date(9999, 12, 1), 1, MONTHS), ValueError, "날짜 범위"),
        (lambda: compute_period(date(1, 1, 5), 1, MONTHS, BACKWARD), ValueError, "날짜 범위"),
        (lambda: civil(date(2100, 12, 1), 3, MONTHS), ValueError, "공휴일 규칙이 없습니다"),
    ],
)
def test_bad_input_is_refused_in_korean(
    call: Callable[[], object], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        call()


# --- properties against the naive reading of the statute -------------------------------------------------

STARTS = st.dates(date(2021, 1, 1), date(2030, 12, 31))
PERIODS = st.one_of(
    st.tuples(st.just(DAYS), st.integers(1, 400)),
    st.tuples(st.just(WEEKS), st.integers(1, 60)),
    st.tuples(st.just(MONTHS), st.integers(1, 60)),
    st.tuples(st.just(YEARS), st.integers(1, 10)),
)


def _one_line_mentioning(result: PeriodResult, *texts: str) -> None:
    assert "\n" not in result.explanation
    for text in texts:
        assert text in result.explanation


@PROPERTY
@given(STARTS, PERIODS, st.booleans())
def test_civil_matches_the_reference(
    start: date, period: tuple[PeriodUnit, int], from_midnight: bool
) -> None:
    unit, amount = period
    result = civil(start, amount, unit, from_midnight=from_midnight)
    assert result.unrolled_end == ref.civil_unrolled_end(start, amount, unit.value, from_midnight)
    assert result.end == ref.civil_end(start, amount, unit.value, from_midnight)
    assert CAL.is_working_day(result.end)
    assert result.end >= result.unrolled_end
    _one_line_mentioning(result, format_date_ko_weekday(result.end))


@PROPERTY
@given(STARTS, PERIODS)
def test_restrictive_matches_the_reference(start: date, period: tuple[PeriodUnit, int]) -> None:
    unit, amount = period
    result = compute_period(start, amount, unit, RESTRICTIVE)
    assert result.end == result.unrolled_end == ref.restrictive_end(start, amount, unit.value)
    if unit is DAYS:
        assert (result.end - start).days + 1 == amount
    assert civil(start, amount, unit).end >= result.end
    assert civil(start, amount, unit).unrolled_end >= result.end
    _one_line_mentioning(result, format_date_ko_weekday(result.end))


@PROPERTY
@given(STARTS, PERIODS)
def test_commencement_matches_the_reference(start: date, period: tuple[PeriodUnit, int]) -> None:
    unit, amount = period
    result = compute_period(start, amount, unit, COMMENCEMENT)
    assert result.end == ref.commencement_day(start, amount, unit.value)
    assert result.end > start
    _one_line_mentioning(result, f"시행일 {format_date_ko_weekday(result.end)}")


@PROPERTY
@given(STARTS, PERIODS)
def test_backward_matches_the_reference(start: date, period: tuple[PeriodUnit, int]) -> None:
    unit, amount = period
    result = compute_period(start, amount, unit, BACKWARD)
    assert result.end == ref.backward_day(start, amount, unit.value)
    if unit is DAYS:
        assert result.end + timedelta(days=amount + 1) == start  # N whole days lie between
    _one_line_mentioning(result, f"{format_date_ko_weekday(result.end)}까지")


@PROPERTY
@given(STARTS, PERIODS, st.sampled_from(list(PeriodRule)))
def test_results_are_monotone_in_the_amount(
    start: date, period: tuple[PeriodUnit, int], rule: PeriodRule
) -> None:
    unit, amount = period
    shorter = compute_period(start, amount, unit, rule)
    longer = compute_period(start, amount + 1, unit, rule)
    if rule is BACKWARD:
        assert longer.end <= shorter.end
    else:
        assert longer.end >= shorter.end


@PROPERTY
@given(STARTS, PERIODS)
def test_proviso_picks_the_favourable_end(start: date, period: tuple[PeriodUnit, int]) -> None:
    unit, amount = period
    restrictive = compute_period(start, amount, unit, RESTRICTIVE)
    civil_end = civil(start, amount, unit).end
    # For a bar the 본문 never ends later than 민법, so the 단서 never applies.
    assert citizen_favourable(start, amount, unit) == restrictive
    later = citizen_favourable(start, amount, unit, favours=CitizenFavours.LATER_END)
    assert later.end == max(restrictive.end, civil_end)
    assert later.rule is (RESTRICTIVE if restrictive.end >= civil_end else CIVIL)
