"""SessionService RPCs of stage 4 (redesigned flow), mixed into SessionServicer."""

from __future__ import annotations

import grpc

from mwf.v1 import stage4_pb2 as pb
from mwf_core.bootstrap import Container
from mwf_core.usecases.stage4 import SelectionInput, SelectionResult
from mwf_core.usecases.stage4_state import (
    NeedItem,
    Outcome,
    ProposalCard,
    SelectionView,
    Stage4State,
)

from .convert import datetime_of, timestamp
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext


def _need(item: NeedItem) -> pb.Stage4Need:
    return pb.Stage4Need(id=item.id, label=item.label, owner=item.owner,
                         coverage=item.coverage.value,
                         covering_proposal_ids=item.covering_proposal_ids,
                         declined_by_me=item.declined_by_me)


def _card(card: ProposalCard) -> pb.ProposalCard:
    return pb.ProposalCard(
        id=card.id, kind=card.kind.value, description=card.description,
        source_label=card.source_label, owner_label=card.owner_label,
        needs_addressed=[pb.Stage4NeedRef(id=n.id, label=n.label, coverage=n.coverage.value)
                         for n in card.needs_addressed],
        duration=card.duration or "", measure_of_success=card.measure_of_success or "",
        status=card.status.value,
        my_decision=card.my_decision.value if card.my_decision else "",
        partner_decision_visible=card.partner_decision_visible,
        partner_decision=card.partner_decision.value if card.partner_decision else "",
        create_time=timestamp(card.created_at),
    )


def _selection(view: SelectionView) -> pb.Stage4Selection:
    return pb.Stage4Selection(proposal_id=view.proposal_id, decision=view.decision.value,
                              note=view.note or "", update_time=timestamp(view.updated_at))


def _outcome(outcome: Outcome | None) -> pb.Stage4Outcome | None:
    if outcome is None:
        return None
    return pb.Stage4Outcome(
        kind=outcome.kind, reason=outcome.reason, summary=outcome.summary or "",
        agreements=[pb.Stage4Agreement(id=a.id, description=a.description,
                                       proposal_id=a.proposal_id or "", status=a.status,
                                       follow_up_time=timestamp(a.follow_up_date))
                    for a in outcome.agreements],
        individual_commitments=[_card(c) for c in outcome.individual_commitments],
        open_needs=[_need(n) for n in outcome.open_needs],
        close_time=timestamp(outcome.closed_at), check_in_time=timestamp(outcome.check_in_at),
    )


def state_message(state: Stage4State) -> pb.Stage4State:
    w = state.walkthrough
    return pb.Stage4State(
        phase=state.phase,
        walkthrough=pb.Stage4Walkthrough(
            phase=w.phase, current_need=_need(w.current_need) if w.current_need else None,
            current_index=w.current_index, total_in_phase=w.total_in_phase,
            own_needs=[_need(n) for n in w.own_needs],
            partner_needs=[_need(n) for n in w.partner_needs],
            proposal_groups=[pb.Stage4ProposalGroup(need_id=nid, proposal_ids=pids)
                             for nid, pids in w.proposal_groups],
            quality_warnings=w.quality_warnings,
            default_check_in_time=timestamp(w.default_check_in_date),
        ),
        inventory=pb.Stage4Inventory(
            shared_proposals=[_card(c) for c in state.shared_proposals],
            individual_commitments=[_card(c) for c in state.individual_commitments],
            unaddressed_needs=[_need(n) for n in state.unaddressed_needs],
            removed_proposal_count=state.removed_proposal_count,
            update_time=timestamp(state.inventory_updated_at),
        ),
        coverage_audit=pb.Stage4CoverageAudit(
            covered=[_need(n) for n in state.covered],
            partial=[_need(n) for n in state.partial],
            open=[_need(n) for n in state.open],
            update_time=timestamp(state.coverage_updated_at),
        ),
        my_selections=[_selection(s) for s in state.my_selections],
        partner_selections=[_selection(s) for s in state.partner_selections],
        my_selection_status=state.my_selection_status,
        partner_selection_status=state.partner_selection_status,
        outcome=_outcome(state.outcome),
        declined_need_ids=state.declined_need_ids,
    )


def _selection_fields(result: SelectionResult) -> dict[str, object]:
    return {"submitted": result.submitted, "submit_time": timestamp(result.submitted_at),
            "partner_submitted": result.partner_submitted,
            "state": state_message(result.state)}


class Stage4Rpcs:
    _c: Container

    @unary
    async def GetStage4State(self, request: pb.GetStage4StateRequest, context: Context
                             ) -> pb.GetStage4StateResponse:
        state = await self._c.stage4.state(require_user(), request.session_id)
        return pb.GetStage4StateResponse(state=state_message(state))

    @unary
    async def SetProposalSelection(self, request: pb.SetProposalSelectionRequest,
                                   context: Context) -> pb.SetProposalSelectionResponse:
        result = await self._c.stage4.select(require_user(), request.session_id,
                                             request.proposal_id, request.decision,
                                             request.note or None)
        return pb.SetProposalSelectionResponse(**_selection_fields(result))  # type: ignore[arg-type]

    @unary
    async def SetProposalSelections(self, request: pb.SetProposalSelectionsRequest,
                                    context: Context) -> pb.SetProposalSelectionsResponse:
        items = [SelectionInput(s.proposal_id, s.decision, s.note or None)
                 for s in request.selections]
        result = await self._c.stage4.select_many(require_user(), request.session_id, items)
        return pb.SetProposalSelectionsResponse(**_selection_fields(result))  # type: ignore[arg-type]

    @unary
    async def ShareSelections(self, request: pb.ShareSelectionsRequest, context: Context
                              ) -> pb.ShareSelectionsResponse:
        state = await self._c.stage4.share(require_user(), request.session_id)
        return pb.ShareSelectionsResponse(state=state_message(state))

    @unary
    async def UnshareSelections(self, request: pb.UnshareSelectionsRequest, context: Context
                                ) -> pb.UnshareSelectionsResponse:
        state = await self._c.stage4.unshare(require_user(), request.session_id)
        return pb.UnshareSelectionsResponse(state=state_message(state))

    @unary
    async def DeclineNeed(self, request: pb.DeclineNeedRequest, context: Context
                          ) -> pb.DeclineNeedResponse:
        state = await self._c.stage4.decline_need(require_user(), request.session_id,
                                                  request.need_id, True)
        return pb.DeclineNeedResponse(state=state_message(state))

    @unary
    async def UndeclineNeed(self, request: pb.UndeclineNeedRequest, context: Context
                            ) -> pb.UndeclineNeedResponse:
        state = await self._c.stage4.decline_need(require_user(), request.session_id,
                                                  request.need_id, False)
        return pb.UndeclineNeedResponse(state=state_message(state))

    @unary
    async def SuggestProposals(self, request: pb.SuggestProposalsRequest, context: Context
                               ) -> pb.SuggestProposalsResponse:
        result = await self._c.stage4.suggest(
            require_user(), request.session_id, count=request.count or 3,
            focus_needs=list(request.focus_needs), need_id=request.need_id or None)
        return pb.SuggestProposalsResponse(
            suggestions=[pb.SuggestedProposal(
                id=s.proposal.id, description=s.proposal.description,
                needs_addressed=s.proposal.needs_addressed, duration=s.duration or "",
                measure_of_success=s.measure_of_success or "",
                create_time=timestamp(s.proposal.created_at)) for s in result.suggestions],
            source=result.source, state=state_message(result.state))

    @unary
    async def CloseStage4(self, request: pb.CloseStage4Request, context: Context
                          ) -> pb.CloseStage4Response:
        check_in = datetime_of(request, "check_in_time")
        result = await self._c.stage4.close(
            require_user(), request.session_id, kind=request.kind or None,
            reason=request.reason or None, summary=request.summary or None, check_in=check_in)
        state = state_message(result.state)
        return pb.CloseStage4Response(closed=result.closed,
                                      close_time=timestamp(result.closed_at),
                                      outcome=state.outcome if state.HasField("outcome")
                                      else None, state=state)
