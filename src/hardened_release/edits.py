"""The edits adoption makes to the project's own files, after the template is rendered.

Each edit is a small dataclass with `apply(root) -> str`: it changes one file under `root`
and returns the one line the report prints. Workflows are edited through the one reader
(hardened_release.workflows), over ruamel.yaml's round trip, so comments and layout survive.
`merge_dependabot` is a pure function over the two texts.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from hardened_release import workflows


def mend_needs(jobs: MutableMapping[str, Any], removed: Iterable[str]) -> list[str]:
    """Delete the `removed` jobs from `jobs` (a workflow's `jobs:` mapping, edited in place),
    and make every job that needed one of them need what that job needed instead, so that the
    order of the jobs that stay is kept and no `needs:` names a job that is gone. Returns the
    ids of the jobs whose `needs:` changed."""
    removed = [job for job in removed if job in jobs]

    def needs_of(spec: Any) -> list[str]:
        value = spec.get("needs") if isinstance(spec, Mapping) else None
        if isinstance(value, str):
            return [value]
        return [item for item in value or () if isinstance(item, str)]

    # What each removed job stood for: its own needs, with removed ones expanded in turn.
    def expand(job: str, seen: frozenset[str] = frozenset()) -> list[str]:
        out: list[str] = []
        for need in needs_of(jobs[job]):
            if need in removed and need not in seen:
                out.extend(expand(need, seen | {job}))
            elif need not in removed:
                out.append(need)
        return out

    stands_for = {job: expand(job) for job in removed}
    for job in removed:
        del jobs[job]
    mended = []
    for id, spec in jobs.items():
        old = needs_of(spec)
        if not any(need in removed for need in old):
            continue
        new: list[str] = []
        for need in old:
            for item in stands_for.get(need, [need]):
                if item not in new:
                    new.append(item)
        mended.append(str(id))
        value = spec.get("needs")
        if not new:
            del spec["needs"]
        elif isinstance(value, str) and len(new) == 1:
            spec["needs"] = new[0]
        else:
            block = isinstance(value, CommentedSeq) and not value.fa.flow_style()
            seq = CommentedSeq(new)
            if not block:
                seq.fa.set_flow_style()
            spec["needs"] = seq
    return mended


@dataclass(frozen=True)
class RemoveJobs:
    """Remove jobs from a workflow that is mostly something else (such as CI), and mend the
    `needs:` of the jobs that stay."""

    path: str  # relative to the repository, such as .github/workflows/ci.yml
    jobs: tuple[str, ...]
    reason: str  # such as "only the release workflow publishes"

    def apply(self, root: Path) -> str:
        workflow = workflows.read(root, Path(self.path))
        jobs = workflow.data["jobs"]
        mended = mend_needs(jobs, self.jobs)
        (root / self.path).write_text(workflow.dump(), encoding="utf-8")
        removed = ", ".join(self.jobs)
        also = f"; the needs: of {', '.join(mended)} now name what it needed" if mended else ""
        plural = "s" if len(self.jobs) > 1 else ""
        return f"{self.path}: removed job{plural} {removed} ({self.reason}){also}."


@dataclass(frozen=True)
class DeleteWorkflow:
    """Delete a workflow whose every duty the release workflow now does."""

    path: str
    reason: str

    def apply(self, root: Path) -> str:
        (root / self.path).unlink()
        return f"{self.path}: deleted ({self.reason})."


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a GitHub Actions `paths:` filter pattern matches `path`: `*` matches any
    characters but `/`, `**` any characters, `?` one character, `[...]` a class."""
    out = []
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif c == "*":
            out.append("[^/]*")
            i += 1
        elif c == "?":
            out.append("[^/]")
            i += 1
        elif c == "[":
            end = pattern.find("]", i)
            if end < 0:
                out.append(re.escape(c))
                i += 1
            else:
                out.append(pattern[i : end + 1])
                i = end + 1
        else:
            out.append(re.escape(c))
            i += 1
    return re.fullmatch("".join(out), path) is not None


def filter_sees(filters: list[str], path: str) -> bool:
    """Whether a `paths:` list (with `!` exclusions, the last match winning) includes `path`."""
    seen = False
    for pattern in filters:
        if pattern.startswith("!"):
            if glob_matches(pattern[1:], path):
                seen = False
        elif glob_matches(pattern, path):
            seen = True
    return seen


@dataclass(frozen=True)
class WidenPaths:
    """Add the new files to a kept workflow's `paths:` filters (such as the project's own
    zizmor workflow), where the filter would not see them."""

    path: str
    files: tuple[str, ...]

    def missing(self, data: Any) -> dict[str, list[str]]:
        """Event -> the files its `paths:` filter does not see."""
        on = data.get("on") if isinstance(data, Mapping) else None
        found: dict[str, list[str]] = {}
        for event, spec in on.items() if isinstance(on, Mapping) else ():
            filters = spec.get("paths") if isinstance(spec, Mapping) else None
            if not isinstance(filters, list):
                continue
            unseen = [f for f in self.files if not filter_sees([str(p) for p in filters], f)]
            if unseen:
                found[str(event)] = unseen
        return found

    def apply(self, root: Path) -> str:
        workflow = workflows.read(root, Path(self.path))
        missing = self.missing(workflow.data)
        if not missing:
            return f"{self.path}: its paths: filters already see {', '.join(self.files)}."
        for event, files in missing.items():
            filters = workflow.data["on"][event]["paths"]
            for file in files:
                filters.append(file)
        (root / self.path).write_text(workflow.dump(), encoding="utf-8")
        added = sorted({f for files in missing.values() for f in files})
        return (
            f"{self.path}: its paths: filter ({', '.join(missing)}) now also sees "
            f"{', '.join(added)}, so that it audits the new files."
        )


def _entry_key(entry: Any) -> tuple[str, tuple[str, ...]]:
    if not isinstance(entry, Mapping):
        return ("", ())
    directories = entry.get("directories")
    if isinstance(directories, list):
        dirs = tuple("/" + str(d).strip("/") for d in directories)
    else:
        dirs = ("/" + str(entry.get("directory", "")).strip("/"),)
    return (str(entry.get("package-ecosystem", "")), dirs)


def _covers(theirs: Any, ours: Any) -> bool:
    (their_kind, their_dirs), (our_kind, our_dirs) = _entry_key(theirs), _entry_key(ours)
    return their_kind == our_kind and all(d in their_dirs for d in our_dirs)


def merge_dependabot(project_text: str, template_text: str) -> str:
    """The project's Dependabot config with what the template's asks for and it lacks: an
    entry per ecosystem and directory the template has (appended, with the template's comments),
    and, in an entry the project already has, a grouping and a cooldown at least as long as the
    template's. Everything else stays as the project wrote it, comments included; a config that
    lacks nothing is returned byte for byte."""
    yaml = workflows.round_trip()
    theirs = yaml.load(project_text)
    ours = yaml.load(template_text)
    if not isinstance(theirs, MutableMapping):
        return template_text
    their_updates = theirs.get("updates")
    if not isinstance(their_updates, list):
        their_updates = theirs["updates"] = CommentedSeq()
    changed = False
    for entry in ours.get("updates") or ():
        match = next((t for t in their_updates if _covers(t, entry)), None)
        if match is None:
            their_updates.append(entry)
            changed = True
            continue
        if entry.get("groups") and not match.get("groups"):
            match["groups"] = entry["groups"]
            changed = True
        want = _cooldown(entry)
        if want and _cooldown(match) < want:
            cooldown = match.get("cooldown")
            if isinstance(cooldown, MutableMapping):
                cooldown["default-days"] = want
            else:
                match["cooldown"] = CommentedMap({"default-days": want})
            changed = True
    if not changed:
        return project_text
    stream = io.StringIO()
    yaml.dump(theirs, stream)
    return stream.getvalue()


def _cooldown(entry: Any) -> int:
    cooldown = entry.get("cooldown") if isinstance(entry, Mapping) else None
    days = cooldown.get("default-days") if isinstance(cooldown, Mapping) else None
    return days if isinstance(days, int) else 0
