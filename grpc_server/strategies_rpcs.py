"""SessionService RPCs of the legacy Stage 4 flow: strategies, ranking, agreements, resolve."""

from __future__ import annotations

import grpc

from mwf.v1 import strategies_pb2 as pb
from mwf_core.bootstrap import Container
from mwf_core.domain.agreements import AgreementType
from mwf_core.domain.errors import field_error
from mwf_core.usecases.strategies import NewStrategy, StrategyView
from mwf_core.usecases.strategies_agreements import AgreementView, NewAgreement

from . import convert
from .handlers import unary
from .interceptors import require_user

Context = grpc.aio.ServicerContext


def strategy_message(view: StrategyView) -> pb.RankableStrategy:
    return pb.RankableStrategy(id=view.id, description=view.description,
                               needs_addressed=list(view.needs_addressed),
                               duration=view.duration or "",
                               measure_of_success=view.measure_of_success or "")


def agreement_message(view: AgreementView) -> pb.SessionAgreement:
    a = view.agreement
    return pb.SessionAgreement(
        id=a.id, strategy_id=a.proposal_id or "", description=a.description,
        type=convert.to_pb_enum(pb.SessionAgreementType, "SESSION_AGREEMENT_TYPE_", a.type),
        status=convert.to_pb_enum(pb.SessionAgreementStatus, "SESSION_AGREEMENT_STATUS_",
                                  a.status),
        agreed_by_me=view.agreed_by_me, agreed_by_partner=view.agreed_by_partner,
        agree_time=convert.timestamp(a.agreed_at),
        follow_up_time=convert.timestamp(a.follow_up_date),
        duration=a.duration or "", measure_of_success=a.measure_of_success or "",
    )


def _agreement_type(value: int) -> AgreementType:
    name = convert.from_pb_enum(pb.SessionAgreementType, "SESSION_AGREEMENT_TYPE_", value)
    if name is None:
        raise field_error("type", "type must be one of MICRO_EXPERIMENT, COMMITMENT, "
                                  "CHECK_IN, HYBRID")
    return AgreementType(name)


class StrategyRpcs:
    _c: Container

    @unary
    async def ListStrategies(self, request: pb.ListStrategiesRequest, context: Context
                             ) -> pb.ListStrategiesResponse:
        board = await self._c.strategies.board(require_user(), request.session_id)
        return pb.ListStrategiesResponse(
            strategies=[strategy_message(s) for s in board.strategies],
            phase=convert.to_pb_enum(pb.StrategyPhase, "STRATEGY_PHASE_", board.phase),
            ai_suggestions_available=board.ai_suggestions_available,
            my_ready_to_rank=board.my_ready, partner_ready_to_rank=board.partner_ready,
            can_mark_ready_to_rank=board.can_mark_ready, can_rank=board.can_rank,
            rankable_strategy_count=board.rankable_count,
        )

    @unary
    async def ProposeStrategy(self, request: pb.ProposeStrategyRequest, context: Context
                              ) -> pb.ProposeStrategyResponse:
        created = await self._c.strategies.propose(require_user(), request.session_id,
                                                   NewStrategy(
            description=request.description, needs_addressed=list(request.needs_addressed),
            duration=request.duration or None,
            measure_of_success=request.measure_of_success or None))
        return pb.ProposeStrategyResponse(strategy=strategy_message(created.strategy),
                                          create_time=convert.timestamp(created.created_at))

    @unary
    async def MarkReadyToRank(self, request: pb.MarkReadyToRankRequest, context: Context
                              ) -> pb.MarkReadyToRankResponse:
        ready = await self._c.strategies.mark_ready(require_user(), request.session_id)
        return pb.MarkReadyToRankResponse(ready=True, ready_time=convert.timestamp(ready.ready_at),
                                          partner_ready=ready.partner_ready,
                                          can_start_ranking=ready.can_start_ranking)

    @unary
    async def SubmitRanking(self, request: pb.SubmitRankingRequest, context: Context
                            ) -> pb.SubmitRankingResponse:
        ranked = await self._c.strategies.rank(require_user(), request.session_id,
                                               list(request.ranked_ids))
        return pb.SubmitRankingResponse(submitted=True,
                                        submit_time=convert.timestamp(ranked.submitted_at),
                                        partner_submitted=ranked.partner_submitted,
                                        can_reveal=ranked.partner_submitted)

    @unary
    async def GetStrategyOverlap(self, request: pb.GetStrategyOverlapRequest, context: Context
                                 ) -> pb.GetStrategyOverlapResponse:
        found = await self._c.strategies.overlap(require_user(), request.session_id)
        return pb.GetStrategyOverlapResponse(
            revealed=found.revealed, waiting_for_partner=found.waiting_for_partner,
            overlap=[strategy_message(s) for s in found.overlap],
            agreement_candidates=[strategy_message(s) for s in found.candidates],
        )

    @unary
    async def ProposeAgreement(self, request: pb.ProposeAgreementRequest, context: Context
                               ) -> pb.ProposeAgreementResponse:
        new = NewAgreement(
            description=request.description, type=_agreement_type(request.type),
            strategy_id=request.strategy_id or None, duration=request.duration or None,
            measure_of_success=request.measure_of_success or None,
            follow_up_date=convert.datetime_of(request, "follow_up_time"),
        )
        view = await self._c.strategies.propose_agreement(require_user(), request.session_id,
                                                          new)
        return pb.ProposeAgreementResponse(agreement=agreement_message(view),
                                           awaiting_partner_confirmation=True)

    @unary
    async def ListAgreements(self, request: pb.ListAgreementsRequest, context: Context
                             ) -> pb.ListAgreementsResponse:
        views = await self._c.strategies.agreements(require_user(), request.session_id)
        return pb.ListAgreementsResponse(agreements=[agreement_message(v) for v in views])

    @unary
    async def ConfirmAgreement(self, request: pb.ConfirmAgreementRequest, context: Context
                               ) -> pb.ConfirmAgreementResponse:
        result = await self._c.strategies.confirm_agreement(
            require_user(), request.session_id, request.agreement_id, request.confirmed)
        return pb.ConfirmAgreementResponse(agreement=agreement_message(result.agreement),
                                           session_can_resolve=result.session_can_resolve,
                                           session_resolved=result.resolved)

    @unary
    async def ResolveSession(self, request: pb.ResolveSessionRequest, context: Context
                             ) -> pb.ResolveSessionResponse:
        result = await self._c.strategies.resolve(require_user(), request.session_id)
        return pb.ResolveSessionResponse(
            resolved=True, resolve_time=convert.timestamp(result.resolved_at),
            agreements=[agreement_message(v) for v in result.agreements],
            follow_up_scheduled=result.follow_up_scheduled,
        )
