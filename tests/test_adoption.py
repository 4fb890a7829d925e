"""`hardened-release adopt`: each refusal says what to do in one line and writes nothing; the
README's command adopts the template into each fixture repository (tests/fixtures/repos), and
`copier update` then conflicts with nothing the project owns."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
import shapes

from hardened_release import project as project_module
from hardened_release import publishers, workflows

from helpers import (
    ANSWERS_FILE,
    ROOT,
    TemplateVersions,
    adopt,
    answers_of,
    git,
    project_repository,
    readme_adoption_command,
    repository_copy,
    snapshot,
    tree,
    update,
    words,
)
from test_lint import YAMLLINT_CONFIG, check, tool

FIXTURES = ROOT / "tests" / "fixtures" / "repos"
NAME, REPOSITORY = "sample-pkg", "octo-org/sample"
#: What uploads to a package index, in a workflow or a script it runs.
PUBLISHING = re.compile(
    r"pypa/gh-action-pypi-publish|\b(twine|flit|poetry|hatch|pdm|uv) (upload|publish)\b|"
    r"maturin (publish|upload)|TWINE_PASSWORD|(?i:secrets\.\w*pypi\w*|\bpypi_?(api_)?token\b)"
)
#: What runs a project's tests.
TESTS = re.compile(r"\b(pytest|tox|nox|unittest)\b")
PUBLISHER = (
    "name: Publish\non:\n  push:\n    tags: ['v*']\njobs:\n  upload:\n"
    "    runs-on: ubuntu-latest\n    environment: pypi\n    permissions:\n      id-token: write\n"
    "    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n"
)


# ---- Refusals: one line, what to do, nothing written.


def reported(report: str, file: str, job: str) -> str:
    """What the report says of one old job, in every fate: its lines and the indented lines
    under them (its steps), as one line of words."""
    head, said, keep = f"    - {file}, job {job}", [], False
    for line in report.splitlines():
        if line.startswith("    - "):
            keep = line == head or line.startswith((f"{head}:", f"{head}, step "))
        elif not line.startswith("      "):
            keep = False
        if keep:
            said.append(line)
    return words("\n".join(said))


def git_status(project: Path) -> str:
    """git's view of the work tree (and index); its error outside a git work tree."""
    result = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout + result.stderr


def assert_refused(project: Path, *extra: str, says: str) -> None:
    before, status = tree(project), git_status(project)
    code, out, err = adopt(project, snapshot(), *extra, name=NAME, repository=REPOSITORY)
    assert code == 1, out + err
    assert out == "" and "Traceback" not in err, err
    (line,) = err.splitlines()
    assert line.startswith("hardened-release adopt: ") and line.endswith("Nothing was written.")
    assert says in line, line
    assert tree(project) == before and git_status(project) == status


def test_refuses_a_folder_that_is_not_a_git_work_tree(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Project\n")
    assert_refused(tmp_path, says="is not a git work tree: adoption changes files")


def test_refuses_uncommitted_changes(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {".github/workflows/publish.yml": PUBLISHER})
    (project / "README.md").write_text("# Edited\n")
    assert_refused(project, says="uncommitted changes (README.md): commit or stash")


def test_refuses_staged_changes(tmp_path: Path) -> None:
    project = project_repository(tmp_path)
    (project / "notes.txt").write_text("staged\n")
    git("add", "notes.txt", cwd=project)
    assert_refused(project, says="uncommitted changes (notes.txt)")


def test_refuses_untracked_files_in_github(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {".github/workflows/publish.yml": PUBLISHER})
    (project / ".github/workflows/draft.yml").write_text("on: push\njobs: {}\n")
    assert_refused(project, says="Untracked files in .github (.github/workflows/draft.yml)")


def test_untracked_files_elsewhere_are_left_alone(tmp_path: Path) -> None:
    """Untracked files that adoption neither reads nor writes (a scratch file, a build folder)
    do not stop it, and stay as they were."""
    project = project_repository(tmp_path, {"pyproject.toml": f'[project]\nname = "{NAME}"\n'})
    (project / "scratch.txt").write_text("mine\n")
    code, _, err = adopt(project, snapshot(), name=NAME, repository=REPOSITORY)
    assert code == 0, err
    assert (project / "scratch.txt").read_text() == "mine\n"


def test_refuses_an_answers_file_git_would_ignore(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {".gitignore": "dist/\n.*\n!.github/\n"})
    assert_refused(
        project,
        says=f"git would ignore {ANSWERS_FILE} (.gitignore, line 2: .*), so Copier would find "
        f"no answers on update: add the line !{ANSWERS_FILE} after it",
    )


def test_refuses_a_workflow_that_is_not_yaml(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {".github/workflows/ci.yml": "jobs:\n  a: [\n"})
    assert_refused(project, says=".github/workflows/ci.yml is not valid YAML")


def test_refuses_a_second_adoption(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {ANSWERS_FILE: "_src_path: x\n"})
    assert_refused(project, says="the template is adopted already. Update it with")


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        ("tag_pattern=v**", "Copier refused: tag_pattern=v** is refused: tag_pattern must be"),
        ("release_trigger=sometimes", "Copier refused: Invalid choice for 'release_trigger'"),
        ("pypi_name", "-d pypi_name is not NAME=VALUE."),
        ("pypi_nmae=other", "-d pypi_nmae: not a question of the template"),
        # Asked only with testpypi=true: Copier would drop it without a word.
        ("testpypi_environment=staging", "-d testpypi_environment: not a question"),
        ("_src_path=elsewhere", "-d _src_path: not a question"),
    ],
)
def test_refuses_an_answer_copier_refuses(answer: str, says: str, tmp_path: Path) -> None:
    project = project_repository(tmp_path, {".github/workflows/publish.yml": PUBLISHER})
    assert_refused(project, "-d", answer, says=says)


@pytest.mark.parametrize(
    ("root", "builds"),
    [
        (
            '[project]\nname = "sample-suite"\n',
            " (sample-suite): adopt it as -d pypi_name=sample-suite.",
        ),
        (
            "[tool.uv.workspace]\nmembers = ['core']\n",
            ", which defines none: the template releases a distribution built there.",
        ),
    ],
)
def test_refuses_a_distribution_below_the_root(root: str, builds: str, tmp_path: Path) -> None:
    """The release workflow builds the root's distribution: one defined in a folder below is
    refused, and the message names the root's, if it has one."""
    files = {
        "pyproject.toml": root,
        "core/pyproject.toml": f'[project]\nname = "{NAME}"\n',
        ".github/workflows/publish.yml": PUBLISHER,
    }
    project = project_repository(tmp_path, files)
    assert_refused(
        project,
        says=f"{NAME} is defined in core/pyproject.toml, and the release workflow builds the "
        f"distribution at the repository's root{builds}",
    )


def test_refuses_a_name_the_project_does_not_build(tmp_path: Path) -> None:
    """PyPI takes files only under the name they carry: the root pyproject.toml's."""
    files = {
        "pyproject.toml": '[project]\nname = "Sample_Suite"\n',
        ".github/workflows/publish.yml": PUBLISHER,
    }
    project = project_repository(tmp_path, files)
    assert_refused(
        project,
        says=f"pyproject.toml names the distribution sample-suite, not {NAME}, and the release "
        "workflow builds the distribution at the repository's root (sample-suite): adopt it as "
        "-d pypi_name=sample-suite.",
    )


def test_a_template_that_cannot_be_read_is_one_line(tmp_path: Path) -> None:
    project = project_repository(tmp_path / "project")
    before = tree(project)
    code, out, err = adopt(project, tmp_path / "no-such-template", name=NAME, repository=REPOSITORY)
    assert code == 1 and out == "" and "Traceback" not in err, err
    (line,) = err.splitlines()
    assert line.startswith("hardened-release adopt: Copier"), line
    assert line.endswith("Nothing was written."), line
    assert tree(project) == before


def test_refuses_to_overwrite_a_file_of_the_project(tmp_path: Path) -> None:
    lock = ".github/release-requirements.txt"
    project = project_repository(tmp_path, {lock: "build==1.0\n"})
    assert_refused(project, says=f"{lock} is the project's own file")


def test_refuses_a_release_document_over_the_projects_own(tmp_path: Path) -> None:
    project = project_repository(tmp_path, {"RELEASING.md": "# Ours\n"})
    assert_refused(project, "-d", "releasing_doc=RELEASING.md", says="is the project's own file")


def test_a_dependabot_config_that_meets_the_bar_is_kept_byte_for_byte(tmp_path: Path) -> None:
    """Grouped and cooled down, for the actions and the release tools' lock: adoption leaves
    the project's config as it wrote it, odd layout and comments included."""
    config = (
        "---\nversion: 2\nupdates:\n"
        "    - package-ecosystem: 'github-actions'   # ours\n"
        "      directory: '/'\n      schedule: { interval: weekly }\n"
        "      cooldown: {default-days: 14}\n"
        "      groups: {actions: {patterns: ['*']}}\n"
        "    - package-ecosystem: pip\n      directory: /.github\n"
        "      schedule: {interval: weekly}\n      cooldown: {default-days: 7}\n"
        "      groups: {tools: {patterns: ['*']}}\n"
    )
    project = project_repository(tmp_path, {".github/dependabot.yml": config})
    code, report, err = adopt(project, snapshot(), name=NAME, repository=REPOSITORY)
    assert code == 0, err
    assert (project / ".github/dependabot.yml").read_text() == config
    assert ".github/dependabot.yml" not in report.split("Files")[1].split("Notes")[0]
    assert ".github/dependabot.yml" in answers_of(project)["project_files"]


# ---- Adoption into each fixture repository, with the README's command.


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The template's files as a git repository, released as v1.0.0 (a small clone for Copier)."""
    versions = TemplateVersions(tmp_path_factory.mktemp("template") / "hardened-release")
    versions.release("v1.0.0")
    return versions.path


@pytest.fixture(scope="module")
def clone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository as a fresh clone has it (the README's local clone), released as v1.0.0."""
    path = repository_copy(tmp_path_factory.mktemp("clone") / "hardened-release")
    git("tag", "v1.0.0", cwd=path)
    return path


def publishing(project: Path) -> set[str]:
    """The workflows that upload to a package index, directly or through a script they run."""
    found = set()
    for workflow in workflows.read_all(project):
        texts = [workflow.text]
        texts += [
            (project / script).read_text()
            for script in re.findall(r"\b((?:\./)?[\w./-]+\.(?:sh|py))\b", workflow.text)
            if (project / script).is_file()
        ]
        if any(PUBLISHING.search(text) for text in texts):
            found.add(workflow.file)
    return found


def dedicated_trusted_publisher(workflow: workflows.Workflow) -> bool:
    """A top-level workflow that publishes with trusted publishing and tests nothing."""
    return (
        "gh-action-pypi-publish" in workflow.text
        and "id-token: write" in workflow.text
        and not PUBLISHING.search(workflow.text.replace("pypa/gh-action-pypi-publish", ""))
        and not TESTS.search(workflow.text)
        and not workflow.reusable
        and not any(job.calls for job in workflow.jobs.values())
    )


def actionlint_findings(project: Path) -> set[str]:
    """actionlint's findings over the project's workflows, as file, kind and message (no line
    numbers, which an edit moves)."""
    files = sorted((project / ".github/workflows").glob("*.y*ml"))
    template = "{{range $e := .}}{{$e.Filepath}}|{{$e.Kind}}|{{$e.Message}}\n{{end}}"
    result = subprocess.run(
        [tool("actionlint"), "-shellcheck", tool("shellcheck"), "-format", template, *files],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    return set(result.stdout.splitlines())


def lost_comments(before: str, after: str) -> list[str]:
    """The comment lines of `before` that `after` lost, but those in or just above a job that
    `after` no longer has."""
    lines = before.splitlines()
    removed: set[int] = set()
    old, new = (workflows.round_trip().load(text) or {} for text in (before, after))
    old_jobs = old.get("jobs") if isinstance(old, dict) else None
    if isinstance(old_jobs, dict):
        new_jobs = new.get("jobs") or {}
        starts = sorted((old_jobs.lc.key(job)[0], job) for job in old_jobs)
        for index, (start, job) in enumerate(starts):
            if job in new_jobs:
                continue
            end = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
            first = start
            while first > 0 and lines[first - 1].strip().startswith("#"):
                first -= 1
            removed.update(range(first, end))
    return [
        line.strip()
        for number, line in enumerate(lines)
        if line.strip().startswith("#") and number not in removed and line.strip() not in after
    ]


@pytest.mark.parametrize("name", sorted(path.name for path in FIXTURES.iterdir()))
def test_adoption_of_a_real_world_shape(name: str, template: Path, tmp_path: Path) -> None:
    project = shapes.make(name, tmp_path / name)
    before = tree(project)
    old = {w.file: w for w in workflows.read_all(project) if w.file in publishing(project)}
    assert old, f"the fixture {name} has no workflow that publishes"

    linted_before = actionlint_findings(project)
    kept = [
        outcome
        for outcome in publishers.plan(project_module.read(project)).outcomes
        if outcome.fate == "kept in place" and outcome.step is None
    ]
    code, report, err = adopt(project, template, repository=REPOSITORY)
    assert code == 0, err
    answers = answers_of(project)
    release = answers["release_workflow"]

    # Exactly one workflow publishes: the release workflow.
    assert publishing(project) == {release}, report
    # A dedicated trusted publisher keeps its file name and environment (PyPI's trusted
    # publisher names them): it becomes the release workflow.
    trusted = [w for w in old.values() if dedicated_trusted_publisher(w)]
    if len(trusted) == 1 and not (project / ".copier-answers.yml").exists():
        (publisher,) = trusted
        environments = {job.environment for job in publisher.jobs.values()} - {None}
        assert release == publisher.file, report
        assert answers["pypi_environment"] in environments, report
    # A job that tests is never adopted away: it stays in its workflow.
    for workflow in old.values():
        for job in workflow.jobs.values():
            if TESTS.search(workflows.dump(job.data)):
                after_jobs = (
                    workflows.read(project, workflow.path).jobs
                    if (project / workflow.path).is_file()
                    else {}
                )
                assert job.id in after_jobs, (workflow.file, job.id, report)
    # A job kept in place is still there, in its workflow.
    for outcome in kept:
        path = project / ".github/workflows" / outcome.workflow
        assert path.is_file(), outcome
        assert outcome.job in workflows.read(project, path.relative_to(project)).jobs, outcome
    # Every old job and step is in the report.
    for workflow in old.values():
        for job in workflow.jobs.values():
            block = reported(report, workflow.file, job.id)
            assert block, (job.id, report)
            for step in job.steps:
                assert f"“{words(step.name)}”" in block, (step.name, report)
    # No file changes beyond those the report lists; nothing of the project's .py is added.
    status = git("status", "--porcelain", "--untracked-files=all", cwd=project).splitlines()
    changed = {line[3:] for line in status}
    for path in changed:
        assert f"- {path}:" in report, (path, report)
    added_python = [path for path in changed if path.endswith(".py") and path not in before]
    # Comments of an edited file survive, but those of a job it no longer has.
    after = tree(project)
    for path in changed & set(before) & set(after):
        if path != f".github/workflows/{release}":
            assert not lost_comments(before[path], after[path]), path
    # The checkers pass on what adoption wrote.
    rendered = [project / ".github/workflows" / release]
    if answers["zizmor"] != "own":
        rendered.append(project / ".github/workflows/zizmor.yml")
    check(tool("zizmor"), "--offline", "--persona=pedantic", *rendered, cwd=project)
    # actionlint over every workflow: no finding that the project's own files did not have.
    assert actionlint_findings(project) <= linted_before, report
    check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, *rendered, cwd=project)

    # From a fresh clone, `copier update` runs cleanly, and changing the answers that shape
    # the project's own files conflicts with none of them: every file the project had before
    # adoption (but the release workflow, which adoption wrote) stays as adoption left it.
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Adopt hardened-release", cwd=project)
    fresh = tmp_path / "clone"
    git("clone", "-q", str(project), str(fresh), cwd=tmp_path)
    owned = {
        path
        for path in tree(fresh)
        if path in before and path not in (f".github/workflows/{release}",)
    }
    snapshot_owned = {path: (fresh / path).read_text() for path in owned}
    changes = {
        "dependabot_interval": "daily" if answers["dependabot_interval"] != "daily" else "monthly",
        "zizmor": "release" if answers["zizmor"] != "release" else "all",
        # Another trigger (not `release` where the workflow makes the GitHub release, which
        # the template refuses).
        "release_trigger": next(
            trigger
            for trigger in ("tag", "workflow_dispatch", "release")
            if trigger != answers["release_trigger"]
            and (trigger != "release" or answers.get("github_release", "none") == "none")
        ),
    }
    # In this process, as the README's update command does it (`-a`, `--defaults`, `-d`).
    update(fresh, changes, answers_file=ANSWERS_FILE)
    assert git("diff", "--check", cwd=fresh) == ""
    assert not [p for p in fresh.rglob("*.rej") if ".git" not in p.parts]
    for path, text in snapshot_owned.items():
        assert (fresh / path).read_text() == text, path
    assert {question: answers_of(fresh)[question] for question in changes} == changes

    assert not added_python


def test_switching_from_an_own_zizmor_workflow_as_documented(
    template: Path, tmp_path: Path
) -> None:
    """docs/adopting.md: a zizmor workflow of the project's own named zizmor.yml is never
    rendered over; deleting it and updating with `zizmor=all` and `project_files` without it
    renders the template's, and the project's other owned files stay as they were."""
    project = shapes.make("staged-testpypi", tmp_path / "project")
    code, _, err = adopt(project, template, repository=REPOSITORY)
    assert code == 0, err
    owned = answers_of(project)["project_files"]
    assert answers_of(project)["zizmor"] == "own"
    assert ".github/workflows/zizmor.yml" in owned, owned
    own = project / ".github/workflows/zizmor.yml"
    assert "Audit workflows" not in own.read_text(encoding="utf-8")  # the fixture's own
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Adopt hardened-release", cwd=project)
    kept = {
        path: (project / path).read_bytes()
        for path in owned
        if path != str(own.relative_to(project))
    }
    git("rm", "-q", ".github/workflows/zizmor.yml", cwd=project)
    git("commit", "-q", "-m", "Drop our zizmor workflow for the template's", cwd=project)

    rest = [path for path in owned if path != ".github/workflows/zizmor.yml"]
    update(project, {"zizmor": "all", "project_files": rest}, answers_file=ANSWERS_FILE)
    assert git("diff", "--check", cwd=project) == ""
    assert "name: Audit workflows" in own.read_text(encoding="utf-8")
    assert {path: (project / path).read_bytes() for path in kept} == kept
    assert answers_of(project)["project_files"] == rest


# ---- The README's command, literally, on a fresh virtual environment.


def test_the_readme_adoption_command_runs_literally(clone: Path, tmp_path: Path) -> None:
    """Only Python and git: a new virtual environment, pip installs the template's package from
    the local clone (its build backend from PyPI), and `hardened-release adopt` adopts."""
    project = project_repository(tmp_path / "project", {".github/workflows/publish.yml": PUBLISHER})
    home = tmp_path / "home"
    home.mkdir()
    line = readme_adoption_command(clone, NAME, REPOSITORY)
    result = subprocess.run(
        ["bash", "-c", line],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": os.environ["PATH"],
            "HOME": str(home),
            "NO_COLOR": "1",
            # pip's download cache, shared between runs: what is installed is the same.
            "PIP_CACHE_DIR": str(Path.home() / ".cache" / "pip"),
            # pip's --no-compile: Python compiles what it imports; what is installed is the same.
            "PIP_NO_COMPILE": "0",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Left to you" in result.stdout
    answers = answers_of(project)
    assert answers["_src_path"] == str(clone) and answers["pypi_name"] == NAME
    assert publishing(project) == {answers["release_workflow"]}
