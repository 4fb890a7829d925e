"""What `copier copy` renders, and how: no trust, no prompts, the user's values filled in."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from helpers import ROOT, copy_with_cli, group_pins, load_yaml, release, render, words
from variants import REQUIRED, VARIANTS

COPIER_YML = yaml.safe_load((ROOT / "copier.yml").read_text())
QUESTIONS = {name: spec for name, spec in COPIER_YML.items() if not name.startswith("_")}


def test_the_template_asks_for_no_trust() -> None:
    for key in ("_tasks", "_migrations", "_jinja_extensions"):
        assert key not in COPIER_YML, f"{key} would need --trust"
    # It reads nothing of the project's files: `hardened-release adopt` does, and answers.
    assert "_external_data" not in COPIER_YML
    assert COPIER_YML["_subdirectory"] == "template"
    assert COPIER_YML["_answers_file"] == ".copier-answers.hardened-release.yml"


def test_every_question_has_help_and_a_type() -> None:
    for name, spec in QUESTIONS.items():
        assert spec.get("help"), name
        assert spec.get("type") in {"str", "bool", "int", "yaml", "json"}, name


def test_public_question_names() -> None:
    """Users pass these with -d name=value: renaming one breaks their commands."""
    assert set(QUESTIONS) >= {
        "pypi_name",
        "github_repository",
        "release_trigger",
        "build_tool",
        "pypi_environment",
        "testpypi",
        "github_attestations",
        "dependabot_interval",
        "dependabot_cooldown_days",
        "release_team",
        "tag_pattern",
    }


@pytest.mark.dependabot
def test_min_copier_version_is_tested_and_not_above_the_newest() -> None:
    """`_min_copier_version` is the oldest Copier the template supports: .ci/run runs the
    render, adoption, update and validation tests with it (a second virtual environment),
    after the whole suite with pyproject.toml's Copier, which Dependabot keeps at the newest."""
    minimum = COPIER_YML["_min_copier_version"]
    newest = group_pins("test")["copier"]
    assert release(minimum) <= release(newest), f"{minimum} > {newest}"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "_min_copier_version" in ci, ".ci/run reads the minimum from copier.yml"


def test_unsafe_false_is_enough(tmp_path: Path) -> None:
    """Copier refuses templates that need trust when unsafe=False; this one renders."""
    render(tmp_path, REQUIRED, unsafe=False)
    assert (tmp_path / ".github" / "workflows" / "release.yml").is_file()


def test_pypi_name_defaults_to_the_folder_name(tmp_path: Path) -> None:
    project = render(tmp_path / "My_Project.py", {"github_repository": "octo/sample"})
    answers = load_yaml(project / ".copier-answers.hardened-release.yml")
    assert answers["pypi_name"] == "my_project.py"
    assert "https://pypi.org/p/my_project.py" in (project / "RELEASING.md").read_text()


def test_answers_are_recorded_for_updates(tmp_path: Path) -> None:
    project = render(tmp_path, VARIANTS["monthly-long-cooldown-team"], cloned=True)
    answers = load_yaml(project / ".copier-answers.hardened-release.yml")
    for name, value in VARIANTS["monthly-long-cooldown-team"].items():
        assert answers[name] == value
    assert answers["_src_path"] and answers["_commit"]


def test_releasing_doc_has_the_users_values(rendered: Callable[[str], Path]) -> None:
    text = (rendered("monthly-long-cooldown-team") / "docs" / "releasing.md").read_text()
    for expected in (
        "# Releasing sample-pkg",
        "The release team: @octo-org/release-team, @alice.",
        "| Owner | `octo-org` |",
        "| Repository name | `sample` |",
        "| Workflow name | `publish.yml` |",
        "| Environment name | `release` |",
        "https://github.com/octo-org/sample/settings/environments",
        "https://pypi.org/manage/project/sample-pkg/settings/publishing/",
        "`release-*`, and no branch rule",
        "https://github.com/octo-org/sample/releases/new",
        "release-1.2.3",
        "gh attestation verify",
        "--signer-workflow octo-org/sample/.github/workflows/publish.yml",
        "pypi-attestations verify pypi --repository https://github.com/octo-org/sample",
        "## When a release goes wrong",
        "## A one-maintainer project",
    ):
        assert expected in text, expected


def test_releasing_doc_follows_the_answers(rendered: Callable[[str], Path]) -> None:
    default = (rendered("default") / "RELEASING.md").read_text()
    assert "The release team is not named yet" in default
    assert "TestPyPI" not in default
    staged = (rendered("one-day-cooldown-custom-envs") / "RELEASING.md").read_text()
    assert "https://test.pypi.org/manage/account/publishing/" in staged
    assert "| Environment name | `staging` |" in staged
    assert "*Run workflow*" in staged and "pkg-v1.2.3" in staged
    no_attest = (rendered("release-build-testpypi0-attest0") / "RELEASING.md").read_text()
    assert "gh attestation verify" not in no_attest
    assert "pypi-attestations verify" in no_attest
    tagged = (rendered("tag-build-testpypi0-attest0") / "RELEASING.md").read_text()
    assert "git push origin v1.2.3" in tagged


def test_allowed_actions_are_the_ones_used(rendered: Callable[[str], Path]) -> None:
    for name in VARIANTS:
        project = rendered(name)
        used = {
            line.split("uses: ")[1].split("@")[0]
            for workflow in (project / ".github" / "workflows").glob("*.yml")
            for line in workflow.read_text().splitlines()
            if "uses: " in line
        }
        third_party = sorted(action for action in used if not action.startswith("actions/"))
        doc = (project / VARIANTS[name].get("releasing_doc", "RELEASING.md")).read_text()
        assert f"`{', '.join(a + '@*' for a in third_party)}`, plus every other" in doc


def test_message_after_copy_lists_the_manual_steps(tmp_path: Path) -> None:
    answers = {"pypi_name": "sample-pkg", "github_repository": "octo/sample", "testpypi": "true"}
    result = copy_with_cli(tmp_path, {**answers, "release_team": "@octo/release"})
    assert result.returncode == 0, result.stderr
    message = words(result.stdout + result.stderr)
    for expected in (
        "https://pypi.org/manage/project/sample-pkg/settings/publishing/",
        "owner octo, repository sample, workflow release.yml, environment pypi,",
        "The same on https://test.pypi.org, with the environment testpypi.",
        "required reviewers (@octo/release)",
        "one deployment tag rule, v*;",
    ):
        assert expected in message, expected


@pytest.mark.parametrize("answers", [{"release_trigger": "tag", "tag_pattern": "v*.*"}])
def test_tag_trigger_watches_the_tag_pattern(tmp_path: Path, answers: dict[str, str]) -> None:
    workflow = load_yaml(
        render(tmp_path, {**REQUIRED, **answers}) / ".github/workflows/release.yml"
    )
    assert workflow["on"]["push"] == {"tags": ["v*.*"]}
    assert "release" not in workflow["on"]


def test_the_files_a_project_owns_are_never_rendered(tmp_path: Path) -> None:
    """project_files (recorded by `hardened-release adopt`) leaves those files to the project,
    so that `copier update` never renders into them; the rest renders as ever."""
    owned = [".github/dependabot.yml", ".github/CODEOWNERS", ".github/workflows/zizmor.yml"]
    answers = {**REQUIRED, "release_team": "@octo/release-team", "project_files": owned}
    project = render(tmp_path / "project", answers)
    for path in owned:
        assert not (project / path).exists(), path
    assert (project / ".github/workflows/release.yml").is_file()
    assert load_yaml(project / ".copier-answers.hardened-release.yml")["project_files"] == owned


def test_the_files_a_project_may_own_are_one_list() -> None:
    """copier.yml's _exclude leaves out exactly the files `hardened-release adopt` records as
    the project's own (adopt.OWNABLE), each in an entry of its own."""
    from hardened_release import adopt

    excluded = {entry.split("%]", 1)[1].split("[%", 1)[0] for entry in COPIER_YML["_exclude"]}
    assert excluded == set(adopt.OWNABLE)
