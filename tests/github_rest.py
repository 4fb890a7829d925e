"""GitHub's REST API description, as far as the settings script uses it (tests/data/github-rest):
which operation a call is, whether a request or a response fits its schema, and sample objects."""

from __future__ import annotations

import json
import re
from typing import Any

import jsonschema

from helpers import ROOT

Json = dict[str, Any]
REST = ROOT / "tests" / "data" / "github-rest"
COMPONENTS = json.loads((REST / "components.json").read_text())
OPERATIONS = [json.loads(path.read_text()) for path in sorted(REST.glob("*.*.json"))]


def operation(method: str, path: str) -> Json:
    """The operation of GitHub's REST API that a call (`repos/o/r/...?query`) is."""
    route = "/" + path.partition("?")[0].strip("/")
    for found in OPERATIONS:
        pattern = re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(found["path"]))
        if found["method"] == method and re.fullmatch(pattern, route):
            return found
    raise AssertionError(f"{method} {path} is not an operation the tests know")


def validate(schema: Json, instance: Any) -> None:
    jsonschema.Draft202012Validator({**schema, "components": COMPONENTS}).validate(instance)


def validate_request(method: str, path: str, body: Any) -> None:
    found = operation(method, path)
    assert (body is None) == (found["request"] is None), f"{method} {path}: {body}"
    if body is not None:
        validate(found["request"], body)


def validate_response(method: str, path: str, status: int, body: Any) -> None:
    found = operation(method, path)
    if status >= 400:
        validate(COMPONENTS["schemas"]["basic-error"], body)
        return
    assert str(status) in found["responses"], f"{method} {path}: HTTP {status}"
    schema = found["responses"][str(status)]
    assert (schema is None) == (body is None), f"{method} {path}: {body}"
    if schema is not None:
        validate(schema, body)


def sample(schema: str, /, **values: Any) -> Json:
    """A minimal object of the named component schema, every required property filled, with
    `values` on top; validated."""
    schemas = COMPONENTS["schemas"]

    def fill(schema: Json) -> Any:
        if "$ref" in schema:
            return fill(schemas[schema["$ref"].rsplit("/", 1)[1]])
        for combined in ("oneOf", "anyOf", "allOf"):
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

    made = {**fill(schemas[schema]), **values}
    validate(schemas[schema], made)
    return made
