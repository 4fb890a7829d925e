"""What runs in the release build jobs is locked by hash, and Dependabot keeps the lock current."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import ROOT, load_yaml
from variants import VARIANTS

LOCK = ".github/release-requirements.txt"
INSTALL = f"python -m pip install --require-hashes --only-binary :all: -r {LOCK}"
#: Anything in a `run:` step that could fetch and run code from a package index.
INSTALLERS = re.compile(r"\b(pip|pipx|uvx|npm|npx|curl|wget)\b|\buv (pip|tool|run|add|sync)\b")
REQUIREMENT = re.compile(r"^([A-Za-z0-9._-]+)==\S+(?: ;[^\\]*)? \\$")


@pytest.fixture(params=sorted(VARIANTS), scope="module")
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[dict, Path]:
    return VARIANTS[request.param], rendered(request.param)


def locked(text: str) -> dict[str, list[str]]:
    """A lock's requirements: name -> the hashes of its lines (a name may have one per marker)."""
    found: dict[str, list[str]] = {}
    name = ""
    for line in text.splitlines():
        if match := REQUIREMENT.match(line):
            name = match[1].lower()
            found.setdefault(name, [])
        elif line.strip().startswith("--hash=sha256:"):
            found[name].append(line.split(":", 1)[1].rstrip(" \\"))
        else:
            assert not line.strip() or line.lstrip().startswith("#"), f"not locked: {line}"
    return found


def test_every_install_in_the_workflow_is_from_the_lock(variant: tuple[dict, Path]) -> None:
    _, project = variant
    jobs = load_yaml(project / ".github/workflows/release.yml")["jobs"]
    for job_id, job in jobs.items():
        for step in job["steps"]:
            for line in step.get("run", "").replace("\\\n", " ").splitlines():
                if INSTALLERS.search(line) and "pip install" in line:
                    assert " ".join(line.split()) == INSTALL, f"{job_id}: {line}"
                else:
                    assert not INSTALLERS.search(line), f"{job_id}: installs unlocked: {line}"


def test_lock_pins_every_tool_and_dependency_by_hash(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    tool = "uv" if answers.get("build_tool") == "uv" else "build"
    lock = (project / LOCK).read_text()
    assert lock == (ROOT / "requirements" / tool / "release-requirements.txt").read_text()
    pins = locked(lock)
    assert pins and all(len(hashes) >= 1 for hashes in pins.values())
    tools = {
        line.strip().lower()
        for line in (project / ".github/release-requirements.in").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert tools == {"build" if tool == "build" else "uv", "twine", "packaging"}
    assert tools <= set(pins)
    runs = "\n".join(
        step.get("run", "")
        for job in load_yaml(project / ".github/workflows/release.yml")["jobs"].values()
        for step in job["steps"]
    )
    assert ("uv build --no-sources" in runs) is (tool == "uv")
    assert ("python -m build" in runs) is (tool == "build")


def test_lock_records_the_command_that_regenerates_it(variant: tuple[dict, Path]) -> None:
    _, project = variant
    header = (project / LOCK).read_text().splitlines()[:2]
    assert header[1].split() == [
        "#",
        "uv",
        "pip",
        "compile",
        "--universal",
        "--python-version",
        "3.10",
        "--generate-hashes",
        ".github/release-requirements.in",
        "-o",
        LOCK,
    ]


def test_dependabot_updates_the_lock(variant: tuple[dict, Path]) -> None:
    answers, project = variant
    updates = load_yaml(project / ".github/dependabot.yml")["updates"]
    (actions,) = [u for u in updates if u["package-ecosystem"] == "github-actions"]
    (tools,) = [u for u in updates if u["package-ecosystem"] == "pip"]
    assert "/" + str(Path(LOCK).parent) == tools["directory"]
    assert tools["schedule"] == actions["schedule"]
    assert tools.get("cooldown") == actions.get("cooldown")
    assert tools["groups"] == {"release-tools": {"patterns": ["*"]}}
    assert answers.get("dependabot_cooldown_days", 7) == tools.get("cooldown", {}).get(
        "default-days", 0
    )
