"""scripts/refresh_pins.py against local git repositories standing in for the upstream actions,
and the pin source's own consistency (pins/action.yml with pins/inputs.json)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from helpers import PIN_SOURCE, ROOT, pin_source, pins_in

SCRIPT = ROOT / "scripts" / "refresh_pins.py"
INPUTS_JSON = ROOT / "pins" / "inputs.json"
SHA = re.compile(r"[0-9a-f]{40}")
VERSION_COMMENT = re.compile(r"v\d+\.\d+\.\d+")
GIT = (
    "git",
    *("-c", "user.name=t", "-c", "user.email=t@example.invalid"),
    *("-c", "init.defaultBranch=main", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false"),
)


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("refresh_pins", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


refresh_pins = load_script()


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        [*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def commit_action(repo: Path, inputs: list[str], filename: str = "action.yml") -> str:
    """Commit an action.yml declaring `inputs`; return the commit's SHA."""
    declared = "".join(f"  {name}:\n    description: the {name}\n" for name in inputs)
    (repo / filename).write_text(
        f"name: fake\ndescription: stands in for upstream\ninputs:\n{declared}"
        "runs:\n  using: node24\n  main: index.js\n"
    )
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"inputs: {inputs}")
    return git(repo, "rev-parse", "HEAD")


def tag(repo: Path, name: str, annotated: bool) -> None:
    git(repo, "tag", *(["-a", "-m", f"release {name}"] if annotated else []), name)


@dataclass(frozen=True)
class Upstream:
    """Local repositories named <owner>__<repo> under `folder`, and their commits by name."""

    folder: Path
    commits: dict[str, str]

    @property
    def template(self) -> str:
        return self.folder.as_uri() + "/{owner}__{repo}"

    def url(self, repo: str) -> str:
        return (self.folder / repo.replace("/", "__")).as_uri()


@pytest.fixture(scope="module")
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Upstream:
    folder = tmp_path_factory.mktemp("upstream")
    commits: dict[str, str] = {}

    # acme/widget: v1 and v2 lines, then pre-releases of v3 on newer commits.
    widget = folder / "acme__widget"
    git(folder, "init", "-q", widget.name)
    commits["widget 1.0.0"] = commit_action(widget, ["persist", "token"])
    tag(widget, "v1.0.0", annotated=False)
    commits["widget 1.1.0"] = commit_action(widget, ["path", "persist", "token"])
    tag(widget, "v1.1.0", annotated=True)
    commits["widget 2.0.0"] = commit_action(widget, ["depth", "path", "token"])
    tag(widget, "v2.0.0", annotated=True)
    commits["widget 2.1.0"] = commit_action(widget, ["depth", "mode", "token"])
    tag(widget, "v2.1.0", annotated=True)
    tag(widget, "v2", annotated=False)  # a moving major tag: never a pin
    commits["widget 3.0.0rc"] = commit_action(widget, ["depth", "mode", "token", "turbo"])
    for name in ("v3.0.0-rc1", "v3.0.0b1", "v3.0.0.dev1"):
        tag(widget, name, annotated=True)
    for name in ("v3.0.0rc1", "v3.0.0-beta", "3.0.0a1", "v3", "latest"):
        tag(widget, name, annotated=False)

    # acme/plain: tags without "v", an action.yaml, and 1.10.0 newer than 1.9.0.
    plain = folder / "acme__plain"
    git(folder, "init", "-q", plain.name)
    commits["plain 1.9.0"] = commit_action(plain, ["level"], "action.yaml")
    tag(plain, "1.9.0", annotated=False)
    commits["plain 1.10.0"] = commit_action(plain, ["level", "verbose"], "action.yaml")
    tag(plain, "1.10.0", annotated=True)

    # acme/steady: already at its newest release.
    steady = folder / "acme__steady"
    git(folder, "init", "-q", steady.name)
    commits["steady 0.3.0"] = commit_action(steady, ["name"])
    tag(steady, "v0.3.0", annotated=True)
    return Upstream(folder, commits)


def pin_file(commits: dict[str, str]) -> str:
    """A pin source shaped like pins/action.yml, with the oldest releases pinned."""
    return (
        "# The one source of the action pins.\n"
        "# - uses: acme/widget@0000000000000000000000000000000000000000 # v0.0.1 (a comment)\n"
        "name: test pins\n"
        "description: Not for use.\n"
        "runs:\n"
        "  using: composite\n"
        "  steps:\n"
        f"    - uses: acme/widget@{commits['widget 1.0.0']} # v1.0.0\n"
        "      with:\n"
        "        persist-credentials: false  # as every checkout the template renders\n"
        f"    - uses: acme/plain@{commits['plain 1.9.0']} # v1.9.0\n"
        f"    - uses: acme/steady@{commits['steady 0.3.0']} # v0.3.0\n"
    )


def inputs_file(entries: dict[str, tuple[str, list[str]]]) -> str:
    """inputs.json in the format of pins/inputs.json."""
    data = {action: {"version": v, "inputs": inputs} for action, (v, inputs) in entries.items()}
    return json.dumps(data, indent=2) + "\n"


OLD_INPUTS = {
    "acme/widget": ("v1.0.0", ["persist", "token"]),
    "acme/plain": ("v1.9.0", ["level"]),
    "acme/steady": ("v0.3.0", ["name"]),
}


@pytest.fixture
def root(tmp_path: Path, upstream: Upstream) -> Path:
    """A template repository with the pin source, inputs.json and one workflow of its own."""
    (tmp_path / "pins").mkdir()
    (tmp_path / "pins" / "action.yml").write_text(pin_file(upstream.commits))
    (tmp_path / "pins" / "inputs.json").write_text(inputs_file(OLD_INPUTS))
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "ci.yml").write_text(
        "jobs:\n  tests:\n    steps:\n"
        f"      - uses: acme/widget@{upstream.commits['widget 1.0.0']} # v1.0.0\n"
        "        with:\n          persist-credentials: false\n"
        "      - name: Another ref of the same action, left alone\n"
        f"        uses: acme/widget@{upstream.commits['widget 1.1.0']} # v1.1.0\n"
    )
    return tmp_path


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def run(root: Path, upstream: Upstream, *options: str) -> int:
    return refresh_pins.main(
        ["--root", str(root), "--remote-template", upstream.template, *options]
    )


@pytest.mark.parametrize(
    ("tag_name", "version"),
    [
        ("v1.2.3", (1, 2, 3)),
        ("1.2.3", (1, 2, 3)),
        ("v10.0.11", (10, 0, 11)),
        ("v2.0.0-rc1", None),
        ("v2.0.0rc1", None),
        ("v2.0.0b1", None),
        ("v2.0.0a1", None),
        ("v2.0.0.dev1", None),
        ("v2.0.0-beta", None),
        ("v2.0.0+build", None),
        ("v2", None),
        ("v2.0", None),
        ("latest", None),
        ("release/v2.0.0", None),
    ],
)
def test_only_plain_release_versions_count(tag_name: str, version: tuple | None) -> None:
    assert refresh_pins.parse_version(tag_name) == version


def test_annotated_tags_resolve_to_their_commit(upstream: Upstream) -> None:
    widget = upstream.folder / "acme__widget"
    tags = refresh_pins.list_tags(upstream.url("acme/widget"))
    tag_object = git(widget, "rev-parse", "v2.1.0")
    assert git(widget, "cat-file", "-t", tag_object) == "tag"
    assert tags["v2.1.0"] == upstream.commits["widget 2.1.0"] != tag_object
    assert tags["v1.0.0"] == upstream.commits["widget 1.0.0"]  # lightweight: the commit itself


def test_newest_stable_release_and_never_a_pre_release(upstream: Upstream) -> None:
    tags = refresh_pins.list_tags(upstream.url("acme/widget"))
    assert {"v3.0.0-rc1", "v3.0.0rc1", "v3.0.0b1", "v3.0.0.dev1", "v3"} <= set(tags)
    releases = refresh_pins.stable_releases(tags)
    assert [r.tag for r in releases] == ["v1.0.0", "v1.1.0", "v2.0.0", "v2.1.0"]
    assert refresh_pins.newest(releases).tag == "v2.1.0"
    assert refresh_pins.newest(releases, in_major=1).tag == "v1.1.0"
    plain = refresh_pins.stable_releases(refresh_pins.list_tags(upstream.url("acme/plain")))
    assert refresh_pins.newest(plain).tag == "1.10.0"  # by version, not by string


def test_refresh_moves_pins_and_inputs(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (root / "pins" / "action.yml").read_text()
    assert run(root, upstream) == 0
    out = capsys.readouterr().out
    commits = upstream.commits

    # Only the two moved `- uses:` lines differ, and only in SHA and version comment.
    expected = before.replace(
        f"acme/widget@{commits['widget 1.0.0']} # v1.0.0",
        f"acme/widget@{commits['widget 2.1.0']} # v2.1.0",
    ).replace(
        f"acme/plain@{commits['plain 1.9.0']} # v1.9.0",
        f"acme/plain@{commits['plain 1.10.0']} # v1.10.0",
    )
    assert (root / "pins" / "action.yml").read_text() == expected
    assert (
        inputs_file(
            {
                "acme/widget": ("v2.1.0", ["depth", "mode", "token"]),
                "acme/plain": ("v1.10.0", ["level", "verbose"]),
                "acme/steady": ("v0.3.0", ["name"]),
            }
        )
        == (root / "pins" / "inputs.json").read_text()
    )

    # The repository's own workflow follows the pin it shared; another ref stays.
    workflow = (root / ".github" / "workflows" / "ci.yml").read_text()
    assert f"- uses: acme/widget@{commits['widget 2.1.0']} # v2.1.0\n" in workflow
    assert f"uses: acme/widget@{commits['widget 1.1.0']} # v1.1.0\n" in workflow
    assert commits["widget 1.0.0"] not in workflow

    assert "acme/widget: moves v1.0.0 -> v2.1.0  MAJOR VERSION CHANGE" in out
    assert "acme/plain: moves v1.9.0 -> v1.10.0\n" in out
    assert "https://github.com/acme/widget/releases/tag/v2.1.0" in out
    assert "https://github.com/acme/plain/releases/tag/1.10.0" in out
    assert (
        f"https://github.com/acme/widget/compare/{commits['widget 1.0.0']}"
        f"...{commits['widget 2.1.0']}"
    ) in out
    assert "  inputs: +depth, +mode, -persist\n  removed inputs:" in out
    assert "  inputs: +verbose\n" in out
    assert f"git diff {commits['plain 1.9.0']} {commits['plain 1.10.0']} -- action.yaml" in out
    assert "Across a major version" in out and "acme/steady" not in out

    # Now current: --check passes and a second run changes nothing.
    files = snapshot(root)
    assert run(root, upstream, "--check") == 0
    assert run(root, upstream) == 0
    assert snapshot(root) == files


def test_same_major_holds_the_major_version(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(root, upstream, "--same-major") == 0
    out = capsys.readouterr().out
    pins = {p.action: p for p in refresh_pins.read_pins((root / "pins" / "action.yml").read_text())}
    assert (pins["acme/widget"].sha, pins["acme/widget"].version) == (
        upstream.commits["widget 1.1.0"],
        "v1.1.0",
    )
    assert json.loads((root / "pins" / "inputs.json").read_text())["acme/widget"] == {
        "version": "v1.1.0",
        "inputs": ["path", "persist", "token"],
    }
    assert "MAJOR" not in out and "Across a major version" not in out


def test_check_changes_nothing_and_lists_the_moves(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = snapshot(root)
    assert run(root, upstream, "--check") == 1
    out = capsys.readouterr().out
    assert snapshot(root) == files
    assert "acme/widget: would move v1.0.0 -> v2.1.0" in out
    assert "acme/plain: would move v1.9.0 -> v1.10.0" in out
    assert "acme/steady" not in out


def test_check_flags_inputs_json_out_of_step(root: Path, upstream: Upstream) -> None:
    assert run(root, upstream) == 0
    entries = json.loads((root / "pins" / "inputs.json").read_text())
    entries["acme/steady"]["version"] = "v0.2.0"
    (root / "pins" / "inputs.json").write_text(json.dumps(entries, indent=2) + "\n")
    assert run(root, upstream, "--check") == 1
    assert run(root, upstream) == 0  # re-reads steady's action.yml at its pin
    assert run(root, upstream, "--check") == 0


def test_inputs_only_follows_pins_moved_by_dependabot(root: Path, upstream: Upstream) -> None:
    """Dependabot moves a pin but not inputs.json: --inputs-only catches up, moving no pin."""
    old, new = upstream.commits["widget 1.0.0"], upstream.commits["widget 1.1.0"]
    pins = root / "pins" / "action.yml"
    pins.write_text(pins.read_text().replace(f"{old} # v1.0.0", f"{new} # v1.1.0"))
    moved_by_dependabot = pins.read_bytes()
    assert run(root, upstream, "--inputs-only", "--check") == 1
    unreachable = (upstream.folder / "nowhere").as_uri() + "/{owner}/{repo}"
    # No tags are asked for: only the one stale action is fetched, from where it lives.
    assert (
        refresh_pins.main(
            [
                *("--root", str(root), "--inputs-only", "--remote-template", unreachable),
                *("--remote", f"acme/widget={upstream.url('acme/widget')}"),
            ]
        )
        == 0
    )
    assert pins.read_bytes() == moved_by_dependabot
    assert (
        inputs_file({**OLD_INPUTS, "acme/widget": ("v1.1.0", ["path", "persist", "token"])})
        == (root / "pins" / "inputs.json").read_text()
    )
    assert run(root, upstream, "--inputs-only", "--check") == 0


def test_dry_run_prints_the_new_lines_and_writes_nothing(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = snapshot(root)
    assert run(root, upstream, "--dry-run") == 0
    out = capsys.readouterr().out
    assert snapshot(root) == files
    assert f"+    - uses: acme/widget@{upstream.commits['widget 2.1.0']} # v2.1.0\n" in out
    assert f"-    - uses: acme/widget@{upstream.commits['widget 1.0.0']} # v1.0.0\n" in out
    assert '+    "version": "v2.1.0",\n' in out


def test_a_moved_release_tag_is_flagged_not_followed(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    pins = root / "pins" / "action.yml"
    pins.write_text(pins.read_text().replace(upstream.commits["steady 0.3.0"], "a" * 40))
    assert run(root, upstream, "--check") == 1
    assert "WARNING acme/steady v0.3.0: upstream tag v0.3.0 points to" in capsys.readouterr().out
    assert run(root, upstream, "--same-major") == 1  # the others move; steady stays
    assert f"acme/steady@{'a' * 40} # v0.3.0" in pins.read_text()


def test_an_unreachable_remote_writes_nothing(
    root: Path, upstream: Upstream, capsys: pytest.CaptureFixture[str]
) -> None:
    files = snapshot(root)
    missing = (upstream.folder / "nowhere").as_uri()
    assert run(root, upstream, "--remote", f"acme/plain={missing}") == 2
    assert "refresh_pins: git ls-remote" in capsys.readouterr().err
    assert snapshot(root) == files


def test_the_command_line(root: Path, upstream: Upstream, tmp_path: Path) -> None:
    """The script run as maintainers run it, with a --remote mapping over the template."""
    elsewhere = tmp_path / "mirror-of-plain.git"
    git(tmp_path, "clone", "-q", "--mirror", str(upstream.folder / "acme__plain"), str(elsewhere))
    command = [
        sys.executable,
        str(SCRIPT),
        *("--root", str(root), "--remote-template", upstream.template),
        *("--remote", f"acme/plain={elsewhere.as_uri()}"),
    ]
    check = subprocess.run([*command, "--check"], capture_output=True, text=True, check=False)
    assert check.returncode == 1, check.stderr
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "acme/plain: moves v1.9.0 -> v1.10.0" in done.stdout
    assert "Updated: pins/action.yml, .github/workflows/ci.yml, pins/inputs.json" in done.stdout
    assert (
        f"@{upstream.commits['plain 1.10.0']} # v1.10.0" in (root / "pins/action.yml").read_text()
    )
    again = subprocess.run([*command, "--check"], capture_output=True, text=True, check=False)
    assert again.returncode == 0, again.stdout + again.stderr


def test_action_inputs_are_read_as_written() -> None:
    text = 'name: x\ninputs:\n  "on":\n    description: a\n  yes: {}\n  b-c:\nruns: {}\n'
    assert refresh_pins.action_inputs(text) == ["b-c", "on", "yes"]
    assert refresh_pins.action_inputs("name: x\nruns:\n  using: node24\n") == []


def test_rewriting_the_real_pin_source_touches_one_line_only() -> None:
    text = PIN_SOURCE.read_text()
    pins = refresh_pins.read_pins(text)
    move = refresh_pins.Release("v99.0.0", (99, 0, 0), "f" * 40)
    new = refresh_pins.rewrite_pins(text, {pins[0].action: move})
    changed = [
        (old, line)
        for old, line in zip(text.splitlines(), new.splitlines(), strict=True)
        if old != line
    ]
    assert changed == [
        (
            f"    - uses: {pins[0].action}@{pins[0].sha} # {pins[0].version}",
            f"    - uses: {pins[0].action}@{'f' * 40} # v99.0.0",
        )
    ]
    assert new.endswith("\n") and new.count("\n") == text.count("\n")


def test_rewriting_keeps_line_endings_and_trailing_comments() -> None:
    old, new = "1" * 40, "2" * 40
    text = f"a: b\r\n    - uses: o/r@{old} # v1.0.0  # why\r\n- uses: o/s@{old} # v1.0.0\n"
    move = refresh_pins.Release("v1.1.0", (1, 1, 0), new)
    assert refresh_pins.rewrite_pins(text, {"o/r": move}) == text.replace(
        f"o/r@{old} # v1.0.0", f"o/r@{new} # v1.1.0"
    )
    workflow = f"      uses: o/r@{old}  # 1.0.0 pinned\r\n      uses: o/r@v1\n"
    assert refresh_pins.rewrite_workflow(workflow, {"o/r": (old, move)}) == (
        f"      uses: o/r@{new}  # v1.1.0 pinned\r\n      uses: o/r@v1\n"
    )


def test_pin_source_is_consistent() -> None:
    """pins/action.yml: one SHA-pinned, version-commented line per action, as inputs.json says."""
    pins = pins_in(PIN_SOURCE)
    actions = [action for action, _, _ in pins]
    assert actions and len(actions) == len(set(actions)), "an action is pinned twice"
    for action, ref, comment in pins:
        assert SHA.fullmatch(ref), f"{action}: {ref} is not a 40-hex commit SHA"
        assert comment and VERSION_COMMENT.fullmatch(comment), f"{action}: comment {comment!r}"
    # Every `uses:` line is one that includes/pins.jinja reads and the script can rewrite.
    lines = PIN_SOURCE.read_text().splitlines()
    assert sum("uses:" in line.split("#")[0] for line in lines) == len(pins)
    script_view = {p.action: (p.sha, p.version) for p in refresh_pins.read_pins("\n".join(lines))}
    assert script_view == pin_source()

    recorded = json.loads(INPUTS_JSON.read_text())
    assert {a: entry["version"] for a, entry in recorded.items()} == {
        action: comment for action, _, comment in pins
    }
    for action, entry in recorded.items():
        assert set(entry) == {"version", "inputs"}, action
        assert entry["inputs"] == sorted(set(entry["inputs"])), f"{action}: sorted, unique"
    assert INPUTS_JSON.read_text() == json.dumps(recorded, indent=2) + "\n"  # the script's format
