"""The docs' pictures (docs/_ext): the release flow follows the rendered workflow, whatever its
jobs, and the trust boundaries say what the docs say.

The flow is tested as the functions it is made of, over a rendered workflow's parsed data and
over that data changed (a job added, renamed, a need removed): the picture must change with it.
tests/test_docs_site.py looks at the pictures in a browser.
"""

from __future__ import annotations

import copy
import itertools
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import trust_boundaries
from release_flow import (
    SERVICE,
    START,
    Flow,
    describe_condition,
    downloads,
    flow_of,
    flow_svg,
    layers_of,
    layout,
    matches,
    matrix_line,
    permission_lines,
    plain,
)

from hardened_release.workflows import Job, Workflow, read, round_trip

from helpers import ROOT, release_workflow, words
from variants import VARIANTS

SVG = "{http://www.w3.org/2000/svg}"


def workflow_of(project: Path) -> Workflow:
    path = release_workflow(project)
    return read(project, path.relative_to(project))


def changed(workflow: Workflow, change: Callable[[Any], None]) -> Workflow:
    """The workflow with its parsed data changed by `change`, the file left alone."""
    data = copy.deepcopy(workflow.data)
    change(data)
    return Workflow(workflow.path, workflow.text, data)


def load(text: str) -> Any:
    return round_trip().load(text)


def drawn(flow: Flow) -> ET.Element:
    """The figure's SVG element, parsed."""
    figure = flow_svg(flow, "test", "caption")
    svg = re.search(r"<svg .*</svg>", figure, flags=re.S)
    assert svg, figure
    return ET.fromstring(svg[0])


def texts(svg: ET.Element) -> str:
    """The picture's text, its lines joined with spaces: a wrapped name reads whole."""
    return " ".join(text.text or "" for text in svg.iter(f"{SVG}text"))


def arrows(svg: ET.Element) -> int:
    """The arrows drawn, not those of the legend."""
    classes = [(p.get("class") or "").split() for p in svg.iter(f"{SVG}path")]
    return sum("line" in kinds and "key" not in kinds for kinds in classes)


def needs_of(workflow: Workflow) -> set[tuple[str, str]]:
    return {(need, job.id) for job in workflow.jobs.values() for need in job.needs}


@pytest.fixture(scope="module")
def default(rendered: Callable[[str], Path]) -> Workflow:
    return workflow_of(rendered("default"))


def test_the_flow_has_every_job_and_need_of_the_rendered_workflow(default: Workflow) -> None:
    flow = flow_of(default)
    jobs = default.jobs
    assert {"build", "publish"} <= set(jobs)
    assert {n.id for n in flow.nodes if n.kind == "job"} == set(jobs)
    arrows_between_jobs = {(e.source, e.target) for e in flow.edges if e.kind == "needs"}
    assert arrows_between_jobs == needs_of(default)
    # What starts it: every job that needs no other is started by the release's trigger.
    starts = {e.target for e in flow.edges if e.kind == "starts"}
    assert starts == {ident for ident, job in jobs.items() if not job.needs}
    assert flow.node(START).title == "A GitHub Release is published"


def test_the_publish_job_is_drawn_with_its_gate_permissions_and_services(
    default: Workflow,
) -> None:
    flow = flow_of(default)
    publish = flow.node("publish")
    assert publish.gate == "environment pypi: waits for a reviewer's approval"
    assert {"id-token: write", "attestations: read"} <= set(publish.lines)
    assert {"id-token: write", "attestations: write"} <= set(flow.node("attest").lines)
    assert "only in octo-org/sample, for a published release" in publish.lines
    assert "contents: read" in flow.node("build").lines
    # The distributions go from build to publish, then to PyPI through its trusted publisher.
    assert next(e for e in flow.edges if (e.source, e.target) == ("build", "publish")).label == (
        "dist, output artifact-id"
    )
    pypi = flow.node(SERVICE + "pypi")
    assert pypi.lines == ("accepts trusted publisher: release.yml, environment pypi",)
    to_pypi = next(e for e in flow.edges if e.target == pypi.id)
    assert (to_pypi.source, to_pypi.label) == ("publish", "distributions + PEP 740 attestations")
    assert ("attest", SERVICE + "attestations") in {(e.source, e.target) for e in flow.edges}
    said = " ".join(flow.words)
    assert "waits until a required reviewer approves" in said and "PyPI" in said


def test_a_job_added_to_the_workflow_is_drawn(default: Workflow) -> None:
    """A GitHub Release job after publish, as the template may add: a new box, new arrows,
    and the GitHub Release it writes, with no change to the drawing code."""

    def add(data: Any) -> None:
        data["jobs"]["github-release"] = load(
            """
name: Attach the files to the GitHub Release
needs: [publish]
runs-on: ubuntu-latest
permissions:
  contents: write  # upload the release's files
steps:
  - uses: actions/download-artifact@0000000000000000000000000000000000000000
    with:
      artifact-ids: ${{ needs.build.outputs.artifact-id }}
  - run: gh release upload "$GITHUB_REF_NAME" dist/*
"""
        )

    before, after = flow_of(default), flow_of(changed(default, add))
    new = after.node("github-release")
    assert new.title == "Attach the files to the GitHub Release"
    assert "contents: write" in new.lines
    assert ("publish", "github-release", "needs", "") in {
        (e.source, e.target, e.kind, e.label) for e in after.edges
    }
    # It downloads dist, made by build, which it does not need directly: a dashed hand-off.
    assert ("build", "github-release", "hands", "dist") in {
        (e.source, e.target, e.kind, e.label) for e in after.edges
    }
    assert after.node("github-release").kind == "job"
    assert after.node(SERVICE + "github-release").title == "GitHub Release"
    old_svg, new_svg = drawn(before), drawn(after)
    assert "Attach the files to the GitHub Release" in texts(new_svg)
    assert "Attach the files to the GitHub Release" not in texts(old_svg)
    assert arrows(new_svg) == arrows(old_svg) + 3  # needs, hand-off, and to the GitHub Release
    assert arrows(old_svg) == len(before.edges)
    # The legend explains the dashed hand-off only where there is one.
    assert "an artifact passed on" in texts(new_svg)
    assert "an artifact passed on" not in texts(old_svg)
    boxes = layout(after).boxes
    assert boxes["github-release"].y > boxes["publish"].y + boxes["publish"].height


def test_a_renamed_job_and_a_removed_need_change_the_picture(default: Workflow) -> None:
    def rename(data: Any) -> None:
        jobs = data["jobs"]
        jobs.insert(0, "dists", jobs.pop("build"))
        for job in jobs.values():
            if job.get("needs"):
                job["needs"] = [("dists" if n == "build" else n) for n in job["needs"]]
        jobs["publish"]["needs"] = [n for n in jobs["publish"]["needs"] if n != "preflight"]

    flow = flow_of(changed(default, rename))
    svg_text = texts(drawn(flow))
    assert "job: dists" in svg_text and "job: build" not in svg_text
    assert "job: build" in texts(drawn(flow_of(default)))
    assert ("dists", "publish") in {(e.source, e.target) for e in flow.edges}
    assert ("preflight", "publish") not in {(e.source, e.target) for e in flow.edges}
    assert ("preflight", "publish") in {(e.source, e.target) for e in flow_of(default).edges}


def test_the_cibuildwheel_flow_gathers_the_wheels_and_stages_on_testpypi(
    rendered: Callable[[str], Path],
) -> None:
    name = next(
        name
        for name, answers in VARIANTS.items()
        if answers.get("build_tool") == "cibuildwheel" and answers.get("testpypi") is True
    )
    workflow = workflow_of(rendered(name))
    flow = flow_of(workflow)
    assert {n.id for n in flow.nodes if n.kind == "job"} == set(workflow.jobs)
    testpypi = next(n for n in flow.nodes if n.title == "TestPyPI")
    staging = next(e.source for e in flow.edges if e.target == testpypi.id)
    assert flow.node(staging).gate.startswith("environment testpypi")
    # The wheels of every platform reach the job that gathers them, by the artifacts' pattern.
    gathered = [e for e in flow.edges if e.kind == "needs" and e.label.startswith("dist-")]
    assert {e.label for e in gathered} >= {"dist-wheels-*"}
    assert any(line.endswith("one per os") for line in flow.node("wheels").lines)
    wheels = next(said for said in flow.words if "(wheels)" in said)
    assert "it holds contents: read." in wheels and "one per os" not in wheels
    assert flow.node("wheels").title == "Build wheels on each os"


def test_the_layout_keeps_boxes_apart_and_arrows_downward(default: Workflow) -> None:
    def widen(data: Any) -> None:  # five jobs side by side, one of them far down
        for n in range(5):
            data["jobs"][f"extra-{n}"] = load(
                f"runs-on: ubuntu-latest\nneeds: [{'publish' if n == 4 else 'build'}]\n"
                "steps: [{run: 'true'}]"
            )

    flow = flow_of(changed(default, widen))
    drawing = layout(flow)
    boxes = [b for b in drawing.boxes.values() if b.node is not None]
    for a in boxes:
        assert a.x >= 0 and a.x + a.width <= drawing.width and a.y + a.height <= drawing.height
        for b in boxes:
            if a is not b:
                apart = a.x + a.width <= b.x or b.x + b.width <= a.x
                assert apart or a.y + a.height <= b.y or b.y + b.height <= a.y, (a, b)
    layer = layers_of(flow)
    for edge in flow.edges:
        assert layer[edge.target] > layer[edge.source], edge
    for edge, points in drawing.paths:
        assert all(y1 >= y0 for (_, y0), (_, y1) in itertools.pairwise(points)), edge
    assert_no_crossing_into_boxes(flow)


def assert_no_crossing_into_boxes(flow: Flow) -> None:
    """Arrows into one box enter it in the order they come from: they do not cross there."""
    drawing = layout(flow)
    for target in {edge.target for edge in flow.edges}:
        entering = sorted(
            (points[-1][0], points[-2][0])
            for edge, points in drawing.paths
            if edge.target == target
        )
        froms = [came_from for _, came_from in entering]
        assert froms == sorted(froms), target


def test_arrows_into_a_box_do_not_cross_there(default: Workflow) -> None:
    """As with `workflow_dispatch`: preflight after build, so the arrow from build to publish
    passes beside preflight, and enters publish on that side."""

    def after_build(data: Any) -> None:
        data["jobs"]["preflight"]["needs"] = ["build"]

    assert_no_crossing_into_boxes(flow_of(changed(default, after_build)))


def test_a_cycle_in_needs_does_not_hang_the_drawing(default: Workflow) -> None:
    def loop(data: Any) -> None:
        data["jobs"]["build"]["needs"] = ["publish"]

    layer = layers_of(flow_of(changed(default, loop)))
    assert set(layer) >= {"build", "publish"}


def test_the_svg_is_labelled_for_screen_readers(default: Workflow) -> None:
    flow = flow_of(default)
    figure = flow_svg(flow, "flow-7", "The caption.")
    svg = drawn(flow)
    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert (svg.get("aria-labelledby"), svg.get("aria-describedby")) == ("test-title", "test-desc")
    assert (title.get("id"), desc.get("id")) == ("test-title", "test-desc")
    for ident in default.jobs:
        assert f"({ident})" in (desc.text or "")
    assert "<figcaption>The caption.</figcaption>" in figure
    assert figure.count("<li>") == len(flow.words)
    assert float(svg.get("width") or 0) <= 680 and float(svg.get("height") or 0) > 100


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ("github.event_name == 'release'", "only for a published release"),
        ("${{ github.event_name == 'push' }}", "only for a push"),
        ("needs.build.outputs.publish == 'true'", "only when build's output publish is true"),
        ("always()", "if: always()"),
        (
            "github.repository == 'octo/x' && github.event_name == 'release'",
            "only in octo/x, for a published release",
        ),
        ("github.event_name == 'push' || always()", "if: github.event_name == 'push' || always()"),
        (
            "github.repository_owner == 'octo' && startsWith(github.ref, 'refs/tags/')",
            "only in a repository of octo, on a tag",
        ),
    ],
)
def test_conditions_are_said_in_words(condition: str, said: str) -> None:
    assert describe_condition(condition, {}) == said


def test_a_push_of_tags_only_is_a_tag_push() -> None:
    triggers = {"push": load("tags: ['v*']")}
    assert describe_condition("github.event_name == 'push'", triggers) == "only for a tag push"


def test_names_permissions_matrices_and_artifacts_in_words() -> None:
    assert plain("Build wheels on ${{ matrix.os }}") == "Build wheels on each os"
    job = Job("wheels", load("strategy:\n  matrix:\n    os: [a, b, c]\n    python: ['3.12']\n"))
    assert matrix_line(job) == "3 jobs: one per os by python"
    assert permission_lines(Job("a", load("permissions: {}")), None) == ("no permissions",)
    assert permission_lines(Job("a", load("runs-on: x")), load("{contents: read}")) == (
        "contents: read",
    )
    assert permission_lines(Job("a", load("runs-on: x")), None) == (
        "permissions: the repository's default token",
    )
    gather = Job("build", load("steps:\n  - uses: actions/download-artifact@x\n    with: {}\n"))
    assert downloads(gather) == [("*", "")]
    by_id = Job(
        "publish",
        load(
            "steps:\n  - uses: actions/download-artifact@x\n"
            "    with: {artifact-ids: '${{ needs.build.outputs.artifact-id }}'}\n"
        ),
    )
    assert downloads(by_id) == [("*", "build")]
    assert matches("dist-wheels-*", "dist-*") and not matches("dist", "dist-*")


# The trust boundaries: a table in the extension, kept to what the docs say.


def section(page: str, heading: str) -> str:
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    return words(text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0])


def test_the_trust_boundaries_name_the_docs_controls() -> None:
    """Each control of the picture is one the setup page or the threat model names."""
    docs = words(
        " ".join((ROOT / "docs" / page).read_text() for page in ("setup.md", "threat-model.md"))
    ).lower()
    keys = {
        "branch ruleset": "branch ruleset",
        "CODEOWNERS": "codeowners",
        "zizmor": "zizmor workflow",
        "tag ruleset": "tag ruleset",
        "the workflow stops a run": "the workflow stops a run",
        "preflight": "preflight",
        "required reviewers": "required reviewers",
        "prevent self-review": "prevent self-review",
        "administrator bypass": "administrator bypass",
        "deployment tag rule": "deployment tag rule",
        "trusted publisher": "trusted publisher",
        "GitHub artifact attestations": "github artifact attestation",
    }
    controls = [c for step in trust_boundaries.STEPS for c in step.controls]
    for control in controls:
        key = next((k for k in keys if k in control.name), None)
        assert key, f"{control.name}: which words of the docs say it?"
        assert keys[key] in docs, control.name
    steps = [step.action.split()[0].lower() for step in trust_boundaries.STEPS]
    assert steps == ["push", "create", "start", "approve", "publish"]


def test_what_a_private_repository_on_github_free_lacks_is_what_the_docs_say() -> None:
    private = section("setup.md", "Private repositories and plans")
    threats = words((ROOT / "docs" / "threat-model.md").read_text())
    lacking = trust_boundaries.lacking()
    assert {c.name for c in lacking} >= {"required reviewers", "deployment tag rule"}
    for control in lacking:
        plan = control.private
        assert plan is not None
        said = re.compile(rf"{re.escape(plan.feature)}[^;.]* need {re.escape(plan.plans)}\b")
        assert said.search(private) or said.search(threats), said.pattern
    # Drawn dashed, one for each, and said in words.
    svg = ET.fromstring(
        re.search(r"<svg .*</svg>", trust_boundaries.boundaries_svg("t", "c"), re.S)[0]
    )
    missing = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "missing"]
    assert len(missing) == len(lacking) + 1  # and one in the legend
    said = " ".join(trust_boundaries.words())
    assert said.count("not on a private repository on GitHub Free") == len(lacking)
