"""The repositories in tests/fixtures/repos/: one folder per shape of release setup that
adoption must carry over whole, written for these tests (not copies of other projects' files).

`project(shape)` reads one as plain `Project` data, the way adoption does; `make(shape, path)`
copies it into a git repository with its tags, for the end-to-end tests of `adopt`.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from hardened_release import workflows
from hardened_release.project import Project

REPOS = Path(__file__).parent / "fixtures" / "repos"

#: Each shape's git tags (a folder of files cannot hold them).
TAGS: dict[str, list[str]] = {
    "trusted-publisher": ["v1.0.0", "v1.1.0"],
}

COMPILED = ("mesonpy", "scikit_build_core.build", "maturin")


def shapes() -> list[str]:
    return sorted(p.name for p in REPOS.iterdir() if p.is_dir())


def project(shape: str, root: Path | None = None) -> Project:
    """The shape's repository as adoption reads it (`root` for a copy of it elsewhere)."""
    root = root or REPOS / shape
    pyproject = tomllib.loads(
        (root / "pyproject.toml").read_text() if (root / "pyproject.toml").exists() else ""
    )
    backend = pyproject.get("build-system", {}).get("build-backend")
    return Project(
        root=root,
        workflows=workflows.read_all(root),
        tags=TAGS.get(shape, []),
        build_backend=backend,
        compiled=backend in COMPILED,
        cibuildwheel="cibuildwheel" in pyproject.get("tool", {}),
    )


def make(shape: str, path: Path) -> Path:
    """A git repository at `path` holding the shape's files, committed, with its tags."""
    from helpers import git

    shutil.copytree(REPOS / shape, path)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "The project as it is", cwd=path)
    for tag in TAGS.get(shape, []):
        git("tag", tag, cwd=path)
    return path
