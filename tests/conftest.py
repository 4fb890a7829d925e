from __future__ import annotations

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
