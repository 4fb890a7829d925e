"""The settings script every render writes (.github/release-settings.py), and the preflight
job's check, run against a stand-in for the GitHub CLI that answers as GitHub's REST API does.

Every request body they send, and every response the stand-in gives, is validated against the
schemas of GitHub's REST API description (tests/data/github-rest, see its README.md).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import jsonschema
import pytest
import yaml

from helpers import ROOT, load_yaml, release_workflow
from test_lint import check, tool
from variants import VARIANTS

Json = dict[str, Any]
SCRIPT = Path(".github") / "release-settings.py"
REST = ROOT / "tests" / "data" / "github-rest"
OPERATIONS = [json.loads(path.read_text()) for path in sorted(REST.glob("*.*.json"))]
BASIC_ERROR = json.loads((REST / "basic-error.json").read_text())
WRITES = {"PUT", "POST", "PATCH", "DELETE"}
CALL = re.compile(r"(GET|PUT|POST|PATCH|DELETE) (\S+)")
PLACEHOLDER = re.compile(r'"<id of (@[^"]+)>"')
OWNER = "octo-org"

#: The stand-in for `gh`: `gh auth status` and `gh api [--include] [--method M] [--input -]
#: PATH`, answered from a JSON state file that writes change, each call logged as a JSON line.
FAKE_GH = r"""
import json
import os
import sys

REASONS = {200: "OK", 201: "Created", 204: "No Content", 403: "Forbidden", 404: "Not Found",
           422: "Unprocessable Entity"}
STAMP = "2026-01-02T03:04:05Z"


def error(status, message):
    return status, {"message": message, "documentation_url": "https://docs.github.com/rest",
                    "status": str(status)}


def environment(state, name, body):
    rules = []
    if body.get("wait_timer"):
        rules.append({"id": 1, "node_id": "GA_1", "type": "wait_timer",
                      "wait_timer": body["wait_timer"]})
    if body.get("reviewers"):
        for reviewer in body["reviewers"]:
            if f"{reviewer['type']}:{reviewer['id']}" not in state["actors"]:
                return None
        rules.append({
            "id": 2, "node_id": "GA_2", "type": "required_reviewers",
            "prevent_self_review": body.get("prevent_self_review", False),
            "reviewers": [
                {"type": r["type"], "reviewer": state["actors"][f"{r['type']}:{r['id']}"]}
                for r in body["reviewers"]
            ],
        })
    if body.get("deployment_branch_policy"):
        rules.append({"id": 3, "node_id": "GA_3", "type": "branch_policy"})
    url = f"https://api.github.com/repos/{state['repository']}/environments/{name}"
    return {
        "id": 7, "node_id": "EN_7", "name": name, "url": url,
        "html_url": f"https://github.com/{state['repository']}/deployments",
        "created_at": STAMP, "updated_at": STAMP,
        "can_admins_bypass": body.get("can_admins_bypass", True),
        "protection_rules": rules,
        "deployment_branch_policy": body.get("deployment_branch_policy"),
    }


def ruleset(state, ruleset_id, body):
    rules = []
    for rule in body.get("rules", []):
        rule = dict(rule)
        if rule["type"] == "update":  # GitHub fills in the parameters it defaults
            rule["parameters"] = {"update_allows_fetch_and_merge": False}
        if rule["type"] == "pull_request":
            rule["parameters"] = {**rule["parameters"], "required_reviewers": [],
                                  "allowed_merge_methods": ["merge", "squash", "rebase"]}
        rules.append(rule)
    href = f"https://api.github.com/repos/{state['repository']}/rulesets/{ruleset_id}"
    return {
        "id": ruleset_id, "name": body["name"], "target": body.get("target", "branch"),
        "source_type": "Repository", "source": state["repository"],
        "enforcement": body["enforcement"], "bypass_actors": body.get("bypass_actors", []),
        "conditions": body.get("conditions"), "rules": rules, "node_id": f"RRS_{ruleset_id}",
        "current_user_can_bypass": "never", "_links": {"self": {"href": href}},
        "created_at": STAMP, "updated_at": STAMP,
    }


def answer(state, method, path, body):
    route = path.partition("?")[0].strip("/")
    for refused in state["refuse"]:
        if route.startswith(refused["path"]) and method in refused["methods"]:
            return error(refused["status"], refused["message"])
    parts = route.split("/")
    if parts[0] == "users" and method == "GET":
        account = state["accounts"].get(parts[1].lower())
        return (200, account) if account else error(404, "Not Found")
    if parts[0] == "orgs" and method == "GET":
        team = state["teams"].get(f"{parts[1]}/{parts[3]}".lower())
        return (200, team) if team else error(404, "Not Found")
    if "/".join(parts[1:3]) != state["repository"]:
        return error(404, "Not Found")
    rest = parts[3:]
    if rest[0] == "environments" and len(rest) == 2:
        if method == "PUT":
            made = environment(state, rest[1], body)
            if made is None:
                return error(422, "Invalid reviewer")
            state["environments"][rest[1]] = made
        found = state["environments"].get(rest[1])
        return (200, found) if found else error(404, "Not Found")
    if rest[0] == "environments":
        if rest[1] not in state["environments"]:
            return error(404, "Not Found")
        policies = state["policies"].setdefault(rest[1], [])
        if method == "POST":
            state["next_id"] += 1
            made = {"id": state["next_id"], "node_id": f"DBP_{state['next_id']}", **body}
            policies.append(made)
            return 200, made
        if method == "DELETE":
            policies[:] = [p for p in policies if str(p["id"]) != rest[3]]
            return 204, None
        return 200, {"total_count": len(policies), "branch_policies": policies}
    if rest[0] == "rulesets":
        rulesets = state["rulesets"]
        if method == "POST":
            state["next_id"] += 1
            rulesets[str(state["next_id"])] = ruleset(state, state["next_id"], body)
            return 201, rulesets[str(state["next_id"])]
        if len(rest) == 1:
            keys = ("id", "name", "target", "source_type", "source", "enforcement", "node_id",
                    "_links", "created_at", "updated_at")
            return 200, [{key: r[key] for key in keys} for r in rulesets.values()]
        if rest[1] not in rulesets:
            return error(404, "Not Found")
        if method == "PUT":
            rulesets[rest[1]] = ruleset(state, int(rest[1]), body)
        return 200, rulesets[rest[1]]
    if rest[:2] == ["actions", "permissions"]:
        key = "/".join(rest[1:])
        if method == "PUT":
            state["actions"][key].update(body)
            return 204, None
        found = dict(state["actions"][key])
        if key == "permissions" and found["allowed_actions"] == "selected":
            found["selected_actions_url"] = f"https://api.github.com/{route}/selected-actions"
        return 200, found
    return error(404, "Not Found")


def main(args):
    with open(os.environ["FAKE_GH_STATE"]) as file:
        state = json.load(file)
    if args[:2] == ["auth", "status"]:
        if state["logged_in"]:
            print("github.com\n  Logged in to github.com account octocat (keyring)")
            return 0
        print("You are not logged into any GitHub hosts. To log in, run: gh auth login",
              file=sys.stderr)
        return 1
    assert args[0] == "api", args
    method, body, words = "GET", None, iter(args[1:])
    for word in words:
        if word == "--method":
            method = next(words)
        elif word == "--input":
            assert next(words) == "-"
            body = json.load(sys.stdin)
        elif word != "--include":
            path = word
    status, response = answer(state, method, path, body)
    with open(os.environ["FAKE_GH_STATE"], "w") as file:
        json.dump(state, file)
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        log.write(json.dumps({"method": method, "path": path, "body": body,
                              "status": status, "response": response}) + "\n")
    print(f"HTTP/2.0 {status} {REASONS[status]}\r")
    print("Content-Type: application/json; charset=utf-8\r\nX-Github-Api-Version-Selected: "
          "2022-11-28\r\n\r")
    if response is not None:
        print(json.dumps(response))
    if status >= 400:
        print(f"gh: {response['message']} (HTTP {status})", file=sys.stderr)
        return 1
    return 0


sys.exit(main(sys.argv[1:]))
"""


# --- GitHub's REST API description: operations, schemas, and sample objects -----------------


def operation(method: str, path: str) -> Json:
    """The operation of GitHub's REST API that a call (`repos/o/r/...?query`) is."""
    route = "/" + path.partition("?")[0].strip("/")
    for found in OPERATIONS:
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(found["path"]))
        if found["method"] == method and re.fullmatch(pattern, route):
            return found
    raise AssertionError(f"{method} {path} is not an operation the tests know")


def validate(schema: Json, components: Json, instance: Any) -> None:
    jsonschema.Draft202012Validator({**schema, "components": components}).validate(instance)


def validate_request(method: str, path: str, body: Any) -> None:
    found = operation(method, path)
    assert (body is None) == (found["request"] is None), f"{method} {path}: {body}"
    if body is not None:
        validate(found["request"], found["components"], body)


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    found = operation(method, path)
    if status >= 400:
        validate(BASIC_ERROR, {}, body)
        return
    assert str(status) in found["responses"], f"{method} {path}: HTTP {status}"
    schema = found["responses"][str(status)]
    assert (schema is None) == (body is None), f"{method} {path}: {body}"
    if schema is not None:
        validate(schema, found["components"], body)


def sample(operation_id: str, schema: str, /, **values: Any) -> Json:
    """A minimal object of the named schema, with `values`: every required property filled."""
    components = next(o for o in OPERATIONS if o["operationId"] == operation_id)["components"]

    def fill(schema: Json) -> Any:
        if "$ref" in schema:
            return fill(components["schemas"][schema["$ref"].rsplit("/", 1)[1]])
        for combined in ("oneOf", "anyOf"):
            if combined in schema:
                return fill(schema[combined][0])
        kind = schema.get("type", "object")
        kind = kind[0] if isinstance(kind, list) else kind
        if "enum" in schema:
            return schema["enum"][0]
        if kind == "object":
            properties = schema.get("properties", {})
            return {key: fill(properties.get(key, {})) for key in schema.get("required", [])}
        return {"string": "x", "integer": 1, "boolean": False, "array": [], "number": 1}[kind]

    made = {**fill(components["schemas"][schema]), **values}
    validate(components["schemas"][schema], components, made)
    return made


# --- The stand-in GitHub, and running the script against it --------------------------------


def repo_path(answers: Json) -> str:
    return f"repos/{answers['github_repository']}"


def team_members(answers: Json) -> list[str]:
    return answers.get("release_team", "").replace(",", " ").split()


def github_state(answers: Json, owner_type: str = "Organization") -> Json:
    """GitHub as the stand-in holds it: the repository with none of the settings, its owner,
    and the release team's users and teams, each with an id."""
    accounts = {
        OWNER: sample("users/get-by-username", "public-user", login=OWNER, id=1, type=owner_type)
    }
    teams, actors = {}, {}
    for number, handle in enumerate(team_members(answers), start=100):
        name, _, slug = handle[1:].partition("/")
        if slug:
            teams[f"{name}/{slug}".lower()] = sample(
                "teams/get-by-name", "team-full", id=number, slug=slug, name=slug, parent=None
            )
            actors[f"Team:{number}"] = sample("repos/get-environment", "team", id=number, slug=slug)
        else:
            accounts[name.lower()] = sample(
                "users/get-by-username", "public-user", login=name, id=number, type="User"
            )
            actors[f"User:{number}"] = sample(
                "repos/get-environment", "simple-user", login=name, id=number, type="User"
            )
    return {
        "repository": answers["github_repository"],
        "logged_in": True,
        "accounts": accounts,
        "teams": teams,
        "actors": actors,
        "environments": {},
        "policies": {},
        "rulesets": {},
        "actions": {
            "permissions": {"enabled": True, "allowed_actions": "all"},
            "permissions/selected-actions": {"github_owned_allowed": True},
            "permissions/workflow": {
                "default_workflow_permissions": "write",
                "can_approve_pull_request_reviews": True,
            },
        },
        "refuse": [],
        "next_id": 1000,
    }


class FakeGitHub:
    """A directory with the stand-in `gh`, its state file and its call log."""

    def __init__(self, directory: Path, state: Json) -> None:
        self.bin = directory / "bin"
        self.bin.mkdir(parents=True)
        gh = self.bin / "gh"
        gh.write_text(f"#!{sys.executable} -IS\n{FAKE_GH}")
        gh.chmod(0o755)
        self.state_file = directory / "state.json"
        self.log_file = directory / "calls.jsonl"
        self.save(state)

    def load(self) -> Json:
        return json.loads(self.state_file.read_text())

    def save(self, state: Json) -> None:
        self.state_file.write_text(json.dumps(state))

    def calls(self) -> list[Json]:
        """The calls logged since the last time they were read."""
        if not self.log_file.exists():
            return []
        calls = [json.loads(line) for line in self.log_file.read_text().splitlines()]
        self.log_file.unlink()
        return calls

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "FAKE_GH_STATE": str(self.state_file),
            "FAKE_GH_LOG": str(self.log_file),
        }


def run(script: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, env=env, check=False
    )


def checked_calls(github: FakeGitHub) -> list[Json]:
    """The logged calls, each request and response validated against GitHub's schemas."""
    calls = github.calls()
    for call in calls:
        validate_request(call["method"], call["path"], call["body"])
        validate_response(call["method"], call["path"], call["status"], call["response"])
    return calls


def printed_calls(output: str) -> list[tuple[str, str, Any]]:
    """The calls a run prints: `# why`, `METHOD path`, the JSON body, a blank line (and
    `ok: setting` lines for those left as they are)."""
    calls = []
    for block in output.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith(("#", "ok: "))]
        if not lines:
            continue
        match = CALL.fullmatch(lines[0])
        assert match, f"not a call: {block!r}"
        body = json.loads(PLACEHOLDER.sub("1", "\n".join(lines[1:]))) if lines[1:] else None
        calls.append((match[1], match[2], body))
    return calls


@pytest.fixture(params=sorted(VARIANTS))
def variant(request: pytest.FixtureRequest, rendered: Callable[[str], Path]) -> tuple[Json, Path]:
    return VARIANTS[request.param], rendered(request.param) / SCRIPT


def third_party_actions(project: Path) -> list[str]:
    used = {
        line.split("uses: ")[1].split("@")[0]
        for workflow in (project / ".github" / "workflows").glob("*.yml")
        for line in workflow.read_text().splitlines()
        if "uses: " in line
    }
    return sorted(f"{action}@*" for action in used if not action.startswith("actions/"))


# --- The settings script ---------------------------------------------------------------------


def test_dry_run_needs_no_gh_and_sends_valid_bodies(
    variant: tuple[Json, Path], tmp_path: Path
) -> None:
    answers, script = variant
    result = run(script, env={**os.environ, "PATH": str(tmp_path)})  # no gh: nothing on PATH
    assert result.returncode == 0, result.stderr
    calls = printed_calls(result.stdout)
    for method, path, body in calls:
        assert method in WRITES, "a dry run shows the changes, and reads nothing"
        validate_request(method, path, body)
    environments = [answers.get("pypi_environment", "pypi")]
    if answers.get("testpypi"):
        environments.append(answers.get("testpypi_environment", "testpypi"))
    repo = repo_path(answers)
    assert [(method, path) for method, path, _ in calls] == [
        *(
            call
            for name in environments
            for call in (
                ("PUT", f"{repo}/environments/{name}"),
                ("POST", f"{repo}/environments/{name}/deployment-branch-policies"),
            )
        ),
        ("POST", f"{repo}/rulesets"),
        ("POST", f"{repo}/rulesets"),
        ("PUT", f"{repo}/actions/permissions"),
        ("PUT", f"{repo}/actions/permissions/selected-actions"),
        ("PUT", f"{repo}/actions/permissions/workflow"),
    ]
    bodies = [body for _, _, body in calls]
    team = team_members(answers)
    pattern = answers.get("tag_pattern", "v*")
    for environment, rule in zip(bodies[0:-5:2], bodies[1:-5:2], strict=True):
        assert environment.get("prevent_self_review") is (True if team else None)
        assert environment["can_admins_bypass"] is False
        assert environment["deployment_branch_policy"] == {
            "protected_branches": False,
            "custom_branch_policies": True,
        }
        kinds = ["Team" if "/" in handle else "User" for handle in team]
        assert sorted(r["type"] for r in environment.get("reviewers", [])) == sorted(kinds)
        assert rule == {"name": pattern, "type": "tag"}
    tags, branch, permissions, allow_list, token = bodies[-5:]
    assert tags["target"] == "tag"
    assert tags["conditions"]["ref_name"]["include"] == [f"refs/tags/{pattern}"]
    assert {rule["type"] for rule in tags["rules"]} == {
        "creation",
        "update",
        "deletion",
        "non_fast_forward",
    }
    bypass = sorted(actor["actor_type"] for actor in tags["bypass_actors"])
    assert bypass == (sorted(kinds) if team else ["RepositoryRole"])
    assert branch["conditions"]["ref_name"]["include"] == ["~DEFAULT_BRANCH"]
    assert {rule["type"] for rule in branch["rules"]} == {
        "deletion",
        "non_fast_forward",
        "required_signatures",
        "pull_request",
    }
    assert branch["bypass_actors"] == []
    assert permissions == {
        "enabled": True,
        "allowed_actions": "selected",
        "sha_pinning_required": True,
    }
    assert allow_list == {
        "github_owned_allowed": True,
        "verified_allowed": False,
        "patterns_allowed": third_party_actions(script.parents[1]),
    }
    assert token == {
        "default_workflow_permissions": "read",
        "can_approve_pull_request_reviews": False,
    }
    if not team:
        assert "RELEASE_TEAM is empty" in result.stderr


def test_apply_is_idempotent_and_check_agrees(variant: tuple[Json, Path], tmp_path: Path) -> None:
    answers, script = variant
    github = FakeGitHub(tmp_path, github_state(answers))
    first = run(script, "--apply", env=github.environment())
    assert first.returncode == 0, first.stderr
    calls = checked_calls(github)
    writes = [(call["method"], call["path"]) for call in calls if call["method"] in WRITES]
    assert writes == [(method, path) for method, path, _ in printed_calls(first.stdout)]
    assert len(writes) == 5 + 2 * (2 if answers.get("testpypi") else 1)

    second = run(script, "--apply", env=github.environment())
    assert second.returncode == 0, second.stderr
    assert [call for call in checked_calls(github) if call["method"] in WRITES] == []
    assert "ok: ruleset Release tags" in second.stdout

    check = run(script, "--check", env=github.environment())
    drifts = [line for line in check.stdout.splitlines() if line.startswith("drift: ")]
    if team_members(answers):
        assert check.returncode == 0, check.stdout + check.stderr
        assert drifts == [] and "Every setting is as recommended." in check.stdout
    else:  # what --apply cannot set: the release team is not named
        assert check.returncode == 1, check.stdout + check.stderr
        assert drifts and all(drift.endswith(": no required reviewers") for drift in drifts)
    assert all(call["method"] == "GET" for call in checked_calls(github))


@pytest.mark.parametrize("name", ["monthly-long-cooldown-team", "one-day-cooldown-custom-envs"])
def test_check_names_each_drift_and_apply_repairs_it(
    name: str, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    answers, script = VARIANTS[name], rendered(name) / SCRIPT
    github = FakeGitHub(tmp_path, github_state(answers))
    assert run(script, "--apply", env=github.environment()).returncode == 0
    github.calls()
    environment = answers.get("pypi_environment", "pypi")
    state = github.load()
    state["environments"][environment]["can_admins_bypass"] = True
    state["policies"][environment] = [{"id": 7, "node_id": "x", "name": "main", "type": "branch"}]
    tags = next(r for r in state["rulesets"].values() if r["name"] == "Release tags")
    tags["rules"] = [rule for rule in tags["rules"] if rule["type"] != "deletion"]
    state["actions"]["permissions"]["sha_pinning_required"] = False
    state["actions"]["permissions/selected-actions"]["patterns_allowed"].append("evil/x@*")
    state["actions"]["permissions/workflow"]["default_workflow_permissions"] = "write"
    github.save(state)

    check = run(script, "--check", env=github.environment())
    assert check.returncode == 1, check.stdout + check.stderr
    drifts = [line for line in check.stdout.splitlines() if line.startswith("drift: ")]
    for expected in (
        f"environment {environment}: can_admins_bypass is true, recommended false",
        f"no deployment tag rule {answers.get('tag_pattern', 'v*')}",
        "a deployment branch rule main",
        "ruleset Release tags: rules is",
        "actions permissions: sha_pinning_required is false, recommended true",
        "actions allow-list: patterns_allowed is [",
        'actions default token: default_workflow_permissions is "write", recommended "read"',
    ):
        assert any(expected in drift for drift in drifts), (expected, drifts)
    unreviewed = [drift for drift in drifts if drift.endswith(": no required reviewers")]
    assert len(unreviewed) == (0 if team_members(answers) else 1 + bool(answers.get("testpypi")))
    assert len(drifts) == 7 + len(unreviewed)
    assert f"{len(drifts)} settings differ from the recommendation" in check.stdout
    assert all(call["method"] == "GET" for call in checked_calls(github))

    repair = run(script, "--apply", env=github.environment())
    assert repair.returncode == 0, repair.stderr
    writes = [
        (call["method"], call["path"]) for call in checked_calls(github) if call["method"] in WRITES
    ]
    assert writes == [(method, path) for method, path, _ in printed_calls(repair.stdout)]
    assert (
        "DELETE",
        f"{repo_path(answers)}/environments/{environment}/deployment-branch-policies/7",
    ) in writes
    check = run(script, "--check", env=github.environment())
    assert [line for line in check.stdout.splitlines() if line.startswith("drift: ")] == unreviewed


def test_signed_commits_can_be_left_out(rendered: Callable[[str], Path], tmp_path: Path) -> None:
    script = rendered("default") / SCRIPT
    result = run(script, "--no-signed-commits", env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    branch = next(
        body for _, _, body in printed_calls(result.stdout) if body.get("name") == "Default branch"
    )
    assert "required_signatures" not in {rule["type"] for rule in branch["rules"]}


TEAM_VARIANT = "monthly-long-cooldown-team"  # @octo-org/release-team @alice


def refuse(path: str, status: int, message: str, methods: tuple[str, ...] = ("GET",)) -> Json:
    return {"path": path, "status": status, "message": message, "methods": list(methods)}


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"logged_in": False}, 3, "not logged in: run `gh auth login`"),
        (
            {"refuse": [refuse("repos/octo-org/sample/actions", 403, "Must have admin rights")]},
            4,
            "needs admin rights on the repository",
        ),
        (
            {"refuse": [refuse("repos/octo-org/sample/rulesets", 403, "Forbidden", ("POST",))]},
            4,
            "POST repos/octo-org/sample/rulesets: Forbidden (HTTP 403)",
        ),
        ({"teams": {}}, 5, "@octo-org/release-team is not on GitHub"),
        ({"accounts": "no alice"}, 5, "@alice is not on GitHub"),
        ({"accounts": "personal"}, 6, "only organisations have teams (@octo-org/release-team)"),
    ],
)
def test_errors_say_what_to_do(
    change: Json, code: int, message: str, rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    answers = VARIANTS[TEAM_VARIANT]
    state = github_state(
        answers, "User" if change.get("accounts") == "personal" else "Organization"
    )
    if change.get("accounts") == "no alice":
        del state["accounts"]["alice"]
    state.update({key: value for key, value in change.items() if key != "accounts"})
    github = FakeGitHub(tmp_path, state)
    result = run(rendered(TEAM_VARIANT) / SCRIPT, "--apply", env=github.environment())
    assert result.returncode == code, result.stdout + result.stderr
    assert message in " ".join(result.stderr.split()), result.stderr
    checked_calls(github)


def test_apply_without_gh_says_how_to_get_it(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    result = run(rendered("default") / SCRIPT, "--check", env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 3
    assert "gh, is not installed" in result.stderr and "https://cli.github.com/" in result.stderr


def test_a_team_of_another_organisation_is_refused(
    rendered: Callable[[str], Path], tmp_path: Path
) -> None:
    text = (rendered(TEAM_VARIANT) / SCRIPT).read_text()
    script = tmp_path / "release-settings.py"
    script.write_text(text.replace('"@octo-org/release-team"', '"@other-org/release"'))
    result = run(script, env={**os.environ, "PATH": str(tmp_path)})
    assert result.returncode == 2
    assert "@other-org/release is a team of other-org" in result.stderr


def test_the_script_is_ruff_clean_standard_library_python(
    variant: tuple[Json, Path], tmp_path: Path
) -> None:
    """Python 3.10+ and the standard library only, formatted and linted as this repository is."""
    _, script = variant
    imports = re.findall(r"^(?:from|import) (\w+)", script.read_text(), flags=re.M)
    assert set(imports) <= set(sys.stdlib_module_names) | {"__future__"}
    # No cache: nothing may be written into the rendered project, which other tests share.
    options = ("--no-cache", "--config", ROOT / "pyproject.toml", "--target-version", "py310")
    check(tool("ruff"), "check", *options, script, cwd=tmp_path)
    check(tool("ruff"), "format", "--check", *options, script, cwd=tmp_path)


# --- The preflight job -------------------------------------------------------------------------


def preflight_job(environments: list[str], tag_pattern: str = "v*") -> Json:
    """includes/preflight.jinja's job, rendered with the template's own Jinja settings."""
    envops = dict(yaml.safe_load((ROOT / "copier.yml").read_text())["_envops"])
    envops["undefined"] = jinja2.StrictUndefined
    jinja = jinja2.Environment(loader=jinja2.FileSystemLoader(ROOT), **envops)
    template = jinja.from_string(
        '[% from "includes/preflight.jinja" import preflight_job with context %]jobs:\n'
        "[[ preflight_job(environments, condition=\"github.event_name == 'release'\") ]]\n"
    )
    text = template.render(environments=environments, tag_pattern=tag_pattern)
    return yaml.safe_load(text)["jobs"]["preflight"]


def protected(**changes: Any) -> Json:
    body = {
        "reviewers": [{"type": "Team", "id": 100}],
        "prevent_self_review": True,
        "can_admins_bypass": False,
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True},
        **changes,
    }
    return {key: value for key, value in body.items() if value is not None}


TAG_RULE = {"name": "v*", "type": "tag"}
REFUSED = refuse(
    f"repos/{OWNER}/sample/environments", 403, "Resource not accessible by integration"
)

#: case: (environments as set on GitHub, their deployment rules, the environments checked,
#: refused calls, the exit code, lines the check prints)
PREFLIGHT_CASES = {
    "protected": ({"pypi": protected()}, [TAG_RULE], ["pypi"], [], 0, ["pypi: required reviewers"]),
    "no reviewers": (
        {"pypi": protected(reviewers=None)},
        [TAG_RULE],
        ["pypi"],
        [],
        1,
        ["::error::The environment pypi has no required reviewers"],
    ),
    "no tag rule": (
        {"pypi": protected()},
        [{"name": "main", "type": "branch"}],
        ["pypi"],
        [],
        1,
        [
            "::error::The environment pypi has no deployment tag rule v*",
            "::warning::pypi: the branch main may deploy too.",
        ],
    ),
    "any ref deploys": (
        {"pypi": protected(deployment_branch_policy=None)},
        [],
        ["pypi"],
        [],
        1,
        ["::error::The environment pypi has no deployment tag rule v*"],
    ),
    "self-review and admin bypass": (
        {"pypi": protected(prevent_self_review=False, can_admins_bypass=True)},
        [TAG_RULE],
        ["pypi"],
        [],
        0,
        [
            "::warning::pypi: whoever starts a release may also approve it.",
            "::warning::pypi: administrators may publish without an approval.",
        ],
    ),
    "missing": (
        {"pypi": protected()},
        [TAG_RULE],
        ["pypi", "testpypi"],
        [],
        1,
        [
            "pypi: required reviewers",
            "::error::The environment testpypi does not exist, so nothing gates publishing. "
            "Create it,",
        ],
    ),
    "unreadable": (
        {},
        [],
        ["pypi"],
        [REFUSED],
        1,
        ["::error::Could not read the environment pypi: HTTP 403 Resource not accessible"],
    ),
}


def gh(github: FakeGitHub, method: str, path: str, body: Json) -> None:
    """Set GitHub up through the stand-in, as a person with gh would."""
    subprocess.run(
        ["gh", "api", "--method", method, path, "--input", "-"],
        input=json.dumps(body),
        env=github.environment(),
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.mark.parametrize("case", sorted(PREFLIGHT_CASES))
def test_preflight_decides_from_the_environment(case: str, tmp_path: Path) -> None:
    environments, rules, checked, refused, code, expected = PREFLIGHT_CASES[case]
    answers = {"github_repository": f"{OWNER}/sample", "release_team": f"@{OWNER}/release-team"}
    github = FakeGitHub(tmp_path, github_state(answers))
    repo = repo_path(answers)
    for name, body in environments.items():
        gh(github, "PUT", f"{repo}/environments/{name}", body)
        for rule in rules:
            gh(github, "POST", f"{repo}/environments/{name}/deployment-branch-policies", rule)
    github.save({**github.load(), "refuse": refused})
    checked_calls(github)

    (step,) = preflight_job(checked)["steps"]
    script = tmp_path / "preflight.py"
    script.write_text(step["run"])
    result = subprocess.run(
        [sys.executable, str(script)],
        env={
            **github.environment(),
            **step["env"],
            "GITHUB_REPOSITORY": answers["github_repository"],
            "GITHUB_SERVER_URL": "https://github.com",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stdout + result.stderr
    for line in expected:
        assert line in result.stdout, result.stdout
    assert ("::error::" in result.stdout) == bool(code)
    assert all(call["method"] == "GET" for call in checked_calls(github))


def test_preflight_job_is_least_privilege() -> None:
    job = preflight_job(["pypi", "testpypi"], tag_pattern="release-*")
    assert job["permissions"] == {"actions": "read"}
    assert job["if"] == "github.event_name == 'release'"
    (step,) = job["steps"]
    assert step["env"] == {
        "GH_TOKEN": "${{ github.token }}",
        "ENVIRONMENTS": "pypi testpypi",
        "TAG_PATTERN": "release-*",
    }
    assert "${{" not in step["run"]
    assert step["shell"] == "python"


def test_release_workflow_runs_the_preflight_first(rendered: Callable[[str], Path]) -> None:
    wired = 0
    for name, answers in VARIANTS.items():
        jobs = load_yaml(release_workflow(rendered(name)))["jobs"]
        if "preflight" not in jobs:
            continue
        wired += 1
        preflight = jobs["preflight"]
        environments = [answers.get("pypi_environment", "pypi")]
        if answers.get("testpypi"):
            environments.append(answers.get("testpypi_environment", "testpypi"))
        job = preflight_job(environments, answers.get("tag_pattern", "v*"))
        assert preflight["steps"] == job["steps"] and preflight["permissions"] == job["permissions"]
        dispatch = answers.get("release_trigger") == "workflow_dispatch"
        assert preflight.get("needs") == ("build" if dispatch else None)
        for job_id, job in jobs.items():
            if job_id.startswith("publish"):
                assert "preflight" in job["needs"] and job["if"] == preflight["if"]
    assert wired == sum(answers.get("preflight", True) for answers in VARIANTS.values())
