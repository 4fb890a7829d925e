"""Reading GitHub once: every setting the plan depends on, before anything is planned.

What GitHub refuses to show is kept as `Unreadable` with GitHub's words, so that the plan can
say so and the run fails closed; a rate limit stops the run at once (`RateLimited`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hardened_release.settings.answers import Values
from hardened_release.settings.github import GitHub, GitHubError, RateLimited
from hardened_release.settings.local import Workflows, codeowners_cover_github, read_workflows

Json = dict[str, Any]
T = TypeVar("T")
#: The names of the rulesets the settings keep, and the zizmor workflow's file.
TAG_RULESET = "Release tags"
BRANCH_RULESET = "Default branch"
ZIZMOR_WORKFLOW = "zizmor.yml"

EXIT_ADMIN, EXIT_TEAM, EXIT_ORGANISATION = 4, 5, 6


class SettingsError(Exception):
    """A problem for the person running the command to fix; `code` is the exit status."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Unreadable:
    """A setting GitHub did not show: its words, and its HTTP status."""

    error: str
    status: int = 0


@dataclass
class Repository:
    """What the plan depends on, read once up front (None offline: not known)."""

    admin: bool | None = None
    private: bool | None = None
    organisation: bool | None = None
    security: Json = field(default_factory=dict)  # security_and_analysis, for admins
    plan: str | None = None  # the owner's plan ("free", "pro", "team", ...), when GitHub says

    def lacks(self, feature: str) -> str:
        """Why this private repository's plan has no `feature`, or "" when it may have it."""
        if not self.private or self.plan is None:
            return ""
        plan = f"GitHub {self.plan.replace('_', ' ').title()}"
        if feature == "protection" and self.plan == "free":
            return f"a private repository needs GitHub Pro, Team or Enterprise for it ({plan})"
        if feature == "reviewers" and "enterprise" not in self.plan:
            return f"a private repository needs GitHub Enterprise for them ({plan})"
        return ""


@dataclass
class Actor:
    """A release-team member as GitHub names it: a "User" or a "Team", and its id."""

    handle: str
    kind: str
    id: int | str  # offline, a placeholder


@dataclass
class Environment:
    """An environment as GitHub has it (None: it does not exist), and its deployment rules
    (None where any ref may deploy or its policy is not custom)."""

    environment: Json | None
    rules: list[Json] | None


@dataclass
class State:
    """Everything read from GitHub and the checkout. Offline, `live` is false and every
    setting reads as unset."""

    values: Values
    live: bool
    repository: Repository
    team: list[Actor]
    workflows: Workflows
    codeowners: bool = False
    environments: dict[str, Environment | Unreadable] = field(default_factory=dict)
    rulesets: dict[str, tuple[int, Json] | None] | Unreadable = field(default_factory=dict)
    actions: Json | Unreadable = field(default_factory=dict)  # permissions, and selected
    token: Json | Unreadable = field(default_factory=dict)
    immutable: bool | Unreadable = False
    vulnerability: bool | Unreadable = False
    zizmor_on_github: bool | Unreadable = False
    #: handle -> the access of the release team's members to the repository ("admin",
    #: "write", "read", "none"; a team: "some" or "none").
    access: dict[str, str | Unreadable] = field(default_factory=dict)


def attempt(read: Callable[[], T]) -> T | Unreadable:
    """`read()`, or what GitHub said instead; a rate limit stops everything."""
    try:
        return read()
    except RateLimited:
        raise
    except GitHubError as error:
        return Unreadable(str(error), error.status)


def read_repository(github: GitHub, values: Values) -> Repository:
    if not github.live:
        return Repository()
    repository = values.repository
    try:
        found = github.get(f"repos/{repository}")
    except RateLimited:
        raise
    except GitHubError as error:
        if error.status == 404:
            message = (
                f"{repository} is not found on GitHub, or you cannot see it (check "
                "github_repository in the answers file, and `gh auth status`)."
            )
            raise SettingsError(message, EXIT_ADMIN) from None
        raise  # not "not found": a SAML session, a server error; said as GitHub said it
    if not isinstance(found, dict) or not isinstance(found.get("owner"), dict):
        raise GitHubError(f"GET repos/{repository}: an answer without the repository's owner")
    state = Repository(
        admin=bool((found.get("permissions") or {}).get("admin")),
        private=bool(found.get("private")),
        organisation=found["owner"].get("type") == "Organization",
        security=found.get("security_and_analysis") or {},
    )
    if state.private:  # what the owner's plan offers: GitHub shows it to the owners
        owner = found["owner"].get("login", "")
        path = f"orgs/{owner}" if state.organisation else "user"
        account = attempt(lambda: github.get(path))
        if isinstance(account, dict):
            mine = state.organisation or account.get("login", "").lower() == owner.lower()
            if mine and isinstance(account.get("plan"), dict):
                state.plan = str(account["plan"].get("name", "")).lower() or None
    return state


def read_team(github: GitHub, values: Values, repository: Repository) -> list[Actor]:
    """The release team as GitHub actors, with their ids looked up (placeholders offline)."""
    actors = []
    for handle in values.release_team:
        name, _, slug = handle[1:].partition("/")
        kind = "Team" if slug else "User"
        if kind == "Team" and repository.organisation is False:
            message = (
                f"{values.repository} belongs to the personal account {name}, and only "
                f"organisations have teams ({handle}): name users (@user) in release_team "
                "instead, or move the repository to an organisation."
            )
            raise SettingsError(message, EXIT_ORGANISATION)
        if not github.live:
            actors.append(Actor(handle, kind, f"<id of {handle}>"))
            continue
        path = f"orgs/{name}/teams/{slug.lower()}" if slug else f"users/{name}"
        found = github.get(path, missing_ok=True)  # a refusal is a GitHubError: unreadable
        if found is None:
            message = f"{handle} is not on GitHub (GET {path}: HTTP 404): correct release_team."
            if slug:
                message += " A secret team, or one you cannot see, is not found either."
            raise SettingsError(message, EXIT_TEAM)
        if kind == "User" and found.get("type") != "User":
            message = f"{handle} is an organisation: name one of its teams, @{name}/<team>."
            raise SettingsError(message, EXIT_TEAM)
        actors.append(Actor(handle, kind, found["id"]))
    return actors


def read_environment(github: GitHub, repository: str, name: str) -> Environment:
    path = f"repos/{repository}/environments/{name}"
    environment = github.get(path, missing_ok=True)
    if environment is None:
        return Environment(None, None)
    policy = environment.get("deployment_branch_policy") or {}
    if not policy.get("custom_branch_policies"):
        return Environment(environment, None)
    rules = github.get_all(f"{path}/deployment-branch-policies", key="branch_policies")
    return Environment(environment, rules)


def read_rulesets(github: GitHub, repository: str) -> dict[str, tuple[int, Json] | None]:
    """The two rulesets by name: (id, ruleset), or None where there is none of that name."""
    path = f"repos/{repository}/rulesets"
    listed = github.get_all(f"{path}?includes_parents=false")
    found: dict[str, tuple[int, Json] | None] = {}
    for name in (TAG_RULESET, BRANCH_RULESET):
        ids = [ruleset["id"] for ruleset in listed if ruleset.get("name") == name]
        if ids:
            found[name] = (ids[0], github.get(f"{path}/{ids[0]}?includes_parents=false"))
        else:
            found[name] = None
    return found


def read_actions(github: GitHub, repository: str) -> Json:
    path = f"repos/{repository}/actions/permissions"
    permissions = github.get(path) or {}
    selected = None
    if permissions.get("allowed_actions") == "selected":
        selected = github.get(f"{path}/selected-actions")
    return {"permissions": permissions, "selected": selected or {}}


def read_access(github: GitHub, values: Values, actor: Actor) -> str:
    """A release-team member's access to the repository."""
    if actor.kind == "User":
        login = actor.handle[1:]
        found = github.get(f"repos/{values.repository}/collaborators/{login}/permission")
        return str((found or {}).get("permission", "none"))
    org, _, slug = actor.handle[1:].partition("/")
    path = f"orgs/{org}/teams/{slug.lower()}/repos/{values.repository}"
    try:
        github.get(path)
    except GitHubError as error:
        if error.status == 404 and not isinstance(error, RateLimited):
            return "none"
        raise
    return "some"


def enabled(github: GitHub, path: str) -> bool:
    """A repository feature's switch; GitHub answers 404 for immutable releases turned off."""
    return bool((github.get(path, missing_ok=True) or {}).get("enabled"))


def read_state(github: GitHub, values: Values) -> State:
    """Read GitHub (once) and the checkout: everything the plan needs."""
    repository = read_repository(github, values)
    team = read_team(github, values, repository)
    state = State(
        values=values,
        live=github.live,
        repository=repository,
        team=team,
        workflows=read_workflows(values.root, values.owner),
        codeowners=codeowners_cover_github(values.root),
    )
    if not github.live:
        state.zizmor_on_github = (values.root / ".github/workflows" / ZIZMOR_WORKFLOW).is_file()
        return state
    repo = values.repository
    for name in values.environments:
        state.environments[name] = attempt(lambda name=name: read_environment(github, repo, name))
    state.rulesets = attempt(lambda: read_rulesets(github, repo))
    state.actions = attempt(lambda: read_actions(github, repo))
    state.token = attempt(lambda: github.get(f"repos/{repo}/actions/permissions/workflow") or {})
    state.immutable = attempt(lambda: enabled(github, f"repos/{repo}/immutable-releases"))
    if not repository.private:  # a feature of public repositories
        path = f"repos/{repo}/private-vulnerability-reporting"
        state.vulnerability = attempt(lambda: enabled(github, path))
    if (values.root / ".github/workflows" / ZIZMOR_WORKFLOW).is_file():
        path = f"repos/{repo}/actions/workflows/{ZIZMOR_WORKFLOW}"
        state.zizmor_on_github = attempt(lambda: github.get(path, missing_ok=True) is not None)
    for actor in team:
        state.access[actor.handle] = attempt(lambda actor=actor: read_access(github, values, actor))
    return state
