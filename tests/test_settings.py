"""`hardened-release settings` (src/hardened_release/settings) and the release workflow's
preflight job, run against a stand-in for the GitHub CLI (tests/fake_gh.py) that answers as
GitHub's REST API does.

Every request they send, and every response the stand-in gives, is validated against the
schemas of GitHub's REST API description (tests/data/github-rest, see its README.md).
"""

from __future__ import annotations

import itertools
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

from hardened_release import cli
from hardened_release.settings import answers as answers_module
from hardened_release.settings import github as settings_github
from hardened_release.settings import main as settings_main
from hardened_release.settings.environments import COOLING_OFF_MINUTES
from hardened_release.settings.local import codeowners_cover_github
from hardened_release.settings.protection import verdict
from hardened_release.settings.state import ZIZMOR_WORKFLOW

import fake_gh
from environment_states import PATTERN, STATES, EnvironmentState
from fake_gh import FakeGitHub, github_state, refuse
from github_rest import validate_request, validate_response
from helpers import (
    ANSWERS_FILE,
    ROOT,
    TemplateVersions,
    adopt,
    copier_cli,
    git,
    load_yaml,
    project_repository,
    release_workflow,
    render,
    repository_copy,
    snapshot,
    without_starter_step,
    words,
)
from helpers import update as update_project
from real_world import LAYOUTS
from variants import VARIANTS

Json = dict[str, Any]
WRITES = {"PUT", "POST", "PATCH", "DELETE"}
CALL = re.compile(r"(GET|PUT|POST|PATCH|DELETE) (\S+)")
PLACEHOLDER = re.compile(r'"<id of (@[^"]+)>"')
API_VERSION = "X-GitHub-Api-Version: 2022-11-28"
EXIT = {"missing": 1, "usage": 2, "gh": 3, "refused": 7, "unreadable": 8, "rate": 9, "offer": 10}


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
        if re.match(r"[a-z]", line) and not line.startswith("refused:"):
            current = plan.setdefault(line, [])
        elif current is not None and re.match(r"  [-+~<=!?xEi] ", line):
            current.append(line[2:])
        elif not line.strip():
            current = None
    return plan


def report_lines(output: str) -> dict[str, list[str]]:
    """--check's report: status -> its lines (`setting: control`)."""
    found: dict[str, list[str]] = {}
    for line in output.splitlines():
        match = re.fullmatch(r"(met|missing|not offered|unreadable) +(\S.*)", line)
        if match:
            found.setdefault(match[1], []).append(match[2])
    return found


def environments_of(answers: Json) -> list[str]:
    names = [answers.get("pypi_environment", "pypi")]
    if answers.get("testpypi"):
        names.append(answers.get("testpypi_environment", "testpypi"))
    return names


def team_of(answers: Json) -> list[str]:
    return str(answers.get("release_team", "")).replace(",", " ").split()


def with_answers(project: Path, **changes: Any) -> Path:
    """`project`'s answers file with `changes` (None removes an answer)."""
    file = project / ANSWERS_FILE
    answers = yaml.safe_load(file.read_text())
    answers.update(changes)
    file.write_text(yaml.safe_dump({k: v for k, v in answers.items() if v is not None}))
    return project


def copy_of(project: Path, destination: Path, **changes: Any) -> Path:
    return with_answers(shutil.copytree(project, destination), **changes)


def run(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as users type it (`hardened-release settings`, here `python -m`), in the
    project's checkout."""
    return subprocess.run(
        [sys.executable, "-m", "hardened_release", "settings", *args],
        capture_output=True,
        text=True,
        env={**(env or {}), "PYTHONPATH": str(ROOT / "src")},
        cwd=project,
        check=False,
    )


def main(
    root: Path,
    *args: str,
    capsys: pytest.CaptureFixture[str],
    github: FakeGitHub | None = None,
    monkeypatch: pytest.MonkeyPatch | None = None,
) -> tuple[int, str, str]:
    """The command in this process (faster), with the stand-in's `gh` on PATH, called in this
    process too (`run` and the tests of the preflight start it as a program)."""
    if github and monkeypatch:
        for name, value in github.environment().items():
            monkeypatch.setenv(name, value)
        monkeypatch.setattr(settings_github, "subprocess", github)
    code = settings_main(["--answers", str(root / ANSWERS_FILE), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[Json, Path]:
    return VARIANTS[request.param], rendered(request.param)


# --- The command, and what a render gives it -------------------------------------------------


def test_the_answers_file_gives_the_project_values(variant: tuple[Json, Path]) -> None:
    answers, project = variant
    values = answers_module.read(project / ANSWERS_FILE)
    assert values.repository == answers["github_repository"]
    assert values.environments == tuple(environments_of(answers))
    assert values.release_team == tuple(team_of(answers))
    assert values.tag_pattern == answers.get("tag_pattern", "v*")
    assert values.release_workflow == answers.get("release_workflow", "release.yml")
    assert values.releasing_doc == answers.get("releasing_doc", "RELEASING.md")
    assert values.zizmor_check == ("" if answers.get("zizmor") == "own" else "zizmor")
    assert values.root == project


def test_no_python_file_is_rendered_into_the_project(variant: tuple[Json, Path]) -> None:
    _, project = variant
    assert not [path for path in project.rglob("*.py")]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "No .copier-answers.hardened-release.yml in"),
        ("github_repository: [unclosed\n", "cannot be read as YAML"),
        ("- a list\n", "is not an answers file"),
        ("pypi_name: x\n", "has no github_repository"),
        ("github_repository: o/r\nrelease_team: alice\n", "'alice' is not a GitHub handle"),
        ("github_repository: o/r\nrelease_team: '@other/team'\n", "is a team of other"),
        ("github_repository: o/r\nrelease_team: '@a @b @c @d @e @f @g'\n", "at most 6"),
    ],
)
def test_a_bad_answers_file_is_one_line_and_no_traceback(
    content: str | None, said: str, tmp_path: Path
) -> None:
    if content is not None:
        (tmp_path / ANSWERS_FILE).write_text(content)
    result = run(tmp_path, env={"PATH": str(tmp_path)})
    assert result.returncode == EXIT["usage"], result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and not result.stdout


def test_answers_can_be_named_from_elsewhere(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    project = rendered("default")
    result = run(tmp_path, "--answers", str(project / ANSWERS_FILE), env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "PUT repos/octo-org/sample/actions/permissions" in result.stdout  # its workflows read


def test_the_console_script_runs_the_settings_subcommand(capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["settings", "--help"])
    assert exited.value.code == 0
    out = words(capsys.readouterr().out)
    for flag in ("--apply", "--check", "--prune", "--answers", "--signed-commits"):
        assert flag in out
    assert "10 --check: a control is not offered on this repository's plan" in out


def test_codeowners_names_the_release_team_for_github(rendered: Callable[[str], Path]) -> None:
    for name, answers in VARIANTS.items():
        project = rendered(name)
        codeowners = project / ".github" / "CODEOWNERS"
        assert codeowners.is_file() == bool(team_of(answers)), name
        assert codeowners_cover_github(project) == bool(team_of(answers))
        if team_of(answers):
            assert f"/.github/ {' '.join(team_of(answers))}\n" in codeowners.read_text()


@pytest.fixture(scope="module")
def solo_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A render for a team of one, on a personal account."""
    answers = {"pypi_name": "solo-pkg", "github_repository": "alice/example"}
    return render(tmp_path_factory.mktemp("solo"), {**answers, "release_team": "@alice"})


def test_the_release_document_says_what_the_command_sets(
    solo_project: Path, rendered: Callable[[str], Path]
) -> None:
    solo = words((solo_project / "RELEASING.md").read_text())
    minutes = f"{COOLING_OFF_MINUTES} minutes"
    one_maintainer = solo.split("## A one-maintainer project")[1]
    for said in ("*Prevent self-review* off", minutes, "*Repository admin* may bypass"):
        assert said in one_maintainer, said
    assert "**Prevent self-review**: off" in solo and "**Wait timer**: 60 minutes" in solo
    assert "counts it from when the publish job starts" in solo
    assert "The release team is one person, @alice" in solo
    setup = words((ROOT / "docs" / "setup.md").read_text())
    assert f"**wait timer** ({minutes}, counted from when the publish job starts)" in setup
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
    assert codeowners_cover_github(project)  # `*` names owners for .github/


# --- The command line the release document gives --------------------------------------------


def settings_lines(document: str) -> tuple[list[str], str]:
    """The release document's install lines, and its first `hardened-release settings` line."""
    blocks = re.findall(r"```bash\n(.*?)```", document.split("## One-time setup")[1], re.S)
    install = blocks[0].strip().splitlines()
    command = blocks[1].strip().splitlines()[0].split("  #")[0].strip()
    return install, command


def settings_spec(source: str, commit: str = "0123abcd" * 5) -> str:
    """What includes/settings.jinja makes of a template source and commit."""
    envops = dict(yaml.safe_load((ROOT / "copier.yml").read_text())["_envops"])
    envops["undefined"] = jinja2.StrictUndefined
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT), **envops)
    environment.filters["regex_replace"] = lambda value, pattern, new: re.sub(pattern, new, value)
    template = environment.from_string(
        '[% import "includes/settings.jinja" as settings with context %][[ settings.spec ]]'
    )
    conf = {"vcs_ref_hash": commit}
    return template.render(
        _copier_answers={"_src_path": source, "_commit": "v1.0"}, _copier_conf=conf
    )


@pytest.mark.parametrize(
    ("source", "spec"),
    [
        ("gh:octo-org/hardened-release", "git+https://github.com/octo-org/hardened-release.git"),
        (
            "gh:octo-org/hardened-release.git",
            "git+https://github.com/octo-org/hardened-release.git",
        ),
        (
            "https://github.com/octo-org/hardened-release",
            "git+https://github.com/octo-org/hardened-release",
        ),
        ("git+https://example.com/hr.git", "git+https://example.com/hr.git"),
        (
            "git@github.com:octo-org/hardened-release.git",
            "git+ssh://git@github.com/octo-org/hardened-release.git",
        ),
        ("/home/me/hardened-release", "git+file:///home/me/hardened-release"),
        ("~/src/hardened-release", "git+file://$HOME/src/hardened-release"),
        ("../hardened-release", "git+file://$PWD/../hardened-release"),
    ],
)
def test_the_install_line_pins_the_source_at_its_commit(source: str, spec: str) -> None:
    assert settings_spec(source) == f"{spec}@{'0123abcd' * 5}"
    assert settings_spec("/srv/template", commit="") == "/srv/template"  # a folder outside git


def test_the_documented_command_installs_the_rendered_version(tmp_path: Path) -> None:
    """From a local-path source: the release document's install line names the template's
    folder at the commit rendered, and pip builds the command from exactly that (without its
    dependencies), which then runs in the project."""
    template = repository_copy(tmp_path / "template")  # the working tree, committed
    head = git("rev-parse", "HEAD", cwd=template).strip()
    answers = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}
    project = render(tmp_path / "project", answers, template=template, vcs_ref="HEAD")
    install, command = settings_lines((project / "RELEASING.md").read_text())
    assert install[0] == "python3 -m venv ~/.hardened-release"
    pip = r'~/\.hardened-release/bin/python -m pip install --quiet "(.*)"'
    spec = re.fullmatch(pip, install[1])
    assert spec and spec[1] == f"git+file://{template}@{head}"
    git("commit", "-q", "--allow-empty", "-m", "A later commit", cwd=template)  # not installed
    assert command == "~/.hardened-release/bin/hardened-release settings"
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", wheels, spec[1]],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("hardened_release-*.whl")
    result = subprocess.run(
        [sys.executable, "-m", "hardened_release", "settings"],
        env={"PATH": str(tmp_path), "PYTHONPATH": str(wheel)},
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "PUT repos/octo-org/sample/environments/pypi" in result.stdout


def test_copiers_messages_give_the_same_command(tmp_path: Path) -> None:
    """After `copier copy` and `copier update`, the messages name the install lines and the
    command that the release document gives. From a repository of the template's files alone:
    the messages and the document name its source and commit, whatever else it holds (the test
    above installs from a copy of the whole repository)."""
    template = TemplateVersions(tmp_path / "template").path
    git("add", "-A", cwd=template)
    git("commit", "-q", "-m", "The template", cwd=template)
    project = tmp_path / "project"
    copied = copier_cli(
        "copy", "--defaults", "--vcs-ref=HEAD", "-d", "pypi_name=sample-pkg",
        "-d", "github_repository=octo-org/sample", template, project,
    )  # fmt: skip
    assert copied.returncode == 0, copied.stderr
    install, command = settings_lines((project / "RELEASING.md").read_text())
    said = words(copied.stderr)
    assert all(line in said for line in install) and command in said
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Rendered", cwd=project)
    git("commit", "-q", "--allow-empty", "-m", "A later version", cwd=template)
    updated = copier_cli("update", "--answers-file", ANSWERS_FILE, "--defaults", cwd=project)
    assert updated.returncode == 0, updated.stderr
    install, _ = settings_lines((project / "RELEASING.md").read_text())
    assert " && ".join([*install, f"{command} --check"]) in words(updated.stderr)


# --- Offline: the listing --------------------------------------------------------------------


def test_offline_it_lists_valid_calls_for_an_empty_repository(
    variant: tuple[Json, Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """In this process (`main`); run as a program, offline, in the tests around it."""
    answers, project = variant
    monkeypatch.setenv("PATH", str(tmp_path))  # no gh: nothing on PATH
    code, out, err = main(project, capsys=capsys)
    assert code == 0, err
    assert "gh, is not installed" in err
    calls = printed_calls(out)
    for method, path, body in calls:
        validate_request(method, path, body)
    repo = f"repos/{answers['github_repository']}"
    team = team_of(answers)
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
        *([("POST", f"{repo}/rulesets")] if team else []),  # the branch rule waits for a team
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
        for action in re.findall(r"uses: ([\w.-]+/[\w./-]+)@", _workflow_text(project))
        if not action.startswith(("actions/", "github/"))
    }
    assert allow_list["patterns_allowed"] == sorted(used)
    permissions = bodies[("PUT", f"{repo}/actions/permissions")]
    assert permissions["sha_pinning_required"] is True  # every uses: of the render is pinned
    if not team:
        assert "no required reviewers" in out


def _workflow_text(project: Path) -> str:
    return "".join(path.read_text() for path in (project / ".github" / "workflows").glob("*"))


# --- Live: against the stand-in ----------------------------------------------------------------

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
PULL_REQUESTS = """\
name: Update pre-commit hooks
on:
  schedule:
    - cron: "0 6 * * 1"
permissions:
  contents: write
  pull-requests: write
jobs:
  update:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000  # v4
      - run: pre-commit autoupdate
      - uses: peter-evans/create-pull-request@0000000000000000000000000000000000000000  # v7
"""
TAGGER = """\
name: Tag a release
on: workflow_dispatch
permissions:
  contents: write
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@0000000000000000000000000000000000000000  # v4
      - run: git tag "v$(cat VERSION)" && git push origin --tags
"""


@pytest.fixture
def project(rendered: Callable[[str], Path], tmp_path: Path) -> Path:
    """A copy of the rendered default variant, whose answers name octo-org/sample and a
    release team of a team and a user."""
    return copy_of(
        rendered("default"), tmp_path / "project", release_team="@octo-org/release-team @alice"
    )


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
#: with names and a tag pattern of their own, a team of one.
SETTINGS_VARIANTS = [
    "default",
    "monthly-long-cooldown-team",
    "one-day-cooldown-custom-envs",
    "solo-bare-tags",
]


@pytest.mark.parametrize("name", SETTINGS_VARIANTS)
def test_apply_on_an_empty_repository_is_idempotent_and_check_agrees(
    name: str,
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """In this process (`main`): the command as a program, and its `gh` as one, run in
    test_after_adoption_apply_breaks_no_workflow_of_the_project."""
    answers, project = VARIANTS[name], rendered(name)
    team = team_of(answers)
    github = FakeGitHub(tmp_path, github_state(answers["github_repository"], team))
    code, out, err = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == 0, out + err
    made = writes(checked_calls(github))
    assert made == [tuple(line.split(" ", 1)) for line in out.splitlines() if CALL.fullmatch(line)]
    assert len(made) == 2 * len(environments_of(answers)) + (8 if team else 7)

    code, out, err = main(project, "--apply", capsys=capsys)
    assert code == 0, err
    assert writes(checked_calls(github)) == []
    assert "0 settings changed, 0 refused." in out

    code, out, err = main(project, "--check", capsys=capsys)
    report = report_lines(out)
    assert not report.get("unreadable") and not report.get("not offered")
    gates = [f"environment {name}: gates a release" for name in environments_of(answers)]
    if team:
        assert code == 0, out + err
        assert "missing" not in report, report
        assert [line for line in report["met"] if ": gates a release" in line] == [
            f"{line}: the preflight check passes" for line in gates
        ]
    else:  # what --apply cannot set: the release team is not named
        assert code == EXIT["missing"], out + err
        assert all(
            re.search(r": (no required reviewers|does not gate a release)", line)
            or line.startswith("ruleset Default branch: not set")
            for line in report["missing"]
        ), report["missing"]
    assert f"{sum(len(lines) for lines in report.values())} controls" in out
    assert all(call["method"] == "GET" for call in checked_calls(github))
    # The release workflow's preflight lets a release through exactly when a team reviews.
    pattern = answers.get("tag_pattern", "v*")
    environments = environments_of(answers)
    preflight = run_preflight(github, answers["github_repository"], environments, pattern)
    assert preflight.returncode == (0 if team else 1), preflight.stdout


def test_check_names_each_missing_control_and_apply_repairs_it(
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    project = rendered("one-day-cooldown-custom-envs")
    github = FakeGitHub(tmp_path, github_state("octo-org/sample", []))
    assert main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)[0] == 0
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

    code, out, err = main(project, "--check", capsys=capsys)
    assert code == EXIT["missing"], out + err
    missing = report_lines(out)["missing"]
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
    waiting = [line for line in missing if line not in fixed_by_apply]
    assert set(fixed_by_apply) <= set(missing)
    assert all(
        re.search(r": (no required reviewers|does not gate a release)", line)
        or "Default branch: not set" in line
        for line in waiting
    )
    assert all(call["method"] == "GET" for call in checked_calls(github))

    code, _, err = main(project, "--apply", capsys=capsys)
    assert code == 0, err
    checked_calls(github)
    _, out, _ = main(project, "--check", capsys=capsys)
    assert report_lines(out)["missing"] == waiting


def test_the_plan_reads_the_live_settings_and_changes_nothing(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    state = existing_settings(github_state("octo-org/sample", ["@octo-org/release-team"]))
    github = FakeGitHub(tmp_path / "gh", state)
    with_answers(project, release_team="@octo-org/release-team")
    code, out, _ = main(
        with_other_workflows(project), capsys=capsys, github=github, monkeypatch=monkeypatch
    )
    assert code == 0
    assert writes(checked_calls(github)) == []
    plan = plan_lines(out)
    environment = plan["environment pypi"]
    assert "+ required reviewer @octo-org/release-team" in environment
    kept = "(kept; --prune removes it)"
    assert f"! required reviewer @alice, not in the release team {kept}" in environment
    assert f"! required reviewer @bob, not in the release team {kept}" in environment
    assert "= wait timer 10 minutes from the start of the publish job" in environment
    assert f"! deployment branch rule main: it may deploy too {kept}" in environment
    assert f"! deployment tag rule deploy-*: it may deploy too {kept}" in environment
    branch = plan["ruleset Default branch"]
    assert f"! bypass: GitHub App 999, besides the release team {kept}" in branch
    assert "= rule required_status_checks" in branch
    actions = plan["actions permissions"]
    assert "= allow codecov/codecov-action@*: a workflow uses it" in actions
    assert "= allow octo-org/private-action@* (kept)" in actions
    assert "+ allow astral-sh/setup-uv@*: a workflow uses it" in actions
    assert "Nothing was changed" in out


def test_apply_keeps_what_the_repository_has(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    github = FakeGitHub(
        tmp_path / "gh",
        existing_settings(github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])),
    )
    before = github.load()
    root = with_other_workflows(project)
    code, out, err = main(root, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
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
    assert rules["required_reviewers"]["prevent_self_review"] is True
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
    assert ".github/actions/setup/action.yml:5: - uses: astral-sh/setup-uv@v6" in out
    # A job pushes with the default token: it stays as it was, and the job is named.
    assert actions["permissions/workflow"]["default_workflow_permissions"] == "write"
    assert ".github/workflows/ci.yml: job docs (git push)" in out

    code, out, _ = main(root, "--apply", capsys=capsys)
    assert code == 0 and writes(checked_calls(github)) == []
    code, out, _ = main(root, "--check", capsys=capsys)
    assert code == EXIT["missing"]  # what only the workflows' owner can fix: pins, permissions
    report = report_lines(out)
    bob = "required reviewer @bob, not in the release team (kept; --apply --prune removes it)"
    assert f"environment pypi: {bob}" in report["met"]
    assert (
        "ruleset Default branch: bypass: GitHub App 999, besides the release team (kept; "
        "--apply --prune removes it)" in report["met"]
    )
    assert sorted({line.split(": ")[0] for line in report["missing"]}) == [
        "actions default token",
        "actions permissions",
    ]
    assert not any("(--apply sets it)" in line for line in report["missing"])
    assert not any(re.search(r"\b(100|101|102)\b", line) for line in out.splitlines())  # handles

    # --check --prune counts what --prune would remove.
    code, out, _ = main(root, "--check", "--prune", capsys=capsys)
    assert code == EXIT["missing"]
    pruned = report_lines(out)["missing"]
    removes = "(--apply --prune removes it)"
    assert f"environment pypi: required reviewer @bob, not in the release team {removes}" in pruned
    assert f"environment pypi: deployment branch rule main: it may deploy too {removes}" in pruned
    assert any("GitHub App 999" in line for line in pruned)

    code, out, _ = main(root, "--apply", "--prune", capsys=capsys)
    assert code == 0
    checked_calls(github)
    pruned_state = github.load()
    review = pruned_state["environments"]["pypi"]["protection_rules"]
    reviewers_left = next(rule for rule in review if rule["type"] == "required_reviewers")[
        "reviewers"
    ]
    assert {r["reviewer"].get("login", r["reviewer"].get("slug")) for r in reviewers_left} == {
        "alice",
        "release-team",
    }
    assert [(p["type"], p["name"]) for p in pruned_state["policies"]["pypi"]] == [("tag", "v*")]
    assert fake_gh.APP_BYPASS not in pruned_state["rulesets"]["501"]["bypass_actors"]
    assert pruned_state["actions"]["permissions/workflow"]["default_workflow_permissions"] == "read"


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
    result = run(project, "--apply", env=github.environment())
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
        tmp_path / "gh", github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])
    )
    with_other_workflows(project)
    code, out, _ = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
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
    project = copy_of(
        rendered("default"),
        tmp_path / "p",
        github_repository="alice/example",
        release_team="@alice",
    )
    code, out, _ = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == 0, out
    assert out.count("The release team is one person, @alice") == 1
    assert "waits 60 minutes from its start" in words(out)
    checked_calls(github)
    state = github.load()
    environment = state["environments"]["pypi"]
    rules = {rule["type"]: rule for rule in environment["protection_rules"]}
    assert rules["required_reviewers"]["prevent_self_review"] is False  # she approves her own
    assert rules["wait_timer"]["wait_timer"] == COOLING_OFF_MINUTES
    branch = next(r for r in state["rulesets"].values() if r["name"] == "Default branch")
    assert branch["bypass_actors"] == [
        {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "pull_request"}
    ]
    tags = next(r for r in state["rulesets"].values() if r["name"] == "Release tags")
    assert tags["bypass_actors"] == [
        {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}
    ]
    # The release workflow's own check accepts it.
    result = run_preflight(github, "alice/example", ["pypi"], "v*")
    assert result.returncode == 0, result.stdout
    # A second run leaves it as it is: no lockout comes back.
    code, out, _ = main(project, "--apply", capsys=capsys)
    assert code == 0 and writes(checked_calls(github)) == []


def test_a_release_team_of_one_team_never_approves_its_own(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    """A team is more than one person: whoever starts a release never approves it."""
    github = FakeGitHub(
        tmp_path / "gh", github_state("octo-org/sample", ["@octo-org/release-team"])
    )
    with_answers(project, release_team="@octo-org/release-team")
    code, out, _ = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == 0, out
    checked_calls(github)
    rules = github.load()["environments"]["pypi"]["protection_rules"]
    review = next(rule for rule in rules if rule["type"] == "required_reviewers")
    assert review["prevent_self_review"] is True
    assert run_preflight(github, "octo-org/sample", ["pypi"], "v*").returncode == 0


@pytest.mark.parametrize("owner", ["octo-org", "alice"])
def test_a_private_free_repository_is_explained_before_any_write(
    owner: str,
    rendered: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    team = "@octo-org/release-team" if owner == "octo-org" else "@alice"
    kind = "Organization" if owner == "octo-org" else "User"
    state = github_state(f"{owner}/sample", [team], owner_type=kind)
    github = FakeGitHub(tmp_path / "gh", fake_gh.private_free(state))
    project = copy_of(
        rendered("default"), tmp_path / "p", github_repository=f"{owner}/sample", release_team=team
    )
    code, out, _ = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
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
    # --check does not pass it silently: what the plan lacks is its own status.
    code, out, _ = main(project, "--check", capsys=capsys)
    assert code == EXIT["offer"], out
    assert f"environment pypi: deployment rules: {needs}" in report_lines(out)["not offered"]


def test_a_private_repository_on_github_team_gets_what_its_plan_offers(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = github_state("octo-org/sample", ["@octo-org/release-team"], private=True)
    state["organisation"]["plan"]["name"] = "team"
    github = FakeGitHub(tmp_path / "gh", state)
    with_answers(project, release_team="@octo-org/release-team")
    code, out, _ = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
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
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    """A private repository whose plan GitHub does not show (not an owner of the organisation):
    what cannot be read is said and fails the run; the rest is tried, and refusals listed."""
    state = github_state("octo-org/sample", ["@octo-org/release-team"])
    github = FakeGitHub(tmp_path / "gh", fake_gh.private_free(state, plan_shown=False))
    with_answers(project, release_team="@octo-org/release-team")
    code, out, err = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == EXIT["unreadable"]  # the rulesets could not be read: never a pass
    first_write = out.index("\nPUT ")
    assert out.index("octo-org/sample is private") < first_write
    plan = plan_lines(out[:first_write])
    assert plan["ruleset Release tags"][0].startswith("E could not be read: GET repos/octo-org/")
    made = writes(checked_calls(github))
    assert not any("rulesets" in path for _, path in made)
    assert ("PUT", "repos/octo-org/sample/actions/permissions/workflow") in made  # carried on
    assert "refused: environment pypi: PUT repos/octo-org/sample/environments/pypi" in err
    assert "not read, so not changed: ruleset Release tags" in err
    assert "1 refused" in out


def test_an_organisation_policy_stops_one_setting_only(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = fake_gh.organisation_policy(
        github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])
    )
    github = FakeGitHub(tmp_path / "gh", state)
    code, _, err = main(project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == EXIT["refused"]
    assert "An organisation or enterprise policy decides it: ask its owners." in err
    made = writes(checked_calls(github))
    assert ("PUT", "repos/octo-org/sample/actions/permissions/workflow") in made
    assert ("PUT", "repos/octo-org/sample/immutable-releases") in made


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"logged_in": False}, 3, "not logged in to github.com: run `gh auth login`"),
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
    project: Path,
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
    result, out, err = main(
        project, "--apply", capsys=capsys, github=github, monkeypatch=monkeypatch
    )
    assert result == code, out + err
    assert message in words(err), err
    assert writes(checked_calls(github)) == []


def test_the_plan_of_a_non_administrator_says_what_it_cannot_read(
    project: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
) -> None:
    state = github_state("octo-org/sample", ["@octo-org/release-team"])
    state["repo"]["permissions"]["admin"] = False
    state["refuse"].append(refuse("repos/octo-org/sample/actions", 403, "Must have admin rights"))
    github = FakeGitHub(tmp_path / "gh", state)
    with_answers(project, release_team="@octo-org/release-team")
    code, out, _ = main(project, capsys=capsys, github=github, monkeypatch=monkeypatch)
    assert code == EXIT["unreadable"]
    assert "You are not an administrator of octo-org/sample" in out
    plan = plan_lines(out)
    assert plan["actions permissions"][0].startswith("E could not be read: GET repos/octo-org/")
    assert "(only administrators may read it)" in out
    assert "+ required reviewer @octo-org/release-team" in plan["environment pypi"]
    assert writes(checked_calls(github)) == []


def test_without_gh_check_says_how_to_get_it(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    result = run(rendered("default"), "--check", env={"PATH": str(tmp_path)})
    assert result.returncode == EXIT["gh"]
    assert "gh, is not installed" in result.stderr and "https://cli.github.com/" in result.stderr


def test_the_required_check_is_the_zizmor_job_that_runs_on_every_pull_request(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    workflow = load_yaml(project / ".github" / "workflows" / ZIZMOR_WORKFLOW)
    assert not (workflow["on"]["pull_request"] or {}).get("paths")  # never a check left waiting
    (job,) = workflow["jobs"].values()
    monkeypatch.setenv("PATH", str(tmp_path))  # offline
    _, out, _ = main(project, capsys=capsys)
    branch = next(
        body for _, _, body in printed_calls(out) if body and body.get("name") == "Default branch"
    )
    (rule,) = [rule for rule in branch["rules"] if rule["type"] == "required_status_checks"]
    contexts = [check["context"] for check in rule["parameters"]["required_status_checks"]]
    assert contexts == [job["name"]]


def test_signed_commits_are_opt_in(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # offline
    for args, signed in (((), False), (("--signed-commits",), True)):
        _, out, _ = main(project, *args, capsys=capsys)
        branch = next(
            body
            for _, _, body in printed_calls(out)
            if body and body.get("name") == "Default branch"
        )
        assert ("required_signatures" in {rule["type"] for rule in branch["rules"]}) is signed


# --- The preflight job, and the one definition of a protected environment -----------------------


def preflight_job(environments: list[str], tag_pattern: str = "v*") -> Json:
    """includes/preflight.jinja's job, rendered with the template's own Jinja settings."""
    envops = dict(yaml.safe_load((ROOT / "copier.yml").read_text())["_envops"])
    envops["undefined"] = jinja2.StrictUndefined
    jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT), **envops)
    template = jinja.from_string(
        '[% from "includes/preflight.jinja" import preflight_job with context %]jobs:\n'
        "[[ preflight_job(environments, condition=\"github.event_name == 'release'\") ]]\n"
    )
    text = template.render(
        environments=environments, tag_pattern=tag_pattern, releasing_doc="RELEASING.md"
    )
    return yaml.safe_load(text)["jobs"]["preflight"]


def run_preflight(
    github: FakeGitHub,
    repository: str,
    environments: list[str],
    pattern: str,
    private: bool = False,
) -> subprocess.CompletedProcess[str]:
    (step,) = preflight_job(environments, pattern)["steps"]
    assert step["shell"] == "python"
    script = github.state_file.parent / "preflight.py"
    script.write_text(step["run"])
    return subprocess.run(
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


def github_with(
    tmp_path: Path, states: dict[str, EnvironmentState], private: bool = False
) -> FakeGitHub:
    """The stand-in, holding each environment as GitHub answers it."""
    state = github_state("octo-org/sample", ["@octo-org/release-team"], private=private)
    for name, found in states.items():
        response = found.response(name)
        if response is not None:
            validate_response("GET", f"repos/octo-org/sample/environments/{name}", 200, response)
            state["environments"][name] = response
            state["policies"][name] = list(found.rules)
    return FakeGitHub(tmp_path, state)


@pytest.mark.parametrize("case", sorted(STATES))
def test_the_command_and_the_preflight_give_one_verdict(case: str, tmp_path: Path) -> None:
    found = STATES[case]
    response = found.response("pypi")
    rules = (
        list(found.rules)
        if response and (response["deployment_branch_policy"] or {}).get("custom_branch_policies")
        else None
    )
    decided = verdict("pypi", response, rules, PATTERN, found.private)
    assert decided.protected is found.protected, decided
    github = github_with(tmp_path, {"pypi": found}, private=found.private)
    result = run_preflight(github, "octo-org/sample", ["pypi"], PATTERN, private=found.private)
    assert result.returncode == (0 if found.protected else 1), result.stdout + result.stderr
    assert ("::error::" in result.stdout) is not found.protected
    if not found.protected:
        assert "hardened-release settings --apply (RELEASING.md)" in result.stderr
    assert all(call["method"] == "GET" for call in checked_calls(github))


@pytest.mark.parametrize(
    "unprotected", sorted(name for name, found in STATES.items() if not found.protected)
)
def test_every_environment_is_checked_whatever_the_order(unprotected: str, tmp_path: Path) -> None:
    """An unprotected environment fails the release before or after a protected one."""
    states = {
        "good": STATES["a team reviews, only release tags deploy"],
        "bad": STATES[unprotected],
    }
    private = STATES[unprotected].private
    github = github_with(tmp_path, states, private=private)
    for order in itertools.permutations(states):
        result = run_preflight(github, "octo-org/sample", list(order), PATTERN, private=private)
        assert result.returncode == 1, (order, result.stdout)
        assert "::error::bad " in result.stdout and "::error::good" not in result.stdout


def test_the_preflight_fails_closed_when_github_does_not_answer(tmp_path: Path) -> None:
    github = github_with(tmp_path, {"pypi": STATES["a team reviews, only release tags deploy"]})
    state = github.load()
    state["refuse"] = [
        refuse("repos/octo-org/sample/environments", 403, "Resource not accessible by integration")
    ]
    github.save(state)
    result = run_preflight(github, "octo-org/sample", ["pypi"], PATTERN)
    assert (
        result.returncode == 1 and "::error::pypi does not exist or cannot be read" in result.stdout
    )


def test_the_preflight_step_is_short_python_of_its_own() -> None:
    (step,) = preflight_job(["pypi"])["steps"]
    lines = [line for line in step["run"].splitlines() if line.strip()]
    assert len(lines) <= 28, len(lines)  # about 25: it reads in one sitting
    assert all(len(line) <= 90 for line in lines)  # 100 in the workflow, as indented there
    assert "hardened_release" not in step["run"]  # nothing to install: its own few lines


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
        releasing_doc = answers.get("releasing_doc", "RELEASING.md")
        steps[-1]["run"] = steps[-1]["run"].replace(releasing_doc, "RELEASING.md")
        assert steps == job["steps"] and preflight["permissions"] == job["permissions"]
        dispatch = answers.get("release_trigger") == "workflow_dispatch"
        assert preflight.get("needs") == ("build" if dispatch else None)
        for job_id, job in jobs.items():
            if job_id.startswith("publish"):
                assert "preflight" in job["needs"] and job["if"] == preflight["if"]
    assert wired == sum(answers.get("preflight", True) for answers in VARIANTS.values())


# --- Issue 19: states GitHub really has ---------------------------------------------------------


@pytest.fixture
def live(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> Callable[..., tuple[int, str, str, FakeGitHub]]:
    """Run the command on `project` against a stand-in whose state `change` edits first."""

    def go(*args: str, change: Callable[[Json], None] = lambda _: None) -> Any:
        state = github_state("octo-org/sample", ["@octo-org/release-team", "@alice"])
        change(state)
        github = FakeGitHub(tmp_path / f"gh{len(list(tmp_path.iterdir()))}", state)
        code, out, err = main(project, *args, capsys=capsys, github=github, monkeypatch=monkeypatch)
        return code, out, err, github

    return go


@pytest.mark.parametrize("mode", [(), ("--apply",), ("--check",)])
def test_a_setting_that_cannot_be_read_fails_in_every_mode(
    mode: tuple[str, ...], live: Any
) -> None:
    def refuse_rulesets(state: Json) -> None:
        state["refuse"].append(
            refuse("repos/octo-org/sample/rulesets", 403, "Must have admin rights")
        )

    code, out, err, github = live(*mode, change=refuse_rulesets)
    assert code == EXIT["unreadable"], out + err
    assert "only administrators" not in out  # an administrator runs it: no advice to be one
    assert "Every" not in out and "rulesets" not in " ".join(
        p for _, p in writes(checked_calls(github))
    )
    if mode == ("--check",):
        assert any(
            line.startswith("ruleset Release tags: could not be read")
            for line in report_lines(out)["unreadable"]
        )


def test_a_rate_limit_stops_the_run_with_the_reset_time(live: Any) -> None:
    def limited(state: Json) -> None:
        state["refuse"].append(fake_gh.rate_limited("repos/octo-org/sample/rulesets"))

    code, out, err, github = live("--apply", change=limited)
    assert code == EXIT["rate"], out + err
    assert "rate limit; try again after 03:04:05 UTC" in err  # x-ratelimit-reset: 1767323045
    assert writes(checked_calls(github)) == []  # it stops while reading: nothing is written


@pytest.mark.parametrize(
    ("rule", "said"),
    [
        (
            refuse(
                "repos/octo-org/sample", 403, "Resource protected by organization SAML enforcement."
            ),
            "SAML",
        ),
        (refuse("repos/octo-org/sample", 502, "Server Error"), "HTTP 502"),
        (refuse("repos/octo-org/sample", 200, "", raw="<html>Unicorn!</html>"), "not JSON"),
        (
            refuse("orgs/octo-org/teams", 403, "Must be an organization member"),
            "organization member",
        ),
    ],
)
def test_what_github_does_not_answer_is_unreadable_not_not_found(
    rule: Json, said: str, live: Any
) -> None:
    code, out, err, _ = live(change=lambda state: state["refuse"].append(rule))
    assert code == EXIT["unreadable"], out + err
    assert said in err and "Traceback" not in err and "not found" not in err


def test_a_half_applied_actions_setting_is_restored(live: Any) -> None:
    def refuse_allow_list(state: Json) -> None:
        path = "repos/octo-org/sample/actions/permissions/selected-actions"
        state["refuse"].append(refuse(path, 422, "Invalid pattern", ("PUT",)))

    code, out, err, github = live("--apply", change=refuse_allow_list)
    assert code == EXIT["refused"], out + err
    made = writes(checked_calls(github))
    permissions = ("PUT", "repos/octo-org/sample/actions/permissions")
    assert made.count(permissions) == 2  # set, then restored
    assert github.load()["actions"]["permissions"]["allowed_actions"] == "all"  # as it was
    assert "Its earlier change was undone" in err


def test_workflows_that_open_pull_requests_keep_working(project: Path, live: Any) -> None:
    (project / ".github" / "workflows" / "autoupdate.yml").write_text(PULL_REQUESTS)
    code, out, _, github = live("--apply")
    assert code == 0, out
    token = github.load()["actions"]["permissions/workflow"]
    assert token["can_approve_pull_request_reviews"] is True
    assert token["default_workflow_permissions"] == "read"
    assert ".github/workflows/autoupdate.yml: job update" in out


def test_workflows_that_push_tags_are_named_with_what_lets_them_through(
    project: Path, live: Any
) -> None:
    (project / ".github" / "workflows" / "tag.yml").write_text(TAGGER)
    code, out, _, _ = live()
    assert code == 0
    (line,) = [line for line in plan_lines(out)["ruleset Release tags"] if "tag.yml" in line]
    assert line.startswith("i .github/workflows/tag.yml: job tag (git tag)")
    assert "GitHub Actions app (integration 15368) as a bypass actor" in line


def test_another_hosts_stale_login_does_not_matter(live: Any) -> None:
    code, out, err, _ = live(change=lambda state: state.update(other_host_stale=True))
    assert code == 0 and "Offline" not in out, err


def test_a_stricter_allow_list_is_never_broadened(live: Any) -> None:
    def strict(state: Json) -> None:
        fake_gh.with_allow_list(state, ["actions/*"])
        state["actions"]["permissions/selected-actions"].update(
            github_owned_allowed=False, verified_allowed=False
        )

    code, out, _, github = live("--apply", change=strict)
    assert code == 0, out
    allowed = github.load()["actions"]["permissions/selected-actions"]
    assert allowed["github_owned_allowed"] is False and "actions/*" in allowed["patterns_allowed"]


def test_local_only_is_a_marked_loosening(live: Any) -> None:
    def local(state: Json) -> None:
        state["actions"]["permissions"]["allowed_actions"] = "local_only"

    code, out, _, github = live("--apply", change=local)
    assert code == 0, out
    (line,) = [line for line in plan_lines(out)["actions permissions"] if line.startswith("<")]
    assert "the release workflow needs pypa/gh-action-pypi-publish" in line
    assert github.load()["actions"]["permissions"]["allowed_actions"] == "selected"


def test_without_a_team_an_environment_keeps_prevent_self_review(project: Path, live: Any) -> None:
    with_answers(project, release_team="")

    def one_reviewer(state: Json) -> None:
        fake_gh.with_environment(state, "pypi", ["@alice"])
        rule = next(
            r
            for r in state["environments"]["pypi"]["protection_rules"]
            if r["type"] == "required_reviewers"
        )
        rule["prevent_self_review"] = True

    code, out, _, github = live("--apply", change=one_reviewer)
    assert code == 0, out
    rules = github.load()["environments"]["pypi"]["protection_rules"]
    assert (
        next(r for r in rules if r["type"] == "required_reviewers")["prevent_self_review"] is True
    )


def test_reviewers_access_and_admin_rights_are_checked_before_writing(live: Any) -> None:
    def no_access(state: Json) -> None:
        state["access"]["alice"] = "none"

    code, out, _, github = live("--apply", change=no_access)
    assert code == 0, out
    environment = plan_lines(out)["environment pypi"]
    assert any(line.startswith("x required reviewer @alice: no access") for line in environment)
    tags = plan_lines(out)["ruleset Release tags"]
    assert any("@alice is not an administrator" in line for line in tags)
    state = github.load()
    assert "Release tags" not in {r["name"] for r in state["rulesets"].values()}
    rules = state["environments"]["pypi"]["protection_rules"]
    reviewers = next(r for r in rules if r["type"] == "required_reviewers")["reviewers"]
    assert [r["type"] for r in reviewers] == ["Team"]  # the environment is set, without her


def test_more_than_six_reviewers_leave_the_environment_as_it_is(live: Any) -> None:
    others = tuple(f"user{n}" for n in range(6))

    def crowded(state: Json) -> None:
        crowd = github_state("octo-org/sample", ["@octo-org/release-team", "@alice"], others=others)
        state.update(crowd)
        fake_gh.with_environment(state, "pypi", [f"@{other}" for other in others])

    code, out, _, github = live("--apply", change=crowded)
    assert code == 0, out
    assert any("more than GitHub's 6" in line for line in plan_lines(out)["environment pypi"])
    assert not any(path.endswith("environments/pypi") for _, path in writes(checked_calls(github)))


def test_rulesets_are_found_past_the_first_page(live: Any) -> None:
    def many(state: Json) -> None:
        for number in range(120):
            made = fake_gh.ruleset(
                state, number + 1, {"name": f"Other {number}", "enforcement": "active"}
            )
            state["rulesets"][str(number + 1)] = made
        fake_gh.with_rulesets(state, "Default branch", "Release tags")

    code, out, _, github = live("--apply", change=many)
    assert code == 0, out
    assert len(github.load()["rulesets"]) == 122  # merged into, none added


@pytest.mark.parametrize("edited", [False, True], ids=["as-rendered", "edited"])
def test_an_update_deletes_the_old_settings_script(edited: bool, tmp_path: Path) -> None:
    """What the CHANGELOG tells projects rendered before the command: Copier's update deletes
    `.github/release-settings.py`, which the template no longer renders, even an edited one."""
    versions = TemplateVersions(tmp_path / "template")  # the template's files, in git
    template = versions.path
    old = template / "template" / ".github" / "release-settings.py.jinja"
    old.write_text('"""The settings script, as versions before the command rendered it."""\n')
    versions.release("v0.1.0")
    old.unlink()
    versions.release("v0.2.0")
    answers = {"pypi_name": "sample-pkg", "github_repository": "octo-org/sample"}
    project = render(tmp_path / "project", answers, template=template, vcs_ref="v0.1.0")
    script = project / ".github" / "release-settings.py"
    assert script.is_file()
    if edited:
        script.write_text(script.read_text() + "# An edit of the project's own\n")
    git("init", "-q", "-b", "main", cwd=project)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "Rendered", cwd=project)
    update_project(project, {}, vcs_ref="v0.2.0", answers_file=ANSWERS_FILE)
    assert not script.exists()
    assert not list(project.rglob("*.py"))


def test_deployment_rules_are_read_past_the_first_page(live: Any) -> None:
    def many(state: Json) -> None:
        fake_gh.with_environment(state, "pypi", ["@alice"])
        more = [
            {"id": 200 + n, "node_id": f"DBP_{n}", "name": f"b{n}", "type": "branch"}
            for n in range(110)
        ]
        release = {"id": 999, "node_id": "DBP_999", "name": "v*", "type": "tag"}
        state["policies"]["pypi"] = [*more, release]

    code, out, _, github = live(change=many)
    assert code == 0, out
    assert "= deployment tag rule v*" in plan_lines(out)["environment pypi"]
    pages = [
        call["path"]
        for call in checked_calls(github)
        if "deployment-branch-policies" in call["path"]
    ]
    assert [path.rsplit("page=", 1)[1] for path in pages] == ["1", "2"]
