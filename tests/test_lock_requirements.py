"""scripts/lock_requirements.py, run with a stand-in for uv that records how it is called."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

from helpers import ROOT, repository_script

#: A stand-in `uv pip compile`: writes the output file from the input's names, and logs its
#: arguments and whether it found an existing output (whose pins uv keeps).
FAKE_UV = """\
#!/usr/bin/env python3
import os, pathlib, sys
args = sys.argv[1:]
log = pathlib.Path(os.environ["FAKE_UV_LOG"])
out = pathlib.Path(args[args.index("-o") + 1])
kept = out.read_text() if out.exists() else ""
log.write_text(log.read_text() + " ".join(args) + f" | kept={bool(kept)}\\n")
source = pathlib.Path(args[args.index("-o") - 1])
names = [l for l in source.read_text().splitlines() if l and l[0] != "#"]
version = "2.0" if "--upgrade" in args else "1.0"
out.write_text("".join(f"{n}=={version}\\n" for n in names))
"""


@pytest.fixture
def script(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = repository_script("lock_requirements")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "uv").write_text(FAKE_UV)
    (bin_dir / "uv").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_UV_LOG", str(tmp_path / "log"))
    (tmp_path / "log").write_text("")
    sources = tmp_path / "requirements"
    (sources / "build").mkdir(parents=True)
    (sources / "build" / "release-requirements.in").write_text("# tools\nbuild\ntwine\n")
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "SOURCES", sources)
    monkeypatch.setattr(module, "PYTHON_VERSION", sources / "python-version")
    (sources / "python-version").write_text("3.12\n")
    return module


def lock(script: ModuleType) -> Path:
    return script.SOURCES / "build" / "release-requirements.txt"


def calls(script: ModuleType) -> list[str]:
    return (script.ROOT / "log").read_text().splitlines()


def test_locks_as_a_project_would(script: ModuleType) -> None:
    assert script.main([]) == 0
    assert lock(script).read_text() == "build==1.0\ntwine==1.0\n"
    (call,) = calls(script)
    python = script.python_version()
    assert call.split(" | ")[0].split() == [*script.compile_command(python), "--quiet"]


def test_keeps_pins_unless_upgrading(script: ModuleType) -> None:
    script.main([])
    script.main([])
    assert calls(script)[-1].endswith("kept=True")
    script.main(["--upgrade"])
    assert calls(script)[-1].endswith("kept=False")
    assert "--upgrade" in calls(script)[-1]


def test_check_reports_a_stale_lock_and_writes_nothing(
    script: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    assert script.main(["--check"]) == 1
    assert not lock(script).exists()
    assert "stale: requirements/build/release-requirements.txt" in capsys.readouterr().out
    script.main([])
    assert script.main(["--check"]) == 0


def test_the_template_locks_record_the_scripts_command() -> None:
    script = repository_script("lock_requirements")
    command = " ".join(["uv", *script.compile_command(script.python_version())])
    for path in sorted((ROOT / "requirements").glob("*/release-requirements.txt")):
        assert path.read_text().splitlines()[1] == f"#    {command}", path


def test_python_moves_with_the_locks(script: ModuleType) -> None:
    """`--python X.Y` writes the build jobs' Python and locks every tool set for it."""
    assert script.main(["--python", "3.13"]) == 0
    assert script.PYTHON_VERSION.read_text() == "3.13\n"
    assert "--python-version 3.13 " in calls(script)[-1]
    script.main([])  # later runs lock for the version written
    assert "--python-version 3.13 " in calls(script)[-1]
    with pytest.raises(SystemExit):
        script.main(["--python", "3"])
