"""GitHub's REST API through the GitHub CLI (`gh api`): one call, its status, headers and body.

A call GitHub answers with an error is a `GitHubError`; a rate limit (403 or 429 with
GitHub's rate-limit headers) is a `RateLimited`, which stops the whole run. A body that is not
JSON, or no answer at all, is a `GitHubError` too: never a traceback.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from typing import Any

API_VERSION = "2022-11-28"  # the REST API version every call asks for
HOST = "github.com"
PAGE = 100  # items per page, GitHub's most


class GitHubError(Exception):
    """A call that failed; `status` is GitHub's HTTP status, 0 when there was no answer."""

    def __init__(self, message: str, status: int = 0) -> None:
        super().__init__(message)
        self.status = status


class RateLimited(GitHubError):
    """GitHub's rate limit: nothing more can be read or written until `reset`."""

    def __init__(self, message: str, status: int, reset: float | None) -> None:
        when = time.strftime("%H:%M:%S UTC", time.gmtime(reset)) if reset else "in a few minutes"
        super().__init__(f"{message}: GitHub's rate limit; try again after {when}", status)
        self.reset = reset


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    said: str = ""  # gh's message on stderr, without its "gh: "


def rate_limit(response: Response, what: str) -> RateLimited | None:
    """The rate limit a 403 or 429 answer reports, if it is one."""
    headers = response.headers
    if response.status not in (403, 429):
        return None
    limited = headers.get("x-ratelimit-remaining") == "0" or "retry-after" in headers
    if not limited:
        return None
    reset = headers.get("x-ratelimit-reset", "")
    if "retry-after" in headers and headers["retry-after"].isdigit():
        resets: float | None = time.time() + int(headers["retry-after"])
    else:
        resets = float(reset) if reset.isdigit() else None
    return RateLimited(what, response.status, resets)


def gh_api(method: str, path: str, body: object = None) -> Response:
    """One REST API call with the GitHub CLI."""
    command = ["gh", "api", "--include", "--hostname", HOST, "--method", method, path]
    command += ["--header", f"X-GitHub-Api-Version: {API_VERSION}"]
    if body is not None:
        command += ["--input", "-"]
    try:
        result = subprocess.run(
            command,
            input=None if body is None else json.dumps(body),
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError as error:
        raise GitHubError(f"{method} {path}: gh could not run: {error}") from None
    # With --include, gh prints the status line and the headers, a blank line, the body.
    head, _, payload = result.stdout.replace("\r\n", "\n").partition("\n\n")
    lines = head.splitlines()
    words = lines[0].split(maxsplit=2) if lines else []
    if len(words) < 2 or not words[1].isdigit():
        said = (result.stderr or result.stdout).strip() or f"exit status {result.returncode}"
        raise GitHubError(f"{method} {path}: gh failed: {said}")
    headers = {}
    for line in lines[1:]:
        key, _, value = line.partition(":")
        headers[key.strip().lower()] = value.strip()
    try:
        data = json.loads(payload) if payload.strip() else None
    except json.JSONDecodeError:
        kind = headers.get("content-type", "an unknown type")
        raise GitHubError(
            f"{method} {path}: HTTP {words[1]}, an answer that is not JSON ({kind})", int(words[1])
        ) from None
    said = result.stderr.strip().removeprefix("gh: ")
    return Response(int(words[1]), data, headers, said)


def failure(method: str, path: str, response: Response) -> GitHubError:
    """The error for an answer that is not a success."""
    what = f"{method} {path}"
    limited = rate_limit(response, what)
    if limited:
        return limited
    message = response.said
    if not message and isinstance(response.body, dict):
        message = str(response.body.get("message", ""))
    return GitHubError(f"{what}: {message or 'HTTP'} (HTTP {response.status})", response.status)


class GitHub:
    """The calls the settings make. Offline (`live` false), nothing is read: every setting
    looks unset, and the plan is the listing of what --apply makes on a bare repository."""

    def __init__(self, live: bool) -> None:
        self.live = live

    def get(self, path: str, missing_ok: bool = False) -> Any:
        """A resource; None offline, or when it is missing (404) and `missing_ok`."""
        if not self.live:
            return None
        response = gh_api("GET", path)
        if response.status == 404 and missing_ok:
            return None
        if not 200 <= response.status < 300:
            raise failure("GET", path, response)
        return response.body

    def get_all(self, path: str, key: str | None = None) -> list[Any]:
        """Every item of a paginated list (a JSON array, or the array under `key`)."""
        items: list[Any] = []
        separator = "&" if "?" in path else "?"
        for page in range(1, 1000):
            found = self.get(f"{path}{separator}per_page={PAGE}&page={page}")
            if found is None:
                return items
            listed = found.get(key) if key and isinstance(found, dict) else found
            if not isinstance(listed, list):
                raise GitHubError(f"GET {path}: an answer that is not a list")
            items += listed
            if len(listed) < PAGE:
                break
        return items

    def write(self, method: str, path: str, body: object = None) -> None:
        response = gh_api(method, path, body)
        if not 200 <= response.status < 300:
            raise failure(method, path, response)


def gh_ready() -> str:
    """Why the GitHub CLI cannot be used for github.com, or "" when it is ready. Only
    github.com's login counts: a stale login to another host does not."""
    if not shutil.which("gh"):
        return "The GitHub CLI, gh, is not installed (https://cli.github.com/)."
    status = subprocess.run(
        ["gh", "auth", "status", "--hostname", HOST], capture_output=True, text=True, check=False
    )
    if status.returncode != 0:
        said = (status.stderr or status.stdout).strip()
        return f"The GitHub CLI is not logged in to {HOST}: run `gh auth login`.\n{said}"
    return ""
