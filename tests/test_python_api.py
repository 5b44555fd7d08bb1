"""The short path for Python users (issue 12.2): connect, predict, submit, keyword values,
context managers, readable reprs, a pinned public surface. Real Gradio 4/5/6 servers."""

from __future__ import annotations

import inspect

import pytest

import powershai_py as ps
from powershai_py import _errors as err
from tests.gradio_servers import RunningApp


def test_predict_returns_the_value_itself(gradio_app: RunningApp) -> None:
    with ps.connect(gradio_app.url) as app:
        assert app.predict("echo", "hi") == "echo: hi"
        assert app.predict("echo", text="by name") == "echo: by name"


def test_predict_with_several_outputs_gives_a_tuple(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        value = app.predict("file_echo", None)
        assert isinstance(value, tuple)
        assert len(value) == 2
        assert value == (None, "none:0")


def test_predict_mixes_positional_and_keyword_values(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        assert app.predict("partials", 2, delay=0.01) == "part 1"
        with pytest.raises(ps.InvalidParams, match="value given twice for count"):
            app.predict("partials", 2, count=3)


def test_predict_raises_the_apps_error(gradio_app: RunningApp) -> None:
    with ps.connect(gradio_app.url) as app:
        with pytest.raises(ps.AppError) as caught:
            app.predict("fail_gradio", "boom")
        assert caught.value.error_id == "POWERSHAI_PY_APP_ERROR"
        assert caught.value.text == "The app failed on fail_gradio: bad input: boom"
        assert caught.value.api_name == "fail_gradio"
        # the session goes on
        assert app.predict("echo", "after") == "echo: after"


def test_predict_of_a_crash_hints_at_show_error(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app, pytest.raises(ps.AppError, match="show_error=True"):
        app.predict("fail_plain", "x")


def test_predict_of_a_cancelled_call_raises_call_cancelled(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        call = app.submit("partials", 50, 0.2)
        assert next(call.update()).event == "generating"
        app.cancel(call)
        with pytest.raises(ps.CallCancelled):
            ps.final_value(call)


def test_submit_gives_a_call_to_iterate(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        call = app.submit("partials", count=3, delay=0.01)
        events = [r.event for r in call.update()]
        assert events[-1] == "complete"
        assert events.count("generating") >= 1
        assert call.id in app.calls


def test_invoke_takes_keyword_values(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        call = app.invoke("echo", text="kw")
        assert call.results()[-1].data == ["echo: kw"]


def test_session_closes_at_the_end_of_with(gradio6_app: RunningApp) -> None:
    with ps.connect(gradio6_app.url) as app:
        app.predict("echo", "x")
    assert app.client._http.is_closed  # the pooled connections are released


def test_reprs_are_readable(gradio6_app: RunningApp) -> None:
    unconnected = ps.GradioSession(gradio6_app.url, name="later")
    assert repr(unconnected) == "<GradioSession 'later' (not connected)>"
    with ps.connect(gradio6_app.url, name="demo") as app:
        text = repr(app)
        assert text.startswith("<GradioSession 'demo' http://127.0.0.1:")
        assert "Gradio 6." in text and text.endswith(", 0 calls>")


def test_connect_to_a_dead_port_raises_unreachable() -> None:
    with pytest.raises(err.Unreachable) as info:
        ps.connect("http://127.0.0.1:9", disable_retry=True)
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_UNREACHABLE"


def test_public_names_are_pinned() -> None:
    assert sorted(ps.__all__) == sorted([
        "ApiEventResult", "ApiNotFound", "AppError", "AppInfo", "AuthenticationFailed",
        "CallCancelled", "EventNotFound", "FileNotFoundForUpload", "GradioApiEvent",
        "GradioClient", "GradioConnectionError", "GradioSession", "InvalidArgument",
        "InvalidParams", "InvalidToken", "MaxCallsReached", "PowershaiPyError",
        "PowershaiPyWarning", "QueueFullError", "SessionApiEvent", "SessionError",
        "SessionOptions", "SessionRegistry", "SpaceError", "UnsafeDownload", "__version__",
        "connect", "final_value", "get_space", "gradio_param_type", "list_spaces",
        "normalize_app_url", "resolve_token", "set_token", "start_space", "wait_space", "whoami",
    ])


def test_every_public_name_has_a_docstring() -> None:
    missing = [name for name in ps.__all__ if name != "__version__"
               and not inspect.getdoc(getattr(ps, name))]
    assert missing == []


@pytest.mark.parametrize("value", [-1, "x", True, 2.5])
def test_options_refuse_bad_max_calls(value: object) -> None:
    options = ps.SessionOptions()
    with pytest.raises(ps.InvalidArgument, match="MaxCalls must be a whole number of 0 or more"):
        options.MaxCalls = value  # type: ignore[assignment]
    assert options.MaxCalls == 100


def test_configure_sets_nothing_when_one_value_is_wrong(gradio6_app: RunningApp) -> None:
    sessions = ps.SessionRegistry()
    session = sessions.new(gradio6_app.url)
    try:
        with pytest.raises(ps.InvalidArgument, match="Protocol must be one of"):
            sessions.configure(session, max_calls=5, protocol="ftp")
        assert session.options.MaxCalls == 100
    finally:
        session.close()
