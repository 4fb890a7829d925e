"""The one way the tests render the template, and small readers of what it renders."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import copier
import yaml

ROOT = Path(__file__).resolve().parents[1]
PIN_SOURCE = ROOT / "pins" / "action.yml"
WORKFLOWS = (".github/workflows/release.yml", ".github/workflows/zizmor.yml")
USES = re.compile(r"^\s*(?:- )?uses: (?P<action>[^@\s]+)@(?P<ref>\S+)(?: # (?P<comment>.*))?$")


def render(dst: Path, answers: dict[str, Any], **options: Any) -> Path:
    """Render the template's working tree into `dst` without prompts or trust, as users do."""
    settings = {"defaults": True, "unsafe": False, "quiet": True, "vcs_ref": "HEAD", **options}
    copier.run_copy(str(ROOT), dst, data=answers, **settings)
    return dst


def load_yaml(path: Path) -> Any:
    """Parse YAML as GitHub does: a workflow's `on` key stays "on" rather than True."""
    data = yaml.safe_load(path.read_text())
    if isinstance(data, dict) and True in data:
        data["on"] = data.pop(True)
    return data


def pins_in(path: Path) -> list[tuple[str, str, str | None]]:
    """Every `uses:` line of a file, as (action, ref, comment)."""
    found = []
    for line in path.read_text().splitlines():
        if match := USES.match(line):
            found.append((match["action"], match["ref"], match["comment"]))
    return found


def pin_source() -> dict[str, tuple[str, str]]:
    """The pin source: action -> (commit SHA, version comment)."""
    return {action: (ref, comment or "") for action, ref, comment in pins_in(PIN_SOURCE)}


def copy_tree(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst, symlinks=True)
    return dst
