"""Issuing authority by date (law.md §0.2) and gazette notice numbers (law.md §4.1)."""

from __future__ import annotations

from datetime import date

import pytest

from gcworkflow.reference import (
    AUTHORITIES,
    MINISTRY_RENAMED_ON,
    Authority,
    authority_on,
    format_notice_number,
    parse_notice_number,
)


def test_environment_ministry_until_2025_09_30() -> None:
    assert authority_on(date(2025, 9, 30)) == Authority(
        ministry="환경부",
        head="환경부장관",
        notice_series="환경부고시",
        ordinance="환경부령",
        division="녹색산업혁신과",
    )


def test_climate_energy_environment_ministry_from_2025_10_01() -> None:
    assert authority_on(date(2025, 10, 1)) == Authority(
        ministry="기후에너지환경부",
        head="기후에너지환경부장관",
        notice_series="기후에너지환경부고시",
        ordinance="기후에너지환경부령",
        division="탈탄소녹색산업혁신과",
    )
    assert date(2025, 10, 1) == MINISTRY_RENAMED_ON


def test_authorities_are_listed_in_order() -> None:
    assert (authority_on(date(2021, 12, 16)), authority_on(date(2026, 1, 1))) == AUTHORITIES


def test_authority_is_immutable() -> None:
    authority = authority_on(date(2026, 1, 1))
    with pytest.raises(AttributeError):
        authority.head = "환경부장관"  # type: ignore[misc]


class TestFormat:
    def test_format(self) -> None:
        assert format_notice_number("기후에너지환경부고시", 2026, 3) == "기후에너지환경부고시 제2026-3호"
        assert format_notice_number("환경부고시", 2024, 127) == "환경부고시 제2024-127호"

    def test_format_with_authority_of_the_day(self) -> None:
        series = authority_on(date(2025, 9, 30)).notice_series
        assert format_notice_number(series, 2025, 2) == "환경부고시 제2025-2호"

    @pytest.mark.parametrize(
        ("series", "year", "serial"),
        [
            ("기후에너지환경부", 2026, 1),  # not a 고시 series
            ("", 2026, 1),
            ("기후에너지환경부고시", 26, 1),
            ("기후에너지환경부고시", 2026, 0),
            ("기후에너지환경부고시", 2026, -3),
            ("기후에너지환경부고시", 2026, True),
        ],
    )
    def test_format_refuses_nonsense(self, series: str, year: int, serial: int) -> None:
        with pytest.raises(ValueError, match="고시 번호"):
            format_notice_number(series, year, serial)


class TestParse:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("기후에너지환경부고시 제2026-3호", ("기후에너지환경부고시", 2026, 3)),
            ("기후에너지환경부고시 제2025-018호", ("기후에너지환경부고시", 2025, 18)),
            ("환경부고시 제2025-2호", ("환경부고시", 2025, 2)),
            ("  환경부고시 제2025-127호 ", ("환경부고시", 2025, 127)),
            ("국가교육위원회 고시 제2026-1호", ("국가교육위원회고시", 2026, 1)),
            ("마포구 고시 제2026-112호", ("마포구고시", 2026, 112)),
            ("기후에너지환경부고시 제2025\u201152호", ("기후에너지환경부고시", 2025, 52)),  # pasted U+2011
        ],
    )
    def test_parse(self, text: str, expected: tuple[str, int, int]) -> None:
        assert parse_notice_number(text) == expected

    @pytest.mark.parametrize(
        "text",
        [
            "",
            "제2026-3호",
            "고시 제2026-3호",
            "기후에너지환경부고시 2026-3호",
            "기후에너지환경부고시 제2026-3",
            "기후에너지환경부고시 제26-3호",
            "기후에너지환경부고시 제2026-0호",
            "기후에너지환경부고시 제2026-호",
            "기후에너지환경부공고 제2026-3호",
            "기후에너지환경부  고시 제2026-3호",
            "기후에너지환경부고시 제2026-3호 외",
        ],
    )
    def test_parse_refuses_anything_else(self, text: str) -> None:
        with pytest.raises(ValueError, match="고시 번호"):
            parse_notice_number(text)

    @pytest.mark.parametrize("serial", [1, 9, 18, 165, 1000])
    @pytest.mark.parametrize("series", ["환경부고시", "기후에너지환경부고시"])
    def test_round_trip(self, series: str, serial: int) -> None:
        text = format_notice_number(series, 2025, serial)
        assert parse_notice_number(text) == (series, 2025, serial)
        assert format_notice_number(*parse_notice_number(text)) == text

    def test_padding_and_spacing_normalise_to_one_number(self) -> None:
        # The same registry number written two ways must be recognised as a duplicate.
        assert format_notice_number(*parse_notice_number("기후에너지환경부 고시 제2025-018호")) == (
            "기후에너지환경부고시 제2025-18호"
        )
