"""Adopt the release template into an existing repository, keeping what its workflows do.

Run it from the repository's root, on a clean work tree. It reads the repository, decides what
becomes of each job and step of the workflows that publish today, renders the template through
Copier (no trust) with the answers it found and those given with -d, places the files, edits the
project's own files in place (comments kept), and prints one report. When anything is refused,
it says what to do and writes nothing.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from hardened_release import edits, project, publishers
from hardened_release.workflows import WORKFLOWS, WorkflowError

ANSWERS_FILE = project.ANSWERS_FILE
#: Files the project may own that the template would render: the project's are kept, never
#: rendered over (recorded in the `project_files` answer, which the template excludes).
OWNABLE = {
    ".github/dependabot.yml": (".github/dependabot.yml", ".github/dependabot.yaml"),
    ".github/CODEOWNERS": (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"),
    ".github/zizmor.yml": (".github/zizmor.yml", ".github/zizmor.yaml", "zizmor.yml"),
    # A zizmor workflow of the project's own under the template's name (zizmor=own keeps it;
    # an update to another zizmor answer must not render over it).
    ".github/workflows/zizmor.yml": (".github/workflows/zizmor.yml",),
}
#: Where the template's release document goes, in order, when the project has its own (never
#: beside it: a RELEASING.rst and a RELEASING.md side by side would read as two processes).
DOC_PLACES = (".github/RELEASING.md", "docs/releasing-pypi.md", ".github/RELEASING-PyPI.md")
#: Copier's words before a message the template raises (answers.jinja's `refuse`).
COPIER_PREFIX = "'None' has no attribute "


class Refusal(Exception):
    """Adoption stops before writing anything; the message says what to do, on one line."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "template",
        help="the template: its git URL (git+https://...) or a local clone's path",
    )
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="answer a question of copier.yml (over what adoption found), as Copier's -d does",
    )
    parser.add_argument(
        "--vcs-ref",
        default=None,
        help="the template's version to adopt (a tag or commit; Copier's default: its latest tag)",
    )
    parser.add_argument(
        "-C",
        dest="root",
        type=Path,
        default=Path("."),
        help="the repository's root (default: the current folder)",
    )


def run(arguments: argparse.Namespace) -> int:
    try:
        given = parse_data(arguments.data)
        report = adopt(arguments.root, arguments.template, given, vcs_ref=arguments.vcs_ref)
    except Refusal as refusal:
        print(f"hardened-release adopt: {refusal} Nothing was written.", file=sys.stderr)
        return 1
    print(report)
    return 0


def parse_data(items: Iterable[str]) -> dict[str, str]:
    """`-d name=value` answers, as strings: Copier casts each to its question's type."""
    given = {}
    for item in items:
        name, equals, value = item.partition("=")
        if not equals or not name.strip():
            raise Refusal(f"-d {item} is not NAME=VALUE.")
        given[name.strip()] = value
    return given


# ---- The refusals that need no render: git, the work tree, the answers file, the workflows.


def git(root: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(["git", *args], cwd=root, input=stdin, capture_output=True, text=True)
    except FileNotFoundError:
        raise Refusal("git is not installed: adoption needs it (install git first).") from None


def check_work_tree(root: Path) -> Path:
    """The repository's root, or a Refusal: not a git work tree, not its root, a dirty tree."""
    if not root.is_dir():
        raise Refusal(f"{root} is not a folder: run it from your repository's root.")
    found = git(root, "rev-parse", "--show-toplevel")
    if found.returncode != 0:
        raise Refusal(
            f"{root.resolve()} is not a git work tree: adoption changes files that git must "
            "show you (run `git init` and commit the project first)."
        )
    top = Path(found.stdout.strip()).resolve()
    if top != root.resolve():
        raise Refusal(f"{root.resolve()} is inside the repository {top}: run it from {top}.")
    status = git(top, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
    changed, untracked = dirty(status)
    if changed:
        raise Refusal(
            f"The work tree has uncommitted changes ({', '.join(changed[:3])}"
            f"{', ...' if len(changed) > 3 else ''}): commit or stash them first, so that "
            "`git diff` shows exactly what adoption changed."
        )
    github = [path for path in untracked if path.startswith(".github/")]
    if github:
        raise Refusal(
            f"Untracked files in .github ({', '.join(github[:3])}): adoption reads and edits "
            "that folder, so commit them, or move them away, first."
        )
    if (top / ANSWERS_FILE).exists():
        raise Refusal(
            f"{ANSWERS_FILE} exists: the template is adopted already. Update it with "
            f"`copier update -a {ANSWERS_FILE} --defaults`."
        )
    return top


def dirty(status: str) -> tuple[list[str], list[str]]:
    """`git status --porcelain -z` split into changed tracked paths and untracked ones."""
    changed, untracked = [], []
    entries = iter(status.split("\0"))
    for entry in entries:
        if not entry:
            continue
        code, path = entry[:2], entry[3:]
        if code == "??":
            untracked.append(path)
        elif code != "!!":
            changed.append(path)
            if "R" in code or "C" in code:
                next(entries, None)  # a rename's or copy's source path follows
    return changed, untracked


def ignored(root: Path, paths: Iterable[str]) -> dict[str, str]:
    """Of `paths`, those git would ignore: path -> "the .gitignore file, line N: pattern"."""
    paths = list(paths)
    if not paths:
        return {}
    stdin = "\0".join(paths) + "\0"
    result = git(root, "check-ignore", "-v", "--no-index", "-z", "--stdin", stdin=stdin)
    fields = result.stdout.split("\0")
    found = {}
    for source, line, pattern, path in zip(*[iter(fields)] * 4, strict=False):
        if source and not pattern.startswith("!"):
            found[path] = f"{source}, line {line}: {pattern}"
    return found


def check_ignored(root: Path, paths: Iterable[str]) -> None:
    for path, rule in ignored(root, paths).items():
        what = "Copier would find no answers on update" if path == ANSWERS_FILE else "never commit"
        raise Refusal(
            f"git would ignore {path} ({rule}), so {what}: add the line !{path} after it, "
            "or narrow the pattern."
        )


def read_project(root: Path) -> project.Project:
    try:
        return project.read(root)
    except WorkflowError as error:
        raise Refusal(str(error)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise Refusal(f"A workflow could not be read ({error}): fix it first.") from None


def check_distribution(found: project.Project, pypi_name: str) -> None:
    """The release workflow builds and publishes the distribution at the repository's root:
    refuse a `pypi_name` that names another (PyPI would refuse its files), or one that only a
    pyproject.toml in a folder below defines."""
    ours = project.normalized(pypi_name)
    root = next((name for name, where in found.distributions.items() if where == "."), None)
    below = found.distributions.get(ours, ".")
    if root == ours or (root is None and (below == "." or found.text("setup.py") is not None)):
        return
    builds = "the release workflow builds the distribution at the repository's root"
    if root is None:
        raise Refusal(
            f"{pypi_name} is defined in {below}/pyproject.toml, and {builds}, which defines "
            "none: the template releases a distribution built there."
        )
    where = (
        f"{pypi_name} is defined in {below}/pyproject.toml"
        if below != "."
        else f"pyproject.toml names the distribution {root}, not {pypi_name}"
    )
    raise Refusal(f"{where}, and {builds} ({root}): adopt it as -d pypi_name={root}.")


# ---- The answers: the plan's, the release document's place, the files the project owns, -d.


def owned_files(root: Path) -> list[str]:
    """The template's files that the project has its own of (OWNABLE), to be left to it."""
    return [
        rendered
        for rendered, theirs in OWNABLE.items()
        if any((root / path).is_file() for path in theirs)
    ]


def document_place(found: project.Project, given: Mapping[str, Any]) -> str | None:
    """Where the template's release document goes, when the project has one of its own: the
    first free place; or a Refusal where -d releasing_doc names the project's own file."""
    chosen = given.get("releasing_doc")
    if chosen is not None:
        if (found.root / str(chosen)).exists():
            raise Refusal(
                f"releasing_doc={chosen} is the project's own file, which adoption never "
                "overwrites: choose another path, such as .github/RELEASING.md."
            )
        return None
    if not found.releasing_docs:
        return None
    free = [place for place in DOC_PLACES if not (found.root / place).exists()]
    if not free:
        raise Refusal(
            "The project has files at each place the template's release document could go "
            f"({', '.join(DOC_PLACES)}): choose one with -d releasing_doc=PATH.md."
        )
    return free[0]


def answers_for(found: project.Project, plan: publishers.Plan, given: Mapping[str, Any]) -> dict:
    """The plan's answers, where the release document goes, the files the project owns, and
    then the answers given with -d, which win."""
    answers: dict[str, Any] = dict(plan.answers)
    place = document_place(found, given)
    if place:
        answers["releasing_doc"] = place
    answers["project_files"] = owned_files(found.root)
    answers.update(given)
    return answers


def own_notes(found: project.Project, answers: Mapping[str, Any]) -> list[str]:
    """What the report says of the project's own files that the template leaves to it."""
    notes = []
    doc = answers.get("releasing_doc", "RELEASING.md")
    if found.releasing_docs:
        theirs = ", ".join(map(str, found.releasing_docs))
        notes.append(
            f"Your release document ({theirs}) is kept as it is; the template's, with your "
            f"values, is {doc} (the releasing_doc answer): link one to the other, or merge "
            "them and keep the answer's path."
        )
    owned = answers.get("project_files") or []
    if ".github/CODEOWNERS" in owned:
        notes.append(
            "Your CODEOWNERS is kept and the template renders none: give the release team "
            "the changes to .github/ there (a line `/.github/ @your-org/release-team`)."
        )
    if ".github/zizmor.yml" in owned:
        notes.append("Your zizmor configuration is kept; the template renders none.")
    if ".github/dependabot.yml" in owned:
        notes.append(
            "Your Dependabot config is yours from now on: `copier update` never changes it, "
            "so a new dependabot_interval or cooldown answer is yours to write there too."
        )
    return notes


# ---- The render, into a temporary folder; then the placement of each file.


def render(template: str, answers: Mapping[str, Any], dst: Path, vcs_ref: str | None) -> None:
    """Copier's copy without trust into `dst` (a new folder), or a Refusal with its reason."""
    import copier  # imported here: the refusals above need none of Copier's import time

    source = str(Path(template).resolve()) if Path(template).is_dir() else template
    # The Dependabot config is rendered to be merged into the project's, then left out of the
    # recorded answers' files (see place()).
    rendering = {name: plain(value) for name, value in answers.items()}
    rendering["project_files"] = [
        path for path in answers.get("project_files", []) if path != ".github/dependabot.yml"
    ]
    try:
        copier.run_copy(
            source,
            dst,
            data=rendering,
            defaults=True,
            unsafe=False,
            quiet=True,
            vcs_ref=vcs_ref,
        )
    except KeyboardInterrupt:
        raise
    except Exception as error:  # Copier's errors have no common base: each is one line here
        raise Refusal(copier_message(error)) from None


def plain(value: Any) -> Any:
    """`value` as YAML's plain types: what the workflow reader returns keeps ruamel.yaml's
    (a quoted `"pypi"` is a str subclass), which Copier would record in the answers file as a
    Python object that no YAML reader loads."""
    if isinstance(value, Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def check_asked(given: Mapping[str, Any], answers_text: str) -> None:
    """Every `-d` name is a question this render asked, one its answers file records: Copier
    would ignore a misspelt name, or a question these answers leave out, without a word."""
    recorded = [
        name
        for name in YAML(typ="safe", pure=True).load(answers_text) or {}
        if not name.startswith("_")
    ]
    unasked = [name for name in given if name not in recorded]
    if unasked:
        raise Refusal(
            f"-d {', '.join(unasked)}: not a question of the template, or one that these answers"
            f" leave unasked. The questions asked here: {', '.join(recorded)}."
        )


def copier_message(error: BaseException) -> str:
    """Copier's reason for refusing, on one line: a validator's or the template's message."""
    text = " ".join(str(error).split()) or type(error).__name__
    if text.startswith(COPIER_PREFIX):
        text = text[len(COPIER_PREFIX) :].strip("'\"")
        return f"Copier refused: {text.removesuffix(' Nothing was written.')}"
    if isinstance(error, ValueError):  # a validator's or a choice's refusal
        return f"Copier refused: {text}"
    return f"Copier stopped ({type(error).__name__}): {text}"


@dataclass
class Placement:
    """What adoption writes: path -> new text, and why, for the report."""

    texts: dict[str, str] = field(default_factory=dict)
    why: dict[str, str] = field(default_factory=dict)


def rendered_files(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): path.read_text(encoding="utf-8")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def place(
    found: project.Project,
    plan: publishers.Plan,
    answers: Mapping[str, Any],
    rendered: Mapping[str, str],
) -> Placement:
    """Where each rendered file goes, or a Refusal for one that would overwrite the project's:
    a new file is written; the release workflow replaces the old publisher of the same name only
    where the plan proposed that name; the project's Dependabot config is merged."""
    root = found.root
    placement = Placement()
    release = f"{WORKFLOWS}/{answers.get('release_workflow', 'release.yml')}"
    replaceable = plan.answers.get("release_workflow") == answers.get("release_workflow")
    for path, text in rendered.items():
        target = root / path
        if path == ANSWERS_FILE:
            text = recorded_answers(text, answers.get("project_files", []))
        elif path == ".github/dependabot.yml" and found.dependabot:
            theirs = root / found.dependabot
            before = theirs.read_text(encoding="utf-8")
            merged = edits.merge_dependabot(before, text)
            if merged != before:
                placement.texts[str(found.dependabot)] = merged
                placement.why[str(found.dependabot)] = (
                    "merged: the template's entries added, yours and their comments kept"
                )
            continue
        if not target.exists():
            placement.texts[path] = text
            placement.why[path] = "new"
        elif target.is_file() and target.read_bytes() == text.encode():
            continue
        elif path == release and replaceable and target.is_file():
            placement.texts[path] = text
            placement.why[path] = (
                "replaced by the release workflow, under the same file name "
                "(PyPI's trusted publisher names it)"
            )
        else:
            hint = (
                "choose another file name with -d release_workflow=NAME.yml"
                if path == release
                else "move it away, or answer the question that names it with -d"
            )
            raise Refusal(
                f"{path} is the project's own file and adoption would overwrite it: {hint}."
            )
    check_ignored(root, [ANSWERS_FILE, *sorted(placement.texts)])
    return placement


def recorded_answers(text: str, project_files: list[str]) -> str:
    """The answers file as Copier wrote it, with every file the project owns in project_files
    (the Dependabot config was rendered only to be merged). Copier writes the list as its
    answers file template does (`to_nice_yaml`): `project_files:` and then `- path` lines."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("project_files:"))
    end = start + 1
    while end < len(lines) and lines[end].startswith("- "):
        end += 1
    block = ["project_files:\n", *(f"- {path}\n" for path in project_files)]
    return "".join(
        lines[:start] + (block if project_files else ["project_files: []\n"]) + lines[end:]
    )


# ---- Writing: all of it, or (on any error) none of it.


def write(root: Path, placement: Placement, plan: publishers.Plan) -> list[str]:
    """Write the placed files, then apply the plan's edits; returns the edits' descriptions.
    On any error, the work tree is put back as it was (it was clean) and the error re-raised."""
    created = [path for path in placement.texts if not (root / path).exists()]
    done = []
    try:
        for path, text in placement.texts.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        for edit in plan.edits:
            done.append(edit.apply(root))
    except BaseException:
        changed = git(root, "diff", "--name-only", "-z").stdout.split("\0")
        if any(changed):
            git(root, "checkout", "--", *filter(None, changed))
        for path in created:
            (root / path).unlink(missing_ok=True)
        raise
    return done


# ---- The report.

FATE_TITLES = {
    "carried over": "Carried over into the release workflow",
    "done by the release workflow": "Done by the release workflow",
    "kept in place": "Kept in place",
    "dropped": "Dropped on purpose",
}


def report(
    root: Path,
    answers: Mapping[str, Any],
    plan: publishers.Plan,
    placement: Placement,
    done: list[str],
    own_notes_of: list[str],
) -> str:
    """The one report: each job and step of the workflows that published, under its fate; the
    files adoption wrote or changed, as git sees them; the notes; the steps left to the user."""
    lines = [f"hardened-release adopted the release template into {root}."]
    if plan.outcomes:
        lines += ["", "What became of each job and step of the workflows that published:"]
        for fate, title in FATE_TITLES.items():
            chosen = [outcome for outcome in plan.outcomes if outcome.fate == fate]
            if chosen:
                lines.append(f"  {title}:")
                lines += outcome_lines(chosen)
    status = git(root, "status", "--porcelain=v1", "-z", "--untracked-files=all").stdout
    changed, untracked = dirty(status)
    lines += ["", "Files (review them with `git status` and `git diff`, then commit):"]
    described = {getattr(edit, "path", None) for edit in plan.edits}
    for path in sorted({*changed, *untracked} - described):
        default = "new" if path in untracked else "edited, comments kept"
        lines.append(f"  - {path}: {placement.why.get(path, default)}")
    lines += [f"  - {line}" for line in done]
    notes = [*plan.notes, *own_notes_of]
    if notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in notes]
    doc = answers.get("releasing_doc", "RELEASING.md")
    lines += ["", f"Left to you ({doc} has them all):"]
    lines += [f"  {number}. {step}" for number, step in enumerate(plan.steps_left, start=1)]
    return "\n".join(lines)


def outcome_lines(outcomes: list[publishers.Outcome]) -> list[str]:
    """The report's lines for the outcomes of one fate: a job's line names the steps that share
    its fate and reason; a step with a reason of its own has a line of its own."""
    lines: list[str] = []
    jobs = {(o.workflow, o.job): o for o in outcomes if o.step is None}
    for outcome in outcomes:
        job = jobs.get((outcome.workflow, outcome.job))
        where = f"{outcome.workflow}, job {outcome.job}"
        if outcome.step is None:
            alike = [
                f"“{o.step}”"
                for o in outcomes
                if o.step is not None
                and (o.workflow, o.job) == (outcome.workflow, outcome.job)
                and o.detail == outcome.detail
            ]
            lines.append(f"    - {where}: {outcome.detail}" if outcome.detail else f"    - {where}")
            if alike:
                steps = "its steps" if len(alike) > 1 else "its step"
                lines.append(f"      and {steps} {', '.join(alike)}")
        elif job is None:
            lines.append(f"    - {where}, step “{outcome.step}”: {outcome.detail}")
        elif outcome.detail != job.detail:
            lines.append(f"      step “{outcome.step}”: {outcome.detail}")
    return lines


# ---- The whole command.


def adopt(
    root: Path, template: str, given: Mapping[str, Any], *, vcs_ref: str | None = None
) -> str:
    """Adopt `template` into the repository at `root`; the report, or a Refusal (nothing
    written)."""
    root = check_work_tree(root)
    check_ignored(root, [ANSWERS_FILE])
    found = read_project(root)
    plan = publishers.plan(found, given)
    answers = answers_for(found, plan, given)
    check_distribution(found, str(answers.get("pypi_name", "")))
    with tempfile.TemporaryDirectory(prefix="hardened-release-") as folder:
        rendered_at = Path(folder) / "project"
        render(template, answers, rendered_at, vcs_ref)
        check_asked(given, (rendered_at / ANSWERS_FILE).read_text(encoding="utf-8"))
        placement = place(found, plan, answers, rendered_files(rendered_at))
    done = write(root, placement, plan)
    return report(root, answers, plan, placement, done, own_notes(found, answers))
