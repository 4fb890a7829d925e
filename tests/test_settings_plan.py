"""The settings' plan as pure functions of what was read: each test builds the state that
`hardened_release.settings.state.read_state` would read, and plans it. No `gh`, no GitHub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hardened_release.settings import EXIT_UNREADABLE, exit_status, report
from hardened_release.settings.actions import plan_actions, plan_token
from hardened_release.settings.answers import Values
from hardened_release.settings.changes import Call, Mark, Options, Setting
from hardened_release.settings.environments import plan_environment
from hardened_release.settings.github import RateLimited, Response, rate_limit
from hardened_release.settings.local import Workflows
from hardened_release.settings.plan import plan
from hardened_release.settings.rulesets import plan_ruleset
from hardened_release.settings.state import Actor, Environment, Repository, State, Unreadable

Json = dict[str, Any]
TEAM = Actor("@octo-org/release-team", "Team", 100)
ALICE = Actor("@alice", "User", 101)


def state(team: tuple[Actor, ...] = (TEAM, ALICE), **read: Any) -> State:
    """What a live run read from an organisation's public repository where nothing is set."""
    values = Values(
        repository="octo-org/sample",
        environments=("pypi",),
        release_team=tuple(actor.handle for actor in team),
        root=Path("/nonexistent"),
    )
    workflows = Workflows(
        actions={"pypa/gh-action-pypi-publish"},
        github_actions={"actions/checkout"},
        found=[".github/workflows/release.yml"],
    )
    found = State(
        values=values,
        live=True,
        repository=Repository(admin=True, private=False, organisation=True),
        team=list(team),
        workflows=workflows,
        environments={"pypi": Environment(None, None)},
        rulesets={"Release tags": None, "Default branch": None},
        actions={"permissions": {"enabled": True, "allowed_actions": "all"}, "selected": {}},
        token={"default_workflow_permissions": "write", "can_approve_pull_request_reviews": True},
        access={actor.handle: "admin" for actor in team},
    )
    for key, value in read.items():
        setattr(found, key, value)
    return found


def marks(setting: Setting) -> dict[str, Mark]:
    return {item.text: item.mark for item in setting.items}


def environment(reviewers: list[Json], prevent: bool) -> Environment:
    rule = {"type": "required_reviewers", "prevent_self_review": prevent, "reviewers": reviewers}
    policy = {"protected_branches": False, "custom_branch_policies": True}
    found = {"protection_rules": [rule], "can_admins_bypass": False}
    return Environment({**found, "deployment_branch_policy": policy}, [])


def test_a_bare_repository_gets_every_setting_added() -> None:
    settings = plan(state(), Options())
    assert [setting.name for setting in settings] == [
        "environment pypi",
        "ruleset Release tags",
        "ruleset Default branch",
        "actions permissions",
        "actions default token",
        "immutable releases",
        "private vulnerability reporting",
        "secret scanning",
    ]
    assert all(setting.calls for setting in settings)
    assert exit_status(settings, "plan", prune=False, refused=False) == 0


def test_what_was_not_read_is_unreadable_and_never_written() -> None:
    found = state(rulesets=Unreadable("GET repos/octo-org/sample/rulesets: Forbidden", 403))
    settings = plan(found, Options())
    tags = next(setting for setting in settings if setting.name == "ruleset Release tags")
    assert [item.mark for item in tags.items] == [Mark.UNREADABLE] and not tags.calls
    for mode in ("plan", "apply", "check"):
        assert exit_status(settings, mode, prune=False, refused=False) == EXIT_UNREADABLE
    lines, counts = report(settings, prune=False)
    assert counts["unreadable"] == 2 and any(line.startswith("unreadable ") for line in lines)


def test_not_offered_on_the_plan_fails_check_on_its_own() -> None:
    found = state(repository=Repository(admin=True, private=True, organisation=True, plan="free"))
    settings = plan(found, Options())
    assert exit_status(settings, "apply", prune=False, refused=False) == 0
    assert exit_status(settings, "check", prune=False, refused=False) != 0
    _, counts = report(settings, prune=False)
    assert counts["not offered"] >= 3


def test_two_calls_are_restored_to_what_was_read() -> None:
    found = state(
        actions={"permissions": {"enabled": True, "allowed_actions": "all"}, "selected": {}}
    )
    setting = plan_actions(found, Options())
    assert [call.path.rsplit("/", 1)[1] for call in setting.calls] == [
        "permissions",
        "selected-actions",
    ]
    assert setting.restore == [
        Call(
            "PUT",
            "repos/octo-org/sample/actions/permissions",
            {"enabled": True, "allowed_actions": "all"},
        )
    ]


@pytest.mark.parametrize(
    ("team", "reviewers", "prevent", "wanted"),
    [
        ((TEAM, ALICE), [], False, True),  # a team: nobody approves their own
        ((TEAM,), [], False, True),  # one team is more than one person
        ((ALICE,), [], True, False),  # the solo profile: a marked loosening
        ((), [{"type": "User", "reviewer": {"id": 101, "login": "alice"}}], True, True),  # kept
    ],
)
def test_self_review(
    team: tuple[Actor, ...], reviewers: list[Json], prevent: bool, wanted: bool
) -> None:
    found = state(team=team, environments={"pypi": environment(reviewers, prevent)})
    setting = plan_environment(found, "pypi", Options())
    bodies = [call.body for call in setting.calls if call.method == "PUT"]
    if bodies:
        assert bodies[0]["prevent_self_review"] is wanted
    else:
        assert wanted is prevent  # nothing to change
    loosened = [item for item in setting.items if item.mark is Mark.LOOSEN]
    assert bool(loosened) is (prevent and not wanted)


def test_more_than_six_reviewers_change_nothing() -> None:
    reviewers = [{"type": "User", "reviewer": {"id": n, "login": f"u{n}"}} for n in range(6)]
    found = state(environments={"pypi": environment(reviewers, True)})
    setting = plan_environment(found, "pypi", Options())
    assert not setting.calls
    assert any(
        item.mark is Mark.BLOCKED and "more than GitHub's 6" in item.text for item in setting.items
    )
    pruned = plan_environment(found, "pypi", Options(prune=True))
    (put,) = [call for call in pruned.calls if call.method == "PUT"]
    assert [reviewer["id"] for reviewer in put.body["reviewers"]] == [100, 101]


def test_a_stricter_allow_list_lists_githubs_actions_instead_of_allowing_all() -> None:
    selected = {"github_owned_allowed": False, "verified_allowed": False, "patterns_allowed": []}
    found = state(actions={"permissions": {"allowed_actions": "selected"}, "selected": selected})
    setting = plan_actions(found, Options())
    allow_list = setting.calls[1].body
    assert allow_list["github_owned_allowed"] is False
    assert allow_list["patterns_allowed"] == ["actions/checkout@*", "pypa/gh-action-pypi-publish@*"]


def test_pull_request_workflows_keep_the_setting_even_with_prune() -> None:
    found = state()
    found.workflows.pull_requests = [".github/workflows/deps.yml: job bump"]
    setting = plan_token(found, Options(prune=True))
    assert setting.calls[0].body["can_approve_pull_request_reviews"] is True
    blocked = [item for item in setting.items if item.mark is Mark.BLOCKED]
    assert blocked[0].detail == (".github/workflows/deps.yml: job bump",)


def test_no_release_team_no_branch_rule_nobody_could_satisfy() -> None:
    setting = plan_ruleset(state(team=()), "branch", Options())
    assert not setting.calls and setting.items[0].mark is Mark.BLOCKED


def test_a_release_team_user_who_is_not_an_administrator_blocks_the_tag_ruleset() -> None:
    found = state(access={TEAM.handle: "some", ALICE.handle: "write"})
    setting = plan_ruleset(found, "tag", Options())
    assert not setting.calls
    assert "@alice is not an administrator" in setting.items[0].text


def test_check_with_prune_counts_what_prune_would_remove() -> None:
    reviewers = [
        {"type": "Team", "reviewer": {"id": 100, "slug": "release-team"}},
        {"type": "User", "reviewer": {"id": 101, "login": "alice"}},
        {"type": "User", "reviewer": {"id": 102, "login": "bob"}},
    ]
    found = state(environments={"pypi": environment(reviewers, True)})
    found.environments["pypi"].rules = [{"id": 1, "name": "v*", "type": "tag"}]
    settings = [plan_environment(found, "pypi", Options())]
    assert report(settings, prune=False)[1]["missing"] == 0
    assert report(settings, prune=True)[1]["missing"] == 1
    assert exit_status(settings, "check", prune=True, refused=False) == 1


@pytest.mark.parametrize(
    ("team", "reviewers", "prevent", "summary"),
    [
        ((TEAM,), [], False, Mark.CHANGE),  # --apply makes it gate a release
        ((), [], False, Mark.BLOCKED),  # it cannot: no release team to make reviewers
        (
            (TEAM,),
            [{"type": "Team", "reviewer": {"id": 100, "slug": "release-team"}}],
            True,
            Mark.KEEP,
        ),
        (  # no team named, but a team reviews already: --apply prevents self-review
            (),
            [{"type": "Team", "reviewer": {"id": 100, "slug": "release-team"}}],
            False,
            Mark.CHANGE,
        ),
    ],
)
def test_each_environment_leads_with_the_preflights_verdict(
    team: tuple[Actor, ...], reviewers: list[Json], prevent: bool, summary: Mark
) -> None:
    """The one definition of a protected environment, on what was read and on what --apply
    would leave: `=` it gates a release, `~` --apply makes it, `x` it cannot alone."""
    found = environment(reviewers, prevent)
    found.rules = [{"id": 1, "name": "v*", "type": "tag"}]
    setting = plan_environment(state(team=team, environments={"pypi": found}), "pypi", Options())
    first = setting.items[0]
    assert first.mark is summary, setting.items
    assert ("does not gate a release" in first.text) is (summary is not Mark.KEEP)


def test_actions_turned_off_are_turned_on_as_a_marked_loosening() -> None:
    found = state(actions={"permissions": {"enabled": False}, "selected": {}})
    setting = plan_actions(found, Options())
    (loosened,) = [item for item in setting.items if item.mark is Mark.LOOSEN]
    assert loosened.text.startswith("Actions enabled, where they were off")
    assert setting.restore[0].body == {"enabled": False}  # as it was, if the allow-list fails


def test_a_workflow_that_pushes_tags_is_a_note_not_a_missing_control() -> None:
    found = state()
    found.workflows.taggers = [".github/workflows/tag.yml: job tag (git tag)"]
    setting = plan_ruleset(found, "tag", Options())
    (note,) = [item for item in setting.items if item.mark is Mark.NOTE]
    assert "integration 15368" in note.text and setting.calls
    lines, counts = report([setting], prune=False)
    assert counts["missing"] == len(lines)  # the ruleset's own controls, and no note
    assert not any("tag.yml" in line for line in lines)


def test_a_solo_maintainer_who_is_not_an_administrator_blocks_the_branch_ruleset() -> None:
    found = state(team=(ALICE,), access={ALICE.handle: "write"})
    setting = plan_ruleset(found, "branch", Options())
    assert not setting.calls and "could merge nothing alone" in setting.items[-1].text
    found.access[ALICE.handle] = "admin"
    assert plan_ruleset(found, "branch", Options()).calls


@pytest.mark.parametrize(
    ("status", "headers", "limited"),
    [
        (403, {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1767323045"}, "03:04:05 UTC"),
        (429, {"retry-after": "60"}, "UTC"),  # a secondary rate limit: in a minute
        (403, {"x-ratelimit-remaining": "4999"}, None),  # a refusal, not a rate limit
        (404, {"x-ratelimit-remaining": "0"}, None),
    ],
)
def test_rate_limits_are_told_apart_from_refusals(
    status: int, headers: dict[str, str], limited: str | None
) -> None:
    found = rate_limit(Response(status, {"message": "x"}, headers), "GET repos/o/r/rulesets")
    if limited is None:
        assert found is None
    else:
        assert isinstance(found, RateLimited) and limited in str(found)
        assert str(found).startswith("GET repos/o/r/rulesets: GitHub's rate limit; try again after")


def test_workflows_that_cannot_be_read_leave_the_actions_settings_alone() -> None:
    found = state()
    found.workflows.problems = [
        ".github/workflows/ci.yml is not valid YAML (line 3): fix it first."
    ]
    for planner in (plan_actions, plan_token):
        setting = planner(found, Options(prune=True))
        assert not setting.calls
        assert [item.mark for item in setting.items] == [Mark.BLOCKED]
        assert "ci.yml is not valid YAML" in setting.items[0].text
