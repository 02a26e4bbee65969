"""Consent with the in-memory fakes: deciding, revoking and what a granted consent shares."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mwf_core.domain.consent import ConsentedContent
from mwf_core.domain.enums import (
    ConsentContentType,
    ConsentDecision,
)
from mwf_core.domain.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from mwf_core.domain.records import ConsentRecord, User
from mwf_core.usecases.journey import JourneyUseCases

from .conftest import App
from .journey_seed import put

# --- consent -------------------------------------------------------------------------------


def consent(app: App, sid: str, user: User, rid: str, minute: int = 0,
            kind: ConsentContentType = ConsentContentType.EVENT_SUMMARY,
            content: str = "my summary") -> ConsentRecord:
    return ConsentRecord(rid, user.id, sid, kind, None,
                         app.clock.now() + timedelta(minutes=minute),
                         metadata={"content": content})


async def test_consent_decide_and_revoke(app: App, journey: JourneyUseCases, alice: User,
                                         bob: User, active: tuple[str, str]) -> None:
    sid = active[0]
    await put(app, consent(app, sid, alice, "c1"), consent(app, sid, alice, "c2", 1),
              consent(app, sid, bob, "c-bob", 2, content="bob private words"))
    assert [r.id for r in await journey.consent.pending(alice, sid)] == ["c1", "c2"]
    assert [r.id for r in await journey.consent.pending(bob, sid)] == ["c-bob"]

    granted = await journey.consent.decide(alice, sid, "c1", "GRANTED", "  my edited words ")
    assert granted.record.decision is ConsentDecision.GRANTED
    assert isinstance(granted.shared, ConsentedContent)
    assert granted.shared.transformed_content == "my edited words"
    assert granted.shared.shared_vessel_id is not None and granted.shared.consent_active
    denied = await journey.consent.decide(alice, sid, "c2", "DENIED")
    assert denied.shared is None and denied.record.decision is ConsentDecision.DENIED
    assert await journey.consent.pending(alice, sid) == []
    with pytest.raises(Conflict):
        await journey.consent.decide(alice, sid, "c1", "DENIED")
    # Only the giver may decide or revoke: the partner gets 404 (no existence leak).
    for call in (journey.consent.decide(bob, sid, "c1", "GRANTED"),
                 journey.consent.revoke(bob, sid, "c1")):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "REVOKED")
    with pytest.raises(ValidationFailed):
        await journey.consent.revoke(alice, sid, "c2")  # a denial cannot be revoked

    revoked = await journey.consent.revoke(alice, sid, "c1")
    assert revoked.decision is ConsentDecision.REVOKED and revoked.revoked_at is not None
    app.clock.advance(minutes=1)
    again = await journey.consent.revoke(alice, sid, "c1")
    assert again.revoked_at == revoked.revoked_at
    async with app.db() as uow:
        content = await uow.consents.content_for_record("c1")
    assert content is not None and content.consent_active is False

    history = await journey.consent.history(alice, sid)
    assert [(r.id, r.decision) for r in history] == [
        ("c1", ConsentDecision.REVOKED), ("c2", ConsentDecision.DENIED)]
    [granted_event] = app.events("partner.consent_granted")
    [revoked_event] = app.events("partner.consent_revoked")
    for event in (granted_event, revoked_event):
        assert event.payload["excludeUserId"] == alice.id
        assert "my edited words" not in str(event.payload)
        assert event.payload["contentType"] == "EVENT_SUMMARY"


@pytest.mark.parametrize("kind", [ConsentContentType.IDENTIFIED_NEED,
                                  ConsentContentType.EMPATHY_DRAFT,
                                  ConsentContentType.EMPATHY_ATTEMPT])
async def test_consents_the_stages_rely_on_cannot_be_revoked(
    app: App, journey: JourneyUseCases, alice: User, active: tuple[str, str],
    kind: ConsentContentType,
) -> None:
    # The needs comparison and the empathy reveal never look at consent records: a revoked
    # need would still be shown, so revoking is refused rather than promised.
    sid = active[0]
    await put(app, consent(app, sid, alice, "c-stage", kind=kind),
              consent(app, sid, alice, "c-generic", 1))
    for rid in ("c-stage", "c-generic"):
        await journey.consent.decide(alice, sid, rid, "GRANTED")
    with pytest.raises(ValidationFailed, match="stay shared"):
        await journey.consent.revoke(alice, sid, "c-stage")
    [record] = [r for r in await journey.consent.history(alice, sid) if r.id == "c-stage"]
    assert record.decision is ConsentDecision.GRANTED and record.revoked_at is None
    async with app.db() as uow:
        content = await uow.consents.content_for_record("c-stage")
    assert content is not None and content.consent_active
    assert app.events("partner.consent_revoked") == []
    # A generic consent still can be revoked.
    generic = await journey.consent.revoke(alice, sid, "c-generic")
    assert generic.decision is ConsentDecision.REVOKED


async def test_granted_without_edit_shares_the_givers_own_content(
    app: App, journey: JourneyUseCases, alice: User, bob: User, active: tuple[str, str]
) -> None:
    sid = active[0]
    await put(app, consent(app, sid, alice, "c1", content="what I agreed to share"))
    granted = await journey.consent.decide(alice, sid, "c1", "GRANTED")
    assert granted.shared is not None
    assert granted.shared.transformed_content == "what I agreed to share"
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "GRANTED", "   ")
    with pytest.raises(ValidationFailed):
        await journey.consent.decide(alice, sid, "c1", "GRANTED", "x" * 5001)
