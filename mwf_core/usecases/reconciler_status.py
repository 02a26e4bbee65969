"""The reconciler's part of the empathy exchange status (`GET /empathy/status`, §3.5):
shared context, the abstract refinement hint and the caller's own result.

`fill_exchange_view` is called by the empathy status code with the view it built. Privacy:
the caller gets what was shared WITH them (accepted offers only), what THEY shared, and the
abstract hints of their own analysis. `gap_summary` is deliberately left empty: it is written
from the other person's private stage 1 (the original showed it; partner-journey.md §8 rule 2
keeps it server-side).
"""

from __future__ import annotations

from mwf_core.domain.empathy import EmpathyStatus
from mwf_core.domain.enums import MessageRole
from mwf_core.domain.reconciler import ShareOffer, ShareOfferStatus
from mwf_core.ports.repositories import UnitOfWork

from .empathy_status import (
    ExchangeView,
    ReconcilerSummaryView,
    RefinementHintView,
    SharedContextView,
)

LANE_READ = 500


def _latest_accepted(offers: list[ShareOffer], **match: str) -> ShareOffer | None:
    found = [o for o in offers if o.status is ShareOfferStatus.ACCEPTED
             and all(getattr(o, k) == v for k, v in match.items())]
    return found[-1] if found else None


async def fill_exchange_view(uow: UnitOfWork, session_id: str, viewer_id: str,
                             view: ExchangeView) -> None:
    """Fill the reconciler fields of `view` for `viewer_id` (reads only)."""
    offers = await uow.reconciler.offers_for_session(session_id)
    received = _latest_accepted(offers, guesser_id=viewer_id)
    given = _latest_accepted(offers, user_id=viewer_id)
    my_status = view.my_attempt.attempt.status if view.my_attempt else None
    if received is not None and received.shared_content:
        view.shared_context = SharedContextView(received.shared_content, received.shared_at)
        view.has_new_shared_context = my_status is EmpathyStatus.REFINING
        vessel = await uow.vessels.user_vessel(session_id, viewer_id)
        seen = vessel.last_viewed_share_tab_at if vessel else None
        view.has_unviewed_shared_context = (received.shared_at is not None and
                                            (seen is None or seen < received.shared_at))
        lane = await uow.messages.lane(session_id, viewer_id, LANE_READ)
        view.message_count_since_shared_context = sum(
            1 for m in lane if m.role is MessageRole.USER and received.shared_at is not None
            and m.timestamp > received.shared_at)
    if given is not None:
        view.my_shared_context = given.shared_content
        view.my_shared_at = given.shared_at
        view.shared_content_delivery_status = "delivered"
    result = await uow.reconciler.latest_result(session_id, viewer_id)
    if result is None:
        return
    view.my_reconciler_result = ReconcilerSummaryView(
        gap_severity=result.gap_severity.value, action=result.recommended_action.value,
        analyzed_at=result.created_at, gap_summary=None)
    if my_status is EmpathyStatus.REFINING and (result.area_hint or result.guidance_type
                                                or result.prompt_seed):
        view.refinement_hint = RefinementHintView(result.area_hint, result.guidance_type,
                                                  result.prompt_seed)
