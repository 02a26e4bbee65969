"""/people and relationship nicknames (partner-journey.md §3.2)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import sessions_pb2 as svc
from rest_gateway import shapes
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id


async def list_people(request: web.Request) -> web.Response:
    fields = Fields(request.query)
    limit = fields.query_integer("limit", default=100, minimum=1, maximum=100)
    cursor = fields.string("cursor", max_len=200) or ""
    fields.check()
    message = svc.ListPeopleRequest(page_size=limit, page_token=cursor)
    resp = await call(request, stub(request).ListPeople, message)
    # `people` is the original's shape; `hasMore`/`cursor` page past the first 100.
    data = {"people": [shapes.person(p) for p in resp.people],
            "hasMore": bool(resp.next_page_token)}
    if resp.next_page_token:
        data["cursor"] = resp.next_page_token
    return ok(data)


async def update_nickname(request: web.Request) -> web.Response:
    relationship_id = path_id(request)
    fields = Fields(await json_object(request))
    # null clears the nickname; proto3 `optional` keeps "cleared" apart from "empty".
    nickname = fields.nullable_string("nickname", min_len=1, max_len=100)
    fields.check()
    message = svc.UpdateNicknameRequest(relationship_id=relationship_id)
    if nickname is not None:
        message.nickname = nickname
    resp = await call(request, stub(request).UpdateNickname, message)
    return ok(shapes.nickname(resp))


ROUTES: tuple[Route, ...] = (
    ("GET", "/people", list_people),
    ("PATCH", "/relationships/{id}/nickname", update_nickname),
)
