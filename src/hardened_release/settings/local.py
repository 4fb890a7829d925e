"""What the repository's own files say that the settings depend on: the actions its workflows
and local actions use, and which jobs write with the default token, approve or create pull
requests, or push tags. Read with hardened_release.workflows, the one reader of workflows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from hardened_release.workflows import Job, WorkflowError, read_action, read_all, strings

SHA = re.compile(r"[0-9a-f]{40}")
GITHUB_OWNED = ("actions", "github")  # "Allow actions created by GitHub" covers these owners
# Signs that a job writes with its token: it pushes, calls GitHub, or hands the token on.
WRITES = re.compile(
    r"git push|\bgh (?:api|release|pr|issue|repo|workflow|label)\b|GITHUB_TOKEN|github\.token"
    r"|deploy-pages|action-gh-release|actions-gh-pages|create-pull-request|git-auto-commit"
    r"|github-script|release-drafter|labeler|stale@"
)
APPROVES = re.compile(r"--approve|auto-approve|approve-pull-request")
# Signs that a job opens pull requests: turning off "Allow GitHub Actions to create and
# approve pull requests" stops it, where it uses the default token.
CREATES_PULL_REQUESTS = re.compile(
    r"\bgh pr create\b|create-pull-request|release-please-action|pull-request@|/pulls\b"
    r"|changesets/action|pre-commit-autoupdate|update-pre-commit"
)
# Signs that a job creates or pushes tags: the tag ruleset stops it on release tags.
PUSHES_TAGS = re.compile(
    r"\bgit tag\b|git push [^\n]*(?:--tags|refs/tags|\$\{?\{?\s*(?:env\.)?(?:TAG|VERSION))"
    r"|\bgh release create\b|github-tag-action|action-gh-release|release-please-action"
    r"|semantic-release|create-release@|/git/refs\b"
)


@dataclass
class Workflows:
    """What the repository's workflows and local actions use and need from the token."""

    actions: set[str] = field(default_factory=set)  # owner/repo[/path], not GitHub's own
    github_actions: set[str] = field(default_factory=set)  # GitHub's own: actions/checkout, ...
    unpinned: list[str] = field(default_factory=list)  # "file:line: uses: ..."
    writers: list[str] = field(default_factory=list)  # jobs that may write, undeclared
    approvers: list[str] = field(default_factory=list)  # files that approve pull requests
    pull_requests: list[str] = field(default_factory=list)  # jobs that open pull requests
    taggers: list[str] = field(default_factory=list)  # jobs that create or push tags
    found: list[str] = field(default_factory=list)  # the files read
    problems: list[str] = field(default_factory=list)  # files that could not be read


def job_text(job: Job) -> str:
    return "\n".join(strings(job.data))


def use(found: Workflows, name: str, text: str, owner: str, target: str, line: int) -> None:
    """One `uses:` of a step or a job."""
    if target.startswith(("./", "docker://")) or "@" not in target:
        return
    action, _, ref = target.partition("@")
    if not SHA.fullmatch(ref):
        lines = text.splitlines()
        shown = lines[line - 1].strip() if 0 < line <= len(lines) else f"uses: {target}"
        found.unpinned.append(f"{name}:{line}: {shown}")
    if action.split("/")[0].lower() in GITHUB_OWNED:
        found.github_actions.add(action)
    elif action.split("/")[0].lower() != owner.lower():
        found.actions.add(action)


def read_workflows(root: Path, owner: str) -> Workflows:
    """Every workflow under .github/workflows, and every local action they use."""
    found = Workflows()
    try:
        workflows = read_all(root)
    except (WorkflowError, OSError, UnicodeDecodeError) as error:
        found.problems.append(str(error))
        return found
    local: list[str] = []
    for workflow in workflows:
        name = workflow.path.as_posix()
        found.found.append(name)
        declared = "permissions" in workflow.data
        for job in workflow.jobs.values():
            where = f"{name}: job {job.id}"
            if job.calls:
                line = getattr(job.data, "lc", None)
                at = line.key("uses")[0] + 1 if line is not None else 0
                use(found, name, workflow.text, owner, job.calls, at)
            for step in job.steps:
                if step.uses.startswith("./"):
                    local.append(step.uses)
                use(found, name, workflow.text, owner, step.uses, step.line)
            text = job_text(job)
            sign = WRITES.search(text)
            if sign and not declared and job.permissions is None:
                found.writers.append(f"{where} ({sign[0]})")
            if CREATES_PULL_REQUESTS.search(text):
                found.pull_requests.append(where)
            tags = PUSHES_TAGS.search(text)
            if tags:
                found.taggers.append(f"{where} ({tags[0].strip()})")
        if APPROVES.search(workflow.text):
            found.approvers.append(name)
    seen: set[str] = set()
    while local:
        folder = PurePosixPath(local.pop(0).removeprefix("./")).as_posix()
        if folder in seen:
            continue
        seen.add(folder)
        try:
            text, steps = read_action(root, Path(folder))
        except (WorkflowError, OSError, UnicodeDecodeError) as error:
            found.problems.append(str(error))
            continue
        if not text:
            continue
        name = f"{folder}/action.yml"
        found.found.append(name)
        for step in steps:
            if step.uses.startswith("./"):
                local.append(step.uses)
            use(found, name, text, owner, step.uses, step.line)
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
