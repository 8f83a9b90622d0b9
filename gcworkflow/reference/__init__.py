"""Pure reference data: 시·도 names and codes over time, the issuing authority by date, and addressees' titles.

Nothing here touches a database or the clock: every date-dependent answer takes the date as an argument.
"""

from gcworkflow.reference.addressees import (
    CENTRAL_BODIES,
    CentralBody,
    UnknownBody,
    addressee,
    bodies_on,
    body_on,
    current_body,
    head_title,
    known_body,
)
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
    codes_on,
    governor_title,
    resolve_sido,
    sido_by_code,
    sido_by_key,
    sido_in_force,
)

__all__ = [
    "AUTHORITIES",
    "CENTRAL_BODIES",
    "MINISTRY_RENAMED_ON",
    "SIDOS",
    "Authority",
    "CentralBody",
    "Sido",
    "SidoPeriod",
    "Sigungu",
    "UnknownBody",
    "UnknownRegion",
    "addressee",
    "authority_on",
    "bodies_on",
    "body_on",
    "codes_on",
    "current_body",
    "format_letter_number",
    "format_notice_number",
    "governor_title",
    "head_title",
    "known_body",
    "parse_letter_number",
    "parse_notice_number",
    "resolve_sido",
    "sido_by_code",
    "sido_by_key",
    "sido_in_force",
]
