"""The plan of a deployment environment: the release team as required reviewers, nobody
approving a run they started (but a team of one), no administrator bypass, deployments from
release tags only. Merged into what the environment has: reviewers and rules of its own stay
unless --prune."""

from __future__ import annotations

from typing import Any

from hardened_release.settings.answers import MAX_REVIEWERS
from hardened_release.settings.changes import (
    Call,
    Item,
    Mark,
    Options,
    Setting,
    keep_or_prune,
    mark,
    unreadable,
)
from hardened_release.settings.protection import one_person_reviews, verdict
from hardened_release.settings.state import Actor, Environment, State, Unreadable

Json = dict[str, Any]
COOLING_OFF_MINUTES = 60  # a team of one: minutes from the job's start to the upload


def reviewer_handle(state: State, reviewer: Json) -> str:
    """A required reviewer as a handle: @user or @org/team."""
    found = reviewer.get("reviewer") or {}
    if reviewer.get("type") == "Team":
        return f"@{state.values.owner}/{found.get('slug', found.get('id'))}"
    return f"@{found.get('login', found.get('id'))}"


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
    """The environment's plan, led by the verdict of the one definition of a protected
    environment (the release workflow's preflight decides the same) on what was read."""
    setting = Setting(f"environment {name}")
    found = state.environments.get(name, Environment(None, None))
    if isinstance(found, Unreadable):
        return unreadable(setting, found, state)
    lacking = state.repository.lacks("protection")
    if lacking:
        setting.add(Mark.NOT_OFFERED, f"deployment rules: {lacking}")
        return setting
    merge_environment(state, name, found, setting, options)
    if state.live:
        pattern, private = state.values.tag_pattern, bool(state.repository.private)
        now = verdict(name, found.environment, found.rules, pattern, private)
        after = verdict(name, *after_apply(found, setting.calls), pattern, private)
        if now.protected:
            summary = Item(
                Mark.KEEP, "gates a release: the preflight check passes", tuple(now.warnings)
            )
        else:
            fixed = Mark.CHANGE if after.protected else Mark.BLOCKED
            said = "does not gate a release: the preflight check fails"
            summary = Item(fixed, said, tuple(after.errors if after.errors else now.errors))
        setting.items.insert(0, summary)
    return setting


def after_apply(found: Environment, calls: list[Call]) -> tuple[Json | None, list[Json]]:
    """The environment and its deployment rules as GitHub would have them after `calls`."""
    environment, rules = found.environment, list(found.rules or [])
    for call in calls:
        body = call.body or {}
        if call.method == "PUT":
            reviewers = [{"type": reviewer["type"]} for reviewer in body["reviewers"]]
            review = {
                "type": "required_reviewers",
                "prevent_self_review": body.get("prevent_self_review", False),
                "reviewers": reviewers,
            }
            environment = {
                "protection_rules": [review] if reviewers else [],
                "can_admins_bypass": body["can_admins_bypass"],
                "deployment_branch_policy": body["deployment_branch_policy"],
            }
        elif call.method == "POST":
            rules.append(body)
        elif call.method == "DELETE":
            rules = [rule for rule in rules if not call.path.endswith(f"/{rule.get('id')}")]
    return environment, rules


def merge_environment(
    state: State, name: str, found: Environment, setting: Setting, options: Options
) -> None:
    """What the environment needs, merged into what it has."""
    values = state.values
    path = f"repos/{values.repository}/environments/{name}"
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
        return
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
