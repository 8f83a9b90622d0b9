"""What a stored file is, read from its bytes, never from the name or type its sender claimed (issue 15 §2).

A browser may show a document of ours inline only when it is a kind it cannot run as a page of the desk: a PDF
whose header and trailer are where a PDF's are, or a raster image. Anything else — HTML named ``report.pdf``,
an SVG with a script, a PDF cut short — is served as a download.
"""

from __future__ import annotations

import puremagic

PDF = "application/pdf"
HWPX = "application/hwp+zip"
UNKNOWN = "application/octet-stream"
INLINE_TYPES = frozenset({PDF, "image/png", "image/jpeg", "image/gif"})
# ISO 32000-1 §7.5.5 ends a PDF with %%EOF; readers look for it in the last 1024 bytes (trailing garbage is
# common), as they look for the header at the very start here.
_PDF_HEADER = b"%PDF-"
_PDF_TRAILER = b"%%EOF"
_TRAILER_WINDOW = 1024
# An HWPX file is an OCF package, as EPUB and ODF are: its first ZIP entry is "mimetype", stored uncompressed,
# so its type reads from the bytes without unpacking. puremagic takes every ZIP that starts so for a .docx.
_ZIP_HEADER = b"PK\x03\x04"
_OCF_FIRST_ENTRY = b"mimetype"
_STORED = b"\x00\x00"


def media_type(data: bytes) -> str:
    """The media type of ``data``: ``application/pdf`` only for a PDF with its header and its trailer, else
    what the file's magic numbers say (puremagic), else ``application/octet-stream``."""
    if data.startswith(_PDF_HEADER):
        return PDF if _PDF_TRAILER in data[-_TRAILER_WINDOW:] else UNKNOWN
    if _declares(data, HWPX):
        return HWPX
    try:
        found = puremagic.from_string(data, mime=True)
    except (puremagic.PureError, ValueError):  # nothing recognised, or no bytes at all
        return UNKNOWN
    # A PDF signature found anywhere but at the start is not the PDF checked above.
    return found if found and found != PDF else UNKNOWN


def _declares(data: bytes, declared: str) -> bool:
    """Whether ``data`` is an OCF package whose stored first entry "mimetype" holds ``declared``."""
    if not data.startswith(_ZIP_HEADER) or data[8:10] != _STORED:
        return False
    name_length = int.from_bytes(data[26:28], "little")
    extra_length = int.from_bytes(data[28:30], "little")
    if data[30 : 30 + name_length] != _OCF_FIRST_ENTRY:
        return False
    start = 30 + name_length + extra_length
    return data[start : start + len(declared)] == declared.encode("ascii")
