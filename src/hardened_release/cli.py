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
    modules = {}
    # Only the chosen command's module is imported (each has imports of its own to pay for);
    # the overall help lists them by their line of help alone.
    chosen = argv[:1]
    for command, (module_name, summary) in COMMANDS.items():
        if command not in chosen:
            subcommands.add_parser(command, help=summary)
            continue
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
