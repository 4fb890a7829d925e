"""Adoption into repositories shaped like real ones, with the README's command (what it decides
is tested in test_publishers, the command in test_adoption): the adopted build job builds the
project, and a project made from another template adopts and then updates both."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    TemplateVersions,
    adopt,
    answers_of,
    copier_cli,
    git,
    load_yaml,
    readme_update_command,
    release_workflow,
    render,
    tree,
    words,
)
from real_world import LAYOUTS, CookieStandIn, Layout
from variants import REQUIRED
from workflow_runner import JobRun

PUBLISHING = re.compile(r"gh-action-pypi-publish|twine upload|uv publish")


def adopt_into(project: Path, template: Path) -> str:
    """The README's adoption command, run in the project; its report."""
    code, out, err = adopt(project, template)
    assert code == 0, err
    return words(out)


def adopted(layout: Layout, versions: TemplateVersions, tmp_path: Path) -> Path:
    """The layout's project after the README's adoption command, committed."""
    project = layout.make(tmp_path / layout.name)
    adopt_into(project, versions.path)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Adopt hardened-release", cwd=project)
    return project


def publishers(project: Path) -> set[str]:
    """The workflow files that publish to a package index."""
    return {
        path.name
        for path in (project / ".github" / "workflows").glob("*.y*ml")
        if PUBLISHING.search(path.read_text())
    }


def assert_merged_cleanly(project: Path) -> None:
    assert git("diff", "--check", cwd=project) == ""
    leftovers = [p for p in project.rglob("*.rej") if ".git" not in p.parts]
    assert not leftovers, leftovers


@pytest.fixture
def versions(tmp_path: Path) -> TemplateVersions:
    """This template as v1.0.0; the test makes v2.0.0 when it needs it."""
    template = TemplateVersions(tmp_path / "hardened-release")
    template.release("v1.0.0")
    return template


def revise(template: TemplateVersions) -> None:
    """v2.0.0: revised guidance in the release document and a new step in the build job."""
    template.edit(
        "template/[[ releasing_doc ]].jinja",
        "\n## Who does what\n",
        "\nRevised guidance: read this before every release.\n\n## Who does what\n",
    )
    template.edit(
        "template/.github/workflows/[[ release_workflow ]].jinja",
        "    steps:\n[% if dispatch %]",
        "    steps:\n      - name: Say hello\n        run: echo hello\n[% if dispatch %]",
    )
    template.release("v2.0.0")


@pytest.fixture(params=sorted(LAYOUTS))
def layout(request: pytest.FixtureRequest) -> Layout:
    return LAYOUTS[request.param]


def test_adoption_derives_each_layouts_answers(
    layout: Layout, versions: TemplateVersions, tmp_path: Path
) -> None:
    """What each layout's workflows and tags say (its trigger, tag rule, environments, build
    tool, zizmor mode) becomes the answers, through the README's command."""
    project = layout.make(tmp_path / layout.name)
    adopt_into(project, versions.path)
    answers = answers_of(project)
    assert {name: answers[name] for name in layout.derived} == layout.derived


#: One layout per kind of build: bare version tags and a static version; a version from git on
#: v tags (trusted-with-testpypi builds as hatch-vcs does).
@pytest.mark.parametrize("layout", ["token-publisher", "hatch-vcs"], indirect=True)
def test_adopted_build_job_builds_the_project(
    layout: Layout,
    versions: TemplateVersions,
    tmp_path: Path,
    runner: Callable[[dict[str, Any], Path], Path],
) -> None:
    """The build job's steps, run for real on the adopted project at its next release tag."""
    project = adopted(layout, versions, tmp_path)
    git("tag", layout.release_tag, cwd=project)
    answers = answers_of(project)
    build = load_yaml(release_workflow(project))["jobs"]["build"]
    job = JobRun(
        job=build,
        workdir=project,
        venv=runner(build, project),
        github={
            "event_name": "push" if answers["release_trigger"] == "tag" else "release",
            "ref": f"refs/tags/{layout.release_tag}",
            "ref_name": layout.release_tag,
            "ref_type": "tag",
        },
    )
    results = job.run_all()
    failed = [result for result in results if result.returncode]
    assert not failed, failed[0].output
    check_step = next(r for r in results if r.name == "Check that the version matches the tag")
    assert not check_step.skipped
    version = layout.release_tag.removeprefix(answers["tag_pattern"].split("*")[0].split("[")[0])
    assert f"Every distribution is version {version}" in check_step.output


def test_a_cookie_project_adopts_and_both_templates_update(
    versions: TemplateVersions, tmp_path: Path
) -> None:
    cookie = CookieStandIn(tmp_path / "gh")
    cookie.release("v1")
    project = tmp_path / "cookie-project"
    made = copier_cli(
        "copy", "--defaults", "-d", "project_name=sample-pkg", "-d", "org=octo",
        cookie.path, project, cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Made from cookie", cwd=project)
    before = tree(project)

    report = adopt_into(project, versions.path)
    answers = answers_of(project)
    # cookie writes cd.yml and would fight over it: the release workflow is a file of its own,
    # and cd.yml no longer publishes.
    assert answers["release_workflow"] == "release.yml"
    assert "cd.yml" in report
    assert publishers(project) == {"release.yml"}
    after = tree(project)
    for kept in (".github/zizmor.yml", ".copier-answers.yml"):
        assert after[kept] == before[kept], f"{kept} is kept byte for byte"
    assert set(answers["project_files"]) >= {".github/dependabot.yml", ".github/zizmor.yml"}
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Adopt hardened-release", cwd=project)

    # cookie's next version changes cd.yml, ci.yml and dependabot.yml: its update merges.
    cookie.advance()
    cookie.release("v2")
    updated = copier_cli("update", "--defaults", cwd=project)
    assert updated.returncode == 0, updated.stderr
    assert_merged_cleanly(project)
    assert not (project / ".github/workflows/cd.yml").exists(), "cd.yml stays deleted"
    assert "3.13" in (project / ".github/workflows/ci.yml").read_text()
    assert "One pull request" in (project / ".github/dependabot.yml").read_text()
    assert publishers(project) == {"release.yml"}
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Update from cookie v2", cwd=project)

    # And this template's next version merges too.
    revise(versions)
    ours = copier_cli(*readme_update_command(), cwd=project)  # the README's, word for word
    assert ours.returncode == 0, ours.stderr
    assert_merged_cleanly(project)
    assert "run: echo hello" in (project / ".github/workflows/release.yml").read_text()
    assert "One pull request" in (project / ".github/dependabot.yml").read_text()


@pytest.mark.parametrize(
    ("ref_type", "name", "publishes"),
    [("tag", "0.28.1", True), ("tag", "v0.28.1", False), ("branch", "0.28.x", False)],
)
def test_bare_version_tags_pass_the_release_guard(
    ref_type: str, name: str, publishes: bool, tmp_path: Path
) -> None:
    """A run by hand publishes from a tag the tag rule [0-9]* matches, and only from one."""
    answers = {**REQUIRED, "release_trigger": "workflow_dispatch", "tag_pattern": "[0-9]*"}
    project = render(tmp_path / "project", answers)
    job = JobRun(
        job=load_yaml(release_workflow(project))["jobs"]["build"],
        workdir=project,
        venv=tmp_path / "venv",
        github={"event_name": "workflow_dispatch", "ref_type": ref_type, "ref_name": name},
    )
    guard = job.run(job.step("Publish only from a release tag"))
    assert guard.returncode == 0, guard.output
    assert job.outputs["ref"].get("publish") == ("true" if publishes else None)
