"""scripts/review_pins.py against local git repositories standing in for the upstream actions:
what a maintainer runs on Dependabot's pull request to read the new releases' inputs."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from helpers import ROOT, git, moved_pin, repository_script

SCRIPT = ROOT / "scripts" / "review_pins.py"


review_pins = repository_script("review_pins")


def commit_action(repo: Path, inputs: list[str], filename: str = "action.yml") -> str:
    """Commit an action.yml declaring `inputs`; return the commit's SHA."""
    declared = "".join(f"  {name}:\n    description: the {name}\n" for name in inputs)
    (repo / filename).write_text(
        f"name: fake\ndescription: stands in for upstream\ninputs:\n{declared}"
        "runs:\n  using: node24\n  main: index.js\n"
    )
    git("add", "-A", cwd=repo)
    git("commit", "-q", "-m", f"inputs: {inputs}", cwd=repo)
    return git("rev-parse", "HEAD", cwd=repo).strip()


@dataclass(frozen=True)
class Upstream:
    """Local repositories named <owner>__<repo> under `folder`, and their commits by name."""

    folder: Path
    commits: dict[str, str]

    @property
    def remote(self) -> str:
        return self.folder.as_uri() + "/{owner}__{repo}"


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    folder = tmp_path_factory.mktemp("upstream")
    commits: dict[str, str] = {}
    # acme/widget: a lightweight tag, then annotated ones; inputs added, then one removed.
    widget = folder / "acme__widget"
    git("init", "-q", widget.name, cwd=folder)
    commits["widget 1.0.0"] = commit_action(widget, ["persist", "token"])
    git("tag", "v1.0.0", cwd=widget)
    commits["widget 1.1.0"] = commit_action(widget, ["path", "persist", "token"])
    git("tag", "-a", "-m", "release", "v1.1.0", cwd=widget)
    commits["widget 2.0.0"] = commit_action(widget, ["depth", "path", "token"])
    git("tag", "-a", "-m", "release", "v2.0.0", cwd=widget)
    # acme/plain: tags without "v", and an action.yaml.
    plain = folder / "acme__plain"
    git("init", "-q", plain.name, cwd=folder)
    commits["plain 1.9.0"] = commit_action(plain, ["level"], "action.yaml")
    git("tag", "1.9.0", cwd=plain)
    commits["plain 1.10.0"] = commit_action(plain, ["level", "verbose"], "action.yaml")
    git("tag", "-a", "-m", "release", "1.10.0", cwd=plain)
    return Upstream(folder, commits)


@pytest.fixture
def root(tmp_path: Path, upstream: Upstream) -> Path:
    """A template repository whose pins and recorded inputs are the oldest releases."""
    (tmp_path / "pins").mkdir()
    (tmp_path / "pins" / "action.yml").write_text(
        "runs:\n  using: composite\n  steps:\n"
        f"    - uses: acme/widget@{upstream.commits['widget 1.0.0']} # v1.0.0\n"
        "      with:\n        persist: false  # a comment\n"
        f"    - uses: acme/plain@{upstream.commits['plain 1.9.0']} # v1.9.0\n"
    )
    recorded = {
        "acme/widget": {"version": "v1.0.0", "inputs": ["persist", "token"]},
        "acme/plain": {"version": "v1.9.0", "inputs": ["level"]},
    }
    (tmp_path / "pins" / "inputs.json").write_text(json.dumps(recorded, indent=2) + "\n")
    return tmp_path


def dependabot(root: Path, upstream: Upstream, action: str, release: str) -> None:
    """Move a pin as Dependabot's pull request does: its SHA and version comment only."""
    pins = root / "pins" / "action.yml"
    sha = upstream.commits[f"{action.split('/')[1]} {release}"]
    pins.write_text(moved_pin(pins.read_text(), action, sha, f"v{release}"))


def run(root: Path, upstream: Upstream, *options: str) -> int:
    return review_pins.main(["--root", str(root), "--remote", upstream.remote, *options])


def recorded(root: Path) -> dict[str, dict]:
    return json.loads((root / "pins" / "inputs.json").read_text())


def test_in_step_means_nothing_to_do(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (root / "pins" / "inputs.json").read_bytes()
    assert run(root, upstream, "--check") == 0
    assert run(root, upstream) == 0
    assert "in step with every pin" in capsys.readouterr().out
    assert (root / "pins" / "inputs.json").read_bytes() == before


def test_reads_the_inputs_of_what_dependabot_moved(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dependabot(root, upstream, "acme/widget", "1.1.0")
    dependabot(root, upstream, "acme/plain", "1.10.0")
    pins = (root / "pins" / "action.yml").read_bytes()
    assert run(root, upstream, "--check") == 1
    assert recorded(root)["acme/widget"]["version"] == "v1.0.0"  # --check writes nothing
    assert run(root, upstream) == 0
    out = capsys.readouterr().out
    assert "acme/widget: inputs recorded from v1.0.0, pinned v1.1.0" in out
    assert "https://github.com/acme/widget/releases/tag/v1.1.0" in out
    assert "  inputs: +path\n" in out and "  inputs: +verbose\n" in out
    assert recorded(root) == {
        "acme/widget": {"version": "v1.1.0", "inputs": ["path", "persist", "token"]},
        "acme/plain": {"version": "v1.10.0", "inputs": ["level", "verbose"]},
    }
    assert (root / "pins" / "action.yml").read_bytes() == pins  # the pins are Dependabot's
    assert run(root, upstream, "--check") == 0


def test_a_removed_input_needs_a_human(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dependabot(root, upstream, "acme/widget", "2.0.0")
    assert run(root, upstream) == 1
    out = capsys.readouterr().out
    assert "  inputs: +depth, +path, -persist\n  removed inputs:" in out
    assert recorded(root)["acme/widget"]["inputs"] == ["depth", "path", "token"]


def test_a_tag_that_names_another_commit_is_flagged(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pinned commit is not what the release tag names (a moved tag, or a wrong pin)."""
    pins = root / "pins" / "action.yml"
    old = upstream.commits["widget 1.0.0"]
    pins.write_text(moved_pin(pins.read_text(), "acme/widget", old, "v1.1.0"))
    assert run(root, upstream) == 1
    tagged = upstream.commits["widget 1.1.0"]
    assert f"WARNING the tag v1.1.0 names {tagged}, not the pinned {old}" in capsys.readouterr().out


def test_an_unpinned_action_loses_its_entry(root: Path, upstream: Upstream) -> None:
    pins = root / "pins" / "action.yml"
    lines = pins.read_text().splitlines(keepends=True)
    pins.write_text("".join(line for line in lines if "acme/plain" not in line))
    assert run(root, upstream, "--check") == 1
    assert run(root, upstream) == 0
    assert set(recorded(root)) == {"acme/widget"}


def test_an_unreachable_remote_writes_nothing(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    dependabot(root, upstream, "acme/widget", "1.1.0")
    before = (root / "pins" / "inputs.json").read_bytes()
    nowhere = (upstream.folder / "nowhere").as_uri() + "/{owner}/{repo}"
    assert review_pins.main(["--root", str(root), "--remote", nowhere]) == 2
    assert "review_pins: git ls-remote" in capsys.readouterr().err
    assert (root / "pins" / "inputs.json").read_bytes() == before


def test_the_command_line(root: Path, upstream: Upstream) -> None:
    """The script as maintainers run it: every pin re-read with --all."""
    command = [sys.executable, str(SCRIPT), "--root", str(root), "--remote", upstream.remote]
    done = subprocess.run([*command, "--all"], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "acme/plain: inputs recorded from v1.9.0, pinned v1.9.0" in done.stdout
    assert done.stdout.count("inputs: unchanged") == 2
    wrong = subprocess.run([*command, "--remote", "x"], capture_output=True, text=True, check=False)
    assert wrong.returncode == 2 and "{owner} and {repo}" in wrong.stderr


def test_action_inputs_are_read_as_written() -> None:
    text = 'name: x\ninputs:\n  "on":\n    description: a\n  yes: {}\n  b-c:\nruns: {}\n'
    assert review_pins.action_inputs(text) == ["b-c", "on", "yes"]
    assert review_pins.action_inputs("name: x\nruns:\n  using: node24\n") == []
