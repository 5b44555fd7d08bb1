"""Generate the PowerShell module ``PowershaiPy`` from the cmdlet spec and the help pages.

Inputs (relative to the repository root, the folder holding ``PowerShellModule/spec/cmdlets.yaml``):

- ``PowerShellModule/spec/cmdlets.yaml``: the cmdlet spec (schema in ``docs/DESIGN.md``);
- ``PowerShellModule/src/runtime/*.ps1``: the hand-written runtime, small files inlined verbatim in
  the order of ``runtime/order.txt``;
- ``PowerShellModule/src/native/*.cs``: the runtime's compiled hot path, one class a file, joined in
  the order of ``native/order.txt`` into ``PowershaiPy.Native.cs`` (the module compiles it on first
  import);
- ``docs/<culture>/<Cmdlet>.md`` for every culture in :data:`CULTURES`: platyPS-style help pages.

Outputs (in ``--out``, default ``PowerShellModule/PowershaiPy``): ``<Module>.psm1``,
``<Module>.psd1`` (both UTF-8 with BOM, for Windows PowerShell 5.1), ``<Module>.format.ps1xml``,
``<culture>/<Module>-help.xml`` and the joined ``PowershaiPy.Native.cs``. Output is deterministic:
the same inputs give the same bytes, so ``--check`` can tell whether the committed module is stale.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path

from ._common import GENERATOR_NAME, GENERATOR_VERSION, Provenance
from ._format import render_format
from ._maml import render_maml
from ._markdown import CommandHelp, load_page
from ._psd1 import render_psd1
from ._psm1 import render_psm1
from ._sources import join_native, join_runtime, load_parts, read_source
from ._spec import GeneratorError, Spec, load_spec

__all__ = [
    "CULTURES",
    "GENERATOR_VERSION",
    "GeneratorError",
    "find_root",
    "generate",
    "main",
    "write_outputs",
]

CULTURES = ("en-US", "es-ES")
SPEC_PATH = Path("PowerShellModule", "spec", "cmdlets.yaml")
RUNTIME_DIR = Path("PowerShellModule", "src", "runtime")
NATIVE_DIR = Path("PowerShellModule", "src", "native")
NATIVE_FILE = "PowershaiPy.Native.cs"
# The in-process bridge: compiled by the runtime only when that transport is chosen (it references
# Python.Runtime.dll), so it is copied beside the hot path, not joined into it.
INPROCESS_PATH = Path("PowerShellModule", "src", "inprocess", "PythonHost.cs")
INPROCESS_FILE = "PowershaiPy.InProcess.cs"
_NATIVE_HEADER = (
    "// PowershaiPy.Native.cs - joined by the generator from PowerShellModule/src/native/*.cs\n"
    "// (order.txt). DO NOT EDIT: change those files and regenerate. C# 5, for Windows\n"
    "// PowerShell 5.1's Add-Type; the runtime compiles it once per source into the user's cache.\n"
)
DEFAULT_OUT = Path("PowerShellModule", "PowershaiPy")
_BOM = "\ufeff"


def find_root(start: Path | None = None) -> Path:
    """The nearest folder holding the spec: upwards from ``start`` (or cwd), then the package's."""
    candidates = [Path(start or Path.cwd()).resolve(), Path(__file__).resolve().parent]
    for base in candidates:
        for folder in (base, *base.parents):
            if (folder / SPEC_PATH).is_file():
                return folder
    raise GeneratorError(
        f"cannot find the repository root (a folder containing {SPEC_PATH.as_posix()}); pass --root"
    )


def _inputs_hash(parts: list[tuple[str, str]]) -> str:
    digest = hashlib.sha256()
    digest.update(f"{GENERATOR_NAME} {GENERATOR_VERSION}\0".encode())
    for name, text in sorted(parts):
        digest.update(name.encode("utf-8") + b"\0" + text.encode("utf-8") + b"\0")
    return "sha256:" + digest.hexdigest()


_Pages = dict[str, dict[str, CommandHelp]]


def _load_pages(root: Path, spec: Spec) -> tuple[_Pages, list[tuple[str, str]]]:
    pages: _Pages = {}
    texts: list[tuple[str, str]] = []
    missing: list[str] = []
    for culture in CULTURES:
        pages[culture] = {}
        for cmdlet in spec.cmdlets:
            rel = Path("docs", culture, f"{cmdlet.name}.md")
            path = root / rel
            if not path.is_file():
                missing.append(rel.as_posix())
                continue
            texts.append((rel.as_posix(), read_source(path, "help page")))
            pages[culture][cmdlet.name] = load_page(path)
    if missing:
        raise GeneratorError(
            "every spec cmdlet needs a help page in each culture; missing: " + ", ".join(missing)
        )
    return pages, texts


def generate(root: Path) -> dict[str, bytes]:
    """Build every output file in memory; keys are POSIX paths relative to the output folder."""
    spec_file = root / SPEC_PATH
    spec_text = read_source(spec_file, "spec")
    spec = load_spec(spec_file)
    runtime_parts = load_parts(root, RUNTIME_DIR, ".ps1", "runtime")
    native_parts = load_parts(root, NATIVE_DIR, ".cs", "runtime's C# source")
    runtime = join_runtime(runtime_parts)
    native = join_native(native_parts, _NATIVE_HEADER)
    # Optional: a module without it simply has no in-process transport (fixtures have none).
    bridge_file = root / INPROCESS_PATH
    bridge = ""
    if bridge_file.exists():
        bridge = read_source(bridge_file, "in-process bridge's C# source")
    pages, page_texts = _load_pages(root, spec)
    provenance = Provenance(
        generator_version=GENERATOR_VERSION,
        spec_schema=spec.schema,
        inputs_hash=_inputs_hash(
            [
                (SPEC_PATH.as_posix(), spec_text),
                *runtime_parts,
                *native_parts,
                *([(INPROCESS_PATH.as_posix(), bridge)] if bridge else []),
                *page_texts,
            ]
        ),
    )
    name = spec.module.name
    # Only the psm1/psd1 carry the inputs hash; the other files change only when their content does.
    stamp = f"Generated by {GENERATOR_NAME} {GENERATOR_VERSION} ({spec.schema}). DO NOT EDIT."
    files: dict[str, bytes] = {
        f"{name}.psm1": (
            _BOM + render_psm1(spec, runtime, provenance, RUNTIME_DIR.as_posix() + "/")
        ).encode("utf-8"),
        f"{name}.psd1": (_BOM + render_psd1(spec, provenance)).encode("utf-8"),
        f"{name}.format.ps1xml": render_format(stamp).encode("utf-8"),
        # The runtime finds it next to the .psm1 ($PSScriptRoot).
        NATIVE_FILE: native.encode("utf-8"),
    }
    if bridge:
        files[INPROCESS_FILE] = bridge.encode("utf-8")
    for culture in CULTURES:
        files[f"{culture}/{name}-help.xml"] = render_maml(
            spec, pages[culture], culture, stamp
        ).encode("utf-8")
        # Conceptual topics (Get-Help about_X) are plain text found in the culture folder; the
        # BOM lets Windows PowerShell 5.1 read their accents.
        for topic in sorted((root / "docs" / culture).glob("about_*.help.txt")):
            text = read_source(topic, "about topic")
            files[f"{culture}/{topic.name}"] = (_BOM + text).encode("utf-8")
    return files


def stale_files(files: dict[str, bytes], out: Path) -> list[str]:
    """Output paths whose committed bytes differ from ``files`` (or that do not exist)."""
    stale: list[str] = []
    for rel, data in sorted(files.items()):
        path = out / rel
        if not path.is_file() or path.read_bytes() != data:
            stale.append(rel)
    return stale


def write_outputs(files: dict[str, bytes], out: Path) -> list[str]:
    """Write the files that changed; return their relative paths."""
    written: list[str] = []
    for rel in stale_files(files, out):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[rel])
        written.append(rel)
    return written


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="powershai-py generate",
        description="Generate the PowershaiPy PowerShell module from the spec and help pages.",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="regenerate in memory; exit 1 listing the files that are stale",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output folder (default: <root>/{DEFAULT_OUT})"
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=None,
        help=f"repository root, the folder containing {SPEC_PATH.as_posix()} (default: found "
        "from the current folder or the package location)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; returns the process exit code (0 ok, 1 stale, 2 error)."""
    args = _parser().parse_args(list(argv) if argv is not None else None)
    try:
        root = Path(args.root).resolve() if args.root is not None else find_root()
        out = Path(args.out) if args.out is not None else root / DEFAULT_OUT
        files = generate(root)
    except GeneratorError as exc:
        print(f"generate: error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = stale_files(files, out)
        if stale:
            print(f"generate: {len(stale)} stale file(s) in {out}:", file=sys.stderr)
            for rel in stale:
                print(f"  {rel}", file=sys.stderr)
            print("run: python -m powershai_py generate", file=sys.stderr)
            return 1
        print(f"generate: {out} is up to date ({len(files)} files)")
        return 0
    written = write_outputs(files, out)
    for rel in written:
        print(f"wrote {out / rel}")
    print(f"generate: {len(written)} of {len(files)} file(s) updated in {out}")
    return 0
