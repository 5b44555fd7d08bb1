"""The worker keeps the variables the core reads in step with what PowerShell sends."""

from __future__ import annotations

import os

import pytest

from powershai_py.worker._environment import WATCHED_ENV_VARS, apply_environment


@pytest.fixture(autouse=True)
def _restore_watched(monkeypatch: pytest.MonkeyPatch) -> None:
    """apply_environment unsets watched names it was not sent (SSL_CERT_FILE among them):
    registering each with monkeypatch puts them back for the tests after these."""
    for name in WATCHED_ENV_VARS:
        if name in os.environ:
            monkeypatch.setenv(name, os.environ[name])
        else:
            monkeypatch.delenv(name, raising=False)


def test_sent_values_are_set_and_watched_names_not_sent_are_unset(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "old")
    monkeypatch.delenv("HF_API_TOKEN", raising=False)
    monkeypatch.setenv("POWERSHAI_PY_NOT_WATCHED", "kept")
    apply_environment({"HF_API_TOKEN": "new", "POWERSHAI_PY_NOT_WATCHED": "ignored"})
    assert os.environ["HF_API_TOKEN"] == "new"
    assert "HF_TOKEN" not in os.environ
    assert os.environ["POWERSHAI_PY_NOT_WATCHED"] == "kept"


def test_a_request_without_env_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "stays")
    apply_environment(None)
    assert os.environ["HF_TOKEN"] == "stays"


def test_the_names_cover_tokens_the_hub_and_tls_trust() -> None:
    for name in ("HF_API_TOKEN", "HF_TOKEN", "POWERSHAI_HF_HUB_URL", "SSL_CERT_FILE"):
        assert name in WATCHED_ENV_VARS
