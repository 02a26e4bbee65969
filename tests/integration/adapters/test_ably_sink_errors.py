"""The Ably sink's failures, against tests/fakes/ably.py: which are retried and which are
permanent (a refused key, key auth without TLS, a refused message), a closed port, a hanging
Ably, startup without TLS, and presence errors counted as absent."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from mwf_core.adapters.ably.factory import AblyBundle, build_ably, make_client
from mwf_core.adapters.ably.presence import AblyPresence
from mwf_core.adapters.ably.sink import AblySink
from mwf_core.config import Settings
from mwf_core.domain import events
from tests.fakes.ably import TEST_KEY, FakeAbly

from .ably_helpers import ALICE, CTX, SID, bundle_for, row, trusted_fake_ably


@pytest.fixture
async def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeAbly]:
    async with trusted_fake_ably(tmp_path, monkeypatch) as server:
        yield server


@pytest.fixture
async def bundle(fake: FakeAbly) -> AsyncIterator[AblyBundle]:
    async with bundle_for(fake) as built:
        yield built


@pytest.mark.parametrize("status", [500, 503, 429, 403])
async def test_retryable_statuses(fake: FakeAbly, bundle: AblyBundle, status: int) -> None:
    fake.fail_next(
        1, status, {"error": {"code": status * 100, "statusCode": status, "message": "no"}}
    )
    private = row(events.MESSAGE_AI_RESPONSE, channel=f"user:{ALICE}", forUserId=ALICE)
    result = await bundle.sink.deliver(private, CTX)
    assert not result.ok and not result.permanent
    assert len(fake.requests) == 2  # the event and its session.updated, each tried once


async def test_a_refused_key_is_permanent(fake: FakeAbly) -> None:
    """A wrong or revoked key (40101) will not start working on a retry: the row goes dead with
    Ably's error instead of holding the session's stream for a day."""
    settings = Settings(
        ably_api_key=f"{fake.key_name}:wrong-secret",
        ably_rest_host="127.0.0.1",
        ably_rest_port=fake.port,
    )
    bundle = build_ably(settings)
    assert bundle is not None
    try:
        result = await bundle.sink.deliver(row(events.SESSION_PAUSED), CTX)
    finally:
        await bundle.close()
    assert not result.ok and result.permanent
    assert "40101" in (result.error or "")
    assert fake.accepted == []


async def test_key_auth_over_plain_http_is_permanent(fake: FakeAbly) -> None:
    """The SDK refuses to send the key without TLS (40103) before any request is made."""
    client = make_client(fake.key, "127.0.0.1", fake.port, tls=False)
    sink = AblySink(client)
    try:
        result = await sink.deliver(row(events.SESSION_PAUSED), CTX)
    finally:
        await sink.close()
    assert not result.ok and result.permanent
    assert "40103" in (result.error or "")
    assert fake.requests == []


def test_startup_refuses_ably_without_tls() -> None:
    with pytest.raises(RuntimeError, match="ABLY_TLS=false"):
        build_ably(Settings(ably_api_key=TEST_KEY, ably_tls=False))


async def test_a_row_with_a_retryable_failure_is_retried_even_if_another_is_permanent(
    fake: FakeAbly, bundle: AblyBundle
) -> None:
    fake.fail_next(1, 400, {"error": {"code": 40000, "statusCode": 400, "message": "bad"}})
    fake.fail_next(1, 503, {"error": {"code": 50300, "statusCode": 503, "message": "busy"}})
    result = await bundle.sink.deliver(row(events.SESSION_PAUSED), CTX)
    assert not result.ok and not result.permanent and "503" in (result.error or "")


async def test_a_refused_message_is_permanent(fake: FakeAbly, bundle: AblyBundle) -> None:
    fake.fail_next(1, 400, {"error": {"code": 40000, "statusCode": 400, "message": "bad"}})
    result = await bundle.sink.deliver(row(events.SESSION_PAUSED), CTX)
    assert not result.ok and result.permanent


async def test_a_closed_port_is_retried_and_recovers(fake: FakeAbly, bundle: AblyBundle) -> None:
    await fake.refuse()
    result = await bundle.sink.deliver(row(events.SESSION_PAUSED), CTX)
    assert not result.ok and not result.permanent

    await fake.resume()
    assert (await bundle.sink.deliver(row(events.SESSION_PAUSED), CTX)).ok
    assert fake.ids().count("evt_1") == 1


async def test_a_hanging_ably_times_out_as_retryable(fake: FakeAbly) -> None:
    client = make_client(fake.key, "127.0.0.1", fake.port, tls=True)
    # A short request timeout for the test (production: 8 s).
    client.options.http_request_timeout = 0.5
    sink = AblySink(client)
    fake.hang_next(1)
    try:
        result = await sink.deliver(row(events.SESSION_PAUSED), CTX)
        assert not result.ok and not result.permanent
        assert fake.hung_requests == 1
        assert (await sink.deliver(row(events.SESSION_PAUSED), CTX)).ok
    finally:
        fake.release_hung()
        await sink.close()


async def test_presence_errors_count_as_absent(fake: FakeAbly, bundle: AblyBundle) -> None:
    fake.set_present(f"meetwithoutfear:presence:{SID}", ALICE)
    fake.fail_next(1, 500, {"error": {"code": 50000, "statusCode": 500, "message": "x"}})
    assert not await bundle.presence.is_present(SID, ALICE)

    await fake.refuse()
    assert not await bundle.presence.is_present(SID, ALICE)


async def test_slow_presence_counts_as_absent(fake: FakeAbly, bundle: AblyBundle) -> None:
    fake.set_present(f"meetwithoutfear:presence:{SID}", ALICE)
    fake.hang_next(1)
    presence = AblyPresence(bundle.client, timeout=0.3)
    try:
        assert not await presence.is_present(SID, ALICE)
    finally:
        fake.release_hung()
