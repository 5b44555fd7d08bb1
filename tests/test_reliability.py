"""Faults between us and a real Gradio 6 app, through the Python API (docs/RELIABILITY.md).

Every case puts tests/fakes/fault_proxy.py (a real socket server on 127.0.0.1) in front of the
real app, injects one fault, checks the error (its class and id) and then makes a real call on
the same session, which must work.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import powershai_py as ps
from powershai_py import _errors as err
from powershai_py._client import GradioClient
from powershai_py._http import http_errors, send
from tests.fakes.fake_gradio import FakeGradio
from tests.fakes.fault_proxy import Fault, FaultProxy
from tests.gradio_servers import RunningApp

TOKEN = "hf_reliability_secret_0123456789"
CREDENTIALS = ("authorization", "x-hf-authorization", "cookie")


@pytest.fixture
def proxy(gradio6_app: RunningApp) -> Iterator[FaultProxy]:
    with FaultProxy(gradio6_app.url) as server:
        yield server


@pytest.fixture
def session(proxy: FaultProxy) -> Iterator[ps.GradioSession]:
    s = ps.GradioSession(proxy.url, token=TOKEN).connect()
    yield s
    s.close()


@pytest.fixture
def catcher() -> Iterator[FakeGradio]:
    """Another host: what a redirect must not bring our credentials to."""
    with FakeGradio(not_gradio=True) as fake:
        yield fake


def results_of(call: ps.SessionApiEvent, limit: float = 60.0) -> list[ps.ApiEventResult]:
    box: dict[str, list[ps.ApiEventResult]] = {}
    thread = threading.Thread(target=lambda: box.setdefault("r", call.results()), daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), "update() never returned"
    return box["r"]


def still_works(session: ps.GradioSession, text: str = "after") -> None:
    assert results_of(session.invoke("echo", [text]))[-1].data == [f"echo: {text}"]


def call_route(session: ps.GradioSession) -> ps.GradioSession:
    session.options.Protocol = "call"
    return session


# -- answers that replace the server's ------------------------------------------------------


@pytest.mark.parametrize("route", [r"/queue/join$", r"/call/echo$"])
def test_reset_on_the_post_is_unreachable(proxy: FaultProxy, session: ps.GradioSession,
                                          route: str) -> None:
    if "call" in route:
        call_route(session)
    proxy.inject("POST", route, Fault("reset"))
    with pytest.raises(err.Unreachable) as info:
        session.invoke("echo", ["x"])
    assert str(info.value).startswith(err.Unreachable.error_id + ": ")
    assert TOKEN not in str(info.value)
    still_works(session)


@pytest.mark.parametrize("route", [r"/queue/join$", r"/call/echo$"])
def test_html_200_on_the_post_is_not_gradio(proxy: FaultProxy, session: ps.GradioSession,
                                            route: str) -> None:
    if "call" in route:
        call_route(session)
    proxy.inject("POST", route, Fault("html"))
    with pytest.raises(err.NotGradio) as info:
        session.invoke("echo", ["x"])
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_NOTGRADIO"
    assert "sleeping" in str(info.value)
    still_works(session)


def test_html_200_on_upload_is_not_gradio(proxy: FaultProxy, session: ps.GradioSession,
                                          tmp_path: Path) -> None:
    sample = tmp_path / "a.txt"
    sample.write_text("hello")
    proxy.inject("POST", r"/upload$", Fault("html"))
    with pytest.raises(err.NotGradio):
        session.send_files([str(sample)])
    assert session.uploads == {}
    assert session.send_files([str(sample)])[0]["path"]
    still_works(session)


@pytest.mark.parametrize(("status", "cls"), [(503, err.HttpStatusError),
                                             (502, err.HttpStatusError),
                                             (429, err.HttpStatusError),
                                             (401, err.AuthenticationFailed)])
def test_error_status_on_join(proxy: FaultProxy, session: ps.GradioSession, status: int,
                              cls: type[err.PowershaiPyError]) -> None:
    proxy.inject("POST", r"/queue/join$", Fault("status", status=status, body="proxy says no"))
    with pytest.raises(cls) as info:
        session.invoke("echo", ["x"])
    assert info.value.status == status
    still_works(session)


def test_queue_full_on_join(proxy: FaultProxy, session: ps.GradioSession) -> None:
    proxy.inject("POST", r"/queue/join$",
                 Fault("status", status=503, body='{"detail": "Queue is full."}'))
    with pytest.raises(err.QueueFullError):
        session.invoke("echo", ["x"])
    still_works(session)


def test_one_404_on_join_keeps_the_queue(proxy: FaultProxy, session: ps.GradioSession) -> None:
    proxy.inject("POST", r"/queue/join$", Fault("status", status=404, body='{"detail": "x"}'))
    still_works(session, "first")
    still_works(session, "second")
    assert session.app.queue_routes
    assert len(proxy.seen("/queue/join", "POST")) == 3  # the 404, its retry, the second call
    assert proxy.seen("/call/echo", "POST") == []


def test_404_twice_on_join_takes_call(proxy: FaultProxy, session: ps.GradioSession) -> None:
    """Two 404 in a row: a server without queue routes; /call from then on, as before."""
    proxy.inject("POST", r"/queue/join$",
                 Fault("status", status=404, body='{"detail": "x"}', times=2))
    still_works(session)
    assert not session.app.queue_routes
    assert len(proxy.seen("/call/echo", "POST")) == 1


def test_redirect_on_join_goes_nowhere(proxy: FaultProxy, session: ps.GradioSession,
                                       catcher: FakeGradio) -> None:
    proxy.inject("POST", r"/queue/join$",
                 Fault("redirect", status=307, location=f"http://localhost:{catcher.port}/x"))
    with pytest.raises(err.NotGradio):
        session.invoke("echo", ["x"])
    assert catcher.requests == []
    still_works(session)


def test_slow_answer_is_a_timeout(proxy: FaultProxy) -> None:
    client = GradioClient(proxy.url, timeout=httpx.Timeout(10.0, read=0.5))
    s = ps.GradioSession(proxy.url, client=client).connect()
    try:
        proxy.inject("POST", r"/queue/join$", Fault("slow", seconds=2.0))
        with pytest.raises(err.RequestTimeout) as info:
            s.invoke("echo", ["x"])
        assert info.value.category == "OperationTimeout"
        still_works(s)
    finally:
        s.close()


# -- streams --------------------------------------------------------------------------------


@pytest.mark.parametrize("protocol", ["queue", "call"])
@pytest.mark.parametrize("kind", ["cut", "reset"])
def test_stream_broken_mid_way(proxy: FaultProxy, session: ps.GradioSession, protocol: str,
                               kind: str) -> None:
    session.options.Protocol = protocol
    route = r"/queue/data$" if protocol == "queue" else r"/call/partials/"
    proxy.inject("GET", route, Fault(kind, after_events=2))
    call = session.invoke("partials", [4, 0.2])
    results = results_of(call)
    assert results[-1].event == "error"
    assert err.STREAM_CUT in str(call.ApiEvent.error)
    assert call.ApiEvent.LastQueryStatus == "StreamCut"
    still_works(session)


@pytest.mark.parametrize("protocol", ["queue", "call"])
@pytest.mark.parametrize("kind", ["garbage", "nocolon"])
def test_garbage_on_the_stream_is_stream_invalid(proxy: FaultProxy, session: ps.GradioSession,
                                                 protocol: str, kind: str) -> None:
    session.options.Protocol = protocol
    route = r"/queue/data$" if protocol == "queue" else r"/call/partials/"
    proxy.inject("GET", route, Fault(kind, after_events=1))
    call = session.invoke("partials", [3, 0.2])
    results = results_of(call)
    assert results[-1].event == "error"
    assert err.STREAM_INVALID in str(call.ApiEvent.error)
    assert all(r.event in ("generating", "error") for r in results)
    assert all(r.data is not None for r in results)
    still_works(session)


def test_html_200_on_the_call_stream(proxy: FaultProxy, session: ps.GradioSession) -> None:
    call_route(session)
    proxy.inject("GET", r"/call/echo/", Fault("html"))
    call = session.invoke("echo", ["x"])
    assert results_of(call)[-1].event == "error"
    assert err.NOT_GRADIO in str(call.ApiEvent.error)
    still_works(session)


@pytest.mark.parametrize("protocol", ["queue", "call"])
def test_heartbeats_only(proxy: FaultProxy, session: ps.GradioSession, protocol: str) -> None:
    """A stream that only beats: max_heartbeats stops the wait; the end is a cut stream."""
    session.options.Protocol = protocol
    route = r"/queue/data$" if protocol == "queue" else r"/call/echo/"
    proxy.inject("GET", route, Fault("heartbeats", seconds=1.5))
    call = session.invoke("echo", ["x"])
    first = list(call.update(max_heartbeats=3))
    assert [r.event for r in first] == ["heartbeat"] * 3
    assert call.ApiEvent.LastQueryStatus == "HeartBeatExpired"
    rest = results_of(call)
    assert rest[-1].event == "error"
    assert call.ApiEvent.LastQueryStatus == "StreamCut"
    still_works(session)


# -- URLs and credentials -------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "host:notaport", "http://", "ftp://x/y",
                                 "http://h:99999", "   "])
def test_bad_urls_are_refused_up_front(url: str) -> None:
    with pytest.raises(err.InvalidUrl) as info:
        ps.GradioSession(url)
    assert info.value.error_id == "POWERSHAI_PY_INVALID_URL"
    assert isinstance(info.value, err.InvalidArgument)


def test_cross_host_redirect_drops_every_credential(proxy: FaultProxy,
                                                    catcher: FakeGradio) -> None:
    target = f"http://localhost:{catcher.port}/landing"
    proxy.inject("GET", r"/hop$", Fault("redirect", status=302, location=target))
    headers = {"Authorization": f"Bearer {TOKEN}", "x-hf-authorization": f"Bearer {TOKEN}",
               "Cookie": "session=secret"}
    with httpx.Client() as http, http_errors("GET /hop"):
        response = send(http, "GET", proxy.url + "/hop", headers=headers, max_redirects=3)
    assert response.status_code == 404  # the catcher's answer
    [landed] = catcher.requests
    assert landed.path == "/landing"
    assert not {k.lower() for k in landed.headers} & set(CREDENTIALS)


def test_same_origin_redirect_keeps_the_token(proxy: FaultProxy) -> None:
    proxy.inject("GET", r"/hop$", Fault("redirect", status=302, location="/config"))
    with httpx.Client() as http:
        response = send(http, "GET", proxy.url + "/hop",
                        headers={"x-hf-authorization": f"Bearer {TOKEN}"}, max_redirects=1)
    assert response.status_code == 200
    [config] = proxy.seen("/config")
    assert config.headers.get("x-hf-authorization") == f"Bearer {TOKEN}"


def test_post_redirected_with_303_becomes_a_get(proxy: FaultProxy) -> None:
    proxy.inject("POST", r"/hop$", Fault("redirect", status=303, location="/config"))
    with httpx.Client() as http:
        response = send(http, "POST", proxy.url + "/hop", json={"a": 1}, max_redirects=1)
    assert response.status_code == 200
    assert proxy.seen("/config", "GET")


def test_redirect_loop_is_too_many_redirects(proxy: FaultProxy) -> None:
    proxy.inject("GET", r"/hop$", Fault("redirect", status=302, location="/hop", times=10))
    with pytest.raises(err.TooManyRedirects), httpx.Client() as http, http_errors("GET /hop"):
        send(http, "GET", proxy.url + "/hop", max_redirects=3)


def test_file_urls_of_another_host_get_no_token(catcher: FakeGradio) -> None:
    client = GradioClient("http://127.0.0.1:1", token=TOKEN)
    assert client._headers(True, "http://127.0.0.1:1/gradio_api/file=x")
    assert client._headers(True, f"http://localhost:{catcher.port}/file=x") == {}
    client.close()


def test_redirect_to_another_scheme_is_refused(proxy: FaultProxy) -> None:
    proxy.inject("GET", r"/hop$", Fault("redirect", status=302, location="ftp://127.0.0.1/x"))
    with pytest.raises(err.InvalidUrl) as info, httpx.Client() as http, http_errors("GET /hop"):
        send(http, "GET", proxy.url + "/hop", max_redirects=3)
    assert info.value.error_id == "POWERSHAI_PY_INVALID_URL"


@pytest.mark.parametrize(("method", "route", "act"), [
    ("POST", r"/call/echo$", "call"),
    ("POST", r"/upload", "upload"),
    ("GET", r"/call/echo/", "stream"),
])
def test_error_status_on_the_other_routes(proxy: FaultProxy, session: ps.GradioSession,
                                          tmp_path: Path, method: str, route: str,
                                          act: str) -> None:
    proxy.inject(method, route, Fault("status", status=503, body="proxy says no"))
    if act == "upload":
        sample = tmp_path / "f.txt"
        sample.write_text("x", encoding="utf-8")
        with pytest.raises(err.HttpStatusError) as info:
            session.send_files([str(sample)])
        assert info.value.status == 503
    else:
        session.options.Protocol = "call"
        if act == "call":
            with pytest.raises(err.HttpStatusError) as info:
                session.invoke("echo", ["x"])
            assert info.value.status == 503
        else:
            call = session.invoke("echo", ["x"])
            assert results_of(call)[-1].event == "error"
            assert str(call.ApiEvent.error).startswith("POWERSHAI_HUGGINGFACE_GRADIO_HTTP: ")
        session.options.Protocol = "auto"
    still_works(session)
