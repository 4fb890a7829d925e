"""The trust boundaries of a release, as a picture drawn from a small table.

Unlike the release flow, this one is about people and settings, not the workflow's jobs: who
can push, tag, start, approve and publish, and which setting or check stands at each step. It
is drawn from `STEPS` below, which says the same as the docs' text (docs/setup.md and
docs/threat-model.md; tests/test_release_flow.py checks that each control named here is named
there, and that what a private repository on GitHub Free lacks is what docs/setup.md says).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from pictures import MAX_WIDTH, SMALL_SIZE, TEXT_SIZE, svg_figure, text_element, wrap


@dataclass(frozen=True)
class Plan:
    """What a private repository needs for a feature, as the docs say it."""

    feature: str
    plans: str


RULESETS = Plan("rulesets", "GitHub Pro, Team or Enterprise")
DEPLOYMENT_RULES = Plan("environments with deployment rules", "GitHub Pro, Team or Enterprise")
REVIEWERS = Plan("required reviewers", "GitHub Enterprise")
ATTESTATIONS = Plan("GitHub artifact attestations", "GitHub Enterprise Cloud")


@dataclass(frozen=True)
class Control:
    """A setting or check. `where`: a GitHub setting, the release workflow, PyPI or a rendered
    file. `private`: for a control a private repository on GitHub Free lacks, the plan it
    needs there; None for one it has."""

    name: str
    where: str
    private: Plan | None = None

    @property
    def private_free(self) -> bool:
        return self.private is None

    @property
    def note(self) -> str:
        if self.private is None:
            return self.where
        return f"{self.where}; private repository: needs {self.private.plans}"


@dataclass(frozen=True)
class Step:
    """One step of a release: who can take it, and the controls that stand there."""

    action: str
    who: str
    controls: tuple[Control, ...]


STEPS = (
    Step(
        "Push to the default branch",
        "anyone with write access, through a reviewed pull request",
        (
            Control("branch ruleset: an approving review", "GitHub setting", RULESETS),
            Control(
                "CODEOWNERS: the release team reviews .github/",
                "rendered file + GitHub setting",
                RULESETS,
            ),
            Control("zizmor audits the workflows", "workflow"),
        ),
    ),
    Step(
        "Create a release tag",
        "the release team only",
        (Control("tag ruleset: only the release team", "GitHub setting", RULESETS),),
    ),
    Step(
        "Start the release",
        "anyone with write access: a release on a tag, a run by hand, a re-run",
        (
            Control(
                "the workflow stops a run others started",
                "workflow, when release_team lists @user handles only",
            ),
            Control("preflight job checks the environments", "workflow"),
        ),
    ),
    Step(
        "Approve the publication",
        "another release-team member, not the one who started it",
        (
            Control("required reviewers", "GitHub setting", REVIEWERS),
            Control("prevent self-review", "GitHub setting", REVIEWERS),
            Control("no administrator bypass", "GitHub setting", DEPLOYMENT_RULES),
            Control("deployment tag rule", "GitHub setting", DEPLOYMENT_RULES),
        ),
    ),
    Step(
        "Publish to PyPI",
        "only the publish job, in the environment, for minutes",
        (
            Control("PyPI trusted publisher: workflow + environment", "PyPI"),
            Control("GitHub artifact attestations", "workflow", ATTESTATIONS),
        ),
    ),
)

STEP_WIDTH = 250
GAP = 24
ROW_GAP = 26
CHIP_HEIGHT_LINE = 15
PAD = 9


def lacking(steps: tuple[Step, ...] = STEPS) -> list[Control]:
    """The controls a private repository on GitHub Free does not have."""
    return [control for step in steps for control in step.controls if not control.private_free]


def words(steps: tuple[Step, ...] = STEPS) -> list[str]:
    said = []
    for number, step in enumerate(steps, 1):
        controls = "; ".join(
            control.name
            + (
                ""
                if control.private is None
                else f" (not on a private repository on GitHub Free: {control.private.feature}"
                f" need {control.private.plans})"
            )
            for control in step.controls
        )
        said.append(f"{number}. {step.action}: {step.who}. Controls: {controls}.")
    return said


def boundaries_svg(ident: str, caption: str, steps: tuple[Step, ...] = STEPS) -> str:
    """The picture: one row per step, top to bottom, its people on the left, its controls on
    the right; a control a private repository on GitHub Free lacks is dashed and marked."""
    width = MAX_WIDTH
    controls_x = STEP_WIDTH + GAP
    controls_width = width - controls_x - 1
    body: list[str] = []
    y = 1.0
    centres = []
    for number, step in enumerate(steps, 1):
        title = wrap(f"{number}. {step.action}", STEP_WIDTH - 2 * PAD, TEXT_SIZE, "bold")
        who = wrap(step.who, STEP_WIDTH - 2 * PAD, SMALL_SIZE)
        left_height = PAD * 2 + 16 * len(title) + CHIP_HEIGHT_LINE * len(who)
        chips = []
        for control in step.controls:
            text = control.name
            lines = wrap(text, controls_width - 2 * PAD - 4, SMALL_SIZE, "bold")
            note = wrap(control.note, controls_width - 2 * PAD - 4, SMALL_SIZE)
            chips.append((control, lines, note))
        right_height = (
            sum((len(lines) + len(note)) * CHIP_HEIGHT_LINE + 10 + 6 for _, lines, note in chips)
            - 6
        )
        height = max(left_height, right_height)
        body.append(
            f'<rect class="start" x="1" y="{y:.1f}" width="{STEP_WIDTH}" height="{height:.1f}"'
            ' rx="8"/>'
        )
        line_y = y + PAD + 13
        for line in title:
            body.append(text_element(1 + STEP_WIDTH / 2, line_y, line, "bold"))
            line_y += 16
        for line in who:
            body.append(text_element(1 + STEP_WIDTH / 2, line_y, line, "small"))
            line_y += CHIP_HEIGHT_LINE
        chip_y = y
        for control, lines, note in chips:
            chip_height = (len(lines) + len(note)) * CHIP_HEIGHT_LINE + 10
            kind = "box" if control.private_free else "missing"
            body.append(
                f'<rect class="{kind}" x="{controls_x:.1f}" y="{chip_y:.1f}"'
                f' width="{controls_width:.1f}" height="{chip_height:.1f}" rx="5"/>'
            )
            body.append(
                f'<path class="line" d="M {STEP_WIDTH + 1} {y + height / 2:.1f}'
                f' H {controls_x:.1f}"/>'
                if control is step.controls[0]
                else ""
            )
            text_y = chip_y + 16
            for line in lines:
                body.append(text_element(controls_x + PAD, text_y, line, "bold", "start"))
                text_y += CHIP_HEIGHT_LINE
            for line in note:
                body.append(text_element(controls_x + PAD, text_y, line, "small", "start"))
                text_y += CHIP_HEIGHT_LINE
            chip_y += chip_height + 6
        centres.append((y, y + height))
        y += height + ROW_GAP
    for (_, bottom), (top, _) in itertools.pairwise(centres):
        body.append(
            f'<path class="line starts" d="M {1 + STEP_WIDTH / 2} {bottom:.1f}'
            f' V {top - 1:.1f}" marker-end="url(#{ident}-arrow)"/>'
        )
    # The legend.
    y += 4 - ROW_GAP + 14
    for kind, text, x in (
        ("box", "a control every repository can have", 1),
        ("missing", "one a private repository on GitHub Free lacks", width / 2),
    ):
        body.append(f'<rect class="{kind}" x="{x:.1f}" y="{y:.1f}" width="28" height="16" rx="4"/>')
        body.append(text_element(x + 36, y + 12.5, text, "small", "start"))
    height = y + 18
    title = "Who can push, tag, start, approve and publish a release, and what stands at each step"
    return svg_figure(ident, width, height, title, words(steps), [b for b in body if b], caption)
