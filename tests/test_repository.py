"""The template repository keeps the habits it preaches: its own files pass the same checks."""

from __future__ import annotations

import json
import re
from importlib import metadata
from pathlib import Path

import forked_pytest
import pytest
import yaml

from helpers import (
    PIN_SOURCE,
    ROOT,
    group_pins,
    moved_pin,
    pin_source,
    pins_in,
    release,
    render,
    repository_files,
    workflows_of,
)
from test_lint import YAMLLINT_CONFIG, check, tool
from variants import REQUIRED

SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+\.\d+\.\d+")


def test_own_workflows_and_pin_source_pass_zizmor() -> None:
    for persona in ("pedantic", "auditor"):
        output = check(
            tool("zizmor"), "--offline", f"--persona={persona}", ".github", "pins", cwd=ROOT
        )
        assert "No findings to report" in output


def test_own_files_pass_the_schemas_actionlint_and_yamllint() -> None:
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-workflows",
        *workflows,
        cwd=ROOT,
    )
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.github-actions",
        ROOT / "pins" / "action.yml",
        cwd=ROOT,
    )
    check(
        tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.dependabot",
        ROOT / ".github" / "dependabot.yml",
        cwd=ROOT,
    )
    check(tool("actionlint"), "-shellcheck", tool("shellcheck"), *workflows, cwd=ROOT)
    check(
        tool("yamllint"),
        "--strict",
        "-c",
        YAMLLINT_CONFIG,
        ".github",
        "pins",
        "copier.yml",
        ".pre-commit-config.yaml",
        "tests/yamllint.yml",
        cwd=ROOT,
    )


@pytest.mark.dependabot
def test_pin_source_is_consistent() -> None:
    """pins/action.yml: one SHA-pinned, version-commented line per action; pins/inputs.json:
    the inputs of each pinned action, as read from one of its releases (review_pins.py)."""
    pins = pins_in(PIN_SOURCE)
    actions = [action for action, _, _ in pins]
    assert actions and len(actions) == len(set(actions)), "an action is pinned twice"
    for action, ref, comment in pins:
        assert SHA.fullmatch(ref), f"{action}: {ref} is not a 40-hex commit SHA"
        assert comment and VERSION_COMMENT.fullmatch(comment), f"{action}: comment {comment!r}"
    # Every `uses:` line is one that includes/pins.jinja reads.
    lines = PIN_SOURCE.read_text().splitlines()
    assert sum("uses:" in line.split("#")[0] for line in lines) == len(pins)

    # Keyed by action, not by release: a Dependabot bump passes, and the template may pass
    # only inputs the recorded release declares (test_invariants). Review reads the new ones.
    recorded = json.loads((ROOT / "pins" / "inputs.json").read_text())
    assert set(recorded) == set(actions), "python scripts/review_pins.py records them"
    for action, entry in recorded.items():
        assert set(entry) == {"version", "inputs"}, action
        assert VERSION_COMMENT.fullmatch(entry["version"]), action
        assert entry["inputs"] == sorted(set(entry["inputs"])), f"{action}: sorted, unique"


@pytest.mark.dependabot
def test_own_workflows_use_the_pin_source() -> None:
    source = pin_source()
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        for action, ref, comment in pins_in(workflow):
            assert (ref, comment) == source[action], f"{workflow.name}: {action}"


@pytest.mark.dependabot
def test_dependabot_moves_actions_and_tools_together() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    updates = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(updates) == {"github-actions", "pip"}
    assert set(updates["github-actions"]["directories"]) == {"/", "/pins"}
    for update in updates.values():
        assert update["multi-ecosystem-group"] in config["multi-ecosystem-groups"]
        assert update["patterns"] == ["*"]
        assert update["cooldown"]["default-days"] >= 7


@pytest.mark.dependabot
def test_cibuildwheel_is_the_pinned_actions_release_line() -> None:
    """The tests run the cibuildwheel package for the pinned pypa/cibuildwheel action: the same
    major version, so a bump of either within it passes, and a major bump moves both at once
    (one Dependabot pull request, .github/dependabot.yml)."""
    _, action = pin_source()["pypa/cibuildwheel"]
    package = group_pins("test")["cibuildwheel"]
    assert release(package)[0] == release(action)[0], f"cibuildwheel=={package}, action {action}"


@pytest.mark.dependabot
def test_pre_commit_runs_the_pinned_tools() -> None:
    """Every hook is built into pre-commit or runs, from .venv, a tool that pyproject.toml pins:
    the version a Dependabot bump sets is the one pre-commit runs, with no second pin."""
    bins = {}
    for distribution in metadata.distributions():
        for file in distribution.files or []:
            if file.parent.name == "bin":
                bins[file.name] = distribution.metadata["Name"].lower()
    pinned = group_pins("dev")
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert {repo["repo"] for repo in config["repos"]} == {"local"}, "nothing cloned"
    assert {hook["language"] for hook in hooks} == {"pygrep", "unsupported"}
    for hook in (hook for hook in hooks if hook["language"] == "unsupported"):
        program = hook["entry"].split()[0]
        assert program.startswith(".venv/bin/"), hook["id"]
        assert bins.get(program.removeprefix(".venv/bin/")) in pinned, hook["id"]


def next_release(version: str, major: bool = False) -> str:
    numbers = release(version)
    bumped = (numbers[0] + 1, 0, 0) if major else (numbers[0], numbers[1] + 1, 0)
    return ("v" if version.startswith("v") else "") + ".".join(map(str, bumped))


def bump_action(repo: Path, action: str, major: bool = False) -> None:
    """The github-actions part of a Dependabot pull request: the pin's SHA and version comment
    in pins/action.yml and wherever this repository's workflows use the action."""
    sha, version = pin_source()[action]
    new_sha, new_version = sha[::-1], next_release(version, major)
    for path in [repo / "pins" / "action.yml", *(repo / ".github" / "workflows").glob("*.yml")]:
        if f"uses: {action}@" in (text := path.read_text()):
            path.write_text(moved_pin(text, action, new_sha, new_version))


def bump_tool(repo: Path, name: str, major: bool = False) -> None:
    """The pip part: each `name==version` requirement in pyproject.toml, wherever it appears."""
    pyproject = repo / "pyproject.toml"
    old = group_pins()[name]
    text = pyproject.read_text().replace(
        f'"{name}=={old}"', f'"{name}=={next_release(old, major)}"'
    )
    assert text != pyproject.read_text()
    pyproject.write_text(text)


# Each kind of pull request that .github/dependabot.yml lets Dependabot open here.
BUMPS = {
    "an action within its major version": lambda repo: bump_action(repo, "actions/checkout"),
    "an action across a major version": lambda repo: bump_action(repo, "actions/attest", True),
    "the test tools": lambda repo: [bump_tool(repo, name) for name in ("copier", "pytest", "ruff")],
    "the cibuildwheel action with its package": lambda repo: (
        bump_action(repo, "pypa/cibuildwheel", True),
        bump_tool(repo, "cibuildwheel", True),
    ),
}


@pytest.mark.parametrize("bump", BUMPS)
def test_a_dependabot_pull_request_passes_unedited(tmp_path: Path, bump: str) -> None:
    """A copy of this repository, bumped as Dependabot would, passes its own consistency checks
    (the tests marked `dependabot`) and renders the new pins, with no file edited by hand."""
    repo = repository_files(tmp_path / "repository")
    BUMPS[bump](repo)
    # Only the modules that mark tests `dependabot` are collected: collecting every module
    # would take twice as long as running the checks.
    marked = [
        str(path.relative_to(repo))
        for path in sorted((repo / "tests").glob("test_*.py"))
        if "mark.dependabot" in path.read_text()
    ]
    # `python -m pytest` in the copy, from a Python that has the environment's packages
    # imported already (tests/forked_pytest.py).
    code, output = forked_pytest.run(
        repo, "-q", "-n", "0", "-p", "no:cacheprovider", "-m", "dependabot", *marked
    )
    assert code == 0, output
    passed = re.search(r"(\d+) passed", output)
    assert passed and int(passed[1]) >= 7 and "skipped" not in output, output

    project = tmp_path / "project"
    render(project, REQUIRED, template=repo)
    source = {action: (ref, comment) for action, ref, comment in pins_in(repo / "pins/action.yml")}
    for workflow in workflows_of(project):
        for action, ref, comment in pins_in(project / workflow):
            assert (ref, comment) == source[action], action
    moved = (repo / "pins" / "action.yml").read_text() != PIN_SOURCE.read_text()
    assert moved == (bump != "the test tools")
