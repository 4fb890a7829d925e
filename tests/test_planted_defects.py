"""The suite bites: each defect below, planted in a copy of this repository, makes the tests
named for it fail there. A new kind of defect the suite should catch belongs in DEFECTS."""

from __future__ import annotations

from pathlib import Path

import forked_pytest
import pytest

from helpers import git, repository_copy

#: What is planted (a file, its text, the text put in its place) and the tests that must fail.
DEFECTS: dict[str, tuple[str, str, str, list[str]]] = {
    "a persisted credential": (
        "includes/steps.jinja",
        "persist-credentials: false",
        "persist-credentials: true",
        ["tests/test_invariants.py::test_checkout_never_persists_credentials[default]"],
    ),
    "a publish job without its environment": (
        "includes/jobs.jinja",
        "    environment:\n      name: [[ pypi_environment if pypi else testpypi_environment ]]\n"
        '      url: https://[[ "" if pypi else "test." ]]pypi.org/p/[[ pypi_name ]]\n',
        "",
        ["tests/test_invariants.py::test_publish_jobs_only_download_verify_and_publish[default]"],
    ),
    "a publish job without its if:": (
        "includes/jobs.jinja",
        "    if: [[ condition ]]\n    runs-on: ubuntu-latest\n    timeout-minutes: 15\n",
        "    runs-on: ubuntu-latest\n    timeout-minutes: 15\n",
        ["tests/test_invariants.py::test_publish_jobs_run_only_on_a_release[default]"],
    ),
    "a tag-pinned action": (
        "includes/pins.jinja",
        "[[ action ]]@[[ pins[action] ]]",
        "[[ action ]]@v1",
        ["tests/test_invariants.py::test_pins_are_full_shas_from_the_one_source[default]"],
    ),
    "a weakened validator": (
        "includes/answers.jinja",
        "or '**' in value %]",
        "or false %]",
        [
            "tests/test_validation.py::test_bad_answer_is_refused_and_nothing_written[tag_pattern-v**]"
        ],
    ),
    "an adoption that replaces a workflow doing more than publishing": (
        "src/hardened_release/publishers.py",
        'if "other" in kinds[file].values()\n'
        '        or ("test" in kinds[file].values() and _is_ci(by_file[file]))\n',
        "if False\n",
        ["tests/test_adoption.py::test_adoption_of_a_real_world_shape[ci-publishes]"],
    ),
    "a build tool installed without its hash": (
        "includes/steps.jinja",
        "python -m pip install --require-hashes --only-binary :all: \\\n",
        "python -m pip install --only-binary :all: \\\n",
        ["tests/test_integrity.py::test_every_install_in_the_workflow_is_from_the_lock[default]"],
    ),
    "a lock Dependabot does not update": (
        "template/.github/dependabot.yml.jinja",
        "  - package-ecosystem: pip\n    directory: /.github\n",
        "  - package-ecosystem: pip\n    directory: /docs\n",
        ["tests/test_integrity.py::test_dependabot_updates_the_lock[default]"],
    ),
    "an attestation check that no longer names the tag and the runner": (
        "includes/jobs.jinja",
        ' \\\n              --source-ref "$GITHUB_REF" --source-digest "$GITHUB_SHA"'
        " --deny-self-hosted-runners",
        "",
        ["tests/test_invariants.py::test_publish_jobs_only_download_verify_and_publish[default]"],
    ),
    "a starter check that lets anyone in": (
        "includes/starter.jinja",
        '*) echo "::error::$login may not start a release: only $RELEASE_TEAM may."; exit 1 ;;',
        "*) ;;",
        [
            "tests/test_integrity.py::"
            "test_only_the_release_teams_users_start_or_rerun_a_release[alice-mallory-False]"
        ],
    ),
    "a version check that never fails on a mismatch": (
        "includes/steps.jinja",
        '        stop(f"{dist.name} is {version}, but the tag {tag} says {written}.")\n',
        '        print(f"{dist.name} is {version}, but the tag {tag} says {written}.")\n',
        ["tests/test_build_steps.py::test_version_check_fails_on_a_mismatch[v1.2.4]"],
    ),
    "a tag rule matched as a prefix": (
        "includes/steps.jinja",
        "if not re.fullmatch(rule, tag):",
        "if not re.match(rule, tag):",
        [
            "tests/test_build_steps.py::test_version_check_holds_the_tag_to_the_tag_pattern"
            "[pkg/v*-pkg/v1/1.2.3-False]"
        ],
    ),
    "attestations optional in a public repository": (
        "includes/jobs.jinja",
        "continue-on-error: ${{ github.event.repository.private }}",
        "continue-on-error: true",
        [
            "tests/test_invariants.py::"
            "test_attestations_are_made_apart_from_the_build_and_checked_before_upload[default]"
        ],
    ),
    "an attestation verified in the job that made it": (
        "includes/jobs.jinja",
        "[[ steps.download_dist() ]]\n[% if verify %]\n",
        "[[ steps.download_dist() ]]\n"
        '      - uses: [[ uses("actions/attest") ]]\n'
        "        with:\n"
        "          subject-path: dist/*\n"
        "[% if verify %]\n",
        [
            "tests/test_invariants.py::"
            "test_attestations_are_made_apart_from_the_build_and_checked_before_upload[default]"
        ],
    ),
    "a build Python that is not the lock's": (
        "includes/steps.jinja",
        'python-version: "[[ python | trim ]]"',
        'python-version: "3.8"',
        ["tests/test_invariants.py::test_build_jobs_run_the_python_the_lock_is_for[default]"],
    ),
    "a Windows step without its shell": (
        "template/.github/workflows/[[ release_workflow ]].jinja",
        "        shell: bash  # on Windows too, where a step's default shell is PowerShell\n",
        "",
        [
            "tests/test_build_steps.py::"
            "test_the_wheels_jobs_steps_run_on_every_runner_of_the_matrix",
            "tests/test_invariants.py::test_steps_name_their_shell_where_the_runner_may_not_be_linux"
            "[release-cibuildwheel-testpypi0-attest0]",
        ],
    ),
    "a release built without the default-branch check": (
        "template/.github/workflows/[[ release_workflow ]].jinja",
        "[[ steps.on_default_branch(releasing_step) ]]\n[[ steps.setup_python() ]]\n",
        "[[ steps.setup_python() ]]\n",
        ["tests/test_invariants.py::test_a_release_is_built_only_from_the_default_branch[default]"],
    ),
    "a default-branch check that lets a side branch through": (
        "includes/steps.jinja",
        '"origin/$DEFAULT_BRANCH"; then',
        '"$GITHUB_SHA"; then',  # the commit against itself
        [
            "tests/test_build_steps.py::test_a_release_is_built_only_from_the_default_branch"
            "[side-branch-release]"
        ],
    ),
    "publish jobs that run in a fork": (
        "template/.github/workflows/[[ release_workflow ]].jinja",
        '~ "\' && " ~ released %]',
        '~ "\' || " ~ released %]',
        ["tests/test_invariants.py::test_jobs_that_can_publish_never_run_in_a_fork[default]"],
    ),
    "a GitHub release published before its files are attached": (
        "includes/jobs.jinja",
        "--verify-tag \\\n            --draft --title",
        "--verify-tag \\\n            --title",
        [
            "tests/test_build_steps.py::test_the_github_release_gets_its_files_before_it_is_published"
            "[solo-bare-tags-true]"
        ],
    ),
    "the distributions downloaded by name": (
        "includes/steps.jinja",
        "artifact-ids: ${{ needs.build.outputs.artifact-id }}",
        "name: dist",
        ["tests/test_invariants.py::test_later_jobs_download_by_artifact_id[default]"],
    ),
    "a Dependabot config rewritten when it already meets the bar": (
        "src/hardened_release/edits.py",
        "    if changed:\n        stream = io.StringIO()\n",
        "    if True:\n        stream = io.StringIO()\n",
        [
            "tests/test_adoption.py::test_a_dependabot_config_that_meets_the_bar_is_kept_byte_for_byte"
        ],
    ),
    "an adoption that writes over a file of the project's": (
        "src/hardened_release/adopt.py",
        "        if not target.exists():\n",
        "        if True:\n",
        ["tests/test_adoption.py::test_refuses_to_overwrite_a_file_of_the_project"],
    ),
    "a preflight that forgets an unprotected environment before a protected one": (
        "includes/preflight.jinja",
        '    path, read = f"repos/{repo}/environments/{name}", []',
        '    path, read, errors = f"repos/{repo}/environments/{name}", [], []',
        [
            "tests/test_settings.py::"
            "test_every_environment_is_checked_whatever_the_order[no required reviewers]"
        ],
    ),
    "a preflight that takes any tag rule for the release pattern": (
        "includes/preflight.jinja",
        '(pattern, "tag") not in rules',
        '"tag" not in {kind for _, kind in rules}',
        [
            "tests/test_settings.py::"
            "test_the_command_and_the_preflight_give_one_verdict[any tag deploys (*)]"
        ],
    ),
    "a settings check that takes any tag rule for the release pattern": (
        "src/hardened_release/settings/protection.py",
        "    if pattern not in tags:",
        "    if not tags:",
        [
            "tests/test_settings.py::test_the_command_and_the_preflight_give_one_verdict"
            "[another tag pattern deploys (deploy-*)]"
        ],
    ),
    "a preflight that lets a team approve its own releases": (
        "includes/preflight.jinja",
        'solo = len(people) == 1 and people[0]["type"] == "User"',
        "solo = len(people) == 1",
        [
            "tests/test_settings.py::"
            "test_the_command_and_the_preflight_give_one_verdict[a team approves its own runs]"
        ],
    ),
    "settings that let a team approve its own releases": (
        "src/hardened_release/settings/environments.py",
        "        single = one_person_reviews(reviewers)",
        "        single = len(reviewers) == 1",
        ["tests/test_settings.py::test_a_release_team_of_one_team_never_approves_its_own"],
    ),
}


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_the_suite_catches(defect: str, tmp_path: Path) -> None:
    relative, old, new, tests = DEFECTS[defect]
    copy = repository_copy(tmp_path / "repository")
    file = copy / relative
    text = file.read_text()
    assert text.count(old) == 1, f"the defect's text is no longer in {relative}: {old!r}"
    file.write_text(text.replace(old, new))
    git("commit", "-q", "-am", f"Plant {defect}", cwd=copy)
    # Only the exit status counts here: --assert=plain spares pytest explaining each failed
    # assert, a diff that over a long text took 15 s of a defect's 17.
    code, output = forked_pytest.run(
        copy, "-q", "-x", "-n", "0", "-p", "no:cacheprovider", "--assert=plain", *tests
    )
    # Exit 1: tests ran and failed (not 4 or 5: a test that no longer exists catches nothing).
    assert code == 1, output[-2000:]
