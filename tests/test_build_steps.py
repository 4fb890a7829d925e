"""The build job's `run:` steps, run for real on sample projects that the tests make."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest

from helpers import (
    BUILD_PYTHON,
    ROOT,
    git,
    load_yaml,
    one_worker_at_a_time,
    pin_source,
    render,
    words,
)
from real_world import HATCH_VCS_PYPROJECT, STATIC_PYPROJECT, package_files
from variants import REQUIRED, VARIANTS
from workflow_runner import JobRun, evaluate, pip_from

CHECK = "Check that the version matches the tag"
BUILD = "Build the sdist and wheel"
GUARD = "Publish only from a release tag"

#: The sample project's files, by kind: a static version, or a version from git (hatch-vcs).
KINDS = {
    "static": package_files("sample-pkg", STATIC_PYPROJECT, version="1.2.3"),
    "vcs": package_files("sample-pkg", HATCH_VCS_PYPROJECT),
}

LOCK = ".github/release-requirements.txt"


def with_lock(path: Path, rendered: Path) -> None:
    """The rendered lock of the build tools, in the project as the template writes it."""
    (path / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(rendered / LOCK, path / LOCK)


def tagged(path: Path) -> Path:
    """`path` as a git repository: its files in one commit, tagged v1.2.3."""
    git("init", "-q", "-b", "main", cwd=path)
    git("add", ".", cwd=path)
    git("commit", "-q", "-m", "Sample", cwd=path)
    git("tag", "v1.2.3", cwd=path)
    return path


def sample_project(path: Path, kind: str, rendered: Path) -> Path:
    """A small pure-Python project with the rendered lock, in a git repository tagged v1.2.3."""
    for name, text in KINDS[kind].items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    with_lock(path, rendered)
    return tagged(path)


def tag(name: str, event: str = "release") -> dict[str, str]:
    return {"event_name": event, "ref": f"refs/tags/{name}", "ref_name": name, "ref_type": "tag"}


def build_job(project: Path) -> dict[str, Any]:
    return load_yaml(project / ".github" / "workflows" / "release.yml")["jobs"]["build"]


#: The variant whose build job runs, for each build tool that builds in one job.
TOOLS = {"build": "default", "uv": "release-uv-testpypi0-attest0"}

#: The builds that run: each tool once and each kind of project once (tests/test_real_world.py
#: builds a project versioned by git with pypa/build too).
BUILDS = [("build", "static"), ("uv", "vcs")]


@pytest.fixture(scope="session", params=BUILDS, ids="-".join)
def built(
    request: pytest.FixtureRequest,
    shared: Path,
    rendered: Callable[[str], Path],
    runner: Callable[[dict[str, Any], Path], Path],
) -> JobRun:
    """A build job, run in full on a sample project for a release v1.2.3, once per test run:
    tests must not change what it made."""
    tool, kind = request.param
    project = rendered(TOOLS[tool])
    job = build_job(project)
    with one_worker_at_a_time(shared / f"built-{tool}-{kind}") as root:
        workdir = root / "sample"
        if (root / "built").exists():
            return JobRun(job, workdir, runner(job, workdir), tag("v1.2.3"))
        sample_project(workdir, kind, project)
        run = JobRun(job, workdir, runner(job, workdir), tag("v1.2.3"))
        results = run.run_all()
        failed = [r for r in results if r.returncode]
        assert not failed, failed[0].output
        assert [r.name for r in results if r.skipped] == []
        check = next(r for r in results if r.name == CHECK)
        assert "Every distribution is version 1.2.3, as the tag v1.2.3 says." in check.output
        twine = next(r for r in results if "twine" in r.name or "metadata" in r.name)
        assert twine.output.count("PASSED") == 2
        (root / "built").touch()
        return run


@pytest.fixture
def dists(tmp_path: Path) -> Path:
    """A checked-out project whose dist/ holds what the build of v1.2.3 names: the version
    check reads only the distributions' file names (the builds above run it on real ones)."""
    (tmp_path / "dist").mkdir()
    for name in ("sample_pkg-1.2.3-py3-none-any.whl", "sample_pkg-1.2.3.tar.gz"):
        (tmp_path / "dist" / name).touch()
    return tmp_path


def check_job(job: dict[str, Any], workdir: Path, github: dict[str, str]) -> JobRun:
    """`job` run on `workdir` by this test run's own Python, which has `packaging`, as the
    runner has it from the lock; for the steps that build nothing."""
    return JobRun(job, workdir, Path(sys.prefix), github)


def test_dists_built(built: JobRun) -> None:
    # What upload-artifact uploads: hidden files (uv writes dist/.gitignore) are left out.
    names = sorted(p.name for p in (built.workdir / "dist").iterdir() if p.name[0] != ".")
    assert names == ["sample_pkg-1.2.3-py3-none-any.whl", "sample_pkg-1.2.3.tar.gz"]


def rebuild(built: JobRun, path: Path, constraints: str = "") -> dict[str, str]:
    """The build step, run again in a copy of the project: each file's SHA-256."""
    workdir = shutil.copytree(built.workdir, path / "project", symlinks=True)
    shutil.rmtree(workdir / "dist")
    if constraints:
        (workdir / ".github" / "build-constraints.txt").write_text(constraints)
    job = JobRun(built.job, workdir, built.venv, built.github)
    result = job.run(job.step(BUILD))
    assert result.returncode == 0, result.output
    return digests(workdir / "dist")


def digests(dist: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in dist.iterdir()
        if p.name[0] != "."
    }


def test_the_files_are_dated_by_the_tagged_commit(built: JobRun) -> None:
    """Not by when they were built: so a rebuild from the tag gives the same files, as the
    documented rebuild below shows."""
    committed = git("log", "-1", "--format=%ct", cwd=built.workdir)
    (sdist,) = (built.workdir / "dist").glob("*.tar.gz")
    with tarfile.open(sdist) as archive:
        assert {member.mtime for member in archive.getmembers()} == {int(committed)}


def test_build_backend_follows_the_projects_constraints(built: JobRun, tmp_path: Path) -> None:
    rebuild(built, tmp_path, constraints="hatchling==1.27.0\n")
    (wheel,) = (tmp_path / "project" / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read("sample_pkg-1.2.3.dist-info/WHEEL").decode()
    assert "Generator: hatchling 1.27.0" in metadata


#: Tags the version check refuses for a build of 1.2.3, and what it says.
MISMATCHES = [
    ("v1.2.4", "sample_pkg-1.2.3-py3-none-any.whl is 1.2.3, but the tag v1.2.4 says 1.2.4."),
    ("v1.2.3.post1", "is 1.2.3, but the tag v1.2.3.post1 says 1.2.3.post1."),
    ("v2.0", "sample_pkg-1.2.3-py3-none-any.whl is 1.2.3, but the tag v2.0 says 2.0."),
    ("vnightly", "The tag vnightly does not name a version."),
    ("v1.2.3.0", "is 1.2.3, but the tag v1.2.3.0 says 1.2.3.0."),
    ("v01.2.3", "is 1.2.3, but the tag v01.2.3 says 01.2.3."),
    ("1.2.3", "The tag 1.2.3 is not a release tag: release tags match v*."),
    ("V1.2.3", "The tag V1.2.3 is not a release tag: release tags match v*."),
    ("v1/1.2.3", "The tag v1/1.2.3 is not a release tag: release tags match v*."),
]


@pytest.mark.parametrize(("ref", "message"), MISMATCHES, ids=[ref for ref, _ in MISMATCHES])
def test_version_check_fails_on_a_mismatch(
    rendered: Callable[[str], Path], dists: Path, ref: str, message: str
) -> None:
    job = check_job(build_job(rendered("default")), dists, tag(ref))
    result = job.run(job.step(CHECK))
    assert result.returncode == 1
    assert "::error::" in result.output and message in result.output


def test_version_check_skipped_when_not_releasing(
    rendered: Callable[[str], Path], dists: Path
) -> None:
    github = {
        "event_name": "pull_request",
        "ref": "refs/pull/1/merge",
        "ref_name": "1/merge",
        "ref_type": "branch",
    }
    job = check_job(build_job(rendered("default")), dists, github)
    assert job.run(job.step(CHECK)).skipped


def tool_of(job: JobRun) -> str:
    runs = "\n".join(step.get("run", "") for step in job.job["steps"])
    return "uv" if "uv build" in runs else "build"


@pytest.mark.parametrize(
    ("pattern", "ref", "passes"),
    [
        ("release-*", "release-1.2.3", True),
        ("release-*", "v1.2.3", False),
        ("pkg/v*", "pkg/v1.2.3", True),
        ("pkg/v*", "pkg-v1.2.3", False),
        ("pkg/v*", "pkg/v1/1.2.3", False),
        ("v*.*", "v1.2.3", True),
        ("v*.*", "v1", False),
        ("[0-9]*", "1.2.3", True),
        ("[0-9]*", "v1.2.3", False),
        ("v[0-9]*", "v1.2.3", True),
        ("v[0-9]*", "vx1.2.3", False),
    ],
)
def test_version_check_holds_the_tag_to_the_tag_pattern(
    dists: Path, tmp_path: Path, pattern: str, ref: str, passes: bool
) -> None:
    """The tag pattern as GitHub's tag rules read it: `*` matches anything but `/`."""
    answers = {**REQUIRED, "tag_pattern": pattern}
    job = check_job(build_job(render(tmp_path / "project", answers)), dists, tag(ref))
    result = job.run(job.step(CHECK))
    assert (result.returncode == 0) is passes, result.output
    if not passes:
        assert f"::error::The tag {ref} is not a release tag" in result.output


@pytest.mark.parametrize("tool", sorted(TOOLS))
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
    rendered: Callable[[str], Path],
    dists: Path,
    tool: str,
    github: dict[str, str],
    publishes: bool,
) -> None:
    project = rendered(f"workflow_dispatch-{tool}-testpypi0-attest0")
    workflow = load_yaml(project / ".github" / "workflows" / "release.yml")
    job = check_job(workflow["jobs"]["build"], dists, github)
    guard = job.run(job.step(GUARD))
    assert guard.returncode == 0, guard.output
    publish = job.outputs["ref"].get("publish", "")
    assert (
        evaluate(
            workflow["jobs"]["publish"]["if"],
            {"github.repository": "octo-org/sample", "needs.build.outputs.publish": publish},
        )
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
            context = {"github.event_name": event, "github.repository": "octo-org/sample"}
            assert evaluate(jobs[job_id]["if"], context) is publishes


#: Where each runner of the wheels matrix builds, as cibuildwheel names platforms and archs.
CIBW_PLATFORMS = {
    "ubuntu-latest": ("linux", "x86_64"),
    "ubuntu-24.04-arm": ("linux", "aarch64"),
    "macos-15-intel": ("macos", "x86_64"),
    "macos-latest": ("macos", "arm64"),
    "windows-latest": ("windows", "AMD64"),
}


def compiled_project(path: Path, rendered: Path) -> Path:
    """A small project with a C extension and the rendered lock, in a git repository tagged
    v1.2.3."""
    (path / "src").mkdir(parents=True)
    with_lock(path, rendered)
    (path / "src" / "sample_ext.c").write_text(
        "#include <Python.h>\n"
        'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "sample_ext"};\n'
        "PyMODINIT_FUNC PyInit_sample_ext(void) { return PyModule_Create(&module); }\n"
    )
    (path / "README.md").write_text("# sample-ext\n\nA sample compiled project.\n")
    (path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "sample-ext"\nversion = "1.2.3"\ndescription = "A sample"\n'
        'readme = "README.md"\nrequires-python = ">=3.10"\n\n'
        '[tool.setuptools]\next-modules = [{name = "sample_ext", sources = ["src/sample_ext.c"]}]\n'
        '\n[tool.cibuildwheel]\nskip = "cp3??t-*"\n'
    )
    return tagged(path)


def test_cibuildwheel_variant_builds_checks_and_merges(
    tmp_path: Path,
    rendered: Callable[[str], Path],
    runner: Callable[[dict[str, Any], Path], Path],
) -> None:
    """The sdist job runs for real; a wheel built here stands in for the wheels job's; then the
    job that merges them runs its checks, for a release and for a mismatching tag."""
    template = rendered("release-cibuildwheel-testpypi0-attest0")
    workflow = load_yaml(template / ".github/workflows/release.yml")
    project = compiled_project(tmp_path / "sample", template)
    venv = runner(workflow["jobs"]["sdist"], project)
    sdist = JobRun(workflow["jobs"]["sdist"], project, venv, tag("v1.2.3"))
    results = sdist.run_all()
    assert all(r.returncode == 0 for r in results), results[-1].output
    assert [p.name for p in (project / "dist").iterdir()] == ["sample_ext-1.2.3.tar.gz"]
    # The wheels jobs pass cibuildwheel the tagged commit's date, as the sdist job's build has it.
    committed = git("log", "-1", "--format=%ct", cwd=project).strip()
    wheels = JobRun(workflow["jobs"]["wheels"], project, venv, tag("v1.2.3"))
    dating = wheels.run(wheels.step("Date the build by the tagged commit"))
    assert dating.returncode == 0 and wheels.outputs["date"] == {"epoch": committed}
    (cibuildwheel,) = [s for s in wheels.job["steps"] if "cibuildwheel" in s.get("uses", "")]
    assert cibuildwheel["env"] == {"SOURCE_DATE_EPOCH": "${{ steps.date.outputs.epoch }}"}
    wheel = subprocess.run(
        [venv / "bin" / "python", "-m", "build", "--wheel", "--outdir", "dist"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert wheel.returncode == 0, wheel.stdout + wheel.stderr
    merged = JobRun(workflow["jobs"]["build"], project, venv, tag("v1.2.3"))
    results = merged.run_all()
    assert all(r.returncode == 0 for r in results), results[-1].output
    assert "Every distribution is version 1.2.3" in results[-2].output
    merged.github = tag("v1.2.4")
    assert merged.run(merged.step(CHECK)).returncode == 1


def test_cibuildwheel_builds_for_every_platform_of_the_matrix(
    tmp_path: Path, rendered: Callable[[str], Path]
) -> None:
    """cibuildwheel, of the pinned action's major version, finds wheels for each runner."""
    template = rendered("release-cibuildwheel-testpypi0-attest0")
    workflow = load_yaml(template / ".github/workflows/release.yml")
    assert workflow["jobs"]["wheels"]["strategy"]["matrix"]["os"] == list(CIBW_PLATFORMS)
    _, version = pin_source()["pypa/cibuildwheel"]
    cibuildwheel = Path(sys.executable).parent / "cibuildwheel"
    # The same major version: tests/test_repository.py says why not the same release.
    assert metadata.version("cibuildwheel").split(".")[0] == version.removeprefix("v").split(".")[0]
    project = compiled_project(tmp_path / "sample", template)
    for platform, arch in CIBW_PLATFORMS.values():
        identifiers = subprocess.run(
            [cibuildwheel, "--print-build-identifiers", "--platform", platform, "--archs", arch],
            cwd=project,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        assert identifiers, (platform, arch)
        assert all(arch.lower() in identifier.lower() for identifier in identifiers)
        assert not any(
            identifier.startswith("cp31") and "t-" in identifier for identifier in identifiers
        ), "the project's own skip is honoured"


def documented_rebuild(doc: str) -> str:
    """The commands RELEASING.md gives to rebuild a release from its tag."""
    section = doc.split("### Rebuilding a release", 1)[1]
    return section.split("```bash\n", 1)[1].split("\n```\n", 1)[0]


def wheels_for_python3(built: JobRun, wheelhouse: Callable[..., Path]) -> dict[str, str]:
    """pip's settings that install the project's lock, and the sample project's build backend
    where pip installs it (uv installs its own), from the wheelhouse, where `python3` is the
    build jobs' Python its wheels are for; else none, and pip reads the index. The same files
    either way: the lock's are hash-checked, and the backend is the newest release, as the
    build job found it."""
    python3 = subprocess.run(
        ["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if python3 != BUILD_PYTHON:
        return {}
    backend = tomllib.loads((built.workdir / "pyproject.toml").read_text())["build-system"]
    folders = [wheelhouse("--require-hashes", "-r", built.workdir / LOCK)]
    if tool_of(built) == "build":
        folders.append(wheelhouse(*backend["requires"]))
    return pip_from(*folders)


def test_the_documented_rebuild_matches_the_release(
    built: JobRun,
    rendered: Callable[[str], Path],
    tmp_path: Path,
    wheelhouse: Callable[..., Path],
) -> None:
    """RELEASING.md's rebuild, run for real against the sample project's tag, finds the files
    the build job made, as PyPI's JSON API would list them."""
    doc = (rendered(TOOLS[tool_of(built)]) / "RELEASING.md").read_text()
    published = {
        "urls": [
            {"filename": name, "digests": {"sha256": digest}}
            for name, digest in digests(built.workdir / "dist").items()
        ]
    }
    (tmp_path / "pypi.json").write_text(json.dumps(published))
    script = (
        documented_rebuild(doc)
        .replace("https://github.com/octo-org/sample.git", str(built.workdir))
        .replace("https://pypi.org/pypi/sample-pkg/1.2.3/json", (tmp_path / "pypi.json").as_uri())
    )
    result = subprocess.run(
        ["bash", "-eo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **wheels_for_python3(built, wheelhouse)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = sorted(digests(built.workdir / "dist"))
    assert result.stdout.splitlines()[-2:] == [f"same as on PyPI: {name}" for name in names]


@pytest.mark.parametrize("built", [("uv", "vcs")], indirect=True, ids="-".join)
def test_uv_checks_the_hashes_of_the_documented_backend_lock(
    built: JobRun, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    """RELEASING.md's command locks the backend with hashes; the build uses them, and a hash
    that does not match stops it."""
    doc = (rendered(TOOLS["uv"]) / "RELEASING.md").read_text()
    (command,) = re.findall(r"`(uv pip compile [^`]*)`", words(doc))
    workdir = shutil.copytree(built.workdir, tmp_path / "project", symlinks=True)
    shutil.rmtree(workdir / "dist")
    (workdir / ".github" / "build-constraints.in").write_text("hatchling==1.27.0\n")
    env = {**os.environ, "PATH": f"{built.venv / 'bin'}{os.pathsep}{os.environ['PATH']}"}
    subprocess.run(command.split(), cwd=workdir, env=env, check=True, capture_output=True)
    constraints = workdir / ".github" / "build-constraints.txt"
    assert "--hash=sha256:" in constraints.read_text()
    job = JobRun(built.job, workdir, built.venv, built.github)
    result = job.run(job.step(BUILD))
    assert result.returncode == 0, result.output
    (wheel,) = (workdir / "dist").glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert (
            "Generator: hatchling 1.27.0"
            in archive.read("sample_pkg-1.2.3.dist-info/WHEEL").decode()
        )
    shutil.rmtree(workdir / "dist")
    constraints.write_text(
        re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, constraints.read_text())
    )
    result = job.run(job.step(BUILD))
    assert result.returncode != 0 and "hash" in result.output.lower(), result.output


ON_DEFAULT_BRANCH = "Check that the release is on the default branch"

#: The variant of each trigger, and the event that starts a release with it.
TRIGGERS = {
    "release": ("default", "release"),
    "tag": ("tag-build-testpypi0-attest0", "push"),
    "workflow_dispatch": ("workflow_dispatch-build-testpypi0-attest0", "workflow_dispatch"),
}


def branched_project(path: Path, default: str, tagged_on: str) -> Path:
    """A repository with a default branch and a side branch one commit apart, v1.2.3 tagging the
    head of `tagged_on`, checked out at the tag as the release's checkout has it."""
    for name, text in KINDS["static"].items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git("init", "-q", "-b", default, cwd=path)
    git("add", ".", cwd=path)
    git("commit", "-q", "-m", "Reviewed", cwd=path)
    git("switch", "-q", "-c", "side", cwd=path)
    (path / "unreviewed.txt").write_text("pushed to a side branch, never reviewed\n")
    git("add", ".", cwd=path)
    git("commit", "-q", "-m", "Unreviewed", cwd=path)
    git("switch", "-q", tagged_on, cwd=path)
    git("tag", "v1.2.3", cwd=path)
    git("switch", "-q", "--detach", "v1.2.3", cwd=path)
    return path


@pytest.mark.parametrize("trigger", sorted(TRIGGERS))
@pytest.mark.parametrize(
    ("default", "tagged_on", "passes"),
    [("main", "main", True), ("main", "side", False), ("develop", "develop", True)],
    ids=["default-branch", "side-branch", "default-branch-named-by-the-event"],
)
def test_a_release_is_built_only_from_the_default_branch(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    trigger: str,
    default: str,
    tagged_on: str,
    passes: bool,
) -> None:
    """Run for real with git: a tag on a commit the default branch does not hold stops the build
    job, with an error that says why, before anything is built or uploaded."""
    variant, event = TRIGGERS[trigger]
    build = build_job(rendered(variant))
    project = branched_project(tmp_path / "project", default, tagged_on)
    github = {**tag("v1.2.3", event), "event.repository.default_branch": default}
    job = check_job(build, project, github)
    ran = []
    for step in build["steps"]:
        result = job.run(step)
        ran.append(result)
        if step.get("name") == ON_DEFAULT_BRANCH:
            break
    check = ran[-1]
    assert check.name == ON_DEFAULT_BRANCH and not check.skipped
    assert (check.returncode == 0) is passes, check.output
    if not passes:
        sha = git("rev-parse", "v1.2.3^{commit}", cwd=project).strip()
        assert f"::error::v1.2.3 ({sha}) is not on {default}: no release." in check.output
    assert not (project / "dist").exists()  # nothing built before the check


def test_the_wheels_jobs_steps_run_on_every_runner_of_the_matrix(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    """Each `run:` step of the wheels job, run as GitHub's runner for each operating system of
    the matrix would run it (PowerShell where a Windows step names no shell)."""
    jobs = load_yaml(
        rendered("release-cibuildwheel-testpypi0-attest0") / ".github/workflows/release.yml"
    )["jobs"]
    wheels = jobs["wheels"]
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "pyproject.toml").write_text('[project]\nname = "sample"\n')
    project = tagged(tmp_path / "project")
    committed = git("log", "-1", "--format=%ct", cwd=project).strip()
    for os_label in wheels["strategy"]["matrix"]["os"]:
        job = JobRun(wheels, project, Path(sys.prefix), tag("v1.2.3"), matrix={"os": os_label})
        for step in wheels["steps"]:
            if "run" in step:
                result = job.run(step)
                assert result.returncode == 0, (os_label, result.output)
        assert job.outputs["date"] == {"epoch": committed}, os_label


#: A stand-in for the GitHub CLI: logs each call; `attestation download` writes the bundle as
#: gh does, named by the file's digest, in the working directory.
FAKE_GH = """\
#!/usr/bin/env bash
echo "$*" >> "$GH_LOG"
if [ "$1 $2" = "attestation download" ]; then
  echo '{"bundle": "of '"$3"'"}' > "sha256:$(sha256sum -- "$3" | cut -d " " -f 1).jsonl"
fi
if [ "$1 $2" = "release create" ]; then
  for file in "$@"; do [ -f "$file" ] && echo "attached $file" >> "$GH_LOG"; done
fi
exit 0
"""


@pytest.mark.parametrize(
    ("variant", "attested"),
    [
        ("solo-bare-tags", "true"),  # published, with attestations
        ("solo-bare-tags", "false"),  # published, in a private repository without them
        ("one-day-cooldown-custom-envs", "true"),  # a draft
        ("cibuildwheel-tag-release-unattested", ""),  # a draft, no attestations chosen
    ],
)
def test_the_github_release_gets_its_files_before_it_is_published(
    rendered: Callable[[str], Path], tmp_path: Path, variant: str, attested: str
) -> None:
    """The release job's step, run for real against a stand-in gh: the sums and bundles are
    made, every file is attached to a draft, and only then is the release published."""
    answers = VARIANTS[variant]
    workflow = load_yaml(rendered(variant) / ".github/workflows/release.yml")
    release_job = workflow["jobs"]["github-release"]
    (step,) = [s for s in release_job["steps"] if "run" in s]
    tools = tmp_path / "tools"
    (tools / "bin").mkdir(parents=True)
    (tools / "bin" / "gh").write_text(FAKE_GH)
    (tools / "bin" / "gh").chmod(0o755)
    project = tmp_path / "project"
    (project / "dist").mkdir(parents=True)
    names = ["sample_pkg-1.2.3-py3-none-any.whl", "sample_pkg-1.2.3.tar.gz"]
    for name in names:
        (project / "dist" / name).write_text(f"the bytes of {name}\n")
    ref = answers.get("tag_pattern", "v*").replace("[0-9]*", "1.2.3").replace("*", "1.2.3")
    job = JobRun(release_job, project, tools, tag(ref, "push"))
    job.needs = {"attest": {"attested": attested}}
    log = tmp_path / "gh.log"
    log.write_text("")
    step = {**step, "env": {**step["env"], "GH_LOG": str(log)}}
    result = job.run(step)
    assert result.returncode == 0, result.output
    calls = log.read_text().splitlines()
    bundles = attested == "true"
    expected = ["SHA256SUMS", *names] + [f"{n}.sigstore.jsonl" for n in names if bundles]
    attached = sorted(line.split()[1] for line in calls if line.startswith("attached "))
    assert attached == sorted(expected)
    assert [c for c in calls if c.startswith("attestation download")] == (
        [f"attestation download {n} --repo octo-org/sample" for n in names] if bundles else []
    )
    (create,) = [i for i, c in enumerate(calls) if c.startswith("release create")]
    assert f"release create {ref} --repo octo-org/sample --verify-tag --draft" in calls[create]
    published = [i for i, c in enumerate(calls) if c.startswith("release edit")]
    if answers["github_release"] == "published":
        assert calls[published[0]] == f"release edit {ref} --repo octo-org/sample --draft=false"
        assert published[0] > max(i for i, c in enumerate(calls) if c.startswith("attached"))
    else:
        assert published == []
    sums = subprocess.run(
        ["sha256sum", "--check", "SHA256SUMS"],
        cwd=project / "dist",
        capture_output=True,
        text=True,
        check=False,
    )
    assert sums.returncode == 0 and sums.stdout.count(": OK") == 2, sums.stdout


def test_the_lock_installs_from_wheels_for_the_build_jobs_python(
    wheelhouse: Callable[..., Path],
) -> None:
    """Every package of each lock, hash-checked, from wheels only, for exactly the Python the
    build jobs ask for: with that interpreter where this machine has it, else as pip resolves
    for that version from another one (the wheelhouse's `pip download`)."""
    for lock in sorted((ROOT / "requirements").glob("*/release-requirements.txt")):
        wheels = wheelhouse("--require-hashes", "-r", lock)
        assert {p.suffix for p in wheels.iterdir()} == {".whl"}
        assert "check_wheel_contents" in " ".join(p.name for p in wheels.iterdir())
