"""What adoption decides about the project's workflows: which of them publish to PyPI or
TestPyPI today, what becomes of each of their jobs and steps, which answers the release
workflow takes from them, which of the project's files are edited, and what is left to do by
hand on PyPI and GitHub.

`plan(project, given)` is a pure function of `Project` (plain data read once by `adopt`) and
of the answers the user gave; nothing here writes. The edits it returns
(hardened_release.edits) are applied by `adopt` after the template is rendered.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from hardened_release import edits
from hardened_release.project import Project, normalized
from hardened_release.workflows import SECRET, Job, Step, Workflow, strings

Fate = Literal["carried over", "done by the release workflow", "kept in place", "dropped"]
FATES: tuple[Fate, ...] = (
    "carried over",
    "done by the release workflow",
    "kept in place",
    "dropped",
)


@dataclass(frozen=True)
class Outcome:
    """What became of one job (step None) or one step of a workflow that publishes today."""

    workflow: str  # file name, such as "publish.yml"
    job: str  # job id
    step: str | None  # the step's name as GitHub shows it; None for the job as a whole
    fate: Fate
    detail: str  # where (carried over), which job (done by), which file (kept), why (dropped)


@dataclass
class Plan:
    """What adoption proposes and does, for `adopt` to apply and report."""

    #: Proposed answers to copier.yml's questions (the user's -d wins).
    answers: dict[str, Any] = field(default_factory=dict)
    #: Every job and step of every workflow that publishes today, in file and job order.
    outcomes: list[Outcome] = field(default_factory=list)
    #: Edits of the project's own files, applied after rendering (hardened_release.edits).
    edits: list[edits.Edit] = field(default_factory=list)
    #: The PyPI steps, then the GitHub steps, left to the user, in order.
    steps_left: list[str] = field(default_factory=list)
    #: Anything else the report must say.
    notes: list[str] = field(default_factory=list)


# The release workflow's jobs, by id, as the template writes them.
BUILD, SDIST, WHEELS = "build", "sdist", "wheels"
PUBLISH, PUBLISH_TESTPYPI, GITHUB_RELEASE = "publish", "publish-testpypi", "github-release"
ATTEST = "attest"

PUBLISH_ACTION = "pypa/gh-action-pypi-publish"
PUBLISH_COMMAND = re.compile(
    r"\b(twine\s+upload|uv\s+publish|flit\s+publish|poetry\s+publish|hatch\s+publish"
    r"|pdm\s+publish|maturin\s+(?:publish|upload))\b"
)
#: What only an upload reads: a step that sets one publishes, whatever runs the upload (a tox
#: environment, a script this reading cannot follow).
UPLOAD_CREDENTIAL = re.compile(
    r"\A(TWINE_PASSWORD|UV_PUBLISH_(TOKEN|PASSWORD)|POETRY_PYPI_TOKEN_\w+|FLIT_PASSWORD"
    r"|PDM_PUBLISH_PASSWORD|HATCH_INDEX_AUTH|MATURIN_(PYPI_TOKEN|PASSWORD))\Z"
)
BUILD_COMMAND = re.compile(
    r"(-m\s+build\b|pipx\s+run\s+build\b|uvx?\s+build\b|pyproject-build\b|hatch\s+build\b"
    r"|poetry\s+build\b|flit\s+build\b|pdm\s+build\b|maturin\s+(?:build|sdist)\b"
    r"|setup\.py\s+(?:sdist|bdist_wheel))"
)
TEST_COMMAND = re.compile(
    r"\b(pytest|tox|nox|coverage\s+run|hatch\s+test|unittest|mypy|ruff|pre-commit|make\s+test)\b"
)
TAG_COMMAND = re.compile(r"\bgit\s+tag\b|\bgit\s+push\b[^\n]*(--tags|\btag\b|refs/tags)")
ROLLBACK_COMMAND = re.compile(
    r"\bgh\s+release\s+delete\b|\bgit\s+push\b[^\n]*(--delete|\s:refs/tags/)|\bgit\s+tag\s+-d\b"
)
#: A command that makes a GitHub release (jaraco.develop's, in a tox environment that also
#: uploads, as the jaraco skeleton's projects have it).
RELEASE_COMMAND = re.compile(r"\bgh\s+release\s+create\b|\bcreate[-_]github[-_]release\b")
RELEASE_ACTIONS = (
    "softprops/action-gh-release",
    "ncipollo/release-action",
    "actions/create-release",
    "actions/upload-release-asset",
    "svenstaro/upload-release-action",
    "aio-libs/create-release",
)
ZIPAPP = re.compile(r"[\w./-]*\.pyz\b|\bzipapp\b|\bshiv\b|\bpex\b")
SHA256 = re.compile(r"\bsha256sum\b|\bshasum\s+-a\s*256\b|SHA256SUMS", re.IGNORECASE)
REF_CHECK = re.compile(
    r"refs/tags|git\s+describe[^\n]*--exact-match|--points-at|git\s+rev-parse[^\n]*\^\{|tag\s+-l"
)
GUARD = re.compile(r"github\.repository_owner|github\.repository\s*==")
INSTALL = re.compile(
    r"^\s*(sudo\s+)?(python3?\s+-m\s+)?(pip3?|pipx|uv\s+pip|uv\s+tool|poetry|pdm|apt-get|apt|brew)"
    r"\s+install\b"
)
SETUP_ACTIONS = ("actions/setup-python", "astral-sh/setup-uv", "snok/install-poetry")
SETUP_ACTION = re.compile(r"^[^/]+/setup-[\w.-]+$|/install-[\w-]+$")
CREDENTIAL = re.compile(r"PASSWORD|TOKEN|AUTH|API_KEY", re.IGNORECASE)
TAG_RULE = re.compile(
    r"\A([A-Za-z0-9._-][A-Za-z0-9._/-]*)?([A-Za-z0-9._-]|\[[A-Za-z0-9._-]+\])*[*]"
    r"([A-Za-z0-9._-]|\[[A-Za-z0-9._-]+\]|[*])*\Z"
)
ENVIRONMENT_NAME = re.compile(r"\A[A-Za-z0-9._-]{1,255}\Z")
#: Workflow files that another template writes and updates: taking one over would make each
#: of that template's updates conflict with the release workflow.
TEMPLATE_FILES = {"scientific-python/cookie": ("cd.yml",)}

Index = Literal["pypi", "testpypi", "other"]


@dataclass(frozen=True)
class Upload:
    """One upload to a package index that a workflow makes today."""

    workflow: Workflow  # the file whose job uploads
    job: Job
    step: Step | None  # None for a job that calls a reusable workflow that uploads
    index: Index
    tool: str  # "pypa/gh-action-pypi-publish", "twine upload", ...
    secrets: tuple[str, ...]  # the token secrets it uploads with; () is trusted publishing
    environment: str | None  # as written (None where it has none or it is an expression)
    script: str = ""  # the script that uploads, where a `run:` line calls one
    identity: str = ""  # the workflow file PyPI's trusted publisher names (the caller's)
    caller: str = ""  # the id of the job that calls the reusable workflow, in `identity`
    via: tuple[str, ...] = ()  # the reusable workflows called, from `identity` to `workflow`

    @property
    def chain(self) -> tuple[str, ...]:
        """The files a run goes through, from the one PyPI trusts to the one that uploads."""
        return (self.identity, *self.via)

    @property
    def trusted(self) -> bool:
        return not self.secrets


def scripts_called(project: Project, run: str, depth: int = 2) -> list[tuple[str, str]]:
    """The repository's files that a `run:` line (or a script it calls) runs: (path, text)."""
    found: list[tuple[str, str]] = []
    for token in re.split(r"[\s;&|()<>`'\"=]+", run):
        token = token.strip()
        if not token or "$" in token or token.startswith("-") or "://" in token:
            continue
        path = token.removeprefix("./")
        script = re.search(r"\.(sh|bash|zsh|py|ps1)$", path)
        if "/" not in path and not script:
            continue
        text = project.text(path)
        # Only what runs: a script by its suffix, or a file with a #! line (never a document
        # that happens to show an upload command, such as RELEASING.md).
        if text is not None and not script and not text.startswith("#!"):
            continue
        if text is not None and all(path != p for p, _ in found):
            found.append((path, text))
            if depth > 1:
                found.extend(s for s in scripts_called(project, text, depth - 1) if s not in found)
    for env in re.findall(r"\btox\b(?:\s+(?:run|r))?(?:\s+-\S+)*?\s+-e\s*([\w.,-]+)", run):
        for name in env.split(","):
            commands = _tox_env(project, name)
            if commands is not None:
                found.append((f"tox ({name})", commands))
    for name in re.findall(r"\bnox\b(?:\s+-\S+)*?\s+(?:-s|--session)\s+([\w-]+)", run):
        noxfile = project.text("noxfile.py") or ""
        body = re.search(rf"^def {re.escape(name)}\(.*?(?=^\S|\Z)", noxfile, re.M | re.S)
        if body:
            found.append((f"noxfile.py ({name})", body.group(0)))
    make = re.search(r"\bmake\s+(?:-\S+\s+)*([\w.-]+)", run)
    if make:
        makefile = project.text("Makefile")
        if makefile is not None:
            recipe = re.search(
                rf"^{re.escape(make.group(1))}\s*:[^\n]*\n((?:\t[^\n]*\n?)*)", makefile, re.M
            )
            if recipe:
                found.append((f"Makefile ({make.group(1)})", recipe.group(1)))
    return found


def _run_text(project: Project, step: Step) -> str:
    """A `run:` step's commands and those of what it calls, a line apart."""
    called = " ".join(text for _, text in scripts_called(project, step.run)) if step.run else ""
    return f"{step.run}\n{called}"


def _upload_credential(step: Step) -> str | None:
    """The upload's credential the step is given (`UPLOAD_CREDENTIAL`), if any."""
    return next((str(key) for key in step.env if UPLOAD_CREDENTIAL.match(str(key))), None)


def _tox_env(project: Project, name: str) -> str | None:
    """What tox runs for the environment `name`, as text: its section of tox.ini (or of
    setup.cfg, or of pyproject.toml's legacy_tox_ini), or its table of tox.toml or of
    pyproject.toml's [tool.tox]."""
    tables: list[Mapping[str, Any]] = []
    for path, key in (("tox.toml", ()), ("pyproject.toml", ("tool", "tox"))):
        try:
            table: Any = tomllib.loads(project.text(path) or "")
        except tomllib.TOMLDecodeError:
            table = {}
        for part in key:
            table = _mapping(table).get(part)
        tables.append(_mapping(table))
    legacy = tables[1].get("legacy_tox_ini")
    for text in (project.text("tox.ini"), project.text("setup.cfg"), legacy):
        pattern = rf"^\[testenv:{re.escape(name)}\][^\n]*\n(.*?)(?=^\[|\Z)"
        section = re.search(pattern, text, re.M | re.S) if isinstance(text, str) else None
        if section:
            return section.group(1)
    for table in tables:
        env = _mapping(_mapping(table.get("env")).get(name))
        if env:
            return " ".join(" ".join(strings(value)) for value in env.values())
    return None


def _maturin_upload(step: Step) -> bool:
    """PyO3/maturin-action with `command: upload` (or publish)."""
    return step.action.lower() == "pyo3/maturin-action" and step.inputs.get("command") in (
        "upload",
        "publish",
    )


def _credential_secrets(values: Any) -> set[str]:
    """The secrets a step or job's `env:`/`with:` passes under a credential's name."""
    found: set[str] = set()
    if isinstance(values, Mapping):
        for key, value in values.items():
            secrets = {s for s in strings(value) for s in SECRET.findall(s)} - {"GITHUB_TOKEN"}
            if CREDENTIAL.search(str(key)) or (isinstance(value, str) and CREDENTIAL.search(value)):
                found |= secrets
    return found


def _step_uploads(project: Project, workflow: Workflow, job: Job, step: Step) -> Upload | None:
    """The upload `step` makes, if it makes one."""
    script = ""
    if step.action == PUBLISH_ACTION:
        tool = PUBLISH_ACTION
        target = " ".join(strings(dict(step.inputs)))
    elif _maturin_upload(step):
        tool = f"{step.action} ({step.inputs.get('command')})"
        target = " ".join(strings(dict(step.inputs)))
    else:
        match = PUBLISH_COMMAND.search(step.run)
        scripts = [] if match else scripts_called(project, step.run)
        for path, text in scripts:
            match = PUBLISH_COMMAND.search(text)
            if match:
                script = path
                target = text
                break
        credential = _upload_credential(step)
        if not match and not credential:
            return None
        tool = re.sub(r"\s+", " ", match.group(1)) if match else f"a run with {credential} set"
        if not script:
            target = step.run
    target += " " + " ".join(strings(dict(step.env))) + " " + " ".join(strings(job.data.get("env")))
    index: Index = "testpypi" if re.search(r"test\.pypi\.org|testpypi", target, re.I) else "pypi"
    urls = re.findall(r"https?://[^\s'\"]+", target)
    if urls and not any(re.search(r"(^|[/.])pypi\.org([/:]|$)", url) for url in urls):
        index = "other"  # a private index: not what the release workflow replaces
    secrets = (
        _credential_secrets(step.inputs)
        | _credential_secrets(step.env)
        | _credential_secrets(job.data.get("env"))
        | _credential_secrets(_mapping(workflow.data).get("env"))
        | {s for s in SECRET.findall(step.run) if s != "GITHUB_TOKEN"}
    )
    environment = job.environment
    if environment is not None and "${{" in environment:
        environment = None
    return Upload(
        workflow,
        job,
        step,
        index,
        tool,
        tuple(sorted(secrets)),
        environment,
        script,
        workflow.file,
    )


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _local_callee(job: Job) -> str:
    """The file name of the repository's own reusable workflow that `job` calls, or ""."""
    called = job.calls
    if called.startswith("./.github/workflows/"):
        return called.removeprefix("./.github/workflows/").split("@")[0]
    return ""


def _starts_releases(workflow: Workflow) -> bool:
    """Whether a workflow runs on what starts a release: a release, a tag, or by hand."""
    triggers = workflow.triggers
    return bool({"release", "workflow_dispatch"} & set(triggers) or _tag_filters(workflow))


def _top_level(workflow: Workflow) -> bool:
    """Whether an event starts the workflow itself (not only another workflow's call)."""
    return bool(set(workflow.triggers) - {"workflow_call"})


def _called(project: Project) -> set[str]:
    """The workflow files that other workflows of the repository call: never to be replaced."""
    return {
        callee
        for w in project.workflows
        for job in w.jobs.values()
        if (callee := _local_callee(job)) and callee != w.file
    }


def _remote_publisher(job: Job) -> bool:
    """Whether a call of another repository's reusable workflow publishes, as far as its name
    and the secrets passed to it say, unless an input turns its upload to PyPI off
    (OpenAstronomy's `upload_to_pypi: false`, where it only builds and tests the wheels)."""
    for key, value in _mapping(job.data.get("with")).items():
        if re.search(r"(upload|publish).*pypi|pypi.*(upload|publish)", str(key), re.I) and (
            str(value).strip().lower() == "false"
        ):
            return False
    secrets = job.data.get("secrets")
    names = " ".join(str(k) for k in _mapping(secrets)) + " " + " ".join(job.secrets)
    return bool(re.search(r"pypi|publish", job.calls.split("@")[0], re.I)) or bool(
        re.search(r"pypi", names, re.I)
    )


def _input_environment(callee_job: Job, caller: Job) -> str | None:
    """The environment of a reusable workflow's job that names one of its inputs
    (`${{ inputs.environment }}`), as the caller passes it."""
    match = re.fullmatch(r"\$\{\{\s*inputs\.([A-Za-z_][\w-]*)\s*\}\}", callee_job.environment or "")
    value = _mapping(caller.data.get("with")).get(match.group(1)) if match else None
    return value if isinstance(value, str) and "${{" not in value else None


def find_uploads(project: Project, *, other_indexes: bool = False) -> list[Upload]:
    """Every upload a run of each top-level workflow makes, in file, job and step order: its
    own steps', and those of the repository's reusable workflows it calls, at any depth (listed
    under its identity, with the calling job and the chain of files called). Where no top-level
    workflow uploads, the uploads of reusable workflows that nothing here calls. Uploads to
    other indexes than PyPI and TestPyPI are left out (or alone, with `other_indexes`)."""
    by_file = {w.file: w for w in project.workflows}
    own = {
        w.file: [
            upload
            for job in w.jobs.values()
            for step in job.steps
            if (upload := _step_uploads(project, w, job, step))
        ]
        for w in project.workflows
    }

    def made_by(workflow: Workflow, seen: frozenset[str]) -> list[Upload]:
        found = list(own[workflow.file])
        for job in workflow.jobs.values():
            if job.calls and not _local_callee(job) and _remote_publisher(job):
                passed = tuple(s for s in job.secrets if not s.startswith("("))
                target = " ".join(strings(job.data.get("with")))
                index: Index = "testpypi" if re.search(r"test\.?pypi", target, re.I) else "pypi"
                found.append(
                    Upload(workflow, job, None, index, job.calls, passed, None, "", workflow.file)
                )
            callee = by_file.get(_local_callee(job))
            if callee is None or callee.file in seen:
                continue
            passed_secrets = {s for s in job.secrets if not s.startswith("(")}
            for upload in made_by(callee, seen | {callee.file}):
                secrets = upload.secrets and tuple(sorted(set(upload.secrets) | passed_secrets))
                environment = upload.environment
                if environment is None and upload.workflow is callee:
                    environment = _input_environment(upload.job, job)
                found.append(
                    replace(
                        upload,
                        secrets=secrets,
                        environment=environment,
                        identity=workflow.file,
                        caller=job.id,
                        via=(callee.file, *upload.via),
                    )
                )
        return found

    def wanted(upload: Upload) -> bool:
        return (upload.index == "other") == other_indexes

    uploads = [
        upload
        for w in project.workflows
        if _top_level(w)
        for upload in made_by(w, frozenset({w.file}))
        if wanted(upload)
    ]
    if not uploads:
        uploads = [
            upload
            for w in project.workflows
            if not _top_level(w)
            for upload in made_by(w, frozenset({w.file}))
            if wanted(upload)
        ]
    return uploads


def distribution_named(
    project: Project, workflow: Workflow, job: Job, pypi_name: str
) -> str | None:
    """Which of the repository's distributions a publishing job is for, where the repository
    defines several: the one it names (`pypi_name` where it names that one too), or, where the
    job names none, the one its workflow's name, triggers or file name name
    (`build-hatchling.yml`); None where nothing names one, or the repository has one."""
    ours = normalized(pypi_name)
    if not set(project.distributions) - {ours}:
        return None
    around = {key: value for key, value in workflow.data.items() if key != "jobs"}
    for words in ((job.id, *strings(job.data)), (workflow.file, *strings(around))):
        text, named = normalized(" ".join(words)), []
        for name in sorted({*project.distributions, ours}, key=len, reverse=True):
            pattern = rf"(?<![a-z0-9]){re.escape(name)}(?![a-z0-9])"
            if re.search(pattern, text):
                named.append(name)
                text = re.sub(pattern, " ", text)  # pydantic-core is not pydantic too
        if named:
            return ours if ours in named else named[0]
    return None


def step_kind(project: Project, step: Step) -> str:
    """What a step does, as far as releasing goes: one of "publish", "checkout", "setup",
    "artifact", "build", "date", "inspect", "cibuildwheel", "matrix", "twine check",
    "check-wheel-contents", "attest", "sha256", "zipapp", "github release", "notes", "tag",
    "rollback", "ref check", "version", "test" and "other"."""
    action, run = step.action.lower(), step.run
    text = _run_text(project, step)
    # The commands of a `run:` script, one per line or joined with && or ;.
    commands = [c for c in re.split(r"\n|&&|;|\|\|", run) if c.strip()]
    installs_only = bool(commands) and all(INSTALL.match(c) for c in commands)
    if action == PUBLISH_ACTION or _maturin_upload(step) or PUBLISH_COMMAND.search(text):
        return "publish"
    if _upload_credential(step):
        return "publish"
    if "failure()" in step.condition or ROLLBACK_COMMAND.search(text):
        return "rollback"
    if action in RELEASE_ACTIONS or re.search(
        r"\bgh\s+release\s+(create|upload|edit|view)\b", text
    ):
        creates = action != "actions/upload-release-asset" and not re.search(
            r"\bgh\s+release\s+upload\b", text
        )
        if not creates and ZIPAPP.search(f"{' '.join(strings(dict(step.inputs)))} {text}"):
            return "zipapp"
        return "github release"
    if installs_only or re.fullmatch(r"[^\n]*\|\s*gh\s+auth\s+login\b[^\n]*\n?", run):
        return "setup"  # installs, or logs the GitHub CLI in
    if ZIPAPP.search(text):
        return "zipapp"
    if TAG_COMMAND.search(text):
        return "tag"
    if "--print-build-identifiers" in text:
        return "matrix"
    if action == "pypa/cibuildwheel" or re.search(r"\bcibuildwheel\b", text):
        return "cibuildwheel"
    if action == "hynek/build-and-inspect-python-package":
        return "inspect"
    if action == "pyo3/maturin-action" or BUILD_COMMAND.search(text):
        return "build"
    if "check-wheel-contents" in text:
        return "check-wheel-contents"
    if re.search(r"\btwine\s+check\b", text):
        return "twine check"
    if action.startswith(("actions/attest", "sigstore/")):
        return "attest"
    if SHA256.search(text):
        return "sha256"
    if "SOURCE_DATE_EPOCH" in text:
        return "date"
    if re.search(r"\bdist\b|wheelhouse|\.whl\b", text) and re.search(
        r"\b(download|fetch|wget|curl)\b|gh\s+run\s+download", text
    ):
        return "fetch"  # distributions built elsewhere, brought in to publish
    if action in ("actions/upload-artifact", "actions/download-artifact"):
        return "zipapp" if ZIPAPP.search(" ".join(strings(dict(step.inputs)))) else "artifact"
    if action == "actions/checkout":
        return "checkout"
    if action in SETUP_ACTIONS or SETUP_ACTION.search(action):
        return "setup"
    if re.search(r"release[-_ ]notes|changelog", f"{step.name} {text}", re.I):
        return "notes"
    if TEST_COMMAND.search(text) or action.startswith("codecov/"):
        return "test"
    if run and "inputs." in run and re.search(r"version", run, re.I) and not REF_CHECK.search(run):
        return "version"
    if REF_CHECK.search(text) or GUARD.search(text):
        return "ref check"

    return "other"


#: What a job does, from its steps' kinds, in this order of precedence.
JOB_KINDS = (
    "publish",
    "rollback",
    "matrix",
    "cibuildwheel",
    "inspect",
    "build",
    "github release",
    "zipapp",
    "tag",
    "test",
)


def job_kind(project: Project, job: Job, publishing_calls: set[str]) -> str:
    """What a job does, from its steps' kinds (`JOB_KINDS` in order), or "call" (it calls a
    workflow that publishes: `publishing_calls` holds such jobs' ids), "provenance", "guard"
    (checks only), "support" (checkout and setup only) or "other" (anything else)."""
    if job.calls:
        if job.id in publishing_calls:
            return "call"
        return "provenance" if "slsa" in job.calls.lower() else "other"
    if "failure()" in job.condition:
        return "rollback"
    kinds = {step_kind(project, step) for step in job.steps}
    for kind in JOB_KINDS:
        if kind in kinds:
            return kind
    if kinds & {
        "ref check",
        "version",
        "sha256",
        "attest",
        "twine check",
        "date",
        "notes",
        "fetch",
    }:
        return "guard"
    if kinds and kinds <= {"checkout", "setup", "artifact"}:
        return "support"  # what a build needs, and nothing else
    return "other"


def tag_rule(filter: str) -> str | None:
    """A GitHub tag rule for a workflow's tag filter: `v*` stays, `[0-9]+.[0-9]+.[0-9]+`
    becomes `[0-9]*`; None where none can be made."""
    if TAG_RULE.match(filter) and "**" not in filter:
        return filter
    prefix = re.split(r"[][*?+!]", filter, maxsplit=1)[0]
    rule = prefix + ("[0-9]*" if filter[len(prefix) :].startswith("[0-9]") else "*")
    return rule if TAG_RULE.match(rule) and "**" not in rule else None


def tag_style(tags: list[str]) -> str | None:
    """The tag rule most of the project's tags share (more than half), or None."""
    counts = {
        "v*": sum(1 for t in tags if re.match(r"v[0-9]", t)),
        "[0-9]*": sum(1 for t in tags if re.match(r"[0-9]", t)),
    }
    style, count = max(counts.items(), key=lambda item: item[1])
    return style if tags and count * 2 > len(tags) else None


def _is_ci(workflow: Workflow) -> bool:
    """Whether a workflow runs on changes of the code (pull requests, pushes to branches)."""
    triggers = workflow.triggers
    push = _mapping(triggers.get("push"))
    return bool(
        {"pull_request", "pull_request_target", "merge_group", "schedule"} & set(triggers)
        or ("push" in triggers and (push.get("branches") or not push.get("tags")))
    )


def _tag_filters(workflow: Workflow) -> list[str]:
    tags = _mapping(workflow.triggers.get("push")).get("tags")
    tags = [tags] if isinstance(tags, str) else tags or []
    return [str(t) for t in tags if not str(t).startswith("!")]


def _trigger(workflow: Workflow, jobs: list[Job]) -> str:
    triggers = workflow.triggers
    if "release" in triggers:
        return "release"
    on_tags = re.compile(r"refs/tags|ref_type\s*==\s*'tag'")
    if _tag_filters(workflow) or (
        "push" in triggers and any(on_tags.search(job.condition) for job in jobs)
    ):
        return "tag"
    if "workflow_run" in triggers:
        return "tag"  # it ran after another workflow, on the tag that workflow ran on
    if "workflow_dispatch" in triggers:
        return "workflow_dispatch"
    return "release"


def _pypi_name(project: Project, given: Mapping[str, Any]) -> str:
    if isinstance(given.get("pypi_name"), str):
        return given["pypi_name"]
    text = project.text("pyproject.toml")
    try:
        name = _mapping(tomllib.loads(text or "").get("project")).get("name")
    except tomllib.TOMLDecodeError:
        name = None
    return name if isinstance(name, str) else "<name>"


# Why what the release workflow does not do is dropped, said once.
WHY_TAG = (
    "releases now start from a tag: push the tag, and the release workflow builds and "
    "publishes what it points to"
)
WHY_ROLLBACK = (
    "the release workflow publishes only after every check has passed, and makes the GitHub "
    "release only after PyPI has accepted the files, so there is nothing to roll back (and an "
    "upload to PyPI cannot be undone)"
)
WHY_ZIPAPP = (
    "the release workflow attaches only the distributions, SHA256SUMS and the attestation "
    "bundles to the GitHub release; with immutable releases, other files must be attached "
    "before the release is published: build and attach it in a job of the release workflow "
    "before the github-release job publishes the release (or, with github_release=draft, "
    "attach it to the draft by hand)"
)
WHY_MATRIX = (
    "one job per wheel identifier is not carried over: the release workflow's wheels job runs "
    "cibuildwheel once per operating system, and it builds every identifier that "
    "[tool.cibuildwheel] selects"
)
WHY_TESTS = (
    "the release workflow does not run the tests: the project's CI tests every commit, and a "
    "release is a tag of a tested commit"
)
WHY_VERSION = "the version is now the release tag's, pushed before the release"
WHY_NOTES = (
    "the release workflow's GitHub release does not take its notes from the project's files: "
    "write them into the release"
)
WHY_SCHEDULE = (
    "the release workflow publishes releases, started by a tag, a release or a person; "
    "never on a schedule"
)
WHY_OTHER = "the release workflow has no step like it (git history keeps the old file)"
WHY_OTHER_INDEX = (
    "an upload to another index than PyPI and TestPyPI, in a job that goes: the release "
    "workflow publishes to PyPI only, so make that upload from a job of your own (git history "
    "keeps the old step)"
)
WHY_NO_TESTPYPI = "testpypi is off: the release workflow publishes to PyPI only"

_JOB_NAMES = {
    PUBLISH: "publish job",
    PUBLISH_TESTPYPI: "publish-testpypi job",
    BUILD: "build job",
    SDIST: "sdist job",
    WHEELS: "wheels job",
    GITHUB_RELEASE: "github-release job",
    ATTEST: "attest job",
}


def _done(job: str, how: str = "") -> tuple[Fate, str]:
    return "done by the release workflow", _JOB_NAMES[job] + (f" ({how})" if how else "")


@dataclass
class _Context:
    """What the outcomes are decided with."""

    project: Project
    answers: dict[str, Any]  # the final answers: proposed, then given
    uploads: list[Upload]

    @property
    def cibuildwheel(self) -> bool:
        return self.answers.get("build_tool") == "cibuildwheel"

    @property
    def github_release(self) -> bool:
        """Whether the release workflow makes a GitHub release (never on the release trigger:
        a person has published the release before it runs)."""
        return (
            self.answers.get("github_release")
            in (
                "draft",
                "published",
            )
            and self.answers.get("release_trigger") != "release"
        )

    def build(self, how: str = "", text: str = "") -> tuple[Fate, str]:
        """Who builds now; `text`, the old command, says whether it built the sdist only."""
        if self.cibuildwheel:
            if re.search(r"--sdist\b", text) and not re.search(r"--wheel\b", text):
                return _done(SDIST, how)
            return "done by the release workflow", "sdist and wheels jobs" + (
                f" ({how})" if how else ""
            )
        return _done(BUILD, how)

    def publish(self, index: Index, how: str = "") -> tuple[Fate, str]:
        if index == "testpypi":
            return (
                _done(PUBLISH_TESTPYPI, how)
                if self.answers.get("testpypi")
                else (
                    "dropped",
                    WHY_NO_TESTPYPI,
                )
            )
        return _done(PUBLISH, how)

    def attest(self) -> tuple[Fate, str]:
        """Who attests the distributions now."""
        if self.answers.get("github_attestations", True):
            return _done(ATTEST, "GitHub artifact attestations; PEP 740 ones on PyPI too")
        return _done(PUBLISH, "PEP 740 attestations, published beside the files on PyPI")

    def release(self) -> tuple[Fate, str]:
        if self.github_release:
            return _done(GITHUB_RELEASE, f"a {self.answers['github_release']} GitHub release")
        if self.answers.get("release_trigger") == "release":
            return "dropped", (
                "the published GitHub release now starts the release workflow, and with "
                "immutable releases on, no file can be attached to it afterwards"
            )
        return "dropped", "github_release is none: answer draft or published to have one"


def _job_outcome(context: _Context, workflow: Workflow, job: Job, kind: str) -> tuple[Fate, str]:
    fate, detail = _job_duty(context, workflow, job, kind)
    guard = GUARD.search(job.condition)
    if guard and fate != "dropped":
        detail += (
            f"; its {guard.group(0).rstrip(' =')} guard: the release workflow guards every job "
            "that can publish, so forks never publish"
        )
    return fate, detail


def _job_duty(context: _Context, workflow: Workflow, job: Job, kind: str) -> tuple[Fate, str]:
    uploads = [u for u in context.uploads if _is_upload_job(u, workflow, job)]
    upload = uploads[0] if uploads else None
    indexes = list(dict.fromkeys(u.index for u in uploads))
    if (
        kind in ("publish", "call")
        and "schedule" in workflow.triggers
        and not _starts_releases(workflow)
    ):
        return "dropped", WHY_SCHEDULE
    if kind == "publish" and len(indexes) > 1 and context.answers.get("testpypi"):
        return "done by the release workflow", "publish-testpypi and publish jobs"
    if kind == "publish" and upload:
        return context.publish(
            upload.index, f"its upload in {upload.script}" if upload.script else ""
        )
    if kind == "call" and upload:
        return context.publish(upload.index, f"it called {_local_callee(job) or job.calls}")
    if kind in ("build", "inspect"):
        text = " ".join(s.run for s in job.steps)
        return context.build(text=text)
    if kind == "cibuildwheel":
        return _done(WHEELS)
    if kind == "guard":
        return _done(BUILD, "its checks that the run is on a release tag of this version")
    if kind == "support":
        return context.build()
    if kind == "provenance":
        return context.attest()
    if kind == "github release":
        return context.release()
    return "dropped", {
        "matrix": WHY_MATRIX,
        "zipapp": WHY_ZIPAPP,
        "tag": WHY_TAG,
        "rollback": WHY_ROLLBACK,
        "test": WHY_TESTS,
    }.get(kind, WHY_OTHER)


def _is_upload_job(upload: Upload, workflow: Workflow, job: Job) -> bool:
    """Whether `job` of `workflow` uploads: itself, or by calling a reusable workflow."""
    if (upload.workflow.file, upload.job.id) == (workflow.file, job.id):
        return True
    chain = upload.chain
    callee = _local_callee(job)
    return any(
        (file, following) == (workflow.file, callee)
        for file, following in itertools.pairwise(chain)
    )


def _step_outcome(
    context: _Context,
    workflow: Workflow,
    job: Job,
    step: Step,
    job_fate: tuple[Fate, str],
) -> tuple[Fate, str]:
    fate, detail = job_fate
    if fate in ("dropped", "kept in place"):
        return fate, detail
    kind = step_kind(context.project, step)
    if kind == "publish":
        upload = next(
            (u for u in context.uploads if u.step == step and u.workflow is workflow), None
        )
        # context.uploads leaves out uploads to another index: this step may make one.
        other = None if upload else _step_uploads(context.project, workflow, job, step)
        if other and other.index == "other":
            return "dropped", WHY_OTHER_INDEX
        how = f"its upload in {upload.script}" if upload and upload.script else ""
        fate, detail = context.publish(upload.index if upload else "pypi", how)
        text = _run_text(context.project, step)
        if fate != "dropped" and BUILD_COMMAND.search(text):
            built = context.build()[1]
            detail = f"{built.removesuffix(' job').removesuffix(' jobs')} and {detail}"
            detail = detail.replace(" job (", " jobs (", 1) if detail.endswith(")") else detail
        if RELEASE_COMMAND.search(text):
            made, why = context.release()
            detail += f"; its GitHub release: {why}" if made == "dropped" else f"; {why}"
        return fate, detail
    if kind in ("checkout", "setup", "artifact"):
        # Its job's counterpart, without what the job's own outcome adds.
        return fate, re.split(r" \(|;", detail, maxsplit=1)[0]
    if kind == "build":
        return context.build(text=step.run)
    if kind == "inspect":
        return "carried over", "build job: check-wheel-contents and twine check --strict"
    if kind == "cibuildwheel":
        settings = _cibw_settings(workflow, job, step)
        if settings:
            return _done(WHEELS, f"its {', '.join(settings)}: move to [tool.cibuildwheel]")
        return _done(WHEELS, "reads [tool.cibuildwheel]")
    if kind == "twine check":
        return _done(BUILD, "twine check --strict")
    if kind == "check-wheel-contents":
        return "carried over", "build job: check-wheel-contents"
    if kind == "attest":
        return context.attest()
    if kind == "sha256":
        if context.github_release:
            return _done(GITHUB_RELEASE, "SHA256SUMS")
        return "dropped", "PyPI shows each file's SHA-256, and the attestations bind the files"
    if kind == "github release":
        fate, detail = context.release()
        extra = ZIPAPP.search(f"{' '.join(strings(dict(step.inputs)))} {step.run}")
        if extra and fate != "dropped":
            detail += f"; without {extra.group(0)}: see the notes"
        return fate, detail
    if kind == "date":
        return context.build("files dated by the tagged commit")
    if kind == "fetch":
        return context.build("the release workflow builds the distributions it publishes")
    if kind == "ref check":
        return _done(BUILD, "its release guard: a run on anything but a release tag builds only")
    return "dropped", {
        "matrix": WHY_MATRIX,
        "zipapp": WHY_ZIPAPP,
        "tag": WHY_TAG,
        "rollback": WHY_ROLLBACK,
        "version": WHY_VERSION,
        "notes": WHY_NOTES,
        "test": WHY_TESTS,
    }.get(kind, WHY_OTHER)


def _cibw_settings(workflow: Workflow, job: Job, step: Step) -> list[str]:
    """The cibuildwheel settings a workflow sets in `env:`/`with:` rather than pyproject."""
    found: list[str] = []
    for values in (_mapping(workflow.data).get("env"), job.data.get("env"), step.env):
        for key in _mapping(values):
            if str(key).startswith("CIBW_") and str(key) not in found:
                found.append(str(key))
    return found


def plan(project: Project, given: Mapping[str, Any] | None = None) -> Plan:
    """What adoption does with `project`. `given` holds the answers the user gave (`-d`): they
    win over the proposals, and the outcomes and steps left are written for them."""
    given = dict(given or {})
    # Uploads of another distribution of the repository are left as they are, as are uploads
    # to another index: a job that makes only such uploads is kept in place.
    name = _pypi_name(project, given)
    found = find_uploads(project)
    named = [(u, distribution_named(project, u.workflow, u.job, name)) for u in found]
    others = [(u, other) for u, other in named if other and other != normalized(name)]
    elsewhere = {(u.workflow.file, u.job.id) for u, _ in others}
    uploads = [u for u in found if (u.workflow.file, u.job.id) not in elsewhere]
    left_alone = (
        elsewhere | {(u.workflow.file, u.job.id) for u in find_uploads(project, other_indexes=True)}
    ) - {(u.workflow.file, u.job.id) for u in uploads}
    by_file = {w.file: w for w in project.workflows}

    # Which workflows publish (the files with uploads, and the files that call them), what
    # each of their jobs does, and which of them stay (those that also do something else).
    publishing = sorted(
        {file for u in uploads for file in (*u.chain, u.workflow.file)}, key=list(by_file).index
    )
    kinds = {
        file: {
            id: "other"
            if (file, id) in left_alone
            else job_kind(
                project,
                job,
                {id}
                if job.calls and any(_is_upload_job(u, by_file[file], job) for u in uploads)
                else set(),
            )
            for id, job in by_file[file].jobs.items()
        }
        for file in publishing
    }
    kept = {
        file
        for file in publishing
        if "other" in kinds[file].values()
        or ("test" in kinds[file].values() and _is_ci(by_file[file]))
    }
    owner = _template_owner(project)

    answers = propose(project, uploads, publishing, kept, owner)
    gone = [f for f in publishing if f not in kept]  # replaced or deleted
    release_workflow = str({**answers, **given}.get("release_workflow", "release.yml"))
    zizmor = [
        w.file for w in project.workflows if w.file not in gone and re.search(r"\bzizmor\b", w.text)
    ]
    answers["zizmor"] = (
        "own" if zizmor else ("release" if set(by_file) - set(gone) - {release_workflow} else "all")
    )
    final = {**answers, **given}
    context = _Context(project, final, uploads)
    removed = {file: _removed_jobs(by_file[file], kinds[file]) for file in kept}

    result = Plan(answers=answers)
    for file in publishing:
        workflow = by_file[file]
        for id, job in workflow.jobs.items():
            if file in kept and id not in removed[file]:
                job_fate: tuple[Fate, str] = ("kept in place", str(workflow.path))
            else:
                job_fate = _job_outcome(context, workflow, job, kinds[file][id])
            result.outcomes.append(Outcome(file, id, None, *job_fate))
            for step in job.steps:
                fate = _step_outcome(context, workflow, job, step, job_fate)
                result.outcomes.append(Outcome(file, id, step.name, *fate))
    result.edits = _edits(uploads, publishing, by_file, kept, removed, release_workflow, zizmor)
    notes = [_note_on_other(upload, other, name, final) for upload, other in others]
    unnamed = sorted({u.workflow.file for u, other in named if not other})
    if len(project.distributions) > 1 and unnamed:
        notes.append(
            f"This repository defines several distributions ({', '.join(project.distributions)}), "
            f"and {', '.join(unnamed)} names none of them: adoption took it to publish {name}. "
            "If it publishes another one, undo the adoption (`git status` lists what it changed), "
            "put that distribution's name in the publishing job's name, and adopt again."
        )
    notes += _notes(project, context, uploads, publishing, by_file, owner, kept)
    notes += _notes_on_edits(project, publishing, by_file, kept, removed, release_workflow, zizmor)
    result.notes = list(dict.fromkeys(notes))
    result.steps_left = _steps_left(project, given, final, uploads, publishing, kept, removed)
    return result


def _note_on_other(upload: Upload, other: str, name: str, final: Mapping[str, Any]) -> str:
    """What the report says of a job that publishes another distribution, left as it is."""
    note = (
        f"{upload.workflow.file} (job {upload.job.id}) publishes {other}, another distribution "
        f"of this repository: it is left as it is (the release workflow publishes {name})."
    )
    gates = {final.get("pypi_environment", "pypi")}
    gates |= {final.get("testpypi_environment", "testpypi")} if final.get("testpypi") else set()
    if upload.environment in gates:
        tag = final.get("tag_pattern", "v*")
        note += (
            f" It deploys to the environment {upload.environment}, which the release workflow"
            f" uses too: once that has the release team's reviewers and the one deployment tag"
            f" rule {tag}, {other}'s releases need both, so give it an environment of its own if"
            f" its tags do not match {tag}."
        )
    return note


def propose(
    project: Project,
    uploads: list[Upload],
    publishing: list[str],
    kept: set[str],
    owner: Mapping[str, str],
) -> dict[str, Any]:
    """The answers adoption proposes (but `zizmor`, which needs the release workflow's name):
    where the release workflow keeps the trusted publisher of the upload that matters most
    (PyPI's before TestPyPI's, trusted before a token, a workflow that only releases before
    one that stays, one started by a release, a tag or a person before a schedule), its
    environments and trigger, the tag rule, the build tool, the checks and the GitHub release
    that the old workflows had. A workflow that others call never gives its name."""
    by_file = {w.file: w for w in project.workflows}
    files = list(by_file)
    answers: dict[str, Any] = {}
    if uploads:
        primary = min(
            uploads,
            key=lambda u: (
                u.index != "pypi",
                not u.trusted,
                u.identity in kept or u.identity in owner,
                not _starts_releases(by_file[u.identity]),
                files.index(u.identity),
            ),
        )
        identity = by_file[primary.identity]
        names = ("release.yml", "publish.yml", "pypi-release.yml", "release-pypi.yml")
        free = [name for name in names if name not in files] + [
            f"release-{n}.yml" for n in range(2, len(files) + 3) if f"release-{n}.yml" not in files
        ]
        answers["release_workflow"] = (
            identity.file
            if identity.file not in kept | set(owner) | _called(project) and _top_level(identity)
            else free[0]
        )
        jobs = [u.job for u in uploads if u.identity == identity.file and not u.caller] + [
            identity.jobs[u.caller] for u in uploads if u.identity == identity.file and u.caller
        ]
        answers["release_trigger"] = _trigger(identity, jobs)
        pypi = [u for u in uploads if u.index == "pypi"]
        testpypi = [u for u in uploads if u.index == "testpypi"]
        pypi_environment = next((u.environment for u in pypi if u.environment), None)
        if pypi_environment and ENVIRONMENT_NAME.match(pypi_environment):
            answers["pypi_environment"] = pypi_environment
        answers["testpypi"] = bool(pypi and testpypi)
        test_environment = next((u.environment for u in testpypi if u.environment), None)
        if (
            answers["testpypi"]
            and test_environment
            and ENVIRONMENT_NAME.match(test_environment)
            and test_environment.lower() != str(answers.get("pypi_environment", "pypi")).lower()
        ):
            answers["testpypi_environment"] = test_environment
        filters = _tag_filters(identity) + [
            f"{prefix}*"
            for job in jobs
            for prefix in re.findall(r"refs/tags/([A-Za-z0-9._-]+)'", job.condition)
        ]
        rules = [r for f in filters if (r := tag_rule(f)) and r != "*"]
        if rules:
            answers["tag_pattern"] = rules[0]
    if "tag_pattern" not in answers and (style := tag_style(project.tags)):
        answers["tag_pattern"] = style

    steps = [
        step for file in publishing for job in by_file[file].jobs.values() for step in job.steps
    ]
    kinds = [step_kind(project, step) for step in steps]
    if project.compiled or project.cibuildwheel or "cibuildwheel" in kinds:
        answers["build_tool"] = "cibuildwheel"
    elif any(re.search(r"\buvx?\s+build\b", step.run) for step in steps):
        answers["build_tool"] = "uv"
    if {"inspect", "check-wheel-contents"} & set(kinds):
        answers["check_wheel_contents"] = True
    releases = [
        step
        for step, kind in zip(steps, kinds, strict=True)
        if kind == "github release"
        or (kind == "publish" and RELEASE_COMMAND.search(_run_text(project, step)))
    ]
    if releases and answers.get("release_trigger") != "release":
        draft = any(
            "--draft" in s.run or str(s.inputs.get("draft", "")).lower() == "true" for s in releases
        )
        answers["github_release"] = "draft" if draft else "published"
    return answers


def _removed_jobs(workflow: Workflow, kinds: Mapping[str, str]) -> list[str]:
    """The jobs that go from a workflow that stays: those that publish, and the release jobs
    that run after them (making the GitHub release, tagging, rolling back)."""
    out = [id for id, kind in kinds.items() if kind in ("publish", "call")]
    grew = True
    while grew:
        grew = False
        for id, job in workflow.jobs.items():
            if (
                id not in out
                and kinds[id] in ("github release", "tag", "rollback", "zipapp")
                and set(job.needs) & set(out)
            ):
                out.append(id)
                grew = True
    return [id for id in workflow.jobs if id in out]


def _edits(
    uploads: list[Upload],
    publishing: list[str],
    by_file: Mapping[str, Workflow],
    kept: set[str],
    removed: Mapping[str, list[str]],
    release_workflow: str,
    zizmor: list[str],
) -> list[edits.Edit]:
    """The edits of the project's files: jobs removed from the workflows that stay, the other
    publishing workflows deleted (but the release workflow's own file, which the render
    replaces), and the kept zizmor workflows' paths: filters widened to the new files."""
    found: list[edits.Edit] = []
    only = f"only {release_workflow} publishes"
    for file in publishing:
        path = str(by_file[file].path)
        if file in kept:
            found.append(edits.RemoveJobs(path, tuple(removed[file]), only))
        elif file != release_workflow:
            callers = sorted(
                {u.chain[i - 1] for u in uploads for i, f in enumerate(u.chain) if f == file and i}
            )
            why = (
                f"the reusable workflow that {', '.join(callers)} called to publish; {only}"
                if by_file[file].reusable
                else f"every duty it had, {release_workflow} now does or drops on purpose"
            )
            found.append(edits.DeleteWorkflow(path, why))
    for file in zizmor:
        widen = edits.WidenPaths(str(by_file[file].path), _new_files(release_workflow))
        if widen.missing(by_file[file].data):
            found.append(widen)
    return found


def _new_files(release_workflow: str) -> tuple[str, ...]:
    """The files a kept zizmor workflow must see to audit the release setup."""
    return (f".github/workflows/{release_workflow}", ".github/dependabot.yml")


def _notes_on_edits(
    project: Project,
    publishing: list[str],
    by_file: Mapping[str, Workflow],
    kept: set[str],
    removed: Mapping[str, list[str]],
    release_workflow: str,
    zizmor: list[str],
) -> list[str]:
    """What the edits cannot do, or change besides their files."""
    notes: list[str] = []
    for file in zizmor:
        for event, spec in by_file[file].triggers.items():
            ignore = _mapping(spec).get("paths-ignore")
            if isinstance(ignore, list):
                hidden = [
                    f
                    for f in _new_files(release_workflow)
                    if edits.filter_sees([str(p) for p in ignore], f)
                ]
                if hidden:
                    notes.append(
                        f"{file}'s paths-ignore ({event}) skips {', '.join(hidden)}: take that "
                        "pattern out, so that zizmor audits the release setup."
                    )
    for upload in find_uploads(project, other_indexes=True):
        file = upload.workflow.file
        if file in publishing and (file not in kept or upload.job.id in removed[file]):
            continue  # its job goes: the step's outcome says why
        notes.append(
            f"{upload.workflow.file} (job {upload.job.id}) uploads to another index than PyPI "
            "and TestPyPI: it is left as it is."
        )
    for file in publishing:
        workflow = by_file[file]
        if file in kept:
            # A job that stays and reads a removed job's outputs or result: actionlint would
            # fail on it, and only its author knows what it should read instead.
            for id, job in workflow.jobs.items():
                if id in removed[file]:
                    continue
                reads = sorted(
                    {
                        gone
                        for text in strings(job.data)
                        for gone in removed[file]
                        if re.search(rf"needs\.{re.escape(gone)}\.", text)
                    }
                )
                if reads:
                    notes.append(
                        f"{file}: job {id} reads needs.{', needs.'.join(reads)}, which adoption "
                        "removes: change what it reads, or actionlint fails on it."
                    )
        elif "pull_request" in workflow.triggers and not _mapping(
            workflow.triggers.get("pull_request")
        ).get("paths"):
            notes.append(
                f"{file} built on every pull request; the release workflow builds on pull "
                "requests that change the packaging (its paths: filter), and by hand: keep a "
                "build in the project's CI if every pull request should build."
            )
    return notes


def _template_owner(project: Project) -> dict[str, str]:
    """Workflow file -> the other Copier template that writes it."""
    owned: dict[str, str] = {}
    for answers in project.templates.values():
        source = str(answers.get("_src_path", ""))
        for template, names in TEMPLATE_FILES.items():
            if template in source:
                owned.update(dict.fromkeys(names, template))
    return owned


def _written(job: Job) -> str | None:
    """A job's environment as written, where it is an expression."""
    return job.environment if job.environment and "${{" in job.environment else None


def _dispatch_inputs(workflow: Workflow) -> dict[str, Any]:
    dispatch = _mapping(workflow.triggers.get("workflow_dispatch"))
    return dict(_mapping(dispatch.get("inputs")))


def _notes(
    project: Project,
    context: _Context,
    uploads: list[Upload],
    publishing: list[str],
    by_file: dict[str, Workflow],
    owner: dict[str, str],
    kept: set[str],
) -> list[str]:
    notes: list[str] = []
    final = context.answers
    release_workflow = final.get("release_workflow", "release.yml")
    example = "v1.2.3" if str(final.get("tag_pattern", "v*")).startswith("v") else "1.2.3"
    for file, template in owner.items():
        if file in publishing:
            notes.append(
                f"{template} writes {file}, so the release workflow is a file of its own, "
                f"{release_workflow}, and {file} is deleted: that template's updates then "
                "leave it deleted, and never conflict with the release workflow."
            )
    for file in dict.fromkeys(u.identity for u in uploads):
        triggers = by_file[file].triggers
        types = _mapping(triggers.get("release")).get("types")
        types = [types] if isinstance(types, str) else list(types or [])
        if "release" in triggers and types and "published" not in types:
            notes.append(
                f"{file} ran when a release was {' or '.join(map(str, types))}; the release "
                "workflow runs when one is published."
            )
        if "workflow_run" in triggers and final.get("release_trigger") == "tag":
            ran_after = _mapping(triggers["workflow_run"]).get("workflows") or []
            notes.append(
                f"{file} ran after {', '.join(map(str, ran_after)) or 'another workflow'}; the "
                "release workflow runs on the release tag itself: make that workflow a required "
                "check of the default branch, so that the tagged commit has passed it."
            )
    for file in publishing:
        workflow = by_file[file]
        inputs = _dispatch_inputs(workflow)
        if (
            "workflow_dispatch" not in workflow.triggers
            or final.get("release_trigger") != "workflow_dispatch"
        ):
            continue
        versions = [name for name in inputs if "version" in name.lower()]
        refs = [name for name in inputs if re.search(r"ref|tag|branch", name, re.I)]
        tagged = any(
            step_kind(project, step) == "tag"
            for job in workflow.jobs.values()
            for step in job.steps
        )
        if versions:
            notes.append(
                f"{file} took the version to release as an input ({', '.join(versions)})"
                + (" and tagged after uploading" if tagged else "")
                + f"; now the tag comes first: push it (git tag {example} "
                f"&& git push origin {example}), then run {release_workflow} on that tag "
                '("Use workflow from": the tag). A run from a branch now builds and checks '
                "only, and publishes nothing."
            )
        elif refs:
            notes.append(
                f"{file} took the ref to release as an input ({', '.join(refs)}); now you run "
                f'{release_workflow} on the release tag itself ("Use workflow from": the '
                "tag), and its release guard checks it. A run from a branch now builds and "
                "checks only, and publishes nothing."
            )
        else:
            notes.append(
                f"A run of {release_workflow} from a branch now builds and checks only, and "
                "publishes nothing: run it on a release tag to publish."
            )
    for upload in uploads:
        workflow = by_file[upload.identity]
        if (
            upload.index == "testpypi"
            and _is_ci(workflow)
            and "refs/tags" not in upload.job.condition
            and "release" not in upload.job.condition
        ):
            notes.append(
                f"{upload.identity} uploaded to TestPyPI on pushes to a branch (job "
                f"{upload.caller or upload.job.id}); now a push uploads nothing. "
                + (
                    "The release workflow stages each release on TestPyPI instead, just "
                    "before PyPI."
                    if final.get("testpypi")
                    else "The release workflow does not publish to TestPyPI (testpypi is off)."
                )
            )
    for upload in uploads:
        written = upload.job.environment or ""
        if "${{" in written and not upload.environment:
            notes.append(
                f"{upload.workflow.file} (job {upload.job.id}) chose its environment with an "
                f"expression, {written}; the release workflow's is "
                f"{final.get('pypi_environment', 'pypi')} (the pypi_environment answer)."
            )
    for script in dict.fromkeys(u.script for u in uploads if u.script):
        notes.append(
            f"No workflow runs {script} now, but it still uploads to PyPI when someone runs it "
            f"with a token: delete it, or its upload, so that only {release_workflow} publishes."
        )
    zipapps = [
        (file, match.group(0))
        for file in publishing
        for job in by_file[file].jobs.values()
        for step in job.steps
        if step_kind(project, step) in ("github release", "zipapp")
        and (match := ZIPAPP.search(f"{' '.join(strings(dict(step.inputs)))} {step.run}"))
    ]
    for file, name in dict.fromkeys(zipapps):
        if name.endswith(".pyz") or not any(f == file for f, n in zipapps if n.endswith(".pyz")):
            notes.append(f"{file} attached {name} to the GitHub release; {WHY_ZIPAPP}.")
    for upload in uploads:
        inputs = list(_mapping(upload.job.data.get("with")))
        if upload.step is None and not _local_callee(upload.job) and inputs:
            notes.append(
                f"{upload.identity} passed {', '.join(inputs)} to {upload.tool}; the release "
                "workflow does not read them: where they chose the wheels to build or their "
                "tests, set the same in [tool.cibuildwheel] in pyproject.toml."
            )
    settings: dict[str, str] = {}
    for file in publishing:
        workflow = by_file[file]
        for job in workflow.jobs.values():
            for step in job.steps:
                if step_kind(project, step) != "cibuildwheel":
                    continue
                for values in (_mapping(workflow.data).get("env"), job.data.get("env"), step.env):
                    for key, value in _mapping(values).items():
                        if str(key).startswith("CIBW_"):
                            settings.setdefault(str(key), str(value))
    if settings and final.get("build_tool") == "cibuildwheel":
        lines = "; ".join(
            f"{key}={value!r} -> {_cibw_toml(key)}" for key, value in settings.items()
        )
        notes.append(
            "The release workflow's wheels job reads cibuildwheel's settings from "
            f"[tool.cibuildwheel] in pyproject.toml, not the old workflow's env: move them "
            f"there: {lines}."
        )
    if project.compiled and final.get("build_tool") == "cibuildwheel":
        backend = project.build_backend or "setuptools with extensions"
        notes.append(
            f"{backend} builds compiled wheels: the release workflow builds them with "
            "cibuildwheel on Linux, macOS and Windows"
            + (", and reads your [tool.cibuildwheel] as it is." if project.cibuildwheel else ".")
        )
    for workflow in project.workflows:
        for job in workflow.jobs.values():
            if (
                job.calls
                and not _local_callee(job)
                and not _remote_publisher(job)
                and re.search(r"release|deploy", job.calls, re.I)
            ):
                notes.append(
                    f"{workflow.file} (job {job.id}) calls {job.calls}, which adoption cannot "
                    f"read: check that it does not publish, so that only {release_workflow} does."
                )
    return notes


def _cibw_toml(key: str) -> str:
    name = key.removeprefix("CIBW_").lower()
    for platform in ("linux", "macos", "windows", "pyodide", "ios"):
        if name.endswith("_" + platform):
            option = name.removesuffix("_" + platform).replace("_", "-")
            return f"[tool.cibuildwheel.{platform}] {option}"
    return f"[tool.cibuildwheel] {name.replace('_', '-')}"


def _steps_left(
    project: Project,
    given: Mapping[str, Any],
    final: Mapping[str, Any],
    uploads: list[Upload],
    publishing: list[str],
    kept: set[str],
    removed: dict[str, list[str]],
) -> list[str]:
    name = _pypi_name(project, given)
    repository = final.get("github_repository")
    where = f"repository {repository}" if repository else "this repository"
    release_workflow = str(final.get("release_workflow", "release.yml"))
    environment = str(final.get("pypi_environment", "pypi"))
    testpypi = bool(final.get("testpypi"))
    test_environment = str(final.get("testpypi_environment", "testpypi"))
    new = {"pypi": environment} | ({"testpypi": test_environment} if testpypi else {})
    hosts = {"pypi": ("PyPI", "pypi.org"), "testpypi": ("TestPyPI", "test.pypi.org")}
    steps: list[str] = []
    old = list(
        dict.fromkeys(
            (u.index, u.identity, u.environment or _written(u.job)) for u in uploads if u.trusted
        )
    )
    for index in ("pypi", "testpypi"):
        label, host = hosts[index]
        olds = [(file, env) for i, file, env in old if i == index]
        if index in new:
            if (release_workflow, new[index]) in olds:
                steps.append(
                    f"{label}: nothing to change: the trusted publisher of {name} names "
                    f"{release_workflow} and the environment {new[index]}, as before."
                )
            else:
                steps.append(
                    f"{label}: add a trusted publisher for {name}: {where}, workflow "
                    f"{release_workflow}, environment {new[index]}, at "
                    f"https://{host}/manage/project/{name}/settings/publishing/ (a project not "
                    f"on {label} yet: https://{host}/manage/account/publishing/)."
                )
        for file, env in olds:
            if index in new and (file, env) == (release_workflow, new[index]):
                continue
            named = (
                "the environment its expression chose"
                if env and "${{" in env
                else (f"environment {env}" if env else "no environment")
            )
            if index not in new:
                why = f"the release workflow no longer publishes to {label}"
            elif file == release_workflow:
                why = f"the release workflow now publishes from the environment {new[index]}"
            else:
                why = f"it would let {file} publish again"
            steps.append(
                f"{label}: then remove the trusted publisher for workflow {file} ({named}): {why}."
            )
    # Tokens, and the secrets that held them, unless something that stays still reads them.
    tokens = list(dict.fromkeys(s for u in uploads for s in u.secrets if not s.startswith("(")))
    staying: set[str] = set()
    for workflow in project.workflows:
        for id, job in workflow.jobs.items():
            gone = workflow.file in publishing and (
                workflow.file not in kept or id in removed.get(workflow.file, [])
            )
            if not gone:
                staying.update(s for text in strings(job.data) for s in SECRET.findall(text))
    delete = [s for s in tokens if s not in staying]
    if delete:
        test = any(u.index == "testpypi" and set(u.secrets) & set(delete) for u in uploads)
        where_tokens = "https://pypi.org/manage/account/token/" + (
            " and https://test.pypi.org/manage/account/token/" if test else ""
        )
        steps.append(
            f"PyPI: delete the API tokens that could upload {name} ({where_tokens}), then the "
            f"repository secrets that held them: {', '.join(delete)} (Settings > Secrets and "
            "variables > Actions)."
        )
    else:
        steps.append(
            f"PyPI: delete any API token that can upload {name}: trusted publishing needs none."
        )
    for secret in tokens:
        if secret in staying:
            steps.append(
                f"GitHub: the secret {secret} stays, since a workflow that stays still reads it."
            )
    environments = " and ".join(new.values())
    team = final.get("release_team") or "the release team"
    tags = final.get("tag_pattern", "v*")
    steps.append(
        f"GitHub: the environment{'s' if len(new) > 1 else ''} {environments} with required "
        f"reviewers ({team}) and one deployment tag rule, {tags}; rulesets for the release tags "
        "and the default branch; allow-listed, SHA-pinned actions. As a repository "
        "administrator, with the GitHub CLI: `hardened-release settings` shows the plan, "
        "`hardened-release settings --apply` carries it out."
    )
    used = set(new.values())
    for workflow in project.workflows:
        for id, job in workflow.jobs.items():
            gone = workflow.file in publishing and (
                workflow.file not in kept or id in removed.get(workflow.file, [])
            )
            if not gone and job.environment:
                used.add(job.environment)
    for env in dict.fromkeys(u.environment for u in uploads if u.environment):
        if env not in used and env.lower() not in {e.lower() for e in used}:
            steps.append(
                f"GitHub: the environment {env} is no longer used: delete it once no trusted "
                "publisher names it."
            )
    return steps
