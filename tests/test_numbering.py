"""Official numbers (procedure.md §7): the local series is gap-free and never duplicated under concurrency, and
a number the ministry's register gave cannot be registered twice — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest

from gcworkflow import clusters, engine, queries
from gcworkflow.documents.numbering import LocalSeries
from gcworkflow.errors import GcwError, GuardFailed, InvalidInput
from tests.support import APPROVER, CLERK, actor, cast, register_opinion_letter_number

WORKERS = 8


def _procedures(ctx, count: int) -> list[int]:
    cast(ctx)
    pids = []
    for index in range(count):
        cid = clusters.register_cluster(ctx, actor(CLERK), f"시험 클러스터 {index + 1}")
        pids.append(
            engine.open_procedure(
                ctx, actor(CLERK), "designation", cluster_id=cid, approver=APPROVER
            ).procedure_id
        )
    return pids


def _at_once(work) -> list[object]:
    barrier = threading.Barrier(WORKERS)
    results: list[object] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcome: object = work(index)
        except GcwError as error:
            outcome = error
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_local_letter_numbers_are_gap_free_under_concurrency(ctx):
    ctx.settings = ctx.settings.model_copy(update={"notice_numbering": "local"})
    pids = _procedures(ctx, WORKERS)

    def register(index: int) -> str:
        register_opinion_letter_number(ctx, pids[index], "2026-03-02", who="system")
        facts = queries.procedure_status(ctx, pids[index])["facts"]
        return next(f["data"]["number"] for f in facts if f["kind"] == "letter_number")

    numbers = _at_once(register)
    assert all(isinstance(n, str) for n in numbers), numbers
    assert sorted(numbers, key=lambda n: int(n.rsplit("-", 1)[1])) == [
        f"탈탄소녹색산업혁신과-{i}" for i in range(1, WORKERS + 1)
    ]


def test_local_notice_series_is_gap_free_under_concurrency(ctx):
    def draw(_index: int) -> int:
        with ctx.db.write() as session:
            return LocalSeries("notice").register(session, "기후에너지환경부고시", 2026).serial

    assert sorted(_at_once(draw)) == list(range(1, WORKERS + 1))


def test_a_registered_number_is_refused_the_second_time(ctx):
    first, second = _procedures(ctx, 2)
    register_opinion_letter_number(ctx, first, "2026-03-02", "탈탄소녹색산업혁신과-77")
    with pytest.raises(GuardFailed) as refused:
        register_opinion_letter_number(ctx, second, "2026-03-02", "탈탄소녹색산업혁신과-77")
    assert refused.value.unmet[0].id == "number_already_used"
    # The same serial in another year is another number (the 시행 number restarts every year).
    register_opinion_letter_number(ctx, second, "2027-01-04", "탈탄소녹색산업혁신과-77")


def test_a_malformed_letter_number_is_refused_as_invalid_input(ctx):
    (pid,) = _procedures(ctx, 1)
    with pytest.raises(InvalidInput) as refused:
        register_opinion_letter_number(ctx, pid, "2026-03-02", "12번")
    assert "시행 번호 형식이 아닙니다" in refused.value.message
    assert not [f for f in queries.procedure_status(ctx, pid)["facts"] if f["kind"] == "letter_number"]
