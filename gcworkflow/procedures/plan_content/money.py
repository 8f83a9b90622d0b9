"""Amounts of money as a plan, a notice and a summary print them (원, and the 억·조 style)."""

from __future__ import annotations


def format_krw(amount_krw: int) -> str:
    """49000000000 → "49,000,000,000원"."""
    return f"{amount_krw:,}원"


def format_krw_eok(amount_krw: int) -> str:
    """Korean large-number style: "490억원", "1,464억원", "12억 5,000만원", "1조 2,000억원", "3,500원"."""
    if amount_krw == 0:
        return "0원"
    sign = "-" if amount_krw < 0 else ""
    rest = abs(amount_krw)
    parts: list[str] = []
    for unit, label in ((10**12, "조"), (10**8, "억"), (10**4, "만")):
        count, rest = divmod(rest, unit)
        if count:
            parts.append(f"{count:,}{label}")
    if rest:
        parts.append(f"{rest:,}")
    return f"{sign}{' '.join(parts)}원"
