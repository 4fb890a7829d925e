"""Refresh the template's action pins from the upstream repositories' release tags.

pins/action.yml is the one source of the action pins that the template renders into users'
workflows; pins/inputs.json records the inputs each pinned action declares, which the tests hold
the rendered `with:` keys to. Dependabot normally moves the pins; this command does the same by
hand, with plain `git` and no API token:

1. `git ls-remote --tags` of each pinned action's repository;
2. the newest stable release by semantic version among tags named `vX.Y.Z` or `X.Y.Z`
   (pre-releases such as `v2.0.0-rc1`, `v2.0.0rc1`, `v2.0.0b1` or `v2.0.0.dev1` are never
   chosen), pinned to the commit the tag points to (annotated tags are peeled: never the tag
   object's id);
3. only the SHA and the `# vX.Y.Z` comment of each `- uses:` line of pins/action.yml are
   rewritten (every other byte stays), and the same pins in this repository's own
   .github/workflows, which the tests require to match the pin source;
4. for each action whose pin moved, its action.yml at the new commit is fetched (`git init`,
   `git fetch --depth 1 <url> <sha>`, `git show`) and its inputs and version go into
   pins/inputs.json.

The version comment is always written as `vX.Y.Z`, also for an upstream tag named `X.Y.Z`.

Usage (from anywhere; the default root is this script's repository):

    python scripts/refresh_pins.py                  # move the pins, report what moved
    python scripts/refresh_pins.py --same-major     # newest release of each current major only
    python scripts/refresh_pins.py --check          # change nothing; exit 1 if a pin would move
    python scripts/refresh_pins.py --dry-run        # change nothing; print the new lines
    python scripts/refresh_pins.py --inputs-all     # re-read every action's inputs
    python scripts/refresh_pins.py --inputs-only    # keep the pins (say, Dependabot's), only
                                                    # bring pins/inputs.json in step with them
    python scripts/refresh_pins.py --remote-template 'file:///srv/mirrors/{owner}__{repo}'
    python scripts/refresh_pins.py --remote actions/checkout=/srv/mirrors/checkout.git

Exit status: 0 when done (or, with --check, when every pin is current); 1 when --check finds a
pin that would move, or when something needs a human (a release tag that now points elsewhere,
a pin newer than any upstream release); 2 on an error, in which case nothing was written.
Reading action.yml files needs PyYAML (in the project's test dependencies).
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REMOTE = "https://github.com/{owner}/{repo}"
GITHUB = "https://github.com"
GIT_TIMEOUT = 300  # seconds, for one git command

# `- uses: owner/repo[/path]@<sha> # vX.Y.Z`, the form of every step of pins/action.yml.
PIN_LINE = re.compile(
    r"^(?P<head>\s*- uses: )(?P<action>[^@\s]+)@(?P<sha>[0-9a-f]{40})"
    r"(?P<sep> # )(?P<version>v\d+\.\d+\.\d+)(?P<tail>(?:\s.*)?)$"
)
# Any `uses:` line of a workflow, pinned or not.
USES_LINE = re.compile(
    r"^(?P<head>\s*(?:- )?uses:\s+)(?P<action>[^@\s]+)@(?P<ref>[^\s#]+)"
    r"(?P<rest>(?:\s.*)?)$"
)
COMMENT_VERSION = re.compile(r"^(?P<sep>\s+#\s*)(?P<version>v?\d+\.\d+\.\d+)(?P<tail>(?:\s.*)?)$")
STABLE_TAG = re.compile(r"v?(\d+)\.(\d+)\.(\d+)")

# Pins that something outside pins/ must match: action -> what to bump with it.
FOLLOW_UPS = {
    "pypa/cibuildwheel": (
        "bump cibuildwheel=={version} in pyproject.toml's [dependency-groups] test: "
        "tests/test_build_steps.py runs the cibuildwheel of the pinned action's release"
    ),
}

Version = tuple[int, int, int]


class RefreshError(Exception):
    """Something that stops the refresh before anything is written."""


@dataclass(frozen=True)
class Pin:
    """One `- uses:` line of pins/action.yml."""

    action: str  # owner/repo, or owner/repo/path for an action in a subfolder
    sha: str
    version: str  # the comment, "vX.Y.Z"

    @property
    def repo(self) -> str:
        return "/".join(self.action.split("/")[:2])

    @property
    def subpath(self) -> str:
        return "/".join(self.action.split("/")[2:])


@dataclass(frozen=True)
class Release:
    """A stable release tag of an upstream repository and the commit it points to."""

    tag: str
    version: Version
    sha: str

    @property
    def comment(self) -> str:
        return "v{}.{}.{}".format(*self.version)


@dataclass
class Outcome:
    """What happens to one pin."""

    pin: Pin
    release: Release | None = None  # set when the pin moves
    warnings: list[str] = field(default_factory=list)

    @property
    def crosses_major(self) -> bool:
        return self.release is not None and self.release.version[0] != major(self.pin.version)


def parse_version(tag: str) -> Version | None:
    """(X, Y, Z) for a stable release tag `vX.Y.Z` or `X.Y.Z`; None for anything else."""
    match = STABLE_TAG.fullmatch(tag)
    return (int(match[1]), int(match[2]), int(match[3])) if match else None


def major(version: str) -> int:
    parsed = parse_version(version)
    if parsed is None:
        raise RefreshError(f"not a vX.Y.Z version: {version!r}")
    return parsed[0]


def parse_ls_remote(output: str) -> dict[str, str]:
    """Tag name -> the object it names, peeled to the commit for annotated tags."""
    direct: dict[str, str] = {}
    peeled: dict[str, str] = {}
    for line in output.splitlines():
        if not line.strip():
            continue
        sha, _, ref = line.partition("\t")
        if not ref.startswith("refs/tags/"):
            continue
        name = ref.removeprefix("refs/tags/")
        if name.endswith("^{}"):
            peeled[name.removesuffix("^{}")] = sha
        else:
            direct[name] = sha
    return {name: peeled.get(name, sha) for name, sha in direct.items()}


def stable_releases(tags: dict[str, str]) -> list[Release]:
    """The stable release tags, oldest first; `vX.Y.Z` wins over a plain `X.Y.Z` twin."""
    releases: dict[Version, Release] = {}
    for name, sha in sorted(tags.items()):
        version = parse_version(name)
        if version is None:
            continue
        if version not in releases or name.startswith("v"):
            releases[version] = Release(name, version, sha)
    return [releases[version] for version in sorted(releases)]


def newest(releases: Sequence[Release], in_major: int | None = None) -> Release | None:
    candidates = [r for r in releases if in_major is None or r.version[0] == in_major]
    return max(candidates, key=lambda r: r.version, default=None)


def read_pins(text: str) -> list[Pin]:
    """Every `- uses:` line of pins/action.yml; any that is not `@<sha> # vX.Y.Z` is an error."""
    pins: list[Pin] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines()):
        if not line.strip().startswith("- uses:"):
            continue
        match = PIN_LINE.match(line)
        if not match:
            raise RefreshError(
                f"line {number + 1}: not `- uses: owner/repo@<40-hex sha> # vX.Y.Z`: {line!r}"
            )
        if match["action"] in seen:
            raise RefreshError(f"line {number + 1}: {match['action']} is pinned twice")
        seen.add(match["action"])
        pins.append(Pin(match["action"], match["sha"], match["version"]))
    if not pins:
        raise RefreshError("no `- uses:` lines found")
    return pins


def rewrite_pins(text: str, moves: dict[str, Release]) -> str:
    """The pin source with the moved pins' SHA and comment replaced, every other byte kept."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        match = PIN_LINE.match(body)
        if match and match["action"] in moves:
            release = moves[match["action"]]
            new = (
                f"{match['head']}{match['action']}@{release.sha}"
                f"{match['sep']}{release.comment}{match['tail']}"
            )
            lines[index] = new + line[len(body) :]
    return "".join(lines)


def rewrite_workflow(text: str, moves: dict[str, tuple[str, Release]]) -> str:
    """A workflow with each `uses: action@<old sha>` of a moved action set to its new pin.

    `moves` maps an action to (the SHA it moves from, the release it moves to); a `uses:` of the
    action at any other ref is left alone.
    """
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        body = line.rstrip("\r\n")
        match = USES_LINE.match(body)
        if not match or match["action"] not in moves:
            continue
        old_sha, release = moves[match["action"]]
        if match["ref"] != old_sha:
            continue
        rest = match["rest"]
        if comment := COMMENT_VERSION.match(rest):
            rest = f"{comment['sep']}{release.comment}{comment['tail']}"
        new = f"{match['head']}{match['action']}@{release.sha}{rest}"
        lines[index] = new + line[len(body) :]
    return "".join(lines)


def action_inputs(text: str) -> list[str]:
    """The sorted input names an action.yml declares, read as written (no YAML type coercion)."""
    try:
        import yaml  # only this step needs PyYAML
    except ImportError as error:
        raise RefreshError("reading action.yml needs PyYAML: pip install pyyaml") from error
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise RefreshError(f"action.yml is not YAML: {error}") from error
    if not isinstance(root, yaml.MappingNode):
        raise RefreshError("action.yml is not a mapping")
    for key, value in root.value:
        if key.value == "inputs":
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                return []
            if not isinstance(value, yaml.MappingNode):
                raise RefreshError("action.yml: `inputs` is not a mapping")
            return sorted(str(name.value) for name, _ in value.value)
    return []


def git(*args: str, cwd: Path | None = None) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    try:
        result = subprocess.run(
            ["git", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RefreshError(f"git {' '.join(args)}: {error}") from error
    if result.returncode != 0:
        raise RefreshError(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def list_tags(url: str) -> dict[str, str]:
    return parse_ls_remote(git("ls-remote", "--tags", url))


def fetch_inputs(url: str, sha: str, subpath: str = "") -> tuple[str, list[str]]:
    """The action.yml (or action.yaml) at commit `sha` of the repository at `url`: its path
    in the repository and the inputs it declares."""
    with tempfile.TemporaryDirectory(prefix="refresh-pins-") as temporary:
        work = Path(temporary)
        git("-c", "init.defaultBranch=main", "init", "-q", cwd=work)
        git("fetch", "-q", "--depth", "1", url, sha, cwd=work)
        kind = git("cat-file", "-t", sha, cwd=work).strip()
        if kind != "commit":
            raise RefreshError(f"{url}: {sha} is a {kind}, not a commit")
        folder = f"{subpath}/" if subpath else ""
        for name in ("action.yml", "action.yaml"):
            try:
                text = git("show", f"{sha}:{folder}{name}", cwd=work)
            except RefreshError:
                continue
            return f"{folder}{name}", action_inputs(text)
    raise RefreshError(f"{url}@{sha}: no {folder}action.yml or action.yaml")


def remote_url(repo: str, template: str, overrides: dict[str, str]) -> str:
    if repo in overrides:
        return overrides[repo]
    owner, name = repo.split("/")
    return template.format(owner=owner, repo=name)


def plan(
    pins: Sequence[Pin], releases: dict[str, list[Release]], same_major: bool
) -> list[Outcome]:
    """Decide each pin's move from its repository's stable releases."""
    outcomes = []
    for pin in pins:
        outcome = Outcome(pin)
        outcomes.append(outcome)
        available = releases[pin.repo]
        current = parse_version(pin.version)
        assert current is not None  # read_pins only accepts vX.Y.Z
        for release in available:
            if release.version == current and release.sha != pin.sha:
                outcome.warnings.append(
                    f"upstream tag {release.tag} points to {release.sha}, not the pinned "
                    f"{pin.sha}: find out why before trusting either"
                )
        best = newest(available, current[0] if same_major else None)
        if best is None:
            scope = f" in major version {current[0]}" if same_major else ""
            outcome.warnings.append(f"no stable release tag upstream{scope}")
        elif best.version > current:
            outcome.release = best
        elif best.version < current:
            outcome.warnings.append(
                f"pinned {pin.version} is newer than upstream's newest stable tag {best.tag}"
            )
    return outcomes


def update_inputs(text: str, updates: dict[str, tuple[str, list[str]]]) -> str:
    """inputs.json with new (version, inputs) for some actions, in its own format and order."""
    data = json.loads(text)
    for action, (version, inputs) in updates.items():
        data[action] = {"version": version, "inputs": inputs}
    return json.dumps(data, indent=2) + "\n"


def read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def diff(path: Path, old: str, new: str, root: Path) -> str:
    name = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True), new.splitlines(keepends=True), name, name, n=0
        )
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Refresh pins/action.yml and pins/inputs.json from upstream release tags.",
        epilog="Exit status: 0 done or current; 1 --check found a move, or a warning; 2 error.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a pin would move"
    )
    mode.add_argument(
        "--dry-run", action="store_true", help="change nothing; print the lines that would change"
    )
    parser.add_argument(
        "--same-major",
        action="store_true",
        help="stay within each pin's current major version (a major bump is then a deliberate, "
        "separate change)",
    )
    parser.add_argument(
        "--inputs-all",
        action="store_true",
        help="re-read the inputs of every action, not only of those that move",
    )
    parser.add_argument(
        "--inputs-only",
        action="store_true",
        help="move no pin and ask no remote for tags: only re-read the inputs of actions whose "
        "pins/inputs.json entry is missing or at another version than the pin (or of all, with "
        "--inputs-all); for a pull request where Dependabot moved the pins",
    )
    parser.add_argument(
        "--remote-template",
        default=DEFAULT_REMOTE,
        metavar="URL",
        help="git URL of each action's repository, with {owner} and {repo} "
        f"(default: {DEFAULT_REMOTE})",
    )
    parser.add_argument(
        "--remote",
        action="append",
        default=[],
        metavar="OWNER/REPO=URL",
        help="git URL for one repository, over --remote-template (repeatable)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="the template repository: pins/action.yml, pins/inputs.json and .github/workflows "
        "(default: this script's repository)",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.remote:
        repo, equals, url = item.partition("=")
        if not equals or repo.count("/") != 1 or not url:
            parser.error(f"--remote wants OWNER/REPO=URL, not {item!r}")
        overrides[repo] = url
    args.remote = overrides
    if "{owner}" not in args.remote_template or "{repo}" not in args.remote_template:
        parser.error("--remote-template needs {owner} and {repo}")
    return args


def inputs_change(old: Sequence[str], new: Sequence[str]) -> list[str]:
    """Report lines for an action's inputs going from `old` to `new`."""
    added, removed = sorted(set(new) - set(old)), sorted(set(old) - set(new))
    if not (added or removed):
        return ["  inputs: unchanged"]
    lines = ["  inputs: " + ", ".join([f"+{n}" for n in added] + [f"-{n}" for n in removed])]
    if removed:
        lines.append("  removed inputs: the tests fail if the template still passes one of them")
    return lines


def refresh(args: argparse.Namespace) -> int:
    root: Path = args.root.resolve()
    pins_path = root / "pins" / "action.yml"
    inputs_path = root / "pins" / "inputs.json"
    pins_text = read(pins_path)
    inputs_text = read(inputs_path)
    pins = read_pins(pins_text)
    recorded: dict[str, dict] = json.loads(inputs_text)

    def url(repo: str) -> str:
        return remote_url(repo, args.remote_template, args.remote)

    if args.inputs_only:
        outcomes = [Outcome(pin) for pin in pins]
    else:
        repos = sorted({pin.repo for pin in pins})
        releases = {repo: stable_releases(list_tags(url(repo))) for repo in repos}
        outcomes = plan(pins, releases, args.same_major)
    moves = {o.pin.action: o.release for o in outcomes if o.release is not None}
    # inputs.json entries that do not match their pin: re-read even if the pin stays.
    stale = {
        pin.action: recorded.get(pin.action, {}).get("version")
        for pin in pins
        if recorded.get(pin.action, {}).get("version") != pin.version
    }
    warned = any(o.warnings for o in outcomes)

    # The inputs of each action that moves or is stale (or all, with --inputs-all), at the
    # commit it will be pinned to: action -> (action.yml's path, inputs). --check fetches none.
    fetched: dict[str, tuple[str, list[str]]] = {}
    if not args.check:
        for pin in pins:
            release = moves.get(pin.action)
            if release is None and not (args.inputs_all or pin.action in stale):
                continue
            sha = release.sha if release else pin.sha
            fetched[pin.action] = fetch_inputs(url(pin.repo), sha, pin.subpath)

    report: list[str] = []
    for outcome in outcomes:
        pin, release = outcome.pin, outcome.release
        if release is not None:
            flag = "  MAJOR VERSION CHANGE" if outcome.crosses_major else ""
            verb = "would move" if args.check else "moves"
            default_file = f"{pin.subpath}/action.yml" if pin.subpath else "action.yml"
            file = fetched[pin.action][0] if pin.action in fetched else default_file
            report.append(f"{pin.action}: {verb} {pin.version} -> {release.comment}{flag}")
            report.append(f"  release notes: {GITHUB}/{pin.repo}/releases/tag/{release.tag}")
            report.append(f"  review:        {GITHUB}/{pin.repo}/compare/{pin.sha}...{release.sha}")
            report.append(f"                 git diff {pin.sha} {release.sha} -- {file}")
            if pin.action in FOLLOW_UPS:
                version = ".".join(map(str, release.version))
                report.append("  also: " + FOLLOW_UPS[pin.action].format(version=version))
        elif pin.action in stale:
            version = stale[pin.action]
            recorded_as = f"records {version}" if version else "has no entry"
            verb = "would be re-read" if args.check else "re-read"
            report.append(f"{pin.action}: pins/inputs.json {recorded_as}, {verb} at {pin.version}")
        elif pin.action in fetched:
            report.append(f"{pin.action}: {pin.version} inputs re-read")
        if pin.action in fetched:
            report.extend(
                inputs_change(
                    recorded.get(pin.action, {}).get("inputs", []), fetched[pin.action][1]
                )
            )
        for warning in outcome.warnings:
            report.append(f"WARNING {pin.action} {pin.version}: {warning}")
    crossing = [o.pin.action for o in outcomes if o.crosses_major]
    if crossing:
        report.append(
            "Across a major version (read the release notes for breaking changes): "
            + ", ".join(crossing)
        )
    if not moves and not args.inputs_only:
        report.append("Every pin is at its newest stable release.")
    if not report:
        report.append("pins/inputs.json is in step with every pin.")

    if args.check:
        print("\n".join(report))
        return 1 if moves or stale or warned else 0

    changes: dict[Path, tuple[str, str]] = {}
    if moves:
        changes[pins_path] = (pins_text, rewrite_pins(pins_text, moves))
        workflow_moves = {o.pin.action: (o.pin.sha, o.release) for o in outcomes if o.release}
        workflows = root / ".github" / "workflows"
        for path in sorted([*workflows.glob("*.yml"), *workflows.glob("*.yaml")]):
            text = read(path)
            new = rewrite_workflow(text, workflow_moves)
            if new != text:
                changes[path] = (text, new)
    if fetched:
        versions = {
            pin.action: moves[pin.action].comment if pin.action in moves else pin.version
            for pin in pins
        }
        updates = {action: (versions[action], inputs) for action, (_, inputs) in fetched.items()}
        new = update_inputs(inputs_text, updates)
        if new != inputs_text:
            changes[inputs_path] = (inputs_text, new)

    if args.dry_run:
        for path, (old, new) in changes.items():
            print(diff(path, old, new, root), end="")
    else:
        for path, (_, new) in changes.items():
            write(path, new)
    print("\n".join(report))
    if changes and not args.dry_run:
        print("Updated: " + ", ".join(str(p.relative_to(root)) for p in changes))
        print("Next: review each change as CONTRIBUTING.md says, then run the test suite.")
    return 1 if warned else 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return refresh(args)
    except (RefreshError, OSError, json.JSONDecodeError) as error:
        print(f"refresh_pins: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
