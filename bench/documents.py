"""Rendering official documents: a 고시 as tagged PDF/A-3a against a one-line page in the same font (#4, #17).

In one process, after a warm-up, the benchmark renders 100 designation notices (tests/documents/samples.py,
the number varying so that no two PDFs are alike) through ``gcworkflow.documents.render``, alternating each
with WeasyPrint rendering a one-line HTML page in the same font, loaded by the same kind of ``@font-face``,
with the same variant (render.PDF_VARIANT, tagged): the ratio says what the notice's layout, its second page,
its structure tree and its attachment cost over WeasyPrint's fixed price per PDF (font subsetting, compression,
the PDF/A pass). Then, in fresh processes, the first render: imports included, as a worker pays it.

The last lines are:

    documents notice warm=<ms> ms oneline=<ms> ms ratio=<x>
    documents first-render=<ms> ms size=<KB> KB

Targets (issue #4): warm ≤ 150 ms and ratio ≤ 4; first render ≤ 2 s; file ≤ 250 KB. Without HarfBuzz's
subsetter (scripts/setup-system-libs) every figure is ~3 s. Nothing here asserts on a time.

Run: ``.venv/bin/python bench/documents.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the helpers (bench._common) and the sample documents (tests.documents)

from bench._common import first_run_ms, ratio, say, sig3  # noqa: E402
from gcworkflow.documents.render import PDF_VARIANT, render  # noqa: E402
from tests.documents import samples  # noqa: E402

ONE_LINE = '<html lang="ko"><body><p>기후에너지환경부고시 제2026-1호</p></body></html>'

# Imports and the first render of a notice, timed inside a fresh interpreter (its start-up excluded).
FIRST_RENDER = textwrap.dedent(
    """
    import time
    start = time.perf_counter()
    from gcworkflow.documents.render import render
    from tests.documents.samples import designation_notice
    render(designation_notice())
    print(time.perf_counter() - start)
    """
)


def one_line_renderer():
    """WeasyPrint alone: a one-line page in Noto Serif KR from its own @font-face, in the notice's variant."""
    import pylopdf_fonts_ko
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    font_config = FontConfiguration()
    css = CSS(
        string=(
            f'@font-face {{ font-family: "NotoSerifKR"; src: url("{pylopdf_fonts_ko.serif_path().as_uri()}"); }}'
            ' html { font-family: "NotoSerifKR"; font-size: 12pt; } @page { size: A4; }'
        ),
        font_config=font_config,
    )

    def one_line() -> bytes:
        return HTML(string=ONE_LINE).write_pdf(
            stylesheets=[css], font_config=font_config, pdf_variant=PDF_VARIANT
        )

    return one_line


def subsetter_line() -> str:
    from weasyprint.text.ffi import harfbuzz_subset

    if harfbuzz_subset is not None:
        return "HarfBuzz subsetter: present (libharfbuzz-subset.so.0)"
    return "HarfBuzz subsetter: MISSING, fonts are subset by fontTools (~3 s a PDF); run scripts/setup-system-libs"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--count", type=int, default=100, help="notices to render (each paired with a one-liner)"
    )
    parser.add_argument("--warm-up", type=int, default=5, help="untimed renders of each kind first")
    parser.add_argument(
        "--letters", type=int, default=20, help="letters (opinion_request) to time, for information"
    )
    parser.add_argument(
        "--first-runs", type=int, default=3, help="fresh processes for the first render (0: skip)"
    )
    args = parser.parse_args(argv)

    say(subsetter_line())
    one_line = one_line_renderer()
    for serial in range(args.warm_up):
        render(samples.designation_notice(serial + 1))
        one_line()

    notice_s, one_line_s, sizes = [], [], []
    # CPU time too: on a machine shared with other work the wall-clock medians swing, the CPU time of this
    # single-threaded process much less.
    notice_cpu, one_line_cpu = [], []
    for serial in range(1, args.count + 1):
        document = samples.designation_notice(serial)

        def notice(document=document) -> None:
            sizes.append(len(render(document).pdf))

        # Alternate which side goes first, so that a slow patch of the machine is shared out.
        pair = [(notice, notice_s, notice_cpu), (one_line, one_line_s, one_line_cpu)]
        for step, times, cpu in pair if serial % 2 else reversed(pair):
            start, start_cpu = time.perf_counter(), time.process_time()
            step()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    notice_ms = statistics.median(notice_s) * 1000
    one_line_ms = statistics.median(one_line_s) * 1000
    say(
        f"notice: {args.count} renders, median {sig3(notice_ms)} ms (min {sig3(min(notice_s) * 1000)}, "
        f"max {sig3(max(notice_s) * 1000)}), {sig3(min(sizes) / 1024)}–{sig3(max(sizes) / 1024)} KB; "
        f"one-line page median {sig3(one_line_ms)} ms"
    )
    notice_cpu_ms = statistics.median(notice_cpu) * 1000
    one_line_cpu_ms = statistics.median(one_line_cpu) * 1000
    say(
        f"CPU time: notice median {sig3(notice_cpu_ms)} ms, one-line page {sig3(one_line_cpu_ms)} ms, "
        f"ratio {ratio(notice_cpu_ms, one_line_cpu_ms)}"
    )

    if args.letters:
        letter = samples.opinion_request()
        letter_s = []
        for _ in range(args.letters):
            start = time.perf_counter()
            render(letter)
            letter_s.append(time.perf_counter() - start)
        letter_ms = statistics.median(letter_s) * 1000
        say(f"letter (opinion_request): {args.letters} renders, median {sig3(letter_ms)} ms")

    first_ms, note = (
        first_run_ms(FIRST_RENDER, args.first_runs) if args.first_runs else (None, "--first-runs 0")
    )
    say(f"first render, imports included: {note}")

    size_kb = max(sizes) / 1024
    notice_ratio = ratio(notice_ms, one_line_ms)
    say(f"documents notice warm={sig3(notice_ms)} ms oneline={sig3(one_line_ms)} ms ratio={notice_ratio}")
    first = f"{sig3(first_ms)} ms" if first_ms is not None else f"skipped ({note})"
    say(f"documents first-render={first} size={sig3(size_kb)} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
