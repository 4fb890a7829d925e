"""Every way a user names the destination renders a new project; `copier copy` into a repository
that already has workflows stops before writing, with one line naming `hardened-release adopt`,
with or without a terminal; and a refused answer writes nothing. What these tests vary is the
destination: the template's source is a git repository of its own files
(`helpers.template_repository`)."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import copier_cli, project_repository, template_repository, tree, words
from variants import REQUIRED

DATA = [arg for name, value in REQUIRED.items() for arg in ("-d", f"{name}={value}")]
#: A project with a Dependabot config of its own, and no workflows yet.
EXISTING = {".github/dependabot.yml": "version: 2\nupdates: []\n", "README.md": "# Project\n"}
#: A workflow that publishes: adopting it is `hardened-release adopt`'s work.
PUBLISHER = (
    "on:\n  push:\n    tags: ['v*']\njobs:\n  upload:\n    runs-on: ubuntu-latest\n"
    "    steps:\n      - run: twine upload dist/*\n"
)
WITH_WORKFLOWS = {**EXISTING, ".github/workflows/release.yml": PUBLISHER}
ADOPT_LINE = (
    "This repository already has workflows or a Dependabot config: adopt the template with "
    "`hardened-release adopt`"
)


def copy(destination: str, cwd: Path, *options: str) -> tuple[int, str]:
    result = copier_cli(
        "copy",
        "--defaults",
        "--overwrite",
        *options,
        *DATA,
        template_repository(),
        destination,
        cwd=cwd,
    )
    return result.returncode, result.stdout + result.stderr


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A folder to run Copier from, with a symbolic link to it beside it (as /tmp on macOS)."""
    real = tmp_path / "real"
    (real / "work").mkdir(parents=True)
    (tmp_path / "link").symlink_to(real, target_is_directory=True)
    return real


#: How the destination is typed, from which folder (relative to the workspace), and where the
#: files land (relative to the workspace).
FORMS = {
    "dot": (".", "work/project", "work/project"),
    "parent": ("../project", "work/here", "work/project"),
    "nested": ("./sub/project", "work", "work/sub/project"),
    "absolute": ("{workspace}/work/project", "work", "work/project"),
    "through a link": ("{link}/work/project", "work", "work/project"),
}


def typed(form: str, workspace: Path) -> tuple[str, Path, Path]:
    destination, cwd, lands = FORMS[form]
    destination = destination.format(workspace=workspace, link=workspace.parent / "link")
    (workspace / cwd).mkdir(parents=True, exist_ok=True)
    return destination, workspace / cwd, workspace / lands


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_new_project_renders_from_every_destination_form(form: str, workspace: Path) -> None:
    destination, cwd, lands = typed(form, workspace)
    code, output = copy(destination, cwd)
    assert code == 0, output
    assert (lands / ".github" / "workflows" / "release.yml").is_file()
    # No warning that reads as an error (a dirty working tree of the template's own aside).
    assert "MissingFileWarning" not in output and "Traceback" not in output, output


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_repository_with_workflows_is_sent_to_adopt(form: str, workspace: Path) -> None:
    """Whichever way the destination is typed (through '..' or a link too), the copy stops
    before writing, in one line, and never suggests --trust."""
    destination, cwd, lands = typed(form, workspace)
    project_repository(lands, WITH_WORKFLOWS)
    before = tree(lands)
    code, output = copy(destination, cwd)
    assert code == 1, output
    assert "Traceback" not in output and "--trust" not in output, output
    (line,) = [row for row in output.splitlines() if ADOPT_LINE in row]
    assert line.endswith("Nothing was written.'"), line
    assert tree(lands) == before


def test_a_repository_without_workflows_gets_a_plain_copy(tmp_path: Path) -> None:
    """The check is for workflows and a Dependabot config: a project with neither is a new
    project to Copier, and its own code owners stay as they are."""
    theirs = "* @octo-org/maintainers\n"
    project = project_repository(tmp_path / "project", {".github/CODEOWNERS": theirs})
    code, output = copy(".", project, "-d", "release_team=@octo-org/release")
    assert code == 0, output
    assert (project / ".github" / "workflows" / "release.yml").is_file()
    assert (project / ".github" / "CODEOWNERS").read_text() == theirs


@pytest.mark.parametrize("config", ["dependabot.yml", "dependabot.yaml"])
def test_a_repository_with_a_dependabot_config_is_sent_to_adopt(
    config: str, tmp_path: Path
) -> None:
    project = project_repository(tmp_path / "project", {f".github/{config}": "version: 2\n"})
    before = tree(project)
    code, output = copy(".", project)
    assert code == 1 and ADOPT_LINE in words(output), output
    assert tree(project) == before


def in_terminal(command: list[str], cwd: Path) -> tuple[int, str]:
    """Run `command` with a pseudo-terminal as its standard streams, as a user at a shell does;
    it must finish without input within a minute."""
    main, secondary = os.openpty()
    process = subprocess.Popen(
        command, cwd=cwd, stdin=secondary, stdout=secondary, stderr=secondary, close_fds=True
    )
    os.close(secondary)
    output, deadline = b"", time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([main], [], [], 1)
        if not ready:
            if process.poll() is not None:
                break
            continue
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the process closed the terminal
            break
        if not chunk:
            break
        output += chunk
    process.kill()
    os.close(main)
    return process.wait(), output.decode(errors="replace")


@pytest.mark.parametrize("terminal", [False, True], ids=["no terminal", "terminal"])
def test_copy_without_overwrite_stops_before_writing(terminal: bool, tmp_path: Path) -> None:
    """Copier would ask before replacing a file, half-way through writing; the template stops
    it first, with or without a terminal."""
    project = project_repository(tmp_path / "project", WITH_WORKFLOWS)
    before = tree(project)
    if terminal:
        copier = str(Path(sys.executable).parent / "copier")
        code, output = in_terminal(
            [copier, "copy", "--defaults", *DATA, str(template_repository()), "."], project
        )
    else:
        result = copier_cli("copy", "--defaults", *DATA, template_repository(), ".", cwd=project)
        code, output = result.returncode, result.stdout + result.stderr
    output = words(output)
    assert code == 1, output
    assert ADOPT_LINE in output and "Traceback" not in output
    assert tree(project) == before


def test_without_defaults_and_without_a_terminal_nothing_is_written(tmp_path: Path) -> None:
    project = project_repository(tmp_path / "project", EXISTING)
    before = tree(project)
    result = copier_cli("copy", *DATA, template_repository(), ".", cwd=project)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr
    assert tree(project) == before


def test_a_refused_answer_writes_nothing_into_a_new_folder(tmp_path: Path) -> None:
    code, output = copy("new", tmp_path, "-d", "tag_pattern=v?")
    assert code == 1
    assert "tag_pattern=v? is refused: tag_pattern must be a tag rule" in words(output)
    assert "Traceback" not in output
    assert not (tmp_path / "new").exists()
