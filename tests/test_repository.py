"""The template repository keeps the habits it preaches: its own files pass the same checks."""

from __future__ import annotations

import re
import tomllib

import yaml

from helpers import ROOT, pin_source, pins_in
from test_lint import YAMLLINT_CONFIG, check, tool


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


def test_own_workflows_use_the_pin_source() -> None:
    source = pin_source()
    for workflow in (ROOT / ".github" / "workflows").glob("*.yml"):
        for action, ref, comment in pins_in(workflow):
            assert (ref, comment) == source[action], f"{workflow.name}: {action}"


def test_dependabot_watches_the_pin_source() -> None:
    config = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    actions = next(u for u in config["updates"] if u["package-ecosystem"] == "github-actions")
    assert "/pins" in actions["directories"]
    assert actions["cooldown"]["default-days"] >= 7


def test_pre_commit_tools_match_the_test_pins() -> None:
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    pinned = dict(
        re.match(r"([\w.-]+)==([\w.]+)", spec).groups()
        for group in groups.values()
        for spec in group
        if isinstance(spec, str) and "==" in spec
    )
    hooks = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())["repos"][0]["hooks"]
    for hook in hooks:
        for requirement in hook.get("additional_dependencies", []):
            name, version = requirement.split("==")
            if name in pinned:
                assert version == pinned[name], f"{hook['id']}: {requirement} vs {pinned[name]}"
