"""The inviter's private `context` never reaches the invitee, on any route of the slice.

alice types the context when creating the session; it seeds the neutral topic frame (first
sentence, names removed), but the text itself stays in her private vessel.
"""

from __future__ import annotations

from typing import Any

from .harness import Stack
from .rest_helpers import dumps, relationship_id

CONTEXT = ("We keep fighting about money. Zebrafinch-42: I secretly moved our savings "
           "and Bob must never find out.")
PRIVATE_PARTS = (CONTEXT, "Zebrafinch-42", "secretly moved our savings", "never find out")


class Recorder:
    """Makes bob's requests and keeps every response body he receives."""

    def __init__(self, stack: Stack, user: str | None) -> None:
        self.stack, self.user = stack, user
        self.bodies: list[tuple[str, str]] = []

    async def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        code, payload = await self.stack.call(method, path, self.user, body)
        self.bodies.append((f"{method} {path} -> {code}", dumps(payload)))
        assert code == status, (method, path, code, payload)
        return payload.get("data")


def assert_never_seen(recorders: list[Recorder]) -> None:
    for recorder in recorders:
        for where, text in recorder.bodies:
            for part in PRIVATE_PARTS:
                assert part not in text, (where, part, text)


async def test_inviter_context_never_reaches_the_partner(stack: Stack) -> None:
    created = await stack.ok("POST", "/api/sessions", "alice",
                             {"inviteName": "Bob", "context": CONTEXT}, status=201)
    sid, iid = created["session"]["id"], created["invitationId"]
    await stack.ok("POST", f"/api/sessions/{sid}/compact/sign", "alice", {"agreed": True})
    frame = (await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm",
                            "alice"))["topicFrame"]
    await stack.ok("POST", f"/api/sessions/{sid}/invitation/confirm", "alice")

    anonymous, bob = Recorder(stack, None), Recorder(stack, "bob")
    await anonymous.ok("GET", f"/api/invitations/{iid}")
    await anonymous.ok("GET", f"/api/v1/invitations/{iid}")
    await bob.ok("GET", "/api/auth/me")
    await bob.ok("GET", f"/api/invitations/{iid}")
    await bob.ok("GET", f"/api/sessions/{sid}", status=403)
    await bob.ok("POST", f"/api/invitations/{iid}/accept")

    async def look_around() -> None:
        for path in ("", "/state", "/progress", "/invitation", "/compact/status", "/emotions"):
            await bob.ok("GET", f"/api/sessions/{sid}{path}")
        await bob.ok("GET", f"/api/invitations/{iid}")
        await bob.ok("GET", "/api/people")
        await bob.ok("GET", "/api/sessions")
        await bob.ok("GET", "/api/sessions?status=ACTIVE&limit=1")
        await bob.ok("GET", "/api/v1/sessions")
        await bob.ok("GET", "/api/auth/me")

    await look_around()
    await bob.ok("POST", f"/api/sessions/{sid}/compact/sign", {"agreed": True})
    await bob.ok("POST", f"/api/sessions/{sid}/emotions", {"intensity": 6})
    await bob.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm", status=403)
    await bob.ok("POST", f"/api/sessions/{sid}/invitation/confirm", status=403)
    await bob.ok("POST", f"/api/invitations/{iid}/accept")
    rid = await relationship_id(stack, sid, "bob")
    await bob.ok("PATCH", f"/api/relationships/{rid}/nickname", {"nickname": "Al"})
    await look_around()
    await bob.ok("POST", f"/api/sessions/{sid}/pause")
    await bob.ok("POST", f"/api/sessions/{sid}/resume")
    await look_around()

    # The walk reached the places the context could leak from, and bob did get the frame.
    assert len(bob.bodies) > 40
    assert any(frame in text for where, text in bob.bodies if "/state" in where)
    assert "money" in frame  # the frame is derived from the context's first sentence
    assert_never_seen([anonymous, bob])

    # Once bob has left he has no access at all; alice still sees her session.
    await bob.ok("DELETE", f"/api/sessions/{sid}")
    await bob.ok("GET", f"/api/sessions/{sid}", status=403)
    await bob.ok("GET", f"/api/sessions/{sid}/state", status=403)
    assert_never_seen([bob])
    state = await stack.ok("GET", f"/api/sessions/{sid}/state", "alice")
    assert state["session"]["status"] == "ABANDONED"


async def test_context_names_stay_out_of_the_topic_frame(stack: Stack) -> None:
    created = await stack.ok("POST", "/api/sessions", "alice",
                             {"inviteName": "Bob", "context": "Bob forgot Alice's birthday."},
                             status=201)
    sid = created["session"]["id"]
    frame = (await stack.ok("POST", f"/api/sessions/{sid}/topic-frame/confirm",
                            "alice"))["topicFrame"]
    assert "Bob" not in frame and "Alice" not in frame
    assert "birthday" in frame
