"""/sessions/:id/emotions: emotional intensity readings (partner-journey.md §3.9)."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import sessions_pb2 as svc
from rest_gateway import shapes
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, idempotency_key, json_object, path_id


async def record_emotion(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    intensity = fields.integer("intensity", required=True, minimum=1, maximum=10)
    context = fields.string("context", max_len=500)
    request_id = idempotency_key(request, fields)
    fields.check()
    message = svc.RecordEmotionRequest(
        session_id=session_id,
        intensity=intensity or 0,
        context=context or "",
        request_id=request_id,
    )
    resp = await call(request, stub(request).RecordEmotion, message)
    return ok(shapes.recorded_emotion(resp))


async def list_emotions(request: web.Request) -> web.Response:
    message = svc.ListEmotionsRequest(session_id=path_id(request))
    resp = await call(request, stub(request).ListEmotions, message)
    return ok(shapes.emotion_readings(resp))


ROUTES: tuple[Route, ...] = (
    ("POST", "/sessions/{id}/emotions", record_emotion),
    ("GET", "/sessions/{id}/emotions", list_emotions),
)
