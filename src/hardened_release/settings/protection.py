"""The definition of a protected environment, as a pure function of what GitHub answers.

An environment gates a release when it exists; has required reviewers; lets no one approve a
run they started, unless the one reviewer is a single person (the solo profile); and lets
only refs matching the release tag pattern deploy, through a deployment tag rule of exactly
that pattern (a tag rule `*` or `deploy-*` is not the release pattern). The release
workflow's preflight job decides the same from the same answers, in a few lines of its own;
tests/environment_states.py holds both to one table of states.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


@dataclass
class Verdict:
    """Errors stop a release; warnings are weaker than the release document asks."""

    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def protected(self) -> bool:
        return not self.errors


def reviewers_of(environment: Json) -> tuple[list[Json], bool]:
    """The required reviewers of a GET environment answer, and whether self-review is
    prevented."""
    for rule in environment.get("protection_rules") or []:
        if rule.get("type") == "required_reviewers":
            return list(rule.get("reviewers") or []), bool(rule.get("prevent_self_review"))
    return [], False


def one_person_reviews(reviewers: list[Json]) -> bool:
    """A team of one: a single user is the only required reviewer."""
    return len(reviewers) == 1 and reviewers[0].get("type") == "User"


def verdict(
    name: str, environment: Json | None, rules: list[Json] | None, pattern: str, private: bool
) -> Verdict:
    """Whether the environment `name` gates a release. `environment` is GitHub's GET
    environment answer (None: it does not exist); `rules` its deployment branch and tag rules
    (the list GitHub answers; None where its policy is not custom). In a private repository,
    missing reviewers are a warning: there, only GitHub Enterprise has them."""
    found = Verdict()
    if environment is None:
        found.errors.append(f"The environment {name} does not exist, so nothing gates publishing")
        return found
    reviewers, prevented = reviewers_of(environment)
    if not reviewers:
        said = f"The environment {name} has no required reviewers, so one person alone can publish"
        if private:
            found.warnings.append(
                f"{said} (a private repository has them only on GitHub Enterprise)"
            )
        else:
            found.errors.append(said)
    elif not prevented and not one_person_reviews(reviewers):
        found.errors.append(
            f"The environment {name} lets a reviewer approve a release they started "
            "(prevent self-review is off)"
        )
    if environment.get("can_admins_bypass", True):
        found.warnings.append(f"{name}: administrators may publish without an approval")
    policy = environment.get("deployment_branch_policy") or {}
    custom = bool(policy.get("custom_branch_policies"))
    tags = [rule.get("name") for rule in (rules or []) if custom and rule.get("type") == "tag"]
    if pattern not in tags:
        found.errors.append(
            f"The environment {name} has no deployment tag rule {pattern}, so refs other than "
            "release tags can publish"
        )
    for rule in rules or [] if custom else []:
        if rule.get("type") == "tag" and rule.get("name") != pattern:
            found.warnings.append(f"{name}: the tags {rule.get('name')} may deploy too")
        elif rule.get("type") != "tag":
            found.warnings.append(f"{name}: the branch {rule.get('name')} may deploy too")
    return found
