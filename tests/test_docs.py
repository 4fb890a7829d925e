"""The README's commands stay true, and the docs name what the template really has."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, group_pins, release

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
    render = next(command for command in COMMANDS if "copier copy --defaults" in command)
    words = shlex.split(render.split("&&")[-1])
    assert "--vcs-ref=HEAD" in words
    assert {"pypi_name=example", "github_repository=example-org/example"} <= set(words)


def test_readme_lists_every_question() -> None:
    copier_yml = yaml.safe_load((ROOT / "copier.yml").read_text())
    for question in (name for name in copier_yml if not name.startswith("_")):
        assert f"| `{question}` |" in README, question


def test_changelog_has_the_project_version() -> None:
    project = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "(.+)"', project, flags=re.M)[1]
    assert f"## {version}" in (ROOT / "CHANGELOG.md").read_text()


def test_readme_render_command_renders(tmp_path: Path) -> None:
    """The README's render command, run with this environment's Copier into a temporary folder."""
    render = next(command for command in COMMANDS if "copier copy --defaults" in command)
    words = shlex.split(render.split("&&")[-1])
    assert words[0] == ".venv/bin/copier"
    assert words[-2:] == [".", "../example-release"]
    copier = Path(sys.executable).parent / "copier"
    subprocess.run(
        [str(copier), *words[1:-1], str(tmp_path / "out")],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert (tmp_path / "out" / ".github" / "workflows" / "release.yml").is_file()
