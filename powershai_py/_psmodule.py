"""``python -m powershai_py install-module``: put the PowershaiPy PowerShell module where
PowerShell finds it by name (``Import-Module PowershaiPy``).

The module ships inside the wheel (``powershai_py/powershell/PowershaiPy``); in a checkout it is
``PowerShellModule/PowershaiPy``. It is copied (or linked, ``--link``) to
``<Modules>/PowershaiPy/<version>/``, the layout Install-PSResource makes. A copy also records
this Python in ``PowershaiPy.python.txt``, the first place the module looks for its worker's
interpreter, so a venv that is not activated still works.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["MODULE_NAME", "PYTHON_RECORD", "install_module", "main", "module_source",
           "user_module_path"]

MODULE_NAME = "PowershaiPy"
PYTHON_RECORD = "PowershaiPy.python.txt"
_PACKAGE = Path(__file__).resolve().parent


class InstallError(Exception):
    """The module cannot be installed; the message says why."""


def module_source() -> Path:
    """The folder holding ``PowershaiPy.psd1``: the wheel's copy, else the checkout's."""
    for folder in (_PACKAGE / "powershell" / MODULE_NAME,
                   _PACKAGE.parent / "PowerShellModule" / MODULE_NAME):
        if (folder / f"{MODULE_NAME}.psd1").is_file():
            return folder
    raise InstallError(f"the {MODULE_NAME} module is not in this installation (looked in "
                       f"{_PACKAGE / 'powershell'} and {_PACKAGE.parent / 'PowerShellModule'})")


def module_version(source: Path) -> str:
    text = (source / f"{MODULE_NAME}.psd1").read_text(encoding="utf-8-sig")
    match = re.search(r"^\s*ModuleVersion\s*=\s*'([^']+)'", text, re.MULTILINE)
    if match is None:
        raise InstallError(f"no ModuleVersion in {source / (MODULE_NAME + '.psd1')}")
    return match.group(1)


def user_module_path(scope: str = "user", windows: bool | None = None) -> Path:
    """PowerShell 7's module folder for ``scope`` ("user" or "allusers"), as PowerShell sets it."""
    windows = os.name == "nt" if windows is None else windows
    if windows:
        if scope == "allusers":
            return Path(os.environ.get("ProgramFiles", r"C:\Program Files"),
                        "PowerShell", "Modules")
        # PowerShell uses the Documents known folder; USERPROFILE\Documents is its usual place.
        documents = Path(os.environ.get("USERPROFILE", str(Path.home())), "Documents")
        return documents / "PowerShell" / "Modules"
    if scope == "allusers":
        return Path("/usr/local/share/powershell/Modules")
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data, "powershell", "Modules")


def _link(target: Path, link: Path) -> None:
    try:
        os.symlink(target, link, target_is_directory=True)
    except OSError:
        if os.name != "nt":
            raise
        # Windows needs developer mode for a symlink; a junction needs nothing.
        import _winapi

        _winapi.CreateJunction(str(target), str(link))  # type: ignore[attr-defined,unused-ignore]


def install_module(dest: Path, *, link: bool = False, python: str | None = None) -> Path:
    """Place the module in ``dest/PowershaiPy/<version>``; return that folder."""
    source = module_source()
    folder = dest / MODULE_NAME / module_version(source)
    if folder.is_symlink() or folder.is_file():
        folder.unlink()
    elif folder.is_dir():
        shutil.rmtree(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    if link:
        _link(source, folder)
        return folder
    shutil.copytree(source, folder, ignore=shutil.ignore_patterns(PYTHON_RECORD))
    (folder / PYTHON_RECORD).write_text((python or sys.executable) + "\n", encoding="utf-8")
    return folder


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m powershai_py install-module",
        description=f"Copy (or link) the {MODULE_NAME} PowerShell module into PowerShell's "
        f"module path, so that `Import-Module {MODULE_NAME}` finds it by name.",
    )
    parser.add_argument("--scope", choices=("user", "allusers"), default="user",
                        help="the current user's module folder (default) or every user's")
    parser.add_argument("--path", type=Path,
                        help="this module folder instead (one of $env:PSModulePath)")
    parser.add_argument("--link", action="store_true",
                        help="link to this installation instead of copying (follows its updates; "
                        "the module then finds its Python next to itself)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(list(argv) if argv is not None else None)
    dest = args.path or user_module_path(args.scope)
    try:
        folder = install_module(dest, link=args.link)
    except (InstallError, OSError) as exc:
        print(f"install-module: error: {exc}", file=sys.stderr)
        return 1
    how = "linked" if args.link else "copied"
    print(f"install-module: {how} {MODULE_NAME} to {folder}")
    if not args.link:
        print(f"install-module: its worker will run {sys.executable}")
    print(f"install-module: now `Import-Module {MODULE_NAME}` in PowerShell")
    return 0
