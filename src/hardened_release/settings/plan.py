"""The plan: for each setting, from what was read (hardened_release.settings.state), what
--apply adds, changes, keeps or cannot do, as typed items, and the calls that make it.

Pure functions of the state: no call to GitHub here. Nothing is removed or weakened without
--prune, but for a loosening the release itself needs, which is marked as one with its reason.
"""

from __future__ import annotations

import enum
import fnmatch
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hardened_release.settings.answers import MAX_REVIEWERS
from hardened_release.settings.protection import one_person_reviews
from hardened_release.settings.state import (
    BRANCH_RULESET,
    TAG_RULESET,
    ZIZMOR_WORKFLOW,
    Actor,
    Environment,
    State,
    Unreadable,
)

Json = dict[str, Any]
REQUIRED_APPROVALS = 1  # approvals a pull request to the default branch needs
COOLING_OFF_MINUTES = 60  # a team of one: minutes from the job's start to the upload
# GitHub's numbers: the repository administrators' role in rulesets, the GitHub Actions app.
ADMIN_ROLE = 5
GITHUB_ACTIONS_APP = 15368


class Mark(enum.Enum):
    """What the plan does with one control of a setting; the value is its sign in the plan."""

    ADD = "+"  # added
    CHANGE = "~"  # made stricter
    LOOSEN = "<"  # loosened, as the release needs it (the text says why)
    KEEP = "="  # already as recommended
    EXTRA = "!"  # the repository's own, beyond the release's needs: kept unless --prune
    REMOVE = "-"  # removed (--prune)
    BLOCKED = "x"  # not set until something else changes first (the text says what)
    NOT_OFFERED = "?"  # not offered on this repository's plan
    UNREADABLE = "E"  # GitHub did not show it

    @property
    def changes(self) -> bool:
        return self in (Mark.ADD, Mark.CHANGE, Mark.LOOSEN, Mark.REMOVE)


@dataclass(frozen=True)
class Item:
    mark: Mark
    text: str
    detail: tuple[str, ...] = ()  # lines under it: the files or jobs it is about


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: Json | None = None


@dataclass
class Setting:
    """One setting: its items, the calls that apply it, and the calls that restore what was
    read when one of its later calls is refused (all or nothing)."""

    name: str
    items: list[Item] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    restore: list[Call] = field(default_factory=list)

    def add(self, mark: Mark, text: str, detail: list[str] | tuple[str, ...] = ()) -> None:
        self.items.append(Item(mark, text, tuple(detail)))

    @property
    def changes(self) -> bool:
        return any(item.mark.changes for item in self.items)


@dataclass(frozen=True)
class Options:
    prune: bool = False
    signed_commits: bool = False


def keep_or_prune(setting: Setting, options: Options, text: str, why: str = "") -> bool:
    """Something the repository has beyond the release's needs: removed with --prune (True),
    otherwise kept and shown as what --prune would remove (False)."""
    if options.prune:
        setting.add(Mark.REMOVE, text + why)
        return True
    setting.add(Mark.EXTRA, text + why)
    return False


def mark(now: Any, wanted: Any) -> Mark:
    return (
        Mark.KEEP if now == wanted else (Mark.ADD if now in (None, False, 0, []) else Mark.CHANGE)
    )


def unreadable(setting: Setting, found: Unreadable, private: bool | None) -> Setting:
    said = found.error
    if found.status in (403, 404) and private:
        said += " (on a private repository this needs a paid plan, and admin rights)"
    elif found.status in (403, 404):
        said += " (it needs admin rights)"
    setting.add(Mark.UNREADABLE, f"could not be read: {said}")
    return setting


def reviewer_handle(state: State, reviewer: Json) -> str:
    """A required reviewer as a handle: @user or @org/team."""
    found = reviewer.get("reviewer") or {}
    if reviewer.get("type") == "Team":
        return f"@{state.values.owner}/{found.get('slug', found.get('id'))}"
    return f"@{found.get('login', found.get('id'))}"


# --- The environments ---------------------------------------------------------------------


def environment_body(current: Json | None) -> Json:
    """The PUT body that gives an environment back what GitHub showed of it."""
    protection = {rule["type"]: rule for rule in (current or {}).get("protection_rules") or []}
    review = protection.get("required_reviewers") or {}
    body: Json = {
        "wait_timer": (protection.get("wait_timer") or {}).get("wait_timer", 0),
        "reviewers": [
            {"type": r["type"], "id": r["reviewer"]["id"]} for r in review.get("reviewers") or []
        ],
        "can_admins_bypass": (current or {}).get("can_admins_bypass", True),
        "deployment_branch_policy": (current or {}).get("deployment_branch_policy"),
    }
    if body["reviewers"]:
        body["prevent_self_review"] = bool(review.get("prevent_self_review"))
    return body


def plan_environment(state: State, name: str, options: Options) -> Setting:
    values = state.values
    setting = Setting(f"environment {name}")
    found = state.environments.get(name, Environment(None, None))
    if isinstance(found, Unreadable):
        return unreadable(setting, found, state.repository.private)
    path = f"repos/{values.repository}/environments/{name}"
    lacking = state.repository.lacks("protection")
    if lacking:
        setting.add(Mark.NOT_OFFERED, f"deployment rules: {lacking}")
        return setting
    current, rules = found.environment, found.rules
    if current is None:
        setting.add(Mark.ADD, "the environment, which does not exist yet")
    was = environment_body(current)
    now = was["reviewers"]
    review = next(
        (
            r
            for r in (current or {}).get("protection_rules") or []
            if r["type"] == "required_reviewers"
        ),
        {},
    )
    handles = {
        (r["type"], r["reviewer"]["id"]): reviewer_handle(state, r)
        for r in review.get("reviewers") or []
    }
    team = [actor for actor in state.team if reviewable(state, setting, actor)]
    wanted = [{"type": actor.kind, "id": actor.id} for actor in team]
    lacking = "" if now else state.repository.lacks("reviewers")
    if lacking:
        setting.add(Mark.NOT_OFFERED, f"required reviewers and a wait timer: {lacking}")
        wanted = []
    reviewers = list(wanted)
    for actor in team if wanted else []:
        known = {"type": actor.kind, "id": actor.id} in now
        setting.add(Mark.KEEP if known else Mark.ADD, f"required reviewer {actor.handle}")
    for reviewer in now:
        if reviewer in wanted:
            continue
        handle = handles[(reviewer["type"], reviewer["id"])]
        if not values.release_team:
            setting.add(Mark.KEEP, f"required reviewer {handle}")
            reviewers.append(reviewer)
        elif not keep_or_prune(
            setting, options, f"required reviewer {handle}", ", not in the release team"
        ):
            reviewers.append(reviewer)
    if not reviewers and not lacking:
        setting.add(
            Mark.BLOCKED,
            "no required reviewers: anyone who can run the release workflow can publish. Name "
            f"the release team (release_team, see {values.releasing_doc}), then --apply.",
        )
    if len(reviewers) > MAX_REVIEWERS:
        setting.add(
            Mark.BLOCKED,
            f"{len(reviewers)} required reviewers, more than GitHub's {MAX_REVIEWERS}: the "
            "environment is left as it is; --prune keeps the release team's alone",
        )
        setting.calls = []
        return setting
    body: Json = {"reviewers": reviewers}
    if reviewers:
        prevented = bool(review.get("prevent_self_review"))
        single = one_person_reviews(reviewers)
        if not single:
            # Nobody approves a run they started: a release needs two people.
            body["prevent_self_review"] = True
            setting.add(mark(prevented, True), "prevent self-review")
        elif prevented and values.solo:
            body["prevent_self_review"] = False
            setting.add(
                Mark.LOOSEN,
                "self-review allowed: the release team is one person, who could otherwise "
                "approve no release of their own",
            )
        else:
            body["prevent_self_review"] = prevented
            if prevented:
                setting.add(Mark.KEEP, "prevent self-review")
    waited = was["wait_timer"]
    body["wait_timer"] = max(waited, COOLING_OFF_MINUTES) if values.solo and not lacking else waited
    if body["wait_timer"]:
        text = f"wait timer {body['wait_timer']} minutes from the start of the publish job"
        setting.add(mark(waited, body["wait_timer"]), text)
    body["can_admins_bypass"] = False  # administrators wait for the approval too
    bypass = was["can_admins_bypass"]
    setting.add(
        Mark.KEEP if not bypass else Mark.CHANGE, "administrators cannot bypass the reviewers"
    )
    # Only the refs that the deployment rules name (the release tags) reach it.
    body["deployment_branch_policy"] = {"protected_branches": False, "custom_branch_policies": True}
    custom = ((current or {}).get("deployment_branch_policy") or {}).get("custom_branch_policies")
    setting.add(Mark.KEEP if custom else Mark.CHANGE, "deployments only from the refs of its rules")
    changed = setting.changes
    calls = [Call("PUT", path, body)] if changed else []
    tag = {"name": values.tag_pattern, "type": "tag"}
    known = [{"name": rule["name"], "type": rule.get("type")} for rule in (rules or [])]
    if tag in known:
        setting.add(Mark.KEEP, f"deployment tag rule {values.tag_pattern}")
    else:
        setting.add(Mark.ADD, f"deployment tag rule {values.tag_pattern}")
        calls.append(Call("POST", f"{path}/deployment-branch-policies", tag))
    for rule in rules or []:
        if {"name": rule["name"], "type": rule.get("type")} == tag:
            continue
        text = f"deployment {rule.get('type', 'branch')} rule {rule['name']}"
        if keep_or_prune(setting, options, text, ": it may deploy too"):
            calls.append(Call("DELETE", f"{path}/deployment-branch-policies/{rule['id']}"))
    setting.calls = calls
    if current is not None and calls and calls[0].method == "PUT":
        setting.restore = [Call("PUT", path, was)]
    return setting


def reviewable(state: State, setting: Setting, actor: Actor) -> bool:
    """Whether a release-team member can be a required reviewer: GitHub refuses the whole
    environment for one reviewer without access to the repository."""
    access = state.access.get(actor.handle)
    if isinstance(access, Unreadable):
        setting.add(
            Mark.UNREADABLE,
            f"{actor.handle}'s access to the repository could not be read: {access.error}",
        )
        return False
    if access == "none":
        setting.add(
            Mark.BLOCKED,
            f"required reviewer {actor.handle}: no access to {state.values.repository}, so GitHub "
            "would refuse the environment (give them read access, then --apply)",
        )
        return False
    return True


# --- The rulesets -----------------------------------------------------------------------------


def tag_ruleset(state: State) -> Json:
    team = state.team
    bypass = [
        {"actor_id": actor.id, "actor_type": "Team", "bypass_mode": "always"}
        for actor in team
        if actor.kind == "Team"
    ]
    if not team or any(actor.kind == "User" for actor in team):
        # Rulesets name roles, teams and apps, not people: the administrators' role stands
        # for the users of the release team (and for everybody, with no team).
        bypass.append(
            {"actor_id": ADMIN_ROLE, "actor_type": "RepositoryRole", "bypass_mode": "always"}
        )
    return {
        "name": TAG_RULESET,
        "target": "tag",
        "enforcement": "active",
        "bypass_actors": bypass,  # they alone make release tags
        "conditions": {
            "ref_name": {"include": [f"refs/tags/{state.values.tag_pattern}"], "exclude": []}
        },
        "rules": [
            {"type": "creation"},  # nobody else creates a release tag
            {"type": "update"},  # nor moves one to another commit
            {"type": "deletion"},  # nor deletes one
            {"type": "non_fast_forward"},  # nor force-pushes one
        ],
    }


def branch_ruleset(state: State, options: Options) -> Json:
    values = state.values
    rules: list[Json] = [
        {"type": "deletion"},  # the default branch is never deleted
        {"type": "non_fast_forward"},  # nor its history rewritten
    ]
    if options.signed_commits:
        rules.append({"type": "required_signatures"})
    review = {
        "required_approving_review_count": REQUIRED_APPROVALS,
        "dismiss_stale_reviews_on_push": True,  # a new push needs a new approval
        # Changes under .github/ need the owners CODEOWNERS names for it, if any.
        "require_code_owner_review": state.codeowners,
        "require_last_push_approval": not values.solo,  # whoever pushed last does not approve
        "required_review_thread_resolution": False,
    }
    rules.append({"type": "pull_request", "parameters": review})
    if values.zizmor_check and state.zizmor_on_github is True:
        check = {"context": values.zizmor_check, "integration_id": GITHUB_ACTIONS_APP}
        parameters = {
            "required_status_checks": [check],
            "strict_required_status_checks_policy": False,
        }
        rules.append({"type": "required_status_checks", "parameters": parameters})
    # A team of one merges its own pull requests: administrators bypass the review, in pull
    # requests only (no direct pushes).
    bypass = [
        {"actor_id": ADMIN_ROLE, "actor_type": "RepositoryRole", "bypass_mode": "pull_request"}
    ]
    return {
        "name": BRANCH_RULESET,
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": bypass if values.solo else [],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": rules,
    }


def describe(rule: Json) -> str:
    """A ruleset rule in a few words, with what its parameters require."""
    parameters = rule.get("parameters") or {}
    if rule["type"] == "pull_request":
        count = parameters.get("required_approving_review_count", 0)
        words = [f"{count} approving review" + ("s" if count != 1 else "")]
        for key, text in (
            ("require_code_owner_review", "the code owners'"),
            ("dismiss_stale_reviews_on_push", "a new approval after a push"),
            ("require_last_push_approval", "not by whoever pushed last"),
        ):
            words += [text] if parameters.get(key) else []
        return f"pull_request: {', '.join(words)}"
    if rule["type"] == "required_status_checks":
        checks = parameters.get("required_status_checks") or []
        return f"required_status_checks: {', '.join(c['context'] for c in checks)}"
    return rule["type"]


def stricter(now: Any, wanted: Any) -> Any:
    """The stricter of a rule parameter's value and the recommended one."""
    if now is None:
        return wanted
    if isinstance(wanted, bool):
        return bool(now) or wanted
    if isinstance(wanted, int):
        return max(now, wanted)
    if isinstance(wanted, list) and isinstance(now, list):  # required status checks
        contexts = {item.get("context") for item in now if isinstance(item, dict)}
        return now + [item for item in wanted if item.get("context") not in contexts]
    return now


def actor_name(state: State, actor: Json) -> str:
    names = {(a.kind, a.id): a.handle for a in state.team}
    users = [a.handle for a in state.team if a.kind == "User"]
    if users:
        names[("RepositoryRole", ADMIN_ROLE)] = (
            f"repository administrators, for {', '.join(users)} (a ruleset names roles, teams "
            "and apps, not people)"
        )
    kind, number = actor["actor_type"], actor.get("actor_id")
    modes = {"pull_request": " (in pull requests only)", "exempt": " (exempt)"}
    mode = modes.get(actor.get("bypass_mode", "always"), "")
    if (kind, number) in names:
        return names[(kind, number)] + mode
    if kind == "RepositoryRole" and number == ADMIN_ROLE:
        return f"repository administrators{mode}"
    named = {"OrganizationAdmin": "organisation owners", "DeployKey": "deploy keys"}
    kinds = {"Integration": "GitHub App", "RepositoryRole": "repository role"}
    return named.get(kind) or f"{kinds.get(kind, kind.lower())} {number}{mode}"


def plan_ruleset(state: State, target: str, options: Options) -> Setting:
    """A repository ruleset, known by its name: created, or merged into."""
    values = state.values
    desired = tag_ruleset(state) if target == "tag" else branch_ruleset(state, options)
    setting = Setting(f"ruleset {desired['name']}")
    lacking = state.repository.lacks("protection")
    if lacking:
        setting.add(Mark.NOT_OFFERED, f"rulesets: {lacking}")
        return setting
    if isinstance(state.rulesets, Unreadable):
        return unreadable(setting, state.rulesets, state.repository.private)
    if target == "branch" and not values.release_team:
        setting.add(
            Mark.BLOCKED,
            "not set until the release team is named (release_team): a review rule without it "
            "could need an approval nobody else can give",
        )
        return setting
    if target == "branch" and isinstance(state.zizmor_on_github, Unreadable):
        setting.add(
            Mark.UNREADABLE,
            f"whether the zizmor workflow is on GitHub: {state.zizmor_on_github.error}",
        )
    elif target == "branch" and state.zizmor_on_github is not True:
        if values.zizmor_check:
            text = f"required check {values.zizmor_check}: once .github/workflows/{ZIZMOR_WORKFLOW}"
            setting.add(Mark.BLOCKED, f"{text} is on the default branch, --apply adds it")
        else:
            setting.add(Mark.BLOCKED, "required check: make your own zizmor job one by hand")
    if target == "tag":
        blocked = admins_missing(state)
        if blocked:
            setting.add(
                Mark.BLOCKED,
                "the ruleset lets the administrators' role make release tags, but "
                f"{', '.join(blocked)} {'is' if len(blocked) == 1 else 'are'} not an administrator "
                "of the repository and could no longer start a release: make them one, or name "
                "a team in release_team, then --apply",
            )
            return setting
        for tagger in state.workflows.taggers:
            setting.add(
                Mark.BLOCKED,
                f"{tagger} creates or pushes tags: with the default token, the ruleset refuses "
                f"it on tags {values.tag_pattern}. Let a release-team member tag, or add the "
                "GitHub Actions app (integration 15368) as a bypass actor by hand, which lets "
                "every workflow make release tags",
            )
    path = f"repos/{values.repository}/rulesets"
    found = state.rulesets.get(desired["name"]) if state.live else None
    if found is None:
        setting.add(Mark.ADD, "the ruleset, which does not exist yet")
        for actor in desired["bypass_actors"]:
            setting.add(Mark.ADD, f"bypass: {actor_name(state, actor)}")
        for rule in desired["rules"]:
            setting.add(Mark.ADD, f"rule {describe(rule)}")
        setting.calls = [Call("POST", path, desired)]
        return setting
    number, current = found
    merged = merge_ruleset(state, setting, current, desired, options)
    if setting.changes:
        setting.calls = [Call("PUT", f"{path}/{number}", merged)]
    return setting


def admins_missing(state: State) -> list[str]:
    """The release team's users who are not administrators, where the tag ruleset lets only
    the administrators' role (standing for them) make release tags."""
    return [
        actor.handle
        for actor in state.team
        if actor.kind == "User"
        and state.access.get(actor.handle) not in (None, "admin")
        and not isinstance(state.access.get(actor.handle), Unreadable)
    ]


def merge_ruleset(
    state: State, setting: Setting, current: Json, desired: Json, options: Options
) -> Json:
    """The ruleset `current` with what `desired` adds, nothing of it removed or weakened (but
    other bypass actors, with --prune)."""
    enforcement = current.get("enforcement")
    setting.add(Mark.KEEP if enforcement == "active" else Mark.CHANGE, "enforcement active")
    wanted = {(a["actor_type"], a.get("actor_id")) for a in desired["bypass_actors"]}
    actors = []
    for actor in current.get("bypass_actors") or []:
        name = actor_name(state, actor)
        if (actor["actor_type"], actor.get("actor_id")) in wanted:
            setting.add(Mark.KEEP, f"bypass: {name}")
            actors.append(actor)
        elif not keep_or_prune(setting, options, f"bypass: {name}", ", besides the release team"):
            actors.append(actor)
    known = {(a["actor_type"], a.get("actor_id")) for a in actors}
    for actor in desired["bypass_actors"]:
        if (actor["actor_type"], actor.get("actor_id")) not in known:
            setting.add(Mark.ADD, f"bypass: {actor_name(state, actor)}")
            actors.append(actor)
    ref_name = dict((current.get("conditions") or {}).get("ref_name") or {})
    include = list(ref_name.get("include") or [])
    for ref in desired["conditions"]["ref_name"]["include"]:
        setting.add(Mark.KEEP if ref in include else Mark.ADD, f"applies to {ref}")
        include += [] if ref in include else [ref]
    conditions = {**(current.get("conditions") or {})}
    conditions["ref_name"] = {"include": include, "exclude": ref_name.get("exclude") or []}
    for ref in conditions["ref_name"]["exclude"]:
        setting.add(Mark.KEEP, f"except {ref} (kept)")
    rules = [dict(rule) for rule in (current.get("rules") or [])]
    by_type = {rule["type"]: rule for rule in rules}
    for rule in desired["rules"]:
        have = by_type.get(rule["type"])
        if have is None:
            setting.add(Mark.ADD, f"rule {describe(rule)}")
            rules.append(rule)
            continue
        setting.add(Mark.KEEP, f"rule {rule['type']}")
        parameters = dict(have.get("parameters") or {})
        for key, value in (rule.get("parameters") or {}).items():
            now = parameters.get(key)
            parameters[key] = stricter(now, value)
            if parameters[key] != now:
                shown = json.dumps(parameters[key])
                setting.add(
                    Mark.CHANGE if now is not None else Mark.ADD, f"{rule['type']} {key} {shown}"
                )
        if parameters:
            have["parameters"] = parameters
    desired_types = {rule["type"] for rule in desired["rules"]}
    for rule in rules:
        if rule["type"] not in desired_types:
            setting.add(Mark.KEEP, f"rule {rule['type']} (kept)")
    return {
        "name": current["name"],
        "target": current.get("target", desired["target"]),
        "enforcement": "active",
        "bypass_actors": actors,
        "conditions": conditions,
        "rules": rules,
    }


# --- Actions -------------------------------------------------------------------------------


def covered(action: str, patterns: list[str]) -> bool:
    """Whether an allow-list pattern lets `action` (owner/repo[/path]) run at any ref."""
    return any(
        fnmatch.fnmatchcase(f"{action}@0000000", pattern) or fnmatch.fnmatchcase(action, pattern)
        for pattern in patterns
    )


def plan_actions(state: State, options: Options) -> Setting:
    values, workflows = state.values, state.workflows
    setting = Setting("actions permissions")
    if isinstance(state.actions, Unreadable):
        return unreadable(setting, state.actions, state.repository.private)
    if workflows.problems:
        for problem in workflows.problems:
            setting.add(Mark.BLOCKED, f"the workflows could not be read: {problem}")
        return setting
    if f".github/workflows/{values.release_workflow}" not in workflows.found:
        setting.add(
            Mark.BLOCKED,
            f".github/workflows/{values.release_workflow} is not here: run this from the "
            "repository's checkout",
        )
        return setting
    path = f"repos/{values.repository}/actions/permissions"
    current, selected = state.actions.get("permissions") or {}, state.actions.get("selected") or {}
    allowed = current.get("allowed_actions")
    setting.add(Mark.KEEP if current.get("enabled", True) else Mark.ADD, "Actions enabled")
    if allowed == "local_only":
        setting.add(
            Mark.LOOSEN,
            "only listed actions, where only the owner's own ran: the release workflow needs "
            "pypa/gh-action-pypi-publish and the other actions listed below",
        )
    else:
        setting.add(mark(allowed == "selected", True), "only GitHub's and listed actions")
    github_owned = (
        bool(selected.get("github_owned_allowed"))
        if allowed == "selected"
        else allowed != "local_only"
    )
    patterns = sorted(selected.get("patterns_allowed") or []) if allowed == "selected" else []
    if allowed == "selected" or allowed == "local_only":
        needed = sorted(workflows.actions) + (
            [] if github_owned else sorted(workflows.github_actions)
        )
    else:
        needed = sorted(workflows.actions)
    for action in needed:
        pattern = f"{action}@*"
        if covered(action, patterns):
            setting.add(Mark.KEEP, f"allow {pattern}: a workflow uses it")
        else:
            setting.add(Mark.ADD, f"allow {pattern}: a workflow uses it")
            patterns.append(pattern)
    used = {f"{action}@*" for action in needed}
    for pattern in patterns:
        if pattern not in used:
            setting.add(Mark.KEEP, f"allow {pattern} (kept)")
    if github_owned:
        setting.add(Mark.KEEP, "actions made by GitHub allowed")
    verified = bool(selected.get("verified_allowed")) if allowed == "selected" else False
    if verified and keep_or_prune(setting, options, "actions of verified creators allowed"):
        verified = False
    pinned = bool(current.get("sha_pinning_required"))
    if pinned:
        setting.add(Mark.KEEP, "actions pinned to a full commit SHA")
    elif workflows.unpinned:
        setting.add(
            Mark.BLOCKED,
            "actions pinned to a full commit SHA: not required yet, as these `uses:` are not "
            "pinned (pin them, then --apply)",
            workflows.unpinned,
        )
    else:
        setting.add(Mark.ADD, "actions pinned to a full commit SHA")
        pinned = True
    body = {"enabled": True, "allowed_actions": "selected", "sha_pinning_required": pinned}
    allow_list = {
        "github_owned_allowed": github_owned,  # actions/checkout, actions/attest, ...
        "verified_allowed": verified,  # a Marketplace badge is not a review
        "patterns_allowed": sorted(patterns),  # what the workflows use, and more kept
    }
    if setting.changes:
        setting.calls = [
            Call("PUT", path, body),
            Call("PUT", f"{path}/selected-actions", allow_list),
        ]
        if state.live:
            was = {
                key: current[key]
                for key in ("enabled", "allowed_actions", "sha_pinning_required")
                if key in current
            }
            setting.restore = [Call("PUT", path, {"enabled": True, **was})]
    return setting


def plan_token(state: State, options: Options) -> Setting:
    values, workflows = state.values, state.workflows
    setting = Setting("actions default token")
    if isinstance(state.token, Unreadable):
        return unreadable(setting, state.token, state.repository.private)
    current = state.token
    body = {
        "default_workflow_permissions": current.get("default_workflow_permissions", "write"),
        "can_approve_pull_request_reviews": current.get("can_approve_pull_request_reviews", True),
    }
    if body["default_workflow_permissions"] == "read":
        setting.add(Mark.KEEP, "read-only default token")
    elif workflows.writers and not options.prune:
        setting.add(
            Mark.BLOCKED,
            "read-only default token: not set, as these jobs declare no permissions and may "
            "write with it (give each a `permissions:` block, then --apply; or --apply --prune)",
            workflows.writers,
        )
    else:
        setting.add(Mark.CHANGE, "read-only default token: a job gets more only by asking")
        body["default_workflow_permissions"] = "read"
    if not body["can_approve_pull_request_reviews"]:
        setting.add(Mark.KEEP, "workflows cannot create or approve pull requests")
    elif workflows.pull_requests:
        setting.add(
            Mark.BLOCKED,
            "workflows may create and approve pull requests: kept, as these jobs open pull "
            "requests, and turning it off stops them where they use the default token (give "
            "them a GitHub App's token, then turn it off by hand)",
            workflows.pull_requests,
        )
    elif workflows.approvers and not options.prune:
        files = ", ".join(workflows.approvers)
        setting.add(
            Mark.BLOCKED,
            f"workflows may approve pull requests, as {files} does (remove that, then --apply; "
            "or --apply --prune)",
        )
    else:
        setting.add(Mark.CHANGE, "workflows cannot create or approve pull requests")
        body["can_approve_pull_request_reviews"] = False
    if any(item.mark is Mark.CHANGE for item in setting.items):
        setting.calls = [
            Call("PUT", f"repos/{values.repository}/actions/permissions/workflow", body)
        ]
    return setting


# --- The repository -----------------------------------------------------------------------


def plan_immutable_releases(state: State, _: Options) -> Setting:
    setting = Setting("immutable releases")
    if isinstance(state.immutable, Unreadable):
        return unreadable(setting, state.immutable, state.repository.private)
    setting.add(
        Mark.KEEP if state.immutable else Mark.ADD, "a published release and its tag never change"
    )
    if not state.immutable:
        setting.calls = [Call("PUT", f"repos/{state.values.repository}/immutable-releases")]
    return setting


def plan_vulnerability_reporting(state: State, _: Options) -> Setting:
    setting = Setting("private vulnerability reporting")
    if state.repository.private:
        setting.add(Mark.NOT_OFFERED, "for public repositories only")
        return setting
    if isinstance(state.vulnerability, Unreadable):
        return unreadable(setting, state.vulnerability, state.repository.private)
    enabled = state.vulnerability
    setting.add(Mark.KEEP if enabled else Mark.ADD, "anyone may report a vulnerability privately")
    if not enabled:
        setting.calls = [
            Call("PUT", f"repos/{state.values.repository}/private-vulnerability-reporting")
        ]
    return setting


def plan_secret_scanning(state: State, _: Options) -> Setting:
    setting = Setting("secret scanning")
    security = state.repository.security
    if state.repository.private and "secret_scanning" not in security:
        setting.add(Mark.NOT_OFFERED, "a private repository needs GitHub Secret Protection for it")
        return setting
    body = {}
    for key, text in (
        ("secret_scanning", "secret scanning"),
        ("secret_scanning_push_protection", "push protection: pushes with secrets refused"),
    ):
        enabled = (security.get(key) or {}).get("status") == "enabled"
        setting.add(Mark.KEEP if enabled else Mark.ADD, text)
        if not enabled:
            body[key] = {"status": "enabled"}
    if body:
        setting.calls = [
            Call("PATCH", f"repos/{state.values.repository}", {"security_and_analysis": body})
        ]
    return setting


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
