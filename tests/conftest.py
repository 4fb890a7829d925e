from __future__ import annotations

import copy
import hashlib
import importlib
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import jinja2
import pytest

from helpers import BUILD_PYTHON, made_once, render
from variants import VARIANTS
from workflow_runner import INSTALL, JobRun, pip_download, pip_from


@pytest.fixture(scope="session")
def rendered(shared: Path) -> Callable[[str], Path]:
    """Render a named variant once per test run, for every worker; tests must not modify what
    it returns."""

    def get(name: str) -> Path:
        return made_once(
            shared / f"rendered-{name}", name, lambda path: render(path, VARIANTS[name])
        )

    return get


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Path:
    """A directory that every worker of this test run shares (pytest-xdist gives each worker a
    temporary directory of its own, inside this one). Asked of this process's pytest, not of
    the environment: a pytest that a worker starts (a planted defect's) inherits the worker's
    PYTEST_XDIST_WORKER, but is a test run of its own."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if hasattr(request.config, "workerinput") else base


@pytest.fixture(scope="session")
def wheelhouse(shared: Path) -> Callable[..., Path]:
    """Wheels for the build jobs' Python, downloaded once per test run: `wheelhouse(*arguments)`
    is a folder of what `pip download --only-binary=:all: *arguments` fetches (a Path argument,
    such as a lock after `-r`, counts by its content). pip installs the same files from it with
    no index (PIP_NO_INDEX, PIP_FIND_LINKS) in a second, where reading PyPI's lists of every
    file of each package takes it ten."""

    def download(folder: Path, arguments: tuple[str | Path, ...]) -> None:
        command = [*pip_download(BUILD_PYTHON), "--only-binary=:all:", "-q", *arguments]
        result = subprocess.run(
            [*command, "-d", folder], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr

    def wheels(*arguments: str | Path) -> Path:
        key = hashlib.sha256(BUILD_PYTHON.encode())
        for argument in arguments:
            key.update(argument.read_bytes() if isinstance(argument, Path) else argument.encode())
            key.update(b"\0")
        folder = shared / f"wheels-{key.hexdigest()[:16]}"
        return made_once(folder, "wheels", lambda path: download(path, arguments))

    return wheels


@pytest.fixture(scope="session")
def runner(shared: Path, wheelhouse: Callable[..., Path]) -> Callable[[dict[str, Any], Path], Path]:
    """Where a build job keeps its Python: one virtual environment per lock of build tools, for
    the whole test run. The first job to need it runs its setup-python and install steps there,
    pip installing the lock from the wheelhouse; later jobs run them again as the runner does,
    with the index, and pip finds the lock's packages installed."""

    def venv_for(job: dict[str, Any], project: Path) -> Path:
        lock = project / ".github" / "release-requirements.txt"

        def set_up(venv: Path) -> None:
            setup = JobRun(job, project, venv, {})
            for step in job["steps"]:
                if step.get("name") == INSTALL:
                    setup.pip = pip_from(wheelhouse("--require-hashes", "-r", lock))
                if "actions/setup-python" in step.get("uses", "") or step.get("name") == INSTALL:
                    result = setup.run(step)
                    assert result.returncode == 0, result.output

        folder = shared / f"runner-{hashlib.sha256(lock.read_bytes()).hexdigest()[:16]}"
        return made_once(folder, "venv", set_up)

    return venv_for


def compile_settings(environment: jinja2.Environment) -> tuple[object, ...]:
    """Every setting of a Jinja environment that changes what a source compiles to."""
    return (
        type(environment), environment.block_start_string, environment.block_end_string,
        environment.variable_start_string, environment.variable_end_string,
        environment.comment_start_string, environment.comment_end_string,
        environment.line_statement_prefix, environment.line_comment_prefix,
        environment.trim_blocks, environment.lstrip_blocks, environment.newline_sequence,
        environment.keep_trailing_newline, environment.optimized, environment.is_async,
        frozenset(environment.extensions), frozenset(environment.filters),
        frozenset(environment.tests),
    )  # fmt: skip


def with_filename(code: CodeType, filename: str) -> CodeType:
    """`code`, and every code object in it (the template's blocks and macros), as `compile`
    makes them for a source read from `filename`: the file name is the only difference."""
    consts = tuple(
        with_filename(const, filename) if isinstance(const, CodeType) else const
        for const in code.co_consts
    )
    return code.replace(co_filename=filename, co_consts=consts)


@pytest.fixture(scope="session", autouse=True)
def compiled_once() -> Iterator[None]:
    """Renders in this process compile each template source once, for every Jinja environment
    with the same settings (Copier makes a new one for each render, and compiles again): what a
    template renders is the same. The key is the source and its name in the template (what
    Jinja writes into the code it generates), not the file it was read from: Copier reads each
    render's template from a clone of its own, and the compiled code differs only in the file
    name it carries, which each hit gets back. The tests that run `copier` as a command, and
    the benchmark, compile as Copier does on its own."""
    original = jinja2.Environment.compile
    compiled: dict[tuple[object, ...], CodeType] = {}

    def compile_once(
        self: jinja2.Environment,
        source: Any,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        if not isinstance(source, str) or raw:  # a parsed template, or Python source wanted
            return original(self, source, name, filename, raw, defer_init)
        key = (compile_settings(self), source, name, defer_init)
        if key not in compiled:
            compiled[key] = original(self, source, name, filename, raw, defer_init)
        code = compiled[key]
        named = "<template>" if filename is None else filename  # as Jinja names the code
        return code if code.co_filename == named else with_filename(code, named)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jinja2.Environment, "compile", compile_once)
        yield


@pytest.fixture(scope="session", autouse=True)
def template_config_read_once() -> Iterator[None]:
    """Renders in this process parse each copier.yml text once: Copier parses it again for each
    template it reads, up to five for an update, a fortieth of a second each. Each render gets
    its own copy of what was parsed; a copier.yml that includes other files, or one Copier
    refuses, is read as Copier reads it. As with `compiled_once`, the tests that run `copier`
    as a command, and the benchmark, read as Copier does on its own."""
    try:
        module = importlib.import_module("copier._template")
    except ImportError:
        module = None
    if not hasattr(module, "load_template_config"):  # another Copier
        yield
        return
    original = module.load_template_config
    parsed: dict[bytes, dict[str, Any]] = {}

    def load_once(conf_path: Path, quiet: bool = False) -> dict[str, Any]:
        text = Path(conf_path).read_bytes()
        if b"!include" in text:  # what it includes is read from other files
            return original(conf_path, quiet)
        if text not in parsed:
            parsed[text] = original(conf_path, quiet)
        return copy.deepcopy(parsed[text])

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(module, "load_template_config", load_once)
        yield
