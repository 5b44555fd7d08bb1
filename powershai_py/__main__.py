"""``python -m powershai_py <command>``: ``worker``, ``generate``, ``demo``."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

USAGE = "usage: python -m powershai_py {worker|generate|demo} [args...]"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "worker":
        from powershai_py.worker import main as worker_main

        return worker_main(rest)
    if command == "generate":
        generator = importlib.import_module("powershai_py.generator")
        return int(generator.main(rest) or 0)
    if command == "demo":
        demo = importlib.import_module("powershai_py.demo")
        return int(demo.main() or 0)
    print(f"unknown command {command!r}\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
