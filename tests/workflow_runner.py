"""Runs a rendered job's steps on this machine, as a GitHub-hosted runner would run them.

`run:` steps run for real, with the shell GitHub gives them on the job's operating system, in
an environment of the variables GitHub sets (and the machine's own network settings). The few
actions a job uses are stood in for: checkout by the sample project already checked out (with
the remote-tracking branches a full-history checkout fetches), setup-python by a fresh virtual
environment of the Python version the step asks for, upload- and download-artifact by checking
that the files are there.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The step that installs the project's lock of build tools into the runner's Python.
INSTALL = "Install the build tools"

COMPARISON = re.compile(r"^\s*\(?\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*\)?\s*$")
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")

#: What the runner knows of the repository and its event when a test does not say.
GITHUB_DEFAULTS = {
    "repository": "octo-org/sample",
    "repository_owner": "octo-org",
    "event.repository.default_branch": "main",
    "event.repository.private": "false",
    "token": "ghs_not-a-token",
    "workflow": "Release",
}

#: The machine's own settings a step keeps: how to reach the package index, and a home.
#: Everything else of the test's environment (GITHUB_*, VIRTUAL_ENV, ...) stays out.
HOST = re.compile(
    r"^(HOME|LANG|LC_\w+|TMPDIR|\w*_?(PROXY|proxy)|\w*CA_BUNDLE|\w*CERT\w*|SSL_\w+"
    r"|PIP_(CERT|FIND_LINKS|INDEX_URL|EXTRA_INDEX_URL|DEFAULT_TIMEOUT))$"
)


class RefusedStep(AssertionError):
    """A step this machine cannot run as GitHub would: never run another way instead."""


def evaluate(condition: str, context: dict[str, str]) -> bool:
    """Evaluate the `if:` forms the template writes: `a == 'b'` terms joined by `&&` or `||`.

    An unknown property is an empty string, as GitHub's null compares. Anything else is an
    error, so that a new kind of condition gets a test of its own rather than a wrong answer.
    """
    return any(
        all(_compare(term, context) for term in alternative.split("&&"))
        for alternative in condition.split("||")
    )


def _compare(term: str, context: dict[str, str]) -> bool:
    match = COMPARISON.match(term)
    if not match:
        raise ValueError(f"unsupported condition: {term!r}")
    name, operator, literal = match.groups()
    value = context.get(name, "")
    return (value == literal) if operator == "==" else (value != literal)


def substitute(value: Any, context: dict[str, str]) -> str:
    """A value with its `${{ property }}` expressions replaced, as GitHub does before a step."""
    if isinstance(value, bool):
        return str(value).lower()
    return EXPRESSION.sub(lambda match: context.get(match[1], ""), str(value))


def operating_system(runs_on: str) -> str:
    """The runner's operating system (RUNNER_OS) from a GitHub-hosted runner's label."""
    label = runs_on.lower()
    return "Windows" if "windows" in label else "macOS" if "macos" in label else "Linux"


def shell_command(shell: str | None, system: str, script: Path, python: Path) -> list[str]:
    """The command GitHub's runner runs a step's script with, for `shell:` on `system`.

    A step without `shell:` gets `bash -e` on Linux and macOS, PowerShell on Windows."""
    if shell is None:
        shell = "pwsh" if system == "Windows" else "bash -e"
    commands = {
        "bash -e": ["bash", "-e", str(script)],
        "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        "sh": ["sh", "-e", str(script)],
        "python": [str(python), str(script)],
        "pwsh": ["pwsh", "-command", f". '{script}'"],
    }
    if shell not in commands or not shutil.which(commands[shell][0]):
        raise RefusedStep(
            f"GitHub runs this step on {system} with {shell}, which this machine cannot give:"
            " name its shell (shell: bash)"
        )
    return commands[shell]


def python_for(version: str) -> str:
    """An interpreter of the Python version that setup-python's `python-version` asks for."""
    if not re.fullmatch(r"3\.\d+", version):
        raise RefusedStep(f"python-version {version!r} is not one fixed minor version (3.X)")
    if version == f"{sys.version_info[0]}.{sys.version_info[1]}":
        return sys.executable
    found = shutil.which(f"python{version}")
    if not found:
        raise RefusedStep(f"the job asks for Python {version}, which this machine has not")
    return found


def pip_download(version: str) -> list[str]:
    """`pip download` for Python `version`: with that interpreter where this machine has it,
    else as pip resolves for that version from this one."""
    try:
        return [python_for(version), "-m", "pip", "download"]
    except RefusedStep:
        command = [sys.executable, "-m", "pip", "download", "--python-version", version]
        return [*command, "--implementation", "cp", "--platform", "manylinux_2_39_x86_64"]


def pip_from(*folders: Path) -> dict[str, str]:
    """pip's settings that install from `folders` of wheels, with no index. PIP_NO_COMPILE sets
    pip's `compile` option, so 0 is --no-compile: Python compiles what it imports, and the
    files a build makes are the same."""
    found = " ".join(map(str, folders))
    return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": found, "PIP_NO_COMPILE": "0"}


@dataclass
class StepResult:
    name: str
    skipped: bool
    returncode: int = 0
    output: str = ""


@dataclass
class JobRun:
    """One job of a workflow, run in `workdir` with `python` taken from `venv`.

    `github` holds the github context's values (`ref_name`, `event.repository.private`, ...):
    those without a dot are also the step's GITHUB_* variables. `matrix` gives `runs-on` its
    value where it is `${{ matrix.os }}`."""

    job: dict[str, Any]
    workdir: Path
    venv: Path
    github: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    matrix: dict[str, str] = field(default_factory=dict)
    needs: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Settings of this machine's pip for the run (where it finds packages), over its own.
    pip: dict[str, str] = field(default_factory=dict)

    @property
    def system(self) -> str:
        context = {f"matrix.{key}": value for key, value in self.matrix.items()}
        return operating_system(substitute(self.job.get("runs-on", "ubuntu-latest"), context))

    def known(self) -> dict[str, str]:
        """The github context: the test's values over the runner's defaults, and `sha`, the
        commit of the ref in the checked-out repository, as GitHub sets it."""
        github = {**GITHUB_DEFAULTS, **self.github}
        if "sha" not in github and "ref" in github and (self.workdir / ".git").exists():
            sha = subprocess.run(
                ["git", "rev-parse", "-q", "--verify", f"{github['ref']}^{{commit}}"],
                cwd=self.workdir,
                capture_output=True,
                text=True,
                check=False,
            ).stdout.strip()
            github["sha"] = sha
        return github

    def context(self) -> dict[str, str]:
        context = {f"github.{key}": value for key, value in self.known().items()}
        context.update({f"matrix.{key}": value for key, value in self.matrix.items()})
        for step_id, values in self.outputs.items():
            context.update({f"steps.{step_id}.outputs.{k}": v for k, v in values.items()})
        for job_id, values in self.needs.items():
            context.update({f"needs.{job_id}.outputs.{k}": v for k, v in values.items()})
        return context

    def environment(self, step: dict[str, Any], files: Path) -> dict[str, str]:
        """Only what GitHub sets, and the machine's network settings: not the test's own."""
        ours = {str(Path(sys.prefix) / "bin"), str(Path(sys.executable).parent)}
        path = [entry for entry in os.environ["PATH"].split(os.pathsep) if entry not in ours]
        context = self.context()
        env = {key: value for key, value in os.environ.items() if HOST.match(key)}
        env.update(self.pip)
        env.update(
            {
                "PATH": os.pathsep.join([str(self.venv / "bin"), *path]),
                "CI": "true",
                "GITHUB_ACTIONS": "true",
                "RUNNER_OS": self.system,
                "RUNNER_TEMP": str(files),
                "GITHUB_WORKSPACE": str(self.workdir),
                "GITHUB_OUTPUT": str(files / "output"),
                "GITHUB_ENV": str(files / "env"),
                "GITHUB_STEP_SUMMARY": str(files / "summary"),
                **{
                    f"GITHUB_{key.upper()}": value
                    for key, value in self.known().items()
                    if "." not in key and key != "token"
                },
            }
        )
        for scope in (self.job.get("env", {}), step.get("env", {})):
            env.update({key: substitute(value, context) for key, value in scope.items()})
        return env

    def step(self, name: str) -> dict[str, Any]:
        (step,) = [step for step in self.job["steps"] if step.get("name") == name]
        return step

    def run(self, step: dict[str, Any]) -> StepResult:
        name = step.get("name", step.get("uses", "?"))
        if "if" in step and not evaluate(step["if"], self.context()):
            return StepResult(name, skipped=True)
        if "uses" in step:
            return self._stand_in(step, name)
        files = self.workdir.parent / f"{self.workdir.name}-runner"
        files.mkdir(exist_ok=True)
        for name_ in ("output", "env", "summary"):
            (files / name_).write_text("")
        defaults = self.job.get("defaults", {}).get("run", {})
        shell = step.get("shell", defaults.get("shell"))
        powershell = shell == "pwsh" or (shell is None and self.system == "Windows")
        script = files / ("step.ps1" if powershell else "step")  # pwsh runs .ps1 files only
        script.write_text(step["run"])
        command = shell_command(shell, self.system, script, self.venv / "bin" / "python")
        result = subprocess.run(
            command,
            cwd=self.workdir,
            env=self.environment(step, files),
            capture_output=True,
            text=True,
            check=False,
        )
        if "id" in step:
            self.outputs[step["id"]] = dict(
                line.split("=", 1)
                for line in (files / "output").read_text().splitlines()
                if "=" in line
            )
        return StepResult(name, False, result.returncode, result.stdout + result.stderr)

    def _stand_in(self, step: dict[str, Any], name: str) -> StepResult:
        action = step["uses"].split("@")[0]
        inputs = step.get("with", {})
        if action == "actions/checkout":
            assert (self.workdir / "pyproject.toml").exists()  # the sample project is checked out
            if inputs.get("fetch-depth") == 0 and (self.workdir / ".git").exists():
                self._fetch_branches()
        elif action == "actions/setup-python":
            self._venv(str(inputs["python-version"]))
        elif action == "actions/download-artifact":
            path = self.workdir / inputs["path"]
            assert path.is_dir() and any(path.iterdir()), f"the test puts the artifacts at {path}"
        elif action == "actions/upload-artifact":
            path = self.workdir / inputs["path"]
            assert path.is_dir() and any(path.iterdir()), f"nothing to upload at {path}"
            if "id" in step:
                self.outputs[step["id"]] = {"artifact-id": "1234"}
        else:
            raise AssertionError(f"no stand-in for {action}")
        return StepResult(name, skipped=False)

    def _fetch_branches(self) -> None:
        """What a full-history checkout fetches: every branch, as origin/<branch>."""
        heads = subprocess.run(
            ["git", "for-each-ref", "--format=%(refname:lstrip=2) %(objectname)", "refs/heads"],
            cwd=self.workdir,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split("\n")
        for line in filter(None, heads):
            branch, sha = line.split()
            subprocess.run(
                ["git", "update-ref", f"refs/remotes/origin/{branch}", sha],
                cwd=self.workdir,
                check=True,
            )

    def _venv(self, version: str) -> None:
        python = python_for(version)
        if not (self.venv / "bin" / "python").exists():
            # Python with pip, as setup-python leaves it: virtualenv, five times faster than venv.
            subprocess.run(
                [sys.executable, "-m", "virtualenv", "-q", "-p", python, str(self.venv)],
                check=True,
                capture_output=True,
            )

    def run_all(self) -> list[StepResult]:
        results = []
        for step in self.job["steps"]:
            result = self.run(step)
            results.append(result)
            if result.returncode:
                break
        return results
