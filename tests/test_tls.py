"""TLS is verified, with one shared context: a real Gradio 6 app behind an https fault proxy.

The certificate is made here with the openssl command (self-signed, for 127.0.0.1 only), so the
only way to trust it is to say so (SSL_CERT_FILE), as for a private certificate authority.
"""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import powershai_py as ps
from powershai_py import _errors as err
from powershai_py._tls import verifying_context
from tests.fakes.fault_proxy import FaultProxy
from tests.gradio_servers import RunningApp

pytestmark = pytest.mark.gradio6


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.fail("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


@pytest.fixture()
def https_app(gradio6_app: RunningApp, certificate: tuple[Path, Path]) -> Iterator[FaultProxy]:
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(str(certificate[0]), str(certificate[1]))
    with FaultProxy(gradio6_app.url, tls=server_side) as proxy:
        yield proxy


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(
        https_app: FaultProxy) -> None:
    with pytest.raises(err.TlsUnverified) as refused:
        ps.connect(https_app.url, token="hf_secret_never_sent")
    assert refused.value.error_id == "POWERSHAI_PY_TLS_UNVERIFIED"
    assert "SSL_CERT_FILE" in str(refused.value)
    assert "hf_secret_never_sent" not in str(refused.value)
    assert https_app.requests == []


def test_a_certificate_for_another_host_name_is_refused(
        https_app: FaultProxy, certificate: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with pytest.raises(err.TlsUnverified):
        ps.connect(https_app.url.replace("127.0.0.1", "localhost"))


def test_a_trusted_certificate_gives_working_sessions_sharing_one_context(
        https_app: FaultProxy, certificate: tuple[Path, Path],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    first = ps.GradioSession(https_app.url)
    second = ps.GradioSession(https_app.url)
    try:
        assert first.predict("echo", "over tls") == "echo: over tls"
        assert second.predict("echo", "again") == "echo: again"
        # The memory fix (issue 11.9): one CA bundle in memory, not one per session.
        assert verifying_context() is verifying_context()
        assert verifying_context().verify_mode == ssl.CERT_REQUIRED
        assert verifying_context().check_hostname is True
    finally:
        first.close()
        second.close()
