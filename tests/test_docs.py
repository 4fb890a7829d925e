"""The README's commands stay true, and the docs name what the template really has."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from helpers import ROOT

README = (ROOT / "README.md").read_text()
COMMANDS = re.findall(r"```bash\n(.*?)\n```", README, flags=re.S)


def test_ci_runs_the_readme_test_command() -> None:
    test_command = next(command for command in COMMANDS if "pytest" in command)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_readme_render_command_matches_the_tested_copier() -> None:
    render = next(command for command in COMMANDS if "copier copy --defaults" in command)
    copier_yml = yaml.safe_load((ROOT / "copier.yml").read_text())
    assert f"copier=={copier_yml['_min_copier_version']}" in render
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
