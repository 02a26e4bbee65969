"""The generic consent API (partner-journey.md §3.9, §8 rule 10).

Consent records are audit rows of one giver. Only that giver sees, decides or revokes them;
anyone else gets 404 (a stranger to the session 403/404 by the session rule first), so a
record's existence does not leak. GRANTED copies the content into the session's shared vessel
(a ConsentedContent row); revoking makes that row inactive but does not un-reveal what the
partner already saw through the stage routes. Consents of shared needs and empathy statements
cannot be revoked: the needs comparison and the empathy reveal keep showing them.
"""

from __future__ import annotations

from dataclasses import dataclass

from mwf_core.domain import events
from mwf_core.domain.consent import (
    EDITED_CONTENT_MAX,
    STAGE_BOUND_CONSENTS,
    STAGE_BOUND_REVOKE_MESSAGE,
    ConsentedContent,
)
from mwf_core.domain.enums import ConsentContentType, ConsentDecision
from mwf_core.domain.errors import Conflict, NotFound, ValidationFailed, field_error
from mwf_core.domain.records import ConsentRecord, User
from mwf_core.domain.timefmt import js_iso
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction, new_event
from .session_view import SessionContext, load_context, load_locked_context

DECISIONS = (ConsentDecision.GRANTED, ConsentDecision.DENIED)


@dataclass(frozen=True, slots=True)
class ConsentDecided:
    record: ConsentRecord
    shared: ConsentedContent | None


async def _own_record(uow: UnitOfWork, context: SessionContext, record_id: str) -> ConsentRecord:
    record = await uow.consents.get(record_id) if record_id else None
    if (record is None or record.user_id != context.viewer.id
            or record.session_id != context.session.id):
        raise NotFound("Consent request not found")
    return record


async def _content_of(uow: UnitOfWork, context: SessionContext, record: ConsentRecord) -> str:
    """The giver's own words the record is about (never anyone else's)."""
    me, sid, target = context.viewer.id, context.session.id, record.target_id
    kind = record.target_type
    if kind is ConsentContentType.IDENTIFIED_NEED and target:
        need = await uow.needs.get(target)
        if need is not None and context.my_vessel and need.vessel_id == context.my_vessel.id:
            return need.need
    elif kind is ConsentContentType.EMPATHY_DRAFT:
        draft = await uow.empathy_drafts.get(sid, me)
        if draft is not None:
            return draft.content
    elif kind is ConsentContentType.EMPATHY_ATTEMPT:
        attempt = await uow.empathy_attempts.by_author(sid, me)
        if attempt is not None:
            return attempt.content
    elif kind is ConsentContentType.STRATEGY_PROPOSAL and target:
        proposal = await uow.proposals.get(target)
        if proposal is not None and proposal.session_id == sid:
            return proposal.description
    given = record.metadata.get("content")
    return given if isinstance(given, str) else ""


class ConsentUseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def pending(self, actor: User, session_id: str) -> list[ConsentRecord]:
        """The caller's undecided requests in the session, oldest first."""

        async def work(uow: UnitOfWork) -> list[ConsentRecord]:
            await load_context(uow, session_id, actor)
            return [r for r in await uow.consents.for_session(session_id, actor.id)
                    if r.decision is None]

        return await in_transaction(self._deps.uow, work)

    async def history(self, actor: User, session_id: str) -> list[ConsentRecord]:
        """Every record of the caller in the session (pending ones too), oldest first."""

        async def work(uow: UnitOfWork) -> list[ConsentRecord]:
            await load_context(uow, session_id, actor)
            return await uow.consents.for_session(session_id, actor.id)

        return await in_transaction(self._deps.uow, work)

    async def decide(
        self, actor: User, session_id: str, record_id: str, decision: str,
        edited_content: str | None = None,
    ) -> ConsentDecided:
        """GRANTED or DENIED on a pending record of the caller.

        - GRANTED puts the content (the giver's `edited_content` when given, 1-5000
          characters) in the shared vessel and tells the partner `partner.consent_granted`
          (content type and time only, never the words).
        - A decided record is a 409 CONFLICT; of two decisions at once exactly one lands.
        """
        if decision not in DECISIONS:
            raise field_error("decision", "decision must be GRANTED or DENIED")
        chosen = ConsentDecision(decision)
        if edited_content is not None:
            if not edited_content.strip():
                raise field_error("edited_content", "editedContent must not be blank")
            if len(edited_content) > EDITED_CONTENT_MAX:
                raise field_error("edited_content", "editedContent must be at most "
                                  f"{EDITED_CONTENT_MAX} characters")

        async def work(uow: UnitOfWork) -> ConsentDecided:
            context = await load_locked_context(uow, session_id, actor)
            record = await _own_record(uow, context, record_id)
            now = self._deps.clock.now()
            if not await uow.consents.decide(record.id, chosen, now):
                raise Conflict("Consent request already decided")
            record.decision, record.decided_at = chosen, now
            if chosen is ConsentDecision.DENIED:
                return ConsentDecided(record, None)
            text = edited_content.strip() if edited_content is not None else \
                await _content_of(uow, context, record)
            shared = ConsentedContent(
                id=self._deps.ids.new_id(), session_id=session_id,
                shared_vessel_id=await uow.consents.shared_vessel_of(session_id),
                consent_record_id=record.id, source_user_id=actor.id,
                target_id=record.target_id, transformed_content=text, consented_at=now,
            )
            await uow.consents.add_content(shared)
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.PARTNER_CONSENT_GRANTED,
                session_id, {"contentType": record.target_type.value,
                             "consentedAt": js_iso(now), "excludeUserId": actor.id}))
            return ConsentDecided(record, shared)

        return await in_transaction(self._deps.uow, work)

    async def revoke(self, actor: User, session_id: str, record_id: str) -> ConsentRecord:
        """GRANTED → REVOKED: the shared copy becomes inactive and the partner is told
        (`partner.consent_revoked`). Revoking again answers with the first revocation; a
        pending or denied record cannot be revoked (400), nor can a consent a stage relies
        on (a shared need or empathy statement, STAGE_BOUND_CONSENTS: 400), since the
        stage routes keep revealing what was shared there."""

        async def work(uow: UnitOfWork) -> ConsentRecord:
            context = await load_locked_context(uow, session_id, actor)
            record = await _own_record(uow, context, record_id)
            if record.decision is ConsentDecision.REVOKED:
                return record
            if record.target_type in STAGE_BOUND_CONSENTS:
                raise ValidationFailed(STAGE_BOUND_REVOKE_MESSAGE)
            now = self._deps.clock.now()
            if not await uow.consents.revoke(record.id, now):
                raise ValidationFailed("Only granted consent can be revoked")
            record.decision, record.revoked_at = ConsentDecision.REVOKED, now
            await uow.consents.deactivate_content(record.id, now)
            await uow.outbox.add(new_event(
                self._deps, events.session_channel(session_id), events.PARTNER_CONSENT_REVOKED,
                session_id, {"contentType": record.target_type.value,
                             "revokedAt": js_iso(now), "excludeUserId": actor.id}))
            return record

        return await in_transaction(self._deps.uow, work)
