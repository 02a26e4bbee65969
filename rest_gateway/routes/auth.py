"""/auth: the caller's profile and push token (innerwork-telemetry-integrations.md §4.4)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import sessions_pb2 as svc
from rest_gateway import shapes
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object

PLATFORMS = ("ios", "android")


async def get_me(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).GetMe, svc.GetMeRequest())
    return ok(shapes.me(resp))


async def register_push_token(request: web.Request) -> web.Response:
    fields = Fields(await json_object(request))
    token = fields.string("pushToken", required=True, min_len=1, max_len=512, not_blank=True)
    platform = fields.choice("platform", PLATFORMS)
    fields.check()
    message = svc.RegisterPushTokenRequest(push_token=token or "", platform=platform or "")
    resp = await call(request, stub(request).RegisterPushToken, message)
    return ok({"registered": resp.registered})


async def clear_push_token(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ClearPushToken, svc.ClearPushTokenRequest())
    return ok({"registered": resp.registered})


ROUTES: tuple[Route, ...] = (
    ("GET", "/auth/me", get_me),
    ("POST", "/auth/push-token", register_push_token),
    ("DELETE", "/auth/push-token", clear_push_token),
)
