"""Korean particles after a word that is only known at run time (DESIGN.md §4): "kim을", "박서연을", "2026을",
"JSON을", "서울특별시장은", "경상북도로", "서울로" — never both forms in brackets.

The choice follows how the word is read aloud: the final consonant (받침) of its last Hangul syllable; digits as
Sino-Korean numbers (…1 일, …10 십, …100 백); Latin letters as the word or the letters are read (kim 킴, park
파크, JSON 제이슨, PDF 피디에프, URL 유알엘). A closing parenthesis or quote is looked through, as the
국립국어원 advises for "서울(Seoul)은": the particle agrees with the word before the brackets.

Ground floor: no imports beyond the standard library.
"""

from __future__ import annotations

__all__ = ["PAIRS", "final_consonant", "particle", "with_particle"]

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3
_RIEUL = 8  # ㄹ as a 종성 index: "로" as after a vowel ("서울로", not "서울으로")
_NONE = 0

# Final 종성 index of each digit read as a Sino-Korean number: 일 이 삼 사 오 육 칠 팔 구.
_DIGITS = {
    "1": _RIEUL,
    "2": _NONE,
    "3": 16,
    "4": _NONE,
    "5": _NONE,
    "6": 1,
    "7": _RIEUL,
    "8": _RIEUL,
    "9": _NONE,
}
# A number ending in zeros ends in the unit of its last non-zero digit: …십, …백, …천, …만, …억.
_ZEROS = {1: 17, 2: 1, 3: 4, 4: 4}  # 십 ㅂ, 백 ㄱ, 천 ㄴ, 만 ㄴ
_ZERO_ALONE = 21  # 영

# Latin letters spelled one by one (abbreviations in capitals), by the last letter's name.
_LETTER_NAMES = {
    "A": _NONE, "B": _NONE, "C": _NONE, "D": _NONE, "E": _NONE, "F": _NONE, "G": _NONE, "H": _NONE,
    "I": _NONE, "J": _NONE, "K": _NONE, "L": _RIEUL, "M": 16, "N": 4, "O": _NONE, "P": _NONE, "Q": _NONE,
    "R": _RIEUL, "S": _NONE, "T": _NONE, "U": _NONE, "V": _NONE, "W": _NONE, "X": _NONE, "Y": _NONE,
    "Z": _NONE,
}  # fmt: skip
_VOWELS = set("aeiouy")

# The alternating particles: (after a final consonant, after a vowel). 으로/로 takes 로 after ㄹ too.
PAIRS = {
    "을": ("을", "를"),
    "를": ("을", "를"),
    "이": ("이", "가"),
    "가": ("이", "가"),
    "은": ("은", "는"),
    "는": ("은", "는"),
    "과": ("과", "와"),
    "와": ("과", "와"),
    "으로": ("으로", "로"),
    "로": ("으로", "로"),
    "이다": ("이다", "다"),
    "아": ("아", "야"),
}
_CLOSERS = {")": "(", "]": "[", "」": "「", "』": "『", "》": "《", "〉": "〈"}
_QUOTES = "'\"‘’“”"


def _strip(word: str) -> str:
    """The part of ``word`` that decides the particle: trailing brackets, quotes and spaces looked through."""
    text = word.rstrip()
    while text:
        last = text[-1]
        if last in _QUOTES or last in ".…":
            text = text[:-1].rstrip()
        elif last in _CLOSERS:
            opener = text.rfind(_CLOSERS[last])
            if opener <= 0:
                return text[:-1]
            text = text[:opener].rstrip()
        else:
            return text
    return text


def _latin(word: str) -> int:
    tail = ""
    for char in reversed(word):
        if not (char.isascii() and char.isalpha()):
            break
        tail = char + tail
    if tail.isupper() or len(tail) == 1:
        return _LETTER_NAMES[tail[-1].upper()]  # an abbreviation, letter by letter
    lower = tail.lower()
    if lower.endswith("ng"):
        return 21  # ㅇ
    last = lower[-1]
    if last == "l":
        return _RIEUL
    if last in "mn":
        return 4
    if last in "bckpt" and len(lower) > 1 and lower[-2] in _VOWELS:
        return 1  # a closed syllable: web 웹, kit 킷, book 북
    return _NONE


def _number(word: str) -> int:
    digits = ""
    for char in reversed(word):
        if not char.isdigit():
            break
        digits = char + digits
    significant = digits.rstrip("0")
    if not significant:
        return _ZERO_ALONE
    zeros = len(digits) - len(significant)
    if not zeros:
        return _DIGITS[significant[-1]]
    if zeros >= 8:
        return 1  # 억
    return _ZEROS[min(zeros, 4)]  # 십 백 천, and 만 for 1만 up to 9999만


def final_consonant(word: str) -> int | None:
    """The 종성 index (0 for none, 8 for ㄹ) of how ``word`` ends when read aloud; None when it cannot tell."""
    text = _strip(word)
    if not text:
        return None
    last = text[-1]
    if _HANGUL_FIRST <= ord(last) <= _HANGUL_LAST:
        return (ord(last) - _HANGUL_FIRST) % 28
    if last.isdigit():
        return _number(text)
    if last.isascii() and last.isalpha():
        return _latin(text)
    return None


def with_particle(word: object, form: str) -> str:
    """``word`` followed by :func:`particle`: ``with_particle("kim", "를") == "kim을"``."""
    return f"{word}{particle(word, form)}"


def particle(word: object, form: str) -> str:
    """The form of the particle ``form`` (either may be given: "을" or "를", "으로" or "로" …) that agrees with
    how ``word`` is read. A word ending in a symbol that is not read takes the form after a
    consonant."""
    try:
        after_consonant, after_vowel = PAIRS[form]
    except KeyError:
        raise ValueError(f"알 수 없는 조사입니다: {form!r} (가능: {', '.join(PAIRS)})") from None
    final = final_consonant(str(word))
    if final is None:
        return after_consonant
    if after_consonant == "으로":
        return after_vowel if final in (_NONE, _RIEUL) else after_consonant
    return after_consonant if final != _NONE else after_vowel
