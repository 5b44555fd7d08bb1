"""Shared fixtures: real Gradio servers, started lazily and shared across the whole run.

The logic lives in tests/gradio_servers.py (also used by the benchmarks and the demo).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gradio_servers import VERSIONS, RunningApp, ServerPool
from tests.hub_standin import HubStandIn

AUTH = ("user", "pass")

PWSH = Path(__file__).resolve().parent.parent / ".tools" / "pwsh" / "pwsh"
# Set by scripts/test.sh under CI=true or with dotnet on PATH: a missing pwsh fails the `pwsh`
# tests instead of skipping them.
REQUIRE_PWSH = os.environ.get("POWERSHAI_PY_REQUIRE_PWSH") == "1"

_VERSION_PARAMS = [
    pytest.param(v, marks=getattr(pytest.mark, f"gradio{v}"), id=f"gradio{v}") for v in VERSIONS
]

# Fixtures bound to one version: tests that use them get that version's marker.
_FIXTURE_MARKS = {
    "gradio4_app": "gradio4",
    "gradio6_app": "gradio6",
    "gradio6_fast_heartbeat_app": "gradio6",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture, mark in _FIXTURE_MARKS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, mark))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("pwsh") is None or PWSH.exists():
        return
    if REQUIRE_PWSH:
        pytest.fail(f"{PWSH} is missing and PowerShell tests are required here", pytrace=False)
    pytest.skip(f"needs {PWSH}")


@pytest.fixture(scope="session")
def gradio_pool() -> Iterator[ServerPool]:
    pool = ServerPool()
    try:
        yield pool
    finally:
        pool.close_all()


@pytest.fixture(scope="session", params=_VERSION_PARAMS)
def gradio_app(request: pytest.FixtureRequest, gradio_pool: ServerPool) -> RunningApp:
    """The test app on each Gradio major version (4, 5, 6)."""
    return gradio_pool.get(request.param)


@pytest.fixture(scope="session")
def gradio4_app(gradio_pool: ServerPool) -> RunningApp:
    return gradio_pool.get("4")


@pytest.fixture(scope="session")
def gradio6_app(gradio_pool: ServerPool) -> RunningApp:
    return gradio_pool.get("6")


@pytest.fixture(scope="session", params=_VERSION_PARAMS)
def auth_app(request: pytest.FixtureRequest, gradio_pool: ServerPool) -> RunningApp:
    """The test app behind a login (user ``user``, password ``pass``; also in ``.auth``)."""
    return gradio_pool.get(request.param, "--auth", f"{AUTH[0]}:{AUTH[1]}")


@pytest.fixture(scope="session")
def gradio6_fast_heartbeat_app(gradio_pool: ServerPool) -> RunningApp:
    """Gradio 6 with GRADIO_HEARTBEAT_INTERVAL=1 (heartbeats every second)."""
    return gradio_pool.get("6", env={"GRADIO_HEARTBEAT_INTERVAL": "1"})


@pytest.fixture()
def hub(monkeypatch: pytest.MonkeyPatch) -> Iterator[HubStandIn]:
    """The local Hub stand-in, with the core pointed at it, no token in the environment, and
    Space polling fast enough for tests."""
    from powershai_py import _spaces

    with HubStandIn() as standin:
        monkeypatch.setenv("POWERSHAI_HF_HUB_URL", standin.url)
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.delenv("HF_API_TOKEN", raising=False)
        monkeypatch.setattr(_spaces, "POLL_INTERVAL", 0.05)
        yield standin
