"""REST routes of one capability (being built)."""

from __future__ import annotations

from rest_gateway.routes.common import Route

ROUTES: tuple[Route, ...] = ()
