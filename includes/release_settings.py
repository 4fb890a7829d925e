#!/usr/bin/env python3
"""Apply the GitHub settings that the release document recommends, with the GitHub CLI.

hardened-release wrote this script for the repository named in REPOSITORY below: the GitHub
half of the one-time setup, as code. It adds what the release needs and keeps what the
repository already has:

- the deployment environments: the release team as required reviewers, no administrator
  bypass, deployments from release tags only (a team of one gets a cooling-off delay instead
  of a second reviewer);
- a tag ruleset: only the release team creates, moves or deletes release tags;
- a default-branch ruleset: reviewed pull requests, no force push, no deletion, and the zizmor
  audit as a required check once its workflow is on GitHub;
- the Actions settings: GitHub's own actions and an allow-list of every action the workflows
  use, SHA pinning once every `uses:` is pinned, a read-only default token;
- immutable releases, private vulnerability reporting, secret scanning with push protection.

Run it from the repository's checkout, with Python 3.10 or newer (standard library only):

    python .github/release-settings.py            # the plan: what --apply adds, keeps, or not
    python .github/release-settings.py --apply    # apply it; a second run changes nothing
    python .github/release-settings.py --check    # report every setting that differs

The plan marks each item: `+` added, `~` changed, `=` kept as it is, `!` kept because removing
or weakening it needs --prune (`-` with --prune: removed), `x` not set until you change
something first (it says what), `?` not possible on this repository, and why. --check
reports the `+`, `~` and `x` items as drift, and the `!` items as kept.
It reads the live settings through the GitHub CLI (https://cli.github.com/), logged in
(`gh auth login`) as an administrator of the repository; without it, it lists the calls that
--apply makes on a repository that has none of these settings.

Exit codes:

    0  done: the plan printed, every setting applied, or (--check) all as recommended
    1  --check: some settings differ from the recommendation (each is reported)
    2  wrong usage, or a value below that GitHub would refuse
    3  the GitHub CLI is not installed, or not logged in
    4  the repository is not found, or you are not one of its administrators
    5  a release-team handle is not found on GitHub, or is not a user or a team
    6  a setting needs an organisation, and the repository belongs to a personal account
    7  --apply: GitHub refused some settings (each is listed); the others are applied
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# ---- The project's values: hardened-release's answers (`copier update` rewrites them) ----
REPOSITORY = "octo-org/example"
ENVIRONMENTS = (  # the environments the release workflow publishes from
    "pypi",
)
RELEASE_TEAM = (  # who may release: "@org/team" or "@user" handles
    "@octo-org/release-team",
)
TAG_PATTERN = "v*"
RELEASE_WORKFLOW = "release.yml"
RELEASING_DOC = "RELEASING.md"
ZIZMOR_CHECK = "zizmor"  # the zizmor workflow's job, a required check ("": not required)
# ---- End of the project's values ----

# Choices you may change.
SIGNED_COMMITS = False  # require signed commits on the default branch (--signed-commits)
REQUIRED_APPROVALS = 1  # approvals a pull request to the default branch needs
COOLING_OFF_MINUTES = 60  # a team of one: minutes between the approval and the upload
TAG_RULESET = "Release tags"
BRANCH_RULESET = "Default branch"
ZIZMOR_WORKFLOW = "zizmor.yml"  # its job ZIZMOR_CHECK is required once the file is on GitHub

# GitHub's numbers: the repository administrators' role in rulesets, the GitHub Actions app.
ADMIN_ROLE = 5
GITHUB_ACTIONS_APP = 15368

EXIT_DRIFT, EXIT_USAGE, EXIT_GH, EXIT_ADMIN, EXIT_TEAM, EXIT_ORGANISATION = range(1, 7)
EXIT_REFUSED = 7

Json = dict[str, Any]
Line = tuple[str, str]  # a line of the plan: its mark, and its text

# ---- The environment check: the release workflow's preflight job runs this part too ----
API_VERSION = "2022-11-28"  # the REST API version every call asks for


class GitHubError(Exception):
    """A failed call; `status` is GitHub's HTTP status, 0 when there was no answer."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


def gh_api(method: str, path: str, body: object = None) -> tuple:
    """One REST API call with the GitHub CLI: (HTTP status, JSON body or None, error)."""
    command = ["gh", "api", "--include", "--method", method, path]
    command += ["--header", f"X-GitHub-Api-Version: {API_VERSION}"]
    if body is not None:
        command += ["--input", "-"]
    result = subprocess.run(
        command,
        input=None if body is None else json.dumps(body),
        capture_output=True,
        text=True,
        check=False,
    )
    # With --include, gh prints the status line and the headers, a blank line, the body.
    head, _, payload = result.stdout.replace("\r\n", "\n").partition("\n\n")
    words = head.split(maxsplit=2)
    if len(words) < 2 or not words[1].isdigit():
        said = (result.stderr or result.stdout).strip()
        raise GitHubError(f"{method} {path}: gh failed: {said}")
    data = json.loads(payload) if payload.strip() else None
    return int(words[1]), data, result.stderr.strip().removeprefix("gh: ")


def read_environment(repository: str, name: str) -> tuple:
    """An environment and its deployment rules, as GitHub has them: the environment is
    None when it does not exist, the rules None when any branch or tag may deploy."""
    path = f"repos/{repository}/environments/{name}"
    status, environment, said = gh_api("GET", path)
    if status == 404:
        return None, None
    if status != 200:
        raise GitHubError(f"GET {path}: {said or f'HTTP {status}'}", status)
    policy = environment.get("deployment_branch_policy") or {}
    if not policy:
        return environment, None
    if not policy.get("custom_branch_policies"):
        return environment, []  # protected branches only: no tag can deploy
    path += "/deployment-branch-policies?per_page=100"
    status, listed, said = gh_api("GET", path)
    if status != 200:
        raise GitHubError(f"GET {path}: {said or f'HTTP {status}'}", status)
    return environment, listed["branch_policies"]


def one_person_reviews(reviewers: list) -> bool:
    """A team of one: a single user is the only required reviewer."""
    return len(reviewers) == 1 and reviewers[0].get("type") == "User"


def protection_problems(
    name: str,
    environment: dict | None,
    rules: list | None,
    pattern: str,
    private: bool = False,
) -> tuple:
    """What keeps an environment from gating a release: (errors, warnings). A protected
    environment has required reviewers and a deployment tag rule for the release tags.
    In a private repository, missing reviewers are a warning: GitHub has them there only
    on GitHub Enterprise, and a plan without them must still be able to release."""
    if environment is None:
        return [f"The environment {name} does not exist, so nothing gates publishing"], []
    errors, warnings = [], []
    rules_of = environment.get("protection_rules") or []
    protection = {rule["type"]: rule for rule in rules_of}
    review = protection.get("required_reviewers") or {}
    reviewers = review.get("reviewers") or []
    if not reviewers:
        said = f"The environment {name} has no required reviewers, so one person"
        said += " alone can publish"
        if private:
            said += " (a private repository has them only on GitHub Enterprise)"
        (warnings if private else errors).append(said)
    elif not review.get("prevent_self_review") and not one_person_reviews(reviewers):
        warnings.append(f"{name}: whoever starts a release may also approve it")
    if environment.get("can_admins_bypass", True):
        warnings.append(f"{name}: administrators may publish without an approval")
    tags = [rule["name"] for rule in rules or [] if rule.get("type") == "tag"]
    for rule in rules or []:
        if rule.get("type") != "tag":
            warnings.append(f"{name}: the branch {rule['name']} may deploy too")
    if pattern not in tags:
        errors.append(
            f"The environment {name} has no deployment tag rule {pattern}, so refs "
            "other than release tags can publish"
        )
    return errors, warnings


def preflight(environ: dict) -> int:
    """The release workflow's preflight job: 1 if an environment is not protected."""
    repository, pattern = environ["GITHUB_REPOSITORY"], environ["TAG_PATTERN"]
    private = environ.get("REPOSITORY_PRIVATE") == "true"
    settings = f"{environ['GITHUB_SERVER_URL']}/{repository}/settings/environments"
    fix = f"Fix it at {settings} (or: python .github/release-settings.py --apply)."
    failed = False
    for name in environ["ENVIRONMENTS"].split():
        try:
            environment, rules = read_environment(repository, name)
            found = protection_problems(name, environment, rules, pattern, private)
            errors, warnings = found
        except GitHubError as error:
            errors, warnings = [f"Could not read the environment {name}: {error}"], []
        for warning in warnings:
            print(f"::warning::{warning}.")
        for error in errors:
            print(f"::error::{error}. {fix}")
        if not errors and not warnings:
            print(f"{name}: required reviewers, deployments only from tags {pattern}.")
        failed = failed or bool(errors)
    return 1 if failed else 0


# ---- End of the environment check ----


class SettingsError(Exception):
    """A problem for the person running the script to fix; `code` is the exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Actor:
    """A release-team member as GitHub names it: a "User" or a "Team", and its id."""

    handle: str
    kind: str
    id: int | str  # offline, a placeholder


@dataclass
class Call:
    method: str
    path: str
    body: Json | None = None


@dataclass
class Setting:
    """One setting: the plan's lines for it, as (mark, text), and the calls that apply it."""

    name: str
    lines: list[Line] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)

    def add(self, mark: str, text: str) -> None:
        self.lines.append((mark, text))


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
class Workflows:
    """What the repository's workflows and local actions use and need from the token."""

    actions: set[str] = field(default_factory=set)  # owner/repo[/path], not GitHub's own
    unpinned: list[str] = field(default_factory=list)  # "file:line: uses: ..."
    writers: list[str] = field(default_factory=list)  # jobs that may write, undeclared
    approvers: list[str] = field(default_factory=list)  # files that approve pull requests
    found: list[str] = field(default_factory=list)  # the files read


class GitHub:
    """GitHub's REST API; offline, nothing is read (every setting looks unset)."""

    def __init__(self, live: bool) -> None:
        self.live = live

    def get(self, path: str, missing_ok: bool = False) -> Any:
        if not self.live:
            return None
        status, body, said = gh_api("GET", path)
        if status == 404 and missing_ok:
            return None
        if status != 200:
            raise GitHubError(f"GET {path}: {said or f'HTTP {status}'}", status)
        return body

    def write(self, call: Call) -> None:
        status, _, said = gh_api(call.method, call.path, call.body)
        if not 200 <= status < 300:
            raise GitHubError(f"{call.method} {call.path}: {said or f'HTTP {status}'}", status)


# --- What the repository's own files say ------------------------------------------------------

USES = re.compile(r"""^\s*(?:-\s+)?uses:\s*["']?([^"'\s]+)""")
SHA = re.compile(r"[0-9a-f]{40}")
GITHUB_OWNED = ("actions", "github")  # "Allow actions created by GitHub" covers these owners
# Signs that a job writes with its token: it pushes, calls GitHub, or hands the token on.
WRITES = re.compile(
    r"git push|\bgh (?:api|release|pr|issue|repo|workflow|label)\b|GITHUB_TOKEN|github\.token"
    r"|deploy-pages|action-gh-release|actions-gh-pages|create-pull-request|git-auto-commit"
    r"|github-script|release-drafter|labeler|stale@"
)
APPROVES = re.compile(r"--approve|auto-approve|approve-pull-request")


def job_blocks(text: str) -> list[tuple]:
    """A workflow's jobs as (job id, declares permissions, its text), read by indentation."""
    jobs: list[list] = []
    in_jobs, job_indent, key_indent = False, None, None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        if indent == 0:
            in_jobs = line.startswith("jobs:")
            continue
        if not in_jobs:
            continue
        job_indent = indent if job_indent is None else job_indent
        if indent == job_indent:
            jobs.append([line.strip().rstrip(":"), False, ""])
            key_indent = None
        elif jobs:
            key_indent = indent if key_indent is None else key_indent
            if indent == key_indent and line.strip().startswith("permissions:"):
                jobs[-1][1] = True
            jobs[-1][2] += line + "\n"
    return [(name, declared, body) for name, declared, body in jobs]


def read_workflows(root: Path) -> Workflows:
    """Every workflow under .github/workflows, and every local action they use."""
    found = Workflows()
    files = sorted((root / ".github" / "workflows").glob("*.y*ml"))
    files += sorted((root / ".github").glob("actions/**/action.y*ml"))
    seen: set[Path] = set()
    owner = REPOSITORY.split("/")[0].lower()
    while files:
        file = files.pop(0)
        if file in seen or not file.is_file():
            continue
        seen.add(file)
        name = file.relative_to(root).as_posix()
        found.found.append(name)
        text = file.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            match = USES.match(line.split(" #")[0])
            if not match:
                continue
            target = match[1]
            if target.startswith("./"):  # a local action: read it too
                files += [root / target / "action.yml", root / target / "action.yaml"]
                continue
            if target.startswith("docker://") or "@" not in target:
                continue
            action, _, ref = target.partition("@")
            if not SHA.fullmatch(ref):
                found.unpinned.append(f"{name}:{number}: {line.strip()}")
            if action.split("/")[0].lower() not in (*GITHUB_OWNED, owner):
                found.actions.add(action)
        if APPROVES.search(text):
            found.approvers.append(name)
        if "/workflows/" in f"/{name}" and not re.search(r"^permissions\s*:", text, re.M):
            for job, declared, body in job_blocks(text):
                sign = WRITES.search(body)
                if not declared and sign:
                    found.writers.append(f"{name}: job {job} ({sign[0]})")
    return found


def codeowners_cover_github(root: Path) -> bool:
    """Whether the CODEOWNERS file GitHub reads names owners for .github/."""
    covering = {"*", "/.github/", ".github/", "/.github/**", ".github/**", "/.github", ".github"}
    for place in (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"):
        file = root / place
        if not file.is_file():
            continue
        owners = False  # the last matching line decides
        for line in file.read_text(encoding="utf-8").splitlines():
            words = line.split("#")[0].split()
            if words and words[0] in covering:
                owners = len(words) > 1
        return owners
    return False


# --- The plan ---------------------------------------------------------------------------------


def check_constants() -> None:
    """Refuse, before any call, an edited constant that GitHub would refuse."""
    owner = REPOSITORY.split("/")[0]
    handle = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?")
    for member in RELEASE_TEAM:
        if not handle.fullmatch(member):
            message = f"RELEASE_TEAM: {member!r} is not a GitHub handle, @user or @org/team."
            raise SettingsError(message, EXIT_USAGE)
        org, _, team = member[1:].partition("/")
        if team and org.lower() != owner.lower():
            message = (
                f"RELEASE_TEAM: {member} is a team of {org}, but {REPOSITORY} belongs to "
                f"{owner}: only {owner}'s own teams can review its deployments."
            )
            raise SettingsError(message, EXIT_USAGE)
    if len(RELEASE_TEAM) > 6:
        message = "RELEASE_TEAM: an environment takes at most 6 required reviewers."
        raise SettingsError(message, EXIT_USAGE)


def solo() -> bool:
    """The release team is one person."""
    return len(RELEASE_TEAM) == 1 and "/" not in RELEASE_TEAM[0]


SOLO_NOTE = """\
The release team is one person, {handle}: the settings fit a team of one. You stay the
required reviewer and may approve your own releases; every upload waits {minutes} minutes
after the approval, so that a release you did not start can be noticed and cancelled; and
administrators may merge their own pull requests to the default branch without an approval.
What this gives up: whoever takes over your GitHub account can publish. Protect the account
with a security key, and name a second person in RELEASE_TEAM when you can ({doc})."""


def gh_ready() -> str:
    """Why the GitHub CLI cannot be used, or "" when it is installed and logged in."""
    if not shutil.which("gh"):
        return "The GitHub CLI, gh, is not installed (https://cli.github.com/)."
    status = subprocess.run(["gh", "auth", "status"], capture_output=True, text=True, check=False)
    if status.returncode != 0:
        said = (status.stderr or status.stdout).strip()
        return f"The GitHub CLI is not logged in: run `gh auth login`.\n{said}"
    return ""


def read_repository(github: GitHub) -> Repository:
    if not github.live:
        return Repository()
    status, found, said = gh_api("GET", f"repos/{REPOSITORY}")
    if status == 404:
        message = f"{REPOSITORY} is not found on GitHub, or you cannot see it (check REPOSITORY)."
        raise SettingsError(message, EXIT_ADMIN)
    if status != 200:
        raise SettingsError(f"GET repos/{REPOSITORY}: {said or f'HTTP {status}'}", EXIT_ADMIN)
    repository = Repository(
        admin=bool((found.get("permissions") or {}).get("admin")),
        private=bool(found.get("private")),
        organisation=found["owner"]["type"] == "Organization",
        security=found.get("security_and_analysis") or {},
    )
    if repository.private:  # what the owner's plan offers: GitHub shows it to the owners
        owner = found["owner"]["login"]
        path = f"orgs/{owner}" if repository.organisation else "user"
        status, account, _ = gh_api("GET", path)
        mine = repository.organisation or (account or {}).get("login", "").lower() == owner.lower()
        if status == 200 and mine and account.get("plan"):
            repository.plan = account["plan"]["name"].lower()
    return repository


def release_team(github: GitHub, repository: Repository) -> list[Actor]:
    """RELEASE_TEAM as GitHub actors, with their ids looked up (placeholders offline)."""
    actors = []
    for handle in RELEASE_TEAM:
        name, _, slug = handle[1:].partition("/")
        kind = "Team" if slug else "User"
        if kind == "Team" and repository.organisation is False:
            message = (
                f"{REPOSITORY} belongs to the personal account {name}, and only organisations "
                f"have teams ({handle}): name users (@user) in RELEASE_TEAM instead, or move "
                "the repository to an organisation."
            )
            raise SettingsError(message, EXIT_ORGANISATION)
        if not github.live:
            actors.append(Actor(handle, kind, f"<id of {handle}>"))
            continue
        path = f"orgs/{name}/teams/{slug.lower()}" if slug else f"users/{name}"
        status, found, said = gh_api("GET", path)
        if status == 404:
            message = f"{handle} is not on GitHub (GET {path}: HTTP 404): correct RELEASE_TEAM."
            if slug:
                message += " A secret team, or one you cannot see, is not found either."
            raise SettingsError(message, EXIT_TEAM)
        if status != 200:
            raise SettingsError(f"GET {path}: {said or f'HTTP {status}'}", EXIT_REFUSED)
        if kind == "User" and found["type"] != "User":
            message = f"{handle} is an organisation: name one of its teams, @{name}/<team>."
            raise SettingsError(message, EXIT_TEAM)
        actors.append(Actor(handle, kind, found["id"]))
    return actors


def reviewer_handle(reviewer: Json) -> str:
    """A required reviewer as a handle: @user or @org/team."""
    found = reviewer.get("reviewer") or {}
    if reviewer.get("type") == "Team":
        return f"@{REPOSITORY.split('/')[0]}/{found.get('slug', found.get('id'))}"
    return f"@{found.get('login', found.get('id'))}"


class Planner:
    """Reads each setting and plans it: what --apply adds, changes, keeps, or leaves."""

    def __init__(
        self,
        github: GitHub,
        repository: Repository,
        team: list[Actor],
        root: Path,
        prune: bool,
        signed_commits: bool,
    ) -> None:
        self.github = github
        self.repository = repository
        self.team = team
        self.root = root
        self.prune = prune
        self.signed_commits = signed_commits
        self.workflows = read_workflows(root)
        self.names = {(actor.kind, actor.id): actor.handle for actor in team}
        users = [actor.handle for actor in team if actor.kind == "User"]
        if users:
            self.names[("RepositoryRole", ADMIN_ROLE)] = (
                f"repository administrators, for {', '.join(users)} (a ruleset names roles, "
                "teams and apps, not people)"
            )

    def all(self) -> list[Setting]:
        planned = []
        steps = [(f"environment {name}", self.environment, name) for name in ENVIRONMENTS]
        steps += [
            (f"ruleset {TAG_RULESET}", self.ruleset, self.tag_ruleset),
            (f"ruleset {BRANCH_RULESET}", self.ruleset, self.branch_ruleset),
            ("actions permissions", self.actions, None),
            ("actions default token", self.token, None),
            ("immutable releases", self.immutable_releases, None),
            ("private vulnerability reporting", self.vulnerability_reporting, None),
            ("secret scanning", self.secret_scanning, None),
        ]
        for name, plan, argument in steps:
            setting = Setting(name)
            try:
                plan(setting, argument)
            except GitHubError as error:
                setting.calls = []
                setting.add("?", f"cannot be read: {explain(error, self.repository)}")
            planned.append(setting)
        return planned

    def mark(self, now: Any, wanted: Any) -> str:
        return "=" if now == wanted else ("+" if now in (None, False, 0, []) else "~")

    def pruned(self, setting: Setting, text: str, why: str = "") -> bool:
        """Something the repository has beyond the release's needs: removed with --prune
        (True), otherwise kept and shown as what --prune would remove (False)."""
        setting.add("-" if self.prune else "!", text if self.prune else text + why)
        return self.prune

    # The environments ---------------------------------------------------------------------

    def environment(self, setting: Setting, name: str) -> None:
        path = f"repos/{REPOSITORY}/environments/{name}"
        if self.github.live:
            current, rules = read_environment(REPOSITORY, name)
        else:
            current, rules = None, None
        lacking = self.repository.lacks("protection")
        if lacking:
            setting.add("?", f"deployment rules: {lacking}")
            return
        if current is None:
            setting.add("+", "the environment, which does not exist yet")
        protection = {rule["type"]: rule for rule in (current or {}).get("protection_rules", [])}
        review = protection.get("required_reviewers") or {}
        now = [
            {"type": reviewer["type"], "id": reviewer["reviewer"]["id"]}
            for reviewer in review.get("reviewers") or []
        ]
        handles = {
            (reviewer["type"], reviewer["reviewer"]["id"]): reviewer_handle(reviewer)
            for reviewer in review.get("reviewers") or []
        }
        wanted = [{"type": actor.kind, "id": actor.id} for actor in self.team]
        lacking = "" if now else self.repository.lacks("reviewers")
        if lacking:
            setting.add("?", f"required reviewers and a wait timer: {lacking}")
            wanted = []
        reviewers = list(wanted)
        for actor in self.team if wanted else []:
            known = {"type": actor.kind, "id": actor.id} in now
            setting.add("=" if known else "+", f"required reviewer {actor.handle}")
        for reviewer in now:
            if reviewer in wanted:
                continue
            handle = handles[(reviewer["type"], reviewer["id"])]
            if not self.team:
                setting.add("=", f"required reviewer {handle}")
                reviewers.append(reviewer)
            elif not self.pruned(setting, f"required reviewer {handle}, not in the release team"):
                reviewers.append(reviewer)
        if not reviewers and not lacking:
            setting.add(
                "x",
                "no required reviewers: anyone who can run the release workflow can publish. "
                f"Name the release team in RELEASE_TEAM (see {RELEASING_DOC}), then --apply.",
            )
        if len(reviewers) > 6:
            setting.calls = []
            setting.add("x", "more than 6 required reviewers, GitHub's limit: use --prune")
            return
        body: Json = {"reviewers": reviewers}
        if reviewers:
            # Never the person who started the run, unless that person is the whole team.
            body["prevent_self_review"] = not one_person_reviews(reviewers)
            was = bool(review.get("prevent_self_review"))
            if body["prevent_self_review"]:
                setting.add(self.mark(was, True), "prevent self-review")
            elif was:
                setting.add("~", "self-review allowed: the one reviewer could approve nothing")
        waited = (protection.get("wait_timer") or {}).get("wait_timer", 0)
        body["wait_timer"] = max(waited, COOLING_OFF_MINUTES) if solo() and not lacking else waited
        if body["wait_timer"]:
            text = f"wait timer {body['wait_timer']} minutes"
            setting.add(self.mark(waited, body["wait_timer"]), text)
        body["can_admins_bypass"] = False  # administrators wait for the approval too
        bypass = (current or {}).get("can_admins_bypass", True)
        setting.add("=" if not bypass else "~", "administrators cannot bypass the reviewers")
        # Only the refs that the deployment rules name (the release tags) reach it.
        body["deployment_branch_policy"] = {
            "protected_branches": False,
            "custom_branch_policies": True,
        }
        custom = ((current or {}).get("deployment_branch_policy") or {}).get(
            "custom_branch_policies"
        )
        setting.add("=" if custom else "~", "deployments only from the refs of its rules")
        changed = any(mark in "+~-" for mark, _ in setting.lines)
        calls = [Call("PUT", path, body)] if changed else []
        tag = {"name": TAG_PATTERN, "type": "tag"}
        known = [{"name": rule["name"], "type": rule.get("type")} for rule in (rules or [])]
        if tag in known:
            setting.add("=", f"deployment tag rule {TAG_PATTERN}")
        else:
            setting.add("+", f"deployment tag rule {TAG_PATTERN}")
            calls.append(Call("POST", f"{path}/deployment-branch-policies", tag))
        for rule in rules or []:
            if {"name": rule["name"], "type": rule.get("type")} == tag:
                continue
            text = f"deployment {rule.get('type', 'branch')} rule {rule['name']}"
            if self.pruned(setting, text, ": it may deploy too"):
                calls.append(Call("DELETE", f"{path}/deployment-branch-policies/{rule['id']}"))
        setting.calls = calls

    # The rulesets ---------------------------------------------------------------------------

    def tag_ruleset(self) -> Json:
        bypass = [
            {"actor_id": actor.id, "actor_type": "Team", "bypass_mode": "always"}
            for actor in self.team
            if actor.kind == "Team"
        ]
        if not self.team or any(actor.kind == "User" for actor in self.team):
            # Rulesets name roles, teams and apps, not people: the administrators' role
            # stands for the users of the release team (and for everybody, with no team).
            bypass.append({"actor_id": ADMIN_ROLE, "actor_type": "RepositoryRole"})
            bypass[-1]["bypass_mode"] = "always"
        return {
            "name": TAG_RULESET,
            "target": "tag",
            "enforcement": "active",
            "bypass_actors": bypass,  # they alone make release tags
            "conditions": {"ref_name": {"include": [f"refs/tags/{TAG_PATTERN}"], "exclude": []}},
            "rules": [
                {"type": "creation"},  # nobody else creates a release tag
                {"type": "update"},  # nor moves one to another commit
                {"type": "deletion"},  # nor deletes one
                {"type": "non_fast_forward"},  # nor force-pushes one
            ],
        }

    def branch_ruleset(self) -> Json:
        rules: list[Json] = [
            {"type": "deletion"},  # the default branch is never deleted
            {"type": "non_fast_forward"},  # nor its history rewritten
        ]
        if self.signed_commits:
            rules.append({"type": "required_signatures"})
        review = {
            "required_approving_review_count": REQUIRED_APPROVALS,
            "dismiss_stale_reviews_on_push": True,  # a new push needs a new approval
            # Changes under .github/ need the owners CODEOWNERS names for it, if any.
            "require_code_owner_review": codeowners_cover_github(self.root),
            "require_last_push_approval": not solo(),  # whoever pushed last does not approve
            "required_review_thread_resolution": False,
        }
        rules.append({"type": "pull_request", "parameters": review})
        if ZIZMOR_CHECK and self.zizmor_on_github():
            check = {"context": ZIZMOR_CHECK, "integration_id": GITHUB_ACTIONS_APP}
            parameters = {
                "required_status_checks": [check],
                "strict_required_status_checks_policy": False,
            }
            rules.append({"type": "required_status_checks", "parameters": parameters})
        # A team of one merges its own pull requests: administrators bypass the review, in
        # pull requests only (no direct pushes).
        bypass = [{"actor_id": ADMIN_ROLE, "actor_type": "RepositoryRole"}] if solo() else []
        for actor in bypass:
            actor["bypass_mode"] = "pull_request"
        return {
            "name": BRANCH_RULESET,
            "target": "branch",
            "enforcement": "active",
            "bypass_actors": bypass,
            "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
            "rules": rules,
        }

    def zizmor_on_github(self) -> bool:
        """Whether the zizmor workflow exists here, and (live) on GitHub's default branch."""
        if not (self.root / ".github" / "workflows" / ZIZMOR_WORKFLOW).is_file():
            return False
        if not self.github.live:
            return True
        path = f"repos/{REPOSITORY}/actions/workflows/{ZIZMOR_WORKFLOW}"
        try:
            return self.github.get(path, missing_ok=True) is not None
        except GitHubError:
            return False  # not known: not required yet, rather than a check nobody runs

    def actor_name(self, actor: Json) -> str:
        kind, number = actor["actor_type"], actor.get("actor_id")
        modes = {"pull_request": " (in pull requests only)", "exempt": " (exempt)"}
        mode = modes.get(actor.get("bypass_mode", "always"), "")
        if (kind, number) in self.names:
            return self.names[(kind, number)] + mode
        if kind == "RepositoryRole" and number == ADMIN_ROLE:
            return f"repository administrators{mode}"
        named = {"OrganizationAdmin": "organisation owners", "DeployKey": "deploy keys"}
        kinds = {"Integration": "GitHub App", "RepositoryRole": "repository role"}
        return named.get(kind) or f"{kinds.get(kind, kind.lower())} {number}{mode}"

    def ruleset(self, setting: Setting, recommended: Callable[..., Json]) -> None:
        """A repository ruleset, known by its name: created, or merged into."""
        lacking = self.repository.lacks("protection")
        if lacking:
            setting.add("?", f"rulesets: {lacking}")
            return
        desired = recommended()
        checks = [rule for rule in desired["rules"] if rule["type"] == "required_status_checks"]
        if desired["target"] == "branch" and not checks:
            if ZIZMOR_CHECK:
                text = f"required check {ZIZMOR_CHECK}: once .github/workflows/{ZIZMOR_WORKFLOW}"
                setting.add("?", f"{text} is on the default branch, --apply adds it")
            else:
                setting.add("?", "required check: make your own zizmor job one by hand")
        path = f"repos/{REPOSITORY}/rulesets"
        listed = self.github.get(f"{path}?includes_parents=false&per_page=100") or []
        name = desired["name"]
        same_name = [ruleset["id"] for ruleset in listed if ruleset["name"] == name]
        if not same_name:
            setting.add("+", "the ruleset, which does not exist yet")
            for actor in desired["bypass_actors"]:
                setting.add("+", f"bypass: {self.actor_name(actor)}")
            for rule in desired["rules"]:
                setting.add("+", f"rule {describe(rule)}")
            setting.calls = [Call("POST", path, desired)]
            return
        path = f"{path}/{same_name[0]}"
        current = self.github.get(f"{path}?includes_parents=false")
        merged = self.merge_ruleset(setting, current, desired)
        if any(mark in "+~-" for mark, _ in setting.lines):
            setting.calls = [Call("PUT", path, merged)]

    def merge_ruleset(self, setting: Setting, current: Json, desired: Json) -> Json:
        """The ruleset `current` with what `desired` adds, nothing of it removed or weakened
        (but other bypass actors, with --prune)."""
        enforcement = current.get("enforcement")
        setting.add("=" if enforcement == "active" else "~", "enforcement active")
        wanted = {(a["actor_type"], a.get("actor_id")) for a in desired["bypass_actors"]}
        actors = []
        for actor in current.get("bypass_actors") or []:
            name = self.actor_name(actor)
            if (actor["actor_type"], actor.get("actor_id")) in wanted:
                setting.add("=", f"bypass: {name}")
                actors.append(actor)
            elif not self.pruned(setting, f"bypass: {name}", ", besides the release team"):
                actors.append(actor)
        known = {(a["actor_type"], a.get("actor_id")) for a in actors}
        for actor in desired["bypass_actors"]:
            if (actor["actor_type"], actor.get("actor_id")) not in known:
                setting.add("+", f"bypass: {self.actor_name(actor)}")
                actors.append(actor)
        ref_name = dict((current.get("conditions") or {}).get("ref_name") or {})
        include = list(ref_name.get("include") or [])
        for ref in desired["conditions"]["ref_name"]["include"]:
            setting.add("=" if ref in include else "+", f"applies to {ref}")
            include += [] if ref in include else [ref]
        conditions = {**(current.get("conditions") or {})}
        conditions["ref_name"] = {"include": include, "exclude": ref_name.get("exclude") or []}
        for ref in conditions["ref_name"]["exclude"]:
            setting.add("=", f"except {ref} (kept)")
        rules = [dict(rule) for rule in (current.get("rules") or [])]
        by_type = {rule["type"]: rule for rule in rules}
        for rule in desired["rules"]:
            have = by_type.get(rule["type"])
            if have is None:
                setting.add("+", f"rule {describe(rule)}")
                rules.append(rule)
                continue
            setting.add("=", f"rule {rule['type']}")
            parameters = dict(have.get("parameters") or {})
            for key, value in (rule.get("parameters") or {}).items():
                now = parameters.get(key)
                parameters[key] = stricter(now, value)
                if parameters[key] != now:
                    shown = json.dumps(parameters[key])
                    setting.add("~" if now is not None else "+", f"{rule['type']} {key} {shown}")
            if parameters:
                have["parameters"] = parameters
        desired_types = {rule["type"] for rule in desired["rules"]}
        for rule in rules:
            if rule["type"] not in desired_types:
                setting.add("=", f"rule {rule['type']} (kept)")
        return {
            "name": current["name"],
            "target": current.get("target", desired["target"]),
            "enforcement": "active",
            "bypass_actors": actors,
            "conditions": conditions,
            "rules": rules,
        }

    # Actions --------------------------------------------------------------------------------

    def actions(self, setting: Setting, _: None) -> None:
        path = f"repos/{REPOSITORY}/actions/permissions"
        current = self.github.get(path) or {}
        allowed = current.get("allowed_actions")
        selected = self.github.get(f"{path}/selected-actions") if allowed == "selected" else None
        selected = selected or {}
        workflows = self.workflows
        if f".github/workflows/{RELEASE_WORKFLOW}" not in workflows.found:
            setting.add("x", f".github/workflows/{RELEASE_WORKFLOW} is not here: run this script")
            setting.lines[-1] = ("x", setting.lines[-1][1] + " from the repository's checkout")
            return
        setting.add("=" if current.get("enabled") else "+", "Actions enabled")
        setting.add(self.mark(allowed == "selected", True), "only GitHub's and listed actions")
        patterns = sorted(selected.get("patterns_allowed") or [])
        for action in sorted(workflows.actions):
            pattern = f"{action}@*"
            covered = pattern in patterns or f"{action.split('/')[0]}/*" in patterns
            setting.add("=" if covered else "+", f"allow {pattern}: a workflow uses it")
            patterns += [] if covered else [pattern]
        used = {f"{action}@*" for action in workflows.actions}
        for pattern in patterns:
            if pattern not in used:
                setting.add("=", f"allow {pattern} (kept)")
        verified = bool(selected.get("verified_allowed")) if allowed == "selected" else False
        if verified and self.prune:
            setting.add("-", "actions of verified creators allowed")
            verified = False
        elif verified:
            setting.add("!", "actions of verified creators allowed")
        pinned = bool(current.get("sha_pinning_required"))
        if pinned:
            setting.add("=", "actions pinned to a full commit SHA")
        elif workflows.unpinned:
            listed = "\n".join(f"      {line}" for line in workflows.unpinned)
            setting.add(
                "x",
                "actions pinned to a full commit SHA: not required yet, as these `uses:` "
                f"are not pinned (pin them, then --apply)\n{listed}",
            )
        else:
            setting.add("+", "actions pinned to a full commit SHA")
            pinned = True
        settings = {"enabled": True, "allowed_actions": "selected", "sha_pinning_required": pinned}
        allow_list = {
            "github_owned_allowed": True,  # actions/checkout, actions/attest, ...
            "verified_allowed": verified,  # a Marketplace badge is not a review
            "patterns_allowed": sorted(patterns),  # what the workflows use, and more kept
        }
        if not selected.get("github_owned_allowed", allowed != "selected"):
            setting.add("~", "actions made by GitHub allowed")
        if any(mark in "+~-" for mark, _ in setting.lines):
            setting.calls = [
                Call("PUT", path, settings),
                Call("PUT", f"{path}/selected-actions", allow_list),
            ]

    def token(self, setting: Setting, _: None) -> None:
        path = f"repos/{REPOSITORY}/actions/permissions/workflow"
        current = self.github.get(path) or {}
        body = {
            "default_workflow_permissions": current.get("default_workflow_permissions", "write"),
            "can_approve_pull_request_reviews": current.get(
                "can_approve_pull_request_reviews", True
            ),
        }
        if body["default_workflow_permissions"] == "read":
            setting.add("=", "read-only default token")
        elif self.workflows.writers and not self.prune:
            listed = "\n".join(f"      {line}" for line in self.workflows.writers)
            setting.add(
                "x",
                "read-only default token: not set, as these jobs declare no permissions and "
                "may write with it (give each a `permissions:` block, then --apply; or "
                f"--apply --prune)\n{listed}",
            )
        else:
            setting.add("~", "read-only default token: a job gets more only by asking")
            body["default_workflow_permissions"] = "read"
        if not body["can_approve_pull_request_reviews"]:
            setting.add("=", "workflows cannot approve pull requests")
        elif self.workflows.approvers and not self.prune:
            files = ", ".join(self.workflows.approvers)
            setting.add(
                "x",
                f"workflows may approve pull requests, as {files} does (remove that, then "
                "--apply; or --apply --prune)",
            )
        else:
            setting.add("~", "workflows cannot approve pull requests")
            body["can_approve_pull_request_reviews"] = False
        if any(mark == "~" for mark, _ in setting.lines):
            setting.calls = [Call("PUT", path, body)]

    # The repository -------------------------------------------------------------------------

    def immutable_releases(self, setting: Setting, _: None) -> None:
        path = f"repos/{REPOSITORY}/immutable-releases"
        enabled = (self.github.get(path, missing_ok=True) or {}).get("enabled", False)
        setting.add("=" if enabled else "+", "a published release and its tag never change")
        if not enabled:
            setting.calls = [Call("PUT", path)]

    def vulnerability_reporting(self, setting: Setting, _: None) -> None:
        if self.repository.private:
            setting.add("?", "for public repositories only")
            return
        path = f"repos/{REPOSITORY}/private-vulnerability-reporting"
        enabled = (self.github.get(path) or {}).get("enabled", False)
        setting.add("=" if enabled else "+", "anyone may report a vulnerability privately")
        if not enabled:
            setting.calls = [Call("PUT", path)]

    def secret_scanning(self, setting: Setting, _: None) -> None:
        security = self.repository.security
        if self.repository.private and "secret_scanning" not in security:
            setting.add("?", "a private repository needs GitHub Secret Protection for it")
            return
        body = {}
        for key, text in (
            ("secret_scanning", "secret scanning"),
            ("secret_scanning_push_protection", "push protection: pushes with secrets refused"),
        ):
            enabled = (security.get(key) or {}).get("status") == "enabled"
            setting.add("=" if enabled else "+", text)
            if not enabled:
                body[key] = {"status": "enabled"}
        if body:
            setting.calls = [Call("PATCH", f"repos/{REPOSITORY}", {"security_and_analysis": body})]


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


def explain(error: GitHubError, repository: Repository) -> str:
    """What a refused call means, and what to do about it."""
    said = str(error)
    if error.status == 409:
        return f"{said}\n    An organisation or enterprise policy decides it: ask its owners."
    if error.status in (403, 404) and repository.private:
        return (
            f"{said}\n    On a private repository this needs a paid plan (see above), and "
            "admin rights."
        )
    if error.status in (403, 404):
        return f"{said}\n    It needs admin rights on {REPOSITORY}."
    return said


PRIVATE_NOTE = """\
{repository} is private, so some settings depend on its owner's GitHub plan{plan}: rulesets and
environments with deployment rules need GitHub Pro, Team or Enterprise; required reviewers and
wait timers on an environment need GitHub Enterprise; private vulnerability reporting is for
public repositories; secret scanning needs GitHub Secret Protection. Each setting is tried on
its own, and the summary lists what GitHub refused."""


def print_plan(settings: list[Setting]) -> None:
    for setting in settings:
        print(setting.name)
        for mark, text in setting.lines:
            first, _, rest = text.partition("\n")
            suffix = " (kept; --prune removes it)" if mark == "!" else ""
            print(f"  {mark} {first}{suffix}" + (f"\n{rest}" if rest else ""))
        print()


def print_listing(settings: list[Setting]) -> None:
    """Offline: the calls --apply makes on a repository with none of the settings."""
    for setting in settings:
        for call in setting.calls:
            print(f"# {setting.name}")
            print(f"{call.method} {call.path}")
            if call.body is not None:
                print(json.dumps(call.body, indent=2))
            print()
        for mark, text in setting.lines:
            if mark in "?x":
                print(f"# {setting.name}: {text}\n")


def check_lines(settings: list[Setting]) -> list[str]:
    """What --check reports: each difference and what fixes it (`drift:`), and what is kept of
    the repository's own that --prune would remove (`kept:`)."""
    found = []
    for setting in settings:
        for mark, text in setting.lines:
            fix = {"+": " (--apply sets it)", "~": " (--apply sets it)"}.get(mark, "")
            fix = " (--apply --prune removes it)" if mark == "!" else fix
            kind = {"+": "drift", "~": "drift", "x": "drift", "!": "kept"}.get(mark)
            if kind:
                first, _, rest = text.partition("\n")
                found.append(
                    f"{kind}: {setting.name}: {first}{fix}" + (f"\n{rest}" if rest else "")
                )
    return found


def apply(github: GitHub, settings: list[Setting], repository: Repository) -> list[str]:
    """Make each setting's calls; after a failure, go on with the next setting."""
    failures = []
    for setting in settings:
        for call in setting.calls:
            print(f"{call.method} {call.path}", flush=True)
            try:
                github.write(call)
            except GitHubError as error:
                failures.append(f"{setting.name}: {explain(error, repository)}")
                print(f"  failed: {error}", flush=True)
                break
    return failures


def main(argv: list[str] | None = None, root: Path | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=f"Plan, apply or check the recommended GitHub settings of {REPOSITORY}.",
        epilog="Without --apply or --check: the plan, which changes nothing.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--apply", dest="mode", action="store_const", const="apply")
    mode.add_argument("--check", dest="mode", action="store_const", const="check")
    parser.add_argument(
        "--prune",
        action="store_true",
        help="also remove or weaken what the plan marks `!`: reviewers and bypass actors "
        "outside the release team, other deployment rules, verified creators' actions",
    )
    parser.add_argument(
        "--signed-commits",
        action=argparse.BooleanOptionalAction,
        default=SIGNED_COMMITS,
        help="require signed commits on the default branch (default: %(default)s)",
    )
    arguments = parser.parse_args(argv)
    root = root or Path(__file__).resolve().parents[1]
    mode = arguments.mode or "plan"
    try:
        check_constants()
        problem = gh_ready()
        if problem and mode != "plan":
            raise SettingsError(f"{problem}\nThe plan (no option) needs neither.", EXIT_GH)
        github = GitHub(live=not problem)
        if problem:
            print(f"# {problem.splitlines()[0]}", file=sys.stderr)
            print(f"# Offline: the calls --apply makes on {REPOSITORY} if none is set yet.")
            print("# --apply reads each setting first: it adds, and keeps what is there.\n")
        repository = read_repository(github)
        if repository.admin is False and mode == "apply":
            message = (
                f"You are not an administrator of {REPOSITORY}: ask one to run this script, "
                "or to make you one. The plan (no option) shows what it would do."
            )
            raise SettingsError(message, EXIT_ADMIN)
        if repository.admin is False:
            print(f"You are not an administrator of {REPOSITORY}: what only they can read shows")
            print("as `?`, and only they can --apply this plan.\n")
        if repository.private:
            plan = f" (its plan: {repository.plan})" if repository.plan else ""
            print(PRIVATE_NOTE.format(repository=REPOSITORY, plan=plan), end="\n\n")
        team = release_team(github, repository)
        if solo() and mode != "check":
            note = SOLO_NOTE.format(
                handle=RELEASE_TEAM[0], minutes=COOLING_OFF_MINUTES, doc=RELEASING_DOC
            )
            if not github.live:  # the listing: calls, and comments
                note = "\n".join(f"# {line}" for line in note.splitlines())
            print(note, end="\n\n")
        planner = Planner(github, repository, team, root, arguments.prune, arguments.signed_commits)
        settings = planner.all()
    except (SettingsError, GitHubError) as error:
        print(f"error: {error}", file=sys.stderr)
        return getattr(error, "code", EXIT_REFUSED)
    if not github.live:
        print_listing(settings)
        return 0
    if mode == "check":
        reported = check_lines(settings)
        for line in reported:
            print(line)
        drifts = [line for line in reported if line.startswith("drift: ")]
        if drifts:
            count = len(drifts)
            differ = "1 setting differs" if count == 1 else f"{count} settings differ"
            print(f"{differ} from the recommendation.")
            return EXIT_DRIFT
        print("Every setting is as recommended.")
        return 0
    print_plan(settings)
    if mode == "plan":
        print("Nothing was changed: --apply makes the `+`, `~` and `-` items.")
        return 0
    failures = apply(github, settings, repository)
    changed = sum(bool(setting.calls) for setting in settings) - len(failures)
    print(f"\n{changed} settings changed, {len(failures)} refused.")
    for failure in failures:
        print(f"refused: {failure}", file=sys.stderr)
    left = [s.name for s in settings for mark, _ in s.lines if mark in "!x" and not arguments.prune]
    if left:
        print(f"Not changed (see the plan above): {', '.join(sorted(set(left)))}.")
    return EXIT_REFUSED if failures else 0


if __name__ == "__main__":
    sys.exit(main())
