"""The edits adoption makes to the project's own files (src/hardened_release/edits.py), as
plain functions over text and small folders: comments survive, the results pass actionlint."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from shapes import REPOS

from hardened_release import edits, workflows

from helpers import git
from test_lint import YAMLLINT_CONFIG, check, tool

CI = """\
# Lint, test, build; publish a tag.
name: CI
on:
  push:
    tags: ["v*"]
  pull_request:
jobs:
  lint:
    runs-on: ubuntu-latest
    steps:
    - run: echo lint  # the project's own sequence layout
  tests:
    needs: lint
    runs-on: ubuntu-latest
    steps:
    - run: echo test
  build:
    needs: [lint, tests]  # packaged only when tested
    runs-on: ubuntu-latest
    steps:
    - run: echo build
  publish:
    needs: build
    runs-on: ubuntu-latest
    steps:
    - run: echo publish
  github-release:
    needs:
    - publish
    runs-on: ubuntu-latest
    steps:
    - run: echo release
  status:
    needs:
    - tests
    - github-release
    runs-on: ubuntu-latest
    steps:
    - run: echo status
  after:
    needs: publish
    runs-on: ubuntu-latest
    steps:
    - run: echo after
"""


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return tmp_path


def actionlint(root: Path) -> None:
    """actionlint, with shellcheck, over a folder's workflows, as the project's CI runs it."""
    git("init", "-q", cwd=root)  # actionlint finds local reusable workflows from the git root
    files = sorted(str(p.relative_to(root)) for p in (root / ".github/workflows").glob("*.y*ml"))
    output = check(tool("actionlint"), "-shellcheck", tool("shellcheck"), *files, cwd=root)
    assert output.strip() == ""


def test_removing_jobs_mends_the_needs_around_them(tmp_path: Path) -> None:
    root = folder(tmp_path, {".github/workflows/ci.yml": CI})
    edit = edits.RemoveJobs(".github/workflows/ci.yml", ("publish", "github-release"), "why")
    assert edit.apply(root) == (
        ".github/workflows/ci.yml: removed jobs publish, github-release (why); the needs: of "
        "status, after now name what it needed."
    )
    text = (root / ".github/workflows/ci.yml").read_text()
    jobs = yaml.safe_load(text)["jobs"]
    assert list(jobs) == ["lint", "tests", "build", "status", "after"]
    assert jobs["status"]["needs"] == ["tests", "build"], "through both removed jobs, once each"
    assert jobs["after"]["needs"] == "build", "a string stays a string"
    assert jobs["build"]["needs"] == ["lint", "tests"]
    # Comments, flow lists and the project's own layout survive; only the removed jobs go.
    assert "# Lint, test, build; publish a tag." in text
    assert "    needs: [lint, tests]  # packaged only when tested\n" in text
    assert "    - run: echo lint  # the project's own sequence layout\n" in text
    assert "    needs:\n    - tests\n    - build\n" in text, "a block list stays one"
    kept = [line for line in CI.splitlines() if "publish" not in line and "release" not in line]
    assert set(kept) - set(text.splitlines()) <= {
        "    - github-release",
        "    needs: publish",
        "  publish:",
    }


def test_a_job_whose_only_need_is_removed_loses_its_needs(tmp_path: Path) -> None:
    text = (
        "on: push\njobs:\n  a:\n    runs-on: x\n    steps: []\n"
        "  b:\n    needs: a\n    runs-on: x\n    steps: []\n"
    )
    root = folder(tmp_path, {".github/workflows/w.yml": text})
    edits.RemoveJobs(".github/workflows/w.yml", ("a",), "why").apply(root)
    assert (root / ".github/workflows/w.yml").read_text() == (
        "on: push\njobs:\n  b:\n    runs-on: x\n    steps: []\n"
    )


def test_the_ci_shape_after_its_edits_passes_actionlint(tmp_path: Path) -> None:
    root = tmp_path / "ci"
    shutil.copytree(REPOS / "ci-publishes", root)
    before = (root / ".github/workflows/ci.yml").read_text()
    edits.RemoveJobs(".github/workflows/ci.yml", ("publish",), "why").apply(root)
    edits.WidenPaths(".github/workflows/zizmor.yml", (".github/workflows/release.yml",)).apply(root)
    after = (root / ".github/workflows/ci.yml").read_text()
    header = "# Lint, test and build every change; publish a tagged commit.\nname: CI\n"
    assert before.startswith(header) and after.startswith(header)  # the header comment stays
    assert "  # The one check branch protection requires.\n  all-green:" in after
    assert "needs: [tests, build]" in after
    actionlint(root)
    check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, ".github/workflows", cwd=root)


def test_deleting_a_workflow(tmp_path: Path) -> None:
    root = folder(tmp_path, {".github/workflows/cd.yml": "on: push\n"})
    line = edits.DeleteWorkflow(".github/workflows/cd.yml", "release.yml does it").apply(root)
    assert line == ".github/workflows/cd.yml: deleted (release.yml does it)."
    assert not (root / ".github/workflows/cd.yml").exists()


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        (".github/workflows/*.yml", ".github/workflows/release.yml", True),
        (".github/workflows/*", ".github/workflows/release.yml", True),
        (".github/**", ".github/workflows/release.yml", True),
        ("**.yml", ".github/workflows/release.yml", True),
        ("**/*.yml", "release.yml", True),
        (".github/*", ".github/workflows/release.yml", False),
        (".github/workflows/ci.yml", ".github/workflows/release.yml", False),
        (".github/workflows/[rc]*.yml", ".github/workflows/release.yml", True),
        # `?` and `+` repeat the character before them, as GitHub's cheat sheet says.
        ("**/*.yaml?", ".github/workflows/publish.yaml", True),
        ("**/*.yaml?", ".github/workflows/publish.yam", True),
        ("**/*.yaml?", ".github/dependabot.yml", False),
        ("**/*.ya?ml", ".github/dependabot.yml", True),
        ("docs/v1+.md", "docs/v111.md", True),
        ("docs/v1+.md", "docs/v.md", False),
    ],
)
def test_a_paths_filter_pattern(pattern: str, path: str, matches: bool) -> None:
    assert edits.glob_matches(pattern, path) is matches


def test_a_paths_filter_with_exclusions() -> None:
    filters = [".github/**", "!.github/workflows/release.yml"]
    assert not edits.filter_sees(filters, ".github/workflows/release.yml")
    assert edits.filter_sees(filters, ".github/dependabot.yml")


ZIZMOR = """\
name: zizmor  # our audit
on:
  push:
    branches: [main]
    paths: [".github/**"]
  pull_request:
    paths:
      - ".github/workflows/ci.yml"  # the CI
      - "!.github/workflows/release.yml"
jobs:
  zizmor:
    runs-on: ubuntu-latest
    steps:
      - run: pipx run zizmor .github
"""


def test_a_kept_zizmor_workflow_sees_the_new_files(tmp_path: Path) -> None:
    root = folder(tmp_path, {".github/workflows/zizmor.yml": ZIZMOR})
    files = (".github/workflows/release.yml", ".github/dependabot.yml")
    widen = edits.WidenPaths(".github/workflows/zizmor.yml", files)
    assert widen.missing(workflows.round_trip().load(ZIZMOR)) == {"pull_request": list(files)}
    assert widen.apply(root) == (
        ".github/workflows/zizmor.yml: its paths: filter (pull_request) now also sees "
        ".github/dependabot.yml, .github/workflows/release.yml, so that it audits the new files."
    )
    text = (root / ".github/workflows/zizmor.yml").read_text()
    filters = yaml.safe_load(text)[True]["pull_request"]["paths"]
    assert filters[-2:] == list(files), "after an exclusion, so that they win"
    assert all(edits.filter_sees(filters, f) for f in files)
    assert "name: zizmor  # our audit" in text and '"  # the CI' in text
    assert yaml.safe_load(text)[True]["push"] == {"branches": ["main"], "paths": [".github/**"]}
    assert widen.apply(root).endswith(
        "already see .github/workflows/release.yml, .github/dependabot.yml."
    )
    actionlint(root)


TEMPLATE_DEPENDABOT = """\
# Keeps the SHA-pinned actions and the release workflow's build tools current.
version: 2
updates:
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: weekly
    # Propose an action release only once it is 7 days old.
    cooldown:
      default-days: 7
    # All action updates in one pull request, reviewed together.
    groups:
      github-actions:
        patterns:
          - "*"
  # The release workflow's build tools, pinned by hash in .github/release-requirements.txt.
  - package-ecosystem: pip
    directory: /.github
    schedule:
      interval: weekly
    cooldown:
      default-days: 7
    groups:
      release-tools:
        patterns:
          - "*"
"""

PROJECT_DEPENDABOT = """\
# The project's own Dependabot setup.
version: 2
registries:
  internal:
    type: python-index
    url: https://pypi.example.org/simple
updates:
  - package-ecosystem: pip  # the library's own
    directory: /
    schedule:
      interval: daily
      time: "05:00"
    labels: [dependencies, python]
  - package-ecosystem: github-actions
    directory: /
    schedule:
      interval: monthly
    labels: [ci]
    cooldown:
      default-days: 3
    commit-message:
      prefix: ci
  - package-ecosystem: npm
    directory: /docs
    schedule:
      interval: weekly
"""


def test_dependabot_gains_what_it_lacks_and_keeps_the_rest() -> None:
    merged = edits.merge_dependabot(PROJECT_DEPENDABOT, TEMPLATE_DEPENDABOT)
    theirs, ours = yaml.safe_load(PROJECT_DEPENDABOT), yaml.safe_load(merged)
    assert ours["registries"] == theirs["registries"]
    assert [u["package-ecosystem"] for u in ours["updates"]] == [
        "pip",
        "github-actions",
        "npm",
        "pip",
    ]
    assert ours["updates"][0] == theirs["updates"][0]
    assert ours["updates"][2] == theirs["updates"][2]
    actions = ours["updates"][1]
    assert actions["schedule"] == {"interval": "monthly"}, "the project's schedule stays"
    assert actions["labels"] == ["ci"] and actions["commit-message"] == {"prefix": "ci"}
    assert actions["cooldown"] == {"default-days": 7}, "raised to the template's"
    assert actions["groups"] == {"github-actions": {"patterns": ["*"]}}
    assert ours["updates"][3] == yaml.safe_load(TEMPLATE_DEPENDABOT)["updates"][1]
    for comment in ("# The project's own Dependabot setup.", "pip  # the library's own"):
        assert comment in merged
    assert "  # The release workflow's build tools, pinned by hash" in merged
    assert merged.count("Propose an action release") == 0, "no stray template comment"
    assert merged.startswith(PROJECT_DEPENDABOT.split("  - package-ecosystem: github")[0])


def test_a_longer_cooldown_and_the_projects_groups_stay() -> None:
    config = PROJECT_DEPENDABOT.replace("default-days: 3", "default-days: 30").replace(
        "    commit-message:",
        "    groups:\n      all:\n        patterns: ['*']\n    commit-message:",
    )
    merged = edits.merge_dependabot(config, TEMPLATE_DEPENDABOT)
    actions = yaml.safe_load(merged)["updates"][1]
    assert actions["cooldown"] == {"default-days": 30}
    assert actions["groups"] == {"all": {"patterns": ["*"]}}
    assert merged.startswith(config.rstrip("\n")), "only the pip entry is added, at the end"


def test_a_config_that_lacks_nothing_is_kept_byte_for_byte() -> None:
    config = (
        "# Ours.\nversion: 2\nupdates:\n"
        "- package-ecosystem: github-actions  # every workflow's actions\n"
        "  directories: [/, /pins]\n  schedule: {interval: weekly}\n"
        "  groups:\n    actions:\n      patterns: ['*']\n"
        "  cooldown:\n    default-days: 14\n"
        "- package-ecosystem: pip\n  directory: .github\n  schedule: {interval: monthly}\n"
        "  groups: {tools: {patterns: ['*']}}\n  cooldown: {default-days: 9}\n"
    )
    assert edits.merge_dependabot(config, TEMPLATE_DEPENDABOT) == config
    assert edits.merge_dependabot(TEMPLATE_DEPENDABOT, TEMPLATE_DEPENDABOT) == TEMPLATE_DEPENDABOT


def test_a_config_without_updates_gets_the_templates() -> None:
    merged = edits.merge_dependabot("version: 2  # ours\n", TEMPLATE_DEPENDABOT)
    assert merged.startswith("version: 2  # ours\nupdates:\n  - package-ecosystem: github")
    assert yaml.safe_load(merged)["updates"] == yaml.safe_load(TEMPLATE_DEPENDABOT)["updates"]


def test_the_merged_config_passes_the_checkers(tmp_path: Path) -> None:
    path = tmp_path / "dependabot.yml"
    path.write_text(edits.merge_dependabot(PROJECT_DEPENDABOT, TEMPLATE_DEPENDABOT))
    check(tool("yamllint"), "--strict", "-c", YAMLLINT_CONFIG, path, cwd=tmp_path)
    check(tool("check-jsonschema"), "--builtin-schema", "vendor.dependabot", path, cwd=tmp_path)


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("jobs:\n  a:\n    steps:\n      - run: x\n", (2, 4, 2)),
        ("jobs:\n  a:\n    steps:\n    - run: x\n", (2, 2, 0)),
        ("jobs:\n    a:\n        steps:\n            - run: x\n", (4, 6, 4)),
        ("on: push\n", (2, 4, 2)),
    ],
)
def test_the_layout_of_a_yaml_text(text: str, layout: tuple[int, int, int]) -> None:
    assert workflows.layout(text) == layout


def test_cutting_jobs_takes_their_comments_and_leaves_the_next_ones() -> None:
    text = (
        "on: push\n"
        "jobs:\n"
        "  # Tests.\n"
        "  test:\n"
        "    runs-on: x\n"
        "\n"
        "  # Publishes the tag.\n"
        "  'publish':\n"
        "    runs-on: x\n"
        "    steps:\n"
        "      # the upload\n"
        "      - run: twine upload dist/*\n"
        "\n"
        "  # Says it is done.\n"
        "  done:\n"
        "    runs-on: x\n"
        "\n"
        "  # Last.\n"
        "  last:\n"
        "    runs-on: x\n"
        "# The end.\n"
    )
    assert edits.cut_jobs(text, ["publish"]) == text.replace(
        "  # Publishes the tag.\n  'publish':\n    runs-on: x\n    steps:\n"
        "      # the upload\n      - run: twine upload dist/*\n\n",
        "",
    )
    assert edits.cut_jobs(text, ["last"]) == text.replace(
        "\n  # Last.\n  last:\n    runs-on: x\n", ""
    )
    assert edits.cut_jobs(text, ["nothing"]) == text


def test_a_flow_list_of_updates_gains_the_entries_too() -> None:
    config = (
        "version: 2\nupdates: [{package-ecosystem: npm, directory: /, "
        "schedule: {interval: weekly}}]\n"
    )
    merged = edits.merge_dependabot(config, TEMPLATE_DEPENDABOT)
    updates = yaml.safe_load(merged)["updates"]
    assert [u["package-ecosystem"] for u in updates] == ["npm", "github-actions", "pip"]
    assert updates[1:] == yaml.safe_load(TEMPLATE_DEPENDABOT)["updates"]


@pytest.mark.parametrize(
    ("written", "added"),
    [
        ('      - ".github/workflows/ci.yml"\n', '      - ".github/workflows/release.yml"\n'),
        ("      - '.github/workflows/ci.yml'  # CI\n", "      - '.github/workflows/release.yml'\n"),
        ("      - .github/workflows/ci.yml\n", "      - .github/workflows/release.yml\n"),
    ],
)
def test_widened_paths_are_written_as_the_projects_are(
    tmp_path: Path, written: str, added: str
) -> None:
    text = (
        f"on:\n  pull_request:\n    paths:\n{written}\n# The audit.\njobs:\n  z:\n    runs-on: x\n"
    )
    root = folder(tmp_path, {".github/workflows/z.yml": text})
    edits.WidenPaths(".github/workflows/z.yml", (".github/workflows/release.yml",)).apply(root)
    assert (root / ".github/workflows/z.yml").read_text() == text.replace(written, written + added)
