"""Response shapes: enum names, 0-4 stages, toISOString() timestamps, nulls, 201 vs 200."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from .fake_backend import iso

Client = TestClient[Any, Any]


async def _data(client: Client, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    resp = await client.request(method, path, **kw)
    assert resp.status == status, await resp.text()
    body = await resp.json()
    assert body["success"] is True
    return body["data"]


async def test_create_session_201_with_new_session(client: Client) -> None:
    data = await _data(client, "POST", "/api/sessions", 201, json={"inviteName": "Bo"})
    assert data == {
        "session": {
            "id": "s-new",
            "status": "CREATED",
            "createdAt": iso(),
            "partner": {"id": "", "name": "Bo", "nickname": None},
        },
        "invitationId": "inv-1",
        "invitationUrl": "https://x.test/invitation/inv-1",
    }


async def test_create_session_200_with_existing_live_session(client: Client) -> None:
    data = await _data(client, "POST", "/api/v1/sessions", 200, json={"personId": "p-live"})
    assert data == {
        "existingActiveSession": {"id": "s-live", "status": "ACTIVE", "updatedAt": iso(60)}
    }


async def test_me(client: Client) -> None:
    data = await _data(client, "GET", "/api/auth/me")
    assert data == {
        "user": {
            "id": "u1",
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "firstName": "Ada",
            "lastName": None,
            "biometricEnabled": True,
            "lastMoodIntensity": None,
            "createdAt": "2024-05-01T10:00:00.123Z",
        },
        "activeSessions": 2,
        "pushNotificationsEnabled": True,
    }


async def test_session_list_item_and_paging(client: Client) -> None:
    data = await _data(client, "GET", "/api/sessions")
    assert data["hasMore"] is True
    assert data["cursor"] == "next-page"
    assert data["items"] == [
        {
            "id": "s1",
            "relationshipId": "r1",
            "status": "ACTIVE",
            "createdAt": iso(),
            "updatedAt": iso(10),
            "partner": {"id": "u2", "name": "Bo", "nickname": "Bobby"},
            "myProgress": {
                "stage": 1,
                "status": "IN_PROGRESS",
                "startedAt": None,
                "completedAt": None,
            },
            "partnerProgress": {
                "stage": 0,
                "status": "COMPLETED",
                "startedAt": None,
                "completedAt": iso(5),
            },
            "statusSummary": "Your turn",
            "selfActionNeeded": ["send_message"],
            "partnerActionNeeded": [],
            "hasUnread": True,
            "lastViewedAt": None,
            "lastSeenChatItemId": None,
        }
    ]

    last_page = await _data(client, "GET", "/api/sessions?cursor=next-page")
    assert last_page["hasMore"] is False
    assert "cursor" not in last_page


async def test_session_state_conversions(client: Client) -> None:
    data = await _data(client, "GET", "/api/v1/sessions/s1/state")
    assert data["session"] == {
        "id": "s1",
        "status": "ACTIVE",
        "currentStage": 2,
        "stageStatus": "GATE_PENDING",
        "relationshipId": "r1",
        "partner": {"id": "u2", "name": "Bo", "nickname": None},
        "myProgress": {"stage": 2, "status": "GATE_PENDING"},
        "createdAt": iso(),
        "resolvedAt": None,
        "lastViewedAt": iso(200, 999),
        "partnerLastViewedAt": None,
        "lastSeenChatItemId": None,
    }
    assert data["progress"] == {
        "sessionId": "s1",
        "myProgress": {
            "stage": 2,
            "status": "GATE_PENDING",
            "startedAt": "2024-05-01T10:01:40.000Z",
            "completedAt": None,
            # Struct numbers come back as JSON ints when integral.
            "gatesSatisfied": {"compactSigned": True, "attempts": 2, "ratio": 0.5, "note": None},
        },
        "partnerProgress": None,
        "canAdvance": False,
        "milestones": {
            "witnessStartedAt": iso(150),
            "feelHeardConfirmedAt": None,
            "needsIdentifiedAt": None,
            "commonGroundFoundAt": None,
        },
    }
    assert data["messages"] == {
        "messages": [
            {
                "id": "m1",
                "sessionId": "s1",
                "senderId": None,
                "forUserId": None,
                "role": "AI",
                "content": "Hello",
                "stage": 1,
                "timestamp": iso(300),
            }
        ],
        "hasMore": True,
    }
    assert data["invitation"] == {
        "id": "inv-1",
        "sessionId": "s1",
        "invitedBy": {"id": "u1", "name": "Ada"},
        "name": "Bo",
        "status": "ACCEPTED",
        "createdAt": iso(),
        "expiresAt": "2024-05-08T10:00:00.123Z",
        "messageConfirmed": True,
        "messageConfirmedAt": None,
        "topicFrame": "Chores",
        "topicFrameConfirmedAt": None,
        "acceptedAt": None,
        "isInviter": True,
    }
    assert data["compact"] == {
        "mySigned": True,
        "mySignedAt": iso(50),
        "partnerSigned": False,
        "partnerSignedAt": None,
        "canAdvance": False,
        "isFirstSession": True,
    }


async def test_session_detail_stage_zero(client: Client) -> None:
    data = await _data(client, "GET", "/api/sessions/s9")
    session = data["session"]
    assert session["status"] == "INVITED"
    assert (session["currentStage"], session["stageStatus"]) == (0, "NOT_STARTED")
    assert session["myProgress"] == {"stage": 0, "status": "NOT_STARTED"}
    # Unset timestamps and an unset partner read as null / the original's empty partner.
    assert session["createdAt"] is None
    assert session["partner"] == {"id": "", "name": None, "nickname": None}
