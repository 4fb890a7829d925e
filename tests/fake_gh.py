"""A stand-in for the GitHub CLI, answering as GitHub's REST API does, and its scenarios.

Run as a program, it is `gh`: `gh auth status [--hostname H]`, and `gh api [--include]
[--hostname H] [--method M] [--header H] [--input -] [--paginate [--slurp]] PATH`, answered
from the JSON state file $FAKE_GH_STATE that writes change, each call logged as a JSON line to
$FAKE_GH_LOG. Lists are paginated as GitHub does (`per_page`, `page`); a refusal rule may add
headers (a rate limit) or answer with a body that is not JSON. Imported, it gives the tests
`FakeGitHub` (a directory with that `gh` on a PATH) and `github_state` with the scenarios:
repositories that already have settings of their own, plans that lack features, organisation
policies, rate limits.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

Json = dict[str, Any]
REASONS = {
    200: "OK",
    201: "Created",
    204: "No Content",
    403: "Forbidden",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    404: "Not Found",
    409: "Conflict",
    422: "Unprocessable Entity",
}
STAMP = "2026-01-02T03:04:05Z"
API_VERSION = "2022-11-28"

# --- The program: `gh` ------------------------------------------------------------------------


def error(status: int, message: str) -> tuple[int, Json]:
    body = {"message": message, "documentation_url": "https://docs.github.com/rest"}
    return status, {**body, "status": str(status)}


def environment(state: Json, name: str, body: Json) -> Json | None:
    """An environment as GitHub answers after a PUT with `body` (None: a reviewer is unknown)."""
    rules: list[Json] = []
    if body.get("wait_timer"):
        rules.append(
            {"id": 1, "node_id": "GA_1", "type": "wait_timer", "wait_timer": body["wait_timer"]}
        )
    if body.get("reviewers"):
        for reviewer in body["reviewers"]:
            if f"{reviewer['type']}:{reviewer['id']}" not in state["actors"]:
                return None
        rules.append(
            {
                "id": 2,
                "node_id": "GA_2",
                "type": "required_reviewers",
                "prevent_self_review": body.get("prevent_self_review", False),
                "reviewers": [
                    {"type": r["type"], "reviewer": state["actors"][f"{r['type']}:{r['id']}"]}
                    for r in body["reviewers"]
                ],
            }
        )
    if body.get("deployment_branch_policy"):
        rules.append({"id": 3, "node_id": "GA_3", "type": "branch_policy"})
    return {
        "id": 7,
        "node_id": "EN_7",
        "name": name,
        "url": f"https://api.github.com/repos/{state['repository']}/environments/{name}",
        "html_url": f"https://github.com/{state['repository']}/deployments",
        "created_at": STAMP,
        "updated_at": STAMP,
        "can_admins_bypass": body.get("can_admins_bypass", True),
        "protection_rules": rules,
        "deployment_branch_policy": body.get("deployment_branch_policy"),
    }


def ruleset(state: Json, ruleset_id: int, body: Json) -> Json:
    """A ruleset as GitHub answers after a POST or PUT with `body`."""
    rules = []
    for rule in body.get("rules", []):
        rule = dict(rule)
        if rule["type"] == "update":  # GitHub fills in the parameters it defaults
            rule["parameters"] = {"update_allows_fetch_and_merge": False}
        if rule["type"] == "pull_request":
            defaults = {"required_reviewers": [], "allowed_merge_methods": ["merge", "squash"]}
            rule["parameters"] = {**defaults, **rule["parameters"]}
        rules.append(rule)
    href = f"https://api.github.com/repos/{state['repository']}/rulesets/{ruleset_id}"
    return {
        "id": ruleset_id,
        "name": body["name"],
        "target": body.get("target", "branch"),
        "source_type": "Repository",
        "source": state["repository"],
        "enforcement": body["enforcement"],
        "bypass_actors": body.get("bypass_actors", []),
        "conditions": body.get("conditions"),
        "rules": rules,
        "node_id": f"RRS_{ruleset_id}",
        "current_user_can_bypass": "never",
        "_links": {"self": {"href": href}},
        "created_at": STAMP,
        "updated_at": STAMP,
    }


def page(items: list[Any], query: str) -> list[Any]:
    """The page of `items` that `per_page` and `page` ask for (GitHub's defaults: 30, 1)."""
    asked = dict(part.partition("=")[::2] for part in query.split("&") if part)
    size, number = int(asked.get("per_page", 30)), int(asked.get("page", 1))
    return items[(number - 1) * size : number * size]


def refusal(state: Json, method: str, route: str) -> Json | None:
    for refused in state["refuse"]:
        if route.startswith(refused["path"]) and method in refused["methods"]:
            return refused
    return None


def answer(state: Json, method: str, path: str, body: Any) -> tuple[int, Any]:
    route, _, query = path.partition("?")
    route = route.strip("/")
    refused = refusal(state, method, route)
    if refused:
        return error(refused["status"], refused["message"])
    parts = route.split("/")
    if parts[0] == "users" and method == "GET":
        account = state["accounts"].get(parts[1].lower())
        return (200, account) if account else error(404, "Not Found")
    if parts == ["user"]:
        return 200, state["me"]
    if parts[0] == "orgs" and len(parts) == 2:
        organisation = state["organisation"]
        return (200, organisation) if parts[1] == organisation["login"] else error(404, "Not Found")
    if parts[0] == "orgs" and method == "GET" and len(parts) == 7:  # a team's access
        team = f"{parts[1]}/{parts[3]}".lower()
        has = team in state["teams"] and team not in state["no_access"]
        return (
            (204, None)
            if has and "/".join(parts[5:]) == state["repository"]
            else error(404, "Not Found")
        )
    if parts[0] == "orgs" and method == "GET":
        team = state["teams"].get(f"{parts[1]}/{parts[3]}".lower())
        return (200, team) if team else error(404, "Not Found")
    if parts[0] != "repos" or "/".join(parts[1:3]) != state["repository"]:
        return error(404, "Not Found")
    rest = parts[3:]
    if not rest:
        if method == "PATCH":
            security = state["repo"].setdefault("security_and_analysis", {})
            security.update(body.get("security_and_analysis", {}))
        return 200, state["repo"]
    if rest[0] == "collaborators" and method == "GET":
        user = state["collaborators"].get(rest[1].lower())
        if not user:
            return error(404, "Not Found")
        permission = state["access"].get(rest[1].lower(), "admin")
        return 200, {"permission": permission, "role_name": permission, "user": user}
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
        return 200, {"total_count": len(policies), "branch_policies": page(policies, query)}
    if rest[0] == "rulesets":
        rulesets = state["rulesets"]
        if method == "POST":
            state["next_id"] += 1
            rulesets[str(state["next_id"])] = ruleset(state, state["next_id"], body)
            return 201, rulesets[str(state["next_id"])]
        if len(rest) == 1:
            keys = ("id", "name", "target", "source_type", "source", "enforcement", "node_id")
            keys += ("_links", "created_at", "updated_at")
            listed = [{key: r[key] for key in keys} for r in rulesets.values()]
            return 200, page(listed, query)
        if rest[1] not in rulesets:
            return error(404, "Not Found")
        if method == "PUT":
            rulesets[rest[1]] = ruleset(state, int(rest[1]), body)
        return 200, rulesets[rest[1]]
    if rest[:2] == ["actions", "workflows"]:
        found = state["workflows"].get(rest[2])
        return (200, found) if found else error(404, "Not Found")
    if rest[:2] == ["actions", "permissions"]:
        key = "/".join(rest[1:])
        if method == "PUT":
            state["actions"][key].update(body)
            return 204, None
        found = dict(state["actions"][key])
        if key == "permissions" and found["allowed_actions"] == "selected":
            found["selected_actions_url"] = f"https://api.github.com/{route}/selected-actions"
        return 200, found
    if rest[0] in ("immutable-releases", "private-vulnerability-reporting"):
        if method == "PUT":
            state["features"][rest[0]] = True
            return 204, None
        enabled = state["features"].get(rest[0], False)
        if rest[0] == "private-vulnerability-reporting":
            return 200, {"enabled": enabled}
        found = {"enabled": True, "enforced_by_owner": False}
        return (200, found) if enabled else error(404, "Not Found")
    return error(404, "Not Found")


def main(args: list[str]) -> int:
    with open(os.environ["FAKE_GH_STATE"]) as file:
        state = json.load(file)
    if args[:2] == ["auth", "status"]:
        if args[2:] != ["--hostname", "github.com"] and state.get("other_host_stale"):
            print("ghe.example.com\n  X Failed to log in to ghe.example.com: token is invalid")
            return 1
        if state["logged_in"]:
            print("github.com\n  Logged in to github.com account octocat (keyring)")
            return 0
        print("You are not logged into any GitHub hosts. To log in, run: gh auth login")
        return 1
    assert args[0] == "api", args
    method, body, headers, path, words = "GET", None, [], "", iter(args[1:])
    flags = set()
    for word in words:
        if word == "--method":
            method = next(words)
        elif word in ("--header", "-H"):
            headers.append(next(words))
        elif word == "--hostname":
            assert next(words) == "github.com"
        elif word == "--input":
            assert next(words) == "-"
            body = json.load(sys.stdin)
        elif word.startswith("--"):
            assert word in ("--include", "--paginate", "--slurp"), word
            flags.add(word)
        else:
            path = word
    if f"X-GitHub-Api-Version: {API_VERSION}" not in headers:
        status, response = error(400, "No X-GitHub-Api-Version header")
    else:
        status, response = answer(state, method, path, body)
    refused = refusal(state, method, path.partition("?")[0].strip("/"))
    extra = refused.get("headers", {}) if refused else {}
    raw = refused.get("raw") if refused else None
    with open(os.environ["FAKE_GH_STATE"], "w") as file:
        json.dump(state, file)
    with open(os.environ["FAKE_GH_LOG"], "a") as log:
        call = {"method": method, "path": path, "body": body, "headers": headers}
        log.write(json.dumps({**call, "status": status, "response": response}) + "\n")
    if "--include" in flags:
        print(f"HTTP/2.0 {status} {REASONS.get(status, 'Bad Request')}\r")
        kind = "text/html" if raw is not None else "application/json; charset=utf-8"
        print(f"Content-Type: {kind}\r")
        for key, value in extra.items():
            print(f"{key}: {value}\r")
        print(f"X-Github-Api-Version-Selected: {API_VERSION}\r\n\r")
    if raw is not None:
        print(raw)
    elif response is not None and status < 400 and "--slurp" in flags:
        print(json.dumps([response]))  # one page: the tests' lists fit in one
    elif response is not None:
        print(json.dumps(response))
    if status >= 400:
        print(f"gh: {response['message']} (HTTP {status})", file=sys.stderr)
        return 1
    return 0


# --- For the tests: the stand-in's directory, and GitHub's state ------------------------------


class FakeGitHub:
    """A directory with the stand-in `gh`, its state file and its call log."""

    def __init__(self, directory: Path, state: Json) -> None:
        self.bin = directory / "bin"
        self.bin.mkdir(parents=True)
        gh = self.bin / "gh"
        # This module's `main`, imported (Python keeps it compiled) by an isolated Python that
        # reads no site-packages: a third faster to start than running this file as a script.
        here = str(Path(__file__).parent)
        program = f"import sys\nsys.path.insert(0, {here!r})\nfrom fake_gh import main\n"
        gh.write_text(f"#!{sys.executable} -IS\n{program}sys.exit(main(sys.argv[1:]))\n")
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

    def run(self, command: list[str], **options: Any) -> subprocess.CompletedProcess[str]:
        """`subprocess.run` for a command run in this process: `gh` is this stand-in's program,
        called in this process (the same argv, stdin, output and exit status, without starting
        a Python for each call); any other command runs as a process."""
        import io  # imported here: the program `gh` starts faster without them
        import shutil
        import subprocess
        import traceback
        from contextlib import redirect_stderr, redirect_stdout

        if command[0] != "gh":
            return subprocess.run(command, **options)
        assert shutil.which("gh") == str(self.bin / "gh"), "the stand-in is not the gh on PATH"
        assert options.get("text") and options.get("capture_output"), options
        out, err, stdin = io.StringIO(), io.StringIO(), sys.stdin
        sys.stdin = io.StringIO(options.get("input") or "")
        try:
            with redirect_stdout(out), redirect_stderr(err):
                try:
                    code = main(command[1:])
                except Exception:  # as a Python program ends on an uncaught exception
                    traceback.print_exc()
                    code = 1
        finally:
            sys.stdin = stdin
        result = subprocess.CompletedProcess(command, code, out.getvalue(), err.getvalue())
        if options.get("check"):
            result.check_returncode()
        return result

    def environment(self) -> dict[str, str]:
        return {
            **os.environ,
            "PATH": f"{self.bin}{os.pathsep}{os.environ['PATH']}",
            "FAKE_GH_STATE": str(self.state_file),
            "FAKE_GH_LOG": str(self.log_file),
        }


def refuse(
    path: str,
    status: int,
    message: str,
    methods: tuple[str, ...] = ("GET",),
    headers: dict[str, str] | None = None,
    raw: str | None = None,
) -> Json:
    """A rule of the stand-in: calls to paths under `path` get `status` and `message`, with
    `headers` (such as a rate limit's), or `raw` instead of a JSON body."""
    found = {"path": path, "status": status, "message": message, "methods": list(methods)}
    return {**found, "headers": headers or {}, "raw": raw}


def rate_limited(path: str, reset: int = 1767323045) -> Json:
    """GitHub's primary rate limit on calls under `path`: 403, no requests left, and when the
    limit resets (epoch seconds)."""
    headers = {
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-used": "5000",
        "x-ratelimit-reset": str(reset),
        "x-ratelimit-resource": "core",
    }
    message = "API rate limit exceeded for user ID 1."
    return refuse(path, 403, message, ("GET", "PUT", "POST", "PATCH", "DELETE"), headers)


def github_state(
    repository: str,
    team: list[str],
    *,
    owner_type: str = "Organization",
    private: bool = False,
    others: tuple[str, ...] = ("alice", "bob"),
) -> Json:
    """GitHub as the stand-in holds it: the repository with none of the settings, the release
    team's users and teams and `others` (users), each with an id, and the zizmor workflow."""
    from github_rest import sample  # imported here: the program `gh` runs without it

    owner, name = repository.split("/")
    owner_account = sample("simple-user", login=owner, id=1, type=owner_type)
    repo = sample(
        "full-repository",
        name=name,
        full_name=repository,
        private=private,
        owner=owner_account,
        permissions={"admin": True, "maintain": True, "push": True, "triage": True, "pull": True},
        security_and_analysis={
            "secret_scanning": {"status": "disabled"},
            "secret_scanning_push_protection": {"status": "disabled"},
        },
    )
    if private:  # without GitHub Secret Protection, GitHub does not show these
        del repo["security_and_analysis"]
    accounts, teams, actors, collaborators = {}, {}, {}, {}
    handles = [*team, *(f"@{other}" for other in others if f"@{other}" not in team)]
    for number, handle in enumerate(handles, start=100):
        login, _, slug = handle[1:].partition("/")
        if slug:
            teams[f"{login}/{slug}".lower()] = sample(
                "team-full", id=number, slug=slug, name=slug, parent=None
            )
            actors[f"Team:{number}"] = sample("team", id=number, slug=slug)
        else:
            accounts[login.lower()] = sample("public-user", login=login, id=number, type="User")
            collaborators[login.lower()] = sample(
                "nullable-collaborator", login=login, id=number, type="User"
            )
            actors[f"User:{number}"] = sample("simple-user", login=login, id=number, type="User")
    plan = {"name": "free", "space": 1, "private_repos": 1, "collaborators": 0}
    me = sample("private-user", login=owner if owner_type == "User" else "octocat", plan=plan)
    organisation = sample("organization-full", login=owner, plan=plan)
    return {
        "repository": repository,
        "logged_in": True,
        "repo": repo,
        "me": me,  # the account gh is logged in as: the owner of a personal repository
        "organisation": organisation,  # its plan shows to the organisation's owners only
        "accounts": accounts,
        "collaborators": collaborators,  # each user's access: "access", by default "admin"
        "access": {},
        "no_access": [],  # teams without access to the repository
        "teams": teams,
        "actors": actors,
        "environments": {},
        "policies": {},
        "rulesets": {},
        "workflows": {"zizmor.yml": sample("workflow", name="Audit workflows", id=77)},
        "actions": {
            "permissions": {"enabled": True, "allowed_actions": "all"},
            "permissions/selected-actions": {"github_owned_allowed": True},
            "permissions/workflow": {
                "default_workflow_permissions": "write",
                "can_approve_pull_request_reviews": True,
            },
        },
        "features": {},
        "refuse": [],
        "next_id": 1000,
    }


def actor_id(state: Json, handle: str) -> tuple[str, int]:
    login, _, slug = handle[1:].partition("/")
    if slug:
        return "Team", state["teams"][f"{login}/{slug}".lower()]["id"]
    return "User", state["accounts"][login.lower()]["id"]


# --- Scenarios: what a repository may already have -------------------------------------------


def with_environment(state: Json, name: str, reviewers: list[str]) -> Json:
    """An environment of the repository's own: `reviewers`, a 10-minute wait timer, self-review
    allowed, administrators bypassing, and a branch rule and a tag rule of its own."""
    made = environment(
        state,
        name,
        {
            "wait_timer": 10,
            "reviewers": [
                dict(zip(("type", "id"), actor_id(state, handle), strict=True))
                for handle in reviewers
            ],
            "prevent_self_review": False,
            "can_admins_bypass": True,
            "deployment_branch_policy": {
                "protected_branches": False,
                "custom_branch_policies": True,
            },
        },
    )
    assert made is not None
    state["environments"][name] = made
    state["policies"][name] = [
        {"id": 11, "node_id": "DBP_11", "name": "main", "type": "branch"},
        {"id": 12, "node_id": "DBP_12", "name": "deploy-*", "type": "tag"},
    ]
    return state


APP_BYPASS = {"actor_id": 999, "actor_type": "Integration", "bypass_mode": "always"}
TESTS_CHECK = {"context": "tests", "integration_id": 15368}


def with_rulesets(state: Json, branch_ruleset: str, tag_ruleset: str) -> Json:
    """Rulesets of the repository's own, under the names the script uses: the default branch
    with an app that bypasses, a required check, squash merges only and two approvals; the
    release tags with a deploy key that bypasses, and creations only."""
    branch = {
        "name": branch_ruleset,
        "target": "branch",
        "enforcement": "evaluate",
        "bypass_actors": [APP_BYPASS],
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {
                "type": "required_status_checks",
                "parameters": {
                    "required_status_checks": [TESTS_CHECK],
                    "strict_required_status_checks_policy": True,
                },
            },
            {
                "type": "pull_request",
                "parameters": {
                    "allowed_merge_methods": ["squash"],
                    "dismiss_stale_reviews_on_push": False,
                    "require_code_owner_review": False,
                    "require_last_push_approval": False,
                    "required_approving_review_count": 2,
                    "required_review_thread_resolution": True,
                },
            },
        ],
    }
    tags = {
        "name": tag_ruleset,
        "target": "tag",
        "enforcement": "active",
        "bypass_actors": [{"actor_id": None, "actor_type": "DeployKey", "bypass_mode": "always"}],
        "conditions": {"ref_name": {"include": ["refs/tags/v*"], "exclude": []}},
        "rules": [{"type": "creation"}],
    }
    state["rulesets"]["501"] = ruleset(state, 501, branch)
    state["rulesets"]["502"] = ruleset(state, 502, tags)
    return state


def with_allow_list(state: Json, patterns: list[str]) -> Json:
    """Actions limited to GitHub's, verified creators' and `patterns` already."""
    state["actions"]["permissions"] = {"enabled": True, "allowed_actions": "selected"}
    state["actions"]["permissions/selected-actions"] = {
        "github_owned_allowed": True,
        "verified_allowed": True,
        "patterns_allowed": patterns,
    }
    return state


PLAN_MESSAGE = "Upgrade to GitHub Pro or make this repository public to enable this feature."


def private_free(state: Json, plan_shown: bool = True) -> Json:
    """A private repository on GitHub Free: no rulesets, and no protected environments. GitHub
    shows the plan to the owners; with `plan_shown` false, the one running the script is not
    one of them."""
    repository = state["repository"]
    if not plan_shown:
        del state["organisation"]["plan"]
    state["repo"]["private"] = True
    state["repo"].pop("security_and_analysis", None)
    state["refuse"] += [
        refuse(f"repos/{repository}/rulesets", 403, PLAN_MESSAGE),
        refuse(f"repos/{repository}/environments", 422, PLAN_MESSAGE, ("PUT", "POST")),
    ]
    return state


ORG_POLICY = "Actions policy is set by the organization octo-org and cannot be changed here"


def organisation_policy(state: Json) -> Json:
    """An organisation that decides the repository's Actions settings itself."""
    path = f"repos/{state['repository']}/actions/permissions"
    state["refuse"].append(refuse(path, 409, ORG_POLICY, ("PUT",)))
    return state


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
