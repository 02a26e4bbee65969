"""Shared by the Ably adapter tests: a fake Ably over TLS, the bundle built from settings that
point at it, and outbox rows to deliver (each test module wraps the first two in fixtures)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mwf_core.adapters.ably.factory import AblyBundle, build_ably
from mwf_core.config import Settings
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import DeliveryContext
from tests.fakes.ably import FakeAbly, running_fake_ably

ALICE, BOB = "user_alice", "user_bob"
SID = "sess_1"
CTX = DeliveryContext(members=(ALICE, BOB), attempt=1)


@contextlib.asynccontextmanager
async def trusted_fake_ably(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FakeAbly]:
    """The fake Ably over TLS, its certificate trusted by the clients created meanwhile."""
    async with running_fake_ably(tmp_path / "tls") as server:
        # httpx reads SSL_CERT_FILE when a client is created: trust the fake's certificate.
        monkeypatch.setenv("SSL_CERT_FILE", str(server.cert.cert_path))
        yield server


@contextlib.asynccontextmanager
async def bundle_for(fake: FakeAbly) -> AsyncIterator[AblyBundle]:
    """The Ably adapters as the settings build them, pointed at the fake."""
    settings = Settings(
        ably_api_key=fake.key, ably_rest_host="127.0.0.1", ably_rest_port=fake.port, ably_tls=True
    )
    built = build_ably(settings)
    assert built is not None
    try:
        yield built
    finally:
        await built.close()


def row(
    name: str, channel: str = f"session:{SID}", row_id: str = "evt_1", **payload: object
) -> OutboxEvent:
    return OutboxEvent(
        id=row_id,
        session_id=SID,
        channel=channel,
        name=name,
        payload={"sessionId": SID, "timestamp": 1767225600000, **payload},
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
