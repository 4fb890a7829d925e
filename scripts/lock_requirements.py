"""Lock the release workflow's build tools: requirements/<tool>/release-requirements.txt.

Each requirements/<tool>/release-requirements.in names the tools that the rendered release
workflow runs for a build tool (`build` also serves cibuildwheel's sdist and check jobs). The
template renders it, and its lock, into a project as .github/release-requirements.in and .txt;
the workflow installs the lock with `pip install --require-hashes`, and the project's Dependabot
keeps it current from then on.

This command compiles each lock with `uv pip compile --generate-hashes --universal`, run as if
in a project, so that the command written at the top of the lock is the one a project runs to
regenerate its own copy. Pins already in a lock are kept unless --upgrade is given.

The locks are made for one Python minor version, the one the build jobs run
(requirements/python-version, which the template renders as their setup-python's
`python-version`): every locked package has a wheel for it. `--python X.Y` moves that version
and the locks together.

Usage (needs uv, in the dev dependency group):

    python scripts/lock_requirements.py              # lock what is new in the .in files
    python scripts/lock_requirements.py --upgrade    # move every pin to the newest release
    python scripts/lock_requirements.py --python 3.13  # the build jobs' Python, and the locks
    python scripts/lock_requirements.py --check      # change nothing; exit 1 if a lock is stale
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "requirements"
NAME = "release-requirements"
#: The one place the build jobs' Python minor version is written.
PYTHON_VERSION = SOURCES / "python-version"


def python_version() -> str:
    return PYTHON_VERSION.read_text().strip()


def compile_command(python: str) -> list[str]:
    """The command, relative to a project's root, that each lock records at its top."""
    return [
        *("pip", "compile", "--universal", "--python-version", python, "--generate-hashes"),
        *(f".github/{NAME}.in", "-o", f".github/{NAME}.txt"),
    ]


def uv() -> list[str]:
    """The uv command on PATH, or uv as a module of this Python."""
    found = shutil.which("uv")
    return [found] if found else [sys.executable, "-m", "uv"]


def lock(source: Path, upgrade: bool, python: str) -> str:
    """The lock of `source`'s .in file, compiled in a scratch project."""
    with tempfile.TemporaryDirectory() as scratch:
        github = Path(scratch) / ".github"
        github.mkdir()
        shutil.copy(source / f"{NAME}.in", github)
        if (source / f"{NAME}.txt").exists() and not upgrade:
            shutil.copy(source / f"{NAME}.txt", github)
        command = [*uv(), *compile_command(python), "--quiet", *(["--upgrade"] if upgrade else [])]
        subprocess.run(command, cwd=scratch, check=True)
        return (github / f"{NAME}.txt").read_text()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest")
    parser.add_argument("--check", action="store_true", help="exit 1 if a lock is not current")
    parser.add_argument("--python", metavar="X.Y", help="move the build jobs' Python to X.Y")
    args = parser.parse_args(argv)
    python = args.python or python_version()
    if not re.fullmatch(r"3\.[0-9]+", python):
        parser.error(f"--python {python}: give one minor version, such as 3.13")
    if args.python and not args.check:
        PYTHON_VERSION.write_text(f"{python}\n")
    stale = []
    for source in sorted(path.parent for path in SOURCES.glob(f"*/{NAME}.in")):
        text = lock(source, args.upgrade, python)
        target = source / f"{NAME}.txt"
        if target.exists() and target.read_text() == text:
            continue
        stale.append(target.relative_to(ROOT))
        if not args.check:
            target.write_text(text)
    for path in stale:
        print(f"{'stale' if args.check else 'wrote'}: {path}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
