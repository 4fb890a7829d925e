"""pytest run in a copy of this repository by a Python forked from one that has already
imported the environment's packages (Copier, Jinja, pytest itself): a second faster than a new
Python for each run, which tests/test_planted_defects.py makes once per defect and
tests/test_repository.py once per kind of Dependabot pull request.

What runs is what `python -m pytest ARGS` run in the copy runs: its own working directory,
`sys.path` and environment variables, and the copy's own modules (src/, tests/) imported from
the copy. This module imports nothing of this repository, and the fork server imports only
packages of the environment, never pytest's plugins (pytest rewrites their asserts as it
imports them)."""

from __future__ import annotations

import atexit
import json
import multiprocessing
import os
import subprocess
import sys
import traceback
from functools import cache
from pathlib import Path

#: What the fork server imports once, for every run.
PRELOAD = ["copier", "jinja2", "yaml", "ruamel.yaml", "jsonschema", "pytest"]


@cache
def _server() -> tuple[multiprocessing.context.ForkServerContext, tuple[str, ...]]:
    """The fork server, and the `sys.path` that a new `python -m` has after its first entry
    (the working directory)."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)
    fresh = subprocess.run(
        [sys.executable, "-c", "import json, sys; print(json.dumps(sys.path[1:]))"],
        capture_output=True,
        text=True,
        check=True,
        cwd="/",
    )
    return context, tuple(json.loads(fresh.stdout))


def _main(copy: str, args: list[str], output: str, path: tuple[str, ...]) -> None:
    """In the forked Python: pytest in `copy`, its output (both streams) into `output`; ends
    with pytest's exit status, 99 if pytest itself raised."""
    atexit._clear()  # the fork server's own: at the end, only what this run registered runs
    os.chdir(copy)
    sys.path[:] = [copy, *path]
    with open(output, "w") as out:
        os.dup2(out.fileno(), 1)
        os.dup2(out.fileno(), 2)
    try:
        import pytest

        code = int(pytest.main(args))
    except BaseException:
        traceback.print_exc()
        code = 99
    atexit._run_exitfuncs()  # what a Python that ends runs (the tests' temporary folders)
    sys.stdout.flush()
    sys.stderr.flush()
    sys.exit(code)


def run(copy: Path, *args: str) -> tuple[int, str]:
    """`python -m pytest ARGS` in `copy`: its exit status and output."""
    context, path = _server()
    output = copy.parent / f"{copy.name}-pytest.txt"
    process = context.Process(target=_main, args=(str(copy), list(args), str(output), path))
    process.start()
    process.join()
    return process.exitcode, output.read_text() if output.exists() else "no output"
