"""``python -m powershai_py <command>``: the package's command line (also ``powershai-py``)."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

# command -> (module with main(argv), one line of help)
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("powershai_py.demo",
             "start the bundled Gradio app and stream a story from it, in Python then PowerShell"),
    "install-module": ("powershai_py._psmodule",
                       "put the PowershaiPy PowerShell module where `Import-Module PowershaiPy` "
                       "finds it"),
    "worker": ("powershai_py.worker",
               "the JSON-RPC worker the PowerShell module starts (stdin/stdout; not for people)"),
    "generate": ("powershai_py.generator",
                 "regenerate PowerShellModule/PowershaiPy from the spec and help pages "
                 "(in a checkout)"),
}


def usage() -> str:
    width = max(len(name) for name in COMMANDS)
    lines = [
        "usage: python -m powershai_py <command> [options]   (or: powershai-py <command>)",
        "",
        "Drive Gradio apps from Python and PowerShell. Commands:",
        *(f"  {name:<{width}}  {text}" for name, (_, text) in COMMANDS.items()),
        "",
        "`python -m powershai_py <command> --help` tells more. From Python:",
        "  import powershai_py as ps; help(ps)",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help", "help"):
        print(usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command not in COMMANDS:
        print(f"powershai_py: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[command][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
