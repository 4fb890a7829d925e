"""The README's commands stay true, and the docs name what the template really has."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, group_pins, release, repository_copy

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(command for command in COMMANDS if "pytest" in command)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


@pytest.mark.dependabot
def test_readme_names_a_tested_copier() -> None:
    """Every `copier==X` the README installs is within what CI tests: from copier.yml's
    `_min_copier_version` to pyproject.toml's Copier."""
    copier_yml = yaml.safe_load((ROOT / "copier.yml").read_text())
    tested = release(copier_yml["_min_copier_version"]), release(group_pins("test")["copier"])
    named = re.findall(r"copier==([\d.]+)", README)
    assert named
    for version in named:
        assert tested[0] <= release(version) <= tested[1], version


def test_readme_render_command_renders_this_checkout() -> None:
    render = next(command for command in COMMANDS if "copier copy" in command)
    words = shlex.split(render.split("&&")[-1])
    assert "--vcs-ref=HEAD" in words
    assert {"pypi_name=example", "github_repository=example-org/example"} <= set(words)


def test_changelog_has_the_project_version() -> None:
    project = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "(.+)"', project, flags=re.M)[1]
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()


def test_readme_render_command_runs_as_written(tmp_path: Path) -> None:
    """The README's render command, copied literally into bash in a fresh clone: it makes its
    own virtual environment, installs Copier from PyPI and renders into ../example-release."""
    render = next(command for command in COMMANDS if "copier copy" in command)
    clone = repository_copy(tmp_path / "hardened-release")
    result = subprocess.run(
        ["bash", "-e", "-c", render],
        cwd=clone,
        capture_output=True,
        text=True,
        check=False,
        # PIP_NO_COMPILE=0 is pip's --no-compile: Python compiles what it imports, and what is
        # installed is the same (a third of the install's time here).
        env={**os.environ, "NO_COLOR": "1", "PIP_NO_COMPILE": "0"},
    )
    assert result.returncode == 0, result.stderr
    rendered = tmp_path / "example-release"
    assert (rendered / ".github" / "workflows" / "release.yml").is_file()
    assert (rendered / "RELEASING.md").read_text().startswith("# Releasing example")
    # Nothing that reads as an error: no warning, no traceback.
    assert "Warning" not in result.stderr and "Traceback" not in result.stderr, result.stderr
