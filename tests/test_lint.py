"""Every rendered variant passes the checkers the field trusts, with zero findings."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ROOT
from variants import VARIANTS

YAMLLINT_CONFIG = ROOT / "tests" / "yamllint.yml"


def tool(name: str) -> str:
    """A checker installed beside this interpreter (the test environment's own)."""
    path = Path(sys.executable).parent / name
    found = str(path) if path.exists() else shutil.which(name)
    assert found, f"{name} is not installed: install the test dependency group"
    return found


def check(*command: str | Path, cwd: Path) -> str:
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{command[0]} failed:\n{output}"
    return output


def workflows(project: Path) -> list[Path]:
    return sorted((project / ".github" / "workflows").glob("*.yml"))


@pytest.fixture(params=sorted(VARIANTS), scope="module")
def project(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> Path:
    return rendered(request.param)


def test_yamllint_strict(project: Path) -> None:
    files = [*project.rglob("*.yml")]
    assert len(files) >= 4
    output = check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, *files, cwd=project)
    assert output.strip() == ""


def test_workflow_schema(project: Path) -> None:
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *workflows(project),
        cwd=project,
    )


def test_dependabot_schema(project: Path) -> None:
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.dependabot",
        project / ".github" / "dependabot.yml",
        cwd=project,
    )


@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor(project: Path, persona: str) -> None:
    output = check(
        tool("zizmor"), "--offline", f"--persona={persona}", "--format=plain", ".", cwd=project
    )
    assert "No findings to report" in output


def test_actionlint_with_shellcheck(project: Path) -> None:
    assert tool("shellcheck")  # actionlint checks run: scripts only when shellcheck is found
    output = check(
        tool("actionlint"), "-shellcheck", tool("shellcheck"), *workflows(project), cwd=project
    )
    assert output.strip() == ""
