"""Named crash points for the fault tests (DESIGN.md §5; issue: crashes are deterministic).

``GCW_CRASH_AT=after_render`` makes the process exit right there, as a power cut would: nothing after that
point runs, no ``finally`` block, no rollback message. The tests run the flow in a subprocess and then run it
again to show that nothing was lost and nothing happened twice.
"""

from __future__ import annotations

import os

POINTS = ("after_render", "after_store", "after_claim", "before_send", "after_smtp_accept")
EXIT_STATUS = 86


def crash_point(name: str) -> None:
    if os.environ.get("GCW_CRASH_AT") == name:
        os._exit(EXIT_STATUS)
