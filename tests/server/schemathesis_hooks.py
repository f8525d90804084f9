"""What the fuzzer is told that JSON Schema cannot say, read from the API's own document.

An object schema may state, under `x-earmark-order` (app/protocol.py, `ordered`), that one of
its fields is greater than another: a segment ends at or after it starts, a slot ends after
the word it starts at. The server refuses documents that break such a rule (422), so a case
schemathesis draws as valid is put in that order before it is sent; the two values are only
swapped or nudged by one, so a case drawn as invalid stays invalid. Nothing else is changed.
Loaded by tests/server/test_openapi.py through SCHEMATHESIS_HOOKS.
"""

from __future__ import annotations

import copy
import re
from typing import Any

import schemathesis

from app.protocol import ORDER

Json = dict[str, Any]


@schemathesis.hook
def map_case(context: Any, case: Any) -> Any:
    body = case.body
    if not isinstance(body, dict | list):
        return case
    operation = case.operation.definition.raw
    schema = (
        operation.get("requestBody", {})
        .get("content", {})
        .get("application/json", {})
        .get("schema")
    )
    if schema is not None:
        case.body = copy.deepcopy(body)
        put_in_order(case.body, schema, case.operation.schema.raw_schema)
    return case


def _resolved(schema: Json, document: Json) -> Json:
    while "$ref" in schema:
        node: Any = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def put_in_order(value: Any, schema: Json, document: Json) -> None:
    """Every object of `value` that its schema gives an order to, in that order."""
    schema = _resolved(schema, document)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            put_in_order(value, branch, document)
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            put_in_order(item, schema["items"], document)
    if not isinstance(value, dict):
        return
    properties = schema.get("properties", {})
    patterns = schema.get("patternProperties", {})
    others = schema.get("additionalProperties")
    for name, item in value.items():
        if name in properties:
            put_in_order(item, properties[name], document)
        for pattern, each in patterns.items():
            if re.search(pattern, name):
                put_in_order(item, each, document)
        if name not in properties and isinstance(others, dict):
            put_in_order(item, others, document)
    for rule in schema.get(ORDER, []):
        _order(value, rule, properties, document)


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _order(value: Json, rule: Json, properties: Json, document: Json) -> None:
    first, then = rule["first"], rule["then"]
    a, b = value.get(first), value.get(then)
    if not (_number(a) and _number(b)):
        return
    if a > b:
        value[first], value[then] = b, a
    elif a == b and rule["strict"]:
        top = _resolved(properties.get(then, {}), document).get("maximum")
        if top is None or b + 1 <= top:
            value[then] = b + 1
        else:
            value[first] = a - 1
