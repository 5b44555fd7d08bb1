"""The hand-written PowerShell runtime and its C# hot path: small files joined in a declared order.

Each folder (``PowerShellModule/src/runtime``, ``PowerShellModule/src/native``) lists its files in
``order.txt``, one name a line. The generator fails on a listed file that is missing and on a file
of the folder's kind that is not listed, so a new part cannot be forgotten silently.
"""

from __future__ import annotations

import re
from pathlib import Path

from ._spec import GeneratorError

ORDER_FILE = "order.txt"
_USING = re.compile(r"^using [A-Za-z_][\w.]*;$")


def read_source(path: Path, what: str) -> str:
    """The text of an input file with LF line endings (no BOM)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise GeneratorError(f"missing {what}: {path}") from None
    except OSError as exc:
        raise GeneratorError(f"cannot read {what} {path}: {exc}") from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def load_parts(root: Path, folder: Path, suffix: str, what: str) -> list[tuple[str, str]]:
    """``(repository-relative POSIX path, text)`` of each part, in ``order.txt``'s order."""
    base = root / folder
    order = read_source(base / ORDER_FILE, f"{what} order")
    names = [line.strip() for line in order.split("\n") if line.strip()]
    if len(set(names)) != len(names):
        raise GeneratorError(f"{folder.as_posix()}/{ORDER_FILE} lists a file twice")
    present = {p.name for p in base.glob(f"*{suffix}")} if base.is_dir() else set()
    undeclared = sorted(present - set(names))
    if undeclared:
        raise GeneratorError(
            f"{what} files not listed in {folder.as_posix()}/{ORDER_FILE}: " + ", ".join(undeclared)
        )
    parts: list[tuple[str, str]] = []
    for name in names:
        rel = (folder / name).as_posix()
        parts.append((rel, read_source(base / name, what)))
    return parts


def join_runtime(parts: list[tuple[str, str]]) -> str:
    """The runtime parts one after the other, each in a region naming its file."""
    chunks = [f"#region {rel}\n{text.strip(chr(10))}\n#endregion {rel}" for rel, text in parts]
    return "\n\n".join(chunks)


def join_native(parts: list[tuple[str, str]], header: str) -> str:
    """One C# compilation unit: every part's ``using`` directives hoisted (C# wants them before
    any namespace), then the parts' bodies in order."""
    usings: list[str] = []
    bodies: list[str] = []
    for rel, text in parts:
        lines = text.split("\n")
        body_start = 0
        for i, line in enumerate(lines):
            stripped = line.strip()
            if _USING.match(stripped):
                if stripped not in usings:
                    usings.append(stripped)
                body_start = i + 1
            elif stripped.startswith("namespace "):
                break
        body = "\n".join(lines[body_start:]).strip("\n")
        bodies.append(f"// ---- {rel}\n{body}")
    hoisted = "\n".join(sorted(usings, key=lambda u: u.rstrip(";")))
    return header + hoisted + "\n\n" + "\n\n".join(bodies) + "\n"
