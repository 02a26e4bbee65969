"""Helpers shared by the REST API tests (tests/api/test_rest_*.py).

Direct database access goes through the Piccolo table classes, which the `stack` fixture binds
to its own engine. It is used only to read, or to stage a situation the slice cannot reach
through the API (an invitation past its expiry, a privacy setting, a stage-1 gate).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from mwf_core.adapters.db.tables import (
    InvitationTable,
    SessionTable,
    StageProgressTable,
    UserTable,
)

from .harness import Stack

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")

def parse_iso(value: str) -> datetime:
    assert ISO_MS.match(value), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False)


async def user_id(stack: Stack, user: str) -> str:
    """Signs the user in (first sight creates them) and returns their id."""
    me = await stack.ok("GET", "/api/auth/me", user)
    return str(me["user"]["id"])


async def relationship_id(stack: Stack, session_id: str, user: str = "alice") -> str:
    data = await stack.ok("GET", f"/api/sessions/{session_id}", user)
    return str(data["session"]["relationshipId"])


async def create_session(stack: Stack, user: str = "alice", invite_name: str = "Bob",
                         context: str = "We argue about chores.") -> dict[str, Any]:
    return await stack.ok("POST", "/api/sessions", user,
                          {"inviteName": invite_name, "context": context}, status=201)


async def count_users() -> int:
    return int(await UserTable.count().run())


async def expire_invitation(invitation_id: str) -> None:
    past = datetime.now(UTC) - timedelta(hours=1)
    await InvitationTable.update({InvitationTable.expires_at: past}).where(
        InvitationTable.id == invitation_id
    ).run()


async def set_privacy(user: str, preferences: dict[str, Any], stack: Stack) -> None:
    uid = await user_id(stack, user)
    await UserTable.update({UserTable.privacy_preferences: preferences}).where(
        UserTable.id == uid
    ).run()


async def set_session_status(session_id: str, status: str) -> None:
    """For statuses later stages reach (RESOLVED): this slice has no route to them."""
    await SessionTable.update({SessionTable.status: status}).where(
        SessionTable.id == session_id
    ).run()


async def add_gates(session_id: str, uid: str, stage: int, gates: dict[str, Any]) -> None:
    """Merges keys into one user's StageProgress.gates_satisfied for one stage."""
    rows = await StageProgressTable.select(
        StageProgressTable.id, StageProgressTable.gates_satisfied
    ).where(
        (StageProgressTable.session_id == session_id)
        & (StageProgressTable.user_id == uid)
        & (StageProgressTable.stage == stage)
    ).output(load_json=True).run()
    assert len(rows) == 1, rows
    merged = {**(rows[0]["gates_satisfied"] or {}), **gates}
    await StageProgressTable.update({StageProgressTable.gates_satisfied: merged}).where(
        StageProgressTable.id == rows[0]["id"]
    ).run()


async def walk_sessions(stack: Stack, user: str, query: str = "") -> list[dict[str, Any]]:
    """Every page of GET /sessions with limit=1, checking the paging fields on the way."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(50):
        path = f"/api/sessions?limit=1{query}"
        if cursor is not None:
            path += f"&cursor={quote(cursor)}"
        page = await stack.ok("GET", path, user)
        assert len(page["items"]) <= 1
        items.extend(page["items"])
        if not page["hasMore"]:
            assert "cursor" not in page
            return items
        cursor = page["cursor"]
        assert cursor
    raise AssertionError("GET /sessions never reported hasMore=false")
