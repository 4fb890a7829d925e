"""The settings script (includes/release_settings.py, rendered as .github/release-settings.py)
and the preflight job's environment check, run against a stand-in for the GitHub CLI
(tests/fake_gh.py) that answers as GitHub's REST API does.

Every request they send, and every response the stand-in gives, is validated against the
schemas of GitHub's REST API description (tests/data/github-rest, see its README.md).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml

import fake_gh
import release_settings
from fake_gh import FakeGitHub, github_state, refuse
from github_rest import validate_request, validate_response
from helpers import (
    ROOT,
    adopt,
    load_yaml,
    project_repository,
    release_workflow,
    render,
    snapshot,
    without_starter_step,
    words,
)
from real_world import LAYOUTS
from test_lint import check, tool
from variants import VARIANTS

Json = dict[str, Any]
SCRIPT = Path(".github") / "release-settings.py"
MODULE = ROOT / "includes" / "release_settings.py"
WRITES = {"PUT", "POST", "PATCH", "DELETE"}
CALL = re.compile(r"(GET|PUT|POST|PATCH|DELETE) (\S+)")
PLACEHOLDER = re.compile(r'"<id of (@[^"]+)>"')
API_VERSION = "X-GitHub-Api-Version: 2022-11-28"
BEGIN = "# ---- The project's values"
END = "# ---- End of the project's values ----\n"


def run(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, check=False
    )


def checked_calls(github: FakeGitHub) -> list[Json]:
    """The logged calls, each request and response validated against GitHub's schemas, each
    asking for the API version."""
    calls = github.calls()
    for call in calls:
        assert API_VERSION in call["headers"], call
        validate_request(call["method"], call["path"], call["body"])
        validate_response(call["method"], call["path"], call["status"], call["response"])
    return calls


def writes(calls: list[Json]) -> list[tuple[str, str]]:
    return [(call["method"], call["path"]) for call in calls if call["method"] in WRITES]


def printed_calls(output: str) -> list[tuple[str, str, Any]]:
    """The calls an offline run lists: `# setting`, `METHOD path`, the JSON body, a blank line
    (and `# setting: why not` for what it cannot set)."""
    calls = []
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#")]
        match = CALL.fullmatch(lines[0]) if lines else None
        if not match and (not block.strip() or block.startswith("#")):
            continue  # what it cannot set, and why
        assert match, f"not a call: {block!r}"
        body = json.loads(PLACEHOLDER.sub("1", "\n".join(lines[1:]))) if lines[1:] else None
        calls.append((match[1], match[2], body))
    return calls


def plan_lines(output: str) -> dict[str, list[str]]:
    """The plan a run prints: setting -> its marked lines (first lines only)."""
    plan: dict[str, list[str]] = {}
    current = None
    for line in output.splitlines():
        if re.match(r"[a-z]", line) and not line.startswith(("drift:", "refused:")):
            current = plan.setdefault(line, [])
        elif current is not None and re.match(r"  [-+~=!?x] ", line):
            current.append(line[2:])
        elif not line.strip():
            current = None
    return plan


# --- The module, and the file every render writes -------------------------------------------


def project_values(text: str) -> dict[str, Any]:
    """The constants of a settings script's block of project values."""
    block = text.split(BEGIN)[1].split(END)[0].split("\n", 1)[1]
    values: dict[str, Any] = {}
    exec(block, {}, values)  # the block is plain assignments
    return {name: value for name, value in values.items() if name.isupper()}


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[Json, Path]:
    return VARIANTS[request.param], rendered(request.param) / SCRIPT


def environments_of(answers: Json) -> list[str]:
    names = [answers.get("pypi_environment", "pypi")]
    if answers.get("testpypi"):
        names.append(answers.get("testpypi_environment", "testpypi"))
    return names


def team_of(answers: Json) -> list[str]:
    return str(answers.get("release_team", "")).replace(",", " ").split()


def test_the_rendered_script_is_the_module_with_the_project_values(
    variant: tuple[Json, Path],
) -> None:
    answers, script = variant
    text, module = script.read_text(), MODULE.read_text()
    assert text.split(BEGIN)[0] == module.split(BEGIN)[0]
    assert text.split(END)[1] == module.split(END)[1]
    assert project_values(text) == {
        "REPOSITORY": answers["github_repository"],
        "ENVIRONMENTS": tuple(environments_of(answers)),
        "RELEASE_TEAM": tuple(team_of(answers)),
        "TAG_PATTERN": answers.get("tag_pattern", "v*"),
        "RELEASE_WORKFLOW": answers.get("release_workflow", "release.yml"),
        "RELEASING_DOC": answers.get("releasing_doc", "RELEASING.md"),
        "ZIZMOR_CHECK": "" if answers.get("zizmor") == "own" else "zizmor",
    }


def test_the_module_is_plain_text_to_jinja() -> None:
    """The template includes the module: Jinja's delimiters in it would be read as Jinja."""
    text = MODULE.read_text()
    for delimiter in ("[[", "]]", "[%", "%]", "[#", "#]"):
        assert delimiter not in text, f"{delimiter!r} in {MODULE.name}: write it another way"
    assert text.count(BEGIN) == text.count(END) == 1


@pytest.mark.parametrize("name", ["default", "monthly-long-cooldown-team"])
def test_the_script_is_ruff_clean_standard_library_python(
    name: str, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    """Python 3.10+ and the standard library only, formatted and linted as this repository is."""
    script = rendered(name) / SCRIPT
    imports = re.findall(r"^(?:from|import) (\w+)", script.read_text(), flags=re.M)
    assert set(imports) <= set(sys.stdlib_module_names) | {"__future__"}
    # No cache: nothing may be written into the rendered project, which other tests share.
    options = ("--no-cache", "--config", ROOT / "pyproject.toml", "--target-version", "py310")
    check(tool("ruff"), "check", *options, script, cwd=tmp_path)
    check(tool("ruff"), "format", "--check", *options, script, cwd=tmp_path)


def test_codeowners_names_the_release_team_for_github(rendered: Callable[[str], Path]) -> None:
    for name, answers in VARIANTS.items():
        project = rendered(name)
        codeowners = project / ".github" / "CODEOWNERS"
        assert codeowners.is_file() == bool(team_of(answers)), name
        assert release_settings.codeowners_cover_github(project) == bool(team_of(answers))
        if team_of(answers):
            assert f"/.github/ {' '.join(team_of(answers))}\n" in codeowners.read_text()


@pytest.fixture(scope="module")
def solo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render for a team of one, on a personal account."""
    answers = {"pypi_name": "solo-pkg", "github_repository": "alice/example"}
    return render(tmp_path_factory.mktemp("solo"), {**answers, "release_team": "@alice"})


def test_the_release_document_says_what_the_script_sets(
    solo_project: Path, rendered: Callable[[str], Path]
) -> None:
    solo = words((solo_project / "RELEASING.md").read_text())
    minutes = f"{release_settings.COOLING_OFF_MINUTES} minutes"
    one_maintainer = solo.split("## A one-maintainer project")[1]
    for said in ("*Prevent self-review* off", minutes, "*Repository admin* may bypass"):
        assert said in one_maintainer, said
    assert "**Prevent self-review**: off" in solo and f"**Wait timer**: {minutes}" in solo
    assert "The release team is one person, @alice" in solo
    setup = words((ROOT / "docs" / "setup.md").read_text())
    assert f"**wait timer** ({minutes})" in setup
    threats = words((ROOT / "docs" / "threat-model.md").read_text())
    assert f"({minutes} in the solo profile)" in threats
    assert not (solo_project / ".github" / "CODEOWNERS").read_text().count("@octo-org")
    team = " ".join(
        (rendered("monthly-long-cooldown-team") / "docs" / "releasing.md").read_text().split()
    )
    assert "**Prevent self-review**: on" in team and "**Wait timer**" not in team
    assert "**Approve a release**: only @octo-org/release-team, @alice" in team
    assert "Only @octo-org/release-team and the repository administrators may create" in team
    assert "with @octo-org/release-team and *Repository admin* as the only bypass actors" in team


def test_a_codeowners_of_the_projects_own_is_kept(tmp_path: Path) -> None:
    own = "* @octo-org/maintainers\n"
    project = project_repository(tmp_path / "project", {".github/CODEOWNERS": own})
    answers = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}
    render(project, {**answers, "release_team": "@octo-org/release-team"}, overwrite=True)
    assert (project / ".github" / "CODEOWNERS").read_text() == own
    assert release_settings.codeowners_cover_github(project)  # `*` names owners for .github/


# --- Offline: the listing --------------------------------------------------------------------


def test_offline_it_lists_valid_calls_for_an_empty_repository(
    variant: tuple[Json, Path], tmp_path: Path
) -> None:
    answers, script = variant
    result = run(script, env={"PATH": str(tmp_path)})  # no gh: nothing on PATH
    assert result.returncode == 0, result.stderr
    assert "gh, is not installed" in result.stderr
    calls = printed_calls(result.stdout)
    for method, path, body in calls:
        validate_request(method, path, body)
    repo = f"repos/{answers['github_repository']}"
    assert [(method, path) for method, path, _ in calls] == [
        *(
            call
            for name in environments_of(answers)
            for call in (
                ("PUT", f"{repo}/environments/{name}"),
                ("POST", f"{repo}/environments/{name}/deployment-branch-policies"),
            )
        ),
        ("POST", f"{repo}/rulesets"),
        ("POST", f"{repo}/rulesets"),
        ("PUT", f"{repo}/actions/permissions"),
        ("PUT", f"{repo}/actions/permissions/selected-actions"),
        ("PUT", f"{repo}/actions/permissions/workflow"),
        ("PUT", f"{repo}/immutable-releases"),
        ("PUT", f"{repo}/private-vulnerability-reporting"),
        ("PATCH", repo),
    ]
    bodies = {(method, path): body for method, path, body in calls}
    allow_list = bodies[("PUT", f"{repo}/actions/permissions/selected-actions")]
    used = {
        f"{action}@*"
        for action in re.findall(r"uses: ([\w.-]+/[\w./-]+)@", _workflow_text(script.parents[1]))
        if not action.startswith(("actions/", "github/"))
    }
    assert allow_list["patterns_allowed"] == sorted(used)
    permissions = bodies[("PUT", f"{repo}/actions/permissions")]
    assert permissions["sha_pinning_required"] is True  # every uses: of the render is pinned
    if not team_of(answers):
        assert "no required reviewers" in result.stdout


def _workflow_text(project: Path) -> str:
    return "".join(path.read_text() for path in (project / ".github" / "workflows").glob("*"))


# --- Live: against the stand-in ----------------------------------------------------------------


def configure(
    monkeypatch: pytest.MonkeyPatch,
    github: FakeGitHub,
    repository: str = "octo-org/sample",
    team: tuple[str, ...] = ("@octo-org/release-team", "@alice"),
    environments: tuple[str, ...] = ("pypi",),
) -> None:
    for name, value in github.environment().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(release_settings, "REPOSITORY", repository)
    monkeypatch.setattr(release_settings, "RELEASE_TEAM", team)
    monkeypatch.setattr(release_settings, "ENVIRONMENTS", environments)


def main(root: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = release_settings.main(list(args), root=root)
    out, err = capsys.readouterr()
    return code, out, err


OTHER_WORKFLOWS = {
    # Tag pins, an action the release does not use, and a job that pushes with the default
    # token, having declared no permissions.
    "ci.yml": """\
name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: codecov/codecov-action@v5
      - uses: ./.github/actions/setup
  docs:
    runs-on: ubuntu-latest
    steps:
      - run: git push origin HEAD:gh-pages
""",
}
LOCAL_ACTION = """\
name: Set up
runs:
  using: composite
  steps:
    - uses: astral-sh/setup-uv@v6
"""


@pytest.fixture
def project(rendered: Callable[[str], Path], tmp_path: Path) -> Path:
    """A copy of the rendered team variant's files."""
    return shutil.copytree(rendered("default"), tmp_path / "project")


def with_other_workflows(project: Path) -> Path:
    for name, text in OTHER_WORKFLOWS.items():
        (project / ".github" / "workflows" / name).write_text(text)
    action = project / ".github" / "actions" / "setup" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text(LOCAL_ACTION)
    return project


def existing_settings(state: Json) -> Json:
    fake_gh.with_environment(state, "pypi", ["@alice", "@bob"])
    fake_gh.with_rulesets(state, "Default branch", "Release tags")
    fake_gh.with_allow_list(state, ["codecov/codecov-action@*", "octo-org/private-action@*"])
    return state


#: The variants whose settings differ: no team, a team of a team and a user, two environments
#: with names and a tag pattern of their own. (Every variant's script is the module, above.)
SETTINGS_VARIANTS = [
    "default",
    "monthly-long-cooldown-team",
    "one-day-cooldown-custom-envs",
    "solo-bare-tags",
]


@pytest.mark.parametrize("name", SETTINGS_VARIANTS)
def test_apply_on_an_empty_repository_is_idempotent_and_check_agrees(
    name: str, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    answers, script = VARIANTS[name], rendered(name) / SCRIPT
    team = team_of(answers)
    github = FakeGitHub(tmp_path, github_state(answers["github_repository"], team))
    first = run(script, "--apply", env=github.environment())
    assert first.returncode == 0, first.stdout + first.stderr
    made = writes(checked_calls(github))
    assert made == [
        tuple(line.split(" ", 1)) for line in first.stdout.splitlines() if CALL.fullmatch(line)
    ]
    assert len(made) == 2 * len(environments_of(answers)) + 8

    second = run(script, "--apply", env=github.environment())
    assert second.returncode == 0, second.stderr
    assert writes(checked_calls(github)) == []
    assert "0 settings changed, 0 refused." in second.stdout

    checked = run(script, "--check", env=github.environment())
    drifts = [line for line in checked.stdout.splitlines() if line.startswith("drift: ")]
    if team:
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert drifts == [] and "Every setting is as recommended." in checked.stdout
    else:  # what --apply cannot set: the release team is not named
        assert checked.returncode == 1, checked.stdout + checked.stderr
        assert drifts and all(": no required reviewers" in drift for drift in drifts)
        assert not any("--apply sets it" in drift for drift in drifts)
    assert all(call["method"] == "GET" for call in checked_calls(github))
    # The release workflow's preflight lets a release through exactly when a team reviews.
    pattern = answers.get("tag_pattern", "v*")
    environments = environments_of(answers)
    preflight = run_preflight(github, answers["github_repository"], environments, pattern)
    assert preflight.returncode == (0 if team else 1), preflight.stdout


def test_check_names_each_drift_and_apply_repairs_it(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    answers = VARIANTS["one-day-cooldown-custom-envs"]
    script = rendered("one-day-cooldown-custom-envs") / SCRIPT
    github = FakeGitHub(tmp_path, github_state(answers["github_repository"], []))
    assert run(script, "--apply", env=github.environment()).returncode == 0
    github.calls()
    state = github.load()
    state["environments"]["production"]["can_admins_bypass"] = True
    state["policies"]["production"] = []
    tags = next(r for r in state["rulesets"].values() if r["name"] == "Release tags")
    tags["rules"] = [rule for rule in tags["rules"] if rule["type"] != "deletion"]
    tags["enforcement"] = "disabled"
    state["actions"]["permissions"]["sha_pinning_required"] = False
    state["actions"]["permissions/workflow"]["default_workflow_permissions"] = "write"
    state["features"]["immutable-releases"] = False
    github.save(state)

    checked = run(script, "--check", env=github.environment())
    assert checked.returncode == 1, checked.stdout + checked.stderr
    drifts = [line for line in checked.stdout.splitlines() if line.startswith("drift: ")]
    fixed_by_apply = [
        "environment production: administrators cannot bypass the reviewers (--apply sets it)",
        "environment production: deployment tag rule pkg-v*.* (--apply sets it)",
        "ruleset Release tags: enforcement active (--apply sets it)",
        "ruleset Release tags: rule deletion (--apply sets it)",
        "actions permissions: actions pinned to a full commit SHA (--apply sets it)",
        "actions default token: read-only default token: a job gets more only by asking "
        "(--apply sets it)",
        "immutable releases: a published release and its tag never change (--apply sets it)",
    ]
    unreviewed = [drift for drift in drifts if ": no required reviewers" in drift]
    assert sorted(drifts) == sorted([f"drift: {drift}" for drift in fixed_by_apply] + unreviewed)
    assert len(unreviewed) == 2  # production and staging: no release team named
    assert all(call["method"] == "GET" for call in checked_calls(github))

    repair = run(script, "--apply", env=github.environment())
    assert repair.returncode == 0, repair.stderr
    checked_calls(github)
    checked = run(script, "--check", env=github.environment())
    drifts = [line for line in checked.stdout.splitlines() if line.startswith("drift: ")]
    assert drifts == unreviewed


def test_the_plan_reads_the_live_settings_and_changes_nothing(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    state = existing_settings(github_state("octo-org/sample", ["@octo-org/release-team"]))
    github = FakeGitHub(tmp_path / "gh", state)
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    code, out, _ = main(with_other_workflows(project), capsys=capsys)
    assert code == 0
    assert writes(checked_calls(github)) == []
    plan = plan_lines(out)
    assert "+ required reviewer @octo-org/release-team" in plan["environment pypi"]
    assert (
        "! required reviewer @alice, not in the release team (kept; --prune removes it)"
        in (plan["environment pypi"])
    )
    assert (
        "! required reviewer @bob, not in the release team (kept; --prune removes it)"
        in plan["environment pypi"]
    )
    assert "= wait timer 10 minutes" in plan["environment pypi"]
    assert (
        "! deployment branch rule main: it may deploy too (kept; --prune removes it)"
        in (plan["environment pypi"])
    )
    assert (
        "! bypass: GitHub App 999, besides the release team (kept; --prune removes it)"
        in (plan["ruleset Default branch"])
    )
    assert "= rule required_status_checks" in plan["ruleset Default branch"]
    assert "= allow codecov/codecov-action@*: a workflow uses it" in plan["actions permissions"]
    assert "= allow octo-org/private-action@* (kept)" in plan["actions permissions"]
    assert "+ allow astral-sh/setup-uv@*: a workflow uses it" in plan["actions permissions"]
    assert "Nothing was changed" in out


def test_apply_keeps_what_the_repository_has(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    github = FakeGitHub(
        tmp_path / "gh",
        existing_settings(github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])),
    )
    before = github.load()
    configure(monkeypatch, github)
    root = with_other_workflows(project)
    code, out, err = main(root, "--apply", capsys=capsys)
    assert code == 0, out + err
    checked_calls(github)
    after = github.load()

    environment = after["environments"]["pypi"]
    rules = {rule["type"]: rule for rule in environment["protection_rules"]}
    reviewers = {
        r["reviewer"].get("login", r["reviewer"].get("slug"))
        for r in rules["required_reviewers"]["reviewers"]
    }
    assert reviewers == {"alice", "bob", "release-team"}
    assert rules["wait_timer"]["wait_timer"] == 10
    assert environment["can_admins_bypass"] is False
    names = {(p["type"], p["name"]) for p in after["policies"]["pypi"]}
    assert names == {("branch", "main"), ("tag", "deploy-*"), ("tag", "v*")}

    branch = after["rulesets"]["501"]
    assert fake_gh.APP_BYPASS in branch["bypass_actors"]
    by_type = {rule["type"]: rule for rule in branch["rules"]}
    assert set(by_type) == {
        "required_status_checks",
        "pull_request",
        "deletion",
        "non_fast_forward",
    }
    checks = by_type["required_status_checks"]["parameters"]
    assert checks["required_status_checks"] == [
        fake_gh.TESTS_CHECK,
        {"context": "zizmor", "integration_id": 15368},
    ]
    assert checks["strict_required_status_checks_policy"] is True
    review = by_type["pull_request"]["parameters"]
    assert review["allowed_merge_methods"] == ["squash"]
    assert review["required_approving_review_count"] == 2
    assert review["required_review_thread_resolution"] is True
    assert review["require_code_owner_review"] is False  # the default render has no CODEOWNERS
    tags = after["rulesets"]["502"]
    kinds = {actor["actor_type"] for actor in tags["bypass_actors"]}
    assert kinds == {"DeployKey", "Team", "RepositoryRole"}
    assert {rule["type"] for rule in tags["rules"]} == {
        "creation",
        "update",
        "deletion",
        "non_fast_forward",
    }

    actions = after["actions"]
    patterns = actions["permissions/selected-actions"]["patterns_allowed"]
    kept = before["actions"]["permissions/selected-actions"]["patterns_allowed"]
    assert set(kept) <= set(patterns)
    assert {"astral-sh/setup-uv@*", "pypa/gh-action-pypi-publish@*"} <= set(patterns)
    assert actions["permissions/selected-actions"]["verified_allowed"] is True
    # Other workflows pin tags: SHA pinning stays off, and the lines are named.
    assert actions["permissions"].get("sha_pinning_required") is not True
    assert ".github/workflows/ci.yml:7: - uses: actions/checkout@v4" in out
    assert ".github/workflows/ci.yml:8: - uses: codecov/codecov-action@v5" in out
    # A job pushes with the default token: it stays as it was, and the job is named.
    assert actions["permissions/workflow"]["default_workflow_permissions"] == "write"
    assert ".github/workflows/ci.yml: job docs (git push)" in out

    code, out, _ = main(root, "--apply", capsys=capsys)
    assert code == 0 and writes(checked_calls(github)) == []
    code, out, _ = main(root, "--check", capsys=capsys)
    assert code == 1  # what only the workflows' owner can fix: SHA pins, a job's permissions
    reported = [line for line in out.splitlines() if line.startswith(("drift: ", "kept: "))]
    bob = "required reviewer @bob, not in the release team (--apply --prune removes it)"
    assert f"kept: environment pypi: {bob}" in reported
    assert "kept: ruleset Default branch: bypass: GitHub App 999, besides the release team" in (
        " ".join(reported)
    )
    drifts = [line for line in reported if line.startswith("drift: ")]
    assert [drift.split(": ")[1] for drift in drifts] == [
        "actions permissions",
        "actions default token",
    ]
    assert not any("(--apply sets it)" in drift for drift in drifts)
    assert not any(re.search(r"\b(100|101|102)\b", line) for line in reported)  # handles, not ids

    code, out, _ = main(root, "--apply", "--prune", capsys=capsys)
    assert code == 0
    checked_calls(github)
    pruned = github.load()
    review = pruned["environments"]["pypi"]["protection_rules"]
    reviewers = next(rule for rule in review if rule["type"] == "required_reviewers")["reviewers"]
    assert {r["reviewer"].get("login", r["reviewer"].get("slug")) for r in reviewers} == {
        "alice",
        "release-team",
    }
    assert [(p["type"], p["name"]) for p in pruned["policies"]["pypi"]] == [("tag", "v*")]
    assert fake_gh.APP_BYPASS not in pruned["rulesets"]["501"]["bypass_actors"]
    assert pruned["actions"]["permissions/workflow"]["default_workflow_permissions"] == "read"


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_after_adoption_apply_breaks_no_workflow_of_the_project(
    layout: str, tmp_path: Path
) -> None:
    project = LAYOUTS[layout].make(tmp_path / "project")
    code, _, err = adopt(
        project, snapshot(), "-d", "release_team=@octo/release-team", repository="octo/sample"
    )
    assert code == 0, err
    github = FakeGitHub(tmp_path / "gh", github_state("octo/sample", ["@octo/release-team"]))
    result = run(project / SCRIPT, "--apply", env=github.environment())
    assert result.returncode == 0, result.stdout + result.stderr
    checked_calls(github)
    actions = github.load()["actions"]
    used = re.findall(r"uses: ([\w.-]+/[\w./-]+)@(\S+)", _workflow_text(project))
    third_party = {f"{a}@*" for a, _ in used if not a.startswith(("actions/", "github/"))}
    assert set(actions["permissions/selected-actions"]["patterns_allowed"]) == third_party
    pinned = all(re.fullmatch(r"[0-9a-f]{40}", ref) for _, ref in used)
    assert bool(actions["permissions"].get("sha_pinning_required")) is pinned
    assert not pinned  # the projects pin tags: the setting waits, naming the lines
    assert "are not pinned (pin them, then --apply)" in result.stdout


def test_sha_pinning_is_required_once_every_uses_is_pinned(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    github = FakeGitHub(
        tmp_path / "gh", github_state("octo-org/sample", ["@octo-org/release-team"])
    )
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    with_other_workflows(project)
    code, out, _ = main(project, "--apply", capsys=capsys)
    assert code == 0
    assert "x actions pinned to a full commit SHA: not required yet" in out
    assert github.load()["actions"]["permissions"].get("sha_pinning_required") is not True
    sha = "0" * 40
    for file in [
        project / ".github" / "workflows" / "ci.yml",
        project / ".github" / "actions" / "setup" / "action.yml",
    ]:
        file.write_text(re.sub(r"@v\d+", f"@{sha}  # v1", file.read_text()))
    code, _, _ = main(project, "--apply", capsys=capsys)
    assert code == 0
    assert github.load()["actions"]["permissions"]["sha_pinning_required"] is True
    checked_calls(github)


def test_a_team_of_one_can_still_release(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    github = FakeGitHub(
        tmp_path / "gh", github_state("alice/example", ["@alice"], owner_type="User")
    )
    configure(monkeypatch, github, repository="alice/example", team=("@alice",))
    code, out, _ = main(rendered("default"), "--apply", capsys=capsys)
    assert code == 0, out
    assert out.count("The release team is one person, @alice") == 1
    checked_calls(github)
    state = github.load()
    environment = state["environments"]["pypi"]
    rules = {rule["type"]: rule for rule in environment["protection_rules"]}
    assert rules["required_reviewers"]["prevent_self_review"] is False  # she approves her own
    assert rules["wait_timer"]["wait_timer"] == release_settings.COOLING_OFF_MINUTES
    branch = next(r for r in state["rulesets"].values() if r["name"] == "Default branch")
    assert branch["bypass_actors"] == [
        {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "pull_request"}
    ]
    tags = next(r for r in state["rulesets"].values() if r["name"] == "Release tags")
    assert tags["bypass_actors"] == [
        {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}
    ]
    # The release workflow's own check accepts it, without a warning about self-review.
    result = run_preflight(github, "alice/example", ["pypi"], "v*")
    assert result.returncode == 0, result.stdout
    assert "may also approve" not in result.stdout
    # A second run leaves it as it is: no lockout comes back.
    code, out, _ = main(rendered("default"), "--apply", capsys=capsys)
    assert code == 0 and writes(checked_calls(github)) == []


@pytest.mark.parametrize("owner", ["octo-org", "alice"])
def test_a_private_free_repository_is_explained_before_any_write(
    owner: str,
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    team = ("@octo-org/release-team",) if owner == "octo-org" else ("@alice",)
    kind = "Organization" if owner == "octo-org" else "User"
    state = github_state(f"{owner}/sample", list(team), owner_type=kind)
    github = FakeGitHub(tmp_path / "gh", fake_gh.private_free(state))
    configure(monkeypatch, github, repository=f"{owner}/sample", team=team)
    code, out, _ = main(rendered("default"), "--apply", capsys=capsys)
    assert code == 0, out
    first_write = out.index("\nPUT ")
    assert out.index(f"{owner}/sample is private") < first_write
    assert "(its plan: free)" in out
    plan = plan_lines(out[:first_write])
    needs = "a private repository needs GitHub Pro, Team or Enterprise for it (GitHub Free)"
    assert plan["environment pypi"] == [f"? deployment rules: {needs}"]
    assert plan["ruleset Release tags"] == [f"? rulesets: {needs}"]
    assert plan["private vulnerability reporting"] == ["? for public repositories only"]
    assert plan["secret scanning"][0].startswith("? a private repository needs")
    made = writes(checked_calls(github))
    assert not any("rulesets" in path or "environments" in path for _, path in made)
    assert ("PUT", f"repos/{owner}/sample/actions/permissions/workflow") in made


def test_a_private_repository_on_github_team_gets_what_its_plan_offers(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = github_state("octo-org/sample", ["@octo-org/release-team"], private=True)
    state["organisation"]["plan"]["name"] = "team"
    github = FakeGitHub(tmp_path / "gh", state)
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    code, out, _ = main(rendered("default"), "--apply", capsys=capsys)
    assert code == 0, out
    needs = "a private repository needs GitHub Enterprise for them (GitHub Team)"
    assert f"? required reviewers and a wait timer: {needs}" in out
    checked_calls(github)
    after = github.load()
    environment = after["environments"]["pypi"]
    assert environment["deployment_branch_policy"]["custom_branch_policies"] is True
    assert [rule["type"] for rule in environment["protection_rules"]] == ["branch_policy"]
    assert [(p["type"], p["name"]) for p in after["policies"]["pypi"]] == [("tag", "v*")]
    assert {r["name"] for r in after["rulesets"].values()} == {"Release tags", "Default branch"}


def test_a_refusal_stops_one_setting_and_the_summary_says_so(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """A private repository whose plan GitHub does not show (not an owner of the organisation):
    each setting is tried, and what GitHub refuses is listed at the end."""
    state = github_state("octo-org/sample", ["@octo-org/release-team"])
    github = FakeGitHub(tmp_path / "gh", fake_gh.private_free(state, plan_shown=False))
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    code, out, err = main(rendered("default"), "--apply", capsys=capsys)
    assert code == release_settings.EXIT_REFUSED
    first_write = out.index("\nPUT ")
    assert out.index("octo-org/sample is private") < first_write
    plan = plan_lines(out[:first_write])
    assert any(line.startswith("? cannot be read") for line in plan["ruleset Release tags"])
    made = writes(checked_calls(github))
    assert not any("rulesets" in path for _, path in made)
    assert ("PUT", "repos/octo-org/sample/actions/permissions/workflow") in made  # carried on
    assert "refused: environment pypi: PUT repos/octo-org/sample/environments/pypi" in err
    assert "1 refused" in out


def test_an_organisation_policy_stops_one_setting_only(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = fake_gh.organisation_policy(github_state("octo-org/sample", ["@octo-org/release-team"]))
    github = FakeGitHub(tmp_path / "gh", state)
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    code, _, err = main(rendered("default"), "--apply", capsys=capsys)
    assert code == release_settings.EXIT_REFUSED
    assert "An organisation or enterprise policy decides it: ask its owners." in err
    made = writes(checked_calls(github))
    assert ("PUT", "repos/octo-org/sample/actions/permissions/workflow") in made
    assert ("PUT", "repos/octo-org/sample/immutable-releases") in made


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"logged_in": False}, 3, "not logged in: run `gh auth login`"),
        ({"repo": "not admin"}, 4, "You are not an administrator of octo-org/sample"),
        ({"teams": {}}, 5, "@octo-org/release-team is not on GitHub"),
        ({"accounts": {}}, 5, "@alice is not on GitHub"),
        ({"repo": "personal"}, 6, "only organisations have teams (@octo-org/release-team)"),
    ],
)
def test_errors_say_what_to_do_before_any_write(
    change: Json,
    code: int,
    message: str,
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])
    if change.get("repo") == "not admin":
        state["repo"]["permissions"]["admin"] = False
    elif change.get("repo") == "personal":
        state["repo"]["owner"]["type"] = "User"
    else:
        state.update(change)
    github = FakeGitHub(tmp_path / "gh", state)
    configure(monkeypatch, github)
    result, out, err = main(rendered("default"), "--apply", capsys=capsys)
    assert result == code, out + err
    assert message in words(err), err
    assert writes(checked_calls(github)) == []


def test_the_plan_of_a_non_administrator_says_what_it_cannot_read(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = github_state("octo-org/sample", ["@octo-org/release-team"])
    state["repo"]["permissions"]["admin"] = False
    state["refuse"].append(refuse("repos/octo-org/sample/actions", 403, "Must have admin rights"))
    github = FakeGitHub(tmp_path / "gh", state)
    configure(monkeypatch, github, team=("@octo-org/release-team",))
    code, out, _ = main(rendered("default"), capsys=capsys)
    assert code == 0
    assert "You are not an administrator of octo-org/sample" in out
    plan = plan_lines(out)
    assert plan["actions permissions"][0].startswith("? cannot be read: GET repos/octo-org/")
    assert "It needs admin rights on octo-org/sample." in out
    assert "+ required reviewer @octo-org/release-team" in plan["environment pypi"]
    assert writes(checked_calls(github)) == []


def test_without_gh_apply_says_how_to_get_it(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    result = run(rendered("default") / SCRIPT, "--check", env={"PATH": str(tmp_path)})
    assert result.returncode == 3
    assert "gh, is not installed" in result.stderr and "https://cli.github.com/" in result.stderr


def test_a_team_of_another_organisation_is_refused(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setattr(release_settings, "RELEASE_TEAM", ("@other-org/release",))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert release_settings.main([], root=tmp_path) == 2
    assert "@other-org/release is a team of other-org" in capsys.readouterr().err


def test_the_required_check_is_the_zizmor_job_that_runs_on_every_pull_request(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    project = rendered("default")
    workflow = load_yaml(project / ".github" / "workflows" / release_settings.ZIZMOR_WORKFLOW)
    assert not (workflow["on"]["pull_request"] or {}).get("paths")  # never a check left waiting
    (job,) = workflow["jobs"].values()
    result = run(project / SCRIPT, env={"PATH": str(tmp_path)})
    branch = next(
        body
        for _, _, body in printed_calls(result.stdout)
        if body and body.get("name") == "Default branch"
    )
    (rule,) = [rule for rule in branch["rules"] if rule["type"] == "required_status_checks"]
    contexts = [check["context"] for check in rule["parameters"]["required_status_checks"]]
    assert contexts == [job["name"]]


def test_signed_commits_are_opt_in(rendered: Callable[[str], Path], tmp_path: Path) -> None:
    script = rendered("default") / SCRIPT
    for args, signed in (((), False), (("--signed-commits",), True)):
        result = run(script, *args, env={"PATH": str(tmp_path)})
        branch = next(
            body
            for _, _, body in printed_calls(result.stdout)
            if body and body.get("name") == "Default branch"
        )
        assert ("required_signatures" in {rule["type"] for rule in branch["rules"]}) is signed


# --- The preflight job -------------------------------------------------------------------------


def preflight_job(environments: list[str], tag_pattern: str = "v*") -> Json:
    """includes/preflight.jinja's job, rendered with the template's own Jinja settings."""
    envops = dict(yaml.safe_load((ROOT / "copier.yml").read_text())["_envops"])
    envops["undefined"] = jinja2.StrictUndefined
    jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT), **envops)
    template = jinja.from_string(
        '[% from "includes/preflight.jinja" import preflight_job with context %]jobs:\n'
        "[[ preflight_job(environments, condition=\"github.event_name == 'release'\") ]]\n"
    )
    text = template.render(environments=environments, tag_pattern=tag_pattern)
    return yaml.safe_load(text)["jobs"]["preflight"]


def run_preflight(
    github: FakeGitHub, repository: str, environments: list[str], pattern: str
) -> subprocess.CompletedProcess[str]:
    (step,) = preflight_job(environments, pattern)["steps"]
    script = github.state_file.parent / "preflight.py"
    script.write_text(step["run"])
    return subprocess.run(
        [sys.executable, str(script)],
        env={
            **github.environment(),
            **step["env"],
            "GITHUB_REPOSITORY": repository,
            "GITHUB_SERVER_URL": "https://github.com",
        },
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_preflight_runs_the_modules_own_check() -> None:
    (step,) = preflight_job(["pypi"])["steps"]
    module = MODULE.read_text()
    check_section = module.split("# ---- The environment check")[1].split("# ---- End of")[0]
    body = check_section.split("\n", 1)[1].strip().replace("\n\n\n", "\n\n")
    assert body in step["run"]
    assert step["run"].rstrip().endswith("raise SystemExit(preflight(os.environ))")


def protected(**changes: Any) -> Json:
    body = {
        "reviewers": [{"type": "Team", "id": 100}],
        "prevent_self_review": True,
        "can_admins_bypass": False,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        **changes,
    }
    return {key: value for key, value in body.items() if value is not None}


TAG_RULE = {"name": "v*", "type": "tag"}
REFUSED = refuse(
    "repos/octo-org/sample/environments", 403, "Resource not accessible by integration"
)

#: case: (environments as set on GitHub, their deployment rules, the environments checked,
#: refused calls, the exit code, lines the check prints)
PREFLIGHT_CASES = {
    "protected": (
        {"pypi": protected()},
        [TAG_RULE],
        ["pypi"],
        [],
        0,
        ["pypi: required reviewers, deployments only"],
    ),
    "no reviewers": (
        {"pypi": protected(reviewers=None)},
        [TAG_RULE],
        ["pypi"],
        [],
        1,
        ["::error::The environment pypi has no required reviewers"],
    ),
    "no tag rule": (
        {"pypi": protected()},
        [{"name": "main", "type": "branch"}],
        ["pypi"],
        [],
        1,
        [
            "::error::The environment pypi has no deployment tag rule v*",
            "::warning::pypi: the branch main may deploy too.",
        ],
    ),
    "any ref deploys": (
        {"pypi": protected(deployment_branch_policy=None)},
        [],
        ["pypi"],
        [],
        1,
        ["::error::The environment pypi has no deployment tag rule v*"],
    ),
    "self-review and admin bypass": (
        {"pypi": protected(prevent_self_review=False, can_admins_bypass=True)},
        [TAG_RULE],
        ["pypi"],
        [],
        0,
        [
            "::warning::pypi: whoever starts a release may also approve it.",
            "::warning::pypi: administrators may publish without an approval.",
        ],
    ),
    "missing": (
        {"pypi": protected()},
        [TAG_RULE],
        ["pypi", "testpypi"],
        [],
        1,
        [
            "pypi: required reviewers",
            "::error::The environment testpypi does not exist, so nothing gates publishing.",
        ],
    ),
    "unreadable": (
        {},
        [],
        ["pypi"],
        [REFUSED],
        1,
        ["::error::Could not read the environment pypi: GET repos/octo-org/sample/environments"],
    ),
}


def gh(github: FakeGitHub, method: str, path: str, body: Json) -> None:
    """Set GitHub up through the stand-in, as a person with gh would."""
    subprocess.run(
        ["gh", "api", "--method", method, path, "--input", "-", "--header", API_VERSION],
        input=json.dumps(body),
        env=github.environment(),
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("case", sorted(PREFLIGHT_CASES))
def test_preflight_decides_from_the_environment(case: str, tmp_path: Path) -> None:
    environments, rules, checked, refused, code, expected = PREFLIGHT_CASES[case]
    repository = "octo-org/sample"
    github = FakeGitHub(tmp_path, github_state(repository, ["@octo-org/release-team"]))
    for name, body in environments.items():
        gh(github, "PUT", f"repos/{repository}/environments/{name}", body)
        for rule in rules:
            gh(
                github,
                "POST",
                f"repos/{repository}/environments/{name}/deployment-branch-policies",
                rule,
            )
    github.save({**github.load(), "refuse": refused})
    checked_calls(github)

    result = run_preflight(github, repository, checked, "v*")
    assert result.returncode == code, result.stdout + result.stderr
    for line in expected:
        assert line in result.stdout, result.stdout
    assert ("::error::" in result.stdout) == bool(code)
    if code:
        assert "(or: python .github/release-settings.py --apply)" in result.stdout
    assert all(call["method"] == "GET" for call in checked_calls(github))


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
def test_preflight_lets_a_private_repository_without_reviewers_release(
    private: bool, tmp_path: Path
) -> None:
    """Required reviewers come with GitHub Enterprise in a private repository: there, their
    absence is a warning, so that a first release on another plan does not fail."""
    repository = "octo-org/sample"
    github = FakeGitHub(tmp_path, github_state(repository, ["@octo-org/release-team"]))
    environments = f"repos/{repository}/environments/pypi"
    gh(github, "PUT", environments, protected(reviewers=None))
    gh(github, "POST", f"{environments}/deployment-branch-policies", TAG_RULE)
    (step,) = preflight_job(["pypi"], "v*")["steps"]
    assert step["env"]["REPOSITORY_PRIVATE"] == "${{ github.event.repository.private }}"
    script = tmp_path / "preflight.py"
    script.write_text(step["run"])
    result = subprocess.run(
        [sys.executable, str(script)],
        env={
            **github.environment(),
            **step["env"],
            "REPOSITORY_PRIVATE": "true" if private else "false",
            "GITHUB_REPOSITORY": repository,
            "GITHUB_SERVER_URL": "https://github.com",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    said = "The environment pypi has no required reviewers, so one person alone can publish"
    if private:
        assert result.returncode == 0, result.stdout
        assert f"::warning::{said} (a private repository has them only on GitHub Enterprise)" in (
            result.stdout
        )
    else:
        assert result.returncode == 1 and f"::error::{said}" in result.stdout


def test_preflight_job_is_least_privilege() -> None:
    job = preflight_job(["pypi", "testpypi"], tag_pattern="release-*")
    assert job["permissions"] == {"actions": "read"}
    assert job["if"] == "github.event_name == 'release'"
    (step,) = job["steps"]
    assert step["env"] == {
        "GH_TOKEN": "${{ github.token }}",
        "ENVIRONMENTS": "pypi testpypi",
        "TAG_PATTERN": "release-*",
        "REPOSITORY_PRIVATE": "${{ github.event.repository.private }}",
    }
    assert "${{" not in step["run"]
    assert step["shell"] == "python"


def test_release_workflow_runs_the_preflight_first(rendered: Callable[[str], Path]) -> None:
    wired = 0
    for name, answers in VARIANTS.items():
        jobs = load_yaml(release_workflow(rendered(name)))["jobs"]
        if "preflight" not in jobs:
            continue
        wired += 1
        preflight = jobs["preflight"]
        job = preflight_job(environments_of(answers), answers.get("tag_pattern", "v*"))
        steps = without_starter_step(preflight["steps"], answers)
        assert steps == job["steps"] and preflight["permissions"] == job["permissions"]
        dispatch = answers.get("release_trigger") == "workflow_dispatch"
        assert preflight.get("needs") == ("build" if dispatch else None)
        for job_id, job in jobs.items():
            if job_id.startswith("publish"):
                assert "preflight" in job["needs"] and job["if"] == preflight["if"]
    assert wired == sum(answers.get("preflight", True) for answers in VARIANTS.values())
