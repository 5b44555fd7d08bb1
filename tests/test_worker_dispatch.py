"""The worker's dispatch and protocol methods over the in-memory transport."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from powershai_py._errors import EventNotFound, PowershaiPyError
from powershai_py.generator import load_spec
from powershai_py.worker import CmdletContext, CmdletResult, MemoryTransport, Server, _jsonrpc
from powershai_py.worker._state import ProxyRecord, WorkerState
from powershai_py.worker._transport import encode_message
from powershai_py.worker.handlers import handler_table
from tests.gradio_servers import RunningApp
from tests.waiting import BOUND, wait_until

SPEC_PATH = Path(__file__).resolve().parent.parent / "PowerShellModule" / "spec" / "cmdlets.yaml"


def test_error_code_constants() -> None:
    assert _jsonrpc.PARSE_ERROR == -32700
    assert _jsonrpc.INVALID_REQUEST == -32600
    assert _jsonrpc.METHOD_NOT_FOUND == -32601
    assert _jsonrpc.INVALID_PARAMS == -32602
    assert _jsonrpc.INTERNAL_ERROR == -32603
    assert _jsonrpc.SERVER_ERROR == -32000
    assert _jsonrpc.InvalidParams("x").code == -32602
    assert _jsonrpc.MethodNotFound("x").code == -32601


def test_encode_is_compact_utf8_line() -> None:
    data = encode_message({"a": "é\nx", "b": [1, 2]})
    assert data == '{"a":"é\\nx","b":[1,2]}\n'.encode()
    assert data.count(b"\n") == 1


def _stream_gen(ctx: CmdletContext, count: int, delay: float) -> Iterator[Any]:
    for i in range(count):
        time.sleep(delay)
        ctx.verbose(f"item {i}")
        yield {"i": i}


def _slow(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    def gen() -> Iterator[Any]:
        try:
            while not ctx.cancelled.is_set():
                yield {"tick": True}
                ctx.cancelled.wait(float(args.get("Delay", 0.05)))
        finally:
            CLOSED.set()

    return CmdletResult(output=[], stream=gen())


CLOSED = threading.Event()
NOTIFIED = threading.Event()
GATE = threading.Event()


def _notified(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    NOTIFIED.set()
    return CmdletResult(output=[args])


def _gated(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    """One item, given only once GATE is set (or after BOUND: then the item says so)."""

    def gen() -> Iterator[Any]:
        yield {"released": GATE.wait(BOUND)}

    return CmdletResult(output=[], stream=gen())


def _error(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    ctx.warning("first")
    raise PowershaiPyError("nope", error_id="POWERSHAI_TEST_ID", category="ObjectNotFound")


def _crash(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    raise ZeroDivisionError("division by zero")


def _broken_stream(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
    def gen() -> Iterator[Any]:
        yield 1
        raise PowershaiPyError("mid-stream", error_id="POWERSHAI_TEST_STREAM")

    return CmdletResult(output=[0], stream=gen())


FAKES: dict[str, Any] = {
    "Invoke-Echo": lambda ctx, args: CmdletResult(output=[args]),
    "Get-Messages": lambda ctx, args: (
        ctx.warning("w"),
        ctx.verbose("v"),
        ctx.progress("act", "st", 10),
        ctx.invoke("Script", 5),
        CmdletResult(output=[]),
    )[-1],
    "Get-Count": lambda ctx, args: CmdletResult(
        output=[], stream=_stream_gen(ctx, int(args["Count"]), float(args["Delay"]))
    ),
    "Get-Slow": _slow,
    "Get-Gated": _gated,
    "Invoke-Notified": _notified,
    "Invoke-Error": _error,
    "Invoke-Crash": _crash,
    "Get-Broken": _broken_stream,
    "Remove-It": lambda ctx, args: CmdletResult(
        output=[{"dry": ctx.dry_run, "approved": ctx.approved}]
    ),
}


class Client:
    def __init__(self, transport: MemoryTransport) -> None:
        self.transport = transport
        self.next_id = 0
        self.parked: dict[Any, dict[str, Any]] = {}
        self.lock = threading.Lock()

    def send(self, method: str, params: dict[str, Any] | None = None) -> int:
        with self.lock:
            self.next_id += 1
            msg_id = self.next_id
        self.transport.send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": params})
        return msg_id

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.transport.send({"jsonrpc": "2.0", "method": method, "params": params})

    def wait(self, msg_id: Any, timeout: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            with self.lock:
                if msg_id in self.parked:
                    return self.parked.pop(msg_id)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(msg_id)
            try:
                message = self.transport.receive(timeout=min(remaining, 0.05))
            except Exception:  # noqa: BLE001 - queue.Empty
                continue
            with self.lock:
                self.parked[message.get("id")] = message

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.wait(self.send(method, params))


@pytest.fixture
def server() -> Iterator[tuple[Server, Client, list[int]]]:
    transport = MemoryTransport()
    exits: list[int] = []
    srv = Server(
        transport,
        cmdlets=FAKES,
        get_property=lambda ref, name: [ref, name],
        exit_process=exits.append,
    )
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield srv, Client(transport), exits
    transport.close()
    thread.join(2)
    assert not thread.is_alive()


def test_initialize(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    reply = client.call("initialize", {"protocolVersion": "1", "moduleVersion": "0.1.0"})
    assert reply["jsonrpc"] == "2.0"
    assert reply["result"]["protocolVersion"] == "1"
    assert isinstance(reply["result"]["pid"], int)
    assert isinstance(reply["result"]["packageVersion"], str)


def test_cmdlet_round_trip(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    args = {"a": [1, {"b": "ü"}], "when": {"$datetime": "2024-01-01T00:00:00+00:00"}}
    reply = client.call("cmdlet", {"name": "Invoke-Echo", "args": args})
    assert reply["result"] == {
        "messages": [], "output": [args], "items": [], "stream": None, "done": True
    }


def test_messages_in_order(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    reply = client.call("cmdlet", {"name": "Get-Messages", "args": {}})
    levels = [m["level"] for m in reply["result"]["messages"]]
    assert levels == ["warning", "verbose", "progress", "invoke"]
    assert reply["result"]["messages"][2]["percent"] == 10
    assert reply["result"]["messages"][3] == {"level": "invoke", "param": "Script", "arg": 5}


def test_dry_run_and_approved(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    dry = client.call("cmdlet", {"name": "Remove-It", "args": {}, "dryRun": True})
    assert dry["result"]["output"] == [{"dry": True, "approved": None}]
    real = client.call("cmdlet", {"name": "Remove-It", "args": {}, "approved": ["x"]})
    assert real["result"]["output"] == [{"dry": False, "approved": ["x"]}]


def test_package_error_mapping(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    error = client.call("cmdlet", {"name": "Invoke-Error", "args": {}})["error"]
    assert error["code"] == -32000
    assert error["message"] == "POWERSHAI_TEST_ID: nope"
    assert error["data"]["errorId"] == "POWERSHAI_TEST_ID"
    assert error["data"]["category"] == "ObjectNotFound"
    assert error["data"]["messages"] == [{"level": "warning", "text": "first"}]


def test_internal_error_mapping(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    error = client.call("cmdlet", {"name": "Invoke-Crash", "args": {}})["error"]
    assert error["code"] == -32603
    assert error["data"]["errorId"] == "POWERSHAI_PY_INTERNAL"
    assert "ZeroDivisionError" in error["message"]
    assert "Traceback" not in error["message"]


def test_unknown_cmdlet(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    error = client.call("cmdlet", {"name": "Get-Nothing", "args": {}})["error"]
    assert error["code"] == -32000
    assert error["data"]["errorId"] == "POWERSHAI_PY_UNKNOWN_CMDLET"
    assert error["message"].startswith("POWERSHAI_PY_UNKNOWN_CMDLET: ")


def test_unknown_method_and_bad_params(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    assert client.call("nope/method")["error"]["code"] == -32601
    assert client.call("cmdlet", {"args": {}})["error"]["code"] == -32602
    reply = client.wait(
        _send_raw(client, {"jsonrpc": "2.0", "id": 99, "method": "cmdlet", "params": [1, 2]})
    )
    assert reply["error"]["code"] == -32602
    bad = client.wait(_send_raw(client, {"id": 77, "method": "cmdlet"}))
    assert bad["error"]["code"] == -32600


def _send_raw(client: Client, message: dict[str, Any]) -> Any:
    client.transport.send(message)
    return message["id"]


def test_parse_error_then_keeps_going(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    client.transport.send_raw(b"{not json\n")
    error = client.wait(None)
    assert error["error"]["code"] == -32700
    assert client.transport.outgoing.empty()
    client.transport.send_raw(b"[1,2]\n")
    assert client.wait(None)["error"]["code"] == -32700
    assert "result" in client.call("initialize", {})


def test_notification_gets_no_response(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    NOTIFIED.clear()
    client.notify("cmdlet", {"name": "Invoke-Notified", "args": {}})
    client.notify("no/such", {})
    # Both handled (the cmdlet ran, no handler is left): any answer would have been sent by now.
    assert NOTIFIED.wait(BOUND)
    assert srv.dispatcher.wait_idle(BOUND)
    assert client.transport.outgoing.empty()
    # and the next request's answer is the first message out
    client.send("initialize", {})
    assert client.transport.receive(timeout=BOUND)["id"] == client.next_id


def test_object_get(server: tuple[Server, Client, list[int]]) -> None:
    _, client, _ = server
    ref = {"$type": "T", "$id": "1"}
    assert client.call("object/get", {"ref": ref, "property": "P"})["result"] == [ref, "P"]
    wrapped = client.call("object/get", {"ref": {"$ref": ref}, "property": "P"})
    assert wrapped["result"] == [ref, "P"]


def test_stream_items_then_done(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    start = client.call("cmdlet", {"name": "Get-Count", "args": {"Count": 2, "Delay": 0}})
    token = start["result"]["stream"]
    assert isinstance(token, str)
    first = client.call("stream/next", {"token": token})["result"]
    assert first["items"] == [{"i": 0}] and first["done"] is False
    assert first["messages"] == [{"level": "verbose", "text": "item 0"}]
    client.call("stream/next", {"token": token})
    last = client.call("stream/next", {"token": token})["result"]
    assert last == {"messages": [], "output": [], "items": [], "stream": None, "done": True}
    assert srv.open_streams() == 0
    gone = client.call("stream/next", {"token": token})["error"]
    assert gone["data"]["errorId"] == "POWERSHAI_PY_UNKNOWN_STREAM"


def test_client_token_brings_the_first_item(server: tuple[Server, Client, list[int]]) -> None:
    """With a token of its own the caller gets the first item in the cmdlet answer."""
    srv, client, _ = server
    args = {"Count": 2, "Delay": 0.05}
    start = client.call("cmdlet", {"name": "Get-Count", "args": args, "token": "tok-first-1"})
    result = start["result"]
    assert result["items"] == [{"i": 0}] and result["stream"] == "tok-first-1"
    assert result["done"] is False
    rest = client.call("stream/next", {"token": "tok-first-1"})["result"]
    assert rest["items"] == [{"i": 1}]
    client.call("stream/next", {"token": "tok-first-1"})
    assert srv.open_streams() == 0
    bad = client.call("cmdlet", {"name": "Get-Count", "args": args, "token": "no spaces!"})
    assert bad["error"]["code"] == -32602


def test_client_token_closed_before_the_answer(server: tuple[Server, Client, list[int]]) -> None:
    """A caller stopped while its cmdlet starts closes the stream by its own token."""
    srv, client, _ = server
    client.notify("stream/close", {"token": "tok-early-1"})
    start = client.call("cmdlet", {"name": "Get-Count", "args": {"Count": 50, "Delay": 0.05},
                                   "token": "tok-early-1"})
    assert "result" in start, start
    assert start["result"]["done"] is True and start["result"]["items"] == []
    assert srv.open_streams() == 0


def test_stream_error_drops_token(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    token = client.call("cmdlet", {"name": "Get-Broken", "args": {}})["result"]["stream"]
    assert client.call("stream/next", {"token": token})["result"]["items"] == [1]
    error = client.call("stream/next", {"token": token})["error"]
    assert error["data"]["errorId"] == "POWERSHAI_TEST_STREAM"
    assert srv.open_streams() == 0


def test_two_streams_interleave(server: tuple[Server, Client, list[int]]) -> None:
    """A stream/next blocked on a slow stream does not hold up a fast one."""
    _, client, _ = server
    GATE.clear()
    slow = client.call("cmdlet", {"name": "Get-Gated", "args": {}})
    fast = client.call("cmdlet", {"name": "Get-Count", "args": {"Count": 5, "Delay": 0}})
    slow_id = client.send("stream/next", {"token": slow["result"]["stream"]})
    got = []
    try:
        # the slow stream's next cannot answer before GATE is set: the fast one must end first
        while True:
            result = client.call("stream/next", {"token": fast["result"]["stream"]})["result"]
            if result["done"]:
                break
            got.extend(result["items"])
        assert slow_id not in client.parked
    finally:
        GATE.set()
    assert [item["i"] for item in got] == [0, 1, 2, 3, 4]
    assert client.wait(slow_id)["result"]["items"] == [{"released": True}]


def test_stream_close_while_next_runs(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    CLOSED.clear()
    token = client.call("cmdlet", {"name": "Get-Slow", "args": {"Delay": 0.3}})["result"]["stream"]
    assert client.call("stream/next", {"token": token})["result"]["items"]
    pending = client.send("stream/next", {"token": token})
    client.notify("stream/close", {"token": token})
    reply = client.wait(pending)
    assert "result" in reply
    assert CLOSED.wait(2)
    assert srv.open_streams() == 0


def test_stream_close_idle(server: tuple[Server, Client, list[int]]) -> None:
    srv, client, _ = server
    CLOSED.clear()
    token = client.call("cmdlet", {"name": "Get-Slow", "args": {}})["result"]["stream"]
    client.call("stream/next", {"token": token})
    client.notify("stream/close", {"token": token})
    assert CLOSED.wait(2)
    client.call("initialize", {})  # a round trip: the close notification has been handled
    assert srv.open_streams() == 0


def test_stream_next_after_its_close_answers_done(server: tuple[Server, Client, list[int]]) -> None:
    # Requests run on threads of their own, so a stream/next sent before a stream/close may run
    # after it: it ends the stream as "done", where a token never opened is an error.
    srv, client, _ = server
    token = client.call("cmdlet", {"name": "Get-Slow", "args": {}})["result"]["stream"]
    client.notify("stream/close", {"token": token})
    client.call("initialize", {})  # a round trip: the close notification has been handled
    assert srv.open_streams() == 0
    late = client.call("stream/next", {"token": token})["result"]
    assert late == {"messages": [], "output": [], "items": [], "stream": None, "done": True}
    never = client.call("stream/next", {"token": "never-opened-token"})["error"]
    assert never["data"]["errorId"] == "POWERSHAI_PY_UNKNOWN_STREAM"


def test_shutdown_responds_then_exits(server: tuple[Server, Client, list[int]]) -> None:
    _, client, exits = server
    reply = client.call("shutdown", {})
    assert reply["result"] is None
    wait_until(lambda: exits, "the server asked to exit")
    assert exits == [0]


def test_eof_ends_run() -> None:
    transport = MemoryTransport()
    srv = Server(transport, cmdlets={})
    transport.close()
    assert srv.run() == 0


def _call(transport: MemoryTransport, request_id: int, name: str, args: dict[str, Any]
          ) -> dict[str, Any]:
    transport.send({"jsonrpc": "2.0", "id": request_id, "method": "cmdlet",
                    "params": {"name": name, "args": args}})
    return transport.receive()


def test_server_serves_the_handler_table_over_its_own_state() -> None:
    state = WorkerState()
    state.proxies["invoke-gradioapiop1"] = ProxyRecord(
        "Invoke-GradioApiOp1", "Op1", "s-1", "app", "Invoke-GradioApi")
    transport = MemoryTransport()
    srv = Server(transport, state=state)
    thread = threading.Thread(target=srv.run)
    thread.start()
    try:
        reply = _call(transport, 1, "Get-GradioSessionApiProxyFunction", {"Session": "*"})
        assert [p["name"] for p in reply["result"]["output"]] == ["Invoke-GradioApiOp1"]
        assert reply["result"]["output"][0]["emit"]["SessionExists"] is False
        other = Server(MemoryTransport())
        assert other.state is not srv.state and not other.state.proxies
    finally:
        transport.close()
        thread.join(10)


def test_spec_cmdlets_equal_the_worker_handler_table() -> None:
    spec = load_spec(SPEC_PATH)
    table = handler_table()
    public = {name for name, handler in table.items() if not handler.internal}
    assert public == {c.name for c in spec.cmdlets}
    assert {n for n, h in table.items() if h.internal} == {
        "Invoke-GradioProxyFunction", "Get-GradioDynamicApiParameter"}


def test_bare_events_are_bounded_oldest_dropped(gradio6_app: RunningApp) -> None:
    transport = MemoryTransport()
    srv = Server(transport, state=WorkerState(bare_event_limit=2))
    thread = threading.Thread(target=srv.run)
    thread.start()
    try:
        sent = [_call(transport, i, "Send-GradioApi", {
            "AppUrl": gradio6_app.url, "ApiName": "echo", "Params": [f"m{i}"]})["result"]
            ["output"][0]["EventId"] for i in range(3)]
        assert srv.state.bare_event_ids() == sent[1:]
        gone = _call(transport, 10, "Update-GradioApiResult", {"ApiEvent": sent[0]})
        assert gone["error"]["data"]["errorId"] == EventNotFound.error_id
        kept = _call(transport, 11, "Update-GradioApiResult", {"ApiEvent": sent[2]})["result"]
        items = kept["items"]
        while not kept["done"]:
            kept = srv.stream_next({"token": kept["stream"]})
            items += kept["items"]
        assert [i["data"] for i in items if i["event"] == "complete"] == ["echo: m2"]
    finally:
        transport.close()
        thread.join(10)


def test_unserialisable_result_becomes_internal_error() -> None:
    transport = MemoryTransport()
    srv = Server(
        transport,
        cmdlets={"Bad": lambda ctx, args: CmdletResult(output=[object()])},
        threaded=False,
    )
    transport.send({"jsonrpc": "2.0", "id": 1, "method": "cmdlet", "params": {"name": "Bad"}})
    transport.close()
    srv.run()
    reply = transport.receive()
    assert reply["id"] == 1
    assert reply["error"]["code"] == -32603


def test_eof_lets_running_requests_answer() -> None:
    """A request still running when end of input is read answers before run() returns."""
    eof_seen = threading.Event()

    def slow(ctx: CmdletContext, args: dict[str, Any]) -> CmdletResult:
        # answers only once the loop has read end of input and waits for running requests
        return CmdletResult(output=["late" if eof_seen.wait(BOUND) else "eof never seen"])

    transport = MemoryTransport()
    srv = Server(transport, cmdlets={"Slow": slow})
    wait_idle = srv.dispatcher.wait_idle

    def spy(timeout: float) -> bool:
        eof_seen.set()
        return wait_idle(timeout)

    srv.dispatcher.wait_idle = spy  # type: ignore[method-assign]
    transport.send({"jsonrpc": "2.0", "id": 1, "method": "cmdlet", "params": {"name": "Slow"}})
    transport.close()
    assert srv.run() == 0
    assert transport.receive(timeout=0)["result"]["output"] == ["late"]


def test_eof_cancels_open_streams() -> None:
    transport = MemoryTransport()
    srv = Server(transport, cmdlets=FAKES)
    CLOSED.clear()
    transport.send(
        {"jsonrpc": "2.0", "id": 1, "method": "cmdlet", "params": {"name": "Get-Slow", "args": {}}}
    )
    runner = threading.Thread(target=srv.run, daemon=True)
    runner.start()
    token = transport.receive()["result"]["stream"]
    transport.send({"jsonrpc": "2.0", "id": 2, "method": "stream/next", "params": {"token": token}})
    transport.receive()
    transport.close()
    runner.join(3)
    assert not runner.is_alive()
