"""What adoption decides about a project's workflows (src/hardened_release/publishers.py),
over the repositories of tests/fixtures/repos/ (tests/shapes.py) and small workflows written
here. No Copier render: the decisions are plain functions over workflow data."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapes import REPOS, SHAPES, TAGS, project, shapes

from hardened_release import edits, publishers, workflows
from hardened_release.project import Project
from hardened_release.publishers import FATES, Plan

DONE = "done by the release workflow"

#: A stand-in for the rendered release workflow, for checking who publishes after adoption.
RENDERED = """\
name: Release
on:
  push:
    tags: ["v*"]
jobs:
  publish:
    runs-on: ubuntu-latest
    environment: pypi
    steps:
      - uses: pypa/gh-action-pypi-publish@release/v1
"""


def outcomes(plan: Plan) -> dict[tuple[str, str, str | None], tuple[str, str]]:
    return {(o.workflow, o.job, o.step): (o.fate, o.detail) for o in plan.outcomes}


def fate(plan: Plan, workflow: str, job: str, step: str | None = None) -> str:
    return outcomes(plan)[workflow, job, step][0]


def detail(plan: Plan, workflow: str, job: str, step: str | None = None) -> str:
    return outcomes(plan)[workflow, job, step][1]


def adopted(shape: str, tmp_path: Path) -> tuple[Plan, Project]:
    """The shape after adoption: its plan's edits applied, and the release workflow written
    under the name the plan chose (a stand-in for the render)."""
    root = tmp_path / shape
    shutil.copytree(REPOS / shape, root)
    plan = publishers.plan(project(shape, root))
    for edit in plan.edits:
        assert edit.apply(root)
    (root / ".github/workflows" / plan.answers["release_workflow"]).write_text(RENDERED)
    return plan, project(shape, root)


def test_there_is_a_fixture_for_every_shape_of_the_issue() -> None:
    assert shapes() == sorted(SHAPES) == sorted(TAGS)


@pytest.mark.parametrize("shape", shapes())
def test_every_old_job_and_step_has_exactly_one_outcome(shape: str) -> None:
    found = project(shape)
    plan = publishers.plan(found)
    publishing = {o.workflow for o in plan.outcomes}
    assert publishing, "every shape publishes today"
    expected = Counter(
        (w.file, job.id, step)
        for w in found.workflows
        if w.file in publishing
        for job in w.jobs.values()
        for step in [None, *(s.name for s in job.steps)]
    )
    assert Counter((o.workflow, o.job, o.step) for o in plan.outcomes) == expected
    assert all(o.fate in FATES and o.detail for o in plan.outcomes)


@pytest.mark.parametrize("shape", shapes())
def test_exactly_one_workflow_publishes_after_adoption(shape: str, tmp_path: Path) -> None:
    plan, after = adopted(shape, tmp_path)
    remaining = {u.identity for u in publishers.find_uploads(after)}
    assert remaining == {plan.answers["release_workflow"]}
    before = {w.file: w for w in project(shape).workflows}
    reusable = before.get(plan.answers["release_workflow"])
    assert reusable is None or not reusable.reusable, "a reusable workflow is never replaced"


@pytest.mark.parametrize("shape", shapes())
def test_no_needs_names_a_removed_job(shape: str, tmp_path: Path) -> None:
    _, after = adopted(shape, tmp_path)
    for workflow in after.workflows:
        for job in workflow.jobs.values():
            assert set(job.needs) <= set(workflow.jobs), (workflow.file, job.id)


@pytest.mark.parametrize("shape", shapes())
def test_the_steps_left_never_break_the_new_workflow(shape: str) -> None:
    plan = publishers.plan(project(shape))
    kept = {plan.answers.get("pypi_environment", "pypi")}
    if plan.answers.get("testpypi"):
        kept.add(plan.answers.get("testpypi_environment", "testpypi"))
    for step in plan.steps_left:
        for environment in kept:
            assert f"environment {environment} is no longer used" not in step
    adds = [i for i, s in enumerate(plan.steps_left) if "add a trusted publisher" in s]
    removes = [i for i, s in enumerate(plan.steps_left) if "remove the trusted publisher" in s]
    assert not removes or (adds and min(adds) < min(removes)), "add first, then remove"
    assert plan.steps_left[-1].startswith("GitHub: "), "the GitHub settings come last"


# Where the old workflow used trusted publishing: its file name and environment are kept.
TRUSTED_KEPT = {
    "trusted-publisher": ("publish.yml", "pypi"),
    "github-release-beside": ("release.yml", "pypi"),
    "dispatch-version": ("deploy.yml", "deploy"),
    "release-yaml-zipapp": ("release.yaml", "release"),
    "draft-sha256": ("release.yml", "pypi-release"),
    "cibuildwheel-matrix": ("wheels.yml", "pypi"),
    "meson-compiled": ("publish.yml", "pypi"),
    "reusable-publisher": ("release.yml", "pypi"),  # the caller's name: PyPI trusts the caller
    "staged-testpypi": ("pypi-package.yml", "release-pypi"),
}


@pytest.mark.parametrize(("shape", "identity"), TRUSTED_KEPT.items())
def test_a_trusted_publisher_keeps_its_workflow_and_environment(
    shape: str, identity: tuple[str, str]
) -> None:
    plan = publishers.plan(project(shape))
    assert (plan.answers["release_workflow"], plan.answers["pypi_environment"]) == identity
    assert plan.steps_left[0] == (
        f"PyPI: nothing to change: the trusted publisher of {_name(shape)} names {identity[0]} "
        f"and the environment {identity[1]}, as before."
    )
    assert not any("remove the trusted publisher" in step for step in plan.steps_left)


def _name(shape: str) -> str:
    import tomllib

    return tomllib.loads((REPOS / shape / "pyproject.toml").read_text())["project"]["name"]


def test_the_plainest_shape() -> None:
    plan = publishers.plan(project("trusted-publisher"))
    assert plan.answers == {
        "release_workflow": "publish.yml",
        "release_trigger": "release",
        "pypi_environment": "pypi",
        "testpypi": False,
        "tag_pattern": "v*",
        "zizmor": "release",
    }
    assert outcomes(plan)["publish.yml", "pypi", None] == (DONE, "publish job")
    assert outcomes(plan)["publish.yml", "build", "Build the sdist and wheel"] == (
        DONE,
        "build job",
    )
    assert plan.edits == [], "the release workflow takes publish.yml's place: no edit"
    assert plan.notes == []


def test_a_publish_job_beside_a_github_release_job() -> None:
    plan = publishers.plan(project("github-release-beside"))
    assert plan.answers["release_trigger"] == "tag"
    assert plan.answers["github_release"] == "published"
    assert outcomes(plan)["release.yml", "github-release", "Create the release"] == (
        DONE,
        "github-release job (a published GitHub release)",
    )
    assert detail(plan, "release.yml", "build", "Check metadata") == (
        "build job (twine check --strict)"
    )
    assert plan.edits == []


def test_a_dispatch_with_a_version_input_that_tags_after_uploading() -> None:
    plan = publishers.plan(project("dispatch-version"))
    assert plan.answers["release_trigger"] == "workflow_dispatch"
    assert plan.answers["tag_pattern"] == "[0-9]*", "from the tags most of its tags share"
    assert plan.answers["check_wheel_contents"] is True
    tagging = outcomes(plan)["deploy.yml", "deploy", "Push the tag"]
    assert tagging == ("dropped", publishers.WHY_TAG)
    assert fate(plan, "deploy.yml", "deploy", "Publish to PyPI") == DONE
    assert "github.repository_owner guard" in detail(plan, "deploy.yml", "deploy")
    assert detail(plan, "deploy.yml", "package", "Build and inspect the package") == (
        "build job: check-wheel-contents and twine check --strict"
    )
    assert fate(plan, "deploy.yml", "package", "Build and inspect the package") == "carried over"
    (note,) = plan.notes
    assert "A run from a branch now builds and checks only, and publishes nothing" in note
    assert "git tag 1.2.3 && git push origin 1.2.3" in note


def test_a_token_upload_in_a_script_the_workflow_calls() -> None:
    found = project("token-script")
    (upload,) = publishers.find_uploads(found)
    assert (upload.script, upload.tool, upload.secrets) == (
        "scripts/release.sh",
        "twine upload",
        ("PYPI_PASSWORD",),
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "publish.yml"
    assert plan.answers["tag_pattern"] == "[0-9]*", "from the filter [0-9]+.[0-9]+.[0-9]+"
    assert "pypi_environment" not in plan.answers, "none to keep: the template's default"
    assert detail(plan, "publish.yml", "upload", "Build and upload") == (
        "build and publish jobs (its upload in scripts/release.sh)"
    )
    assert plan.steps_left[0].startswith(
        "PyPI: add a trusted publisher for tidepool: this repository, workflow publish.yml, "
        "environment pypi"
    )
    assert "secrets that held them: PYPI_PASSWORD" in plan.steps_left[1]
    assert any("No workflow runs scripts/release.sh now" in note for note in plan.notes)


def test_a_ci_workflow_whose_last_job_publishes(tmp_path: Path) -> None:
    plan = publishers.plan(project("ci-publishes"))
    assert plan.answers["release_workflow"] == "release.yml", "ci.yml stays the CI"
    assert plan.answers["release_trigger"] == "tag"
    assert plan.answers["pypi_environment"] == "pypi"
    assert plan.answers["zizmor"] == "own"
    assert fate(plan, "ci.yml", "publish") == DONE
    for job in ("lint", "tests", "build", "all-green"):
        assert outcomes(plan)["ci.yml", job, None] == ("kept in place", ".github/workflows/ci.yml")
    remove, widen = plan.edits
    assert remove == edits.RemoveJobs(
        ".github/workflows/ci.yml", ("publish",), "only release.yml publishes"
    )
    assert isinstance(widen, edits.WidenPaths) and widen.path == ".github/workflows/zizmor.yml"
    assert plan.steps_left[:2] == [
        "PyPI: add a trusted publisher for marshwren: this repository, workflow release.yml, "
        "environment pypi, at https://pypi.org/manage/project/marshwren/settings/publishing/ "
        "(a project not on PyPI yet: https://pypi.org/manage/account/publishing/).",
        "PyPI: then remove the trusted publisher for workflow ci.yml (environment pypi): it "
        "would let ci.yml publish again.",
    ]
    _, after = adopted("ci-publishes", tmp_path)
    ci = next(w for w in after.workflows if w.file == "ci.yml")
    assert list(ci.jobs) == ["lint", "tests", "build", "all-green"]
    assert ci.jobs["all-green"].needs == ("tests", "build")
    assert "# Lint, test and build every change; publish a tagged commit." in ci.text
    assert "needs: tests  # package only what passed" in ci.text


def test_a_release_yaml_with_a_zipapp_and_a_rollback() -> None:
    plan = publishers.plan(project("release-yaml-zipapp"))
    assert plan.answers["release_workflow"] == "release.yaml", "never a release.yml beside it"
    assert plan.edits == []
    assert outcomes(plan)["release.yaml", "build", "Build the zipapp"] == (
        "dropped",
        publishers.WHY_ZIPAPP,
    )
    assert outcomes(plan)["release.yaml", "rollback", None] == ("dropped", publishers.WHY_ROLLBACK)
    assert detail(plan, "release.yaml", "github-release", "Release with the zipapp") == (
        "github-release job (a published GitHub release); without app/cairn.pyz: see the notes"
    )
    assert any(note.startswith("release.yaml attached app/cairn.pyz") for note in plan.notes)


def test_a_draft_release_with_sha256_sums_and_owner_guards() -> None:
    plan = publishers.plan(project("draft-sha256"))
    assert plan.answers["github_release"] == "draft"
    assert plan.answers["tag_pattern"] == "saltmarsh-v*"
    assert plan.answers["build_tool"] == "uv"
    assert outcomes(plan)["release.yml", "dist", "Record the SHA-256 sums"] == (
        DONE,
        "github-release job (SHA256SUMS)",
    )
    for job in ("dist", "publish", "draft"):
        assert "github.repository_owner guard: the release workflow guards" in detail(
            plan, "release.yml", job
        )


def test_a_draft_is_not_carried_when_github_release_is_none() -> None:
    plan = publishers.plan(project("draft-sha256"), {"github_release": "none"})
    assert fate(plan, "release.yml", "draft") == "dropped"
    assert fate(plan, "release.yml", "dist", "Record the SHA-256 sums") == "dropped"
    assert plan.answers["github_release"] == "draft", "the proposal stays; the user's wins"


def test_a_cibuildwheel_matrix_from_print_build_identifiers() -> None:
    plan = publishers.plan(project("cibuildwheel-matrix"))
    assert plan.answers["build_tool"] == "cibuildwheel"
    assert outcomes(plan)["wheels.yml", "matrix", None] == ("dropped", publishers.WHY_MATRIX)
    assert detail(plan, "wheels.yml", "wheels", "Run pypa/cibuildwheel@v2.23.3") == (
        "wheels job (its CIBW_SKIP, CIBW_ARCHS_MACOS: move to [tool.cibuildwheel])"
    )
    assert detail(plan, "wheels.yml", "sdist") == "sdist job"
    (settings,) = [n for n in plan.notes if "CIBW_SKIP" in n]
    assert "CIBW_SKIP='pp*' -> [tool.cibuildwheel] skip" in settings
    assert "CIBW_ARCHS_MACOS='x86_64 arm64' -> [tool.cibuildwheel.macos] archs" in settings


def test_a_dispatch_input_naming_a_ref_checked_against_a_tag() -> None:
    plan = publishers.plan(project("dispatch-ref"))
    assert plan.answers["release_trigger"] == "workflow_dispatch"
    assert detail(plan, "publish.yml", "publish", "Check that the ref is a release tag") == (
        "build job (its release guard: a run on anything but a release tag builds only)"
    )
    (note,) = plan.notes
    assert note.startswith("publish.yml took the ref to release as an input (ref)")
    assert "secrets that held them: PYPI_TOKEN" in " ".join(plan.steps_left)


def test_a_compiled_project_gets_cibuildwheel() -> None:
    plan = publishers.plan(project("meson-compiled"))
    assert plan.answers["build_tool"] == "cibuildwheel"
    assert detail(plan, "publish.yml", "pypi", "Run python -m build") == "sdist and wheels jobs"
    assert any("reads your [tool.cibuildwheel] as it is" in note for note in plan.notes)


def test_a_reusable_publishing_workflow_is_never_the_release_workflow() -> None:
    plan = publishers.plan(project("reusable-publisher"))
    assert plan.answers["release_workflow"] == "release.yml"
    assert detail(plan, "release.yml", "pypi") == "publish job (it called publish.yml)"
    assert fate(plan, "publish.yml", "upload") == DONE
    (delete,) = plan.edits
    assert delete == edits.DeleteWorkflow(
        ".github/workflows/publish.yml",
        "the reusable workflow that release.yml called to publish; only release.yml publishes",
    )


def test_testpypi_staging_and_a_zizmor_workflow_of_its_own() -> None:
    plan = publishers.plan(project("staged-testpypi"))
    assert plan.answers["testpypi"] is True
    assert plan.answers["testpypi_environment"] == "release-test-pypi"
    assert plan.answers["tag_pattern"] == "[0-9]*", "the filter '*' says nothing: the tags do"
    assert plan.answers["zizmor"] == "own"
    assert plan.edits == [], "its zizmor workflow already sees .github/**"
    assert plan.steps_left[1].startswith("TestPyPI: nothing to change")
    assert any("uploaded to TestPyPI on pushes to a branch" in note for note in plan.notes)


def test_testpypi_turned_off_drops_its_job_and_its_publisher() -> None:
    plan = publishers.plan(project("staged-testpypi"), {"testpypi": False})
    assert outcomes(plan)["pypi-package.yml", "test-pypi", None] == (
        "dropped",
        publishers.WHY_NO_TESTPYPI,
    )
    assert (
        "TestPyPI: then remove the trusted publisher for workflow pypi-package.yml (environment "
        "release-test-pypi): the release workflow no longer publishes to TestPyPI."
    ) in plan.steps_left
    assert any("environment release-test-pypi is no longer used" in s for s in plan.steps_left)


def test_another_templates_publisher_is_deleted_not_taken_over() -> None:
    plan = publishers.plan(project("cookie-cd"))
    assert plan.answers["release_workflow"] == "release.yml"
    assert plan.edits == [
        edits.DeleteWorkflow(
            ".github/workflows/cd.yml",
            "every duty it had, release.yml now does or drops on purpose",
        )
    ]
    assert detail(
        plan, "cd.yml", "publish", "Generate artifact attestation for sdist and wheel"
    ) == ("attest job (GitHub artifact attestations; PEP 740 ones on PyPI too)")
    add, remove = plan.steps_left[:2]
    assert "workflow release.yml, environment pypi" in add
    assert remove.startswith("PyPI: then remove the trusted publisher for workflow cd.yml")
    assert not any("environment pypi is no longer used" in s for s in plan.steps_left)


def test_a_call_of_another_repositorys_publishing_workflow() -> None:
    plan = publishers.plan(project("remote-reusable"))
    assert plan.answers["release_workflow"] == "publish.yml"
    assert plan.answers["build_tool"] == "cibuildwheel", "setuptools with extension-helpers"
    assert detail(plan, "publish.yml", "publish").startswith(
        "publish job (it called OpenAstronomy/github-actions-workflows"
    )
    assert "secrets that held them: pypi_password" in " ".join(plan.steps_left)
    assert any("passed test_extras, test_command, targets" in note for note in plan.notes)


def test_the_users_answers_win_and_the_steps_follow_them() -> None:
    plan = publishers.plan(
        project("trusted-publisher"),
        {"release_workflow": "release.yml", "github_repository": "inkwell/inkwell"},
    )
    assert plan.answers["release_workflow"] == "publish.yml"
    assert plan.steps_left[:2] == [
        "PyPI: add a trusted publisher for inkwell: repository inkwell/inkwell, workflow "
        "release.yml, environment pypi, at "
        "https://pypi.org/manage/project/inkwell/settings/publishing/ (a project not on PyPI "
        "yet: https://pypi.org/manage/account/publishing/).",
        "PyPI: then remove the trusted publisher for workflow publish.yml (environment pypi): it "
        "would let publish.yml publish again.",
    ]
    assert plan.edits == [
        edits.DeleteWorkflow(
            ".github/workflows/publish.yml",
            "every duty it had, release.yml now does or drops on purpose",
        )
    ]


def write(root: Path, files: dict[str, str]) -> Project:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return Project(root=root, workflows=workflows.read_all(root))


def test_a_token_that_a_kept_workflow_still_reads_is_not_deleted(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": (
                "on: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: pytest\n        env:\n"
                "          TOKEN: ${{ secrets.SHARED_TOKEN }}\n"
                "  upload:\n    needs: test\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: uv publish\n        env:\n"
                "          UV_PUBLISH_TOKEN: ${{ secrets.SHARED_TOKEN }}\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert not any("secrets that held them" in step for step in plan.steps_left)
    assert any("the secret SHARED_TOKEN stays" in step for step in plan.steps_left)


def test_a_makefile_target_that_uploads(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            "Makefile": "test:\n\tpytest\n\nrelease: dist\n\tflit publish\n",
            ".github/workflows/release.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - run: make release\n        env:\n"
                "          FLIT_PASSWORD: ${{ secrets.PYPI }}\n"
            ),
        },
    )
    (upload,) = publishers.find_uploads(found)
    assert (upload.tool, upload.script, upload.secrets) == (
        "flit publish",
        "Makefile (release)",
        ("PYPI",),
    )


@pytest.mark.parametrize(
    ("command", "tool"),
    [
        ("python -m twine upload --repository testpypi dist/*", "twine upload"),
        ("uv publish --trusted-publishing always", "uv publish"),
        ("poetry publish --build", "poetry publish"),
        ("hatch publish -r test", "hatch publish"),
        ("pdm publish", "pdm publish"),
        ("maturin upload target/wheels/*", "maturin upload"),
        ("maturin publish", "maturin publish"),
    ],
)
def test_each_publishing_command_is_found(tmp_path: Path, command: str, tool: str) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/up.yml": (
                "on: push\njobs:\n  up:\n    runs-on: ubuntu-latest\n"
                f"    steps:\n      - run: {command}\n"
            )
        },
    )
    (upload,) = publishers.find_uploads(found)
    assert upload.tool == tool
    assert upload.trusted
    assert upload.index == ("testpypi" if "testpypi" in command else "pypi")


def test_a_project_that_publishes_nothing_yet(tmp_path: Path) -> None:
    found = write(tmp_path, {".github/workflows/ci.yml": "on: push\njobs: {}\n"})
    found.tags = ["v0.1", "v0.2", "0.3"]
    plan = publishers.plan(found)
    assert plan.outcomes == [] and plan.edits == []
    assert plan.answers == {"tag_pattern": "v*", "zizmor": "release"}
    assert plan.steps_left[0].startswith("PyPI: add a trusted publisher for <name>")


@pytest.mark.parametrize(
    ("filter", "rule"),
    [
        ("v*", "v*"),
        ("[0-9]+.[0-9]+.[0-9]+", "[0-9]*"),
        ("v[0-9]+.[0-9]+.[0-9]+*", "v[0-9]*"),
        ("release-*", "release-*"),
        ("v?.*", "v*"),
        ("**", "*"),
    ],
)
def test_a_tag_filter_becomes_a_tag_rule(filter: str, rule: str | None) -> None:
    assert publishers.tag_rule(filter) == rule


@pytest.mark.parametrize(
    ("tags", "style"),
    [
        (["v1.0", "v1.1", "2.0"], "v*"),
        (["1.0", "1.1", "v2.0"], "[0-9]*"),
        (["v1", "2"], None),
        ([], None),
    ],
)
def test_the_tag_style_most_tags_share(tags: list[str], style: str | None) -> None:
    assert publishers.tag_style(tags) == style


def test_a_reusable_workflows_environment_comes_from_its_caller(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/release.yml": (
                "on:\n  release:\n    types: [published]\njobs:\n  pypi:\n"
                "    uses: ./.github/workflows/upload.yml\n"
                "    with:\n      environment: pypi-prod\n"
            ),
            ".github/workflows/upload.yml": (
                "on:\n  workflow_call:\n    inputs:\n      environment:\n        type: string\n"
                "jobs:\n  upload:\n    runs-on: ubuntu-latest\n"
                "    environment: ${{ inputs.environment }}\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "release.yml"
    assert plan.answers["pypi_environment"] == "pypi-prod"
    assert plan.steps_left[0].startswith("PyPI: nothing to change")


def test_an_environment_chosen_by_an_expression_is_said(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/publish.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  upload:\n    runs-on: ubuntu-latest\n"
                "    environment: ${{ github.ref_type == 'tag' && 'pypi' || 'dev' }}\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert "pypi_environment" not in plan.answers
    (note,) = plan.notes
    assert "chose its environment with an expression" in note
    assert plan.steps_left[0].startswith("PyPI: add a trusted publisher")


def test_a_new_environment_for_the_same_workflow(tmp_path: Path) -> None:
    plan = publishers.plan(project("trusted-publisher"), {"pypi_environment": "release"})
    assert plan.steps_left[:2] == [
        "PyPI: add a trusted publisher for inkwell: this repository, workflow publish.yml, "
        "environment release, at https://pypi.org/manage/project/inkwell/settings/publishing/ "
        "(a project not on PyPI yet: https://pypi.org/manage/account/publishing/).",
        "PyPI: then remove the trusted publisher for workflow publish.yml (environment pypi): "
        "the release workflow now publishes from the environment release.",
    ]
    assert (
        "GitHub: the environment pypi is no longer used: delete it once no trusted publisher "
        "names it."
    ) in plan.steps_left


def test_a_release_workflows_own_tests_are_dropped_with_the_reason(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/release.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n"
                "  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
                "  publish:\n    needs: tests\n    runs-on: ubuntu-latest\n"
                "    environment: pypi\n    steps:\n"
                "      - run: python -m build\n      - uses: pypa/gh-action-pypi-publish@v1.12.4\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "release.yml", "a release-only file is replaced"
    assert outcomes(plan)["release.yml", "tests", None] == ("dropped", publishers.WHY_TESTS)
    assert plan.edits == []


def test_a_kept_job_that_reads_a_removed_jobs_outputs_is_named(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": (
                "on: [push, pull_request]\njobs:\n"
                "  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
                "  publish:\n    needs: tests\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
                "  notify:\n    needs: publish\n    if: needs.publish.result == 'success'\n"
                "    runs-on: ubuntu-latest\n    steps:\n      - run: echo done\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.edits == [edits.RemoveJobs(".github/workflows/ci.yml", ("publish",), ANY_REASON)]
    assert "ci.yml: job notify reads needs.publish, which adoption removes" in plan.notes[0]


def test_a_replaced_workflow_that_built_every_pull_request_says_so() -> None:
    plan = publishers.plan(project("cibuildwheel-matrix"))
    assert any(note.startswith("wheels.yml built on every pull request") for note in plan.notes)


class _Any(str):
    def __eq__(self, other: object) -> bool:
        return isinstance(other, str)

    __hash__ = str.__hash__


ANY_REASON = _Any()


def test_token_uploads_to_both_indexes_a_draft_and_slsa_provenance() -> None:
    plan = publishers.plan(project("draft-provenance-tokens"))
    assert plan.answers["release_workflow"] == "publish.yaml"
    assert plan.answers["tag_pattern"] == "[0-9]*"
    assert plan.answers["testpypi"] is True
    assert "testpypi_environment" not in plan.answers, "one environment for both: not kept"
    assert plan.answers["github_release"] == "draft"
    assert detail(plan, "publish.yaml", "publish-pypi") == "publish-testpypi and publish jobs"
    assert detail(plan, "publish.yaml", "provenance") == (
        "attest job (GitHub artifact attestations; PEP 740 ones on PyPI too)"
    )
    without = publishers.plan(project("draft-provenance-tokens"), {"github_attestations": False})
    assert detail(without, "publish.yaml", "provenance") == (
        "publish job (PEP 740 attestations, published beside the files on PyPI)"
    )
    assert (
        detail(
            plan,
            "publish.yaml",
            "build",
            'Run echo "SOURCE_DATE_EPOCH=$(git log -1 --pretty=%ct)" >> "$GITHUB_ENV"',
        )
        == "build job (files dated by the tagged commit)"
    )
    tokens = next(step for step in plan.steps_left if "API tokens" in step)
    assert "https://test.pypi.org/manage/account/token/" in tokens
    assert tokens.endswith(
        "TEST_PYPI_TOKEN, PYPI_TOKEN (Settings > Secrets and variables > Actions)."
    )
    assert [s.split(":")[0] for s in plan.steps_left[:2]] == ["PyPI", "TestPyPI"]


def test_a_zizmor_workflow_that_ignores_the_new_files_is_named(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/publish.yml": (
                "on:\n  release:\n    types: [published]\njobs:\n  up:\n"
                "    runs-on: ubuntu-latest\n    environment: pypi\n    steps:\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
            ".github/workflows/audit.yml": (
                "on:\n  pull_request:\n    paths-ignore: ['.github/workflows/publish.yml']\n"
                "jobs:\n  zizmor:\n    runs-on: ubuntu-latest\n    steps:\n"
                "      - run: pipx run zizmor .github\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["zizmor"] == "own"
    assert plan.notes == [
        "audit.yml's paths-ignore (pull_request) skips .github/workflows/publish.yml: take that "
        "pattern out, so that zizmor audits the release setup."
    ]


@pytest.mark.parametrize(
    ("condition", "trigger", "tag_pattern"),
    [
        ("startsWith(github.ref, 'refs/tags/release-')", "tag", "release-*"),
        ("github.ref_type == 'tag'", "tag", None),
        ("github.event_name == 'push'", "release", None),
    ],
)
def test_a_ci_publish_job_held_back_to_tags(
    tmp_path: Path, condition: str, trigger: str, tag_pattern: str | None
) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": (
                "on: [push, pull_request]\njobs:\n"
                "  tests:\n    runs-on: ubuntu-latest\n    steps:\n      - run: pytest\n"
                f"  publish:\n    needs: tests\n    if: {condition}\n    runs-on: ubuntu-latest\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_trigger"] == trigger
    assert plan.answers.get("tag_pattern") == tag_pattern
    assert plan.answers["release_workflow"] == "release.yml"


def test_a_free_release_workflow_name_is_always_found(tmp_path: Path) -> None:
    files = {
        f".github/workflows/{name}": "on: push\njobs: {}\n"
        for name in ("release.yml", "publish.yml", "pypi-release.yml", "release-pypi.yml")
    }
    files[".github/workflows/ci.yml"] = (
        "on: [push, pull_request]\njobs:\n  tests:\n    runs-on: x\n    steps:\n"
        "      - run: pytest\n  up:\n    runs-on: x\n    steps:\n      - run: uv publish\n"
    )
    plan = publishers.plan(write(tmp_path, files))
    assert plan.answers["release_workflow"] == "release-2.yml"


def test_no_github_release_job_on_the_release_trigger() -> None:
    plan = publishers.plan(project("draft-sha256"), {"release_trigger": "release"})
    assert outcomes(plan)["release.yml", "draft", None] == (
        "dropped",
        "the published GitHub release now starts the release workflow, and with immutable "
        "releases on, no file can be attached to it afterwards",
    )


def test_reusable_workflows_that_call_reusable_workflows(tmp_path: Path) -> None:
    call = "    uses: ./.github/workflows/{}\n    secrets: inherit\n"
    found = write(
        tmp_path,
        {
            ".github/workflows/cd.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n" + call.format("mid.yml")
            ),
            ".github/workflows/mid.yml": (
                "on: workflow_call\njobs:\n  checks:\n    runs-on: x\n    steps:\n"
                "      - run: python -m build\n  pypi:\n    needs: checks\n"
                + call.format("inner.yml")
            ),
            ".github/workflows/inner.yml": (
                "on: workflow_call\njobs:\n  upload:\n    runs-on: x\n    environment: pypi\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    (upload,) = publishers.find_uploads(found)
    assert (upload.identity, upload.caller, upload.via) == (
        "cd.yml",
        "release",
        ("mid.yml", "inner.yml"),
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "cd.yml"
    assert plan.answers["pypi_environment"] == "pypi"
    assert detail(plan, "cd.yml", "release") == "publish job (it called mid.yml)"
    assert detail(plan, "mid.yml", "pypi") == "publish job (it called inner.yml)"
    assert fate(plan, "inner.yml", "upload") == DONE
    assert plan.edits == [  # in file order
        edits.DeleteWorkflow(
            ".github/workflows/inner.yml",
            "the reusable workflow that mid.yml called to publish; only cd.yml publishes",
        ),
        edits.DeleteWorkflow(
            ".github/workflows/mid.yml",
            "the reusable workflow that cd.yml called to publish; only cd.yml publishes",
        ),
    ]


ODD_WORKFLOWS = [
    "jobs: null\n",
    "on: 5\njobs: []\n",
    "on:\n  push:\n    tags: v*\njobs:\n  a:\n    steps: x\n    needs: 3\n",
    "on:\n  workflow_dispatch:\n    inputs: null\njobs:\n  a:\n    environment: {}\n"
    "    if: true\n    steps:\n      - run: 3\n      - uses: 5\n      - twine upload\n"
    "      - run: twine upload dist/*\n        with: str\n        env: [1]\n",
    "on: [release]\njobs:\n  a:\n    uses: 7\n  b:\n    uses: ./.github/workflows/missing.yml\n"
    "  c:\n    uses: ./.github/workflows/w.yml\n",  # calls itself
    "on:\n  workflow_call:\njobs:\n  a:\n    environment:\n      name: ${{ inputs.env }}\n"
    "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n"
    "          password: ${{ secrets.T }}\n",
    "on: [push, pull_request]\njobs:\n  t:\n    needs: 3\n    steps:\n      - run: pytest\n"
    "  up:\n    needs: {x: 1}\n    steps:\n      - run: uv publish\n"
    "  after:\n    needs: [up, 4]\n    steps:\n      - run: echo\n",
]


@pytest.mark.parametrize("text", ODD_WORKFLOWS)
def test_odd_workflows_never_raise(tmp_path: Path, text: str) -> None:
    found = write(tmp_path, {".github/workflows/w.yml": text, "pyproject.toml": "[project\n"})
    plan = publishers.plan(found, {"testpypi": True})
    assert all(o.fate in FATES for o in plan.outcomes)
    assert plan.steps_left
    for edit in plan.edits:
        assert edit.apply(tmp_path)


def test_an_upload_to_a_private_index_is_left_alone(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/internal.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  upload:\n    runs-on: x\n    steps:\n"
                "      - run: twine upload --repository-url https://pypi.example.org/ dist/*\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n"
                "          repository-url: https://upload.pypi.org.evil.example/legacy/\n"
            ),
        },
    )
    assert publishers.find_uploads(found) == []
    assert len(publishers.find_uploads(found, other_indexes=True)) == 2
    plan = publishers.plan(found)
    assert plan.outcomes == [] and plan.edits == []
    assert plan.notes == [
        "internal.yml (job upload) uploads to another index than PyPI and TestPyPI: it is left "
        "as it is."
    ]


@pytest.mark.parametrize(
    ("on", "trigger", "said"),
    [
        ("release:\n    types: [created]", "release", "ran when a release was created"),
        (
            "workflow_run:\n    workflows: [CI]\n    types: [completed]",
            "tag",
            "ran after CI; the release workflow runs on the release tag itself",
        ),
    ],
)
def test_triggers_the_release_workflow_has_not(
    tmp_path: Path, on: str, trigger: str, said: str
) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/publish.yml": (
                f"on:\n  {on}\njobs:\n  up:\n    runs-on: x\n    environment: pypi\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_trigger"] == trigger
    assert any(said in note for note in plan.notes)


def test_a_document_that_shows_an_upload_is_no_script(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            "docs/releasing.md": "Run `twine upload dist/*`.\n",
            "tools/release": "#!/bin/sh\nuv publish\n",
            ".github/workflows/ci.yml": (
                "on: [push, pull_request]\njobs:\n  docs:\n    runs-on: x\n    steps:\n"
                "      - run: markdownlint docs/releasing.md\n"
            ),
            ".github/workflows/release.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  up:\n    runs-on: x\n    steps:\n"
                "      - run: tools/release\n"
            ),
        },
    )
    (upload,) = publishers.find_uploads(found)
    assert (upload.workflow.file, upload.script, upload.tool) == (
        "release.yml",
        "tools/release",
        "uv publish",
    )


@pytest.mark.parametrize(
    ("called", "release_workflow"), [(False, "publish.yml"), (True, "release.yml")]
)
def test_a_workflow_both_started_and_called(
    tmp_path: Path, called: bool, release_workflow: str
) -> None:
    files = {
        ".github/workflows/publish.yml": (
            "on:\n  push:\n    tags: ['v*']\n  workflow_call:\njobs:\n  up:\n    runs-on: x\n"
            "    environment: pypi\n    steps:\n"
            "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
        ),
    }
    if called:
        files[".github/workflows/nightly.yml"] = (
            "on:\n  schedule:\n    - cron: '0 3 * * *'\njobs:\n"
            "  again:\n    uses: ./.github/workflows/publish.yml\n"
        )
    plan = publishers.plan(write(tmp_path, files))
    assert plan.answers["release_workflow"] == release_workflow
    if called:
        assert outcomes(plan)["nightly.yml", "again", None] == (
            "dropped",
            publishers.WHY_SCHEDULE,
        )


def test_a_release_workflow_that_also_deploys_the_docs_stays(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/release.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n"
                "  pypi:\n    runs-on: x\n    environment: pypi\n    steps:\n"
                "      - run: python -m build\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
                "  docs:\n    runs-on: x\n    steps:\n      - run: mkdocs gh-deploy --force\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "publish.yml", "release.yml stays for its docs"
    assert outcomes(plan)["release.yml", "docs", None] == (
        "kept in place",
        ".github/workflows/release.yml",
    )
    assert plan.edits == [
        edits.RemoveJobs(".github/workflows/release.yml", ("pypi",), "only publish.yml publishes")
    ]
    assert plan.steps_left[1] == (
        "PyPI: then remove the trusted publisher for workflow release.yml (environment pypi): it "
        "would let release.yml publish again."
    )


def test_a_maturin_project_builds_with_cibuildwheel(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/release.yml": (
                "on:\n  release:\n    types: [published]\njobs:\n"
                "  wheels:\n    runs-on: x\n    steps:\n"
                "      - uses: PyO3/maturin-action@v1\n        with:\n          command: build\n"
                "  upload:\n    needs: wheels\n    runs-on: x\n    environment: pypi\n"
                "    steps:\n      - uses: PyO3/maturin-action@v1\n        with:\n"
                "          command: upload\n          args: --non-interactive dist/*\n"
            ),
        },
    )
    found.build_backend, found.compiled = "maturin", True
    plan = publishers.plan(found)
    assert plan.answers["build_tool"] == "cibuildwheel"
    assert detail(plan, "release.yml", "wheels") == "sdist and wheels jobs"
    assert fate(plan, "release.yml", "upload") == DONE
    assert outcomes(plan)["release.yml", "upload", "Run PyO3/maturin-action@v1"] == (
        DONE,
        "publish job",
    )
    (upload,) = publishers.find_uploads(found)
    assert upload.tool == "PyO3/maturin-action (upload)"


def test_a_build_step_that_installs_its_tool_first_still_builds(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/publish.yml": (
                "on:\n  release:\n    types: [published]\njobs:\n  build:\n    runs-on: x\n"
                "    steps:\n      - uses: actions/checkout@v5\n"
                "      - name: Build\n        run: python -m pip install build && python -m build\n"
                "      - uses: actions/upload-artifact@v6\n        with:\n          path: dist/\n"
                "  prepare:\n    runs-on: x\n    steps:\n      - run: pip install -U pip\n"
                "  publish:\n    needs: [build, prepare]\n    runs-on: x\n    environment: pypi\n"
                "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "publish.yml", "only releases: replaced"
    assert outcomes(plan)["publish.yml", "build", "Build"] == (DONE, "build job")
    assert outcomes(plan)["publish.yml", "prepare", None] == (DONE, "build job")
    assert plan.edits == []


def test_a_dispatch_that_publishes_distributions_built_elsewhere(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/upload.yml": (
                "on:\n  workflow_dispatch:\n    inputs:\n      version:\n        required: true\n"
                "jobs:\n  up:\n    runs-on: x\n    steps:\n"
                "      - name: Fetch the staged wheels\n"
                "        run: python -m wheelhouse_uploader fetch --local-folder dist/ x\n"
                "      - uses: pypa/gh-action-pypi-publish@v1.4.1\n        with:\n"
                "          password: ${{ secrets.PYPI_TOKEN }}\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert detail(plan, "upload.yml", "up", "Fetch the staged wheels") == (
        "build job (the release workflow builds the distributions it publishes)"
    )
    (note,) = plan.notes
    assert note.startswith("upload.yml took the version to release as an input (version); now")


MONOREPO_CI = """\
name: CI
on:
  push:
    branches: [main]
    tags: ['v*']
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: pytest
  build:
    runs-on: ubuntu-latest
    steps:
      - run: python -m build --outdir dist/
      - uses: actions/upload-artifact@v4
        with: {name: sample-dist, path: dist/}
  build-core:
    runs-on: ubuntu-latest
    steps:
      - run: python -m build sample-core --outdir core-dist/
      - uses: actions/upload-artifact@v4
        with: {name: sample_core_dist, path: core-dist/}
  release-sample-core:
    needs: [test, build-core]
    if: startsWith(github.ref, 'refs/tags/')
    runs-on: ubuntu-latest
    environment: release
    permissions: {id-token: write}
    steps:
      - uses: actions/download-artifact@v4
        with: {name: sample_core_dist, path: core-dist/}
      - name: Publish sample-core to PyPI
        uses: pypa/gh-action-pypi-publish@release/v1
        with: {packages-dir: core-dist/}
  release-sample:
    needs: [test, build]
    if: startsWith(github.ref, 'refs/tags/')
    runs-on: ubuntu-latest
    environment: release
    permissions: {id-token: write}
    steps:
      - uses: actions/download-artifact@v4
        with: {name: sample-dist, path: dist/}
      - uses: pypa/gh-action-pypi-publish@release/v1
  internal:
    needs: [build]
    runs-on: ubuntu-latest
    steps:
      - run: twine upload --repository-url https://pypi.example.org/ dist/*
"""


@pytest.mark.parametrize("given", [{}, {"pypi_name": "Sample"}])
def test_another_distribution_of_a_monorepo_keeps_its_publishing(
    tmp_path: Path, given: dict[str, str]
) -> None:
    """A repository that releases two distributions from one workflow: the job that publishes
    the other one (it names sample-core, never sample) is kept in place, as is one that uploads
    to another index; only the job that publishes sample is the release workflow's now."""
    found = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "sample"\n',
            ".github/workflows/ci.yml": MONOREPO_CI,
        },
    )
    found.distributions = {"sample": ".", "sample-core": "sample-core"}
    plan = publishers.plan(found, given)
    assert fate(plan, "ci.yml", "release-sample") == DONE
    assert fate(plan, "ci.yml", "release-sample-core") == "kept in place"
    assert fate(plan, "ci.yml", "internal") == "kept in place"
    assert [type(e) for e in plan.edits if e.path == ".github/workflows/ci.yml"] == [
        edits.RemoveJobs
    ]
    for edit in plan.edits:
        assert edit.apply(tmp_path)
    after = workflows.read(tmp_path, Path(".github/workflows/ci.yml")).jobs
    assert "release-sample" not in after
    assert {"test", "build", "build-core", "release-sample-core", "internal"} <= set(after)
    name = given.get("pypi_name", "sample")
    assert (
        "ci.yml (job release-sample-core) publishes sample-core, another distribution of this "
        f"repository: it is left as it is (the release workflow publishes {name}). It deploys to "
        "the environment release, which the release workflow uses too: once that has the release "
        "team's reviewers and the one deployment tag rule v*, sample-core's releases need both, "
        "so give it an environment of its own if its tags do not match v*."
    ) in plan.notes


def test_one_distribution_publishing_under_any_job_name_is_the_release_workflows(
    tmp_path: Path,
) -> None:
    """With one distribution, a job's words decide nothing: release-sample-core publishes it."""
    found = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "sample"\n',
            ".github/workflows/ci.yml": MONOREPO_CI,
        },
    )
    found.distributions = {"sample": "."}
    plan = publishers.plan(found)
    assert fate(plan, "ci.yml", "release-sample-core") == DONE
    assert fate(plan, "ci.yml", "release-sample") == DONE


def test_a_workflow_named_for_another_distribution_is_left_alone(tmp_path: Path) -> None:
    """Jobs that name no distribution: their workflow's name, tags and file name decide (pypa's
    build-hatchling.yml beside the workflow that publishes hatch)."""
    anonymous = (
        "jobs:\n  build:\n    runs-on: x\n    steps:\n      - run: python -m build {folder}\n"
        "  publish:\n    needs: build\n    runs-on: x\n    environment: pypi\n"
        "    permissions: {{id-token: write}}\n    steps:\n"
        "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
    )
    found = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "sample"\n',
            ".github/workflows/publish.yml": "name: publish\non:\n  push:\n    tags: ['v*']\n"
            + anonymous.format(folder="."),
            ".github/workflows/build-sample-plugin.yml": (
                "name: build sample-plugin\non:\n  push:\n    tags: ['sample-plugin-v*']\n"
                + anonymous.format(folder="plugin")
            ),
        },
    )
    found.distributions = {"sample": ".", "sample-plugin": "plugin"}
    plan = publishers.plan(found)
    assert plan.answers["release_workflow"] == "publish.yml"
    assert fate(plan, "publish.yml", "publish") == DONE
    assert not [o for o in plan.outcomes if o.workflow == "build-sample-plugin.yml"]
    assert not [e for e in plan.edits if "build-sample-plugin" in e.path]
    assert (
        "build-sample-plugin.yml (job publish) publishes sample-plugin, another distribution of "
        "this repository: it is left as it is (the release workflow publishes sample). It "
        "deploys to the environment pypi, which the release workflow uses too: once that has "
        "the release team's reviewers and the one deployment tag rule v*, sample-plugin's "
        "releases need both, so give it an environment of its own if its tags do not match v*."
    ) in plan.notes


def test_publishing_that_names_no_distribution_of_several_is_said(tmp_path: Path) -> None:
    """Where the repository defines several distributions and a publishing workflow names none,
    adoption takes it for pypi_name's, and the report says how to correct that."""
    found = write(
        tmp_path,
        {
            "pyproject.toml": '[project]\nname = "sample"\n',
            ".github/workflows/publish.yml": (
                "on:\n  push:\n    tags: ['v*']\njobs:\n  upload:\n    runs-on: x\n"
                "    environment: pypi\n    steps:\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
            ),
        },
    )
    found.distributions = {"sample": ".", "sample-core": "core"}
    plan = publishers.plan(found)
    assert fate(plan, "publish.yml", "upload") == DONE
    assert (
        "This repository defines several distributions (sample, sample-core), and publish.yml "
        "names none of them: adoption took it to publish sample. If it publishes another one, "
        "undo the adoption (`git status` lists what it changed), put that distribution's name in "
        "the publishing job's name, and adopt again."
    ) in plan.notes
    found.distributions = {"sample": "."}
    assert not [n for n in publishers.plan(found).notes if "several distributions" in n]


def test_an_upload_to_another_index_in_a_job_that_goes_is_dropped_with_its_reason(
    tmp_path: Path,
) -> None:
    """A job that publishes to PyPI and to another index (jazzband/pip-tools): the job goes, so
    its other upload is dropped, said so, and never said to be left as it is."""
    found = write(
        tmp_path,
        {
            ".github/workflows/release.yml": (
                "on:\n  release:\n    types: [published]\njobs:\n  publish:\n    runs-on: x\n"
                "    environment: pypi\n    permissions: {id-token: write}\n    steps:\n"
                "      - uses: pypa/gh-action-pypi-publish@release/v1\n"
                "      - name: Upload to the guild's index\n"
                "        uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n"
                "          password: ${{ secrets.GUILD_KEY }}\n"
                "          repository-url: https://guild.example/upload\n"
            ),
        },
    )
    plan = publishers.plan(found)
    assert fate(plan, "release.yml", "publish") == DONE
    assert outcomes(plan)["release.yml", "publish", "Upload to the guild's index"] == (
        "dropped",
        publishers.WHY_OTHER_INDEX,
    )
    assert not [note for note in plan.notes if "another index" in note]


TOX_PUBLISHER = (
    "on:\n  push:\n    tags: ['v*']\njobs:\n  release:\n    runs-on: x\n"
    "    permissions: {{contents: write}}\n    steps:\n      - uses: actions/checkout@v4\n"
    "      - run: {command}\n        env:\n"
    "          TWINE_PASSWORD: ${{{{ secrets.PYPI_TOKEN }}}}\n"
)
UPLOAD = "python -m twine upload dist/*"


@pytest.mark.parametrize(
    ("command", "files", "script"),
    [
        (  # pypa/setuptools and the jaraco skeleton
            "tox -e release",
            {"tox.ini": f"[testenv]\ndeps = pytest\n[testenv:release]\ncommands =\n\t{UPLOAD}\n"},
            "tox (release)",
        ),
        (
            "tox run -e release",
            {"tox.toml": f'[env.release]\ncommands = [["{UPLOAD}"]]\n'},
            "tox (release)",
        ),
        (
            "tox -e release",
            {"pyproject.toml": f'[tool.tox.env.release]\ncommands = [["{UPLOAD}"]]\n'},
            "tox (release)",
        ),
        (
            "nox -s publish",
            {
                "noxfile.py": f"def tests(session):\n    pass\n\ndef publish(session):\n"
                f"    session.run(*'{UPLOAD}'.split())\n"
            },
            "noxfile.py (publish)",
        ),
        # An upload this reading cannot follow: the credential it is given says it publishes.
        ("./tools/ship", {}, ""),
    ],
)
def test_an_upload_that_tox_nox_or_a_token_runs_is_found(
    tmp_path: Path, command: str, files: dict[str, str], script: str
) -> None:
    found = write(
        tmp_path,
        {".github/workflows/main.yml": TOX_PUBLISHER.format(command=command), **files},
    )
    (upload,) = publishers.find_uploads(found)
    assert (upload.job.id, upload.script, upload.secrets) == ("release", script, ("PYPI_TOKEN",))
    plan = publishers.plan(found)
    assert fate(plan, "main.yml", "release") == DONE
    assert any("PYPI_TOKEN" in step for step in plan.steps_left), plan.steps_left


def test_a_github_release_made_beside_the_upload_is_carried_over(tmp_path: Path) -> None:
    """The jaraco skeleton's tox environment uploads, then makes the tag's GitHub release: the
    release workflow makes it (a published one, on the tag trigger), and the report says so."""
    release = "python -m jaraco.develop.create-github-release"
    tox = f"[testenv:release]\ncommands =\n\t{UPLOAD}\n\t{release}\n"
    found = write(
        tmp_path,
        {
            ".github/workflows/main.yml": TOX_PUBLISHER.format(command="tox -e release"),
            "tox.ini": tox,
        },
    )
    plan = publishers.plan(found)
    assert plan.answers["release_trigger"] == "tag"
    assert plan.answers["github_release"] == "published"
    assert detail(plan, "main.yml", "release", None) == "publish job (its upload in tox (release))"
    step = [o for o in plan.outcomes if o.job == "release" and o.step and "tox" in o.step]
    (outcome,) = step
    assert outcome.detail.endswith("; github-release job (a published GitHub release)")
    # Given no GitHub release, the report says what becomes of it.
    plan = publishers.plan(found, {"github_release": "none"})
    (outcome,) = [o for o in plan.outcomes if o.job == "release" and o.step and "tox" in o.step]
    assert outcome.detail.endswith(
        "; its GitHub release: github_release is none: answer draft or published to have one"
    )


def test_a_tox_configuration_that_is_not_toml_is_read_past(tmp_path: Path) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/main.yml": TOX_PUBLISHER.format(command="tox -e release"),
            "tox.toml": "[env.release\n",
            "pyproject.toml": "[tool.tox]\nlegacy_tox_ini = '''\n[testenv:release]\n"
            f"commands = {UPLOAD}\n'''\n",
        },
    )
    (upload,) = publishers.find_uploads(found)
    assert upload.script == "tox (release)"


@pytest.mark.parametrize(
    ("step", "kind"),
    [
        ("uses: aio-libs/create-release@v1.6.6", "github release"),
        ('run: gh release view "$GITHUB_REF_NAME"', "github release"),
        (
            'run: |\n          echo "${{ secrets.GITHUB_TOKEN }}" | gh auth login --with-token',
            "setup",
        ),
        ("run: gh auth login --with-token < token.txt && twine upload dist/*", "publish"),
    ],
)
def test_what_aiohttps_release_steps_do(tmp_path: Path, step: str, kind: str) -> None:
    found = write(
        tmp_path,
        {
            ".github/workflows/r.yml": "on: push\njobs:\n  r:\n    runs-on: x\n    steps:\n"
            f"      - {step}\n"
        },
    )
    (job,) = found.workflows[0].jobs.values()
    assert publishers.step_kind(found, job.steps[0]) == kind


def test_a_call_that_turns_its_upload_to_pypi_off_only_builds(tmp_path: Path) -> None:
    """astropy's CI builds and tests its wheels with OpenAstronomy's publishing workflow and
    `upload_to_pypi: false`: that job stays in CI, and only the workflow that uploads goes."""
    call = (
        "    uses: OpenAstronomy/github-actions-workflows/.github/workflows/publish.yml@v1\n"
        "    with:\n      upload_to_pypi: {upload}\n      targets: cp3*-manylinux_x86_64\n"
    )
    found = write(
        tmp_path,
        {
            ".github/workflows/ci.yml": "on: [push, pull_request]\njobs:\n  tests:\n"
            "    runs-on: x\n    steps:\n      - run: pytest\n  test_wheel_building:\n"
            + call.format(upload="false"),
            ".github/workflows/publish.yml": "on:\n  push:\n    tags: ['v*']\njobs:\n  build:\n"
            + call.format(upload="${{ startsWith(github.ref, 'refs/tags/') }}")
            + "    secrets:\n      pypi_token: ${{ secrets.pypi_password }}\n",
        },
    )
    assert [(u.workflow.file, u.job.id) for u in publishers.find_uploads(found)] == [
        ("publish.yml", "build")
    ]
    plan = publishers.plan(found)
    assert not [o for o in plan.outcomes if o.workflow == "ci.yml"]
    assert not [e for e in plan.edits if e.path.endswith("ci.yml")]
    assert fate(plan, "publish.yml", "build") == DONE
