"""Session limits per phase (connect, read, whole call): each expiry has its own id, comes within
its bound, and the same session (or process) then makes a real call to a real Gradio 6 app.

The faults are real sockets on 127.0.0.1: a listener whose accept queue is full (connects hang),
and tests/fakes/fault_proxy.py in front of the real app (a silent answer, heartbeats only).
"""

from __future__ import annotations

import json
import select
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

import powershai_py as ps
from powershai_py import _errors as err
from powershai_py._options import SessionOptions
from tests.fakes.fault_proxy import Fault, FaultProxy
from tests.gradio_servers import RunningApp
from tests.waiting import wait_until

SLACK = 2.0  # scheduling on a shared machine; the bounds below are the limit plus this


@pytest.fixture
def proxy(gradio6_app: RunningApp) -> Iterator[FaultProxy]:
    with FaultProxy(gradio6_app.url) as server:
        yield server


@pytest.fixture
def full_listener() -> Iterator[str]:
    """A port that never completes a connect: backlog 0, never accepts, queue already full."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    fillers = []
    for _ in range(4):  # Linux keeps backlog+1 in the queue; later SYNs are dropped
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(server.getsockname())
        fillers.append(filler)
    # The queue is full once the kernel has completed the handshakes it will queue.
    wait_until(lambda: select.select([], fillers, [], 0)[1], "the listener's queue is full")
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    for filler in fillers:
        filler.close()
    server.close()


def echo(session: ps.GradioSession, text: str = "after") -> None:
    assert session.predict("echo", text) == f"echo: {text}"


def test_defaults_are_documented_values() -> None:
    options = SessionOptions()
    assert (options.ConnectTimeoutSec, options.ReadTimeoutSec, options.CallTimeoutSec) == (
        10.0, 60.0, None)


@pytest.mark.parametrize("bad", [0, -1, "soon", True, float("inf")])
def test_bad_limits_refused_where_set(bad: object) -> None:
    options = SessionOptions()
    with pytest.raises(err.InvalidArgument, match="ReadTimeoutSec"):
        options.ReadTimeoutSec = bad  # type: ignore[assignment]
    assert options.ReadTimeoutSec == 60.0


def test_connect_timeout(full_listener: str, gradio6_app: RunningApp) -> None:
    session = ps.GradioSession(full_listener, connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(err.ConnectTimeout) as info:
        session.connect()
    assert time.monotonic() - started < 1.0 + SLACK
    assert str(info.value).startswith("POWERSHAI_PY_CONNECT_TIMEOUT: ")
    assert isinstance(info.value, err.RequestTimeout)
    assert info.value.category == "OperationTimeout"
    session.close()
    with ps.connect(gradio6_app.url, connect_timeout=1.0) as other:
        echo(other)


def test_read_timeout_on_an_answer(proxy: FaultProxy) -> None:
    with ps.connect(proxy.url) as session:
        session.options.ReadTimeoutSec = 1.0  # a change holds from the next request on
        proxy.inject("POST", r"/queue/join$", Fault("slow", seconds=4.0))
        started = time.monotonic()
        with pytest.raises(err.ReadTimeout) as info:
            session.invoke("echo", ["x"])
        assert time.monotonic() - started < 1.0 + SLACK
        assert str(info.value).startswith("POWERSHAI_PY_READ_TIMEOUT: ")
        echo(session)


def test_read_timeout_between_stream_messages(proxy: FaultProxy) -> None:
    with ps.connect(proxy.url, read_timeout=1.0) as session:
        session.options.Protocol = "call"
        # The stream's first event comes, then the proxy holds the rest for 4 s: a silence.
        proxy.inject("GET", r"/call/partials/", Fault("slow", seconds=4.0))
        started = time.monotonic()
        with pytest.raises(err.ReadTimeout):
            session.predict("partials", 3, 0.1)
        assert time.monotonic() - started < 1.0 + SLACK
        echo(session)


@pytest.mark.parametrize("protocol", ["call", "queue"])
def test_heartbeats_do_not_extend_the_call_limit(proxy: FaultProxy, protocol: str) -> None:
    with ps.connect(proxy.url, call_timeout=1.5) as session:
        session.options.Protocol = protocol
        route = r"/queue/data$" if protocol == "queue" else r"/call/echo/"
        proxy.inject("GET", route, Fault("heartbeats", seconds=3.0))
        started = time.monotonic()
        call = session.invoke("echo", ["x"])
        results = call.results()
        elapsed = time.monotonic() - started
        assert 1.4 < elapsed < 1.5 + SLACK
        assert any(r.event == "heartbeat" for r in results)  # they came, and did not help
        assert results[-1].event == "error"
        assert str(call.ApiEvent.error).startswith("POWERSHAI_PY_CALL_TIMEOUT: ")
        if protocol == "call":
            # predict says which limit ended the call: its own class, not a cut stream.
            proxy.inject("GET", route, Fault("heartbeats", seconds=3.0))
            with pytest.raises(err.CallTimeout):
                session.predict("echo", "y")
        # The session's queue stream is the faulted one until the proxy closes it (3 s); a call
        # made before then would be cut with it.
        wait_until(lambda: proxy.faults_running() == 0, "the heartbeat-only stream has ended")
        session.options.CallTimeoutSec = None
        echo(session)


@pytest.mark.parametrize("protocol", ["call", "queue"])
def test_a_call_past_its_limit_is_cancelled_on_the_server(proxy: FaultProxy,
                                                            protocol: str) -> None:
    """Giving up on reading is not enough: the job must not run on for nobody."""
    with ps.connect(proxy.url, call_timeout=1.0) as session:
        session.options.Protocol = protocol
        call = session.invoke("Op2", [200, 100])  # 200 steps of 0.1 s: far past the limit
        results = call.results()
        assert results[-1].event == "error"
        assert str(call.ApiEvent.error).startswith("POWERSHAI_PY_CALL_TIMEOUT: ")

        def cancel_posts() -> list[Any]:
            return [r for r in proxy.requests if r.method == "POST" and r.path.endswith("/cancel")]

        wait_until(lambda: cancel_posts(), "the session asked the server to cancel the job")
        body = json.loads(cancel_posts()[0].body)
        assert body["event_id"] == call.ApiEvent.EventId
        # The queue cancels by the session's hash; a stateless /call job has no hash of its
        # own, and Gradio keys it by its event id.
        expected = session.session_hash if protocol == "queue" else call.ApiEvent.EventId
        assert body["session_hash"] == expected
        session.options.CallTimeoutSec = None
        echo(session)
