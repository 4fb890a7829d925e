"""The project's values, read from the answers file that Copier wrote for hardened-release."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

ANSWERS_FILE = ".copier-answers.hardened-release.yml"
HANDLE = re.compile(r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?")
REPOSITORY = re.compile(r"[A-Za-z0-9-]+/[A-Za-z0-9._-]+")
#: An environment takes at most this many required reviewers (GitHub's limit).
MAX_REVIEWERS = 6


class AnswersError(Exception):
    """The answers file is missing, unreadable or holds a value GitHub would refuse: one line
    that says what to do."""


@dataclass(frozen=True)
class Values:
    """What the settings depend on, as the project answered hardened-release's questions."""

    repository: str  # owner/name
    environments: tuple[str, ...]  # the environments the release workflow publishes from
    release_team: tuple[str, ...]  # "@org/team" or "@user" handles
    tag_pattern: str = "v*"
    release_workflow: str = "release.yml"
    releasing_doc: str = "RELEASING.md"
    zizmor_check: str = "zizmor"  # the zizmor workflow's job, a required check ("": not required)
    root: Path = Path()  # the repository's checkout: where the answers file is

    @property
    def owner(self) -> str:
        return self.repository.split("/")[0]

    @property
    def solo(self) -> bool:
        """The release team is one person."""
        return len(self.release_team) == 1 and "/" not in self.release_team[0]


def from_answers(answers: dict[str, Any], root: Path = Path()) -> Values:
    """The values of a parsed answers file; AnswersError for one GitHub would refuse."""

    def text(key: str, default: str | None = None) -> str:
        value = answers.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise AnswersError(f"{ANSWERS_FILE} has no {key}: answer it with `copier update`.")
        return value.strip()

    repository = text("github_repository")
    if not REPOSITORY.fullmatch(repository):
        raise AnswersError(f"github_repository {repository!r} is not owner/name.")
    environments = [text("pypi_environment", "pypi")]
    if answers.get("testpypi") is True:
        environments.append(text("testpypi_environment", "testpypi"))
    team = str(answers.get("release_team") or "").replace(",", " ").split()
    owner = repository.split("/")[0]
    for member in team:
        if not HANDLE.fullmatch(member):
            raise AnswersError(
                f"release_team: {member!r} is not a GitHub handle, @user or @org/team."
            )
        org, _, slug = member[1:].partition("/")
        if slug and org.lower() != owner.lower():
            raise AnswersError(
                f"release_team: {member} is a team of {org}, but {repository} belongs to {owner}: "
                f"only {owner}'s own teams can review its deployments."
            )
    if len(team) > MAX_REVIEWERS:
        raise AnswersError(
            f"release_team: {len(team)} handles, but an environment takes at most "
            f"{MAX_REVIEWERS} required reviewers: name a team instead of its members."
        )
    return Values(
        repository=repository,
        environments=tuple(environments),
        release_team=tuple(team),
        tag_pattern=text("tag_pattern", "v*"),
        release_workflow=text("release_workflow", "release.yml"),
        releasing_doc=text("releasing_doc", "RELEASING.md"),
        zizmor_check="" if answers.get("zizmor") == "own" else "zizmor",
        root=root,
    )


def read(path: Path) -> Values:
    """The values of the answers file at `path`; AnswersError when it is missing or unreadable."""
    if not path.is_file():
        raise AnswersError(
            f"No {path.name} in {path.parent.resolve()}: run this from the repository's "
            "checkout, where hardened-release wrote it (or give --answers PATH)."
        )
    try:
        answers = YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YAMLError) as error:
        said = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise AnswersError(
            f"{path} cannot be read as YAML ({said}): restore it from git."
        ) from None
    if not isinstance(answers, dict):
        raise AnswersError(f"{path} is not an answers file (a YAML mapping): restore it from git.")
    return from_answers(answers, root=path.parent)
