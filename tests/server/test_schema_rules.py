"""The server holds what its OpenAPI document says, and only that: If-Range as RFC 9110 has it,
booleans and strings are not numbers, batch keys are lower-case UUIDs in the schema too, the
order of a segment's and a slot's bounds is stated where JSON Schema cannot check it, and a
method a path does not take is answered 405 with every method it does."""

from __future__ import annotations

import copy
import uuid
from typing import Any

from app.protocol import CLIENT_ID, COUNT_MAX, ORDER, AnnotationPut
from tests.server.conftest import World, text_doc
from tests.server.schemathesis_hooks import put_in_order
from tests.server.test_sync_api import lease

BATCH = "/api/v1/annotations/batch"


def test_a_range_is_followed_only_when_if_range_names_the_recording(world: World) -> None:
    task = lease(world, "ann_a", 1)[0]
    p = world.people["ann_a"]
    url = f"/api/v1/tasks/{task['id']}/audio"
    whole = p.client.get(url, headers=p.headers())
    etag = whole.headers["etag"]
    part = p.client.get(url, headers={**p.headers(), "Range": "bytes=10-19", "If-Range": etag})
    assert part.status_code == 206 and part.content == whole.content[10:20]
    for other in ('"another"', f"W/{etag}", etag.strip('"'), "Wed, 21 Oct 2015 07:28:00 GMT"):
        for asked in ("bytes=10-19", "bytes=99999999-"):  # the second is past the end
            r = p.client.get(url, headers={**p.headers(), "Range": asked, "If-Range": other})
            assert r.status_code == 200, (other, asked, r.status_code)
            assert r.content == whole.content and "content-range" not in r.headers


def _put(world: World, body: dict[str, Any], ann: str | None = None) -> Any:
    p = world.people["ann_a"]
    return p.client.put(
        f"/api/v1/annotations/{ann or uuid.uuid4()}", headers=p.headers(), json=body
    )


def _at(body: dict[str, Any], where: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    node = out
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    return out


def test_booleans_and_strings_are_not_numbers(world: World) -> None:
    task = lease(world, "ann_a", 1)[0]["id"]
    body = {"task_id": task, "base_version": 0, "doc": text_doc("play jazz")}
    for where, value in (
        (("doc", "submissions"), False),
        (("doc", "submissions"), "0"),
        (("base_version",), True),
        (("doc", "active_ms"), "5"),
        (("doc", "segments", 0, "start_s"), True),
        (("doc", "segments", 0, "end_s"), "1.0"),
    ):
        r = _put(world, _at(body, where, value))
        assert r.status_code == 422, (where, value)
        assert r.json()["detail"][0]["loc"] == ["body", *map(str, where)]
    # an integer written 0.0 is one to JSON Schema, and to the server
    r = _put(world, _at(_at(body, ("base_version",), 0.0), ("doc", "submissions"), 1.0))
    assert r.status_code == 200 and r.json()["doc"]["submissions"] == 1
    p, lead = world.people["ann_a"], world.people["lead"]
    r = p.client.post(
        "/api/v1/leases", headers=p.headers(), json={"project_id": world.project_id, "count": True}
    )
    assert r.status_code == 422
    policy = f"/api/v1/projects/{world.project_id}/review-policy"
    for wrong in ({"normalisation": {"lowercase": 1}}, {"rate": False}, {"first_n": True}):
        r = lead.client.put(policy, headers=lead.headers(), json=wrong)
        assert r.status_code == 422, wrong
    r = lead.client.put(policy, headers=lead.headers(), json={"rate": 1, "first_n": 2.0})
    assert r.status_code == 204  # integers are numbers, and 2.0 is an integer


def test_batch_keys_are_lower_case_uuids_and_the_schema_says_so(world: World) -> None:
    task = lease(world, "ann_a", 1)[0]["id"]
    p = world.people["ann_a"]
    key = str(uuid.uuid4()).upper()
    item = {"task_id": task, "base_version": 0, "doc": text_doc("x")}
    r = p.client.post(BATCH, headers=p.headers(), json={"items": {key: item}})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][:3] == ["body", "items", key]
    items = openapi(world)["components"]["schemas"]["BatchPut"]["properties"]["items"]
    assert set(items["patternProperties"]) == {CLIENT_ID}
    assert items["additionalProperties"] is False  # no other key is taken


def openapi(world: World) -> dict[str, Any]:
    return dict(world.people["ann_a"].client.get("/api/v1/openapi.json").json())


def test_the_order_of_bounds_is_stated_in_the_schema_and_held(world: World) -> None:
    schemas = openapi(world)["components"]["schemas"]
    assert schemas["SegmentDoc"][ORDER] == [{"first": "start_s", "then": "end_s", "strict": False}]
    assert schemas["SlotDoc"][ORDER] == [
        {"first": "start_word", "then": "end_word", "strict": True}
    ]
    task = lease(world, "ann_a", 1)[0]["id"]
    ann, version = str(uuid.uuid4()), 0

    def doc(start_s: float, end_s: float, start_word: int, end_word: int) -> dict[str, Any]:
        slot = {"type": "genre", "start_word": start_word, "end_word": end_word}
        segment = {"start_s": start_s, "end_s": end_s, "text": "play jazz", "slots": [slot]}
        return {"task_id": task, "base_version": version, "doc": {"segments": [segment]}}

    for bounds, ok in (
        ((1.0, 2.0, 0, 1), True),
        ((2.0, 2.0, 1, 2), True),  # a segment may be an instant
        ((2.0, 1.0, 0, 1), False),
        ((1.0, 2.0, 1, 1), False),  # a slot is one word at least
        ((1.0, 2.0, 2, 1), False),
    ):
        r = _put(world, doc(*bounds), ann)
        assert (r.status_code == 200) is ok, (bounds, r.status_code, r.text[:300])
        version += ok


def test_the_fuzzers_hook_puts_in_order_only_what_the_schema_orders(world: World) -> None:
    document = openapi(world)
    schema = document["paths"][BATCH]["post"]["requestBody"]["content"]["application/json"]
    ann = str(uuid.uuid4())
    slots = [
        {"type": "a", "start_word": 3, "end_word": 3},
        {"type": "b", "start_word": COUNT_MAX, "end_word": COUNT_MAX},
        {"type": "c", "start_word": -1, "end_word": -1},  # invalid, and stays so
    ]
    reversed_segment = {"start_s": 5.0, "end_s": 1.0, "slots": slots}
    body = {
        "items": {
            ann: {"task_id": "t", "base_version": 0, "doc": {"segments": [reversed_segment]}},
            "not-a-key": {"doc": {"segments": [{"start_s": 5.0, "end_s": 1.0}]}},
        }
    }
    put_in_order(body, schema["schema"], document)
    (segment,) = body["items"][ann]["doc"]["segments"]
    assert (segment["start_s"], segment["end_s"]) == (1.0, 5.0)
    got = [(s["start_word"], s["end_word"]) for s in segment["slots"]]
    assert got == [(3, 4), (COUNT_MAX - 1, COUNT_MAX), (-1, 0)]
    segment["slots"].pop()
    AnnotationPut.model_validate(body["items"][ann])  # what was drawn valid is valid now
    # a key the schema refuses has no schema to order by: left as drawn
    assert body["items"]["not-a-key"]["doc"]["segments"][0]["start_s"] == 5.0


def test_a_method_a_path_does_not_take_hears_every_method_it_does(world: World) -> None:
    admin = world.people["admin"]
    some_id = str(uuid.uuid4())
    for path, operations in openapi(world)["paths"].items():
        concrete = path
        for name in ("project_id", "task_id", "annotation_id", "review_id"):
            concrete = concrete.replace("{" + name + "}", some_id)
        documented = ", ".join(sorted(method.upper() for method in operations))
        for method in ("OPTIONS", "PATCH"):
            r = admin.client.request(method, concrete, headers=admin.headers())
            assert r.status_code == 405 and r.headers["allow"] == documented, (method, path)
    r = admin.client.put(BATCH, headers=admin.headers(), json={"items": {}})
    assert r.status_code == 405 and r.headers["allow"] == "POST"  # never /annotations/{id}
