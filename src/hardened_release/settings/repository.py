"""The plans of the repository's own switches: immutable releases, private vulnerability
reporting, secret scanning with push protection."""

from __future__ import annotations

from hardened_release.settings.changes import Call, Mark, Options, Setting, unreadable
from hardened_release.settings.state import State, Unreadable


def plan_immutable_releases(state: State, _: Options) -> Setting:
    setting = Setting("immutable releases")
    if isinstance(state.immutable, Unreadable):
        return unreadable(setting, state.immutable, state)
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
        return unreadable(setting, state.vulnerability, state)
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
