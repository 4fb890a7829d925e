"""The release flow as a picture, computed from a rendered release workflow.

Three plain functions, each over plain data, so that the picture follows the workflow:

- `flow_of(workflow)`: the graph model, read from the workflow as parsed by
  `hardened_release.workflows` (the one reader of workflow files): what starts a release, each
  job with what it needs, the condition it runs under, the permissions it holds and the
  environment it waits in; what each job hands to the next (artifacts, outputs); and where the
  outside services come in (PyPI and its trusted publisher, GitHub's attestations, a GitHub
  Release). Nothing here names a job of the template: a job added, renamed or removed in the
  workflow is drawn as it is.
- `layout(flow, width)`: a layered drawing of that graph, top to bottom (each node in the layer
  after the last of its needs; long edges pass through dummy points; orders by barycentres).
- `flow_svg(flow, ident)`: the figure, as inline SVG with its text description.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pictures import (
    MAX_WIDTH,
    SMALL_SIZE,
    TEXT_SIZE,
    svg_figure,
    text_element,
    text_width,
    wrap,
)

from hardened_release.workflows import Job, Workflow, strings

#: Events in a workflow's `on:`, as a release team says what happened.
EVENTS = {
    "release": "a GitHub Release is published",
    "push": "a push",
    "workflow_dispatch": "a maintainer runs it by hand",
    "pull_request": "a pull request",
    "pull_request_target": "a pull request (pull_request_target)",
    "schedule": "its schedule",
    "workflow_call": "another workflow calls it",
}
#: Runs of a workflow, by the event that started them.
RUNS = {
    "release": "a published release",
    "push": "a push",
    "workflow_dispatch": "runs by hand",
    "pull_request": "pull requests",
    "pull_request_target": "pull requests",
    "schedule": "scheduled runs",
    "workflow_call": "calls",
}
PUBLISH_ACTION = "pypa/gh-action-pypi-publish"
ATTEST_ACTIONS = ("actions/attest", "actions/attest-build-provenance")
RELEASE_ACTIONS = ("softprops/action-gh-release", "ncipollo/release-action")
#: The ids of the boxes that are not jobs: a job's id cannot hold a colon.
START = "on:"
SERVICE = "service:"
NEEDS_OUTPUT = re.compile(r"needs\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
EVENT_TEST = re.compile(r"github\.event_name\s*==\s*'([\w-]+)'")
EXPRESSION = re.compile(r"\$\{\{.*?\}\}")
REPOSITORY_TEST = re.compile(r"github\.repository\s*==\s*'([^']*)'")
OWNER_TEST = re.compile(r"github\.repository_owner\s*==\s*'([^']*)'")
TAG_REF_TEST = re.compile(r"startsWith\(\s*github\.ref\s*,\s*'refs/tags/'\s*\)")
NEEDS_OUTPUT_TEST = re.compile(
    r"needs\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)\s*==\s*'([^']*)'"
)


@dataclass(frozen=True)
class Node:
    """A box of the picture: what starts the release, a job, or a service outside GitHub
    Actions; `lines` are its details, `gate` the environment a job waits in."""

    id: str
    kind: str  # "start", "job" or "service"
    title: str
    lines: tuple[str, ...] = ()
    gate: str = ""


@dataclass(frozen=True)
class Edge:
    """An arrow: `needs` (a job waits for another), `hands` (an artifact passed to a job that
    does not need its maker directly), `starts` or `publishes`; `label` is what goes along."""

    source: str
    target: str
    kind: str
    label: str = ""


@dataclass(frozen=True)
class Flow:
    """The graph model of one release workflow, and its description in words."""

    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    words: tuple[str, ...] = field(default=())

    def node(self, ident: str) -> Node:
        return next(node for node in self.nodes if node.id == ident)


def permission_lines(job: Job, default: Any) -> tuple[str, ...]:
    """The permissions a job holds, one `scope: level` a line; the workflow's when it has none."""
    permissions = job.permissions if job.permissions is not None else default
    if permissions is None:
        return ("permissions: the repository's default token",)
    if isinstance(permissions, str):
        return (f"permissions: {permissions}",)
    if not permissions:
        return ("no permissions",)
    return tuple(f"{scope}: {level}" for scope, level in permissions.items())


def publishing_events(workflow: Workflow) -> list[str]:
    """The events a release starts from: those the jobs with an environment test for, else
    every event but pull requests."""
    tested = {
        event
        for job in workflow.jobs.values()
        if job.environment
        for event in EVENT_TEST.findall(job.condition)
    }
    events = [event for event in workflow.triggers if event in tested]
    return events or [e for e in workflow.triggers if not e.startswith("pull_request")]


def describe_event(event: str, settings: Any) -> str:
    if event == "push" and isinstance(settings, Mapping) and settings.get("tags"):
        return "a push of a tag " + ", ".join(str(tag) for tag in settings["tags"])
    if event == "release" and isinstance(settings, Mapping) and settings.get("types"):
        types = [str(kind) for kind in settings["types"]]
        if types == ["published"]:
            return EVENTS["release"]
        return "a GitHub Release is " + " or ".join(types)
    return EVENTS.get(event, event)


def describe_condition(condition: str, triggers: Mapping[str, Any]) -> str:
    """A job's `if:` as a reader says it."""
    condition = " ".join(EXPRESSION.sub(lambda m: m[0][3:-2].strip(), condition).split())
    if "||" not in condition:
        parts = [say_test(unwrapped(part), triggers) for part in condition.split("&&")]
        if all(parts):
            return "only " + ", ".join(parts)
    return f"if: {condition}"


def unwrapped(test: str) -> str:
    """A test without the parentheses around it."""
    test = test.strip()
    while test.startswith("(") and test.endswith(")"):
        test = test[1:-1].strip()
    return test


def say_test(test: str, triggers: Mapping[str, Any]) -> str:
    """One test of an `if:` in words, or "" if it is none this knows."""
    if event := EVENT_TEST.fullmatch(test):
        push = triggers.get("push")
        if event[1] == "push" and isinstance(push, Mapping) and set(push) == {"tags"}:
            return "for a tag push"
        return "for " + RUNS.get(event[1], event[1])
    if output := NEEDS_OUTPUT_TEST.fullmatch(test):
        return f"when {output[1]}'s output {output[2]} is {output[3]}"
    if repository := REPOSITORY_TEST.fullmatch(test):
        return f"in {repository[1]}"
    if owner := OWNER_TEST.fullmatch(test):
        return f"in a repository of {owner[1]}"
    if TAG_REF_TEST.fullmatch(test):
        return "on a tag"
    return ""


def plain(text: str) -> str:
    """A name with expressions in it as a reader says them: `${{ matrix.os }}`: each os."""

    def say(match: re.Match[str]) -> str:
        inner = match[0][3:-2].strip()
        return "each " + inner.removeprefix("matrix.") if inner.startswith("matrix.") else inner

    return EXPRESSION.sub(say, text)


def artifact_pattern(name: str) -> str:
    """An artifact's name, with each expression in it (a matrix value) as `*`."""
    return EXPRESSION.sub("*", name)


def uploads(job: Job) -> list[str]:
    return [
        artifact_pattern(str(step.inputs.get("name", "artifact")))
        for step in job.steps
        if step.action == "actions/upload-artifact"
    ]


def downloads(job: Job) -> list[tuple[str, str]]:
    """What a job downloads: (artifact name or pattern, the job that made it, or "" for any).
    By `artifact-ids` from a job's output, every artifact of that job; with neither a name, a
    pattern nor ids, every artifact (`*`)."""
    found = []
    for step in job.steps:
        if step.action != "actions/download-artifact":
            continue
        ids = str(step.inputs.get("artifact-ids") or "")
        if ids:
            found += [("*", maker) for maker, _ in NEEDS_OUTPUT.findall(ids)]
            continue
        wanted = step.inputs.get("name") or step.inputs.get("pattern") or "*"
        found.append((artifact_pattern(str(wanted)), ""))
    return found


def matches(made: str, wanted: str) -> bool:
    return made == wanted or fnmatch.fnmatchcase(made, wanted) or fnmatch.fnmatchcase(wanted, made)


def matrix_line(job: Job) -> str:
    """`one job per os: a, b, c` for a job with a matrix of lists."""
    strategy = job.data.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, Mapping) else None
    if not isinstance(matrix, Mapping):
        return ""
    axes = [
        (key, values)
        for key, values in matrix.items()
        if key not in ("include", "exclude") and isinstance(values, list)
    ]
    if not axes:
        return "a job per matrix entry"
    count = 1
    for _, values in axes:
        count *= len(values)
    return f"{count} jobs: one per " + " by ".join(key for key, _ in axes)


@dataclass
class Services:
    """Where the outside world comes in, as found in one job's steps."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    words: list[str] = field(default_factory=list)


def services_of(job: Job, workflow: Workflow, services: Services) -> None:
    """The services a job's steps reach: PyPI or TestPyPI (and whether through a trusted
    publisher), GitHub's artifact attestations, a GitHub Release."""
    permissions = job.permissions if isinstance(job.permissions, Mapping) else {}
    trusted = permissions.get("id-token") == "write"
    for step in job.steps:
        index = None
        text = step.run
        if step.action == PUBLISH_ACTION:
            url = str(step.inputs.get("repository-url", ""))
            index = "TestPyPI" if "test.pypi.org" in url else "PyPI"
            pep740 = str(step.inputs.get("attestations", "true")).lower() != "false" and trusted
        elif re.search(r"\b(twine upload|uv publish|flit publish|hatch publish)\b", text):
            index = "TestPyPI" if "test.pypi.org" in text or "testpypi" in text else "PyPI"
            pep740 = False
        if index:
            ident = SERVICE + index.lower()
            publisher = (
                f"trusted publisher: {workflow.file}, environment {job.environment}"
                if trusted and job.environment
                else f"trusted publisher: {workflow.file}"
                if trusted
                else "an API token"
            )
            services.nodes[ident] = Node(ident, "service", index, (f"accepts {publisher}",))
            handed = "distributions + PEP 740 attestations" if pep740 else "distributions"
            services.edges.append(Edge(job.id, ident, "publishes", handed))
            services.words.append(
                f"It uploads the {handed} to {index}, which accepts them from {publisher}"
                + (" with a token that lives for minutes." if trusted else ".")
            )
        if step.action in ATTEST_ACTIONS:
            subject = step.inputs.get("subject-path") or step.inputs.get("subject-name") or ""
            services.nodes[SERVICE + "attestations"] = Node(
                SERVICE + "attestations",
                "service",
                "GitHub attestations",
                ("signed provenance,", "checked by gh attestation verify"),
            )
            label = f"provenance of {subject}" if subject else "provenance"
            services.edges.append(Edge(job.id, SERVICE + "attestations", "publishes", label))
            services.words.append(
                f"It stores GitHub artifact attestations ({label}), signed for this workflow."
            )
        if step.action in RELEASE_ACTIONS or re.search(r"\bgh release (create|upload)\b", text):
            ident = SERVICE + "github-release"
            services.nodes[ident] = Node(
                ident, "service", "GitHub Release", ("the release page and its files",)
            )
            services.edges.append(Edge(job.id, ident, "publishes", "files"))
            services.words.append("It writes the GitHub Release and its files.")


def start_of(workflow: Workflow) -> tuple[Node, str]:
    """The box of what starts a release, and the sentence that says it."""
    triggers = workflow.triggers
    events = publishing_events(workflow)
    started = " or ".join(describe_event(e, triggers.get(e)) for e in events) or "it is started"
    others = [e for e in triggers if e not in events]
    built = ", ".join(dict.fromkeys(RUNS.get(event, event) for event in others))
    lines = ["and the release starts"] + ([f"({built} only build)"] if others else [])
    node = Node(START, "start", started[:1].upper() + started[1:], tuple(lines))
    said = f"The {workflow.file} workflow starts a release when {started}"
    return node, said + (f"; {built} only build, without publishing." if others else ".")


def job_node(job: Job, triggers: Mapping[str, Any], default: Any) -> Node:
    """A job's box: its name, id, matrix, condition, permissions and environment."""
    lines = [f"job: {job.id}"] if job.name != job.id else []
    if matrix := matrix_line(job):
        lines.append(matrix)
    if job.condition:
        lines.append(describe_condition(job.condition, triggers))
    lines += permission_lines(job, default)
    gate = f"environment {job.environment}: waits for a reviewer's approval"
    return Node(job.id, "job", plain(job.name), tuple(lines), gate if job.environment else "")


def arrows_into(job: Job, jobs: Mapping[str, Job], made: Mapping[str, list[str]]) -> list[Edge]:
    """The arrows into a job: from the trigger, or from each job it needs, labelled with the
    artifacts and outputs it takes from that job; and a dashed one from each other job whose
    artifacts it downloads."""
    needs = [need for need in job.needs if need in jobs]
    outputs: dict[str, set[str]] = {}
    for source, output in NEEDS_OUTPUT.findall(" ".join(strings(job.data))):
        outputs.setdefault(source, set()).add(output)
    handed: dict[str, list[str]] = {}
    for wanted, made_by in downloads(job):
        for maker, names in made.items():
            for name in names:
                if maker != job.id and made_by in ("", maker) and matches(name, wanted):
                    handed.setdefault(maker, []).append(name)
    edges = [] if needs else [Edge(START, job.id, "starts")]
    for need in needs:
        label = [*dict.fromkeys(handed.pop(need, []))]
        label += [f"output {output}" for output in sorted(outputs.get(need, ()))]
        edges.append(Edge(need, job.id, "needs", ", ".join(label)))
    for maker, names in handed.items():
        edges.append(Edge(maker, job.id, "hands", ", ".join(dict.fromkeys(names))))
    return edges


def job_words(
    job: Job, node: Node, edges: list[Edge], triggers: Mapping[str, Any], default: Any
) -> str:
    """What a job does, in words."""
    needs = [e.source for e in edges if e.kind == "needs"]
    said = f"Job {node.title} ({job.id})"
    said += f" runs after {', '.join(needs)}" if needs else " runs first"
    if job.condition:
        said += ", " + describe_condition(job.condition, triggers)
    said += "; it holds " + ", ".join(permission_lines(job, default)) + "."
    if node.gate:
        said += (
            f" It runs in the environment {job.environment}, so it waits until a required"
            " reviewer approves the deployment."
        )
    takes = [e for e in edges if e.label]
    if takes:
        said += " It takes " + "; ".join(f"{e.label} from {e.source}" for e in takes) + "."
    return said


def flow_of(workflow: Workflow, title: str = "") -> Flow:
    """The graph model of a release workflow, as parsed."""
    jobs = workflow.jobs
    triggers = workflow.triggers
    default = workflow.data.get("permissions") if isinstance(workflow.data, Mapping) else None
    start, said = start_of(workflow)
    nodes, edges, words = [start], [], [said]
    made = {ident: uploads(job) for ident, job in jobs.items()}
    services = Services()
    for job in jobs.values():
        node = job_node(job, triggers, default)
        into = arrows_into(job, jobs, made)
        nodes.append(node)
        edges += into
        before = len(services.words)
        services_of(job, workflow, services)
        words.append(
            " ".join([job_words(job, node, into, triggers, default), *services.words[before:]])
        )
    nodes += services.nodes.values()
    edges += services.edges
    title = title or f"The jobs of the release workflow {workflow.file}, from start to PyPI"
    return Flow(title, tuple(nodes), tuple(edges), tuple(words))


# The drawing.

NODE_WIDTH = 232
MIN_NODE_WIDTH = 150
GAP_X = 26
GAP_Y = 70
LABEL_WIDTH = 150
PAD = 10
LINE = 16
SMALL_LINE = 15
DUMMY = "~"
DUMMY_WIDTH = 24


@dataclass
class Box:
    """A node placed: its top-left corner, size and text lines (class, text)."""

    node: Node | None
    x: float = 0
    y: float = 0
    width: float = 0
    height: float = 0
    layer: int = 0
    text: list[tuple[str, str]] = field(default_factory=list)
    gate: list[str] = field(default_factory=list)

    @property
    def center(self) -> float:
        return self.x + self.width / 2


@dataclass
class Layout:
    width: float
    height: float
    boxes: dict[str, Box]
    paths: list[tuple[Edge, list[tuple[float, float]]]]


def layers_of(flow: Flow) -> dict[str, int]:
    """Each node's layer: one more than the deepest of the nodes with an arrow into it."""
    into: dict[str, list[str]] = {node.id: [] for node in flow.nodes}
    for edge in flow.edges:
        if edge.source in into and edge.target in into:
            into[edge.target].append(edge.source)
    layer: dict[str, int] = {}

    def depth(ident: str, seen: frozenset[str]) -> int:
        if ident not in layer:
            sources = [s for s in into[ident] if s not in seen]  # a cycle is cut, not followed
            layer[ident] = 1 + max((depth(s, seen | {ident}) for s in sources), default=-1)
        return layer[ident]

    for node in flow.nodes:
        depth(node.id, frozenset())
    return layer


def crossings(rows: list[list[str]], links: list[tuple[str, str]]) -> int:
    position = {ident: i for row in rows for i, ident in enumerate(row)}
    level = {ident: n for n, row in enumerate(rows) for ident in row}
    count = 0
    for a, (s1, t1) in enumerate(links):
        for s2, t2 in links[a + 1 :]:
            same = level[s1] == level[s2] and level[t1] == level[t2]
            if same and (position[s1] - position[s2]) * (position[t1] - position[t2]) < 0:
                count += 1
    return count


def barycentre(
    ident: str, row: list[str], other: dict[str, int], pairs: list[tuple[str, str]]
) -> float:
    """The mean position of a node's neighbours in the other row; its own if it has none."""
    near = [other[s] for s, t in pairs if t == ident and s in other]
    return sum(near) / len(near) if near else row.index(ident)


def ordered(rows: list[list[str]], links: list[tuple[str, str]]) -> list[list[str]]:
    """Rows reordered by the barycentre of their neighbours, down then up, keeping the best."""
    best = [row[:] for row in rows]
    best_count = crossings(best, links)
    for sweep in range(8):
        down = sweep % 2 == 0
        for n in range(1, len(rows)) if down else range(len(rows) - 2, -1, -1):
            other = {ident: i for i, ident in enumerate(rows[n - 1 if down else n + 1])}
            row = rows[n]

            # Each node's neighbours in the row above (going down) or below (going up).
            pairs = links if down else [(t, s) for s, t in links]
            rows[n] = sorted(row, key=lambda ident: barycentre(ident, row, other, pairs))
        count = crossings(rows, links)
        if count < best_count:
            best, best_count = [row[:] for row in rows], count
    return best


def layout(flow: Flow, max_width: float = MAX_WIDTH) -> Layout:
    """Where each box and arrow goes."""
    layer = layers_of(flow)
    depth = max(layer.values(), default=0) + 1
    rows: list[list[str]] = [[] for _ in range(depth)]
    for node in flow.nodes:
        rows[layer[node.id]].append(node.id)
    # A long arrow passes through a dummy point in each layer it crosses.
    links: list[tuple[str, str]] = []
    chains: list[tuple[Edge, list[str]]] = []
    for number, edge in enumerate(flow.edges):
        chain = [edge.source]
        for level in range(layer[edge.source] + 1, layer[edge.target]):
            dummy = f"{DUMMY}{number}.{level}"
            rows[level].append(dummy)
            chain.append(dummy)
        chain.append(edge.target)
        links += list(itertools.pairwise(chain))
        chains.append((edge, chain))
    rows = ordered(rows, links)
    node_width = min(NODE_WIDTH, *(room(row, max_width) for row in rows))
    node_width = max(MIN_NODE_WIDTH, node_width)
    boxes: dict[str, Box] = {}
    for n, row in enumerate(rows):
        for ident in row:
            if ident.startswith(DUMMY):
                boxes[ident] = Box(None, width=DUMMY_WIDTH, layer=n)
            else:
                boxes[ident] = text_box(flow.node(ident), node_width, n)
    row_widths = [sum(boxes[i].width for i in row) + GAP_X * (len(row) - 1) for row in rows]
    width = max(max(row_widths), 200) + 2
    y = 1.0
    for row, row_width in zip(rows, row_widths, strict=True):
        height = max(boxes[i].height for i in row)
        x = (width - row_width) / 2
        for ident in row:
            box = boxes[ident]
            box.x, box.y = x, y
            if box.node is None:
                box.height = height
            x += box.width + GAP_X
        y += height + GAP_Y
    for row in rows[1:]:
        align(row, boxes, links, width)
    # Where each arrow leaves its source and enters its target: spread along the side, in the
    # order of where the arrows go to (or come from), so that they do not cross at the box.
    leaving: dict[str, list[tuple[float, int]]] = {}
    entering: dict[str, list[tuple[float, int]]] = {}
    for number, (_, chain) in enumerate(chains):
        leaving.setdefault(chain[0], []).append((boxes[chain[1]].center, number))
        entering.setdefault(chain[-1], []).append((boxes[chain[-2]].center, number))
    paths = []
    for number, (edge, chain) in enumerate(chains):
        start, end = boxes[chain[0]], boxes[chain[-1]]
        points = [(port(start, sorted(leaving[chain[0]]), number), start.y + start.height)]
        for dummy in chain[1:-1]:  # straight down through the layer, beside its boxes
            points += [(boxes[dummy].center, boxes[dummy].y), (boxes[dummy].center,
                       boxes[dummy].y + boxes[dummy].height)]  # fmt: skip
        points.append((port(end, sorted(entering[chain[-1]]), number), end.y))
        paths.append((edge, points))
    return Layout(width, y - GAP_Y + 1, boxes, paths)


def align(
    row: list[str], boxes: dict[str, Box], links: list[tuple[str, str]], width: float
) -> None:
    """Move a row's boxes, in their order, under the boxes their arrows come from: each as near
    the mean of its sources' centres as the others allow, the row inside the picture."""
    wanted: dict[str, float] = {}
    for ident in row:
        sources = [boxes[source].center for source, target in links if target == ident]
        if sources:
            wanted[ident] = sum(sources) / len(sources) - boxes[ident].width / 2
    if not wanted:
        return
    x = -float("inf")
    for ident in row:  # as wanted, left to right, none overlapping
        box = boxes[ident]
        box.x = max(wanted.get(ident, box.x), x)
        x = box.x + box.width + GAP_X
    # The whole row by the mean of what is still wanted, then kept inside.
    shift = sum(wanted[i] - boxes[i].x for i in wanted) / len(wanted)
    x = 1.0
    for ident in row:
        box = boxes[ident]
        box.x = max(box.x + shift, x)
        x = box.x + box.width + GAP_X
    right = width - 1
    for ident in reversed(row):
        box = boxes[ident]
        box.x = min(box.x, right - box.width)
        right = box.x - GAP_X


def room(row: list[str], max_width: float) -> float:
    """The widest a box can be for `row` to fit in `max_width`, beside its dummy points."""
    boxes = sum(not ident.startswith(DUMMY) for ident in row)
    if not boxes:
        return NODE_WIDTH
    rest = (len(row) - 1) * GAP_X + (len(row) - boxes) * DUMMY_WIDTH
    return (max_width - 2 - rest) / boxes


def port(box: Box, side: list[tuple[float, int]], number: int) -> float:
    """Where arrow `number` leaves (or enters) a box, of the arrows on that side in order."""
    if box.node is None:
        return box.center
    index = [n for _, n in side].index(number)
    return box.x + box.width * (index + 1) / (len(side) + 1)


def text_box(node: Node, width: float, layer: int) -> Box:
    """A node's box, sized for its wrapped text."""
    inner = width - 2 * PAD
    box = Box(node, width=width, layer=layer)
    if node.gate:
        box.gate = wrap(node.gate, inner, SMALL_SIZE, "bold")
    box.text = [("bold", line) for line in wrap(node.title, inner, TEXT_SIZE, "bold")]
    for line in node.lines:
        mono = bool(re.match(r"[\w-]+: ", line)) and node.kind == "job"
        font = "mono" if mono else "sans"
        classes = "small mono" if mono else "small"
        box.text += [(classes, part) for part in wrap(line, inner, SMALL_SIZE, font)]
    gate_height = len(box.gate) * SMALL_LINE + 8 if box.gate else 0
    box.height = gate_height + PAD + LINE + SMALL_LINE * (len(box.text) - 1) + PAD - 2
    return box


def curve(points: list[tuple[float, float]]) -> str:
    """A smooth path through the points, leaving and entering each vertically."""
    (x, y), rest = points[0], points[1:]
    path = f"M {x:.1f} {y:.1f}"
    for nx, ny in rest:
        middle = (y + ny) / 2
        if nx == x:
            path += f" V {ny:.1f}"
        else:
            path += f" C {x:.1f} {middle:.1f} {nx:.1f} {middle:.1f} {nx:.1f} {ny:.1f}"
        x, y = nx, ny
    return path


def flow_svg(flow: Flow, ident: str, caption: str) -> str:
    """The figure of a flow: the drawing, its caption and its description in words."""
    drawn = layout(flow)
    body: list[str] = []
    for edge, points in drawn.paths:
        body.append(
            f'<path class="line {edge.kind}" d="{curve(points)}" marker-end="url(#{ident}-arrow)"/>'
        )
    above: dict[str, float] = {}
    for edge, points in drawn.paths:
        if edge.label:
            # Just above the box the arrow enters, near where it enters: arrows into one box
            # enter it apart, and a second label into the same box sits above the first.
            (x0, y0), (x1, y1) = points[-2], points[-1]
            lines = wrap(edge.label, LABEL_WIDTH, SMALL_SIZE)
            bottom = y1 - 12 - above.get(edge.target, 0)  # clear of the arrowhead
            above[edge.target] = y1 - bottom + len(lines) * SMALL_LINE + 3
            y = bottom - len(lines) * SMALL_LINE + 11
            x = x0 + (x1 - x0) * along((y - y0) / (y1 - y0))
            body += label(x, y, lines)
    for box in drawn.boxes.values():
        if box.node is not None:
            body += draw_box(box)
    body += legend(flow, ident, drawn.width, drawn.height + 18)
    height = drawn.height + 18 + LEGEND_HEIGHT
    return svg_figure(ident, drawn.width, height, flow.title, flow.words, body, caption)


#: The legend's entries, by the kind of arrow or box they explain.
LEGEND = {
    "needs": "runs after (needs)",
    "hands": "an artifact passed on",
    "publishes": "sent out of GitHub",
    "gate": "waits for an approval",
}
LEGEND_HEIGHT = 16


def legend(flow: Flow, ident: str, width: float, y: float) -> list[str]:
    """What the arrows and the band mean, for those the picture has, in one row."""
    kinds = {edge.kind for edge in flow.edges} | (
        {"gate"} if any(n.gate for n in flow.nodes) else set()
    )
    shown = [kind for kind in LEGEND if kind in kinds]
    step = width / max(len(shown), 1)
    out = []
    for n, kind in enumerate(shown):
        x = n * step + 2
        if kind == "gate":
            out.append(
                f'<rect class="gate" x="{x:.1f}" y="{y - 6:.1f}" width="28" height="12" rx="3"/>'
            )
        else:
            out.append(
                f'<path class="line {kind} key" d="M {x:.1f} {y:.1f} H {x + 28:.1f}"'
                f' marker-end="url(#{ident}-arrow)"/>'
            )
        out.append(text_element(x + 36, y + 4, LEGEND[kind], "small", "start"))
    return out


def along(t: float) -> float:
    """How far across an arrow's stretch is at `t` of its height (its curve's x at that y,
    near enough: the curve leaves and enters vertically)."""
    t = min(1.0, max(0.0, t))
    return t * t * (3 - 2 * t)


def label(x: float, y: float, lines: list[str]) -> list[str]:
    """A label over an arrow, its first baseline at `y`, on the page's background."""
    width = max(text_width(line, SMALL_SIZE) for line in lines) + 8
    out = [
        f'<rect class="label" x="{x - width / 2:.1f}" y="{y - 11:.1f}" width="{width:.1f}"'
        f' height="{len(lines) * SMALL_LINE + 1:.1f}" rx="3"/>'
    ]
    out += [text_element(x, y + n * SMALL_LINE, line, "small") for n, line in enumerate(lines)]
    return out


def draw_box(box: Box) -> list[str]:
    node = box.node
    assert node is not None
    kind = {"start": "start", "service": "service"}.get(node.kind, "box")
    if node.gate:
        kind += " gated"
    out = [
        f'<rect class="{kind}" x="{box.x:.1f}" y="{box.y:.1f}" width="{box.width:.1f}"'
        f' height="{box.height:.1f}" rx="{14 if node.kind == "start" else 6}"/>'
    ]
    y = box.y
    if box.gate:
        gate_height = len(box.gate) * SMALL_LINE + 8
        out.append(
            f'<path class="gate" d="M {box.x:.1f} {y + gate_height:.1f} V {y + 6:.1f}'
            f" Q {box.x:.1f} {y:.1f} {box.x + 6:.1f} {y:.1f} H {box.x + box.width - 6:.1f}"
            f" Q {box.x + box.width:.1f} {y:.1f} {box.x + box.width:.1f} {y + 6:.1f}"
            f' V {y + gate_height:.1f} Z"/>'
        )
        for n, line in enumerate(box.gate):
            out.append(text_element(box.center, y + 15 + n * SMALL_LINE, line, "small bold plain"))
        y += gate_height
    y += PAD + LINE - 4
    for n, (classes, line) in enumerate(box.text):
        out.append(text_element(box.center, y, line, classes))
        y += LINE if n == 0 else SMALL_LINE
    return out
