"""The dispatcher's handler threads (worker._threads): reused, never a bottleneck, never lost."""

from __future__ import annotations

import threading
import time

from powershai_py.worker._threads import HandlerThreads

WAIT = 10.0


def _wait_for(condition: object, timeout: float = WAIT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return True
        time.sleep(0.005)
    return False


def test_one_message_after_another_reuses_one_thread() -> None:
    pool = HandlerThreads("test-handler")
    ran_on: list[threading.Thread] = []  # the objects, not idents (an ident can be reused)
    done = threading.Semaphore(0)

    def job(_: object) -> None:
        ran_on.append(threading.current_thread())
        done.release()

    for i in range(20):
        pool.submit(job, i)
        assert done.acquire(timeout=WAIT)
        # The thread counts itself idle after the job; wait for that before the next submit.
        assert _wait_for(lambda: pool.idle == 1)
    assert len(set(ran_on)) == 1
    assert threading.current_thread() not in ran_on


def test_a_blocked_handler_does_not_hold_up_the_next_message() -> None:
    pool = HandlerThreads("test-handler")
    gate = threading.Event()
    second_ran = threading.Event()
    pool.submit(lambda _: gate.wait(WAIT), None)
    pool.submit(lambda _: second_ran.set(), None)
    try:
        assert second_ran.wait(WAIT)
    finally:
        gate.set()


def test_a_hundred_at_once_all_run_concurrently() -> None:
    pool = HandlerThreads("test-handler")
    barrier = threading.Barrier(100, timeout=WAIT)
    passed: list[int] = []
    lock = threading.Lock()

    def job(i: int) -> None:
        barrier.wait()   # only passes when all hundred are running at the same time
        with lock:
            passed.append(i)

    for i in range(100):
        pool.submit(job, i)
    assert _wait_for(lambda: len(passed) == 100)
    assert sorted(passed) == list(range(100))


def test_idle_threads_end_and_later_messages_still_run() -> None:
    pool = HandlerThreads("test-handler", idle_seconds=0.05)
    ran = threading.Event()
    pool.submit(lambda _: None, None)
    assert _wait_for(lambda: pool.idle == 1)
    assert _wait_for(lambda: pool.idle == 0)  # it gave up waiting and ended
    pool.submit(lambda _: ran.set(), None)
    assert ran.wait(WAIT)


def test_a_failing_handler_leaves_the_thread_serving() -> None:
    pool = HandlerThreads("test-handler")
    ran = threading.Event()

    def boom(_: object) -> None:
        raise RuntimeError("boom")

    pool.submit(boom, None)
    assert _wait_for(lambda: pool.idle == 1)
    pool.submit(lambda _: ran.set(), None)
    assert ran.wait(WAIT)
    assert _wait_for(lambda: pool.idle == 1)
