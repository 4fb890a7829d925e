"""Every rendered variant passes the checkers the field trusts, with zero findings. Each checker
runs once over all the variants; a finding names the file, and so the variant (its folder)."""

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


@pytest.fixture(scope="module")
def projects(rendered: Callable[[str], Path]) -> list[Path]:
    """Every variant, rendered."""
    return [rendered(name) for name in sorted(VARIANTS)]


def test_yamllint_strict(projects: list[Path]) -> None:
    files = [file for project in projects for file in project.rglob("*.yml")]
    assert len(files) >= 3 * len(projects)  # answers, Dependabot config, release workflow
    output = check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, *files, cwd=ROOT)
    assert output.strip() == ""


def test_workflow_schema(projects: list[Path]) -> None:
    files = [file for project in projects for file in workflows(project)]
    check(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *files, cwd=ROOT)


def test_dependabot_schema(projects: list[Path]) -> None:
    files = [project / ".github" / "dependabot.yml" for project in projects]
    check(tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", *files, cwd=ROOT)


@pytest.mark.parametrize("persona", ["pedantic", "auditor"])
def test_zizmor(projects: list[Path], persona: str) -> None:
    # Each project is its own input, so that its .github/zizmor.yml (if any) applies to it.
    output = check(
        tool("zizmor"), "--offline", f"--persona={persona}", "--format=plain", *projects, cwd=ROOT
    )
    assert "No findings to report" in output


def test_actionlint_with_shellcheck(projects: list[Path]) -> None:
    assert tool("shellcheck")  # actionlint checks run: scripts only when shellcheck is found
    files = [file for project in projects for file in workflows(project)]
    output = check(tool("actionlint"), "-shellcheck", tool("shellcheck"), *files, cwd=ROOT)
    assert output.strip() == ""
