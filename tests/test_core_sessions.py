"""Session model: registry (names, default, lookups), calls registry, MaxCalls, removal,
MaxHeartBeats / History, and re-updating a finished call."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import pytest

import powershai_py as ps
from tests.fakes.fake_gradio import FakeGradio, Script
from tests.gradio_servers import RunningApp


@pytest.fixture
def fresh(gradio_app: RunningApp) -> Iterator[ps.GradioSession]:
    """A new session per test (on Gradio 6 calls left unread in a session would otherwise
    disturb the next test's calls, Gradio 6 keeps one message queue per session_hash)."""
    s = ps.GradioSession(gradio_app.url).connect()
    yield s
    s.close()


@pytest.fixture
def registry() -> Iterator[ps.SessionRegistry]:
    reg = ps.SessionRegistry()
    yield reg
    for s in list(reg):
        reg.remove(s)


# -- registry -------------------------------------------------------------------------------


def test_registry_names_default_and_lookups(registry: ps.SessionRegistry,
                                            gradio6_app: RunningApp) -> None:
    with pytest.raises(ps.SessionError) as info:
        registry.get(".")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"

    a = registry.new(gradio6_app.url, name="a")
    assert registry.get(".") == [a]  # the only session is the default
    assert registry.get("a") == [a]
    assert registry.get(a.SessionId, by_id=True) == [a]

    b = registry.new(gradio6_app.url, name="b")
    assert registry.get("*") == [a, b]
    assert registry.get("?", like=True) == [a, b]
    with pytest.raises(ps.SessionError) as info:
        registry.get(".")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT"
    assert str(info.value).startswith("POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_DEFAULT: ")

    registry.configure(b, default=True)
    assert registry.get(".") == [b]
    assert registry.resolve(".") is b
    registry.remove(b)
    assert registry.get(".") == [a]
    assert registry.get("*") == [a]


def test_registry_unknown_session(registry: ps.SessionRegistry, gradio6_app: RunningApp) -> None:
    registry.new(gradio6_app.url, name="known")
    with pytest.raises(ps.SessionError) as info:
        registry.get("unknown")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_GETSESSIONS_NOTFOUND"
    assert "unknown" in str(info.value)
    assert registry.get("unk*", like=True) == []


def test_registry_duplicate_name_and_force(registry: ps.SessionRegistry,
                                           gradio6_app: RunningApp) -> None:
    first = registry.new(gradio6_app.url, name="dup")
    with pytest.raises(ps.SessionError) as info:
        registry.new(gradio6_app.url, name="dup")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIOSESSION"
    assert registry.get("*") == [first]

    second = registry.new(gradio6_app.url, name="dup", force=True)
    assert second is not first
    assert registry.get("dup") == [second]
    assert len(registry) == 1
    assert second.invoke("echo", ["x"]).results()[-1].data == ["echo: x"]


def test_registry_unnamed_sessions_are_named_by_url(registry: ps.SessionRegistry,
                                                    gradio_app: RunningApp) -> None:
    s = registry.new(gradio_app.url + "/")
    assert s.name == s.AppUrl
    with pytest.raises(ps.SessionError):
        registry.new(gradio_app.url)  # same URL -> same name -> duplicate


def test_registry_find_call(registry: ps.SessionRegistry, gradio6_app: RunningApp) -> None:
    s = registry.new(gradio6_app.url, name="calls")
    call = s.invoke("echo", ["f"])
    assert registry.find_call(call.id) == (s, call)
    assert registry.find_call("nope") is None
    call.results()


def test_configure_rejects_unknown_policy(registry: ps.SessionRegistry,
                                          gradio6_app: RunningApp) -> None:
    s = registry.new(gradio6_app.url, name="p")
    with pytest.raises(ps.InvalidArgument):
        registry.configure(s, max_calls_policy="explode")
    assert s.options.MaxCallsPolicy == "warning"


# -- calls registry -------------------------------------------------------------------------


def test_unknown_event_id(fresh: ps.GradioSession) -> None:
    with pytest.raises(ps.EventNotFound) as info:
        fresh.get_call("0123456789abcdef")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_UPDATESESSIONAPI_INVALIDEVENT"
    with pytest.raises(ps.EventNotFound):
        fresh.remove_calls("0123456789abcdef", force=True)


def test_get_call_by_id_and_objects(fresh: ps.GradioSession) -> None:
    call = fresh.invoke("echo", ["g"])
    assert fresh.get_call(call.id) is call
    assert fresh.get_call(call) is call
    assert fresh.get_call(call.ApiEvent) is call
    call.results()


def test_max_calls_error(fresh: ps.GradioSession) -> None:
    fresh.options.MaxCalls = 2
    fresh.options.MaxCallsPolicy = "error"
    a = fresh.invoke("echo", ["1"])
    a.results()
    b = fresh.invoke("echo", ["2"])
    b.results()
    with pytest.raises(ps.MaxCallsReached) as info:
        fresh.invoke("echo", ["3"])
    assert info.value.error_id == "POWERSHAI_HUGINGFACE_GRADIOAPI_MAXCALLS"
    assert list(fresh.calls) == [a.id, b.id]
    fresh.remove_calls(a)
    c = fresh.invoke("echo", ["3"])
    assert list(fresh.calls) == [b.id, c.id]
    assert c.results()[-1].data == ["echo: 3"]


def test_max_calls_remove_drops_the_oldest(fresh: ps.GradioSession) -> None:
    fresh.options.MaxCalls = 2
    fresh.options.MaxCallsPolicy = "remove"
    calls = [fresh.invoke("echo", [str(i)]) for i in range(4)]
    for c in calls:
        c.results()
    assert list(fresh.calls) == [calls[2].id, calls[3].id]
    for old in calls[:2]:
        with pytest.raises(ps.EventNotFound):
            fresh.get_call(old.id)


def test_max_calls_warning_keeps_going(fresh: ps.GradioSession) -> None:
    fresh.options.MaxCalls = 1
    fresh.options.MaxCallsPolicy = "warning"
    fresh.invoke("echo", ["1"]).results()
    with pytest.warns(ps.PowershaiPyWarning, match="MaxCalls"):
        second = fresh.invoke("echo", ["2"])
    assert second.results()[-1].data == ["echo: 2"]
    assert len(fresh.calls) == 2


def test_max_calls_warning_through_warn_hook(fresh: ps.GradioSession) -> None:
    fresh.options.MaxCalls = 1
    fresh.invoke("echo", ["1"]).results()
    seen: list[str] = []
    fresh.invoke("echo", ["2"], warn=seen.append).results()
    assert len(seen) == 1 and "MaxCalls" in seen[0]


def _done_and_pending(s: ps.GradioSession) -> tuple[ps.SessionApiEvent, ps.SessionApiEvent]:
    done = s.invoke("echo", ["done"])
    done.results()
    pending = s.invoke("partials", [1, 0.01])  # never read: not completed from our side
    assert done.ApiEvent.finished and not pending.ApiEvent.finished
    return done, pending


def test_remove_calls_clean(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    assert fresh.remove_calls("clean") == [done]
    assert list(fresh.calls) == [pending.id]


def test_remove_calls_all_without_force_takes_completed_only(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    assert fresh.remove_calls("all") == [done]
    assert list(fresh.calls) == [pending.id]


def test_remove_calls_all_force(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    assert fresh.remove_calls("all", force=True) == [done, pending]
    assert len(fresh.calls) == 0


def test_remove_calls_eligible_only_removes_nothing(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    assert fresh.remove_calls("clean", eligible_only=True) == [done]
    assert fresh.remove_calls("all", force=True, eligible_only=True) == [done, pending]
    assert list(fresh.calls) == [done.id, pending.id]


def test_remove_calls_target(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    other = fresh.invoke("echo", ["other"])
    other.results()
    # a running target is kept without force
    assert fresh.remove_calls(pending) == []
    assert pending.id in fresh.calls
    # force takes exactly that target, nothing else
    assert fresh.remove_calls(pending.id, force=True) == [pending]
    assert list(fresh.calls) == [done.id, other.id]
    # a completed target by its GradioApiEvent
    assert fresh.remove_calls(done.ApiEvent) == [done]
    assert list(fresh.calls) == [other.id]


def test_keep_calls_forgets_the_rest_running_or_not(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    other = fresh.invoke("echo", ["other"])
    fresh.keep_calls([other.id])
    assert list(fresh.calls) == [other.id]
    with pytest.raises(ps.EventNotFound):
        fresh.get_call(done.id)


def test_keep_calls_naming_an_unknown_call_changes_nothing(fresh: ps.GradioSession) -> None:
    done, pending = _done_and_pending(fresh)
    with pytest.raises(ps.EventNotFound, match="no-such-call"):
        fresh.keep_calls([done.id, "no-such-call"])
    assert list(fresh.calls) == [done.id, pending.id]


# -- MaxHeartBeats and History --------------------------------------------------------------


@pytest.mark.timeout(60)
def test_max_heartbeats_then_continue(gradio6_fast_heartbeat_app: RunningApp) -> None:
    s = ps.GradioSession(gradio6_fast_heartbeat_app.url).connect()
    try:
        call = s.invoke("slow", [4])
        first = call.results(max_heartbeats=2)
        assert [r.event for r in first] == ["heartbeat", "heartbeat"]
        assert call.ApiEvent.LastQueryStatus == "HeartBeatExpired"
        assert not call.ApiEvent.finished
        rest = call.results()
        assert rest[-1].event == "complete"
        assert rest[-1].data == ["slept"]
        assert rest[0].num == 3  # numbering continues on the same stream
        assert call.ApiEvent.LastQueryStatus == "complete"
        assert call.ApiEvent.Status == "complete"
    finally:
        s.close()


def test_history_keeps_events_and_data(fresh: ps.GradioSession) -> None:
    kept = fresh.invoke("partials", [2, 0.01])
    results = kept.results(history=True)
    assert kept.ApiEvent.events == results
    assert kept.ApiEvent.data == [["part 0"], ["part 1"], ["part 1"]]

    plain = fresh.invoke("partials", [2, 0.01])
    assert len(plain.results()) == 3
    assert plain.ApiEvent.events == []
    assert plain.ApiEvent.data == []


def test_update_of_a_completed_call_warns_and_yields_nothing(fresh: ps.GradioSession) -> None:
    call = fresh.invoke("echo", ["once"])
    call.results()
    with pytest.warns(ps.PowershaiPyWarning, match="Event already completed"):
        again = call.results()
    assert again == []
    assert call.ApiEvent.Status == "complete"
    assert call.Received == 1


def test_update_of_a_completed_call_makes_no_request() -> None:
    with FakeGradio({"x": Script([("complete", '["ok"]')])}) as fake:
        s = ps.GradioSession(fake.url).connect()
        try:
            call = s.invoke("x", ["a"])
            assert call.results()[-1].data == ["ok"]
            before = len(fake.requests)
            seen: list[str] = []
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # the hook gets it, not warnings.warn
                assert call.results(warn=seen.append) == []
            assert len(seen) == 1 and seen[0].startswith("Event already completed")
            assert len(fake.requests) == before
            assert len(fake.requests_to("/call/x/", "GET")) == 1
        finally:
            s.close()
