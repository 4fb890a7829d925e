"""One table of environment states, as GitHub answers GET environment and its deployment
branch policies, and whether each is a protected environment for a release tagged `v*`.

The settings command's check (hardened_release.settings.protection) and the release
workflow's preflight step (includes/preflight.jinja, run for real against tests/fake_gh.py)
are both held to it: one definition of a protected environment, in two places.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_gh import environment as github_environment
from github_rest import sample

Json = dict[str, Any]
PATTERN = "v*"
REPOSITORY = "octo-org/sample"
#: The actors GitHub knows in these states: a team, and three users.
ACTORS = {
    "Team:100": sample("team", id=100, slug="release-team", name="release-team"),
    **{
        f"User:{number}": sample("simple-user", login=login, id=number, type="User")
        for number, login in ((101, "alice"), (102, "bob"))
    },
}
TEAM, ALICE, BOB = (
    {"type": "Team", "id": 100},
    {"type": "User", "id": 101},
    {"type": "User", "id": 102},
)
CUSTOM = {"protected_branches": False, "custom_branch_policies": True}


def tag(name: str, number: int = 11) -> Json:
    return {"id": number, "node_id": f"DBP_{number}", "name": name, "type": "tag"}


def branch(name: str, number: int = 12) -> Json:
    return {"id": number, "node_id": f"DBP_{number}", "name": name, "type": "branch"}


@dataclass(frozen=True)
class EnvironmentState:
    """An environment as GitHub has it: the body it was last PUT with (None: it does not
    exist), its deployment rules, whether the repository is private, and the verdict."""

    body: Json | None
    rules: tuple[Json, ...]
    protected: bool
    private: bool = False

    def response(self, name: str) -> Json | None:
        """GitHub's answer to GET environment."""
        if self.body is None:
            return None
        made = github_environment({"actors": ACTORS, "repository": REPOSITORY}, name, self.body)
        assert made is not None
        return made


def body(**changes: Any) -> Json:
    """A protected environment's PUT body, with `changes` (None removes a key)."""
    made = {
        "reviewers": [TEAM],
        "prevent_self_review": True,
        "can_admins_bypass": False,
        "deployment_branch_policy": CUSTOM,
        **changes,
    }
    return {key: value for key, value in made.items() if value is not None}


STATES: dict[str, EnvironmentState] = {
    "a team reviews, only release tags deploy": EnvironmentState(body(), (tag(PATTERN),), True),
    "two users review, neither their own": EnvironmentState(
        body(reviewers=[ALICE, BOB]), (tag(PATTERN),), True
    ),
    "administrators may bypass (a warning)": EnvironmentState(
        body(can_admins_bypass=True), (tag(PATTERN),), True
    ),
    "a branch may deploy too (a warning)": EnvironmentState(
        body(), (tag(PATTERN), branch("main")), True
    ),
    "the solo profile: one user approves their own": EnvironmentState(
        body(reviewers=[ALICE], prevent_self_review=False, wait_timer=60), (tag(PATTERN),), True
    ),
    "no environment (404)": EnvironmentState(None, (), False),
    "no required reviewers": EnvironmentState(body(reviewers=None), (tag(PATTERN),), False),
    "private, on a plan without reviewers (a warning)": EnvironmentState(
        body(reviewers=None), (tag(PATTERN),), True, private=True
    ),
    "private, on a plan without reviewers, any tag deploys": EnvironmentState(
        body(reviewers=None), (tag("*"),), False, private=True
    ),
    "a team approves its own runs": EnvironmentState(
        body(prevent_self_review=False), (tag(PATTERN),), False
    ),
    "two users approve their own runs": EnvironmentState(
        body(reviewers=[ALICE, BOB], prevent_self_review=False), (tag(PATTERN),), False
    ),
    "any tag deploys (*)": EnvironmentState(body(), (tag("*"),), False),
    "another tag pattern deploys (deploy-*)": EnvironmentState(body(), (tag("deploy-*"),), False),
    "the release pattern as a branch rule": EnvironmentState(body(), (branch(PATTERN, 13),), False),
    "only branches deploy": EnvironmentState(body(), (branch("main"),), False),
    "protected branches deploy": EnvironmentState(
        body(
            deployment_branch_policy={"protected_branches": True, "custom_branch_policies": False}
        ),
        (),
        False,
    ),
    "any ref deploys (no deployment policy)": EnvironmentState(
        body(deployment_branch_policy=None), (), False
    ),
}
