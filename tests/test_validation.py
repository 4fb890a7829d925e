"""Bad answers are refused at question time, with a clear message, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from copier.errors import UserMessageError

from helpers import copy_with_cli, load_yaml, render
from variants import REQUIRED

#: Questions whose bad answers Copier refuses itself (choices, whole numbers).
COPIER_WORDED = {"release_trigger", "build_tool", "dependabot_interval"}

INJECTIONS = ["${{ github.token }}", "x'y", 'x"y', "x\ny", "x: y", " x", "x ", "[x]"]

BAD: dict[str, list[object]] = {
    "pypi_name": [
        "",
        "-pkg",
        "pkg-",
        "my pkg",
        "pkg/x",
        "pkg\n",
        "pkg${{ github.token }}",
        "paquête",
        *INJECTIONS,
    ],
    "github_repository": [
        "",
        "octo",
        "octo/",
        "/repo",
        "octo/repo/x",
        "-octo/repo",
        "octo-/repo",
        "octo/.",
        "octo/..",
        "o" * 40 + "/repo",
        "octo/" + "r" * 101,
        "octo/re po",
        "octo/repo\n",
        *INJECTIONS,
    ],
    "release_trigger": ["push", "Release", "release\n"],
    "build_tool": ["poetry", "build\n"],
    "pypi_environment": ["", "py pi", "e" * 256, "pypi\n", *INJECTIONS],
    "dependabot_interval": ["hourly", "weekly\n"],
    "dependabot_cooldown_days": [-1, 91],
    "release_team": [
        "alice",
        "@",
        "@-alice",
        "@alice-",
        "@org/team/x",
        "@alice;rm",
        " @alice",
        "@alice ",
        "@alice\n@bob",
        "${{ github.actor }}",
        "@a/${{ x }}",
    ],
    "tag_pattern": [
        "",
        "v1.0",
        "/v*",
        "v*\n",
        "v* x",
        "v**",
        "[0-9]",
        "v[!0-9]*",
        "v[0-9*",
        "v?.*",
        "v*/x",
        "v+",
        *INJECTIONS,
    ],
    "releasing_doc": [
        "",
        "RELEASING.txt",
        "../RELEASING.md",
        "/RELEASING.md",
        "docs//x.md",
        ".github/workflows/RELEASING.md",
        "a b.md",
        ".md",
        *INJECTIONS,
    ],
    "project_files": [
        ".github/dependabot.yml",
        ["README.md"],
        [".github/../x"],
        ["/etc/passwd"],
        [".github//x"],
        [7],
        {".github/CODEOWNERS": True},
        ["a\nb"],
    ],
    "action_pins": [
        "actions/checkout",
        ["actions/checkout"],
        {"actions/checkout": "v4"},
        {"actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1"},
        {"actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1\n  evil: x"},
        {"actions/checkout": "3D3C42E5AAC5BA805825DA76410C181273BA90B1 # v7.0.1"},
        {"actions checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"},
        {"actions/checkout": 7},
    ],
}

GOOD: dict[str, list[object]] = {
    "pypi_name": ["a", "A.b_c-1", "numpy"],
    "github_repository": ["a/b", "Octo-Org/my.repo_name-2", "o" * 39 + "/" + "r" * 100],
    "pypi_environment": ["release", "pypi.org_prod-1"],
    "release_team": ["@org/release-team", "@alice @bob", "@org/team, @alice", ""],
    "tag_pattern": ["*", "v*", "[0-9]*", "v[0-9]*", "release-*", "pkg/v*", "v*.*.*"],
    "releasing_doc": [
        "RELEASE.md",
        "docs/releasing.md",
        "docs/dev/RELEASING.md",
        ".github/RELEASING.md",
    ],
    "dependabot_cooldown_days": [0, 1, 90],
    "action_pins": [{"actions/checkout": "3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1"}],
    "project_files": [[".github/dependabot.yml", ".github/CODEOWNERS"], []],
}


def existing_repository(path: Path) -> dict[str, str]:
    """A destination that already holds a project, to show that nothing of it changes."""
    files = {"README.md": "# Project\n", ".github/dependabot.yml": "version: 2\nupdates: []\n"}
    for name, text in files.items():
        (path / name).parent.mkdir(parents=True, exist_ok=True)
        (path / name).write_text(text)
    return files


def snapshot(path: Path) -> dict[str, str]:
    return {
        str(file.relative_to(path)): file.read_text()
        for file in sorted(path.rglob("*"))
        if file.is_file()
    }


@pytest.mark.parametrize(
    ("question", "answer"),
    [(question, answer) for question, answers in BAD.items() for answer in answers],
)
def test_bad_answer_is_refused_and_nothing_written(
    tmp_path: Path, question: str, answer: object
) -> None:
    before = existing_repository(tmp_path)
    with pytest.raises((UserMessageError, ValueError)) as error:
        render(tmp_path, {**REQUIRED, question: answer})
    message = str(error.value)
    if question in COPIER_WORDED:
        # Copier refuses a choice or a whole number itself, before any validator.
        assert f"Invalid choice for '{question}'" in message or "invalid literal" in message
    else:
        # Ours: a message Copier prints alone (a UserMessageError), naming the question.
        assert isinstance(error.value, UserMessageError), message
        assert f"is refused: {question} must" in message, message
    assert snapshot(tmp_path) == before


#: Every good answer, in as few renders as there are answers to the question with the most:
#: each render takes the next good answer to every question.
GOOD_ROWS = [
    {question: answers[row % len(answers)] for question, answers in GOOD.items()}
    for row in range(max(map(len, GOOD.values())))
]


@pytest.mark.parametrize("answers", GOOD_ROWS, ids=lambda row: str(row["tag_pattern"]))
def test_good_answers_are_accepted_and_recorded(tmp_path: Path, answers: dict[str, object]) -> None:
    render(tmp_path, {**REQUIRED, **answers})
    recorded = load_yaml(tmp_path / ".copier-answers.hardened-release.yml")
    pins = recorded.pop("action_pins")  # the given pins, and the template's for the others
    assert pins.items() >= answers["action_pins"].items()
    assert {question: recorded[question] for question in answers if question != "action_pins"} == {
        question: answer for question, answer in answers.items() if question != "action_pins"
    }


def test_testpypi_environment_must_differ(tmp_path: Path) -> None:
    answers = {**REQUIRED, "testpypi": True, "testpypi_environment": "PyPI"}
    with pytest.raises(UserMessageError, match="testpypi_environment must differ"):
        render(tmp_path, answers)
    assert not any(tmp_path.iterdir())


def test_github_repository_is_required(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match='Question "github_repository" is required'):
        render(tmp_path, {"pypi_name": "sample-pkg"})
    assert not any(tmp_path.iterdir())


def test_cli_exits_non_zero_with_the_message(tmp_path: Path) -> None:
    """What a user sees: the copier command fails, says why, and writes nothing."""
    before = existing_repository(tmp_path)
    result = copy_with_cli(tmp_path, {**REQUIRED, "tag_pattern": "v*${{ github.ref }}"})
    assert result.returncode == 1
    assert "tag_pattern must be a tag rule" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    assert snapshot(tmp_path) == before


def test_pytest_copie_reports_the_failure(copie) -> None:  # noqa: ANN001 (pytest-copie's fixture)
    result = copie.copy(extra_answers={**REQUIRED, "pypi_name": "bad name"})
    assert result.exit_code != 0
    assert "pypi_name must be a distribution name" in str(result.exception)
    assert result.project_dir is None  # no project was made
    (output,) = copie.test_dir.iterdir()  # the folder pytest-copie made for it stays empty
    assert not any(output.iterdir())


@pytest.mark.parametrize("made", ["draft", "published"])
def test_no_github_release_from_the_workflow_with_the_release_trigger(
    tmp_path: Path, made: str
) -> None:
    """With the release trigger a person has published the release before the workflow runs,
    and an immutable release takes no file after that: refused, saying what to choose."""
    answers = {**REQUIRED, "release_trigger": "release", "github_release": made}
    with pytest.raises(UserMessageError, match="github_release must be none with release_trigger"):
        render(tmp_path, answers)
    assert not any(tmp_path.iterdir())
    for trigger in ("tag", "workflow_dispatch"):
        project = render(tmp_path / trigger, {**answers, "release_trigger": trigger})
        assert "github-release:" in (project / ".github/workflows/release.yml").read_text()
