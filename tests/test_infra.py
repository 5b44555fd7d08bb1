"""The Gradio server fixtures start the right versions and answer."""

from __future__ import annotations

import httpx

from tests.gradio_servers import RunningApp


def test_gradio_app_answers_config(gradio_app: RunningApp) -> None:
    response = httpx.get(f"{gradio_app.url}/config", timeout=10)
    assert response.status_code == 200
    config = response.json()
    assert int(config["version"].split(".")[0]) == gradio_app.version
    names = {dep.get("api_name") for dep in config["dependencies"]}
    assert {"echo", "partials", "file_echo", "typed", "Op1", "Op2", "bench_noop"} <= names


def test_auth_app_needs_login(auth_app: RunningApp) -> None:
    assert auth_app.auth == ("user", "pass")
    with httpx.Client(base_url=auth_app.url, timeout=10) as client:
        assert client.get("/config").status_code == 401
        login = client.post("/login", data={"username": "user", "password": "pass"})
        assert login.status_code == 200
        config = client.get("/config")
        assert config.status_code == 200
        assert int(config.json()["version"].split(".")[0]) == auth_app.version
