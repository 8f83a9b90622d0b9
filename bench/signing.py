"""Signing issued documents: the PAdES B-B signature on a 고시 against rendering the same notice (#17).

In one process, after a warm-up, the benchmark renders designation notices (tests/documents/samples.py, the
number varying so that no two PDFs are alike) and signs each with an office key of a 예시 authority made for
the run (RSA 2048, as 행정전자서명 keys are), timing both: the ratio says what signing adds to issuing a
document. Verification (``gcw documents verify``'s checks) is timed on the same files, for information. Then,
in fresh processes, the first signature: pyHanko's import and the key's loading included, as a worker pays
them (rendering excluded: bench/documents.py times that).

The last line is:

    signing notice warm=<ms> ms first=<ms> ms size_before=<KB> size_after=<KB> ratio=<sign/render>

Nothing here asserts on a time; on a shared machine the figures are noisy (CPU time is printed too).

Run: ``.venv/bin/python bench/signing.py`` (``--help`` for the knobs).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the helpers (bench._common) and the sample documents (tests.documents)

from bench._common import first_run_ms, ratio, say, sig3  # noqa: E402
from gcworkflow.documents.example_ca import make_example_ca  # noqa: E402
from gcworkflow.documents.render import render  # noqa: E402
from gcworkflow.documents.signing import load_key, sign_pdf  # noqa: E402
from gcworkflow.documents.verification import TrustAnchors, trust_anchors, verify_pdf  # noqa: E402
from gcworkflow.settings import Settings  # noqa: E402
from tests.documents import samples  # noqa: E402

SIGNED_AT = datetime(2026, 10, 13, 1, 30, tzinfo=UTC)
REASON, LOCATION = "기후에너지환경부 공문서 발행", "탈탄소녹색산업혁신과"

# Imports, loading the key and the first signature, timed inside a fresh interpreter (its start-up excluded).
FIRST_SIGNATURE = textwrap.dedent(
    """
    import sys, time
    from datetime import UTC, datetime
    from pathlib import Path
    pdf, p12 = Path(sys.argv[1]).read_bytes(), Path(sys.argv[2]).read_bytes()
    start = time.perf_counter()
    from gcworkflow.documents.signing import load_key, sign_pdf
    key = load_key(p12, None, source=sys.argv[2])
    sign_pdf(pdf, key, signed_at=datetime(2026, 10, 13, 1, 30, tzinfo=UTC), reason="발행", location="과")
    print(time.perf_counter() - start)
    """
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="notices to render and sign")
    parser.add_argument("--warm-up", type=int, default=3, help="untimed renders and signatures first")
    parser.add_argument(
        "--first-runs", type=int, default=3, help="fresh processes for the first signature (0: skip)"
    )
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="gcw-bench-signing-") as folder:
        authority = make_example_ca(Path(folder) / "ca")
        key = load_key(authority.certificate.read_bytes(), None, source=str(authority.certificate))
        anchors: TrustAnchors = trust_anchors(Settings(var_dir=Path(folder)), authority.trust)

        def sign(pdf: bytes) -> bytes:
            return sign_pdf(pdf, key, signed_at=SIGNED_AT, reason=REASON, location=LOCATION)

        for serial in range(args.warm_up):
            verify_pdf(sign(render(samples.designation_notice(serial + 1)).pdf), anchors)

        render_s, sign_s, sign_cpu, render_cpu, verify_s, before, after = [], [], [], [], [], [], []
        for serial in range(1, args.count + 1):
            start, start_cpu = time.perf_counter(), time.process_time()
            pdf = render(samples.designation_notice(serial)).pdf
            render_s.append(time.perf_counter() - start)
            render_cpu.append(time.process_time() - start_cpu)
            start, start_cpu = time.perf_counter(), time.process_time()
            signed = sign(pdf)
            sign_s.append(time.perf_counter() - start)
            sign_cpu.append(time.process_time() - start_cpu)
            start = time.perf_counter()
            checked = verify_pdf(signed, anchors)
            verify_s.append(time.perf_counter() - start)
            assert checked.ok, checked.lines()
            before.append(len(pdf))
            after.append(len(signed))

        render_ms, sign_ms = statistics.median(render_s) * 1000, statistics.median(sign_s) * 1000
        say(
            f"notice: {args.count} renders median {sig3(render_ms)} ms; signatures median {sig3(sign_ms)} ms "
            f"(min {sig3(min(sign_s) * 1000)}, max {sig3(max(sign_s) * 1000)}); verification median "
            f"{sig3(statistics.median(verify_s) * 1000)} ms"
        )
        say(
            f"CPU time: render median {sig3(statistics.median(render_cpu) * 1000)} ms, sign "
            f"{sig3(statistics.median(sign_cpu) * 1000)} ms"
        )
        grown = statistics.median(a - b for a, b in zip(after, before, strict=True))
        say(f"size: the signature adds {sig3(grown / 1024)} KB (median)")

        sample_pdf = Path(folder) / "notice.pdf"
        sample_pdf.write_bytes(render(samples.designation_notice()).pdf)
        first_ms, note = (
            first_run_ms(FIRST_SIGNATURE, args.first_runs, str(sample_pdf), str(authority.certificate))
            if args.first_runs
            else (None, "--first-runs 0")
        )
        say(f"first signature, imports and key included: {note}")

    first = f"{sig3(first_ms)} ms" if first_ms is not None else f"skipped ({note})"
    say(
        f"signing notice warm={sig3(sign_ms)} ms first={first} size_before={sig3(statistics.median(before) / 1024)} "
        f"size_after={sig3(statistics.median(after) / 1024)} ratio={ratio(sign_ms, render_ms)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
