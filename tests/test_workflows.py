"""The one reader of workflow files (src/hardened_release/workflows.py), over workflow data."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardened_release import workflows

PUBLISH = """\
# Publishes on a tag.
name: publish
on: [push, workflow_dispatch]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4  # the code
      - run: python -m build
  upload:
    needs: build
    environment:
      name: pypi
    steps:
      - name: Upload
        run: twine upload dist/*
        env:
          TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}
  call:
    uses: ./.github/workflows/reusable.yml
    secrets: inherit
"""


def write(root: Path, name: str, text: str) -> None:
    (root / ".github/workflows").mkdir(parents=True, exist_ok=True)
    (root / ".github/workflows" / name).write_text(text)


def test_reads_every_workflow_file_of_either_suffix(tmp_path: Path) -> None:
    for index in range(35):
        write(tmp_path, f"w{index:02}.yml" if index % 2 else f"w{index:02}.yaml", "on: push\n")
    (tmp_path / ".github/workflows/notes.txt").write_text("not a workflow")
    found = workflows.read_all(tmp_path)
    assert [w.file for w in found] == sorted(
        f"w{i:02}.yml" if i % 2 else f"w{i:02}.yaml" for i in range(35)
    )
    assert found[0].path == Path(".github/workflows/w00.yaml")


def test_jobs_steps_triggers_and_secrets(tmp_path: Path) -> None:
    write(tmp_path, "publish.yml", PUBLISH)
    (workflow,) = workflows.read_all(tmp_path)
    assert workflow.triggers == {"push": None, "workflow_dispatch": None}
    assert not workflow.reusable
    jobs = workflow.jobs
    assert list(jobs) == ["build", "upload", "call"]
    assert jobs["upload"].needs == ("build",)
    assert jobs["upload"].environment == "pypi"
    assert jobs["upload"].secrets == ["PYPI_TOKEN"]
    assert jobs["call"].calls == "./.github/workflows/reusable.yml"
    assert jobs["call"].secrets == ["(all, inherited)"]
    checkout, build = jobs["build"].steps
    assert (checkout.action, checkout.ref, checkout.name) == (
        "actions/checkout",
        "v4",
        "Run actions/checkout@v4",
    )
    assert build.name == "Run python -m build"
    assert jobs["upload"].steps[0].name == "Upload"


def test_an_edit_keeps_comments_and_layout(tmp_path: Path) -> None:
    write(tmp_path, "publish.yml", PUBLISH)
    (workflow,) = workflows.read_all(tmp_path)
    assert workflow.dump() == PUBLISH
    del workflow.data["jobs"]["call"]
    assert workflow.dump() == PUBLISH.split("  call:")[0]


def test_a_file_that_is_not_a_workflow_is_named(tmp_path: Path) -> None:
    write(tmp_path, "broken.yml", "jobs: [\n")
    with pytest.raises(workflows.WorkflowError, match=r"broken.yml is not valid YAML \(line 2\)"):
        workflows.read_all(tmp_path)
    write(tmp_path, "broken.yml", "- a list\n")
    with pytest.raises(workflows.WorkflowError, match=r"broken\.yml is not a workflow"):
        workflows.read_all(tmp_path)


def test_odd_values_read_as_nothing(tmp_path: Path) -> None:
    write(
        tmp_path,
        "odd.yml",
        "on: 5\njobs:\n  a:\n    needs: 3\n    steps: x\n    environment: {}\n"
        "  b:\n    needs: {a: 1}\n    steps:\n      - run: 3\n        with: str\n",
    )
    (workflow,) = workflows.read_all(tmp_path)
    assert workflow.triggers == {}
    a, b = workflow.jobs.values()
    assert (a.needs, a.steps, a.environment, b.needs) == ((), [], None, ())
    (step,) = b.steps
    assert (step.run, step.inputs, step.name) == ("", {}, "step 1")


def test_a_step_pinned_to_a_commit_is_named_by_its_action() -> None:
    sha = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"
    assert workflows.Step(0, {"uses": f"actions/checkout@{sha}"}).name == "Run actions/checkout"
    assert workflows.Step(0, {"uses": "actions/checkout@v4"}).name == "Run actions/checkout@v4"
    assert workflows.Step(1, {"run": "make dist\nmake check"}).name == "Run make dist"
