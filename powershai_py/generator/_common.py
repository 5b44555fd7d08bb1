"""Shared helpers: provenance, PowerShell literals, file encodings."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["GENERATOR_NAME", "GENERATOR_VERSION", "Provenance", "ps_quote", "ps_list"]

GENERATOR_NAME = "powershai_py.generator"
#: Bump when the generated output changes shape for the same inputs.
GENERATOR_VERSION = "0.1.0"


@dataclass(frozen=True)
class Provenance:
    generator_version: str
    spec_schema: str
    inputs_hash: str


def ps_quote(text: str) -> str:
    """A single-quoted PowerShell string literal (quotes doubled, curly quotes too)."""
    escaped = "".join(ch * 2 if ch in "'\u2018\u2019\u201a\u201b" else ch for ch in text)
    return f"'{escaped}'"


def ps_list(items: list[str] | tuple[str, ...]) -> str:
    """``@('a', 'b')`` (``@()`` when empty)."""
    return "@(" + ", ".join(ps_quote(i) for i in items) + ")"
