from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import render
from variants import VARIANTS


@pytest.fixture(scope="session")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """Render a named variant once per session; tests must not modify what it returns."""
    cache: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in cache:
            cache[name] = render(tmp_path_factory.mktemp(name), VARIANTS[name])
        return cache[name]

    return get


@pytest.fixture(scope="session")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], Path]:
    """Where a job run on a project keeps its Python: one virtual environment per lock of build
    tools. The first job to use it sets Python up and installs the lock there; later jobs run
    the same steps again, and pip finds the lock's packages installed."""
    venvs: dict[str, Path] = {}

    def venv_for(project: Path) -> Path:
        lock = (project / ".github" / "release-requirements.txt").read_bytes()
        key = hashlib.sha256(lock).hexdigest()[:16]
        if key not in venvs:
            venvs[key] = tmp_path_factory.mktemp("runner") / "venv"
        return venvs[key]

    return venv_for
