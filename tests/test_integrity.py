"""What runs in the release build jobs is locked by hash, and Dependabot keeps the lock current."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from hardened_release import edits

from helpers import ROOT, load_yaml, render, words
from test_lint import check, tool
from variants import VARIANTS
from workflow_runner import JobRun

RELEASE = ".github/workflows/release.yml"  # where release_workflow is the default


def workflow(answers: dict, project: Path) -> dict:
    return load_yaml(project / ".github/workflows" / answers.get("release_workflow", "release.yml"))


LOCK = ".github/release-requirements.txt"
INSTALL = f"python -m pip install --require-hashes --only-binary :all: -r {LOCK}"
#: Anything in a `run:` step that could fetch and run code from a package index.
INSTALLERS = re.compile(r"\b(pip|pipx|uvx|npm|npx|curl|wget)\b|\buv (pip|tool|run|add|sync)\b")
REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)==\S+(?: ;[^\\]*)? \\$")


@pytest.fixture(params=sorted(VARIANTS), scope="module")
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[dict, Path]:
    return VARIANTS[request.param], rendered(request.param)


def locked(text: str) -> dict[str, list[str]]:
    """A lock's requirements: name -> the hashes of its lines (a name may have one per marker)."""
    found: dict[str, list[str]] = {}
    name = ""
    for line in text.splitlines():
        if match := REQUIREMENT.match(line):
            name = match[1].lower()
            found.setdefault(name, [])
        elif line.strip().startswith("--hash=sha256:"):
            found[name].append(line.split(":", 1)[1].rstrip(" \\"))
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"not locked: {line}"
    return found


def test_every_install_in_the_workflow_is_from_the_lock(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    jobs = workflow(answers, project)["jobs"]
    for job_id, job in jobs.items():
        for step in job["steps"]:
            for line in step.get("run", "").replace("\\\n", " ").splitlines():
                if INSTALLERS.search(line) and "pip install" in line:
                    assert words(line) == INSTALL, f"{job_id}: {line}"
                else:
                    assert not INSTALLERS.search(line), f"{job_id}: installs unlocked: {line}"


def test_lock_pins_every_tool_and_dependency_by_hash(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    tool = "uv" if answers.get("build_tool") == "uv" else "build"
    lock = (project / LOCK).read_text()
    assert lock == (ROOT / "requirements" / tool / "release-requirements.txt").read_text()
    pins = locked(lock)
    assert pins and all(len(hashes) >= 1 for hashes in pins.values())
    tools = {
        line.strip().lower()
        for line in (project / ".github/release-requirements.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert tools == {
        "build" if tool == "build" else "uv",
        "twine",
        "packaging",
        "check-wheel-contents",
    }
    assert tools <= set(pins)
    runs = "\n".join(
        step.get("run", "")
        for job in workflow(answers, project)["jobs"].values()
        for step in job["steps"]
    )
    assert ("uv build --no-sources" in runs) is (tool == "uv")
    assert ("python -m build" in runs) is (tool == "build")


def test_dependabot_updates_the_lock(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    updates = load_yaml(project / ".github/dependabot.yml")["updates"]
    (actions,) = [u for u in updates if u["package-ecosystem"] == "github-actions"]
    (tools,) = [u for u in updates if u["package-ecosystem"] == "pip"]
    assert "/" + str(Path(LOCK).parent) == tools["directory"]
    assert tools["schedule"] == actions["schedule"]
    assert tools.get("cooldown") == actions.get("cooldown")
    assert tools["groups"] == {"release-tools": {"patterns": ["*"]}}
    assert answers.get("dependabot_cooldown_days", 7) == tools.get("cooldown", {}).get(
        "default-days", 0
    )


STARTER = "Check that a release-team member started the run"


@pytest.fixture(scope="module")
def users_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project whose release team is @user handles only: the workflow checks who starts."""
    answers = {**VARIANTS["default"], "release_team": "@alice @Bob", "testpypi": True}
    return render(tmp_path_factory.mktemp("users"), answers)


@pytest.fixture(scope="module")
def team_of_users(users_only: Path) -> dict:
    return load_yaml(users_only / RELEASE)["jobs"]


def test_starter_check_passes_the_checkers(users_only: Path) -> None:
    for persona in ("pedantic", "auditor"):
        zizmor = [tool("zizmor"), "--offline", f"--persona={persona}", "--format=plain", "."]
        assert "No findings to report" in check(*zizmor, cwd=users_only)
    shellcheck = ["-shellcheck", tool("shellcheck")]
    assert check(tool("actionlint"), *shellcheck, RELEASE, cwd=users_only).strip() == ""


@pytest.mark.parametrize(
    ("actor", "triggering_actor", "allowed"),
    [
        ("alice", "alice", True),
        ("bob", "BOB", True),  # GitHub logins are case-insensitive
        ("alice", "bob", True),  # a re-run by another release-team member
        ("alice", "mallory", False),  # a re-run by someone else
        ("mallory", "alice", False),
        ("alic", "alic", False),
    ],
)
def test_only_the_release_teams_users_start_or_rerun_a_release(
    team_of_users: dict, tmp_path: Path, actor: str, triggering_actor: str, allowed: bool
) -> None:
    github = {"actor": actor, "triggering_actor": triggering_actor}
    for job_id in ("preflight", "publish-testpypi", "publish"):
        job = team_of_users[job_id]
        assert job["steps"][0]["name"] == STARTER, job_id  # before anything else runs
        result = JobRun(job, tmp_path, tmp_path / "venv", github).run(job["steps"][0])
        assert (result.returncode == 0) is allowed, result.output
        if not allowed:
            assert "may not start a release: only alice Bob may." in result.output


@pytest.mark.parametrize("name", ["default", "monthly-long-cooldown-team"])
def test_no_starter_check_without_a_list_of_users(name: str, rendered: Callable) -> None:
    """With no release team named, or a team among it, the workflow cannot tell who is in it."""
    assert STARTER not in str(workflow(VARIANTS[name], rendered(name)))


def releasing(answers: dict, project: Path) -> str:
    return (project / answers.get("releasing_doc", "RELEASING.md")).read_text()


def section(doc: str, title: str) -> str:
    return doc.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def test_releasing_names_the_jobs_as_the_runs_page_shows_them(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    doc = releasing(answers, project)
    jobs = workflow(answers, project)["jobs"]
    names = {job["name"].replace("${{ matrix.os }}", "…") for job in jobs.values()}
    assert set(re.findall(r"\*\*([^*]+)\*\*", section(doc, "How a release is published"))) == names
    assert set(re.findall(r"\*\*([^*]+)\*\* job", doc)) <= names


@pytest.mark.parametrize(
    ("name", "wording"),
    [
        ("daily-no-cooldown-no-preflight", "as soon as a new release appears."),
        ("one-day-cooldown-custom-envs", "once a new release is 1 day old."),
        ("default", "once a new release is 7 days old."),
        ("monthly-long-cooldown-team", "once a new release is 90 days old."),
    ],
)
def test_releasing_states_the_cooldown(name: str, wording: str, rendered: Callable) -> None:
    answers = VARIANTS[name]
    doc = words(releasing(answers, rendered(name)))
    days = answers.get("dependabot_cooldown_days", 7)
    assert (
        f"updates, actions in one grouped pull request and build tools in another, {wording}" in doc
    )
    assert f"{days}-day" not in doc


def test_releasing_says_what_the_workflow_checks_of_the_starter(
    tmp_path: Path, rendered: Callable
) -> None:
    checked = render(tmp_path, {**VARIANTS["default"], "release_team": "@alice @Bob"})
    doc = words((checked / "RELEASING.md").read_text())
    assert "The release workflow checks who starts a release" in doc
    assert "`RELEASE_TEAM` in `.github/workflows/release.yml`" in doc
    assert "RELEASE_TEAM" in (checked / RELEASE).read_text()
    for name in ("default", "monthly-long-cooldown-team"):
        doc = " ".join(
            (rendered(name) / VARIANTS[name].get("releasing_doc", "RELEASING.md"))
            .read_text()
            .split()
        )
        assert "GitHub does not check who starts a release." in doc


def test_releasing_verifies_as_the_publish_job_does(variant: tuple[dict, Path]) -> None:
    """The attestation check RELEASING.md gives anyone uses the flags the publish job uses."""
    answers, project = variant
    if not answers.get("github_attestations", True):
        assert "gh attestation verify" not in releasing(answers, project)
        return
    steps = workflow(answers, project)["jobs"]["publish"]["steps"]
    (verify,) = [step["run"] for step in steps if "gh attestation verify" in step.get("run", "")]
    ours = set(re.findall(r"--[a-z-]+", verify))
    documented = section(releasing(answers, project), "Checking a release")
    command = documented.split("gh attestation verify", 1)[1].split("```", 1)[0]
    assert set(re.findall(r"--[a-z-]+", command)) == ours
    prefix = re.split(r"[*[]", answers.get("tag_pattern", "v*"))[0]
    assert f"--source-ref refs/tags/{prefix}1.2.3" in command


def test_adoption_keeps_a_projects_own_entry_for_the_lock(tmp_path: Path) -> None:
    """A project that already updates .github's pip files keeps its entry, not a second one."""
    config = (
        "version: 2\nupdates:\n"
        "  - package-ecosystem: github-actions\n    directory: /\n"
        "    schedule:\n      interval: weekly\n"
        "  - package-ecosystem: pip\n    directories: [/, /.github]\n"
        "    schedule:\n      interval: daily\n"
    )
    # Adoption merges the template's config into the project's (hardened_release.edits).
    template = render(tmp_path / "p", VARIANTS["default"]) / ".github/dependabot.yml"
    updates = yaml.safe_load(edits.merge_dependabot(config, template.read_text()))["updates"]
    pips = [u for u in updates if u["package-ecosystem"] == "pip"]
    # One entry, the project's: its directories and schedule as they were.
    assert len(pips) == 1
    assert pips[0]["directories"] == ["/", "/.github"]
    assert pips[0]["schedule"] == {"interval": "daily"}
