"""Faults: bad URLs, servers that are not Gradio, streams cut or garbled, unknown event ids.

Faults a real Gradio will not produce on demand come from tests/fakes/fake_gradio.py, a small real
HTTP server on 127.0.0.1; the "server dies mid-stream" case kills a real Gradio 6 server.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator

import pytest

import powershai_py as ps
from powershai_py import _errors as err
from tests.fakes.fake_gradio import FakeGradio, Script, closed_port
from tests.gradio_servers import RunningApp, start_app

STREAM_CUT = "POWERSHAI_HUGGINGFACE_GRADIO_STREAMCUT"


def read_in_thread(call: ps.SessionApiEvent, limit: float = 60.0) -> list[ps.ApiEventResult]:
    """Read a call to its end on a thread; fail (instead of hanging) if it does not end."""
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["results"] = call.results()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), "update() never returned"
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["results"]  # type: ignore[return-value]


# -- bad URLs -------------------------------------------------------------------------------


def test_unreachable_url() -> None:
    url = f"http://127.0.0.1:{closed_port()}"
    with pytest.raises(ps.GradioConnectionError) as info:
        ps.GradioSession(url).connect()
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE"
    assert str(info.value).startswith("POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE: ")
    assert info.value.category == "ConnectionError"


def test_unreachable_url_leaves_registry_untouched() -> None:
    registry = ps.SessionRegistry()
    with pytest.raises(err.Unreachable):
        registry.new(f"http://127.0.0.1:{closed_port()}", name="dead")
    assert len(registry) == 0
    with pytest.raises(ps.SessionError):
        registry.get("dead")


@pytest.mark.parametrize("suffix", ["", "/", "/gradio_api"])
def test_not_a_gradio_app(suffix: str) -> None:
    with FakeGradio(not_gradio=True) as fake:
        registry = ps.SessionRegistry()
        with pytest.raises(ps.GradioConnectionError) as info:
            registry.new(fake.url + suffix)
        assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO"
        assert len(registry) == 0
        # discovery tried /config and both /info locations, nothing else
        assert {r.path for r in fake.requests} <= {"/config", "/info", "/gradio_api/info"}


def test_not_an_http_url() -> None:
    with pytest.raises(ps.InvalidArgument):
        ps.GradioSession("ftp://example.invalid/app")
    with pytest.raises(ps.InvalidArgument):
        ps.SessionRegistry().new("")


def test_normalize_app_url() -> None:
    for pasted in ["127.0.0.1:7860", "http://127.0.0.1:7860/", "http://127.0.0.1:7860/gradio_api",
                   "http://127.0.0.1:7860/gradio_api/info", "http://127.0.0.1:7860/config?x=1",
                   " http://127.0.0.1:7860/gradio_api/ "]:
        assert ps.normalize_app_url(pasted) == "http://127.0.0.1:7860", pasted
    assert ps.normalize_app_url("https://h.example/proxy/") == "https://h.example/proxy"


# -- streams the fake server breaks ---------------------------------------------------------


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGradio]:
    scripts = {
        "reset": Script([("generating", '["p0"]')], end="reset", pause_before_end=0.5),
        "eof": Script([("generating", '["p0"]')], end="eof"),
        "early_close": Script([("generating", '["p0"]')], end="close"),
        "garbled": Script([("generating", "this is {not json"), ("generating", ""),
                           ("complete", '["ok"]')]),
        "ok": Script([("generating", '["a"]'), ("complete", '["b"]')]),
    }
    with FakeGradio(scripts) as server:
        yield server


@pytest.fixture
def fake_session(fake: FakeGradio) -> Iterator[ps.GradioSession]:
    s = ps.GradioSession(fake.url).connect()
    yield s
    s.close()


@pytest.mark.parametrize("api", ["reset", "eof", "early_close"])
def test_stream_broken_before_complete(fake_session: ps.GradioSession, api: str) -> None:
    call = fake_session.invoke(api, ["x"])
    results = read_in_thread(call)
    assert results[0].event == "generating" and results[0].data == ["p0"]
    assert results[-1].event == "error"
    assert STREAM_CUT in results[-1].data["error"]
    event = call.ApiEvent
    assert event.Status == "complete"
    assert event.LastQueryStatus == "StreamCut"
    assert STREAM_CUT in str(event.error)
    # the session is still usable, and a cut call is finished for good
    assert fake_session.invoke("ok", ["y"]).results()[-1].data == ["b"]
    with pytest.warns(ps.PowershaiPyWarning, match="Event already completed"):
        assert call.results() == []


def test_malformed_sse_data_is_a_stream_error(fake_session: ps.GradioSession) -> None:
    """Data that is not JSON ends the call with StreamInvalid (never a result holding the text)."""
    call = fake_session.invoke("garbled", ["x"])
    results = read_in_thread(call)
    assert [r.event for r in results] == ["error"]
    assert "POWERSHAI_HUGGINGFACE_GRADIO_STREAMINVALID" in results[0].data["error"]
    assert call.ApiEvent.LastQueryStatus == "StreamCut"
    assert fake_session.invoke("ok", ["y"]).results()[-1].data == ["b"]


def test_cancelled_wait_loses_nothing(fake_session: ps.GradioSession) -> None:
    call = fake_session.invoke("ok", ["x"])
    stop = threading.Event()
    stop.set()
    assert call.results(cancel=stop) == []
    assert not call.ApiEvent.finished
    assert [r.data for r in call.results()] == [["a"], ["b"]]


# -- real servers ---------------------------------------------------------------------------


def test_unknown_event_id_on_the_server(gradio_app: RunningApp) -> None:
    """Attaching to an event id the server does not know ends with an error, never hangs."""
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        call = s.invoke("echo", event_id="0" * 32)
        results = read_in_thread(call)
        assert results[-1].event == "error"
        assert call.ApiEvent.Status == "complete"
        assert call.ApiEvent.error
        assert "404" in str(call.ApiEvent.error)
        assert s.invoke("echo", ["next"]).results()[-1].data == ["echo: next"]
    finally:
        s.close()


@pytest.mark.timeout(150)
def test_server_killed_mid_stream() -> None:
    app = start_app("6")
    try:
        s = ps.GradioSession(app.url).connect()
        call = s.invoke("partials", [5, 3.0])
        stream = call.update()
        first = next(stream)
        assert first.event == "generating" and first.data == ["part 0"]
        os.killpg(app.process.pid, signal.SIGKILL)
        app.process.wait(10)
        box: dict[str, list[ps.ApiEventResult]] = {}
        reader = threading.Thread(target=lambda: box.setdefault("rest", list(stream)),
                                  daemon=True)
        reader.start()
        reader.join(60)
        assert not reader.is_alive(), "update() hung after the server died"
        rest = box["rest"]
        assert rest and rest[-1].event == "error"
        assert call.ApiEvent.LastQueryStatus == "StreamCut"
        assert call.ApiEvent.Status == "complete"
        assert STREAM_CUT in str(call.ApiEvent.error)
        with pytest.raises(ps.GradioConnectionError) as info:
            s.invoke("echo", ["dead"])
        assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE"
        s.close()
    finally:
        app.close()
