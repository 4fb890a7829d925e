"""tests/workflow_runner.py runs steps as GitHub's runner would: the shell of the job's operating
system, the Python the job asks for, and only the variables GitHub sets."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from workflow_runner import JobRun, RefusedStep, operating_system, python_for

PIPE = "false | true\necho ran on"


def job(runs_on: str, *steps: dict) -> dict:
    return {"runs-on": runs_on, "steps": list(steps)}


def run(tmp_path: Path, runs_on: str, step: dict, **github: str) -> tuple[int, str]:
    (tmp_path / "work").mkdir(exist_ok=True)
    result = JobRun(job(runs_on, step), tmp_path / "work", Path(sys.prefix), github).run(step)
    return result.returncode, result.output


@pytest.mark.parametrize("runs_on", ["ubuntu-latest", "macos-latest"])
def test_a_step_without_a_shell_gets_bash_e_without_pipefail(tmp_path: Path, runs_on: str) -> None:
    """GitHub runs it as `bash -e {0}`: a failure inside a pipeline goes unnoticed."""
    assert run(tmp_path, runs_on, {"run": PIPE})[0] == 0


def test_shell_bash_gets_pipefail(tmp_path: Path) -> None:
    """`shell: bash` is `bash --noprofile --norc -eo pipefail {0}`."""
    assert run(tmp_path, "ubuntu-latest", {"run": PIPE, "shell": "bash"})[0] == 1


def test_a_windows_step_without_a_shell_is_powershells(tmp_path: Path) -> None:
    """On Windows it is PowerShell's: without pwsh here, the step is refused, never run in bash."""
    step = {"run": 'echo "x=1" >> "$GITHUB_OUTPUT"'}
    if not shutil.which("pwsh"):
        with pytest.raises(RefusedStep, match="Windows with pwsh"):
            run(tmp_path, "windows-latest", step)
    assert run(tmp_path, "windows-latest", {**step, "shell": "bash"})[0] == 0


def test_runs_on_a_matrix_value() -> None:
    assert operating_system("windows-latest") == "Windows"
    assert operating_system("macos-15-intel") == "macOS"
    assert operating_system("ubuntu-24.04-arm") == "Linux"
    step = {"run": "true"}
    matrix = JobRun(job("${{ matrix.os }}", step), Path(), Path(), {}, matrix={"os": "macos-14"})
    assert matrix.system == "macOS"


def test_only_the_variables_github_sets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the test's own GITHUB_* or virtual environment: the github context's values, and the
    step's env with its expressions evaluated."""
    monkeypatch.setenv("GITHUB_TOKEN", "host-secret")
    monkeypatch.setenv("GITHUB_REF_NAME", "host-ref")
    monkeypatch.setenv("VIRTUAL_ENV", "/host/venv")
    monkeypatch.setenv("SOMETHING_ELSE", "host")
    step = {
        "run": "env",
        "env": {"BRANCH": "${{ github.event.repository.default_branch }}"},
    }
    code, output = run(tmp_path, "ubuntu-latest", step, ref_name="v1.2.3")
    variables = dict(line.split("=", 1) for line in output.splitlines() if "=" in line)
    assert code == 0
    assert variables["GITHUB_REF_NAME"] == "v1.2.3"
    assert variables["BRANCH"] == "main" and variables["RUNNER_OS"] == "Linux"
    assert variables["CI"] == "true" and variables["GITHUB_ACTIONS"] == "true"
    for name in ("GITHUB_TOKEN", "VIRTUAL_ENV", "SOMETHING_ELSE"):
        assert name not in variables


def test_the_python_the_job_asks_for() -> None:
    """setup-python's stand-in gives the minor version asked for, or refuses."""
    here = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert python_for(here) == sys.executable
    for wrong in ("3.x", "3", "3.11.4", ">=3.10"):
        with pytest.raises(RefusedStep, match="not one fixed minor version"):
            python_for(wrong)
    with pytest.raises(RefusedStep, match="which this machine has not"):
        python_for("3.99")
