"""Plan, apply or check the GitHub settings that the release document recommends.

Run it from the repository's checkout, where `.copier-answers.hardened-release.yml` says which
repository, environments, release team and tag pattern the release uses. It reads the live
settings through the GitHub CLI (https://cli.github.com/), logged in to github.com as an
administrator of the repository, and keeps what the repository already has:

- the deployment environments: the release team as required reviewers, no administrator
  bypass, deployments from release tags only (a team of one gets a wait timer instead of a
  second reviewer);
- a tag ruleset: only the release team creates, moves or deletes release tags;
- a default-branch ruleset: reviewed pull requests, no force push, no deletion, and the zizmor
  audit as a required check once its workflow is on GitHub;
- the Actions settings: an allow-list of every action the workflows use, SHA pinning once
  every `uses:` is pinned, a read-only default token;
- immutable releases, private vulnerability reporting, secret scanning with push protection.

The plan marks each item: `+` added, `~` made stricter, `<` loosened because the release needs
it (it says why), `=` kept as it is, `!` the repository's own, kept (`-` with --prune:
removed), `x` not set until something else changes first (it says what), `?` not offered on
this repository's plan, `E` could not be read; `i` is a note (a workflow a setting affects).

Exit statuses, each with one meaning (when several apply, the first in the order 9, 8, 7, 1,
10 is returned; every problem is printed):

   0  done: the plan printed, every setting applied, or (--check) every control met
   1  --check: a control is missing (with --prune: or something --prune would remove)
   2  wrong usage, or an answers file that is missing, unreadable or holds a bad value
   3  the GitHub CLI is not installed, or not logged in to github.com
   4  the repository is not found, or (--apply) you are not one of its administrators
   5  a release-team handle is not found on GitHub, or is not a user or a team
   6  a team is named, and the repository belongs to a personal account
   7  --apply: GitHub refused some settings (each is listed; the others are applied)
   8  a setting could not be read (each is listed; nothing is assumed about it)
   9  GitHub's rate limit stopped the run (it says when to try again)
  10  --check: a control is not offered on this repository's plan
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from hardened_release.settings import answers as answers_file
from hardened_release.settings.changes import Mark, Options, Setting
from hardened_release.settings.environments import COOLING_OFF_MINUTES
from hardened_release.settings.github import GitHub, GitHubError, RateLimited, gh_ready
from hardened_release.settings.plan import plan
from hardened_release.settings.state import SettingsError, State, read_state

EXIT_MISSING, EXIT_USAGE, EXIT_GH, EXIT_ADMIN = 1, 2, 3, 4
EXIT_REFUSED, EXIT_UNREADABLE, EXIT_RATE_LIMITED, EXIT_NOT_OFFERED = 7, 8, 9, 10

PRIVATE_NOTE = """\
{repository} is private, so some settings depend on its owner's GitHub plan{plan}: rulesets and
environments with deployment rules need GitHub Pro, Team or Enterprise; required reviewers and
wait timers on an environment need GitHub Enterprise; private vulnerability reporting is for
public repositories; secret scanning needs GitHub Secret Protection. Each setting is tried on
its own, and the summary lists what GitHub refused."""

SOLO_NOTE = """\
The release team is one person, {handle}: the settings fit a team of one. You stay the
required reviewer and may approve your own releases; the publish job waits {minutes} minutes
from its start before it can upload, so that a release you did not start can be noticed and
cancelled; and administrators may merge their own pull requests to the default branch without
an approval. What this gives up: whoever takes over your GitHub account can publish. Protect
the account with a security key, and name a second person in release_team when you can
({doc})."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "Without --apply or --check: the plan, which changes nothing."
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--apply", dest="mode", action="store_const", const="apply", help="make the plan"
    )
    mode.add_argument(
        "--check",
        dest="mode",
        action="store_const",
        const="check",
        help="report every control, one line each, and exit non-zero unless all are met",
    )
    parser.add_argument(
        "--prune",
        action="store_true",
        help="also remove or weaken what the plan marks `!`: reviewers and bypass actors "
        "outside the release team, other deployment rules, verified creators' actions "
        "(with --check: count them as missing)",
    )
    parser.add_argument(
        "--signed-commits",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="require signed commits on the default branch (default: %(default)s)",
    )
    parser.add_argument(
        "--answers",
        type=Path,
        default=Path(answers_file.ANSWERS_FILE),
        metavar="PATH",
        help="the answers file hardened-release wrote (default: %(default)s, here)",
    )


def print_plan(settings: list[Setting]) -> None:
    for setting in settings:
        print(setting.name)
        for item in setting.items:
            suffix = " (kept; --prune removes it)" if item.mark is Mark.EXTRA else ""
            print(f"  {item.mark.value} {item.text}{suffix}")
            for line in item.detail:
                print(f"      {line}")
        print()


def print_listing(settings: list[Setting]) -> None:
    """Offline: the calls --apply makes on a repository with none of the settings."""
    for setting in settings:
        for call in setting.calls:
            print(f"# {setting.name}")
            print(f"{call.method} {call.path}")
            if call.body is not None:
                print(json.dumps(call.body, indent=2))
            print()
        for item in setting.items:
            if item.mark in (Mark.BLOCKED, Mark.NOT_OFFERED, Mark.NOTE):
                print(f"# {setting.name}: {item.text}\n")


STATUS = {
    Mark.KEEP: "met",
    Mark.EXTRA: "met",
    Mark.ADD: "missing",
    Mark.CHANGE: "missing",
    Mark.LOOSEN: "missing",
    Mark.REMOVE: "missing",
    Mark.BLOCKED: "missing",
    Mark.NOT_OFFERED: "not offered",
    Mark.UNREADABLE: "unreadable",
}  # Mark.NOTE is no control: the plan shows it, the report does not


def report(settings: list[Setting], prune: bool) -> tuple[list[str], dict[str, int]]:
    """--check: one line per control, its status first; and the count of each status."""
    lines, counts = [], dict.fromkeys(("met", "missing", "not offered", "unreadable"), 0)
    for setting in settings:
        for item in setting.items:
            if item.mark is Mark.NOTE:
                continue
            status = STATUS[item.mark]
            fix = {
                Mark.ADD: " (--apply sets it)",
                Mark.CHANGE: " (--apply sets it)",
                Mark.LOOSEN: " (--apply sets it)",
                Mark.REMOVE: " (--apply --prune removes it)",
                Mark.EXTRA: " (kept; --apply --prune removes it)",
            }.get(item.mark, "")
            if item.mark is Mark.EXTRA and prune:
                status, fix = "missing", " (--apply --prune removes it)"
            counts[status] += 1
            lines.append(f"{status:<12} {setting.name}: {item.text}{fix}")
            lines += [f"{'':<12}   {line}" for line in item.detail]
    return lines, counts


def apply(github: GitHub, settings: list[Setting], state: State) -> list[str]:
    """Make each setting's calls. A refused call stops its setting, and where an earlier call
    of it went through, the setting is restored to what was read; the next setting goes on."""
    failures = []
    for setting in settings:
        for done, call in enumerate(setting.calls):
            print(f"{call.method} {call.path}", flush=True)
            try:
                github.write(call.method, call.path, call.body)
            except RateLimited:
                raise
            except GitHubError as error:
                print(f"  refused: {error}", flush=True)
                failures.append(f"{setting.name}: {explain(error, state)}")
                if done and setting.restore:
                    failures[-1] += "\n    " + restore(github, setting)
                break
    return failures


def restore(github: GitHub, setting: Setting) -> str:
    """Put a half-applied setting back as it was read."""
    for call in setting.restore:
        print(f"{call.method} {call.path} (restoring it)", flush=True)
        try:
            github.write(call.method, call.path, call.body)
        except GitHubError as error:
            return f"It could not be restored as it was: {error}. Check it by hand."
    return "Its earlier change was undone: it is as it was."


def explain(error: GitHubError, state: State) -> str:
    """What a refused call means, and what to do about it."""
    said = str(error)
    if error.status == 409:
        return f"{said}\n    An organisation or enterprise policy decides it: ask its owners."
    if error.status in (403, 404) and state.repository.private:
        return f"{said}\n    On a private repository, GitHub's plan may not offer it (see above)."
    if error.status in (403, 404):
        return f"{said}\n    GitHub refused it to this login: `gh auth status` shows its scopes."
    return said


def exit_status(settings: list[Setting], mode: str, prune: bool, refused: bool) -> int:
    marks = {item.mark for setting in settings for item in setting.items}
    if Mark.UNREADABLE in marks:
        return EXIT_UNREADABLE
    if refused:
        return EXIT_REFUSED
    if mode != "check":
        return 0
    _, counts = report(settings, prune)
    if counts["missing"]:
        return EXIT_MISSING
    if counts["not offered"]:
        return EXIT_NOT_OFFERED
    return 0


def run(arguments: argparse.Namespace) -> int:
    mode = arguments.mode or "plan"
    options = Options(prune=arguments.prune, signed_commits=arguments.signed_commits)
    try:
        values = answers_file.read(arguments.answers)
    except answers_file.AnswersError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    try:
        return run_with(values, mode, options)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.code
    except RateLimited as error:
        print(f"error: stopped: {error}. Nothing more was read or written.", file=sys.stderr)
        return EXIT_RATE_LIMITED
    except GitHubError as error:
        print(f"error: could not be read: {error}", file=sys.stderr)
        return EXIT_UNREADABLE


def run_with(values: answers_file.Values, mode: str, options: Options) -> int:
    problem = gh_ready()
    if problem and mode != "plan":
        raise SettingsError(f"{problem}\nThe plan (no option) needs neither.", EXIT_GH)
    github = GitHub(live=not problem)
    if problem:
        print(f"# {problem.splitlines()[0]}", file=sys.stderr)
        print(f"# Offline: the calls --apply makes on {values.repository} if none is set yet.")
        print("# --apply reads each setting first: it adds, and keeps what is there.\n")
    state = read_state(github, values)
    repository = state.repository
    if repository.admin is False and mode == "apply":
        message = (
            f"You are not an administrator of {values.repository}: ask one to run this, or to "
            "make you one. The plan (no option) shows what it would do."
        )
        raise SettingsError(message, EXIT_ADMIN)
    if repository.admin is False:
        print(f"You are not an administrator of {values.repository}: what only they can read")
        print("shows as `E`, and only they can --apply this plan.\n")
    if repository.private and mode != "check":
        plan_name = f" (its plan: {repository.plan})" if repository.plan else ""
        print(PRIVATE_NOTE.format(repository=values.repository, plan=plan_name), end="\n\n")
    if values.solo and mode != "check":
        note = SOLO_NOTE.format(
            handle=values.release_team[0], minutes=COOLING_OFF_MINUTES, doc=values.releasing_doc
        )
        if not github.live:  # the listing: calls, and comments
            note = "\n".join(f"# {line}" for line in note.splitlines())
        print(note, end="\n\n")
    settings = plan(state, options)
    if not github.live:
        print_listing(settings)
        return 0
    if mode == "check":
        return check(settings, options, state)
    print_plan(settings)
    if mode == "plan":
        print("Nothing was changed: --apply makes the `+`, `~`, `<` and `-` items.")
        return exit_status(settings, mode, options.prune, refused=False)
    unreadable = [s for s in settings if any(i.mark is Mark.UNREADABLE for i in s.items)]
    failures = apply(github, settings, state)
    changed = sum(bool(setting.calls) for setting in settings) - len(failures)
    print(f"\n{changed} settings changed, {len(failures)} refused.")
    for failure in failures:
        print(f"refused: {failure}", file=sys.stderr)
    for setting in unreadable:
        print(f"not read, so not changed: {setting.name}", file=sys.stderr)
    left = [
        setting.name
        for setting in settings
        for item in setting.items
        if item.mark in (Mark.BLOCKED, Mark.NOT_OFFERED)
        or (item.mark is Mark.EXTRA and not options.prune)
    ]
    if left:
        print(f"Not changed (see the plan above): {', '.join(dict.fromkeys(left))}.")
    return exit_status(settings, "apply", options.prune, refused=bool(failures))


def check(settings: list[Setting], options: Options, state: State) -> int:
    lines, counts = report(settings, options.prune)
    for line in lines:
        print(line)
    total = sum(counts.values())
    print(
        f"\n{state.values.repository}: {total} controls, {counts['met']} met, {counts['missing']} "
        f"missing, {counts['not offered']} not offered on this plan, {counts['unreadable']} "
        "could not be read."
    )
    return exit_status(settings, "check", options.prune, refused=False)


def main(argv: list[str] | None = None) -> int:
    """`hardened-release settings` on its own, for the tests and `python -m`."""
    parser = argparse.ArgumentParser(prog="hardened-release settings", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))
