"""Reading a rendered document's text back, as the document tests compare it."""

from __future__ import annotations

import re


def flat(text: str) -> str:
    """Text without any whitespace: extraction spaces words by their gaps, which is not what is tested here."""
    return re.sub(r"\s+", "", text)


def in_order(haystack: str, *needles: str) -> bool:
    position = 0
    for needle in needles:
        position = haystack.find(needle, position)
        if position < 0:
            return False
        position += len(needle)
    return True
