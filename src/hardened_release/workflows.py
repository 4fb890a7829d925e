"""The one reader of a repository's GitHub Actions workflows.

Every `.yml` and `.yaml` file in `.github/workflows` is read with ruamel.yaml's round trip, so
that a file edited through `Workflow.data` and written with `dump` keeps its comments, quotes
and layout. Everything that needs to know what a workflow does (adoption, the settings) reads
it through `read_all`, and looks at jobs and steps through the views below.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

WORKFLOWS = Path(".github/workflows")
SHA = re.compile(r"[0-9a-f]{40}")
SECRET = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")


class WorkflowError(Exception):
    """A workflow file that cannot be read as a workflow; the message names the file."""


def layout(text: str) -> tuple[int, int, int]:
    """The indentation a YAML text uses, as ruamel.yaml's (mapping, sequence, offset): how far
    a mapping's keys are indented under their parent key, how far a list's items, and where
    the list's dash stands. (2, 4, 2) where the text does not say."""
    mapping, offset = None, None
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    for line, following in itertools.pairwise(lines):
        indent = len(line) - len(line.lstrip())
        deeper = len(following) - len(following.lstrip())
        if not re.match(r"^\s*(- )?[^\s#][^:]*:\s*(#.*)?$", line):
            continue
        if line.lstrip().startswith("- "):
            indent += 2  # the key after the dash
        if following.lstrip().startswith("- "):
            if offset is None and deeper >= indent:
                offset = deeper - indent
        elif mapping is None and deeper > indent:
            mapping = deeper - indent
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    offset = 2 if offset is None else offset
    return mapping, offset + 2, offset


def round_trip(text: str | None = None) -> YAML:
    """The YAML reader and writer for the project's files: comments, quotes and layout kept
    (the indentation of `text`, where given)."""
    yaml = YAML()
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the project wrote on one
    mapping, sequence, offset = layout(text) if text is not None else (2, 4, 2)
    yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
    return yaml


def dump(data: Any, like: str | None = None) -> str:
    """`data` as YAML text, indented as `like` (the text it was read from) is."""
    stream = io.StringIO()
    round_trip(like).dump(data, stream)
    return stream.getvalue()


def strings(value: Any) -> Iterator[str]:
    """Every string in a parsed YAML value, keys and values, depth first."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from strings(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: Any) -> str:
    """A string value as written; "" for anything else (absent, a list, a number)."""
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Step:
    """One step of a job, by its position."""

    index: int
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        """Its `name:`, else what it runs or uses, as GitHub shows it."""
        if named := _text(self.data.get("name")):
            return named
        if self.uses:  # a commit SHA says nothing to a reader: the action alone
            return f"Run {self.action if SHA.fullmatch(self.ref) else self.uses}"
        if not self.run.strip():
            return f"step {self.index + 1}"
        return f"Run {self.run.strip().splitlines()[0]}"

    @property
    def uses(self) -> str:
        """`owner/repo[/path]@ref`, `./path` or `docker://...`; "" for a `run:` step."""
        return _text(self.data.get("uses"))

    @property
    def action(self) -> str:
        """What `uses:` names, without its `@ref`."""
        return self.uses.split("@", 1)[0]

    @property
    def ref(self) -> str:
        return self.uses.split("@", 1)[1] if "@" in self.uses else ""

    @property
    def run(self) -> str:
        return _text(self.data.get("run"))

    @property
    def inputs(self) -> Mapping[str, Any]:
        return _mapping(self.data.get("with"))

    @property
    def env(self) -> Mapping[str, Any]:
        return _mapping(self.data.get("env"))

    @property
    def condition(self) -> str:
        value = self.data.get("if")
        return "" if value is None else str(value)

    @property
    def line(self) -> int:
        """The line of its `uses:` (else of its first key) in the file, from 1; 0 if unknown."""
        where = getattr(self.data, "lc", None)
        if where is None:
            return 0
        try:
            return where.key("uses")[0] + 1 if "uses" in self.data else where.line + 1
        except (KeyError, TypeError):
            return where.line + 1


@dataclass(frozen=True)
class Job:
    """One job of a workflow: its own steps, or a call of a reusable workflow."""

    id: str
    data: Mapping[str, Any]

    @property
    def name(self) -> str:
        return _text(self.data.get("name")) or self.id

    @property
    def needs(self) -> tuple[str, ...]:
        value = self.data.get("needs")
        if isinstance(value, str):
            return (value,)
        items = value if isinstance(value, list) else ()
        return tuple(item for item in items if isinstance(item, str))

    @property
    def environment(self) -> str | None:
        """The environment's name as written (it may be an expression), or None."""
        value = self.data.get("environment")
        if isinstance(value, Mapping):
            value = value.get("name")
        return value if isinstance(value, str) else None

    @property
    def condition(self) -> str:
        value = self.data.get("if")
        return "" if value is None else str(value)

    @property
    def permissions(self) -> Any:
        return self.data.get("permissions")

    @property
    def steps(self) -> list[Step]:
        steps = self.data.get("steps")
        return [Step(i, s) for i, s in enumerate(steps or ()) if isinstance(s, Mapping)]

    @property
    def calls(self) -> str:
        """The reusable workflow this job calls (`uses:` at job level), or ""."""
        return _text(self.data.get("uses"))

    @property
    def secrets(self) -> list[str]:
        """The secrets the job reads, by name, but GITHUB_TOKEN; sorted."""
        found = {m for text in strings(self.data) for m in SECRET.findall(text)}
        inherited = self.data.get("secrets") == "inherit"
        return sorted(found - {"GITHUB_TOKEN"}) + (["(all, inherited)"] if inherited else [])


@dataclass
class Workflow:
    """One workflow file, as parsed; `data` is ruamel's round-trip tree, to edit in place."""

    path: Path  # relative to the repository's root, such as .github/workflows/release.yml
    text: str
    data: Any = field(repr=False)

    @property
    def file(self) -> str:
        """The file name, as PyPI's trusted publisher names it."""
        return self.path.name

    @property
    def triggers(self) -> dict[str, Any]:
        """`on:` as a mapping from event to its settings (None where it has none)."""
        on = _mapping(self.data).get("on")
        if isinstance(on, str):
            return {on: None}
        if isinstance(on, list):
            return {event: None for event in on if isinstance(event, str)}
        return dict(on) if isinstance(on, Mapping) else {}

    @property
    def reusable(self) -> bool:
        """Whether other workflows call it (`on: workflow_call`)."""
        return "workflow_call" in self.triggers

    @property
    def jobs(self) -> dict[str, Job]:
        jobs = _mapping(_mapping(self.data).get("jobs"))
        return {
            str(id): Job(str(id), spec) for id, spec in jobs.items() if isinstance(spec, Mapping)
        }

    def dump(self) -> str:
        """The workflow as YAML text, edits included, indented as the file was."""
        return dump(self.data, self.text)


def read(root: Path, path: Path) -> Workflow:
    """The workflow at `path` (relative to `root`); WorkflowError if it is not a YAML mapping."""
    text = (root / path).read_text(encoding="utf-8")
    try:
        data = round_trip().load(text)
    except YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark else ""
        raise WorkflowError(f"{path} is not valid YAML{where}: fix it first.") from None
    if not isinstance(data, Mapping):
        raise WorkflowError(f"{path} is not a workflow (a YAML mapping with jobs:).")
    return Workflow(path, text, data)


def read_action(root: Path, path: Path) -> tuple[str, list[Step]]:
    """A local composite action (`path` is its folder, relative to `root`): its action.yml's
    text and steps; ("", []) where there is no such file. WorkflowError if it is not YAML."""
    for name in ("action.yml", "action.yaml"):
        file = root / path / name
        if file.is_file():
            workflow = read(root, path / name)
            steps = _mapping(_mapping(workflow.data).get("runs")).get("steps")
            found = [Step(i, s) for i, s in enumerate(steps or ()) if isinstance(s, Mapping)]
            return workflow.text, found
    return "", []


def read_all(root: Path) -> list[Workflow]:
    """Every workflow of the repository at `root`, by file name."""
    folder = root / WORKFLOWS
    if not folder.is_dir():
        return []
    files = sorted(p for p in folder.iterdir() if p.suffix in (".yml", ".yaml") and p.is_file())
    return [read(root, WORKFLOWS / p.name) for p in files]
