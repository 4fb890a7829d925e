"""Review the action pins after Dependabot moves them: the part its pull request cannot show.

Dependabot moves the pins (pins/action.yml and this repository's .github/workflows, in one
pull request) and links each release's notes. It does not read the new release's action.yml,
and it does not tell whether the release tag still names the commit it pinned. For each pin
whose inputs in pins/inputs.json were read from another release (or every pin, with --all):

1. `git ls-remote --tags`: the release tag `vX.Y.Z` (or `X.Y.Z`) must name the pinned commit,
   peeled for an annotated tag;
2. `git fetch --depth 1` of the pinned commit: the inputs its action.yml (or action.yaml)
   declares, printed against the recorded ones;
3. the release and its inputs go into pins/inputs.json (not with --check).

Usage (the default root is this script's repository):

    python scripts/review_pins.py           # review what moved, record its inputs
    python scripts/review_pins.py --all     # every pin, also those already recorded
    python scripts/review_pins.py --check   # change nothing; exit 1 if an entry is behind

Exit status: 0 done (or, with --check, every entry in step); 1 when something needs a human
(a release tag that names another commit, an input removed) or --check finds an entry behind;
2 on an error, and then nothing was written. Reading action.yml needs PyYAML (a test tool).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GITHUB = "https://github.com/{owner}/{repo}"
GIT_TIMEOUT = 300  # seconds, for one git command

# `- uses: owner/repo[/path]@<sha> # vX.Y.Z`, the form of every step of pins/action.yml.
PIN_LINE = re.compile(
    r"^\s*- uses: (?P<action>[^@\s]+)@(?P<sha>[0-9a-f]{40}) # (?P<version>v\d+\.\d+\.\d+)(\s.*)?$"
)


class ReviewError(Exception):
    """Something that stops the review before anything is written."""


def read_pins(text: str) -> dict[str, tuple[str, str]]:
    """action -> (commit SHA, "vX.Y.Z") for every `- uses:` line of pins/action.yml."""
    pins: dict[str, tuple[str, str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip().startswith("- uses:"):
            continue
        match = PIN_LINE.match(line)
        if not match:
            raise ReviewError(f"line {number}: not `- uses: owner/repo@<40-hex sha> # vX.Y.Z`")
        if match["action"] in pins:
            raise ReviewError(f"line {number}: {match['action']} is pinned twice")
        pins[match["action"]] = (match["sha"], match["version"])
    if not pins:
        raise ReviewError("no `- uses:` lines found")
    return pins


def action_inputs(text: str) -> list[str]:
    """The sorted input names an action.yml declares, read as written (no YAML type coercion)."""
    import yaml

    try:
        root = yaml.compose(text)
    except yaml.YAMLError as error:
        raise ReviewError(f"action.yml is not YAML: {error}") from error
    if not isinstance(root, yaml.MappingNode):
        raise ReviewError("action.yml is not a mapping")
    for key, value in root.value:
        if key.value == "inputs":
            if isinstance(value, yaml.ScalarNode) and value.value in ("", "~", "null"):
                return []
            if not isinstance(value, yaml.MappingNode):
                raise ReviewError("action.yml: `inputs` is not a mapping")
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
        raise ReviewError(f"git {' '.join(args)}: {error}") from error
    if result.returncode != 0:
        raise ReviewError(f"git {' '.join(args)} failed:\n{result.stderr.strip()}")
    return result.stdout


def tagged_commit(url: str, version: str) -> str | None:
    """The commit that the release tag `version` (or it without its "v") names, if any."""
    names = (f"refs/tags/{version}", f"refs/tags/{version[1:]}")
    found: dict[str, str] = {}
    for line in git("ls-remote", "--tags", url).splitlines():
        sha, _, ref = line.partition("\t")
        found[ref] = sha
    for name in names:  # a peeled `^{}` line is the commit an annotated tag points to
        if sha := found.get(f"{name}^{{}}", found.get(name)):
            return sha
    return None


def fetch_inputs(url: str, sha: str, subpath: str) -> list[str]:
    """The inputs declared by the action.yml (or action.yaml) at commit `sha` of `url`."""
    with tempfile.TemporaryDirectory(prefix="review-pins-") as temporary:
        work = Path(temporary)
        git("-c", "init.defaultBranch=main", "init", "-q", cwd=work)
        git("fetch", "-q", "--depth", "1", url, sha, cwd=work)
        folder = f"{subpath}/" if subpath else ""
        files = git("ls-tree", "--name-only", sha, folder or ".", cwd=work).splitlines()
        for path in (f"{folder}action.yml", f"{folder}action.yaml"):
            if path in files:
                return action_inputs(git("show", f"{sha}:{path}", cwd=work))
    raise ReviewError(f"{url}@{sha}: no {folder}action.yml or action.yaml")


def review(root: Path, remote: str, every: bool, check: bool) -> int:
    inputs_path = root / "pins" / "inputs.json"
    pins = read_pins((root / "pins" / "action.yml").read_text())
    recorded: dict[str, dict] = json.loads(inputs_path.read_text())
    behind = [a for a, (_, v) in pins.items() if every or recorded.get(a, {}).get("version") != v]
    report: list[str] = []
    needs_a_human = False
    for action in behind:
        sha, version = pins[action]
        owner, repo, *subpath = action.split("/")
        entry = recorded.get(action, {"version": "no entry", "inputs": []})
        report.append(f"{action}: inputs recorded from {entry['version']}, pinned {version}")
        notes = GITHUB.format(owner=owner, repo=repo) + f"/releases/tag/{version}"
        report.append(f"  release notes: {notes}")
        if check:
            continue
        url = remote.format(owner=owner, repo=repo)
        if (tagged := tagged_commit(url, version)) != sha:
            needs_a_human = True
            report.append(f"  WARNING the tag {version} names {tagged}, not the pinned {sha}")
        inputs = fetch_inputs(url, sha, "/".join(subpath))
        added = sorted(set(inputs) - set(entry["inputs"]))
        removed = sorted(set(entry["inputs"]) - set(inputs))
        changes = [f"+{name}" for name in added] + [f"-{name}" for name in removed]
        report.append("  inputs: " + (", ".join(changes) if changes else "unchanged"))
        if removed:
            needs_a_human = True
            report.append("  removed inputs: the tests fail if the template still passes one")
        recorded[action] = {"version": version, "inputs": inputs}
    unpinned = sorted(set(recorded) - set(pins))
    for action in unpinned:
        report.append(f"{action}: no longer pinned, its entry goes")
        del recorded[action]
    print("\n".join(report or ["pins/inputs.json is in step with every pin."]))
    if check:
        return 1 if behind or unpinned else 0
    inputs_path.write_text(json.dumps(recorded, indent=2) + "\n")
    return 1 if needs_a_human else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--all", action="store_true", help="review every pin, not only those moved")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if behind")
    parser.add_argument(
        "--remote",
        default=GITHUB,
        metavar="URL",
        help="git URL of each action's repository, with {owner} and {repo} (default: GitHub)",
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the template repository")
    args = parser.parse_args(argv)
    if "{owner}" not in args.remote or "{repo}" not in args.remote:
        parser.error("--remote needs {owner} and {repo}")
    try:
        return review(args.root.resolve(), args.remote, args.all, args.check)
    except (ReviewError, OSError, json.JSONDecodeError) as error:
        print(f"review_pins: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
