"""The build job's `run:` steps, run for real on sample projects that the tests make."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from helpers import load_yaml
from workflow_runner import JobRun, evaluate

CHECK = "Check that the version matches the tag"
GUARD = "Publish only from a release tag"

PYPROJECT = """\
[build-system]
requires = [{requires}]
build-backend = "hatchling.build"

[project]
name = "sample-pkg"
{version}
description = "A sample project for hardened-release's tests"
readme = "README.md"
license = "MIT"
requires-python = ">=3.9"

[tool.hatch.build.targets.wheel]
packages = ["src/sample_pkg"]
{vcs}"""

KINDS = {
    "static": {"requires": '"hatchling"', "version": 'version = "1.2.3"', "vcs": ""},
    "vcs": {
        "requires": '"hatchling", "hatch-vcs"',
        "version": 'dynamic = ["version"]',
        "vcs": '\n[tool.hatch.version]\nsource = "vcs"\n',
    },
}


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def sample_project(path: Path, kind: str) -> Path:
    """A small pure-Python project, in a git repository tagged v1.2.3."""
    (path / "src" / "sample_pkg").mkdir(parents=True)
    (path / "src" / "sample_pkg" / "__init__.py").write_text('"""A sample."""\n')
    (path / "README.md").write_text("# sample-pkg\n\nA sample project.\n")
    (path / "pyproject.toml").write_text(PYPROJECT.format(**KINDS[kind]))
    git("init", "-q", "-b", "main", cwd=path)
    git("add", ".", cwd=path)
    git("commit", "-q", "-m", "Sample", cwd=path)
    git("tag", "v1.2.3", cwd=path)
    return path


def tag(name: str, event: str = "release") -> dict[str, str]:
    return {"event_name": event, "ref": f"refs/tags/{name}", "ref_name": name, "ref_type": "tag"}


def build_job(project: Path) -> dict[str, Any]:
    return load_yaml(project / ".github" / "workflows" / "release.yml")["jobs"]["build"]


@pytest.fixture(scope="session")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("setup-python") / "venv"


@pytest.fixture(scope="session", params=sorted(KINDS))
def built(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    rendered: Callable[[str], Path],
    venv: Path,
) -> JobRun:
    """The default variant's build job, run in full on a sample project for a release v1.2.3."""
    workdir = sample_project(tmp_path_factory.mktemp(request.param) / "sample", request.param)
    job = JobRun(build_job(rendered("default")), workdir, venv, tag("v1.2.3"))
    results = job.run_all()
    failed = [r for r in results if r.returncode]
    assert not failed, failed[0].output
    assert [r.name for r in results if r.skipped] == []
    check = next(r for r in results if r.name == CHECK)
    assert "Every distribution is version 1.2.3, as the tag v1.2.3 says." in check.output
    twine = next(r for r in results if "twine" in r.name or "metadata" in r.name)
    assert twine.output.count("PASSED") == 2
    return job


def test_dists_built(built: JobRun) -> None:
    names = sorted(p.name for p in (built.workdir / "dist").iterdir())
    assert names == ["sample_pkg-1.2.3-py3-none-any.whl", "sample_pkg-1.2.3.tar.gz"]


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("v1.2.4", "sample_pkg-1.2.3-py3-none-any.whl is 1.2.3, but the tag v1.2.4 says 1.2.4."),
        ("v1.2.3.post1", "is 1.2.3, but the tag v1.2.3.post1 says 1.2.3.post1."),
        ("v2.0", "sample_pkg-1.2.3-py3-none-any.whl is 1.2.3, but the tag v2.0 says 2.0."),
    ],
)
def test_version_check_fails_on_a_mismatch(built: JobRun, ref: str, message: str) -> None:
    built.github = tag(ref)
    result = built.run(built.step(CHECK))
    assert result.returncode == 1
    assert "::error::" in result.output and message in result.output


def test_version_check_accepts_an_equal_version_spelled_otherwise(built: JobRun) -> None:
    built.github = tag("v1.2.3.0")
    result = built.run(built.step(CHECK))
    assert result.returncode == 0, result.output


def test_version_check_skipped_when_not_releasing(built: JobRun) -> None:
    built.github = {
        "event_name": "pull_request",
        "ref": "refs/pull/1/merge",
        "ref_name": "1/merge",
        "ref_type": "branch",
    }
    assert built.run(built.step(CHECK)).skipped


def test_tag_prefix_comes_from_the_tag_pattern(
    built: JobRun, rendered: Callable[[str], Path]
) -> None:
    job = JobRun(
        build_job(rendered("monthly-long-cooldown-team")),
        built.workdir,
        built.venv,
        tag("release-1.2.3"),
    )
    result = job.run(job.step(CHECK))
    assert result.returncode == 0, result.output


@pytest.mark.parametrize(
    ("github", "publishes"),
    [
        (
            {
                "event_name": "workflow_dispatch",
                "ref": "refs/heads/main",
                "ref_name": "main",
                "ref_type": "branch",
            },
            False,
        ),
        (tag("v1.2.3", "workflow_dispatch"), True),
        (tag("nightly", "workflow_dispatch"), False),
        (tag("1.2.3", "workflow_dispatch"), False),
        (
            {
                "event_name": "pull_request",
                "ref": "refs/pull/7/merge",
                "ref_name": "7/merge",
                "ref_type": "branch",
            },
            False,
        ),
    ],
)
def test_workflow_dispatch_publishes_only_from_a_release_tag(
    built: JobRun, rendered: Callable[[str], Path], github: dict[str, str], publishes: bool
) -> None:
    project = rendered("workflow_dispatch-build-testpypi0-attest0")
    workflow = load_yaml(project / ".github" / "workflows" / "release.yml")
    job = JobRun(workflow["jobs"]["build"], built.workdir, built.venv, github)
    guard = job.run(job.step(GUARD))
    assert guard.returncode == 0, guard.output
    publish = job.outputs["ref"].get("publish", "")
    assert (
        evaluate(workflow["jobs"]["publish"]["if"], {"needs.build.outputs.publish": publish})
        is publishes
    )
    assert job.run(job.step(CHECK)).skipped is not publishes
    if not publishes:
        assert "building only" in guard.output


@pytest.mark.parametrize(
    ("variant", "event", "publishes"),
    [
        ("default", "release", True),
        ("default", "workflow_dispatch", False),
        ("default", "pull_request", False),
        ("tag-build-testpypi0-attest0", "push", True),
        ("tag-build-testpypi0-attest0", "workflow_dispatch", False),
        ("tag-build-testpypi0-attest0", "pull_request", False),
    ],
)
def test_only_the_release_trigger_publishes(
    rendered: Callable[[str], Path], variant: str, event: str, publishes: bool
) -> None:
    jobs = load_yaml(rendered(variant) / ".github" / "workflows" / "release.yml")["jobs"]
    for job_id in ("publish", "publish-testpypi"):
        if job_id in jobs:
            assert evaluate(jobs[job_id]["if"], {"github.event_name": event}) is publishes
