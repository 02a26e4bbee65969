"""Share offers answered by the subject, and the reconciler's status views (§3.6).

Privacy: an offer (its suggested text) is shown to its subject only; the guesser learns only
that the subject is considering it, and receives words only once the subject accepts (or
refines) them. The status views never carry either person's private text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from mwf_core.domain import events
from mwf_core.domain.empathy import EmpathyAttempt, EmpathyEvent, EmpathyStatus
from mwf_core.domain.enums import MessageRole, Stage
from mwf_core.domain.errors import NotFound, field_error
from mwf_core.domain.reconciler import (
    SHARED_CONTENT_MAX,
    RecommendedAction,
    ShareOffer,
    ShareOfferStatus,
)
from mwf_core.domain.records import User
from mwf_core.ports.repositories import UnitOfWork

from .empathy_common import name_for, save_move, status_for
from .empathy_reveal import reveal_if_ready
from .journey_actions import pending_action_event
from .lane import emit_to_user, message_dto, write_line
from .messages import require_chat
from .reconciler_texts import ACKNOWLEDGEMENT_LINE, REFLECTION_LINE
from .runtime import Dependencies, in_transaction
from .session_view import SessionContext, load_context, load_locked_context

log = logging.getLogger("mwf.reconciler")

ACTIONS = ("accept", "decline", "refine")
SKIP_MESSAGE = "No problem. Your partner will continue with what they have."
_STATUS_WORD = {ShareOfferStatus.ACCEPTED: "shared", ShareOfferStatus.DECLINED: "declined",
                ShareOfferStatus.SKIPPED: "skipped", ShareOfferStatus.EXPIRED: "expired",
                ShareOfferStatus.NOT_OFFERED: "not_offered"}


@dataclass(frozen=True, slots=True)
class OfferView:
    offer_id: str
    guesser_name: str
    suggested_share_focus: str | None
    suggested_content: str
    reason: str
    can_refine: bool
    action: RecommendedAction


@dataclass(frozen=True, slots=True)
class RespondResult:
    status: str  # shared | declined | skipped | expired
    shared_content: str | None
    guesser_updated: bool


@dataclass(frozen=True, slots=True)
class DirectionView:
    """One direction as the caller may see it (no text of anyone)."""

    guesser_id: str
    subject_id: str
    has_result: bool
    recommended_action: RecommendedAction | None
    gap_severity: str | None  # only for the caller's own attempt
    attempt_status: EmpathyStatus | None
    analyzed_at: datetime | None


@dataclass(frozen=True, slots=True)
class ReconcilerStatus:
    session_id: str
    has_run: bool
    mine: DirectionView  # the caller's understanding of the partner ("aUnderstandingB")
    partners: DirectionView  # the partner's understanding of the caller ("bUnderstandingA")
    pending_share_offers: int
    ready_for_stage3: bool


def _refined(refined_content: str | None) -> str | None:
    if refined_content is None:
        return None
    text = refined_content.strip()
    if not text or len(text) > SHARED_CONTENT_MAX:
        raise field_error("refined_content",
                          f"refinedContent must be 1-{SHARED_CONTENT_MAX} characters")
    return text


class ShareOfferOperations:
    """The subject's side of a share offer, and the reconciler status views."""

    _deps: Dependencies
    skip_message = SKIP_MESSAGE

    async def get_share_offer(self, actor: User, session_id: str) -> OfferView | None:
        """The open offer addressed to the caller (reading it moves PENDING to OFFERED)."""
        async def work(uow: UnitOfWork) -> OfferView | None:
            context = await load_context(uow, session_id, actor)
            offer = await uow.reconciler.open_offer_for(session_id, actor.id)
            if offer is None:
                return None
            if offer.status is ShareOfferStatus.PENDING:
                offer.status, offer.updated_at = ShareOfferStatus.OFFERED, self._deps.clock.now()
                await uow.reconciler.update_offer(offer)
            return OfferView(
                offer_id=offer.id, guesser_name=name_for(context, actor.id),
                suggested_share_focus=offer.suggested_share_focus,
                suggested_content=offer.suggested_content, reason=offer.suggested_reason,
                can_refine=True, action=offer.recommended_action,
            )

        return await in_transaction(self._deps.uow, work)

    async def respond_to_share_offer(self, actor: User, session_id: str, action: str,
                                     refined_content: str | None = None) -> RespondResult:
        """accept / refine: the text goes to the guesser, who refines their attempt; decline:
        the guesser's attempt is ready as it is. A repeat answers with the first outcome and
        `guesser_updated` false."""
        if action not in ACTIONS:
            raise field_error("action", "action must be one of accept, decline, refine")
        refined = _refined(refined_content)
        if action == "refine" and refined is None:
            raise field_error("refined_content", "refinedContent is required to refine")

        async def work(uow: UnitOfWork) -> RespondResult:
            context = await load_locked_context(uow, session_id, actor)
            require_chat(context)  # a paused or closed session takes no stage-2 answers
            offer = await uow.reconciler.open_offer_for(session_id, actor.id)
            if offer is None:
                return await _repeat(uow, session_id, actor.id)
            if action == "decline":
                return await self._close(uow, context, offer, ShareOfferStatus.DECLINED)
            return await self._share(uow, context, offer, refined or offer.suggested_content)

        return await in_transaction(self._deps.uow, work)

    async def skip_share_offer(self, actor: User, session_id: str) -> RespondResult:
        """"Not now": like a decline, recorded as SKIPPED."""
        async def work(uow: UnitOfWork) -> RespondResult:
            context = await load_locked_context(uow, session_id, actor)
            require_chat(context)  # a paused or closed session takes no stage-2 answers
            offer = await uow.reconciler.open_offer_for(session_id, actor.id)
            if offer is None:
                return await _repeat(uow, session_id, actor.id)
            return await self._close(uow, context, offer, ShareOfferStatus.SKIPPED)

        return await in_transaction(self._deps.uow, work)

    async def _share(self, uow: UnitOfWork, context: SessionContext, offer: ShareOffer,
                     content: str) -> RespondResult:
        deps, now = self._deps, self._deps.clock.now()
        subject, guesser_id = context.viewer, offer.guesser_id
        offer.status, offer.updated_at = ShareOfferStatus.ACCEPTED, now
        offer.shared_content, offer.shared_at = content, now
        if content != offer.suggested_content:
            offer.refined_content = content
        await uow.reconciler.update_offer(offer)
        stage, session_id = int(Stage.PERSPECTIVE_STRETCH), offer.session_id
        shared = await write_line(uow, deps, session_id, guesser_id, MessageRole.SHARED_CONTEXT,
                                  content, stage, now, sender_id=subject.id)
        reflection = await write_line(
            uow, deps, session_id, guesser_id, MessageRole.AI,
            REFLECTION_LINE.format(subject=name_for(context, guesser_id)), stage,
            now + timedelta(milliseconds=100))
        await write_line(uow, deps, session_id, subject.id, MessageRole.AI,
                         ACKNOWLEDGEMENT_LINE.format(guesser=name_for(context, subject.id)),
                         stage, now + timedelta(milliseconds=200))
        attempt = await uow.empathy_attempts.by_author(session_id, guesser_id)
        if attempt is not None and attempt.status is EmpathyStatus.AWAITING_SHARING:
            await save_move(uow, attempt, EmpathyEvent.CONTEXT_SHARED, now)
        # The shared words go to the guesser's own channel only.
        status = await status_for(uow, context, guesser_id)
        await emit_to_user(uow, deps, session_id, guesser_id, events.EMPATHY_CONTEXT_SHARED,
                           {"stage": stage, "sharedBy": subject.id, "content": content,
                            "triggeredByUserId": subject.id, "empathyStatus": status})
        await emit_to_user(uow, deps, session_id, guesser_id, events.MESSAGE_AI_RESPONSE,
                           {"message": message_dto(reflection)})
        # Every accepted share (either route) puts the guesser back to refining with new context.
        await emit_to_user(uow, deps, session_id, guesser_id, events.EMPATHY_REFINING,
                           {"guesserId": guesser_id, "empathyStatus": status,
                            "hasNewContext": True})
        await uow.outbox.add(pending_action_event(deps, session_id, guesser_id,
                                                  "context_received", shared.id))
        return RespondResult("shared", content, True)

    async def _close(self, uow: UnitOfWork, context: SessionContext, offer: ShareOffer,
                     status: ShareOfferStatus) -> RespondResult:
        now = self._deps.clock.now()
        offer.status, offer.updated_at = status, now
        if status is ShareOfferStatus.SKIPPED:
            offer.skipped_at = now
        else:
            offer.declined_at = now
        await uow.reconciler.update_offer(offer)
        attempt = await uow.empathy_attempts.by_author(offer.session_id, offer.guesser_id)
        if attempt is not None and attempt.status is EmpathyStatus.AWAITING_SHARING:
            await save_move(uow, attempt, EmpathyEvent.SHARING_DECLINED, now)
            await emit_to_user(
                uow, self._deps, offer.session_id, offer.guesser_id,
                events.EMPATHY_STATUS_UPDATED,
                {"status": attempt.status.value, "triggeredByUserId": context.viewer.id,
                 "empathyStatus": await status_for(uow, context, offer.guesser_id)})
            await reveal_if_ready(uow, self._deps, context)
        return RespondResult(_STATUS_WORD[status], None, True)

    # ---- views -----------------------------------------------------------------------------

    async def status(self, actor: User, session_id: str) -> ReconcilerStatus:
        async def work(uow: UnitOfWork) -> ReconcilerStatus:
            context = await load_context(uow, session_id, actor)
            partner_id = context.partner_id or ""
            attempts = {a.source_user_id: a
                        for a in await uow.empathy_attempts.for_session(session_id)}
            mine = await _direction(uow, session_id, actor.id, partner_id, attempts, own=True)
            theirs = await _direction(uow, session_id, partner_id, actor.id, attempts, own=False)
            pending = await uow.reconciler.open_offer_for(session_id, actor.id)
            ready = len(attempts) == 2 and all(a.status is EmpathyStatus.VALIDATED
                                               for a in attempts.values())
            return ReconcilerStatus(session_id, mine.has_result or theirs.has_result, mine,
                                    theirs, 1 if pending else 0, ready)

        return await in_transaction(self._deps.uow, work)

    async def summary(self, actor: User, session_id: str) -> tuple[str, bool]:
        """A one-line summary of where the exchange stands, and whether stage 3 may start."""
        view = await self.status(actor, session_id)
        mine, theirs = view.mine.attempt_status, view.partners.attempt_status
        if view.ready_for_stage3:
            text = "You have both confirmed each other's understanding."
        elif view.pending_share_offers:
            text = "You have a suggestion to share a little more with your partner."
        elif mine is EmpathyStatus.AWAITING_SHARING:
            text = "Your partner is considering sharing a little more context with you."
        elif mine is EmpathyStatus.REFINING:
            text = "You are refining your understanding of your partner."
        elif mine in (EmpathyStatus.HELD, EmpathyStatus.ANALYZING):
            text = "Your statement is being prepared for your partner."
        elif mine is None:
            text = "Share your understanding of your partner to continue."
        elif theirs is None or theirs in (EmpathyStatus.HELD, EmpathyStatus.ANALYZING):
            text = "Waiting for your partner's statement."
        else:
            text = "Your statements are ready to be exchanged."
        return text, view.ready_for_stage3


async def _repeat(uow: UnitOfWork, session_id: str, subject_id: str) -> RespondResult:
    latest = await uow.reconciler.latest_offer_for(session_id, subject_id)
    if latest is None:
        raise NotFound("No share offer found")
    return RespondResult(_STATUS_WORD.get(latest.status, latest.status.value.lower()),
                         latest.shared_content, False)


async def _direction(uow: UnitOfWork, session_id: str, guesser_id: str, subject_id: str,
                     attempts: dict[str | None, EmpathyAttempt], own: bool) -> DirectionView:
    result = await uow.reconciler.latest_result(session_id, guesser_id) if guesser_id else None
    attempt = attempts.get(guesser_id)
    return DirectionView(
        guesser_id=guesser_id, subject_id=subject_id, has_result=result is not None,
        recommended_action=result.recommended_action if result else None,
        gap_severity=result.gap_severity.value if result and own else None,
        attempt_status=attempt.status if attempt else None,
        analyzed_at=result.created_at if result else None,
    )

