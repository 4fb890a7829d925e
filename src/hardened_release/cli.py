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
    parser = argparse.ArgumentParser(prog="hardened-release", description=__doc__.split(":")[0])
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    modules = {}
    for command, (module_name, summary) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subcommands.add_parser(command, help=summary, description=module.__doc__)
        module.add_arguments(sub)
        modules[command] = module
    arguments = parser.parse_args(argv)
    try:
        return modules[arguments.command].run(arguments)
    except KeyboardInterrupt:
        print("Stopped.", file=sys.stderr)
        return 130
