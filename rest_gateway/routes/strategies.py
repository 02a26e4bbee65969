"""Stage 4, legacy flow the mobile app still calls: strategies, ranking, overlap, agreements
and /resolve (partner-journey.md §3.2, §3.8). Every rule is checked again by the server."""

from __future__ import annotations

from aiohttp import web

from mwf.v1 import strategies_pb2 as pb
from rest_gateway.convert import Json, enum_name, enum_value, text, when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 1000
AGREEMENT_DESCRIPTION_MAX = 1000
DURATION_MAX, MEASURE_MAX = 100, 500
NEEDS_MAX, RANKED_MAX = 50, 100
AGREEMENT_TYPES = ("MICRO_EXPERIMENT", "COMMITMENT", "CHECK_IN", "HYBRID")

# -- shapes ----------------------------------------------------------------------------------


def strategy(s: pb.RankableStrategy) -> Json:
    return {"id": s.id, "description": s.description, "needsAddressed": list(s.needs_addressed),
            "duration": text(s.duration), "measureOfSuccess": text(s.measure_of_success)}


def agreement(a: pb.SessionAgreement) -> Json:
    return {
        "id": a.id, "strategyId": text(a.strategy_id), "description": a.description,
        "type": enum_name(pb.SessionAgreementType, a.type, "SESSION_AGREEMENT_TYPE_"),
        "duration": text(a.duration), "measureOfSuccess": text(a.measure_of_success),
        "status": enum_name(pb.SessionAgreementStatus, a.status, "SESSION_AGREEMENT_STATUS_"),
        "agreedByMe": a.agreed_by_me, "agreedByPartner": a.agreed_by_partner,
        "agreedAt": when(a, "agree_time"), "followUpDate": when(a, "follow_up_time"),
    }


# -- body checks -----------------------------------------------------------------------------


# -- handlers --------------------------------------------------------------------------------


async def list_strategies(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ListStrategies,
                      pb.ListStrategiesRequest(session_id=path_id(request)))
    return ok({
        "strategies": [strategy(s) for s in resp.strategies],
        "phase": enum_name(pb.StrategyPhase, resp.phase, "STRATEGY_PHASE_"),
        "aiSuggestionsAvailable": resp.ai_suggestions_available,
        "myReadyToRank": resp.my_ready_to_rank,
        "partnerReadyToRank": resp.partner_ready_to_rank,
        "canMarkReadyToRank": resp.can_mark_ready_to_rank,
        "canRank": resp.can_rank,
        "rankableStrategyCount": resp.rankable_strategy_count,
    })


async def propose_strategy(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    description = fields.string("description", required=True, min_len=DESCRIPTION_MIN,
                                max_len=DESCRIPTION_MAX)
    needs = fields.id_list("needsAddressed", max_items=NEEDS_MAX)
    duration = fields.string("duration", max_len=DURATION_MAX)
    measure = fields.string("measureOfSuccess", max_len=MEASURE_MAX)
    fields.check()
    message = pb.ProposeStrategyRequest(session_id=session_id, description=description or "",
                                        needs_addressed=needs, duration=duration or "",
                                        measure_of_success=measure or "")
    resp = await call(request, stub(request).ProposeStrategy, message)
    created = strategy(resp.strategy)
    created.pop("needsAddressed")
    return ok({"strategy": created, "createdAt": when(resp, "create_time")}, status=201)


async def mark_ready(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).MarkReadyToRank,
                      pb.MarkReadyToRankRequest(session_id=path_id(request)))
    return ok({"ready": resp.ready, "readyAt": when(resp, "ready_time"),
               "partnerReady": resp.partner_ready, "canStartRanking": resp.can_start_ranking})


async def submit_ranking(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    ranked = fields.id_list("rankedIds", max_items=RANKED_MAX)
    if len(set(ranked)) != len(ranked):
        fields.fail("rankedIds", "Strategy ids must be unique")
    fields.check()
    resp = await call(request, stub(request).SubmitRanking,
                      pb.SubmitRankingRequest(session_id=session_id, ranked_ids=ranked))
    submitted_at = when(resp, "submit_time")
    return ok({"submitted": resp.submitted, "submittedAt": submitted_at,
               "partnerSubmitted": resp.partner_submitted,
               "awaitingReveal": not resp.can_reveal,
               "ranked": resp.submitted, "rankedAt": submitted_at,
               "partnerRanked": resp.partner_submitted, "canReveal": resp.can_reveal})


async def get_overlap(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).GetStrategyOverlap,
                      pb.GetStrategyOverlapRequest(session_id=path_id(request)))
    revealed = resp.revealed
    return ok({
        "overlap": [strategy(s) for s in resp.overlap] if revealed else None,
        "waitingForPartner": resp.waiting_for_partner,
        "agreementCandidates": ([strategy(s) for s in resp.agreement_candidates]
                                if revealed else None),
    })


async def propose_agreement(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    strategy_id = fields.id("strategyId")
    description = fields.string("description", required=True, min_len=1,
                                max_len=AGREEMENT_DESCRIPTION_MAX, not_blank=True)
    kind = fields.choice("type", AGREEMENT_TYPES, required=True)
    duration = fields.string("duration", max_len=DURATION_MAX)
    measure = fields.string("measureOfSuccess", max_len=MEASURE_MAX)
    follow_up = fields.timestamp("followUpDate")
    fields.check()
    message = pb.ProposeAgreementRequest(
        session_id=session_id, strategy_id=strategy_id or "", description=description or "",
        type=enum_value(pb.SessionAgreementType, "SESSION_AGREEMENT_TYPE_", kind),
        duration=duration or "", measure_of_success=measure or "", follow_up_time=follow_up)
    resp = await call(request, stub(request).ProposeAgreement, message)
    return ok({"agreement": agreement(resp.agreement),
               "awaitingPartnerConfirmation": resp.awaiting_partner_confirmation}, status=201)


async def list_agreements(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ListAgreements,
                      pb.ListAgreementsRequest(session_id=path_id(request)))
    return ok({"agreements": [agreement(a) for a in resp.agreements]})


async def confirm_agreement(request: web.Request) -> web.Response:
    session_id, agreement_id = path_id(request), path_id(request, "aid")
    fields = Fields(await json_object(request))
    confirmed = fields.boolean("confirmed", required=True)
    fields.check()
    resp = await call(request, stub(request).ConfirmAgreement, pb.ConfirmAgreementRequest(
        session_id=session_id, agreement_id=agreement_id, confirmed=bool(confirmed)))
    return ok({"agreement": agreement(resp.agreement),
               "sessionCanResolve": resp.session_can_resolve})


async def resolve_session(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ResolveSession,
                      pb.ResolveSessionRequest(session_id=path_id(request)))
    return ok({"resolved": resp.resolved, "resolvedAt": when(resp, "resolve_time"),
               "agreements": [agreement(a) for a in resp.agreements],
               "followUpScheduled": resp.follow_up_scheduled})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/strategies", list_strategies),
    ("POST", "/sessions/{id}/strategies", propose_strategy),
    ("POST", "/sessions/{id}/strategies/ready", mark_ready),
    ("POST", "/sessions/{id}/strategies/rank", submit_ranking),
    ("GET", "/sessions/{id}/strategies/overlap", get_overlap),
    ("POST", "/sessions/{id}/agreements", propose_agreement),
    ("GET", "/sessions/{id}/agreements", list_agreements),
    ("POST", "/sessions/{id}/agreements/{aid}/confirm", confirm_agreement),
    ("POST", "/sessions/{id}/resolve", resolve_session),
)
