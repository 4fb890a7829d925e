"""The plans of the Actions settings: an allow-list of what the workflows use (and what was
there), SHA pinning once every `uses:` is pinned, a read-only default token, and workflows
that cannot approve pull requests, each only where no workflow of the repository relies on
the looser setting (those are named instead)."""

from __future__ import annotations

import fnmatch

from hardened_release.settings.changes import (
    Call,
    Mark,
    Options,
    Setting,
    keep_or_prune,
    mark,
    unreadable,
)
from hardened_release.settings.state import State, Unreadable


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
        return unreadable(setting, state.actions, state)
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
    if current.get("enabled", True):
        setting.add(Mark.KEEP, "Actions enabled")
    else:
        setting.add(Mark.LOOSEN, "Actions enabled, where they were off: the release runs on them")
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
        return unreadable(setting, state.token, state)
    if workflows.problems:  # which jobs rely on the token is not known: nothing is changed
        for problem in workflows.problems:
            setting.add(Mark.BLOCKED, f"the workflows could not be read: {problem}")
        return setting
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
