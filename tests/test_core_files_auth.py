"""Files (upload, result URLs, DownloadPath, hostile names), auth= apps and Hugging Face tokens."""

from __future__ import annotations

import json
import traceback
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import powershai_py as ps
from powershai_py import _errors as err
from tests.fakes.fake_gradio import FakeGradio, Script, closed_port
from tests.gradio_servers import RunningApp

PAYLOAD = b"powershai-py file round trip\n\x00\x01\x02 bytes \xff\xfe\n" * 50


@pytest.fixture(autouse=True)
def no_env_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HF_API_TOKEN", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "sample.bin"
    path.write_bytes(PAYLOAD)
    return path


def api_root(app: RunningApp) -> str:
    return app.url + ("/gradio_api" if app.version >= 5 else "")


def file_result(call: ps.SessionApiEvent) -> tuple[dict, str]:
    results = call.results()
    assert results[-1].event == "complete", results
    file_data, info = results[-1].data
    return file_data, info


# -- upload and result files ----------------------------------------------------------------


def test_file_round_trip(gradio_app: RunningApp, sample: Path) -> None:
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        file_data, info = file_result(s.invoke("file_echo", [str(sample)]))
        assert info == f"sample.bin:{len(PAYLOAD)}"
        url = file_data["url"]
        assert url.startswith(api_root(gradio_app) + "/file=")
        assert "/cal/file=" not in url  # Gradio 4's broken url was rebuilt from path
        response = httpx.get(url, timeout=10)
        assert response.status_code == 200
        assert response.content == PAYLOAD
        assert "local_path" not in file_data  # no DownloadPath, nothing saved
    finally:
        s.close()


def test_upload_recorded_once_and_reused(gradio_app: RunningApp, sample: Path) -> None:
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        first = s.send_files([str(sample)])[0]
        assert s.uploads[str(sample)] == first
        assert first["meta"] == {"_type": "gradio.FileData"}
        assert first["orig_name"] == "sample.bin"
        again = s.send_files([sample])[0]
        assert again == first
        assert httpx.get(first["url"], timeout=10).content == PAYLOAD
        # FileData passed back as a value is used as is (no new upload)
        _, info = file_result(s.invoke("file_echo", [first]))
        assert info == f"sample.bin:{len(PAYLOAD)}"
    finally:
        s.close()


def test_result_file_fed_back_as_input(gradio_app: RunningApp, sample: Path) -> None:
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        out, _ = file_result(s.invoke("file_echo", [str(sample)]))
        again, info = file_result(s.invoke("file_echo", [out]))
        assert info == f"echo-sample.bin:{len(PAYLOAD)}"
        assert httpx.get(again["url"], timeout=10).content == PAYLOAD
    finally:
        s.close()


def test_missing_local_file(gradio_app: RunningApp, tmp_path: Path) -> None:
    s = ps.GradioSession(gradio_app.url).connect()
    try:
        with pytest.raises(ps.FileNotFoundForUpload) as info:
            s.invoke("file_echo", [str(tmp_path / "nope.txt")])
        assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_SENDFILESESSIN_NOTFOUND"
        assert "nope.txt" in str(info.value)
        assert len(s.calls) == 0
        with pytest.raises(ps.FileNotFoundForUpload):
            s.send_files([tmp_path / "nope.txt"])
    finally:
        s.close()


def test_download_path_saves_result_files(gradio_app: RunningApp, sample: Path,
                                          tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    s = ps.GradioSession(gradio_app.url, download_path=str(folder)).connect()
    try:
        file_data, _ = file_result(s.invoke("file_echo", [str(sample)]))
        local = Path(file_data["local_path"])
        assert local.parent == folder.resolve()
        assert local.name == "echo-sample.bin"
        assert local.read_bytes() == PAYLOAD
        # the same server file again (Gradio keeps one cached copy per content) is saved once
        same, _ = file_result(s.invoke("file_echo", [str(sample)]))
        assert same["path"] == file_data["path"]
        assert same["local_path"] == str(local)
        assert [p.name for p in folder.iterdir()] == ["echo-sample.bin"]
        # another file with the same name does not overwrite the first one
        (tmp_path / "b").mkdir()
        second = tmp_path / "b" / "sample.bin"
        second.write_bytes(b"other bytes")
        other, _ = file_result(s.invoke("file_echo", [str(second)]))
        assert Path(other["local_path"]) != local
        assert Path(other["local_path"]).read_bytes() == b"other bytes"
        assert local.read_bytes() == PAYLOAD
        names = sorted(p.name for p in folder.iterdir())
        assert names[0] == "echo-sample-1.bin" and "echo-sample.bin" in names
    finally:
        s.close()


HOSTILE = [
    "../../evil.txt",
    "..\\..\\x",
    "/etc/evil_abs.txt",
    "C:\\Windows\\evil_win.txt",
    "..",
    "",
    "sub/../../../evil_mid.txt",
]


def test_download_path_hostile_names_stay_inside(tmp_path: Path) -> None:
    files = {f"/srv/out/{i}": f"file {i}".encode() for i in range(len(HOSTILE) + 1)}
    data = [{"path": f"/srv/out/{i}", "url": "http://ignored/", "orig_name": name,
             "meta": {"_type": "gradio.FileData"}} for i, name in enumerate(HOSTILE)]
    # no orig_name: the name comes from a hostile server path
    data.append({"path": "/srv/out/" + str(len(HOSTILE)), "orig_name": None,
                 "meta": {"_type": "gradio.FileData"}})
    files["/srv/out/" + str(len(HOSTILE))] = f"file {len(HOSTILE)}".encode()
    script = Script([("complete", json.dumps([data]))])
    root = tmp_path / "root"
    folder = root / "a" / "downloads"
    with FakeGradio({"x": script}, files=files) as fake:
        s = ps.GradioSession(fake.url, download_path=str(folder)).connect()
        try:
            result = s.invoke("x", ["go"]).results()[-1]
        finally:
            s.close()
    saved = result.data[0]
    assert len(saved) == len(data)
    inside = folder.resolve()
    for i, fd in enumerate(saved):
        local = Path(fd["local_path"]).resolve()
        assert local.parent == inside, (HOSTILE + ["<path>"])[i]
        assert local.read_bytes() == f"file {i}".encode()
        assert fd["url"] == fake.api_root + f"/file=/srv/out/{i}"
    assert sorted(p for p in root.rglob("*") if p.is_file()) == sorted(
        Path(fd["local_path"]).resolve() for fd in saved)
    assert not Path("/etc/evil_abs.txt").exists()


# -- auth= apps -----------------------------------------------------------------------------


def test_auth_app_without_credentials(auth_app: RunningApp) -> None:
    s = ps.GradioSession(auth_app.url)
    try:
        with pytest.raises(ps.AuthenticationFailed) as info:
            s.connect()
        assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_AUTH"
        assert str(info.value).startswith("POWERSHAI_HUGGINGFACE_GRADIO_AUTH: ")
    finally:
        s.close()


def test_auth_app_wrong_password(auth_app: RunningApp) -> None:
    registry = ps.SessionRegistry()
    with pytest.raises(ps.AuthenticationFailed) as info:
        registry.new(auth_app.url, username="user", password="N0tThePassw0rd")
    assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_AUTH"
    assert "N0tThePassw0rd" not in full_text(info.value)
    assert len(registry) == 0


def test_auth_app_right_credentials(auth_app: RunningApp, sample: Path, tmp_path: Path) -> None:
    user, password = auth_app.auth or ("", "")
    s = ps.GradioSession(auth_app.url, download_path=str(tmp_path / "dl"))
    try:
        s.connect(username=user, password=password)
        assert s.AppUrl == api_root(auth_app)
        assert s.invoke("echo", ["in"]).results()[-1].data == ["echo: in"]
        parts = [r.data for r in s.invoke("partials", [3, 0.01]).results()]
        assert parts == [["part 0"], ["part 1"], ["part 2"], ["part 2"]]
        file_data, _ = file_result(s.invoke("file_echo", [str(sample)]))
        assert Path(file_data["local_path"]).read_bytes() == PAYLOAD
    finally:
        s.close()


# -- tokens ---------------------------------------------------------------------------------


def auth_headers(fake: FakeGradio) -> set[tuple[str | None, str | None]]:
    """Distinct (Authorization, x-hf-authorization) pairs seen by the fake server."""
    seen = set()
    for r in fake.requests:
        lowered = {k.lower(): v for k, v in r.headers.items()}
        seen.add((lowered.get("authorization"), lowered.get("x-hf-authorization")))
    return seen


@pytest.fixture
def fake() -> Iterator[FakeGradio]:
    with FakeGradio({"x": Script([("generating", '["a"]'), ("complete", '["b"]')])}) as server:
        yield server


def call_once(url: str, token: str | None = None, call_token: str | None = None) -> None:
    s = ps.GradioSession(url, token=token).connect()
    try:
        assert s.invoke("x", ["v"], token=call_token).results()[-1].data == ["b"]
    finally:
        s.close()


def test_explicit_token_beats_environment(fake: FakeGradio,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_API_TOKEN", "hf_api_env")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    call_once(fake.url, token="hf_explicit")
    assert auth_headers(fake) == {("Bearer hf_explicit", "Bearer hf_explicit")}
    kinds = {(r.method, r.path.split("/x")[0]) for r in fake.requests}
    assert ("GET", "/config") in kinds and ("POST", "/gradio_api/call") in kinds
    assert len(fake.requests_to("/gradio_api/call/x/", "GET")) == 1


def test_hf_api_token_beats_hf_token(fake: FakeGradio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_API_TOKEN", "hf_api_env")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    call_once(fake.url)
    assert auth_headers(fake) == {("Bearer hf_api_env", "Bearer hf_api_env")}


def test_hf_token_used_last(fake: FakeGradio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    call_once(fake.url)
    assert auth_headers(fake) == {("Bearer hf_env", "Bearer hf_env")}


def test_no_token_sends_no_header(fake: FakeGradio) -> None:
    call_once(fake.url)
    assert auth_headers(fake) == {(None, None)}


def test_public_sends_no_token(fake: FakeGradio, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_API_TOKEN", "hf_api_env")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    call_once(fake.url, token="public")
    assert auth_headers(fake) == {(None, None)}
    assert ps.resolve_token("PUBLIC") is None


def test_per_call_token_overrides_the_sessions(fake: FakeGradio) -> None:
    call_once(fake.url, token="hf_session", call_token="hf_call")
    # The call's own requests: /queue/join (404 on this fake, which then falls back to /call).
    call_requests = fake.requests_to("/gradio_api/call/") + fake.requests_to("/gradio_api/queue/")
    other = [r for r in fake.requests if r not in call_requests]
    assert {r.headers.get("Authorization") for r in call_requests} == {"Bearer hf_call"}
    assert {r.headers.get("x-hf-authorization") for r in call_requests} == {"Bearer hf_call"}
    assert {r.headers.get("Authorization") for r in other} == {"Bearer hf_session"}


def test_per_call_public_sends_none(fake: FakeGradio) -> None:
    call_once(fake.url, token="hf_session", call_token="public")
    for r in fake.requests_to("/gradio_api/call/"):
        assert "Authorization" not in r.headers and "x-hf-authorization" not in r.headers


SECRET = "hf_SuperSecretToken_12345"


def full_text(exc: BaseException) -> str:
    """The messages of an exception and of every exception chained to it."""
    parts: list[str] = []
    seen: BaseException | None = exc
    while seen is not None and len(parts) < 20:
        parts += traceback.format_exception_only(type(seen), seen) + [repr(seen)]
        seen = seen.__cause__ or seen.__context__
    return "".join(parts)


def test_token_never_in_error_messages(fake: FakeGradio, tmp_path: Path) -> None:
    errors: list[BaseException] = []
    # unreachable app
    with pytest.raises(ps.GradioConnectionError) as info:
        ps.GradioSession(f"http://127.0.0.1:{closed_port()}", token=SECRET).connect()
    errors.append(info.value)
    # not a Gradio app
    with FakeGradio(not_gradio=True) as not_gradio, pytest.raises(
            ps.GradioConnectionError) as info:
        ps.GradioSession(not_gradio.url, token=SECRET).connect()
    errors.append(info.value)
    s = ps.GradioSession(fake.url, token=SECRET).connect()
    try:
        # unknown endpoint, refused by the session and by the server (HTTP 500)
        with pytest.raises(ps.ApiNotFound) as info:
            s.invoke("nope", ["x"])
        errors.append(info.value)
        with pytest.raises(ps.ApiNotFound) as info:
            s.client.submit("nope", ["x"])
        errors.append(info.value)
        with pytest.raises(ps.FileNotFoundForUpload) as info:
            s.send_files([tmp_path / "missing.bin"])
        errors.append(info.value)
    finally:
        s.close()
    assert len(errors) == 5
    for exc in errors:
        assert SECRET not in full_text(exc)
        assert SECRET[3:] not in full_text(exc)


def test_download_the_server_refuses_is_an_http_error_with_its_status(
        gradio6_app: RunningApp, tmp_path: Path) -> None:
    s = ps.GradioSession(gradio6_app.url).connect()
    try:
        # Gradio 6 serves only allowed paths: any other one is 403 "File not allowed".
        with pytest.raises(err.HttpStatusError) as info:
            s.client.download(s.AppUrl + "/file=/tmp/does/not/exist.txt",
                              str(tmp_path / "out.txt"))
        assert info.value.error_id == "POWERSHAI_HUGGINGFACE_GRADIO_HTTP"
        assert info.value.status == 403
        assert not (tmp_path / "out.txt").exists()
    finally:
        s.close()


def test_resolve_token_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ps.resolve_token(None) is None
    assert ps.resolve_token("") is None
    assert ps.resolve_token("abc") == "abc"
    monkeypatch.setenv("HF_TOKEN", "t2")
    assert ps.resolve_token(None) == "t2"
    monkeypatch.setenv("HF_API_TOKEN", "t1")
    assert ps.resolve_token("") == "t1"
    assert ps.resolve_token("public") is None
