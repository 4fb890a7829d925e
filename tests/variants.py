"""The answer sets the tests render, as data: a covering array over the answers that shape the
workflows, in which every pair of values of any two of them appears together at least once,
plus special answer sets for the other questions and for the tests that run a build tool."""

from __future__ import annotations

import itertools
from typing import Any

#: Answers every render needs; the rest are the template's defaults.
REQUIRED = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}

#: The questions that shape the rendered workflows, with every value each can take.
FACTORS: dict[str, tuple[Any, ...]] = {
    "release_trigger": ("release", "workflow_dispatch", "tag"),
    "build_tool": ("build", "uv", "cibuildwheel"),
    "zizmor": ("all", "release", "own"),
    "testpypi": (False, True),
    "github_attestations": (False, True),
    "preflight": (False, True),
}


def pairs_of(row: dict[str, Any]) -> set[tuple[tuple[str, Any], tuple[str, Any]]]:
    return set(itertools.combinations(sorted(row.items(), key=str), 2))


def covering_array(factors: dict[str, tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Rows that together hold every pair of values of any two factors: greedily, the row of the
    full cross that covers the most pairs not yet covered, until none is left."""
    candidates = [
        dict(zip(factors, values, strict=True)) for values in itertools.product(*factors.values())
    ]
    uncovered = set().union(*(pairs_of(row) for row in candidates))
    rows = []
    while uncovered:
        best = max(candidates, key=lambda row: len(pairs_of(row) & uncovered))
        rows.append(best)
        uncovered -= pairs_of(best)
    return rows


def _name(row: dict[str, Any]) -> str:
    flags = "".join(
        letter for letter, key in zip("tap", list(FACTORS)[3:], strict=True) if row[key]
    )
    return f"{row['release_trigger']}-{row['build_tool']}-zizmor-{row['zizmor']}-{flags or 'none'}"


def _variants() -> dict[str, dict[str, object]]:
    variants: dict[str, dict[str, object]] = {"default": {}}
    variants.update({_name(row): row for row in covering_array(FACTORS)})
    # Each trigger with each tool that builds in one job (and cibuildwheel), without staging or
    # attestations, for the tests that run the build job's steps.
    for trigger, tool in [*itertools.product(FACTORS["release_trigger"], ("build", "uv")),
                          ("release", "cibuildwheel")]:  # fmt: skip
        variants[f"{trigger}-{tool}-testpypi0-attest0"] = {
            "release_trigger": trigger,
            "build_tool": tool,
            "testpypi": False,
            "github_attestations": False,
            "check_wheel_contents": tool == "uv",  # run for real by tests/test_build_steps.py
        }
    # The other questions, each value at least once.
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
        "github_release": "draft",
        "check_wheel_contents": True,
    }
    variants["solo-bare-tags"] = {
        "release_team": "@alice",
        "tag_pattern": "[0-9]*",
        "release_trigger": "tag",
        "releasing_doc": ".github/RELEASING.md",
        "github_release": "published",
    }
    variants["cibuildwheel-tag-release-unattested"] = {
        "build_tool": "cibuildwheel",
        "release_trigger": "tag",
        "github_release": "draft",
        "github_attestations": False,
        "testpypi": True,
    }
    return {name: {**REQUIRED, **answers} for name, answers in variants.items()}


VARIANTS = _variants()
