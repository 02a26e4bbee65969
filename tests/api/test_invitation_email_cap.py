"""The per-inviter cap on invitation emails (MWF_INVITATION_EMAILS_PER_DAY, rolling 24 hours):
creates with `inviteEmail` and resends both count; over the cap the request is refused with
RATE_LIMITED (429 / RESOURCE_EXHAUSTED) and nothing is written."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest

from mwf.v1 import invitations_pb2 as inv_pb
from mwf.v1 import sessions_pb2 as pb
from mwf_core.adapters.db.outbox_tables import OutboxTable
from mwf_core.config import Settings
from mwf_core.domain import events

from .conftest import close_stack, open_stack
from .grpc_helpers import fails
from .harness import Stack
from .journey import outbox

CAP = 2
RATE_LIMITED = (grpc.StatusCode.RESOURCE_EXHAUSTED, "RATE_LIMITED")


@pytest.fixture
async def capped(db_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    opened = await open_stack(db_url, tmp_path, invitation_emails_per_day=CAP)
    try:
        yield opened
    finally:
        await close_stack(opened)


def invite(name: str, email: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"inviteName": name}
    if email:
        body["inviteEmail"] = email
    return body


async def sessions_of(stack: Stack, user: str) -> int:
    return len((await stack.ok("GET", "/api/sessions", user))["items"])


async def email_rows() -> list[Any]:
    return [e for e in await outbox() if e.name == events.INVITATION_EMAIL]


async def test_over_the_cap_a_create_with_email_is_refused_and_writes_nothing(
    capped: Stack,
) -> None:
    first = await capped.ok(
        "POST", "/api/sessions", "alice", invite("Bob", "bob@example.test"), status=201
    )
    await capped.ok("POST", "/api/sessions", "alice", invite("Cy", "cy@example.test"), status=201)
    before_sessions = await sessions_of(capped, "alice")
    before_events = [e.id for e in await outbox()]

    error = await capped.error(
        "POST",
        "/api/sessions",
        "alice",
        invite("Dee", "dee@example.test"),
        status=429,
        code="RATE_LIMITED",
    )

    assert f"at most {CAP} invitation emails in 24 hours" in error["message"]
    assert await sessions_of(capped, "alice") == before_sessions
    assert [e.id for e in await outbox()] == before_events
    # A resend counts too, and is refused the same way.
    await capped.error(
        "POST",
        f"/api/invitations/{first['invitationId']}/resend",
        "alice",
        status=429,
        code="RATE_LIMITED",
    )
    assert len(await email_rows()) == CAP
    # Without an email nothing is sent, so nothing is capped; other inviters have their own cap.
    await capped.ok("POST", "/api/sessions", "alice", invite("Eve"), status=201)
    await capped.ok("POST", "/api/sessions", "carol", invite("Bob", "bob@example.test"), status=201)


async def test_resends_count_against_the_cap(capped: Stack) -> None:
    created = await capped.ok(
        "POST", "/api/sessions", "alice", invite("Bob", "bob@example.test"), status=201
    )
    resend = f"/api/invitations/{created['invitationId']}/resend"
    await capped.ok("POST", resend, "alice")
    await capped.error("POST", resend, "alice", status=429, code="RATE_LIMITED")
    await capped.error(
        "POST",
        "/api/sessions",
        "alice",
        invite("Cy", "cy@example.test"),
        status=429,
        code="RATE_LIMITED",
    )
    assert len(await email_rows()) == CAP


async def test_the_window_rolls(capped: Stack) -> None:
    for name in ("Bob", "Cy"):
        await capped.ok(
            "POST",
            "/api/sessions",
            "alice",
            invite(name, f"{name.lower()}@example.test"),
            status=201,
        )
    await capped.error(
        "POST",
        "/api/sessions",
        "alice",
        invite("Dee", "dee@example.test"),
        status=429,
        code="RATE_LIMITED",
    )
    # A day later the earlier emails no longer count.
    day_ago = datetime.now(UTC) - timedelta(hours=24, minutes=1)
    await (
        OutboxTable.update({OutboxTable.created_at: day_ago})
        .where(OutboxTable.name == events.INVITATION_EMAIL)
        .run()
    )
    await capped.ok("POST", "/api/sessions", "alice", invite("Dee", "dee@example.test"), status=201)


async def test_grpc_create_and_resend_over_the_cap(capped: Stack) -> None:
    md = capped.metadata("alice")
    first = await capped.stub.CreateSession(
        pb.CreateSessionRequest(invite_name="Bob", invite_email="bob@example.test"), metadata=md
    )
    await capped.stub.ResendInvitation(
        inv_pb.ResendInvitationRequest(invitation_id=first.invitation_id), metadata=md
    )
    listed = await capped.stub.ListSessions(pb.ListSessionsRequest(), metadata=md)

    await fails(
        capped.stub.CreateSession(
            pb.CreateSessionRequest(invite_name="Cy", invite_email="cy@example.test"), metadata=md
        ),
        *RATE_LIMITED,
    )
    await fails(
        capped.stub.ResendInvitation(
            inv_pb.ResendInvitationRequest(invitation_id=first.invitation_id), metadata=md
        ),
        *RATE_LIMITED,
    )

    after = await capped.stub.ListSessions(pb.ListSessionsRequest(), metadata=md)
    assert len(after.sessions) == len(listed.sessions) == 1
    assert len(await email_rows()) == CAP


async def test_concurrent_emails_from_one_inviter_never_pass_the_cap(capped: Stack) -> None:
    # One email short of the cap, several creates for different people and a resend race: each
    # counts under a lock on the inviter, so exactly one of them gets through.
    first = await capped.ok(
        "POST", "/api/sessions", "alice", invite("Bob", "bob@example.test"), status=201
    )
    md = capped.metadata("alice")
    names = ["Cy", "Dee", "Eve", "Fay", "Gus", "Hal", "Ivy"]
    attempts = [
        capped.stub.CreateSession(
            pb.CreateSessionRequest(invite_name=name, invite_email=f"{name.lower()}@example.test"),
            metadata=md,
        )
        for name in names
    ]
    attempts.append(
        capped.stub.ResendInvitation(
            inv_pb.ResendInvitationRequest(invitation_id=first["invitationId"]), metadata=md
        )
    )

    results = await asyncio.gather(*attempts, return_exceptions=True)

    refused = [
        r
        for r in results
        if isinstance(r, grpc.aio.AioRpcError) and r.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    ]
    through = [r for r in results if not isinstance(r, BaseException)]
    assert (len(through), len(refused)) == (1, len(attempts) - 1), results
    assert len(await email_rows()) == CAP
    created = 1 if isinstance(through[0], pb.CreateSessionResponse) else 0
    assert await sessions_of(capped, "alice") == 1 + created


def test_the_cap_is_read_from_the_environment() -> None:
    assert Settings.from_env({}).invitation_emails_per_day == 20
    assert Settings.from_env({"MWF_INVITATION_EMAILS_PER_DAY": "5"}).invitation_emails_per_day == 5
    with pytest.raises(ValueError, match="MWF_INVITATION_EMAILS_PER_DAY"):
        Settings.from_env({"MWF_INVITATION_EMAILS_PER_DAY": "0"})


def test_outbox_rows_are_kept_at_least_the_day_the_cap_reads() -> None:
    assert Settings.from_env({"MWF_OUTBOX_RETENTION_DAYS": "1"}).mwf_outbox_retention_days == 1
    with pytest.raises(ValueError, match="MWF_OUTBOX_RETENTION_DAYS must be at least 1"):
        Settings.from_env({"MWF_OUTBOX_RETENTION_DAYS": "0.5"})
