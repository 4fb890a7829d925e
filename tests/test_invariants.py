"""Structural invariants of every rendered variant, read from the parsed YAML and the text."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    BUILD_PYTHON,
    ROOT,
    load_yaml,
    pin_source,
    pins_in,
    release_workflow,
    without_starter_step,
    workflows_of,
)
from variants import VARIANTS
from workflow_runner import evaluate, operating_system, substitute

SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+\.\d+\.\d+")
INPUTS = json.loads((ROOT / "pins" / "inputs.json").read_text())


@pytest.fixture(params=sorted(VARIANTS), scope="module")
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[dict, Path]:
    return VARIANTS[request.param], rendered(request.param)


def release(project: Path) -> dict[str, Any]:
    return load_yaml(release_workflow(project))


def all_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in workflow["jobs"].items() for step in job["steps"]]


def action(step: dict[str, Any]) -> str | None:
    return step["uses"].split("@")[0] if "uses" in step else None


def test_renders_only_the_release_setup(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    expected = {
        ".copier-answers.hardened-release.yml",
        ".github/dependabot.yml",
        ".github/release-requirements.in",
        ".github/release-requirements.txt",
        ".github/workflows/" + answers.get("release_workflow", "release.yml"),
        answers.get("releasing_doc", "RELEASING.md"),
    }
    if answers.get("zizmor", "all") != "own":
        expected.add(".github/workflows/zizmor.yml")
    if answers.get("dependabot_cooldown_days", 7) < 7:
        expected.add(".github/zizmor.yml")
    if answers.get("release_team"):
        expected.add(".github/CODEOWNERS")
    files = {str(p.relative_to(project)) for p in project.rglob("*") if p.is_file()}
    assert files == expected


def indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def test_no_template_noise(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for path in project.rglob("*"):
        if not path.is_file():
            continue
        text = path.read_text()
        name = path.relative_to(project)
        for leftover in ("[[", "]]", "[%", "%]", "[#", "#]", "{%", "%}"):
            assert leftover not in text, f"{name}: Jinja left over: {leftover!r}"
        assert not re.search(r"(?<!\$)\{\{", text), f"{name}: Jinja left over: {{{{"
        assert text.endswith("\n") and not text.endswith("\n\n"), f"{name}: ragged end"
        most = "\n\n\n\n" if path.suffix == ".py" else "\n\n\n"  # PEP 8 allows two in Python
        assert most not in text, f"{name}: too many blank lines in a row"
        lines = text.splitlines()
        assert lines[0].strip(), f"{name}: starts with a blank line"
        for number, line in enumerate(lines, 1):
            assert line == line.rstrip(), f"{name}:{number}: trailing whitespace"
            following = lines[number : number + 2]
            if path.suffix == ".yml" and line.endswith(":") and len(following) == 2:
                blank, content = following
                assert blank.strip() or indent(content) <= indent(line), (
                    f"{name}:{number + 1}: blank line inside a mapping"
                )


def test_top_level_permissions_are_empty(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        assert load_yaml(project / workflow)["permissions"] == {}


def test_every_permission_is_explained(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        lines = (project / workflow).read_text().splitlines()
        for number, line in enumerate(lines):
            if line.strip() == "permissions:":
                indent = len(line) - len(line.lstrip())
                for grant in lines[number + 1 :]:
                    if len(grant) - len(grant.lstrip()) <= indent:
                        break
                    assert re.fullmatch(r"\s+[a-z-]+: (read|write)  # \S.*", grant), grant


def test_job_permissions_are_least_privilege(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    attestations = answers.get("github_attestations", True)
    verify = {"attestations": "read"} if attestations else {}
    expected = {
        "publish": {"id-token": "write", **verify},
        "publish-testpypi": {"id-token": "write"},
        "attest": {"id-token": "write", "attestations": "write"},
        "github-release": {"contents": "write", **verify},
        "preflight": {"actions": "read"},  # reads the environments and their deployment rules
    }
    for job_id, job in release(project)["jobs"].items():
        assert job["permissions"] == expected.get(job_id, {"contents": "read"}), job_id
    zizmor_workflow = project / ".github/workflows/zizmor.yml"
    zizmor = load_yaml(zizmor_workflow)["jobs"] if zizmor_workflow.exists() else {}
    assert all(job["permissions"] == {"contents": "read"} for job in zizmor.values())


#: The download step of every job after the build: by the artifact's ID, which the build job
#: passes on from its upload step.
DOWNLOAD = {
    "uses": "actions/download-artifact",
    "with": {"artifact-ids": "${{ needs.build.outputs.artifact-id }}", "path": "dist/"},
}


def test_publish_jobs_only_download_verify_and_publish(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    jobs = release(project)["jobs"]
    testpypi = answers.get("testpypi", False)
    assert {job for job in jobs if job.startswith("publish")} == (
        {"publish", "publish-testpypi"} if testpypi else {"publish"}
    )
    for job_id in ("publish", "publish-testpypi") if testpypi else ("publish",):
        job = jobs[job_id]
        pypi = job_id == "publish"
        assert "build" in job["needs"]
        if pypi and testpypi:
            assert "publish-testpypi" in job["needs"]
        assert job["if"], "a publish job runs only for a release"
        environment = (
            answers.get("pypi_environment", "pypi")
            if pypi
            else answers.get("testpypi_environment", "testpypi")
        )
        host = "pypi.org" if pypi else "test.pypi.org"
        assert job["environment"] == {
            "name": environment,
            "url": f"https://{host}/p/{answers['pypi_name']}",
        }
        steps = without_starter_step(job["steps"], answers)
        used = [action(step) for step in steps]
        verify = pypi and answers.get("github_attestations", True)
        assert used == (
            ["actions/download-artifact", None, "pypa/gh-action-pypi-publish"]
            if verify
            else ["actions/download-artifact", "pypa/gh-action-pypi-publish"]
        )
        assert {"uses": action(steps[0]), "with": steps[0]["with"]} == DOWNLOAD
        publish = steps[-1]["with"]
        assert publish["print-hash"] is True and publish["attestations"] is True
        assert ("repository-url" in publish) == (not pypi)
        assert publish.get("skip-existing", False) == (not pypi)
        if verify:
            check = steps[1]["run"]
            assert "gh attestation verify" in check
            assert '--repo "$GITHUB_REPOSITORY"' in check
            signer = f".github/workflows/{answers.get('release_workflow', 'release.yml')}"
            assert f'--signer-workflow "$GITHUB_REPOSITORY/{signer}"' in check
            assert '--source-ref "$GITHUB_REF"' in check
            assert '--source-digest "$GITHUB_SHA" --deny-self-hosted-runners' in check


def steps_using(job: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if action(step) == name]


def test_attestations_are_made_apart_from_the_build_and_checked_before_upload(
    variant: tuple[dict, Path],
) -> None:
    """Signed in a job of their own, where no build backend runs, on the files the build job
    uploaded; verified by the publish job on the files it then uploads to PyPI."""
    answers, project = variant
    jobs = release(project)["jobs"]
    attesting = [job_id for job_id, job in jobs.items() if steps_using(job, "actions/attest")]
    if not answers.get("github_attestations", True):
        assert attesting == [] and "attest" not in jobs
        return
    assert attesting == ["attest"]
    attest, publish = jobs["attest"], jobs["publish"]
    assert attest["needs"] == ["build"] and attest["if"] == publish["if"]
    assert [action(step) for step in attest["steps"]] == [
        "actions/download-artifact",
        "actions/attest",
        None,  # say why a private repository has none
    ]
    assert {"uses": action(attest["steps"][0]), "with": attest["steps"][0]["with"]} == DOWNLOAD
    (sign,) = steps_using(attest, "actions/attest")
    assert sign["with"] == {"subject-path": "dist/*"}
    assert attest["outputs"] == {"attested": "${{ steps.attest.outcome == 'success' }}"}
    # Optional only where GitHub may not offer them: in a private repository.
    for private in ("true", "false"):
        context = {"github.event.repository.private": private}
        assert substitute(sign.get("continue-on-error", False), context) == private
    # Verified after the publish job's own download, before its upload, whenever signed.
    assert "attest" in publish["needs"]
    names = [step.get("name") for step in publish["steps"]]
    verify = names.index("Verify the attestations")
    assert names.index("Download the distributions") < verify < len(names) - 1
    assert evaluate(publish["steps"][verify]["if"], {"needs.attest.outputs.attested": "true"})
    assert not steps_using(publish, "actions/attest")


def test_later_jobs_download_by_artifact_id(variant: tuple[dict, Path]) -> None:
    """The release's files go from job to job by artifact ID, and are kept a few days only."""
    _, project = variant
    jobs = release(project)["jobs"]
    (upload,) = [step for step in jobs["build"]["steps"] if step.get("id") == "upload"]
    assert action(upload) == "actions/upload-artifact" and upload["with"]["name"] == "dist"
    assert jobs["build"]["outputs"]["artifact-id"] == "${{ steps.upload.outputs.artifact-id }}"
    for job_id, job in jobs.items():
        for step in steps_using(job, "actions/upload-artifact"):
            assert 0 < step["with"]["retention-days"] <= 7, job_id
        if job_id not in ("sdist", "wheels", "build"):
            for step in steps_using(job, "actions/download-artifact"):
                assert {"uses": action(step), "with": step["with"]} == DOWNLOAD, job_id
                assert "build" in job["needs"], job_id


def test_jobs_that_can_publish_never_run_in_a_fork(variant: tuple[dict, Path]) -> None:
    """Every job with a publishing credential (an OIDC token, a token that writes) runs only in
    the repository the answers name, and there only for a release."""
    answers, project = variant
    jobs = release(project)["jobs"]
    event = {"release": "release", "tag": "push"}.get(
        answers.get("release_trigger", "release"), "workflow_dispatch"
    )
    releasing = {"github.event_name": event, "needs.build.outputs.publish": "true"}
    powerful = [
        job_id
        for job_id, job in jobs.items()
        if {"id-token", "contents"} & {k for k, v in job["permissions"].items() if v == "write"}
    ]
    assert "publish" in powerful
    for job_id in powerful:
        condition = jobs[job_id]["if"]
        own = {**releasing, "github.repository": answers["github_repository"]}
        assert evaluate(condition, own), job_id
        assert not evaluate(condition, {**releasing, "github.repository": "fork/sample"}), job_id


def operating_systems(job: dict[str, Any]) -> set[str]:
    """Every operating system a job may run on: its runs-on, or each value of its matrix."""
    labels = job.get("strategy", {}).get("matrix", {}).get("os", [job["runs-on"]])
    return {operating_system(label) for label in labels}


def test_steps_name_their_shell_where_the_runner_may_not_be_linux(
    variant: tuple[dict, Path],
) -> None:
    """On Windows a step without `shell:` runs in PowerShell: every `run:` step of a job that may
    run on Windows or macOS says which shell it is written for."""
    _, project = variant
    for workflow in workflows_of(project):
        for job_id, job in load_yaml(project / workflow)["jobs"].items():
            if operating_systems(job) != {"Linux"}:
                default = job.get("defaults", {}).get("run", {}).get("shell")
                for step in job["steps"]:
                    if "run" in step:
                        assert step.get("shell", default), f"{job_id}: {step.get('name')}"


def test_build_jobs_run_the_python_the_lock_is_for(variant: tuple[dict, Path]) -> None:
    """One fixed minor version, the one the lock of build tools was compiled for."""
    _, project = variant
    python = BUILD_PYTHON
    lock = (project / ".github" / "release-requirements.txt").read_text()
    assert f" --python-version {python} " in lock.splitlines()[1]
    setups = [
        step
        for job in release(project)["jobs"].values()
        for step in steps_using(job, "actions/setup-python")
    ]
    assert setups and all(step["with"]["python-version"] == python for step in setups)


def test_a_release_is_built_only_from_the_default_branch(variant: tuple[dict, Path]) -> None:
    """The build job checks the commit's ancestry before it uploads anything, whenever it builds a
    release (tests/test_build_steps.py runs the check for real)."""
    _, project = variant
    build = release(project)["jobs"]["build"]
    names = [step.get("name") for step in build["steps"]]
    check = names.index("Check that the release is on the default branch")
    version = build["steps"][names.index("Check that the version matches the tag")]
    step = build["steps"][check]
    assert step["if"] == version["if"]
    assert step["env"] == {"DEFAULT_BRANCH": "${{ github.event.repository.default_branch }}"}
    assert check < names.index("Upload the distributions")
    (checkout,) = steps_using(build, "actions/checkout")
    assert checkout["with"]["fetch-depth"] == 0  # every branch, as origin/<branch>
    assert names.index(checkout["name"]) < check


def test_the_github_release_is_made_last_files_first(variant: tuple[dict, Path]) -> None:
    """After PyPI has accepted the files; a draft gets them before it is published (an immutable
    release takes no new file); the one job that may write contents (tests/test_build_steps.py
    runs its step)."""
    answers, project = variant
    jobs = release(project)["jobs"]
    trigger = answers.get("release_trigger", "release")
    made = answers.get("github_release", "none") if trigger != "release" else "none"
    assert ("github-release" in jobs) == (made != "none")
    if made == "none":
        return
    job = jobs["github-release"]
    assert "publish" in job["needs"] and job["if"] == jobs["publish"]["if"]
    (script,) = [step["run"] for step in job["steps"] if "run" in step]
    create = script.index("gh release create")
    assert "--draft " in script[create:].split("\n\n")[0] + " "
    assert ("--draft=false" in script) == (made == "published")
    if made == "published":
        assert script.index("--draft=false") > create
    assert len(script.splitlines()) <= 25


def test_build_job(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    jobs = release(project)["jobs"]
    build = jobs["build"]
    assert "environment" not in build
    steps = build["steps"]
    uses = [action(step) for step in steps if "uses" in step]
    runs = "\n".join(step.get("run", "") for step in steps)
    tool = answers.get("build_tool", "build")
    first = {
        "build": ["actions/checkout", "actions/setup-python"],
        "uv": ["actions/checkout", "actions/setup-python"],
        "cibuildwheel": [
            "actions/checkout",
            "actions/download-artifact",
            "actions/setup-python",
        ],
    }[tool]
    assert uses == [*first, "actions/upload-artifact"]
    assert steps[-1]["with"] == {
        "name": "dist",
        "path": "dist/",
        "if-no-files-found": "error",
        "retention-days": 5,
    }
    assert ("check-wheel-contents dist/*.whl" in runs) is answers.get("check_wheel_contents", False)
    assert "check --strict dist/*" in runs
    version_check = next(
        s for s in steps if s.get("name") == "Check that the version matches the tag"
    )
    assert "parse_wheel_filename" in version_check["run"]
    assert version_check["if"]
    assert set(jobs) - {"publish", "publish-testpypi", "preflight", "attest", "github-release"} == (
        {"sdist", "wheels", "build"} if tool == "cibuildwheel" else {"build"}
    )


@pytest.mark.parametrize(
    "name",
    [name for name, answers in VARIANTS.items() if answers.get("build_tool") == "cibuildwheel"],
)
def test_cibuildwheel_artifacts_are_unique_and_merged(
    name: str, rendered: Callable[[str], Path]
) -> None:
    jobs = release(rendered(name))["jobs"]
    uploads = {
        job_id: [s["with"]["name"] for s in job["steps"] if action(s) == "actions/upload-artifact"]
        for job_id, job in jobs.items()
    }
    assert uploads["sdist"] == ["dist-sdist"]
    assert uploads["wheels"] == ["dist-wheels-${{ matrix.os }}"]
    matrix = jobs["wheels"]["strategy"]["matrix"]["os"]
    assert len(matrix) == len(set(matrix)) == 5
    assert jobs["wheels"]["runs-on"] == "${{ matrix.os }}"
    (download,) = steps_using(jobs["build"], "actions/download-artifact")
    assert download["with"] == {"pattern": "dist-*", "merge-multiple": True, "path": "dist/"}
    assert jobs["build"]["needs"] == ["sdist", "wheels"]
    assert uploads["build"] == ["dist"]


def test_every_job_has_a_timeout_and_a_name(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        data = load_yaml(project / workflow)
        assert data["name"]
        for job in data["jobs"].values():
            assert 0 < job["timeout-minutes"] <= 60
            assert job["name"]


def test_no_cancelled_release(variant: tuple[dict, Path]) -> None:
    _, project = variant
    concurrency = release(project)["concurrency"]
    assert concurrency["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"


def test_no_expressions_in_run(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        for _, step in all_steps(load_yaml(project / workflow)):
            assert "${{" not in step.get("run", "")


def test_checkout_never_persists_credentials(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        for _, step in all_steps(load_yaml(project / workflow)):
            if action(step) == "actions/checkout":
                assert step["with"]["persist-credentials"] is False


def test_no_caches(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        for _, step in all_steps(load_yaml(project / workflow)):
            assert action(step) != "actions/cache"
            for key, value in step.get("with", {}).items():
                if "cache" in key:
                    assert value is False, f"{action(step)}: {key}: {value}"


def test_pins_are_full_shas_from_the_one_source(variant: tuple[dict, Path]) -> None:
    _, project = variant
    source = pin_source()
    for workflow in workflows_of(project):
        pins = pins_in(project / workflow)
        assert pins
        for name, ref, comment in pins:
            assert SHA.fullmatch(ref) and comment and VERSION_COMMENT.fullmatch(comment)
            assert (ref, comment) == source[name], name


def test_actions_get_only_inputs_they_declare(variant: tuple[dict, Path]) -> None:
    _, project = variant
    for workflow in workflows_of(project):
        for _, step in all_steps(load_yaml(project / workflow)):
            if name := action(step):
                unknown = set(step.get("with", {})) - set(INPUTS[name]["inputs"])
                assert not unknown, f"{name} does not declare {unknown}"


def test_dependabot(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    config = load_yaml(project / ".github" / "dependabot.yml")
    assert config["version"] == 2
    update, _ = config["updates"]  # the build tools' entry: tests/test_integrity.py
    assert update["package-ecosystem"] == "github-actions"
    assert update["schedule"] == {"interval": answers.get("dependabot_interval", "weekly")}
    days = answers.get("dependabot_cooldown_days", 7)
    assert update.get("cooldown") == ({"default-days": days} if days else None)
    assert update["groups"] == {"github-actions": {"patterns": ["*"]}}
    assert "insecure-external-code-execution" not in update


def test_preflight_gates_every_publish_job_when_chosen(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    jobs = release(project)["jobs"]
    chosen = answers.get("preflight", True)
    assert ("preflight" in jobs) == chosen
    for job_id, job in jobs.items():
        if job_id.startswith("publish"):
            assert ("preflight" in job["needs"]) == chosen, job_id


def test_publish_jobs_run_only_on_a_release(variant: tuple[dict, Path]) -> None:
    """No publish job runs for a pull request, or for a run by hand that is not a release."""
    _, project = variant
    for job_id, job in release(project)["jobs"].items():
        if job_id.startswith("publish"):
            for event in ("pull_request", "push", "workflow_dispatch"):
                context = {"github.event_name": event, "needs.build.outputs.publish": ""}
                if event == "push" and "github.event_name == 'push'" in job["if"]:
                    continue  # a pushed release tag: the trigger's filter allows only those
                assert not evaluate(job["if"], context), (job_id, event)


def test_every_lock_a_render_copies_is_kept_current_here(rendered: Callable[[str], Path]) -> None:
    """This repository's Dependabot watches the directory of each lock a project receives."""
    updates = load_yaml(ROOT / ".github" / "dependabot.yml")["updates"]
    watched = {
        directory
        for update in updates
        if update["package-ecosystem"] == "pip"
        for directory in update.get("directories", [update.get("directory")])
    }
    sources = {
        path.read_text(): "/" + str(path.parent.relative_to(ROOT))
        for path in (ROOT / "requirements").glob("*/*.txt")
    }
    copied = set()
    for name in VARIANTS:
        lock = (rendered(name) / ".github" / "release-requirements.txt").read_text()
        assert lock in sources, f"{name}: its lock is not one of requirements/"
        copied.add(sources[lock])
    assert copied == {"/requirements/build", "/requirements/uv"}
    assert copied <= watched, f"not watched by .github/dependabot.yml: {copied - watched}"
