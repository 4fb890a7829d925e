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
from typing import Any, Protocol

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.scalarstring import ScalarString
from ruamel.yaml.tokens import CommentToken

from hardened_release import workflows


class Edit(Protocol):
    """An edit of one of the project's files."""

    path: str  # relative to the repository's root

    def apply(self, root: Path) -> str:
        """Make the edit under `root`; the line the report prints."""
        ...


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
        return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []

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
        elif isinstance(value, CommentedSeq):
            del value[:]
            value.extend(new)
        else:
            seq = CommentedSeq(new)
            seq.fa.set_flow_style()
            spec["needs"] = seq
    return mended


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def cut_jobs(text: str, ids: Iterable[str]) -> str:
    """A workflow's text without the lines of the jobs `ids`: each job's key, its body, and
    the comment lines right above its key; comments above the next job stay with that job."""
    ids = set(ids)
    lines = text.splitlines(keepends=True)
    top = next((i for i, line in enumerate(lines) if re.match(r"jobs\s*:\s*(#.*)?$", line)), None)
    if top is None:
        return text

    def code(line: str) -> bool:
        return bool(line.strip()) and not line.lstrip().startswith("#")

    first = next((i for i in range(top + 1, len(lines)) if code(lines[i])), None)
    if first is None:
        return text
    indent = _indent_of(lines[first])
    end = next(
        (i for i in range(first, len(lines)) if code(lines[i]) and _indent_of(lines[i]) < indent),
        len(lines),
    )
    keys = [i for i in range(first, end) if code(lines[i]) and _indent_of(lines[i]) == indent]
    drop: set[int] = set()
    for n, key in enumerate(keys):
        name = lines[key].strip().split(":", 1)[0].strip().strip("'\"")
        if name not in ids:
            continue
        start = key
        while start - 1 > top and lines[start - 1].lstrip().startswith("#"):
            if _indent_of(lines[start - 1]) != indent:
                break
            start -= 1
        stop = keys[n + 1] if n + 1 < len(keys) else end
        while stop - 1 > key and (
            not lines[stop - 1].strip()
            or (lines[stop - 1].lstrip().startswith("#") and _indent_of(lines[stop - 1]) <= indent)
        ):
            stop -= 1
        if n + 1 == len(keys):  # the last job: the blank lines above it go with it
            while start - 1 > top and not lines[start - 1].strip():
                start -= 1
        # One blank line between the jobs that stay, as before.
        while (
            stop < len(lines)
            and not lines[stop].strip()
            and (start == 0 or not lines[start - 1].strip())
        ):
            stop += 1
        drop.update(range(start, stop))
    kept = [line for i, line in enumerate(lines) if i not in drop]
    while len(kept) > 1 and not kept[-1].strip():
        kept.pop()
    return "".join(kept)


@dataclass(frozen=True)
class RemoveJobs:
    """Remove jobs from a workflow that is mostly something else (such as CI), and mend the
    `needs:` of the jobs that stay."""

    path: str  # relative to the repository, such as .github/workflows/ci.yml
    jobs: tuple[str, ...]
    reason: str  # such as "only the release workflow publishes"

    def apply(self, root: Path) -> str:
        path = root / self.path
        before = workflows.read(root, Path(self.path))
        needs = {id: list(job.needs) for id, job in before.jobs.items() if id in self.jobs}
        # The jobs' lines go as text, so that a comment above the next job stays with it (a
        # YAML tree would keep it with the job above); then the needs are mended in the tree.
        path.write_text(cut_jobs(before.text, self.jobs), encoding="utf-8")
        workflow = workflows.read(root, Path(self.path))
        jobs = workflow.data["jobs"]
        for job, their_needs in needs.items():
            jobs[job] = {"needs": their_needs}  # stands in for the job whose lines went
        mended = mend_needs(jobs, self.jobs)
        path.write_text(workflow.dump(), encoding="utf-8")
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


def append_items(items: CommentedSeq, values: Iterable[str]) -> None:
    """Append `values` to a YAML list as its own items are written (quoted alike), keeping
    what followed its last item (blank lines, comments) after the new last item."""
    last = len(items) - 1
    token = items.ca.items.get(last, [None])[0] if last >= 0 else None
    after = ""
    if isinstance(token, CommentToken) and "\n" in token.value:
        own, _, after = token.value.partition("\n")
        if own.strip():
            token.value = own + "\n"
        else:
            del items.ca.items[last]
    style = type(items[last]) if last >= 0 and isinstance(items[last], ScalarString) else str
    for value in values:
        items.append(style(value))
    if after:
        items.ca.items[len(items) - 1] = [
            CommentToken("\n" + after, CommentMark(0)),
            None,
            None,
            None,
        ]


def glob_matches(pattern: str, path: str) -> bool:
    """Whether a GitHub Actions `paths:` filter pattern matches `path`: `*` matches any
    characters but `/`, `**` any characters, `[...]` a class, and `?` and `+` zero or one and
    one or more of the character before them (GitHub's filter pattern cheat sheet)."""
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
        elif c in "?+" and out:
            out.append(c)
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
            if event not in ("push", "pull_request", "pull_request_target"):
                continue  # the only events with paths: filters
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
            append_items(workflow.data["on"][event]["paths"], files)
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


def _plain(value: Any) -> Any:
    """A copy of parsed YAML without the comments the template attached to it."""
    if isinstance(value, Mapping):
        return CommentedMap((k, _plain(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_plain(v) for v in value)
    return value


def _cooldown(entry: Any) -> int:
    cooldown = entry.get("cooldown") if isinstance(entry, Mapping) else None
    days = cooldown.get("default-days") if isinstance(cooldown, Mapping) else None
    return days if isinstance(days, int) else 0


def _entries_text(template_text: str) -> list[str]:
    """The text of each entry of the template's `updates:`, with the comment lines above it."""
    lines = template_text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("updates:")) + 1
    level = next((_indent(line) for line in lines[start:] if line.lstrip().startswith("- ")), 0)
    entries: list[str] = []
    pending: list[str] = []
    for line in lines[start:]:
        if line.strip() and not line.startswith((" ", "-", "#")):
            break
        stripped = line.lstrip()
        if stripped.startswith("- ") and _indent(line) == level:
            entries.append("".join(pending) + line)
            pending = []
        elif stripped.startswith("#") and (not entries or _indent(line) <= level):
            pending.append(line)
        elif entries:
            entries[-1] += "".join(pending) + line
            pending = []
    return entries


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _dash(text: str) -> int:
    """The indentation of the first `- ` of an entry's text."""
    return next(_indent(line) for line in text.splitlines() if line.lstrip().startswith("- "))


def _append_entries(text: str, entries: list[str]) -> str:
    """`text` with the entries' text added at the end of its `updates:` list, indented as its
    own entries are."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next(i for i, line in enumerate(lines) if re.match(r"updates:", line)) + 1
    end = start
    for index in range(start, len(lines)):
        line = lines[index]
        if line.strip() and not line.startswith((" ", "-", "#")):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            end = index + 1
    theirs = next((_indent(line) for line in lines[start:end] if line.lstrip().startswith("- ")), 2)
    added = []
    for entry in entries:
        shift = theirs - _dash(entry)
        for line in entry.splitlines(keepends=True):
            added.append(" " * shift + line if shift >= 0 else line[min(-shift, _indent(line)) :])
    return "".join(lines[:end] + added + lines[end:])


def merge_dependabot(project_text: str, template_text: str) -> str:
    """The project's Dependabot config with what the template's asks for and it lacks: the
    template's entries (ecosystem and directory) it has no entry for, appended with their
    comments; and in an entry it has, a grouping and a cooldown at least as long as the
    template's. All else stays as the project wrote it, comments included: its schedules,
    labels, registries and other ecosystems. A config that lacks nothing comes back byte for
    byte."""
    yaml = workflows.round_trip(project_text)
    theirs = yaml.load(project_text)
    ours = workflows.round_trip().load(template_text)
    if not isinstance(theirs, MutableMapping):
        return template_text
    if not isinstance(theirs.get("updates"), list):
        text = project_text.rstrip("\n") + "\n" if project_text.strip() else "version: 2\n"
        if "updates" in theirs:  # `updates:` with nothing under it
            text = re.sub(r"(?m)^updates:.*\n?", "", text)
        return _append_entries(text + "updates:\n", _entries_text(template_text))
    their_updates = theirs["updates"]
    changed = False
    missing: list[str] = []
    for entry, text in zip(ours.get("updates") or (), _entries_text(template_text), strict=True):
        match = next((t for t in their_updates if _covers(t, entry)), None)
        if match is None and their_updates.fa.flow_style():
            their_updates.append(_plain(entry))  # a [...] list takes no block text
            changed = True
            continue
        if match is None:
            missing.append(text)
            continue
        if entry.get("groups") and not match.get("groups"):
            match["groups"] = _plain(entry["groups"])
            changed = True
        want = _cooldown(entry)
        if want and _cooldown(match) < want:
            cooldown = match.get("cooldown")
            if isinstance(cooldown, MutableMapping):
                cooldown["default-days"] = want
            else:
                match["cooldown"] = CommentedMap({"default-days": want})
            changed = True
    text = project_text
    if changed:
        stream = io.StringIO()
        yaml.dump(theirs, stream)
        text = stream.getvalue()
    return _append_entries(text, missing) if missing else text
