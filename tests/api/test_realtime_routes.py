"""GET /auth/ably-token and GET/PATCH /auth/me/notification-preferences over the real stack
(REST and gRPC RealtimeService), SQLite and PostgreSQL."""

from __future__ import annotations

import json

import grpc
import pytest

from mwf.v1 import realtime_service_pb2 as rt
from mwf_core.usecases.realtime_auth import RealtimeAuthUseCases

from .grpc_helpers import fails
from .harness import Stack, both_at_stage1
from .journey import deps_of
from .realtime_helpers import realtime
from .rest_helpers import user_id

PREFS = "/api/auth/me/notification-preferences"
DEFAULTS = {
    "pushEnabled": True,
    "emailEnabled": False,
    "newInvitations": True,
    "partnerActions": True,
    "followUpReminders": True,
}


async def test_ably_token_in_development_without_a_key(rt_stack: Stack) -> None:
    ids = await both_at_stage1(rt_stack)
    sid = ids["session_id"]
    data = await rt_stack.ok("GET", "/api/auth/ably-token", "alice")
    token = data["tokenRequest"]
    alice = await user_id(rt_stack, "alice")
    assert token["clientId"] == alice and token["ttl"] == 3_600_000
    assert token["keyName"] and token["nonce"] and token["mac"]
    assert isinstance(token["timestamp"], int)
    capability = json.loads(token["capability"])
    assert capability == {
        f"meetwithoutfear:user:{alice}": ["subscribe"],
        f"meetwithoutfear:session:{sid}": ["subscribe", "publish"],
        f"meetwithoutfear:presence:{sid}": ["subscribe", "presence"],
    }
    # A stranger's token names only their own channel.
    carol = await rt_stack.ok("GET", "/api/auth/ably-token", "carol")
    assert list(json.loads(carol["tokenRequest"]["capability"])) == [
        f"meetwithoutfear:user:{await user_id(rt_stack, 'carol')}"
    ]
    await rt_stack.error("GET", "/api/auth/ably-token", None, status=401, code="UNAUTHORIZED")
    # gRPC
    reply = await realtime(rt_stack).GetRealtimeToken(
        rt.GetRealtimeTokenRequest(), metadata=rt_stack.metadata("bob")
    )
    assert reply.token_request.client_id == await user_id(rt_stack, "bob")
    assert f"meetwithoutfear:session:{sid}" in json.loads(reply.token_request.capability)
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await realtime(rt_stack).GetRealtimeToken(rt.GetRealtimeTokenRequest())
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_ably_token_in_production_without_a_key_is_not_configured(
    rt_stack: Stack,
) -> None:
    """No mock token in production: a clear NOT_CONFIGURED (REST 503, the status the original
    gave this code; gRPC FAILED_PRECONDITION, which clients do not retry as they would
    UNAVAILABLE). The app treats it like any failed token fetch and runs without realtime."""
    # As the composition root wires it for MWF_ENV=production without ABLY_API_KEY (a
    # production stack also needs Clerk, which these tests do not run).
    rt_stack.container.realtime_auth = RealtimeAuthUseCases(
        deps_of(rt_stack), None, production=True
    )

    error = await rt_stack.error(
        "GET", "/api/auth/ably-token", "alice", status=503, code="NOT_CONFIGURED"
    )
    assert error["message"] == "Realtime is not configured on this server"
    failure = await fails(
        realtime(rt_stack).GetRealtimeToken(
            rt.GetRealtimeTokenRequest(), metadata=rt_stack.metadata("alice")
        ),
        grpc.StatusCode.FAILED_PRECONDITION,
        "NOT_CONFIGURED",
    )
    assert failure.message == "Realtime is not configured on this server"


async def test_notification_preferences_get_and_patch(rt_stack: Stack) -> None:
    assert await rt_stack.ok("GET", PREFS, "alice") == {"preferences": DEFAULTS}
    changed = await rt_stack.ok(
        "PATCH", PREFS, "alice", {"pushEnabled": False, "emailEnabled": True, "unknown": 1}
    )
    expected = {**DEFAULTS, "pushEnabled": False, "emailEnabled": True}
    assert changed == {"preferences": expected}
    assert await rt_stack.ok("GET", PREFS, "alice") == {"preferences": expected}
    # Field by field: a later patch keeps what it does not name.
    again = await rt_stack.ok("PATCH", PREFS, "alice", {"partnerActions": False})
    assert again["preferences"] == {**expected, "partnerActions": False}
    # Each person has their own.
    assert await rt_stack.ok("GET", PREFS, "bob") == {"preferences": DEFAULTS}
    error = await rt_stack.error(
        "PATCH", PREFS, "alice", {"pushEnabled": "no"}, status=400, code="VALIDATION_ERROR"
    )
    assert "pushEnabled" in error["details"]
    for method in ("GET", "PATCH"):
        await rt_stack.error(
            method, PREFS, None, {} if method == "PATCH" else None, status=401, code="UNAUTHORIZED"
        )


async def test_notification_preferences_over_grpc(rt_stack: Stack) -> None:
    stub = realtime(rt_stack)
    got = await stub.GetNotificationPreferences(
        rt.GetNotificationPreferencesRequest(), metadata=rt_stack.metadata("alice")
    )
    assert got.preferences.push_enabled and not got.preferences.email_enabled
    updated = await stub.UpdateNotificationPreferences(
        rt.UpdateNotificationPreferencesRequest(follow_up_reminders=False),
        metadata=rt_stack.metadata("alice"),
    )
    assert not updated.preferences.follow_up_reminders and updated.preferences.push_enabled
    data = await rt_stack.ok("GET", PREFS, "alice")
    assert data["preferences"]["followUpReminders"] is False
    with pytest.raises(grpc.aio.AioRpcError) as failure:
        await stub.GetNotificationPreferences(rt.GetNotificationPreferencesRequest())
    assert failure.value.code() == grpc.StatusCode.UNAUTHENTICATED
