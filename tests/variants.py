"""The answer sets the tests render: a variant matrix kept as data."""

from __future__ import annotations

import itertools

#: Answers every render needs; the rest are the template's defaults.
REQUIRED = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}

TRIGGERS = ("release", "workflow_dispatch", "tag")
BUILD_TOOLS = ("build", "uv", "cibuildwheel")


def _variants() -> dict[str, dict[str, object]]:
    variants: dict[str, dict[str, object]] = {"default": {}}
    # Every trigger and build tool in full, crossed pairwise with the boolean choices.
    flags = itertools.cycle(itertools.product((False, True), repeat=2))
    for trigger, tool in itertools.product(TRIGGERS, BUILD_TOOLS):
        for _ in range(4):
            testpypi, attestations = next(flags)
            name = f"{trigger}-{tool}-testpypi{int(testpypi)}-attest{int(attestations)}"
            variants[name] = {
                "release_trigger": trigger,
                "build_tool": tool,
                "testpypi": testpypi,
                "github_attestations": attestations,
            }
    # The other choices, each value at least once.
    variants["daily-no-cooldown-no-preflight"] = {
        "zizmor": "own",
        "dependabot_interval": "daily",
        "dependabot_cooldown_days": 0,
        "preflight": False,
    }
    variants["monthly-long-cooldown-team"] = {
        "dependabot_interval": "monthly",
        "dependabot_cooldown_days": 90,
        "release_team": "@octo-org/release-team @alice",
        "pypi_environment": "release",
        "tag_pattern": "release-*",
        "releasing_doc": "docs/releasing.md",
        "release_workflow": "publish.yml",
        "zizmor": "release",
    }
    variants["one-day-cooldown-custom-envs"] = {
        "dependabot_cooldown_days": 1,
        "testpypi": True,
        "testpypi_environment": "staging",
        "pypi_environment": "production",
        "release_trigger": "workflow_dispatch",
        "tag_pattern": "pkg-v*.*",
    }
    return {name: {**REQUIRED, **answers} for name, answers in variants.items()}


VARIANTS = _variants()
