"""The `hardened-release` command: one subcommand per module, each with `add_arguments(parser)`
and `run(arguments) -> int` (the exit status)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

#: Subcommand -> (module, one line of help).
COMMANDS = {
    "adopt": ("hardened_release.adopt", "adopt the release template into an existing repository"),
    "settings": (
        "hardened_release.settings",
        "plan, apply or check the repository's GitHub settings",
    ),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="hardened-release", description=__doc__.split(":")[0])
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # Only the chosen subcommand's module is imported: `settings` runs without Copier's imports.
    chosen = next((word for word in argv if not word.startswith("-")), None)
    modules = {}
    for command, (module_name, summary) in COMMANDS.items():
        sub = subcommands.add_parser(command, help=summary)
        if command == chosen:
            module = importlib.import_module(module_name)
            sub.description = module.__doc__
            module.add_arguments(sub)
            modules[command] = module
    arguments = parser.parse_args(argv)
    try:
        return modules[arguments.command].run(arguments)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
