"""Repositories shaped like the ones the template is adopted into, written for these tests.

Each is modelled on a kind of real project (not a copy of one): what matters is the shape that
adoption must handle: which workflow publishes and how, its environments, triggers and tags,
another template's files, a zizmor workflow of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from helpers import git

HATCH_VCS_PYPROJECT = """\
[build-system]
requires = ["hatchling", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "{name}"
dynamic = ["version"]
description = "A project for hardened-release's tests"
readme = "README.md"
license = "BSD-3-Clause"
requires-python = ">=3.9"

[tool.hatch.version]
source = "vcs"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""

STATIC_PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "{version}"
description = "A project for hardened-release's tests"
readme = "README.md"
license = "MIT"
requires-python = ">=3.9"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""

TESTS_WORKFLOW = """\
name: Tests
on:
  pull_request:
  push:
    branches: [main]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install . pytest && python -m pytest
"""


@dataclass
class Layout:
    """A project repository: its files, its tags, and what adoption should find in it."""

    name: str
    files: dict[str, str]
    tags: list[str] = field(default_factory=list)
    #: The answers adoption should derive from what is there.
    derived: dict[str, object] = field(default_factory=dict)
    #: The tag a release of this project carries, for running the build job on it.
    release_tag: str = "v1.2.3"

    def make(self, path: Path) -> Path:
        for relative, text in self.files.items():
            (path / relative).parent.mkdir(parents=True, exist_ok=True)
            (path / relative).write_text(text)
        git("init", "-q", "-b", "main", cwd=path)
        git("add", "-A", cwd=path)
        git("commit", "-q", "-m", "The project as it is", cwd=path)
        for tag in self.tags:
            git("tag", tag, cwd=path)
        return path


def package_files(name: str, pyproject: str, **values: str) -> dict[str, str]:
    package = name.replace("-", "_")
    return {
        "pyproject.toml": pyproject.format(name=name, package=package, **values),
        f"src/{package}/__init__.py": f'"""{name}."""\n',
        "README.md": f"# {name}\n\nA project.\n",
    }


# A project that uploads with twine and an API token, from a push of a bare version tag.
TOKEN_PUBLISHER = Layout(
    name="token-publisher",
    files={
        **package_files("bare-tags", STATIC_PYPROJECT, version="0.28.1"),
        ".github/workflows/tests.yml": TESTS_WORKFLOW,
        ".github/workflows/publish.yml": """\
name: Upload to PyPI
on:
  push:
    tags: ["[0-9]+.[0-9]+.[0-9]+"]
jobs:
  upload:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
      - run: python -m pip install build twine && python -m build
      - run: twine upload dist/*
        env:
          TWINE_USERNAME: __token__
          TWINE_PASSWORD: ${{ secrets.PYPI_API_TOKEN }}
""",
    },
    tags=["0.28.0"],
    derived={
        "release_workflow": "publish.yml",
        "release_trigger": "tag",
        "tag_pattern": "[0-9]*",
        "pypi_environment": "pypi",
        "testpypi": False,
        "zizmor": "release",
    },
    release_tag="0.28.1",
)

# A project with trusted publishing from `pypi-package.yml`: TestPyPI on every push to main,
# PyPI on a published release, each from an environment of its own, and its own zizmor workflow
# that uploads to code scanning.
TRUSTED_WITH_TESTPYPI = Layout(
    name="trusted-with-testpypi",
    files={
        **package_files("staged-pkg", HATCH_VCS_PYPROJECT),
        ".github/workflows/pypi-package.yml": """\
name: Build and publish
on:
  push:
    branches: [main]
  release:
    types: [published]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - uses: hynek/build-and-inspect-python-package@v2
  publish-test:
    needs: build
    if: github.event_name == 'push'
    runs-on: ubuntu-latest
    environment: release-test-pypi
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: Packages
          path: dist
      - uses: pypa/gh-action-pypi-publish@release/v1
        with:
          repository-url: https://test.pypi.org/legacy/
  publish:
    needs: build
    if: github.event_name == 'release'
    runs-on: ubuntu-latest
    environment:
      name: release-pypi
      url: https://pypi.org/p/staged-pkg
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: Packages
          path: dist
      - uses: pypa/gh-action-pypi-publish@release/v1
""",
        ".github/workflows/security.yml": """\
name: Security
on:
  push:
    branches: [main]
  pull_request:
permissions: {}
jobs:
  zizmor:
    runs-on: ubuntu-latest
    permissions:
      security-events: write
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: zizmorcore/zizmor-action@v0.2.0
        with:
          persona: pedantic
""",
        ".github/dependabot.yml": """\
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: monthly
""",
    },
    tags=["v1.2.2"],
    derived={
        "release_workflow": "pypi-package.yml",
        "release_trigger": "release",
        "tag_pattern": "v*",
        "pypi_environment": "release-pypi",
        "testpypi": True,
        "testpypi_environment": "release-test-pypi",
        "zizmor": "own",
    },
)

# A project versioned from git tags (hatch-vcs) that publishes with trusted publishing from
# `release.yml`, with a docs workflow and a release document of its own.
HATCH_VCS = Layout(
    name="hatch-vcs",
    files={
        **package_files("vcs-pkg", HATCH_VCS_PYPROJECT),
        "RELEASING.md": "# Releasing vcs-pkg\n\nTag, push, wait: our own notes.\n",
        ".github/workflows/docs.yml": """\
name: Docs
on:
  push:
    branches: [main]
jobs:
  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run nox -s docs
""",
        ".github/workflows/release.yml": """\
name: Release
on:
  release:
    types: [published]
jobs:
  dist:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          fetch-depth: 0
      - run: pipx run build
      - uses: actions/upload-artifact@v4
        with:
          path: dist/*
  publish:
    needs: [dist]
    runs-on: ubuntu-latest
    environment: pypi
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@v4
        with:
          name: artifact
          path: dist
      - uses: pypa/gh-action-pypi-publish@release/v1
""",
    },
    tags=["v1.2.2"],
    derived={
        "release_workflow": "release.yml",
        "release_trigger": "release",
        "tag_pattern": "v*",
        "pypi_environment": "pypi",
        "testpypi": False,
        "releasing_doc": ".github/RELEASING.md",
        "zizmor": "release",
    },
)

LAYOUTS = {layout.name: layout for layout in (TOKEN_PUBLISHER, TRUSTED_WITH_TESTPYPI, HATCH_VCS)}


# A stand-in for scientific-python/cookie: a Copier template, made here as a git repository at a
# path that ends in scientific-python/cookie (as its answers file records it), whose projects get
# a `cd.yml` that builds on pull requests and publishes from the `pypi` environment on a
# published release, a grouped Dependabot config with a 7-day cooldown, and zizmor settings.
COOKIE_FILES = {
    "copier.yml": """\
project_name:
  type: str
  help: The name of your project
org:
  type: str
  help: Your GitHub organisation
_subdirectory: project
""",
    "project/{{ _copier_conf.answers_file }}.jinja": (
        "# Changes here will be overwritten by Copier\n{{ _copier_answers | to_nice_yaml }}"
    ),
    "project/pyproject.toml.jinja": HATCH_VCS_PYPROJECT.replace(
        "{name}", "{{ project_name }}"
    ).replace("{package}", "{{ project_name | replace('-', '_') }}"),
    "project/src/{{ project_name | replace('-', '_') }}/__init__.py.jinja": (
        '"""{{ project_name }}."""\n'
    ),
    "project/README.md.jinja": "# {{ project_name }}\n\nMade from the cookie stand-in.\n",
    "project/.github/workflows/ci.yml": TESTS_WORKFLOW,
    "project/.github/workflows/cd.yml": """\
name: CD

on:
  workflow_dispatch:
  pull_request:
  push:
    branches:
      - main
  release:
    types:
      - published

permissions: {}

jobs:
  dist:
    name: Distribution build
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v6
        with:
          persist-credentials: false
          fetch-depth: 0
      - uses: hynek/build-and-inspect-python-package@v2

  publish:
    needs: [dist]
    name: Publish to PyPI
    environment: pypi
    permissions:
      id-token: write
      attestations: write
    runs-on: ubuntu-latest
    if: github.event_name == 'release' && github.event.action == 'published'
    steps:
      - uses: actions/download-artifact@v7
        with:
          name: Packages
          path: dist
      - uses: pypa/gh-action-pypi-publish@release/v1
""",
    "project/.github/dependabot.yml": """\
version: 2
updates:
  # Keep the actions current
  - package-ecosystem: "github-actions"
    directory: "/"
    schedule:
      interval: "weekly"
    cooldown:
      default-days: 7
    groups:
      actions:
        patterns:
          - "*"
""",
    "project/.github/zizmor.yml": """\
rules:
  unpinned-uses:
    config:
      policies:
        "*": ref-pin
""",
}

#: What the stand-in's next version changes: the files a template update brings.
COOKIE_NEXT = {
    "project/.github/workflows/cd.yml": ("actions/checkout@v6", "actions/checkout@v7"),
    "project/.github/workflows/ci.yml": ('python-version: "3.12"', 'python-version: "3.13"'),
    "project/.github/dependabot.yml": (
        "    groups:\n",
        "    # One pull request for all action updates\n    groups:\n",
    ),
    "project/README.md.jinja": ("Made from", "Made, and kept current, from"),
}


class CookieStandIn:
    """The stand-in template's versions: `release("v1")`, `advance()`, `release("v2")`."""

    def __init__(self, root: Path) -> None:
        self.path = root / "scientific-python" / "cookie"
        self.path.mkdir(parents=True)
        for relative, text in COOKIE_FILES.items():
            (self.path / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.path / relative).write_text(text)
        git("init", "-q", "-b", "main", cwd=self.path)

    def release(self, tag: str) -> None:
        git("add", "-A", cwd=self.path)
        git("commit", "-q", "--allow-empty", "-m", tag, cwd=self.path)
        git("tag", tag, cwd=self.path)

    def advance(self) -> None:
        for relative, (old, new) in COOKIE_NEXT.items():
            file = self.path / relative
            assert old in file.read_text(), (relative, old)
            file.write_text(file.read_text().replace(old, new))
