"""The repositories in tests/fixtures/repos/: one folder per shape of release setup that
adoption must carry over whole, written for these tests (not copies of other projects' files).

`project(shape)` reads one as plain `Project` data, the way adoption does; `make(shape, path)`
copies it into a git repository with its tags, for the end-to-end tests of `adopt`.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import yaml

from hardened_release import workflows
from hardened_release.project import Project

REPOS = Path(__file__).parent / "fixtures" / "repos"

#: What each shape is, as issue 17 lists them.
SHAPES: dict[str, str] = {
    "trusted-publisher": "one workflow that only publishes, with trusted publishing",
    "github-release-beside": "a publish job beside a job that makes the GitHub release",
    "dispatch-version": "a dispatch with a version input that tags after uploading, an owner "
    "guard, build-and-inspect",
    "token-script": "a token upload in a script the workflow calls with TWINE_PASSWORD set",
    "ci-publishes": "a CI workflow whose last job publishes; a zizmor workflow with paths:",
    "release-yaml-zipapp": "release.yaml that attaches a zipapp and rolls back on failure",
    "draft-sha256": "a draft GitHub release with SHA-256 sums; owner guards; uv build",
    "cibuildwheel-matrix": "a cibuildwheel matrix from --print-build-identifiers, CIBW_* env",
    "dispatch-ref": "a dispatch input naming a ref that is checked against a tag; poetry",
    "meson-compiled": "a compiled project (meson-python) built as if pure Python",
    "reusable-publisher": "a reusable publishing workflow (on: workflow_call) and its caller",
    "staged-testpypi": "TestPyPI on every push, PyPI on a release, a zizmor workflow",
    "cookie-cd": "scientific-python/cookie's cd.yml, which that template updates",
    "remote-reusable": "a call of another repository's publishing workflow with a token",
    "draft-provenance-tokens": "tokens to TestPyPI then PyPI, a draft release, SLSA provenance",
    "dedicated-trusted": "a build job and a trusted publish job; a commented Dependabot config "
    "and a RELEASING.rst of its own",
}

#: Each shape's git tags (a folder of files cannot hold them).
TAGS: dict[str, list[str]] = {
    "trusted-publisher": ["v1.0.0", "v1.1.0"],
    "github-release-beside": ["v0.1.0", "v0.2.0"],
    "dispatch-version": ["2.3.0", "2.3.1", "v1.0"],
    "token-script": ["0.9.0"],
    "ci-publishes": ["v3.0.0"],
    "release-yaml-zipapp": ["v1.3.0"],
    "draft-sha256": ["saltmarsh-v1.0.0"],
    "cibuildwheel-matrix": ["v0.4.0"],
    "dispatch-ref": ["v4.1.0"],
    "meson-compiled": ["v1.0.0"],
    "reusable-publisher": ["v0.2.0"],
    "staged-testpypi": ["23.1.0", "24.1.0"],
    "cookie-cd": ["v0.1.0"],
    "remote-reusable": ["v2.0"],
    "draft-provenance-tokens": ["3.0.0", "3.0.1"],
    "dedicated-trusted": ["v0.9.0", "v1.0.0"],
}

#: Build backends that mean compiled extensions (and setuptools with a setup.py that has them).
COMPILED = ("mesonpy", "scikit_build_core.build", "maturin")


def shapes() -> list[str]:
    return sorted(p.name for p in REPOS.iterdir() if p.is_dir())


def project(shape: str, root: Path | None = None) -> Project:
    """The shape's repository as adoption reads it (`root` for a copy of it elsewhere), with
    the shape's tags: `project.read` where the package has it, else the same facts here."""
    root = root or REPOS / shape
    try:
        from hardened_release.project import read  # type: ignore[attr-defined]
    except ImportError:
        read = None
    if read is not None:
        found = read(root)
        found.tags = TAGS.get(shape, [])  # a fixture folder is no git repository of its own
        return found
    pyproject = tomllib.loads(
        (root / "pyproject.toml").read_text() if (root / "pyproject.toml").exists() else ""
    )
    backend = pyproject.get("build-system", {}).get("build-backend")
    setup = root / "setup.py"
    templates = {
        path.name: yaml.safe_load(path.read_text()) for path in root.glob(".copier-answers*.y*ml")
    }
    return Project(
        root=root,
        workflows=workflows.read_all(root),
        tags=TAGS.get(shape, []),
        build_backend=backend,
        compiled=backend in COMPILED or (setup.is_file() and "Extension(" in setup.read_text()),
        cibuildwheel="cibuildwheel" in pyproject.get("tool", {}),
        templates=templates,
        dependabot=next((p.relative_to(root) for p in root.glob(".github/dependabot.y*ml")), None),
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
