"""The plans of the two rulesets, known by their names: the release tags (only the release
team makes, moves or deletes them) and the default branch (reviewed pull requests, no force
push or deletion, the zizmor check). Created, or merged into: nothing of theirs is removed or
weakened (but other bypass actors, with --prune)."""

from __future__ import annotations

import json
from typing import Any

from hardened_release.settings.changes import (
    Call,
    Mark,
    Options,
    Setting,
    keep_or_prune,
    unreadable,
)
from hardened_release.settings.state import (
    BRANCH_RULESET,
    TAG_RULESET,
    ZIZMOR_WORKFLOW,
    State,
    Unreadable,
)

Json = dict[str, Any]
REQUIRED_APPROVALS = 1  # approvals a pull request to the default branch needs
# GitHub's numbers: the repository administrators' role in rulesets, the GitHub Actions app.
ADMIN_ROLE = 5
GITHUB_ACTIONS_APP = 15368


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
        return unreadable(setting, state.rulesets, state)
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
    if target == "branch" and values.solo and admins_missing(state):
        setting.add(
            Mark.BLOCKED,
            f"the ruleset lets the administrators' role merge its own pull requests, but "
            f"{values.release_team[0]} is not an administrator of the repository and could "
            "merge nothing alone: make them one, then --apply",
        )
        return setting
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
                Mark.NOTE,
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
