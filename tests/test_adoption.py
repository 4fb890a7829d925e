"""Adopting the template into an existing repository changes only the release setup, and loses
nothing the project had: its Dependabot entries, its documents, another template's answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from copier.errors import UserMessageError

from helpers import (
    ANSWERS_FILE,
    ROOT,
    copier_cli,
    git,
    load_yaml,
    project_repository,
    readme_adoption_command,
    render,
    snapshot,
    tree,
)
from test_lint import YAMLLINT_CONFIG, check, tool
from variants import REQUIRED

DEPENDABOT = """\
# The project's own Dependabot setup.
version: 2
registries:
  internal:
    type: python-index
    url: https://pypi.example.org/simple
updates:
  - package-ecosystem: pip
    directory: /
    schedule:
      interval: daily
      time: "05:00"
    labels: [dependencies, python]
    cooldown:
      default-days: 3
    groups:
      python:
        patterns: ["*"]
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: monthly
    labels: [ci]
    cooldown:
      default-days: 30
    commit-message:
      prefix: ci
  - package-ecosystem: npm
    directory: /docs
    schedule:
      interval: weekly
    open-pull-requests-limit: 0
"""

OLD_RELEASE = """\
name: Publish
on:
  push:
    tags: ["v*"]
jobs:
  pypi:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run build && pipx run twine upload dist/*
        env:
          TWINE_PASSWORD: ${{ secrets.PYPI_API_TOKEN }}
"""

EXISTING = {
    ".github/dependabot.yml": DEPENDABOT,
    ".github/workflows/release.yml": OLD_RELEASE,
    ".github/workflows/tests.yml": "name: Tests\non: [push]\njobs: {}\n",
    "RELEASE.md": "# How we release\n\nBy hand, for now.\n",
    ".copier-answers.yml": "_commit: v3.1.0\n_src_path: gh:example/python-template\nname: x\n",
    "src/project/__init__.py": '"""The project."""\n',
    "pyproject.toml": '[project]\nname = "sample-pkg"\nversion = "1.0"\n',
}

#: What adoption may write: the release setup, and nothing else.
RELEASE_SETUP = {
    ANSWERS_FILE,
    ".github/dependabot.yml",
    ".github/release-requirements.in",
    ".github/release-requirements.txt",
    ".github/workflows/release.yml",
    ".github/workflows/zizmor.yml",
    "RELEASING.md",
}


def adopt(project: Path, **answers: object) -> None:
    render(project, {**REQUIRED, **answers}, overwrite=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return project_repository(tmp_path / "project", EXISTING)


def test_only_the_release_setup_changes(project: Path) -> None:
    before = tree(project)
    adopt(project)
    after = tree(project)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == RELEASE_SETUP
    assert set(before) <= set(after), "nothing of the project's is deleted"


def test_dependabot_keeps_everything_of_the_project(project: Path) -> None:
    adopt(project)
    theirs = yaml.safe_load(DEPENDABOT)
    ours = load_yaml(project / ".github" / "dependabot.yml")
    assert ours["registries"] == theirs["registries"]
    assert [u["package-ecosystem"] for u in ours["updates"]] == [
        "pip",
        "github-actions",
        "npm",
        "pip",  # the release workflow's build tools, in /.github
    ]
    assert ours["updates"][0] == theirs["updates"][0]
    assert ours["updates"][2] == theirs["updates"][2]
    actions = ours["updates"][1]
    assert actions["labels"] == ["ci"]
    assert actions["commit-message"] == {"prefix": "ci"}
    assert actions["schedule"] == {"interval": "monthly"}, "the project's schedule stays"
    assert actions["cooldown"] == {"default-days": 30}, "a longer cooldown stays"
    assert actions["groups"] == {"github-actions": {"patterns": ["*"]}}, "grouping is added"


def test_a_dependabot_config_that_meets_the_bar_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """Actions grouped and cooled down long enough: the file stays as the project wrote it, so
    the template that wrote it still updates it without a conflict."""
    config = (
        "# Our updates.\nversion: 2\nupdates:\n"
        "  - package-ecosystem: github-actions  # every workflow's actions\n"
        "    directory: /\n    schedule: {interval: weekly}\n"
        "    groups:\n      actions:\n        patterns: ['*']\n"
        "    cooldown:\n      default-days: 7\n"
    )
    project = project_repository(tmp_path / "p", {".github/dependabot.yml": config})
    adopt(project)
    assert (project / ".github" / "dependabot.yml").read_text() == config


def test_dependabot_cooldown_rises_to_the_answer(tmp_path: Path) -> None:
    config = DEPENDABOT.replace("default-days: 30", "default-days: 2")
    project = project_repository(tmp_path / "p", {".github/dependabot.yml": config})
    adopt(project, dependabot_cooldown_days=10)
    actions = load_yaml(project / ".github" / "dependabot.yml")["updates"][1]
    assert actions["cooldown"] == {"default-days": 10}


def test_dependabot_gains_a_github_actions_entry(tmp_path: Path) -> None:
    config = (
        "version: 2\nupdates:\n  - package-ecosystem: pip\n    directory: /\n"
        "    schedule:\n      interval: weekly\n"
    )
    project = project_repository(tmp_path / "p", {".github/dependabot.yml": config})
    adopt(project)
    updates = load_yaml(project / ".github" / "dependabot.yml")["updates"]
    assert updates[0] == yaml.safe_load(config)["updates"][0]
    assert updates[1]["package-ecosystem"] == "github-actions"
    assert updates[1]["cooldown"] == {"default-days": 7}


def test_adopted_files_still_pass_the_checkers(project: Path) -> None:
    adopt(project)
    check(
        tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, ".github/dependabot.yml", cwd=project
    )
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.dependabot",
        ".github/dependabot.yml",
        cwd=project,
    )


def test_an_existing_release_document_is_kept(tmp_path: Path) -> None:
    mine = "# Releasing\n\nOur own process, refined over years.\n"
    project = project_repository(tmp_path / "p", {"RELEASING.md": mine})
    adopt(project)
    assert (project / "RELEASING.md").read_text() == mine
    assert (project / ".github" / "workflows" / "release.yml").exists()


def test_the_release_document_can_go_elsewhere(project: Path) -> None:
    adopt(project, releasing_doc="docs/releasing.md")
    assert (project / "docs" / "releasing.md").read_text().startswith("# Releasing sample-pkg")
    assert (project / "RELEASE.md").read_text() == EXISTING["RELEASE.md"]
    assert "see docs/releasing.md" in (project / ".github/workflows/release.yml").read_text()


def test_the_old_release_workflow_is_replaced(project: Path) -> None:
    adopt(project)
    workflow = (project / ".github" / "workflows" / "release.yml").read_text()
    assert "PYPI_API_TOKEN" not in workflow
    assert "pypa/gh-action-pypi-publish@" in workflow


def test_another_templates_answers_are_untouched(project: Path) -> None:
    adopt(project)
    assert (project / ".copier-answers.yml").read_text() == EXISTING[".copier-answers.yml"]
    assert load_yaml(project / ANSWERS_FILE)["_src_path"] == str(snapshot())


def run_readme_adoption_command(project: Path, name: str) -> str:
    """The README's adoption command, with this template's working tree as <template>."""
    result = copier_cli(*readme_adoption_command(ROOT, name, "octo/sample"), cwd=project)
    return result.stderr if result.returncode else ""


def test_readme_adoption_command_applies_everything(project: Path) -> None:
    assert run_readme_adoption_command(project, "sample-pkg") == ""
    touched = {line[3:] for line in git("status", "--porcelain", cwd=project).splitlines()}
    assert touched == RELEASE_SETUP


def test_readme_adoption_command_changes_nothing_on_a_bad_answer(project: Path) -> None:
    assert "pypi_name must be a distribution name" in run_readme_adoption_command(
        project, "bad name"
    )
    assert git("status", "--porcelain", "--ignored", cwd=project) == ""


def test_the_release_document_never_overwrites_the_projects_own(project: Path) -> None:
    before = tree(project)
    with pytest.raises(UserMessageError, match="releasing_doc must be a file the project does"):
        adopt(project, releasing_doc="RELEASE.md")
    assert tree(project) == before
