"""The plan: every setting planned from what was read (hardened_release.settings.state), by
pure functions, one module per kind of setting. No call to GitHub is made here."""

from __future__ import annotations

from collections.abc import Callable

from hardened_release.settings.actions import plan_actions, plan_token
from hardened_release.settings.changes import Options, Setting
from hardened_release.settings.environments import plan_environment
from hardened_release.settings.repository import (
    plan_immutable_releases,
    plan_secret_scanning,
    plan_vulnerability_reporting,
)
from hardened_release.settings.rulesets import plan_ruleset
from hardened_release.settings.state import State

PLANNERS: list[Callable[[State, Options], Setting]] = [
    lambda state, options: plan_ruleset(state, "tag", options),
    lambda state, options: plan_ruleset(state, "branch", options),
    plan_actions,
    plan_token,
    plan_immutable_releases,
    plan_vulnerability_reporting,
    plan_secret_scanning,
]


def plan(state: State, options: Options) -> list[Setting]:
    """Every setting's plan, environments first."""
    settings = [plan_environment(state, name, options) for name in state.values.environments]
    return settings + [planner(state, options) for planner in PLANNERS]
