"""Runs a rendered job's steps on this machine, as a GitHub-hosted runner would run them.

`run:` steps run for real with the shell the workflow names; the few actions a build job uses
are stood in for: checkout by the sample project already checked out, setup-python by a fresh
virtual environment, upload-artifact by checking that the files are there.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: The step that installs the project's lock of build tools into the runner's Python.
INSTALL = "Install the build tools"

COMPARISON = re.compile(r"^\s*([\w.-]+)\s*(==|!=)\s*'([^']*)'\s*$")


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


@dataclass
class StepResult:
    name: str
    skipped: bool
    returncode: int = 0
    output: str = ""


@dataclass
class JobRun:
    """One job of a workflow, run in `workdir` with `python` taken from `venv`."""

    job: dict[str, Any]
    workdir: Path
    venv: Path
    github: dict[str, str]
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)

    def context(self) -> dict[str, str]:
        context = {f"github.{key}": value for key, value in self.github.items()}
        for step_id, values in self.outputs.items():
            context.update({f"steps.{step_id}.outputs.{k}": v for k, v in values.items()})
        return context

    def environment(self, step: dict[str, Any], output: Path) -> dict[str, str]:
        env = {
            **os.environ,
            "PATH": f"{self.venv / 'bin'}{os.pathsep}{os.environ['PATH']}",
            "VIRTUAL_ENV": str(self.venv),
            "GITHUB_OUTPUT": str(output),
            **{f"GITHUB_{key.upper()}": value for key, value in self.github.items()},
        }
        env.update({key: str(value) for key, value in step.get("env", {}).items()})
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
        output = self.workdir.parent / f"{self.workdir.name}-output"
        output.write_text("")
        shell = step.get("shell", "bash")
        script = self.workdir.parent / f"{self.workdir.name}-step"
        script.write_text(step["run"])
        command = {
            "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            "python": [str(self.venv / "bin" / "python"), str(script)],
        }[shell]
        result = subprocess.run(
            command,
            cwd=self.workdir,
            env=self.environment(step, output),
            capture_output=True,
            text=True,
            check=False,
        )
        if "id" in step:
            self.outputs[step["id"]] = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
        return StepResult(name, False, result.returncode, result.stdout + result.stderr)

    def _stand_in(self, step: dict[str, Any], name: str) -> StepResult:
        action = step["uses"].split("@")[0]
        if action == "actions/checkout":
            assert (self.workdir / "pyproject.toml").exists()  # the sample project is checked out
        elif action == "actions/setup-python":
            self._venv()
        elif action == "actions/download-artifact":
            path = self.workdir / step["with"]["path"]
            assert path.is_dir() and any(path.iterdir()), f"the test puts the artifacts at {path}"
        elif action == "actions/upload-artifact":
            path = self.workdir / step["with"]["path"]
            assert path.is_dir() and any(path.iterdir()), f"nothing to upload at {path}"
        else:
            raise AssertionError(f"no stand-in for {action}")
        return StepResult(name, skipped=False)

    def _venv(self) -> None:
        if not (self.venv / "bin" / "python").exists():
            # Python with pip, as setup-python leaves it: virtualenv, five times faster than venv.
            subprocess.run(
                [sys.executable, "-m", "virtualenv", "-q", str(self.venv)],
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
