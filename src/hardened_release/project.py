"""What adoption knows of a repository before it changes anything: read once, then passed as
plain data to the functions that decide (hardened_release.publishers) and edit."""

from __future__ import annotations

import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from hardened_release import workflows
from hardened_release.workflows import Workflow

#: This template's answers file; other `.copier-answers*` files are other templates'.
ANSWERS_FILE = ".copier-answers.hardened-release.yml"
#: Build backends that compile extensions, as [build-system] build-backend names them.
COMPILED_BACKENDS = ("mesonpy", "scikit_build_core", "maturin", "py_build_cmake", "enscons")
#: A release document's name, without its suffix: RELEASING, release-process, how-to-release...
RELEASE_DOC = re.compile(
    r"(how[-_ ]?to[-_ ]?)?(releasing|release)([-_ ]?(process|procedure|guide|checklist|howto))?",
    re.IGNORECASE,
)
#: A release document's format: Markdown, reStructuredText, text, AsciiDoc.
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt", ".adoc")
#: Where release documents are looked for: the root, .github, and the docs (any depth).
DOC_FOLDERS = (".", ".github", "docs", "doc")
#: Setup-script words that mean setuptools compiles extensions.
EXTENSION_WORDS = re.compile(r"\b(ext_modules|Extension|cythonize|Pybind11Extension)\b")


@dataclass
class Project:
    """A repository as adoption found it. Tests build one directly; `adopt` reads a real one."""

    root: Path
    workflows: list[Workflow] = field(default_factory=list)
    #: Its tags, as git lists them.
    tags: list[str] = field(default_factory=list)
    #: pyproject.toml's [build-system] build-backend, or None.
    build_backend: str | None = None
    #: Whether it builds compiled extensions (a compiled backend, or setuptools extensions).
    compiled: bool = False
    #: Whether it configures cibuildwheel ([tool.cibuildwheel], cibuildwheel.toml).
    cibuildwheel: bool = False
    #: Release documents, in any format and place, relative to `root`.
    releasing_docs: list[Path] = field(default_factory=list)
    #: Other Copier templates' answers files, relative path -> parsed answers.
    templates: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: .github/dependabot.yml (or .yaml), relative to `root`, if it has one.
    dependabot: Path | None = None
    #: The distributions its pyproject.toml files name, anywhere in the repository but in
    #: tests, docs and examples, as PyPI normalizes names (`pydantic-core`), each with the
    #: folder it is defined in ("." for the root): more than one in a repository that releases
    #: several.
    distributions: dict[str, str] = field(default_factory=dict)

    def text(self, path: str | Path) -> str | None:
        """The text of a file inside the repository (such as a script a `run:` line calls), or
        None where there is none or it lies outside the repository."""
        root = self.root.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return None
        try:
            return target.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None


def read(root: Path) -> Project:
    """What the repository at `root` has, read once: WorkflowError for a workflow that is not
    YAML (the caller says what to fix)."""
    root = root.resolve()
    pyproject = _toml(root / "pyproject.toml")
    backend = pyproject.get("build-system", {}).get("build-backend")
    backend = backend if isinstance(backend, str) else None
    return Project(
        root=root,
        workflows=workflows.read_all(root),
        tags=tags(root),
        build_backend=backend,
        compiled=compiled(root, backend, pyproject),
        cibuildwheel="cibuildwheel" in pyproject.get("tool", {})
        or (root / "cibuildwheel.toml").is_file(),
        releasing_docs=releasing_docs(root),
        templates=templates(root),
        dependabot=next(
            (
                p
                for p in (Path(".github/dependabot.yml"), Path(".github/dependabot.yaml"))
                if (root / p).is_file()
            ),
            None,
        ),
        distributions=distributions(root),
    )


def _toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


def tags(root: Path) -> list[str]:
    """The repository's tags, loose and packed alike, as git lists them."""
    result = subprocess.run(
        ["git", "tag", "--list"], cwd=root, capture_output=True, text=True, check=False
    )
    return result.stdout.split() if result.returncode == 0 else []


#: Folders whose pyproject.toml files are not distributions the repository releases.
NOT_RELEASED = {"tests", "test", "testing", "docs", "doc", "examples", "example", "fixtures"}


def normalized(name: str) -> str:
    """A distribution name as PyPI compares names (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def distributions(root: Path) -> dict[str, str]:
    """The distributions the repository's tracked pyproject.toml files define, by name, with
    their folders."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--", "pyproject.toml", "*/pyproject.toml"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    names: dict[str, str] = {}
    for path in sorted(listed.stdout.split("\0") if listed.returncode == 0 else []):
        if not path or set(Path(path).parts[:-1]) & NOT_RELEASED:
            continue
        table = _toml(root / path).get("project")
        name = table.get("name") if isinstance(table, dict) else None
        if isinstance(name, str):
            names.setdefault(normalized(name), str(Path(path).parent))
    return names


def compiled(root: Path, backend: str | None, pyproject: dict[str, Any]) -> bool:
    """Whether the project builds compiled extensions: a compiled backend, or setuptools with
    extension modules (in setup.py, or in pyproject.toml's [tool.setuptools])."""
    if backend and backend.split(".")[0] in COMPILED_BACKENDS:
        return True
    if backend and not backend.startswith("setuptools"):
        return False
    if "ext-modules" in pyproject.get("tool", {}).get("setuptools", {}):
        return True
    setup = root / "setup.py"
    try:
        return bool(setup.is_file() and EXTENSION_WORDS.search(setup.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError):
        return False


def releasing_docs(root: Path) -> list[Path]:
    """Release documents in any format and place the project keeps them: RELEASING.md,
    RELEASE.rst, .github/RELEASING.md, docs/releasing.rst, docs/dev/release-process.md, ..."""
    found: set[Path] = set()
    for folder in DOC_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        candidates = base.rglob("*") if folder in ("docs", "doc") else base.iterdir()
        for path in candidates:
            suffix = path.suffix.lower()
            if suffix in DOC_SUFFIXES and RELEASE_DOC.fullmatch(path.stem) and path.is_file():
                found.add(path.relative_to(root))
    return sorted(found)


def templates(root: Path) -> dict[str, dict[str, Any]]:
    """Other Copier templates' answers files, by path, with their answers (an unreadable one as
    an empty mapping: it is still another template's)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(root.glob(".copier-answers*")):
        if path.name == ANSWERS_FILE or path.suffix not in (".yml", ".yaml"):
            continue
        try:
            data = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, YAMLError):
            data = None
        found[path.name] = dict(data) if isinstance(data, dict) else {}
    return found
