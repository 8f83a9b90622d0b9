"""Pure reference data: 시·도 names and codes over time, and the issuing authority by date.

Nothing here touches a database or the clock: every date-dependent answer takes the date as an argument.
"""

from gcworkflow.reference.authorities import (
    AUTHORITIES,
    MINISTRY_RENAMED_ON,
    Authority,
    authority_on,
    format_letter_number,
    format_notice_number,
    parse_letter_number,
    parse_notice_number,
)
from gcworkflow.reference.regions import (
    SIDOS,
    Sido,
    SidoPeriod,
    Sigungu,
    UnknownRegion,
    governor_title,
    resolve_sido,
    sido_by_code,
    sido_by_key,
)

__all__ = [
    "AUTHORITIES",
    "MINISTRY_RENAMED_ON",
    "SIDOS",
    "Authority",
    "Sido",
    "SidoPeriod",
    "Sigungu",
    "UnknownRegion",
    "authority_on",
    "format_letter_number",
    "format_notice_number",
    "governor_title",
    "parse_letter_number",
    "parse_notice_number",
    "resolve_sido",
    "sido_by_code",
    "sido_by_key",
]
