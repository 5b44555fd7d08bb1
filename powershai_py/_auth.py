"""Which Hugging Face token a request carries, and how it is sent."""

from __future__ import annotations

import os
import threading

PUBLIC = "public"
TOKEN_ENV_VARS = ("HF_API_TOKEN", "HF_TOKEN")

# The token Set-HuggingFaceToken (set_default_token) stored: this process's memory only, never
# written anywhere, as PowerShai keeps it in its session.
_default_token: str | None = None
_default_lock = threading.Lock()


def set_default_token(token: str | None) -> None:
    """Store the token every later call uses when it is given none (``None`` forgets it)."""
    global _default_token
    with _default_lock:
        _default_token = token or None


def default_token() -> str | None:
    """The token stored by :func:`set_default_token`, if any."""
    with _default_lock:
        return _default_token


def resolve_token(explicit: str | None) -> str | None:
    """The token to use: explicit, else the stored one (:func:`set_default_token`), else
    $HF_API_TOKEN (PowerShai's), else $HF_TOKEN (the Hub's).

    The value ``public`` means "send no token at all".
    """
    if explicit is not None and explicit != "":
        return None if explicit.lower() == PUBLIC else explicit
    stored = default_token()
    if stored:
        return stored
    for name in TOKEN_ENV_VARS:
        value = os.environ.get(name)
        if value:
            return value
    return None


def token_headers(token: str | None) -> dict[str, str]:
    """Both headers: the Spaces proxy reads Authorization, newer clients send x-hf-authorization."""
    if not token:
        return {}
    bearer = f"Bearer {token}"
    return {"Authorization": bearer, "x-hf-authorization": bearer}
