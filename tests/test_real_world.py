"""Adoption into repositories shaped like real ones, with the README's command, then the
updates that follow: of this template, and of the template the project came from."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    ANSWERS_FILE,
    TemplateVersions,
    answers_of,
    copier_cli,
    git,
    load_yaml,
    readme_adoption_command,
    readme_update_command,
    release_workflow,
    render,
    tree,
    words,
)
from real_world import LAYOUTS, STATIC_PYPROJECT, CookieStandIn, Layout, package_files
from test_lint import YAMLLINT_CONFIG, check, tool
from variants import REQUIRED
from workflow_runner import JobRun

PUBLISHING = re.compile(r"gh-action-pypi-publish|twine upload|uv publish")


def adopt(project: Path, template: Path) -> str:
    """The README's adoption command, run in the project; what Copier printed."""
    result = copier_cli(
        *readme_adoption_command(template, "sample-pkg", "octo/sample"), cwd=project
    )
    assert result.returncode == 0, result.stderr
    return words(result.stdout + result.stderr)


def adopted(layout: Layout, versions: TemplateVersions, tmp_path: Path) -> Path:
    """The layout's project after the README's adoption command, committed."""
    project = layout.make(tmp_path / layout.name)
    adopt(project, versions.path)
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


def test_adoption_keeps_how_the_project_releases(
    layout: Layout, versions: TemplateVersions, tmp_path: Path
) -> None:
    project = layout.make(tmp_path / layout.name)
    before = tree(project)
    message = adopt(project, versions.path)
    answers = answers_of(project)
    assert {name: answers[name] for name in layout.derived} == layout.derived
    # Exactly one workflow publishes: the hardened one, under the name PyPI already trusts.
    assert publishers(project) == {answers["release_workflow"]}
    assert "pypa/gh-action-pypi-publish@" in release_workflow(project).read_text()
    # Nothing else of the project's changed: its other workflows, documents and config.
    after = tree(project)
    setup = {
        ANSWERS_FILE,
        ".github/dependabot.yml",
        ".github/release-requirements.in",
        ".github/release-requirements.txt",
        f".github/workflows/{answers['release_workflow']}",
        answers["releasing_doc"],
        *([] if answers["zizmor"] == "own" else [".github/workflows/zizmor.yml"]),
    }
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed <= setup
    assert set(before) <= set(after), "nothing of the project's is deleted"
    # The message says what was found and what is left to do, with the project's values.
    old = layout.files[f".github/workflows/{answers['release_workflow']}"]
    if "secrets.PYPI_API_TOKEN" in old:
        assert "repository secrets that held them: PYPI_API_TOKEN" in message
        assert f"workflow {answers['release_workflow']}, environment pypi" in message
    else:
        assert "PyPI: nothing to change" in message
    if answers["zizmor"] == "own":
        assert "Your zizmor workflow (security.yml) is kept" in message
    if "RELEASING.md" in before:
        assert after["RELEASING.md"] == before["RELEASING.md"]
        assert "RELEASING.md is yours and stays as it is" in message
    # A TestPyPI upload on every push to a branch becomes a stage of each release: said so.
    on_push = "publish-test" in old and "if: github.event_name == 'push'" in old
    said = "published to TestPyPI on every push to a branch (job publish-test)"
    assert (said in message) is on_push
    if on_push:
        assert "stages each release on TestPyPI instead, just before PyPI" in message


def test_adopted_release_setup_passes_the_checkers(
    layout: Layout, versions: TemplateVersions, tmp_path: Path
) -> None:
    project = layout.make(tmp_path / layout.name)
    adopt(project, versions.path)
    ours = [release_workflow(project)]
    if (project / ".github/workflows/zizmor.yml").exists():
        ours.append(project / ".github/workflows/zizmor.yml")
    check(tool("zizmor"), "--offline", "--persona=pedantic", *ours, cwd=project)
    check(tool("actionlint"), "-shellcheck", tool("shellcheck"), *ours, cwd=project)
    check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, *ours, cwd=project)
    dependabot = project / ".github" / "dependabot.yml"
    check(
        tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", dependabot, cwd=project
    )


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


def test_update_after_adoption_merges_cleanly(
    layout: Layout, versions: TemplateVersions, tmp_path: Path
) -> None:
    project = adopted(layout, versions, tmp_path)
    revise(versions)
    result = copier_cli(*readme_update_command(), cwd=project)
    assert result.returncode == 0, result.stderr
    assert_merged_cleanly(project)
    answers = answers_of(project)
    assert "Revised guidance" in (project / answers["releasing_doc"]).read_text()
    assert "run: echo hello" in release_workflow(project).read_text()
    for name, value in layout.derived.items():
        assert answers[name] == value, name


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

    message = adopt(project, versions.path)
    answers = answers_of(project)
    # cookie writes cd.yml and would fight over it: the release workflow is a file of its own.
    assert answers["release_workflow"] == "release.yml"
    assert answers["pypi_environment"] == "pypi"
    assert answers["zizmor"] == "release"
    assert "cd.yml publishes too. scientific-python/cookie writes it" in message
    assert "git rm .github/workflows/cd.yml" in message
    assert "Then remove the trusted publisher for cd.yml and the environment pypi" in message
    after = tree(project)
    for kept in (".github/dependabot.yml", ".github/zizmor.yml", ".copier-answers.yml"):
        assert after[kept] == before[kept], f"{kept} is kept byte for byte"
    assert "cd.yml" in " ".join(sorted(after))

    # The release team does as the message says, and only release.yml publishes.
    git("rm", "-q", ".github/workflows/cd.yml", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Adopt hardened-release", cwd=project)
    assert publishers(project) == {"release.yml"}

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
    ours = copier_cli("update", "-a", ANSWERS_FILE, "--defaults", cwd=project)
    assert ours.returncode == 0, ours.stderr
    assert_merged_cleanly(project)
    assert "run: echo hello" in (project / ".github/workflows/release.yml").read_text()
    assert "One pull request" in (project / ".github/dependabot.yml").read_text()


@pytest.mark.parametrize("packed", [False, True], ids=["loose tags", "packed tags"])
def test_the_tag_style_comes_from_the_project_tags(
    packed: bool, versions: TemplateVersions, tmp_path: Path
) -> None:
    """A project that releases on a published GitHub release names no tags in its workflow:
    its git tags say that it tags bare versions."""
    layout = Layout(
        name="bare-release-tags",
        files=LAYOUTS["hatch-vcs"].files,
        tags=["24.1.0", "25.3.0", "25.4.0", "not-a-release"],
    )
    project = layout.make(tmp_path / "project")
    if packed:
        git("pack-refs", "--all", cwd=project)
        assert not list((project / ".git" / "refs" / "tags").iterdir())
    adopt(project, versions.path)
    assert answers_of(project)["tag_pattern"] == "[0-9]*"


def test_a_new_release_identity_is_spelled_out(versions: TemplateVersions, tmp_path: Path) -> None:
    """The release team chooses another workflow file and environment: the message names the
    old and the new, and every PyPI change to make."""
    project = LAYOUTS["trusted-with-testpypi"].make(tmp_path / "project")
    command = readme_adoption_command(versions.path, "staged-pkg", "octo/staged")
    extra = ["-d", "release_workflow=release.yml", "-d", "pypi_environment=pypi"]
    result = copier_cli(*command[:-2], *extra, *command[-2:], cwd=project)
    assert result.returncode == 0, result.stderr
    message = words(result.stdout + result.stderr)
    for expected in (
        "pypi-package.yml publishes too.",
        "`git rm .github/workflows/pypi-package.yml`",
        "owner octo, repository staged, workflow release.yml, environment pypi,",
        "Then remove the trusted publisher for pypi-package.yml and the environment release-pypi.",
        "The same on https://test.pypi.org, with the environment release-test-pypi.",
    ):
        assert expected in message, expected
    assert publishers(project) == {"release.yml", "pypi-package.yml"}, "until the git rm"


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


def test_a_workflow_that_also_tests_is_never_replaced(
    versions: TemplateVersions, tmp_path: Path
) -> None:
    """A workflow whose publishing job sits beside its test jobs keeps them: the release
    workflow gets a file of its own, and the message says which job to remove."""
    ci = (
        "name: CI\non:\n  push:\n  release:\n    types: [published]\njobs:\n"
        "  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
        "  deploy:\n    if: github.event_name == 'release'\n    runs-on: ubuntu-latest\n"
        "    environment: pypi\n    permissions:\n      id-token: write\n    steps:\n"
        "      - run: pipx run build\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
    )
    files = package_files("mixed-pkg", STATIC_PYPROJECT, version="1.0")
    layout = Layout(name="mixed", files={**files, ".github/workflows/ci.yml": ci})
    project = layout.make(tmp_path / "project")
    message = adopt(project, versions.path)
    assert answers_of(project)["release_workflow"] == "release.yml"
    assert (project / ".github/workflows/ci.yml").read_text() == ci
    assert "ci.yml publishes too. Remove its publishing job (deploy) and keep the rest" in message
