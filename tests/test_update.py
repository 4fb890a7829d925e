"""`copier update` brings revised guidance, keeps the project's edits, and never fights its
Dependabot over pins. The tests make their own template versions as temporary git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import (
    ANSWERS_FILE,
    TemplateVersions,
    bump_pin,
    copy_tree,
    git,
    load_yaml,
    pin_source,
    pins_in,
    project_repository,
    render,
)
from helpers import update as update_project
from variants import REQUIRED

CHECKOUT = "actions/checkout"
USER_SHA, USER_VERSION = "b" * 40, "v7.9.0"  # what the project's Dependabot moved to
LAGGING_SHA, LAGGING_VERSION = "a" * 40, "v7.0.2"  # a template release behind the project
RELEASE = ".github/workflows/release.yml"


def copy(template: TemplateVersions, project: Path, tag: str, **answers: object) -> None:
    render(project, {**REQUIRED, **answers}, template=template.path, vcs_ref=tag, overwrite=True)
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", f"Adopt hardened-release {tag}", cwd=project)


def update(project: Path, tag: str, **answers: object) -> None:
    update_project(project, answers, vcs_ref=tag, answers_file=ANSWERS_FILE)


def assert_merged_cleanly(project: Path) -> None:
    for file in project.rglob("*"):
        if ".git" in file.parts or not file.is_file():
            continue
        assert not file.name.endswith(".rej"), file
        text = file.read_text()
        assert "<<<<<<<" not in text and ">>>>>>>" not in text, f"conflict in {file}"


def pins(project: Path) -> dict[str, tuple[str, str | None]]:
    found = {}
    for workflow in (project / ".github" / "workflows").glob("*.yml"):
        for action, ref, comment in pins_in(workflow):
            assert found.setdefault(action, (ref, comment)) == (ref, comment), action
    return found


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> TemplateVersions:
    """v1.0.0 is this working tree; v2.0.0 revises the guidance, adds a step, and moves the
    checkout pin to a release the project's Dependabot has already passed. Made once for the
    module: Copier clones it for each render and update, and no test edits it."""
    versions = TemplateVersions(tmp_path_factory.mktemp("versions") / "template")
    versions.release("v1.0.0")
    versions.edit(
        "template/[[ releasing_doc ]].jinja",
        "\n## Who does what\n",
        "\nRevised guidance: read this before every release.\n\n## Who does what\n",
    )
    versions.edit(
        "template/.github/workflows/[[ release_workflow ]].jinja",
        '[[ steps.twine_check("python -m twine") ]]\n',
        '[[ steps.twine_check("python -m twine") ]]\n'
        "      - name: List the distributions\n        run: ls -l dist/\n",
    )
    source = pin_source()[CHECKOUT]
    versions.edit(
        "pins/action.yml",
        f"{CHECKOUT}@{source[0]} # {source[1]}",
        f"{CHECKOUT}@{LAGGING_SHA} # {LAGGING_VERSION}",
    )
    versions.release("v2.0.0")
    return versions


@pytest.fixture(scope="module")
def lived_in(tmp_path_factory: pytest.TempPathFactory, template: TemplateVersions) -> Path:
    """A project at v1.0.0 that has lived a while: Dependabot moved a pin, and the release team
    edited the release document, the workflow and the Dependabot schedule. Made once: tests
    update a copy of it (`adopted`)."""
    project = project_repository(tmp_path_factory.mktemp("adopted") / "project")
    copy(template, project, "v1.0.0")
    bump_pin(project, CHECKOUT, USER_SHA, USER_VERSION)
    with (project / "RELEASING.md").open("a") as doc:
        doc.write("\n## Announcing\n\nPost the release notes on the mailing list.\n")
    workflow = (
        (project / RELEASE)
        .read_text()
        .replace(
            "      - name: Install the build tools\n",
            "      - name: Show the Python version\n        run: python --version\n"
            "      - name: Install the build tools\n",
        )
    )
    (project / RELEASE).write_text(workflow)
    dependabot = project / ".github" / "dependabot.yml"
    dependabot.write_text(dependabot.read_text().replace("interval: weekly", "interval: daily"))
    git("commit", "-q", "-am", "Release team's edits; Dependabot's pin bump", cwd=project)
    return project


@pytest.fixture
def adopted(lived_in: Path, tmp_path: Path) -> Path:
    """That project, its git repository with it, for one test to update."""
    return copy_tree(lived_in, tmp_path / "project")


@pytest.fixture(scope="module")
def updated(lived_in: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of that project updated to v2.0.0, once: the tests below only read it."""
    project = copy_tree(lived_in, tmp_path_factory.mktemp("updated") / "project")
    update(project, "v2.0.0")
    return project


def test_update_keeps_edits_and_brings_guidance(updated: Path) -> None:
    assert_merged_cleanly(updated)
    doc = (updated / "RELEASING.md").read_text()
    assert "Revised guidance: read this before every release." in doc
    assert "Post the release notes on the mailing list." in doc
    workflow = (updated / RELEASE).read_text()
    assert "name: Show the Python version" in workflow
    assert "name: List the distributions" in workflow
    assert load_yaml(updated / ".github/dependabot.yml")["updates"][0]["schedule"] == {
        "interval": "daily"
    }
    answers = load_yaml(updated / ANSWERS_FILE)
    assert answers["_commit"] == "v2.0.0"


def test_update_never_downgrades_a_pin_dependabot_moved(updated: Path) -> None:
    assert_merged_cleanly(updated)
    assert pins(updated)[CHECKOUT] == (USER_SHA, USER_VERSION)
    assert LAGGING_SHA not in (updated / RELEASE).read_text()


def test_update_to_the_same_version_changes_nothing(adopted: Path) -> None:
    before = git("rev-parse", "HEAD^{tree}", cwd=adopted)
    update(adopted, "v1.0.0")
    git("add", "-A", cwd=adopted)
    assert git("write-tree", cwd=adopted) == before


def test_update_pins_actions_the_project_does_not_have_yet(
    tmp_path: Path, template: TemplateVersions
) -> None:
    """Turning attestations on brings actions/attest, pinned from the template's source."""
    project = project_repository(tmp_path / "project")
    copy(template, project, "v1.0.0", github_attestations=False)
    bump_pin(project, CHECKOUT, USER_SHA, USER_VERSION)
    git("commit", "-q", "-am", "Dependabot's pin bump", cwd=project)
    update(project, "v2.0.0", github_attestations=True)
    assert_merged_cleanly(project)
    assert "actions/attest" in load_yaml(project / ANSWERS_FILE)["action_pins"]
    found = pins(project)
    assert found["actions/attest"] == pin_source()["actions/attest"]
    assert found[CHECKOUT] == (USER_SHA, USER_VERSION)


def test_new_projects_get_the_new_pins(tmp_path: Path, template: TemplateVersions) -> None:
    project = project_repository(tmp_path / "fresh")
    copy(template, project, "v2.0.0")
    assert pins(project)[CHECKOUT] == (LAGGING_SHA, LAGGING_VERSION)


def test_answers_record_the_pins_rendered(lived_in: Path) -> None:
    recorded = load_yaml(lived_in / ANSWERS_FILE)["action_pins"]
    source = pin_source()
    assert recorded == {action: f"{sha} # {version}" for action, (sha, version) in source.items()}


def other_template(path: Path) -> Path:
    """Another Copier template, with Copier's default answers file, released as v1 and v2."""
    (path / "template").mkdir(parents=True)
    (path / "copier.yml").write_text("_subdirectory: template\nname:\n  type: str\n")
    (path / "template" / "{{ _copier_conf.answers_file }}.jinja").write_text(
        "{{ _copier_answers | to_nice_yaml }}"
    )
    (path / "template" / "NOTICE.md.jinja").write_text("{{ name }}, version one\n")
    git("init", "-q", "-b", "main", cwd=path)
    git("add", "-A", cwd=path)
    git("commit", "-q", "-m", "v1", cwd=path)
    git("tag", "v1", cwd=path)
    (path / "template" / "NOTICE.md.jinja").write_text("{{ name }}, version two\n")
    git("commit", "-q", "-am", "v2", cwd=path)
    git("tag", "v2", cwd=path)
    return path


def test_each_template_updates_on_its_own(tmp_path: Path, template: TemplateVersions) -> None:
    other = other_template(tmp_path / "other")
    project = project_repository(tmp_path / "project")
    render(project, {"name": "sample"}, template=other, vcs_ref="v1")
    git("add", "-A", cwd=project)
    git("commit", "-q", "-m", "From the other template", cwd=project)
    copy(template, project, "v1.0.0")
    ours = {name: (project / name).read_text() for name in (ANSWERS_FILE, RELEASE, "RELEASING.md")}

    update_project(project, vcs_ref="v2")
    assert (project / "NOTICE.md").read_text() == "sample, version two\n"
    assert {name: (project / name).read_text() for name in ours} == ours
    git("commit", "-q", "-am", "Other template v2", cwd=project)

    theirs = (project / ".copier-answers.yml").read_text()
    update(project, "v2.0.0")
    assert "Revised guidance" in (project / "RELEASING.md").read_text()
    assert (project / ".copier-answers.yml").read_text() == theirs
    assert (project / "NOTICE.md").read_text() == "sample, version two\n"


CODEOWNERS = ".github/CODEOWNERS"


def test_a_new_release_team_reaches_the_code_owners(
    tmp_path: Path, template: TemplateVersions
) -> None:
    project = project_repository(tmp_path / "project")
    copy(template, project, "v1.0.0", release_team="@octo-org/release")
    assert (project / CODEOWNERS).read_text().endswith("/.github/ @octo-org/release\n")
    update(project, "v2.0.0", release_team="@octo-org/publishers @alice")
    assert_merged_cleanly(project)
    assert (project / CODEOWNERS).read_text().endswith("/.github/ @octo-org/publishers @alice\n")


def test_the_projects_own_code_owners_stay_through_an_update(
    tmp_path: Path, template: TemplateVersions
) -> None:
    theirs = "* @octo-org/maintainers\n/docs/ @octo-org/writers\n"
    project = project_repository(tmp_path / "project", {CODEOWNERS: theirs})
    copy(template, project, "v1.0.0", release_team="@octo-org/release")
    assert (project / CODEOWNERS).read_text() == theirs
    update(project, "v2.0.0")
    assert_merged_cleanly(project)
    assert (project / CODEOWNERS).read_text() == theirs


def test_a_new_release_team_meets_the_projects_own_code_owners_as_a_conflict(
    tmp_path: Path, template: TemplateVersions
) -> None:
    """Never replaced: both the project's lines and the new team are shown, for the release
    team to merge (the message after the update says how to find conflicts)."""
    theirs = "* @octo-org/maintainers\n"
    project = project_repository(tmp_path / "project", {CODEOWNERS: theirs})
    copy(template, project, "v1.0.0", release_team="@octo-org/release")
    update(project, "v2.0.0", release_team="@octo-org/publishers")
    merged = (project / CODEOWNERS).read_text()
    assert merged.startswith("<<<<<<< before updating\n" + theirs + "=======\n")
    assert merged.endswith("/.github/ @octo-org/publishers\n>>>>>>> after updating\n")
