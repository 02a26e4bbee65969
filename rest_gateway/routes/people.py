"""/people and relationship nicknames (partner-journey.md §3.2)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import session_service_pb2 as svc
from rest_gateway import shapes
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id


async def list_people(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ListPeople, svc.ListPeopleRequest())
    return ok({"people": [shapes.person(p) for p in resp.people]})


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
