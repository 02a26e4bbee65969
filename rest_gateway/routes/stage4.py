"""/sessions/:id/stage4: proposal inventory, private selections, need declines, AI suggestions
and the closure (partner-journey.md §3.8, redesigned flow)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from mwf.v1 import stage4_pb2 as pb
from rest_gateway.convert import text, when
from rest_gateway.errors import ok
from rest_gateway.routes.common import Route
from rest_gateway.rpc import call, stub
from rest_gateway.validation import Fields, json_object, path_id

Json = dict[str, Any]

DECISIONS = ("WILLING", "NOT_WILLING")
KINDS = ("SHARED_AGREEMENT", "NO_SHARED_AGREEMENT")
REASONS = ("MUTUAL_SELECTION", "NO_OVERLAP", "BOUNDARY_HONORED", "USER_STOPPED")
NOTE_MAX, SUMMARY_MAX = 1000, 2000


def _need(n: pb.Stage4Need) -> Json:
    return {"id": n.id, "label": n.label, "need": n.label, "owner": n.owner,
            "coverage": n.coverage, "coveringProposalIds": list(n.covering_proposal_ids),
            "declinedByMe": n.declined_by_me}


def _card(c: pb.ProposalCard) -> Json:
    return {
        "id": c.id, "kind": c.kind, "description": c.description,
        "sourceLabel": c.source_label, "ownerLabel": c.owner_label,
        "needsAddressed": [{"id": n.id, "label": n.label, "coverage": n.coverage}
                           for n in c.needs_addressed],
        "duration": text(c.duration), "measureOfSuccess": text(c.measure_of_success),
        "status": c.status, "myDecision": text(c.my_decision),
        "partnerDecisionVisible": c.partner_decision_visible,
        "partnerDecision": text(c.partner_decision) if c.partner_decision_visible else None,
        "createdAt": when(c, "create_time"),
    }


def _selection(s: pb.Stage4Selection) -> Json:
    return {"proposalId": s.proposal_id, "decision": s.decision, "note": text(s.note),
            "updatedAt": when(s, "update_time")}


def _outcome(o: pb.Stage4Outcome) -> Json:
    return {
        "kind": o.kind, "reason": o.reason, "summary": text(o.summary),
        "agreements": [{"id": a.id, "description": a.description,
                        "proposalId": text(a.proposal_id), "status": a.status,
                        "followUpDate": when(a, "follow_up_time")} for a in o.agreements],
        "individualCommitments": [_card(c) for c in o.individual_commitments],
        "openNeeds": [_need(n) for n in o.open_needs],
        "closedAt": when(o, "close_time"), "checkInAt": when(o, "check_in_time"),
    }


def state_json(s: pb.Stage4State) -> Json:
    w, inv, cov = s.walkthrough, s.inventory, s.coverage_audit
    return {
        "phase": s.phase,
        "walkthrough": {
            "phase": w.phase,
            "currentNeed": _need(w.current_need) if w.HasField("current_need") else None,
            "currentIndex": w.current_index, "totalInPhase": w.total_in_phase,
            "ownNeeds": [_need(n) for n in w.own_needs],
            "partnerNeeds": [_need(n) for n in w.partner_needs],
            "proposalGroups": [{"needId": g.need_id, "proposalIds": list(g.proposal_ids)}
                               for g in w.proposal_groups],
            "qualityWarnings": list(w.quality_warnings),
            "defaultCheckInDate": when(w, "default_check_in_time"),
        },
        "inventory": {
            "sharedProposals": [_card(c) for c in inv.shared_proposals],
            "individualCommitments": [_card(c) for c in inv.individual_commitments],
            "unaddressedNeeds": [_need(n) for n in inv.unaddressed_needs],
            "removedProposalCount": inv.removed_proposal_count,
            "updatedAt": when(inv, "update_time"),
        },
        "coverageAudit": {
            "covered": [_need(n) for n in cov.covered],
            "partial": [_need(n) for n in cov.partial],
            "open": [_need(n) for n in cov.open],
            "updatedAt": when(cov, "update_time"),
        },
        "mySelections": [_selection(x) for x in s.my_selections],
        "partnerSelections": [_selection(x) for x in s.partner_selections],
        "mySelectionStatus": s.my_selection_status,
        "partnerSelectionStatus": s.partner_selection_status,
        "outcome": _outcome(s.outcome) if s.HasField("outcome") else None,
        "declinedNeedIds": list(s.declined_need_ids),
        "tendingPreview": None,
    }


def _selection_result(resp: Any) -> Json:
    return {"submitted": resp.submitted, "submittedAt": when(resp, "submit_time"),
            "partnerSubmitted": resp.partner_submitted, "state": state_json(resp.state)}


async def get_state(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).GetStage4State,
                      pb.GetStage4StateRequest(session_id=path_id(request)))
    return ok(state_json(resp.state))


async def set_selection(request: web.Request) -> web.Response:
    session_id, proposal_id = path_id(request), path_id(request, "pid")
    fields = Fields(await json_object(request))
    decision = fields.choice("decision", DECISIONS, required=True)
    note = fields.string("note", max_len=NOTE_MAX)
    fields.check()
    resp = await call(request, stub(request).SetProposalSelection,
                      pb.SetProposalSelectionRequest(session_id=session_id,
                                                     proposal_id=proposal_id,
                                                     decision=decision or "", note=note or ""))
    return ok(_selection_result(resp))


def _selection_input(sub: Fields) -> pb.ProposalSelectionInput:
    pid = sub.id("proposalId", required=True)
    decision = sub.choice("decision", DECISIONS, required=True)
    note = sub.string("note", max_len=NOTE_MAX)
    return pb.ProposalSelectionInput(proposal_id=pid or "", decision=decision or "",
                                      note=note or "")


async def set_selections(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    items = fields.objects("selections", _selection_input, required=True, min_items=1)
    if not fields.errors and len({i.proposal_id for i in items}) != len(items):
        fields.fail("selections", "Proposal ids must be unique")
    fields.check()
    resp = await call(request, stub(request).SetProposalSelections,
                      pb.SetProposalSelectionsRequest(session_id=session_id, selections=items))
    return ok(_selection_result(resp))


async def share(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).ShareSelections,
                      pb.ShareSelectionsRequest(session_id=path_id(request)))
    return ok({"state": state_json(resp.state)})


async def unshare(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).UnshareSelections,
                      pb.UnshareSelectionsRequest(session_id=path_id(request)))
    return ok({"state": state_json(resp.state)})


async def decline(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).DeclineNeed,
                      pb.DeclineNeedRequest(session_id=path_id(request),
                                            need_id=path_id(request, "needId")))
    return ok({"state": state_json(resp.state)})


async def undecline(request: web.Request) -> web.Response:
    resp = await call(request, stub(request).UndeclineNeed,
                      pb.UndeclineNeedRequest(session_id=path_id(request),
                                              need_id=path_id(request, "needId")))
    return ok({"state": state_json(resp.state)})


async def suggest(request: web.Request) -> web.Response:
    session_id = path_id(request)
    body = await json_object(request)
    fields = Fields(body)
    count = fields.integer("count", required=False, minimum=1, maximum=3)
    need_id = fields.id("needId")
    focus = body.get("focusNeeds")
    if focus is not None and not (isinstance(focus, list) and len(focus) <= 10
                                  and all(isinstance(f, str) and len(f) <= 200 for f in focus)):
        fields.fail("focusNeeds", "Expected at most 10 strings of at most 200 characters")
    fields.check()
    resp = await call(request, stub(request).SuggestProposals, pb.SuggestProposalsRequest(
        session_id=session_id, count=count or 3, focus_needs=list(focus or []),
        need_id=need_id or ""))
    suggestions = [{"id": s.id, "description": s.description,
                    "needsAddressed": list(s.needs_addressed), "duration": text(s.duration),
                    "measureOfSuccess": text(s.measure_of_success), "createdByMe": False,
                    "source": "AI_SUGGESTED", "createdAt": when(s, "create_time")}
                   for s in resp.suggestions]
    return ok({"suggestions": suggestions, "source": resp.source, "count": len(suggestions),
               "state": state_json(resp.state)})


async def close(request: web.Request) -> web.Response:
    session_id = path_id(request)
    fields = Fields(await json_object(request))
    kind = fields.choice("kind", KINDS)
    reason = fields.choice("reason", REASONS)
    summary = fields.string("summary", max_len=SUMMARY_MAX)
    check_in = fields.timestamp("checkInDate")
    fields.check()
    resp = await call(request, stub(request).CloseStage4, pb.CloseStage4Request(
        session_id=session_id, kind=kind or "", reason=reason or "", summary=summary or "",
        check_in_time=check_in))
    return ok({"closed": resp.closed, "closedAt": when(resp, "close_time"),
               "outcome": _outcome(resp.outcome) if resp.HasField("outcome") else None,
               "state": state_json(resp.state)})


ROUTES: tuple[Route, ...] = (
    ("GET", "/sessions/{id}/stage4", get_state),
    ("POST", "/sessions/{id}/stage4/proposals/suggest", suggest),
    ("POST", "/sessions/{id}/stage4/proposals/{pid}/selection", set_selection),
    ("POST", "/sessions/{id}/stage4/selections", set_selections),
    ("POST", "/sessions/{id}/stage4/share-selections", share),
    ("POST", "/sessions/{id}/stage4/unshare-selections", unshare),
    ("POST", "/sessions/{id}/stage4/needs/{needId}/decline", decline),
    ("DELETE", "/sessions/{id}/stage4/needs/{needId}/decline", undecline),
    ("POST", "/sessions/{id}/stage4/close", close),
)
