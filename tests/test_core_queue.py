"""The queue protocol (POST /queue/join + GET /queue/data) against real Gradio 4, 5 and 6:
gr.State across a session's calls, gr.Error texts, diffs, progress / logs, cancel, overlap."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

import powershai_py as ps
from powershai_py._queue import QueueJob, apply_diff, apply_diffs
from powershai_py.worker._context import CmdletContext, LastItem
from powershai_py.worker.handlers._base import Args
from powershai_py.worker.handlers.calls import stream_updates
from tests.concurrency import echo_from_threads
from tests.gradio_servers import RunningApp
from tests.waiting import ResultReader, wait_until


@pytest.fixture
def fresh(gradio_app: RunningApp) -> Iterator[ps.GradioSession]:
    s = ps.GradioSession(gradio_app.url).connect()
    yield s
    s.close()


@pytest.fixture
def queued(fresh: ps.GradioSession) -> ps.GradioSession:
    fresh.options.Protocol = "queue"
    return fresh


def last_data(call: ps.SessionApiEvent) -> Any:
    return call.results()[-1].data


# -- diffs (no server) ----------------------------------------------------------------------


def test_apply_diff_actions_and_paths() -> None:
    before = {"a": [1, 2], "t": "x"}
    after = apply_diff(before, [["append", ["t"], "yz"], ["add", ["a", 1], 9],
                                ["replace", ["a", 0], 0], ["delete", ["a", 2], None],
                                ["add", ["n"], {"k": 1}]])
    assert after == {"a": [0, 9], "t": "xyz", "n": {"k": 1}}
    assert before == {"a": [1, 2], "t": "x"}  # never mutated: earlier results stay intact
    assert apply_diff("Hel", [["append", [], "lo"]]) == "Hello"
    assert apply_diff([1], [["append", [], [2]]]) == [1, 2]
    assert apply_diff("old", [["replace", [], {"d": 1}]]) == {"d": 1}
    assert apply_diffs(["a", 1], [[["append", [], "b"]], []]) == ["ab", 1]
    with pytest.raises(ValueError):
        apply_diffs(["a"], [[], []])


def test_translate_cancelled_and_gradio4_error_quotes() -> None:
    job = QueueJob("e1", strip_error_quotes=True)
    assert job.translate({"msg": "process_completed", "output": {}, "success": True}) == (
        "complete", None)
    event, data = job.translate({"msg": "process_completed", "success": False,
                                 "output": {"error": "'bad input: x'", "duration": 10}})
    assert (event, data) == ("error", {"error": "bad input: x", "duration": 10})
    assert job.translate({"msg": "close_stream", "event_id": None}) is None


# -- gr.State -------------------------------------------------------------------------------


def test_state_kept_across_calls_of_a_session(gradio_app: RunningApp) -> None:
    first = ps.GradioSession(gradio_app.url).connect()
    second = ps.GradioSession(gradio_app.url).connect()
    try:
        assert last_data(first.invoke("counter", ["a"]))[0] == "a #1"
        assert last_data(first.invoke("counter", ["a"]))[0] == "a #2"
        assert last_data(second.invoke("counter", ["b"]))[0] == "b #1"
        call = first.invoke("counter", ["a"])
        assert last_data(call) == ["a #3", None]  # the State output is null, as on /call
        if gradio_app.version < 6:
            assert call.ApiEvent.source is not None  # went through the queue
            assert call.ApiEvent.SessionHash == first.session_hash
    finally:
        first.close()
        second.close()


def test_protocol_call_loses_state_on_4_and_5(fresh: ps.GradioSession,
                                              gradio_app: RunningApp) -> None:
    if gradio_app.version >= 6:
        pytest.skip("Gradio 6 keeps State on /call")
    fresh.options.Protocol = "call"
    assert last_data(fresh.invoke("counter", ["a"]))[0] == "a #1"
    assert last_data(fresh.invoke("counter", ["a"]))[0] == "a #1"


def test_protocol_call_keeps_state_on_6(gradio6_app: RunningApp) -> None:
    """Gradio 6 keeps gr.State on /call per session hash: every call of a session sends its one
    hash (a fresh hash per call would start each count again at 1)."""
    first = ps.GradioSession(gradio6_app.url).connect()
    second = ps.GradioSession(gradio6_app.url).connect()
    first.options.Protocol = second.options.Protocol = "call"
    try:
        assert last_data(first.invoke("counter", ["a"]))[0] == "a #1"
        assert last_data(first.invoke("counter", ["a"]))[0] == "a #2"
        assert last_data(second.invoke("counter", ["b"]))[0] == "b #1"
        call = first.invoke("counter", ["a"])
        assert last_data(call)[0] == "a #3"
        assert call.ApiEvent.source is None  # went through /call, not the queue
        assert call.ApiEvent.SessionHash == first.session_hash
    finally:
        first.close()
        second.close()


def test_unknown_protocol_is_rejected_where_it_is_set(fresh: ps.GradioSession) -> None:
    with pytest.raises(ps.InvalidArgument) as info:
        fresh.options.Protocol = "websocket"
    assert "Protocol must be one of auto, call, queue" in str(info.value)
    assert fresh.options.Protocol == "auto"
    assert fresh.invoke("echo", ["x"]).results()[-1].data == ["echo: x"]


def test_overlapping_state_calls(fresh: ps.GradioSession) -> None:
    first = fresh.invoke("counter", ["x"])
    second = fresh.invoke("counter", ["y"])
    one, two = first.results()[-1], second.results()[-1]
    assert (one.event, two.event) == ("complete", "complete"), (one, two)
    assert {one.data[0], two.data[0]} in ({"x #1", "y #2"}, {"y #1", "x #2"})


# -- results through the queue ----------------------------------------------------------------


def test_text_call(queued: ps.GradioSession) -> None:
    call = queued.invoke("echo", ["hi ünïcode"])
    results = call.results()
    assert [(r.event, r.data) for r in results] == [("complete", ["echo: hi ünïcode"])]
    assert call.ApiEvent.Status == "complete" and call.ApiEvent.LastQueryStatus == "complete"


def test_gr_error_text(queued: ps.GradioSession) -> None:
    call = queued.invoke("fail_gradio", ["boom"])
    results = call.results()
    assert [r.event for r in results] == ["error"]
    assert isinstance(results[0].data, dict)
    assert results[0].data["error"] == "bad input: boom"  # Gradio 4's extra quotes removed
    assert call.ApiEvent.error == "bad input: boom"
    assert call.ApiEvent.Status == "complete"


def test_plain_exception_has_no_text(queued: ps.GradioSession) -> None:
    call = queued.invoke("fail_plain", ["x"])
    results = call.results()
    assert [r.event for r in results] == ["error"]
    assert results[0].data["error"] is None
    assert call.ApiEvent.error == "UnknownError"


def test_partials_arrive_one_by_one_with_full_values(queued: ps.GradioSession,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    raw: list[Any] = []
    translate = QueueJob.translate

    def spy(self: QueueJob, message: dict[str, Any]) -> Any:
        if message.get("msg") == "process_generating":
            raw.append(message["output"]["data"])
        return translate(self, message)

    monkeypatch.setattr(QueueJob, "translate", spy)
    call = queued.invoke("grow", [4, 0.05])
    results = list(call.update(history=True))
    assert [(r.event, r.data) for r in results] == [
        ("generating", ["w0 "]), ("generating", ["w0 w1 "]), ("generating", ["w0 w1 w2 "]),
        ("generating", ["w0 w1 w2 w3 "]), ("complete", ["w0 w1 w2 w3 "])]
    # the server sent diffs after the first update, and we applied them
    assert raw[0] == ["w0 "] and raw[1] == [[["append", [], "w1 "]]]
    assert call.ApiEvent.data == [r.data for r in results]


def test_progress_and_logs_are_side_information(queued: ps.GradioSession) -> None:
    call = queued.invoke("progress_logs", [3])
    event = call.ApiEvent
    seen: list[tuple[str, dict[str, Any]]] = []
    results = call.results(status_hook=lambda kind, info: seen.append((kind, info)))
    assert [(r.event, r.data) for r in results] == [("complete", ["done 3"])]
    assert [r.num for r in results] == [1]  # side information is not a result
    kinds = [k for k, _ in seen]
    assert kinds[:2] == ["estimation", "process_starts"]
    assert "progress" in kinds and "log" in kinds
    assert [(lg["level"], lg["log"]) for lg in event.Logs] == [
        ("info", "starting 3 steps"), ("warning", "almost done")]
    assert event.Progress and str(event.Progress[0]["desc"]).startswith("step ")
    assert event.QueueSize is not None and event.QueueSize >= 1
    assert event.QueueRank is None  # the job left the queue


def test_worker_turns_side_information_into_messages(queued: ps.GradioSession) -> None:
    call = queued.invoke("progress_logs", [3])
    ctx = CmdletContext(name="Update-GradioSessionApiResult")
    stream = stream_updates(ctx, call, call.ApiEvent, Args({}))
    items = [item.value if isinstance(item, LastItem) else item for item in stream]
    assert [i["event"] for i in items] == ["complete"]
    messages = ctx.drain()
    assert {"level": "verbose", "text": "starting 3 steps"} in messages
    assert {"level": "warning", "text": "almost done"} in messages
    progress = [m for m in messages if m["level"] == "progress"]
    assert any(m["activity"] == "Gradio queue" and m["status"].startswith("position 1 of")
               for m in progress)
    run = [m for m in progress if m["activity"] == "progress_logs" and not m["completed"]]
    assert run and run[0]["status"].startswith("step ") and 0 <= run[0]["percent"] <= 100
    assert progress[-1]["completed"]  # progress closed at the end
    assert not hasattr(call.ApiEvent, "status_hook")  # passed to update(), never stored


def test_partials_reach_the_client_while_the_generator_runs(queued: ps.GradioSession) -> None:
    """The generator holds after its first partial until we answer it: a first partial held
    back until the end would arrive only after the gate timed out."""
    key = uuid.uuid4().hex
    stream = queued.invoke("gated", [key]).update()
    assert next(stream).data == [f"{key}: waiting"]
    assert last_data(queued.invoke("release_gate", [key])) == [f"{key}: opened"]
    assert [(r.event, r.data) for r in stream] == [
        ("generating", [f"{key}: released"]), ("complete", [f"{key}: released"])]


def test_cancel_a_queue_job(queued: ps.GradioSession) -> None:
    call = queued.invoke("slow", [20])
    reader = ResultReader(call)
    reader.wait_started()  # cancel a running job, not a queued one
    queued.cancel(call)
    results = reader.join()
    # cancelled: no "slept" result (20 s of sleep finished would bring it)
    assert [(r.event, r.data) for r in results] == [("complete", None)]
    assert call.ApiEvent.error is None
    # the session goes on
    assert last_data(queued.invoke("echo", ["after"])) == ["echo: after"]


def test_overlapping_jobs_get_their_own_results(queued: ps.GradioSession) -> None:
    slow = queued.invoke("partials", [3, 0.3])
    grow = queued.invoke("grow", [3, 0.2])
    fast = queued.invoke("echo", ["quick"])
    assert last_data(fast) == ["echo: quick"]
    assert [r.data for r in grow.results()][-1] == ["w0 w1 w2 "]
    assert [r.data for r in slow.results()] == [["part 0"], ["part 1"], ["part 2"], ["part 2"]]


def test_concurrent_queue_calls_from_threads(queued: ps.GradioSession) -> None:
    outcomes = echo_from_threads(queued, 12, last_data)
    assert outcomes == {i: [f"echo: n{i}"] for i in range(12)}


def test_later_jobs_reopen_the_stream(queued: ps.GradioSession) -> None:
    assert last_data(queued.invoke("echo", ["one"])) == ["echo: one"]
    channel = queued._queue
    assert channel is not None
    # the server closes an idle session's stream (close_stream) and our reader ends with it
    wait_until(lambda: channel._reader is None, "the queue stream of the idle session closed")
    second = ResultReader(queued.invoke("echo", ["two"]))  # bounded: a dead stream hangs
    assert second.join()[-1].data == ["echo: two"]
    assert queued._queue is channel  # the same channel opened a new stream


def test_closing_the_session_cuts_a_pending_job(gradio_app: RunningApp) -> None:
    s = ps.GradioSession(gradio_app.url).connect()
    s.options.Protocol = "queue"
    call = s.invoke("slow", [20])
    reader = ResultReader(call)
    reader.wait_started()
    s.close()
    results = reader.join()
    assert results[-1].event == "error"
    assert call.ApiEvent.LastQueryStatus == "StreamCut"
