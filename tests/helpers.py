"""The one way the tests render the template, and small readers of what it renders."""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import functools
import importlib.util
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType
from typing import Any

import copier
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN_SOURCE = ROOT / "pins" / "action.yml"
#: The one Python of the build and check jobs (the lock script moves it with the locks).
BUILD_PYTHON = (ROOT / "requirements" / "python-version").read_text().strip()
ANSWERS_FILE = ".copier-answers.hardened-release.yml"
#: What the template is made of: copier.yml and what it renders from.
TEMPLATE_PARTS = ("copier.yml", "template", "includes", "pins", "requirements")
USES = re.compile(r"^\s*(?:- )?uses: (?P<action>[^@\s]+)@(?P<ref>\S+)(?: # (?P<comment>.*))?$")


def render(
    dst: Path,
    answers: dict[str, Any],
    *,
    cloned: bool = False,
    template: Path | None = None,
    **options: Any,
) -> Path:
    """Render the template's working tree into `dst` without prompts or trust, as users do.

    From a snapshot of the working tree, which Copier reads in place; `cloned` renders from a
    git repository of the template's files (`template_repository`) through Copier's clone of
    it, as a user's `copier copy` does, which records the commit in the answers and takes about
    0.1 s more (CONTRIBUTING.md: the tests' renders).
    `template` renders another template, or a version of this one (`vcs_ref` in `options`)."""
    settings = {"defaults": True, "unsafe": False, "quiet": True, **options}
    if template:
        copier.run_copy(str(template), dst, data=answers, **settings)
    elif cloned:
        copier.run_copy(str(template_repository()), dst, data=answers, vcs_ref="HEAD", **settings)
    else:
        copier.run_copy(str(snapshot()), dst, data=answers, **settings)
    return dst


def update(project: Path, answers: dict[str, Any] | None = None, **options: Any) -> Path:
    """`copier update` of `project` without prompts or trust, keeping its answers but those
    given."""
    settings = {"defaults": True, "overwrite": True, "unsafe": False, "quiet": True, **options}
    copier.run_update(project, data=answers or {}, **settings)
    return project


@functools.cache
def snapshot() -> Path:
    """The template's files as the working tree has them, outside git: one copy per test run."""
    path = Path(tempfile.mkdtemp(prefix="hardened-release-snapshot-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return template_files(path)


def template_files(path: Path) -> Path:
    """The template's own files (copier.yml and what it renders from), copied into `path`."""
    for part in TEMPLATE_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, path / part, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, path / part)
    return path


@functools.cache
def template_repository() -> Path:
    """The template's files as the working tree has them, in one commit of a git repository of
    their own: a template source as users name one, made once per test process. Copier clones
    its 24 files where a clone of this repository checks out all of them."""
    path = Path(tempfile.mkdtemp(prefix="hardened-release-template-")) / "hardened-release"
    atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
    path.mkdir()
    template_files(path)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "The template", cwd=path)
    return path


@contextmanager
def one_worker_at_a_time(path: Path) -> Iterator[Path]:
    """`path`, a directory made and used by one worker at a time."""
    path.mkdir(parents=True, exist_ok=True)
    with (path / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield path


def made_once(folder: Path, name: str, make: Callable[[Path], object]) -> Path:
    """`folder / name`, made by `make(folder / name)` once per test run for every worker: the
    first worker to ask makes it (again, where a run that stopped left it half made); the
    others wait for it, then use it."""
    with one_worker_at_a_time(folder) as root:
        if not (root / "ready").exists():
            shutil.rmtree(root / name, ignore_errors=True)
            make(root / name)
            (root / "ready").touch()
    return root / name


def repository_script(name: str) -> ModuleType:
    """One of this repository's scripts (scripts/<name>.py), imported as a module."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def words(text: str) -> str:
    """`text` with each run of white space made one space: wrapped lines read as one."""
    return " ".join(text.split())


def load_yaml(path: Path) -> Any:
    """Parse YAML as GitHub does: a workflow's `on` key stays "on" rather than True."""
    data = yaml.safe_load(path.read_text())
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


def answers_of(project: Path) -> dict[str, Any]:
    """The answers a rendered project recorded."""
    return load_yaml(project / ANSWERS_FILE)


def release_workflow(project: Path) -> Path:
    """The rendered release workflow, under the file name the project's answers give it."""
    return project / ".github" / "workflows" / answers_of(project)["release_workflow"]


def workflows_of(project: Path) -> list[str]:
    """The workflows a project has, as paths relative to it."""
    return sorted(
        str(p.relative_to(project)) for p in (project / ".github/workflows").glob("*.yml")
    )


def pins_in(path: Path) -> list[tuple[str, str, str | None]]:
    """Every `uses:` line of a file, as (action, ref, comment)."""
    found = []
    for line in path.read_text().splitlines():
        if match := USES.match(line):
            found.append((match["action"], match["ref"], match["comment"]))
    return found


def pin_source() -> dict[str, tuple[str, str]]:
    """The pin source: action -> (commit SHA, version comment)."""
    return {action: (ref, comment or "") for action, ref, comment in pins_in(PIN_SOURCE)}


def moved_pin(text: str, action: str, sha: str, version: str) -> str:
    """`text` with every `uses: action@<sha> # vX.Y.Z` moved to `sha` and `version`, as a
    Dependabot pull request moves a pin: the SHA and the version in its comment, nothing else."""
    pattern = re.compile(rf"(uses: {re.escape(action)}@)[0-9a-f]{{40}}( # )v\d+\.\d+\.\d+\b")
    moved, count = pattern.subn(rf"\g<1>{sha}\g<2>{version}", text)
    assert count, f"no pin of {action}"
    return moved


def release(version: str) -> tuple[int, ...]:
    """A version, "vX.Y.Z" or "X.Y.Z", as numbers to compare."""
    return tuple(int(part) for part in version.removeprefix("v").split("."))


def group_pins(group: str | None = None) -> dict[str, str]:
    """The exact pins (`name==version`) of one of pyproject.toml's [dependency-groups], with
    the groups it includes, or of all of them."""
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]

    def specs(name: str) -> list[str]:
        found = []
        for item in groups[name]:
            found += specs(item["include-group"]) if isinstance(item, dict) else [item]
        return found

    chosen = [group] if group else list(groups)
    return dict(
        re.fullmatch(r"([\w.-]+)==([\w.]+)", spec).groups()
        for name in chosen
        for spec in specs(name)
        if "==" in spec
    )


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst


#: git with a fixed identity and defaults, whatever the machine's own configuration says.
GIT = (
    "git",
    *("-c", "user.name=Test", "-c", "user.email=test@example.invalid"),
    *("-c", "init.defaultBranch=main", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false"),
)


def git(*args: str, cwd: Path) -> str:
    """Run git with a fixed identity, as a test's own repositories need."""
    result = subprocess.run(
        [*GIT, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


class TemplateVersions:
    """Versions of this template, as tags of a temporary git repository made from the working
    tree: `release("v1.0.0")` tags what is there; edit files under `path`, release again."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        template_files(path)
        git("init", "-q", "-b", "main", cwd=path)

    def edit(self, relative: str, old: str, new: str) -> None:
        file = self.path / relative
        text = file.read_text()
        assert old in text, f"{old!r} not in {relative}"
        file.write_text(text.replace(old, new))

    def release(self, tag: str) -> None:
        git("add", "-A", cwd=self.path)
        git("commit", "-q", "--allow-empty", "-m", tag, cwd=self.path)
        git("tag", tag, cwd=self.path)


def project_repository(path: Path, files: dict[str, str] | None = None) -> Path:
    """A project's git repository with some files of its own, committed."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in {"README.md": "# Project\n", **(files or {})}.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "The project", cwd=path)
    return path


def bump_pin(project: Path, action: str, sha: str, version: str) -> None:
    """Move every pin of `action` in the project's workflows, as a Dependabot pull request does."""
    for workflow in (project / ".github" / "workflows").glob("*.yml"):
        if f"uses: {action}@" in (text := workflow.read_text()):
            workflow.write_text(moved_pin(text, action, sha, version))


def tree(path: Path) -> dict[str, str]:
    """Every file below `path` but git's own, with its text."""
    return {
        str(file.relative_to(path)): file.read_text()
        for file in sorted(path.rglob("*"))
        if file.is_file() and ".git" not in file.relative_to(path).parts
    }


def copier_cli(*args: str | Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run the `copier` command of the test environment, as a user types it, uncoloured."""
    command = [str(Path(sys.executable).parent / "copier"), *map(str, args)]
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )


def copy_with_cli(dst: Path, answers: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`copier copy --defaults` of the working tree's template (`template_repository`), each
    answer given with -d."""
    data = [arg for name, value in answers.items() for arg in ("-d", f"{name}={value}")]
    return copier_cli("copy", "--defaults", "--vcs-ref=HEAD", *data, template_repository(), dst)


def readme_adoption_command(template: Path | str, name: str, repository: str) -> str:
    """The README's adoption command line as its reader types it: its placeholders <template>,
    <name> and <owner>/<repo> filled in, every other word as written."""
    readme = (ROOT / "README.md").read_text()
    (line,) = [row for row in readme.splitlines() if " adopt " in row and row.startswith("python3")]
    fill = {"<template>": shlex.quote(str(template)), "<name>": name, "<owner>/<repo>": repository}
    for placeholder, value in fill.items():
        line = line.replace(placeholder, value)
    assert "<" not in line, line
    return line


def readme_adopt_arguments(template: Path | str, name: str, repository: str) -> list[str]:
    """The words the README's adoption command passes to `hardened-release`."""
    line = readme_adoption_command(template, name, repository)
    words = shlex.split(line.split("&&")[-1])
    assert words[0].endswith("/hardened-release") and words[1] == "adopt", words
    return words[1:]


def adopt(
    project: Path,
    template: Path | str,
    *extra: str,
    name: str | None = None,
    repository: str = "octo-org/sample",
) -> tuple[int, str, str]:
    """The README's adoption command's `hardened-release` words (and `extra` ones before the
    template), run in `project` in this process: its exit status, output and errors. `<name>`
    is `name`, or else the distribution the project's pyproject.toml names, as a user fills
    it in (sample-pkg where it names none)."""
    from hardened_release import cli

    if name is None:
        pyproject = project / "pyproject.toml"
        table = (
            tomllib.loads(pyproject.read_text()).get("project", {}) if pyproject.is_file() else {}
        )
        name = table.get("name", "sample-pkg")
    arguments = readme_adopt_arguments(template, name, repository)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.chdir(project), redirect_stdout(out), redirect_stderr(err):
        code = cli.main([*arguments[:-1], *extra, arguments[-1]])
    return code, out.getvalue(), err.getvalue()


def readme_update_command() -> list[str]:
    """The README's update command, word for word; the words after `copier`."""
    readme = (ROOT / "README.md").read_text()
    (line,) = [row for row in readme.splitlines() if row.startswith("copier update")]
    words = shlex.split(line)
    assert words[0] == "copier", words
    return words[1:]


def repository_files(path: Path) -> Path:
    """This repository's files as a fresh clone has them, every file git would commit, copied
    into `path`, outside git."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (path / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, path / name)
    return path


def repository_copy(path: Path) -> Path:
    """This repository as a fresh clone has it: its files in one commit of a repository of its
    own, with no tags. Copied from one such repository made once per test process."""
    shutil.copytree(committed_copy(), path, symlinks=True, dirs_exist_ok=True)
    return path


@functools.cache
def committed_copy() -> Path:
    """This repository's files in one commit of a repository of their own: made once per test
    process (a copy of each file and a commit of them all cost more than copying the result)."""
    path = Path(tempfile.mkdtemp(prefix="hardened-release-copy-")) / "repository"
    atexit.register(shutil.rmtree, path.parent, ignore_errors=True)
    repository_files(path)
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "A copy of the repository", cwd=path)
    return path


#: The step that stops a release started or re-run by someone outside a release team of users.
STARTER_STEP = "Check that a release-team member started the run"


def starter_checked(answers: dict[str, Any]) -> bool:
    """Whether the workflow checks who started a release: a release team of @user handles only."""
    team = str(answers.get("release_team", "")).replace(",", " ").split()
    return bool(team) and all("/" not in handle for handle in team)


def without_starter_step(
    steps: list[dict[str, Any]], answers: dict[str, Any]
) -> list[dict[str, Any]]:
    """A job's steps after the starter check, which leads them exactly when it is rendered."""
    checked = bool(steps) and steps[0].get("name") == STARTER_STEP
    assert checked == starter_checked(answers), steps[:1]
    return steps[1:] if checked else steps
