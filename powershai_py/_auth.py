"""Which Hugging Face token a request carries, and how it is sent."""

from __future__ import annotations

import os

PUBLIC = "public"
TOKEN_ENV_VARS = ("HF_API_TOKEN", "HF_TOKEN")


def resolve_token(explicit: str | None) -> str | None:
    """The token to use: explicit, else $HF_API_TOKEN (PowerShai's), else $HF_TOKEN (the Hub's).

    The value ``public`` means "send no token at all".
    """
    if explicit is not None and explicit != "":
        return None if explicit.lower() == PUBLIC else explicit
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
