"""HWPX twins: building a 고시's HWPX (documents/hwpx.py) against rendering its PDF in the same run (#17).

In one process, after a warm-up, the benchmark builds the HWPX of 50 designation notices (tests/documents/
samples.py, the number varying so that no two are alike), alternating each with rendering the same notice's
PDF (documents/render.py): the ratio says what the twin adds to issuing a document. A letter and an enclosure
are timed for information. Then, in fresh processes, the first export: imports included, as a worker pays it.

The last lines are:

    hwpx first-export=<ms> ms size=<KB> KB
    hwpx notice export=<ms> ms render_pdf=<ms> ms ratio=<hwpx/pdf>

Nothing here asserts on a time.

Run: ``.venv/bin/python bench/hwpx.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the helpers (bench._common) and the sample documents (tests.documents)

from bench._common import first_run_ms, ratio, say, sig3  # noqa: E402
from gcworkflow.documents.hwpx import build  # noqa: E402
from gcworkflow.documents.render import render  # noqa: E402
from tests.documents import samples  # noqa: E402

# Imports and the first HWPX of a notice, timed inside a fresh interpreter (its start-up excluded).
FIRST_EXPORT = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    from gcworkflow.documents.hwpx import build
    from tests.documents.samples import designation_notice
    build(designation_notice())
    print(time.perf_counter() - start)
    """
)


def median_ms(step: Callable[[], object], count: int) -> float:
    timings = []
    for _ in range(count):
        start = time.perf_counter()
        step()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="notices to build (each paired with its PDF)")
    parser.add_argument("--warm-up", type=int, default=3, help="untimed builds and renders of each first")
    parser.add_argument("--others", type=int, default=20, help="a letter's and an enclosure's builds to time")
    parser.add_argument(
        "--first-runs", type=int, default=3, help="fresh processes for the first export (0: skip)"
    )
    args = parser.parse_args(argv)

    for serial in range(args.warm_up):
        build(samples.designation_notice(serial + 1))
        render(samples.designation_notice(serial + 1))

    hwpx_s, pdf_s, sizes = [], [], []
    for serial in range(1, args.count + 1):
        document = samples.designation_notice(serial)

        def twin(document=document) -> None:
            sizes.append(len(build(document)))

        def pdf(document=document) -> None:
            render(document)

        # Alternate which side goes first, so that a slow patch of the machine is shared out.
        pair = [(twin, hwpx_s), (pdf, pdf_s)]
        for step, times in pair if serial % 2 else reversed(pair):
            start = time.perf_counter()
            step()
            times.append(time.perf_counter() - start)
    hwpx_ms, pdf_ms = statistics.median(hwpx_s) * 1000, statistics.median(pdf_s) * 1000
    say(
        f"notice: {args.count} HWPX builds, median {sig3(hwpx_ms)} ms (min {sig3(min(hwpx_s) * 1000)}, max "
        f"{sig3(max(hwpx_s) * 1000)}), {sig3(min(sizes) / 1024)}–{sig3(max(sizes) / 1024)} KB; "
        f"its PDF median {sig3(pdf_ms)} ms"
    )
    if args.others:
        letter, enclosure = samples.opinion_request(), samples.plan_summary()
        say(
            f"letter (opinion_request) {sig3(median_ms(lambda: build(letter), args.others))} ms, enclosure "
            f"(plan_summary) {sig3(median_ms(lambda: build(enclosure), args.others))} ms: median of {args.others}"
        )

    first_ms, note = (
        first_run_ms(FIRST_EXPORT, args.first_runs) if args.first_runs else (None, "--first-runs 0")
    )
    say(f"first export, imports included: {note}")
    first = f"{sig3(first_ms)} ms" if first_ms is not None else f"skipped ({note})"
    say(f"hwpx first-export={first} size={sig3(max(sizes) / 1024)} KB")
    say(f"hwpx notice export={sig3(hwpx_ms)} ms render_pdf={sig3(pdf_ms)} ms ratio={ratio(hwpx_ms, pdf_ms)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
