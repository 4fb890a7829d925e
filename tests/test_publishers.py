"""What adoption decides about a project's workflows (src/hardened_release/publishers.py),
over the repositories of tests/fixtures/repos/ and small workflows written here."""

from __future__ import annotations

from collections import Counter

import pytest
from shapes import project, shapes

from hardened_release import publishers
from hardened_release.publishers import FATES, Plan


def outcomes(plan: Plan) -> dict[tuple[str, str, str | None], tuple[str, str]]:
    return {(o.workflow, o.job, o.step): (o.fate, o.detail) for o in plan.outcomes}


@pytest.mark.parametrize("shape", shapes())
def test_every_old_job_and_step_has_exactly_one_outcome(shape: str) -> None:
    found = project(shape)
    plan = publishers.plan(found)
    publishing = {o.workflow for o in plan.outcomes}
    expected = Counter(
        (w.file, job.id, step)
        for w in found.workflows
        if w.file in publishing
        for job in w.jobs.values()
        for step in [None, *(s.name for s in job.steps)]
    )
    assert Counter((o.workflow, o.job, o.step) for o in plan.outcomes) == expected
    assert all(o.fate in FATES and o.detail for o in plan.outcomes)


def test_a_dedicated_trusted_publisher_keeps_its_identity() -> None:
    plan = publishers.plan(project("trusted-publisher"))
    assert plan.answers == {
        "release_workflow": "publish.yml",
        "release_trigger": "release",
        "pypi_environment": "pypi",
        "testpypi": False,
        "tag_pattern": "v*",
        "zizmor": "release",
    }
    found = outcomes(plan)
    assert found["publish.yml", "pypi", None] == ("done by the release workflow", "publish job")
    assert found["publish.yml", "build", "Build the sdist and wheel"] == (
        "done by the release workflow",
        "build job",
    )
    assert found["publish.yml", "pypi", "Publish to PyPI"][1] == "publish job"
    assert plan.edits == [], "the release workflow takes publish.yml's place"
    assert plan.steps_left[0] == (
        "PyPI: nothing to change: the trusted publisher of inkwell names publish.yml and the "
        "environment pypi, as before."
    )
    assert not any(
        "remove" in step or "environment pypi is no longer" in step for step in plan.steps_left
    )
