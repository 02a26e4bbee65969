"""Route table: every resource module lists (method, path, handler) relative to the API root,
and `register` mounts each entry under both `/api/v1` and `/api` like the original did."""

from __future__ import annotations

from aiohttp import web

from rest_gateway.routes import (
    auth,
    emotions,
    empathy,
    invitations,
    journey,
    messages,
    needs,
    people,
    realtime,
    reconciler,
    sessions,
    stage0,
    stage4,
    strategies,
)
from rest_gateway.routes.common import Route

API_PREFIXES = ("/api/v1", "/api")

ROUTES: tuple[Route, ...] = (
    *auth.ROUTES,
    *sessions.ROUTES,
    *stage0.ROUTES,
    *invitations.ROUTES,
    *people.ROUTES,
    *emotions.ROUTES,
    *messages.ROUTES,
    *empathy.ROUTES,
    *reconciler.ROUTES,
    *needs.ROUTES,
    *stage4.ROUTES,
    *strategies.ROUTES,
    *journey.ROUTES,
    *realtime.ROUTES,
)


def register(app: web.Application) -> None:
    for prefix in API_PREFIXES:
        for method, path, handler in ROUTES:
            app.router.add_route(method, prefix + path, handler)
