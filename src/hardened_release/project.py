"""What adoption knows of a repository before it changes anything: read once, then passed as
plain data to the functions that decide (hardened_release.publishers) and edit."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardened_release.workflows import Workflow


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
