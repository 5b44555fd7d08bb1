"""Core calls against real Gradio 4, 5 and 6 servers: discovery, calls, partials, errors, params.

Everything here goes through the public Python API (``GradioSession``) the way a script would.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import httpx
import pytest

import powershai_py as ps
from tests.concurrency import echo_from_threads
from tests.gradio_servers import RunningApp


def api_root(app: RunningApp) -> str:
    return app.url + ("/gradio_api" if app.version >= 5 else "")


# What every test of this module starts from (a test that changes options gets them back).
OPTIONS = ps.SessionOptions(MaxCalls=10_000)


@pytest.fixture(scope="module")
def connected(gradio_app: RunningApp) -> Iterator[ps.GradioSession]:
    """One connected session per Gradio version (connecting is the slow part)."""
    s = ps.GradioSession(gradio_app.url).connect()
    s.options = dataclasses.replace(OPTIONS)
    yield s
    s.close()


@pytest.fixture
def session(connected: ps.GradioSession) -> Iterator[ps.GradioSession]:
    """The module's session with OPTIONS (default route, ...), restored after each test."""
    assert connected.options == OPTIONS, "a previous test left the session's options changed"
    yield connected
    connected.options = dataclasses.replace(OPTIONS)


# -- discovery ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "suffix", ["", "/", "/gradio_api", "/gradio_api/", "/config", "/gradio_api/info"]
)
def test_discovery_from_any_pasted_url(gradio_app: RunningApp, suffix: str) -> None:
    s = ps.GradioSession(gradio_app.url + suffix).connect()
    try:
        assert s.AppUrl == api_root(gradio_app)
        assert int(s.app.version.split(".")[0]) == gradio_app.version
        assert "/echo" in s.info["named_endpoints"]
    finally:
        s.close()


def test_discovery_without_scheme(gradio_app: RunningApp) -> None:
    s = ps.GradioSession(gradio_app.url.removeprefix("http://")).connect()
    try:
        assert s.AppUrl == api_root(gradio_app)
    finally:
        s.close()


def test_info_is_the_servers_info_unchanged(session: ps.GradioSession,
                                            gradio_app: RunningApp) -> None:
    direct = httpx.get(api_root(gradio_app) + "/info", timeout=10).json()
    assert session.info == direct


def test_session_name_defaults_to_app_url(session: ps.GradioSession,
                                          gradio_app: RunningApp) -> None:
    assert session.name == api_root(gradio_app)


# -- calls ----------------------------------------------------------------------------------


def test_text_call(session: ps.GradioSession) -> None:
    call = session.invoke("echo", ["hi"])
    results = call.results()
    assert [r.event for r in results] == ["complete"]
    assert results[-1].data == ["echo: hi"]
    assert results[-1].num == 1
    assert call.ApiEvent.Status == "complete"
    assert call.ApiEvent.LastQueryStatus == "complete"
    assert call.ApiEvent.error is None
    assert call.Received == 1
    assert call.id in session.calls


def test_non_ascii_round_trip(session: ps.GradioSession) -> None:
    text = "h\u00e9llo \u65e5\u672c \U0001f600"
    assert session.invoke("echo", [text]).results()[-1].data == [f"echo: {text}"]


def test_scalar_param_is_one_positional_value(session: ps.GradioSession) -> None:
    assert session.invoke("echo", "solo").results()[-1].data == ["echo: solo"]


def test_generator_partials_in_order(session: ps.GradioSession) -> None:
    results = session.invoke("partials", [4, 0.05]).results()
    generating = [r.data for r in results if r.event == "generating"]
    assert generating == [["part 0"], ["part 1"], ["part 2"], ["part 3"]]
    assert results[-1].event == "complete"
    assert results[-1].data == ["part 3"]
    assert [r.num for r in results] == list(range(1, len(results) + 1))


@pytest.mark.parametrize("protocol", ["auto", "call"])
def test_partials_arrive_while_the_generator_runs(session: ps.GradioSession,
                                                  protocol: str) -> None:
    """The generator holds after its first partial until we answer it: a first partial held
    back until the end would arrive only after the gate timed out ("timed out")."""
    session.options.Protocol = protocol
    key = uuid.uuid4().hex
    stream = session.invoke("gated", [key]).update()
    assert next(stream).data == [f"{key}: waiting"]
    assert session.invoke("release_gate", [key]).results()[-1].data == [f"{key}: opened"]
    assert [(r.event, r.data) for r in stream] == [
        ("generating", [f"{key}: released"]), ("complete", [f"{key}: released"])]


def test_update_callback_sees_each_result(session: ps.GradioSession) -> None:
    seen: list[str] = []
    results = session.invoke("partials", [2, 0.01]).results(callback=lambda r: seen.append(r.event))
    assert seen == [r.event for r in results] == ["generating", "generating", "complete"]


# -- errors from the app --------------------------------------------------------------------


def test_gr_error(session: ps.GradioSession) -> None:
    """The default (queue) route brings gr.Error's text on every version."""
    call = session.invoke("fail_gradio", ["boom"])
    results = call.results()
    event = call.ApiEvent
    assert [r.event for r in results] == ["error"]
    assert event.Status == "complete"
    # PowerShai's ApiEvent.error: the readable text (Gradio 4's extra quotes are gone).
    assert event.error == "bad input: boom"


def test_gr_error_on_the_call_route(session: ps.GradioSession, gradio_app: RunningApp) -> None:
    session.options.Protocol = "call"
    call = session.invoke("fail_gradio", ["boom"])
    results = call.results()
    event = call.ApiEvent
    assert [r.event for r in results] == ["error"]
    assert event.Status == "complete"
    if gradio_app.version >= 6:
        assert isinstance(event.error, str)
        assert "bad input: boom" in event.error
    else:  # Gradio 4 and 5 drop the text on /call
        assert results[0].data is None
        assert event.error == "UnknownError"


@pytest.mark.parametrize("protocol", ["auto", "call"])
def test_plain_exception(session: ps.GradioSession, gradio_app: RunningApp, protocol: str) -> None:
    session.options.Protocol = protocol
    call = session.invoke("fail_plain", ["x"])
    results = call.results()
    assert [r.event for r in results] == ["error"]
    assert call.ApiEvent.Status == "complete"
    # show_error is off: the exception text never reaches the client
    assert call.ApiEvent.error == "UnknownError"


def test_failed_call_leaves_session_usable(session: ps.GradioSession) -> None:
    done = session.invoke("echo", ["before"])
    done.results()
    failed = session.invoke("fail_plain", ["x"])
    failed.results()
    assert failed.ApiEvent.error
    assert done.ApiEvent.Status == "complete" and done.ApiEvent.error is None
    assert session.invoke("echo", ["after"]).results()[-1].data == ["echo: after"]
    assert done.id in session.calls and failed.id in session.calls


def test_failed_call_leaves_a_pending_call_usable(session: ps.GradioSession,
                                                  ) -> None:
    pending = session.invoke("partials", [2, 0.2])
    failed = session.invoke("fail_plain", ["x"])
    failed.results()
    assert failed.ApiEvent.error
    assert pending.results()[-1].data == ["part 1"]
    assert pending.ApiEvent.error is None
    assert session.invoke("echo", ["after"]).results()[-1].data == ["echo: after"]
    assert pending.id in session.calls and failed.id in session.calls


# -- parameters -----------------------------------------------------------------------------


def test_dict_params_mapped_by_name(session: ps.GradioSession) -> None:
    assert session.invoke("echo", {"text": "named"}).results()[-1].data == ["echo: named"]
    result = session.invoke("partials", {"delay": 0.01, "count": 2}).results()
    assert [r.data for r in result if r.event == "generating"] == [["part 0"], ["part 1"]]


def test_dict_params_missing_names_take_info_defaults(session: ps.GradioSession) -> None:
    assert session.invoke("echo", {}).results()[-1].data == ["echo: hello"]
    text = session.invoke("typed", {"number": 3}).results()[-1].data[0]
    assert text == "number=3 slider=5 flag=True choice='green' doc=none picture=none"


def test_dict_params_unknown_name(session: ps.GradioSession) -> None:
    before = dict(session.calls)
    with pytest.raises(ps.InvalidParams) as info:
        session.invoke("partials", {"count": 2, "bogus": 1})
    exc = info.value
    assert exc.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_PARAMS"
    assert "bogus" in str(exc)
    assert "count" in str(exc) and "delay" in str(exc)
    assert dict(session.calls) == before


def test_unknown_endpoint(session: ps.GradioSession) -> None:
    before = list(session.calls)
    with pytest.raises(ps.ApiNotFound) as info:
        session.invoke("does_not_exist", ["x"])
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI"
    assert str(info.value).startswith("POWERSHAI_HUGGINGFACE_GRADIO_INVOKEAPI_NOAPI: ")
    assert "echo" in str(info.value)  # lists valid names
    assert list(session.calls) == before
    assert session.invoke("echo", ["still fine"]).results()[-1].data == ["echo: still fine"]


def test_leading_slash_in_api_name(session: ps.GradioSession) -> None:
    assert session.invoke("/echo", ["slash"]).results()[-1].data == ["echo: slash"]


# -- State ----------------------------------------------------------------------------------


def test_state_slot_filled_with_only_the_visible_param(session: ps.GradioSession) -> None:
    """counter has a hidden gr.State input; one visible value is enough on every version."""
    data = session.invoke("counter", ["a"]).results()[-1].data
    assert data[0].startswith("a #")


@pytest.mark.parametrize("protocol", ["auto", "call"])
def test_state_kept_across_calls_in_one_session_on_6(gradio6_app: RunningApp,
                                                     protocol: str) -> None:
    """Over /call too: Gradio 6 keeps gr.State per session_hash, so every call of a session
    must carry the session's one hash (a fresh hash per call would start each from nothing)."""
    first = ps.GradioSession(gradio6_app.url).connect()
    second = ps.GradioSession(gradio6_app.url).connect()
    first.options.Protocol = second.options.Protocol = protocol
    try:
        assert first.invoke("counter", ["a"]).results()[-1].data[0] == "a #1"
        assert first.invoke("counter", ["a"]).results()[-1].data[0] == "a #2"
        assert second.invoke("counter", ["b"]).results()[-1].data[0] == "b #1"
        assert first.invoke("counter", ["a"]).results()[-1].data[0] == "a #3"
    finally:
        first.close()
        second.close()


def test_state_slot_on_4_and_5(gradio_app: RunningApp) -> None:
    if gradio_app.version >= 6:
        pytest.skip("Gradio 6 keeps State per session hash (tested above)")
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        assert s.app.state_slots["counter"] == [False, True]
        # the queue protocol keeps the state (tests/test_core_queue.py)
        assert s.invoke("counter", ["z"]).results()[-1].data[0] == "z #1"
    finally:
        s.close()


# -- concurrency ----------------------------------------------------------------------------


def test_twenty_concurrent_calls_on_one_session(session: ps.GradioSession) -> None:
    outcomes = echo_from_threads(session, 20, lambda call: call.results()[-1].data)
    assert outcomes == {i: [f"echo: n{i}"] for i in range(20)}


def test_concurrent_streams_do_not_block_each_other(session: ps.GradioSession) -> None:
    slow = session.invoke("partials", [3, 0.4])
    fast = session.invoke("echo", ["quick"])
    first_slow = next(iter(slow.update()))
    assert first_slow.data == ["part 0"]
    assert fast.results()[-1].data == ["echo: quick"]
    assert slow.results()[-1].data == ["part 2"]


def test_overlapping_state_calls_in_one_session_on_6(gradio6_app: RunningApp) -> None:
    """Two gr.State calls submitted back to back in one session, then read: both results."""
    s = ps.GradioSession(gradio6_app.url).connect()
    try:
        first = s.invoke("counter", ["x"])
        second = s.invoke("counter", ["y"])
        one, two = first.results()[-1], second.results()[-1]
        assert (one.event, two.event) == ("complete", "complete"), (one, two)
        assert {one.data[0], two.data[0]} in ({"x #1", "y #2"}, {"y #1", "x #2"})
    finally:
        s.close()


def test_stateless_calls_between_state_calls_on_6(gradio6_app: RunningApp) -> None:
    s = ps.GradioSession(gradio6_app.url).connect()
    try:
        assert s.invoke("counter", ["x"]).results()[-1].data[0] == "x #1"
        slow = s.invoke("partials", [2, 0.3])
        quick = s.invoke("echo", ["q"])
        assert s.invoke("counter", ["x"]).results()[-1].data[0] == "x #2"
        assert quick.results()[-1].data == ["echo: q"]
        assert slow.results()[-1].data == ["part 1"]
    finally:
        s.close()


# -- app errors are not silent, cancelled calls say so ----------------------------------------


def test_app_error_warns_with_the_apps_message(session: ps.GradioSession) -> None:
    session.options.Protocol = "auto"  # the queue route carries gr.Error's text on every version
    call = session.invoke("fail_gradio", ["boom"])
    with pytest.warns(ps.PowershaiPyWarning) as caught:
        results = call.results()
    assert [r.event for r in results] == ["error"]
    assert [str(w.message) for w in caught] == ["The app failed on fail_gradio: bad input: boom"]
    assert caught[0].filename == __file__  # points at the caller's line, not the package


def test_app_crash_without_message_warns_with_the_show_error_hint(
        session: ps.GradioSession) -> None:
    call = session.invoke("fail_plain", ["x"])
    with pytest.warns(ps.PowershaiPyWarning) as caught:
        call.results()
    assert call.ApiEvent.error == "UnknownError"
    assert [str(w.message) for w in caught] == [
        "The app failed on fail_plain without saying why: the server hides error messages "
        "unless the app is launched with show_error=True (or raises gr.Error)."
    ]


def test_cancelled_call_says_cancelled(session: ps.GradioSession) -> None:
    call = session.invoke("partials", [50, 0.2])
    first = next(call.update())
    assert first.event == "generating"
    session.cancel(call)
    call.results()
    assert call.ApiEvent.Status == "cancelled"
    assert call.ApiEvent.finished
    assert session.invoke("echo", ["after"]).results()[-1].data == ["echo: after"]
