"""project.read: what adoption knows of a repository, read as plain data from small repositories
made here."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardened_release import project
from hardened_release.workflows import WorkflowError

from helpers import git, project_repository

CI = "name: CI\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps: []\n"


def pyproject(backend: str, requires: str = "", tool: str = "") -> str:
    return (
        f'[build-system]\nrequires = ["{requires or backend}"]\nbuild-backend = "{backend}"\n'
        f'\n[project]\nname = "sample"\nversion = "1.0"\n{tool}'
    )


def test_every_workflow_is_read_whatever_their_number(tmp_path: Path) -> None:
    files = {f".github/workflows/w{index:02}.yml": CI for index in range(40)}
    files[".github/workflows/release.yaml"] = CI
    found = project.read(project_repository(tmp_path, files))
    assert [workflow.path for workflow in found.workflows] == sorted(Path(path) for path in files)


def test_a_workflow_that_is_not_yaml_is_named(tmp_path: Path) -> None:
    root = project_repository(tmp_path, {".github/workflows/bad.yml": "jobs: [\n"})
    with pytest.raises(WorkflowError, match=r"bad\.yml is not valid YAML"):
        project.read(root)


def test_tags_come_from_git_loose_and_packed(tmp_path: Path) -> None:
    root = project_repository(tmp_path)
    for tag in ("v1.0.0", "v1.1.0"):
        git("tag", tag, cwd=root)
    git("pack-refs", "--all", cwd=root)
    git("tag", "v1.2.0", cwd=root)
    assert sorted(project.read(root).tags) == ["v1.0.0", "v1.1.0", "v1.2.0"]


def test_a_folder_outside_git_has_no_tags(tmp_path: Path) -> None:
    assert project.tags(tmp_path) == []


@pytest.mark.parametrize(
    ("files", "backend", "compiled"),
    [
        ({"pyproject.toml": pyproject("hatchling.build", "hatchling")}, "hatchling.build", False),
        ({"pyproject.toml": pyproject("mesonpy", "meson-python")}, "mesonpy", True),
        (
            {"pyproject.toml": pyproject("scikit_build_core.build", "scikit-build-core")},
            "scikit_build_core.build",
            True,
        ),
        ({"pyproject.toml": pyproject("maturin")}, "maturin", True),
        (
            {
                "pyproject.toml": pyproject("setuptools.build_meta", "setuptools"),
                "setup.py": "from setuptools import Extension, setup\n"
                'setup(ext_modules=[Extension("fast", ["fast.c"])])\n',
            },
            "setuptools.build_meta",
            True,
        ),
        (
            {
                "pyproject.toml": pyproject("setuptools.build_meta", "setuptools"),
                "setup.py": "from setuptools import setup\nsetup()\n",
            },
            "setuptools.build_meta",
            False,
        ),
        (
            {
                "pyproject.toml": pyproject(
                    "setuptools.build_meta",
                    "setuptools",
                    '\n[[tool.setuptools.ext-modules]]\nname = "fast"\nsources = ["fast.c"]\n',
                )
            },
            "setuptools.build_meta",
            True,
        ),
        # A legacy setup.py project with no pyproject.toml: setuptools, compiled.
        ({"setup.py": "from setuptools import setup, Extension\n"}, None, True),
        ({}, None, False),
    ],
    ids=[
        "hatchling",
        "meson-python",
        "scikit-build-core",
        "maturin",
        "setuptools-extension",
        "setuptools-pure",
        "setuptools-ext-modules-in-pyproject",
        "setup.py-only",
        "none",
    ],
)
def test_the_build_backend_and_whether_it_compiles(
    files: dict[str, str], backend: str | None, compiled: bool, tmp_path: Path
) -> None:
    found = project.read(project_repository(tmp_path, files))
    assert (found.build_backend, found.compiled) == (backend, compiled)


@pytest.mark.parametrize(
    ("files", "configured"),
    [
        (
            {"pyproject.toml": pyproject("mesonpy", tool='\n[tool.cibuildwheel]\nskip = "pp*"\n')},
            True,
        ),
        ({"cibuildwheel.toml": 'skip = "pp*"\n'}, True),
        ({"pyproject.toml": pyproject("mesonpy", tool="\n[tool.ruff]\n")}, False),
        ({"pyproject.toml": "not [ toml"}, False),
    ],
    ids=["pyproject", "cibuildwheel.toml", "other-tools", "unreadable"],
)
def test_cibuildwheel_configuration(
    files: dict[str, str], configured: bool, tmp_path: Path
) -> None:
    assert project.read(project_repository(tmp_path, files)).cibuildwheel is configured


def test_release_documents_in_any_format_and_place(tmp_path: Path) -> None:
    files = {
        "RELEASING.rst": "Releasing\n=========\n",
        ".github/RELEASE.md": "# Release\n",
        "docs/releasing.txt": "How to release\n",
        "docs/dev/release-process.md": "# Process\n",
        "doc/how-to-release.adoc": "= Release\n",
        # Not release documents: release notes, a changelog, a script, a workflow.
        "docs/release-notes.md": "# Notes\n",
        "CHANGELOG.md": "# Changes\n",
        "release.sh": "#!/bin/sh\n",
        "scripts/releasing.md": "# not a documentation folder\n",
        ".github/workflows/release.yml": CI,
    }
    found = project.read(project_repository(tmp_path, files))
    assert found.releasing_docs == [
        Path(".github/RELEASE.md"),
        Path("RELEASING.rst"),
        Path("doc/how-to-release.adoc"),
        Path("docs/dev/release-process.md"),
        Path("docs/releasing.txt"),
    ]


def test_other_templates_answers_and_not_ours(tmp_path: Path) -> None:
    files = {
        ".copier-answers.yml": "_src_path: gh:scientific-python/cookie\n_commit: 2025.01.01\n",
        ".copier-answers.docs.yaml": "_src_path: gh:example/docs\n",
        ".copier-answers.broken.yml": ": [\n",
        project.ANSWERS_FILE: "_src_path: gh:example/hardened-release\n",
    }
    found = project.read(project_repository(tmp_path, files))
    assert found.templates == {
        ".copier-answers.broken.yml": {},
        ".copier-answers.docs.yaml": {"_src_path": "gh:example/docs"},
        ".copier-answers.yml": {
            "_src_path": "gh:scientific-python/cookie",
            "_commit": "2025.01.01",
        },
    }


def test_the_distributions_a_repository_defines(tmp_path: Path) -> None:
    """Every tracked pyproject.toml's [project] name, as PyPI compares names, with its folder;
    not those of tests, docs or examples, nor an untracked one."""
    files = {
        "pyproject.toml": pyproject("hatchling.build"),
        "Sample_Core/pyproject.toml": '[project]\nname = "Sample_Core"\n',
        "packages/sample.cli/pyproject.toml": '[project]\nname = "sample.cli"\n',
        "tests/fixtures/pkg/pyproject.toml": '[project]\nname = "fixture"\n',
        "docs/examples/pyproject.toml": '[project]\nname = "example"\n',
        "tools/pyproject.toml": "[tool.ruff]\nline-length = 99\n",
        "broken/pyproject.toml": "[project\n",
    }
    root = project_repository(tmp_path, files)
    (root / "scratch").mkdir()
    (root / "scratch/pyproject.toml").write_text('[project]\nname = "scratch"\n')
    assert project.read(root).distributions == {
        "sample": ".",
        "sample-core": "Sample_Core",
        "sample-cli": "packages/sample.cli",
    }


@pytest.mark.parametrize("name", ["dependabot.yml", "dependabot.yaml", None])
def test_the_dependabot_config(name: str | None, tmp_path: Path) -> None:
    files = {f".github/{name}": "version: 2\nupdates: []\n"} if name else {}
    found = project.read(project_repository(tmp_path, files))
    assert found.dependabot == (Path(".github") / name if name else None)
