"""Stage 4 (redesigned flow) over REST on SQLite and PostgreSQL: state, selections, privacy,
the share gate, declines, suggestions, closure, access and limits."""

from __future__ import annotations

from typing import Any

import pytest

from .harness import Stack
from .stage4_helpers import NOTE, all_willing_and_shared, assert_no_private_words, seeded


async def test_shared_agreement_journey_ends_resolved(stack: Stack) -> None:
    s = await seeded(stack)
    p = s.pair
    state = await stack.ok("GET", p.path("/stage4"), "alice")
    assert state["phase"] == "COVERAGE_REVIEW"
    assert {c["id"]: c["sourceLabel"] for c in state["inventory"]["sharedProposals"]} == {
        s.props["walk"]: "YOU", s.props["rota"]: "PARTNER"}
    assert [c["id"] for c in state["inventory"]["individualCommitments"]] == [s.props["self"]]
    assert {n["id"] for n in state["coverageAudit"]["covered"]} == {s.needs["a_rest"],
                                                                    s.needs["b_fair"]}
    assert [n["id"] for n in state["inventory"]["unaddressedNeeds"]] == [s.needs["b_time"]]
    assert state["tendingPreview"] is None and state["outcome"] is None
    card = state["inventory"]["sharedProposals"][0]
    assert set(card) >= {"id", "kind", "description", "sourceLabel", "ownerLabel",
                         "needsAddressed", "duration", "measureOfSuccess", "status",
                         "myDecision", "partnerDecisionVisible"}

    # The gate names what is missing.
    error = await stack.error("POST", p.path("/stage4/share-selections"), "alice",
                              status=400, code="GATE_NOT_SATISFIED")
    assert set(error["details"]["proposalsWithoutStance"]) == {s.props["walk"], s.props["rota"]}

    await stack.ok("POST", p.path(f"/stage4/proposals/{s.props['walk']}/selection"), "alice",
                   {"decision": "WILLING", "note": NOTE})
    data = await stack.ok("POST", p.path(f"/stage4/proposals/{s.props['rota']}/selection"),
                          "alice", {"decision": "WILLING"})
    assert data["submitted"] is True and data["partnerSubmitted"] is False
    assert data["state"]["phase"] == "SELECTION"
    await stack.ok("POST", p.path(f"/stage4/proposals/{s.props['self']}/selection"), "alice",
                   {"decision": "WILLING"})
    error = await stack.error("POST", p.path("/stage4/share-selections"), "alice",
                              status=400, code="GATE_NOT_SATISFIED")
    assert error["details"] == {"unresolvedNeeds": [s.needs["b_time"]]}
    await stack.ok("POST", p.path(f"/stage4/needs/{s.needs['b_time']}/decline"), "alice")
    await stack.ok("POST", p.path("/stage4/share-selections"), "alice")

    bob = await stack.ok("GET", p.path("/stage4"), "bob")
    assert bob["partnerSelectionStatus"] == "SUBMITTED"
    assert bob["partnerSelections"] == []
    assert all(c["partnerDecision"] is None for c in bob["inventory"]["sharedProposals"])
    assert NOTE not in str(bob)

    await stack.ok("POST", p.path("/stage4/selections"), "bob", {"selections": [
        {"proposalId": s.props["walk"], "decision": "WILLING"},
        {"proposalId": s.props["rota"], "decision": "NOT_WILLING"}]})
    await stack.error("POST", p.path("/stage4/share-selections"), "bob", status=400,
                      code="GATE_NOT_SATISFIED")
    declined = await stack.ok("POST", p.path(f"/stage4/needs/{s.needs['b_time']}/decline"),
                              "bob")
    assert declined["state"]["declinedNeedIds"] == [s.needs["b_time"]]
    shared = await stack.ok("POST", p.path("/stage4/share-selections"), "bob")
    assert shared["state"]["phase"] == "OUTCOME_REVIEW"
    assert {x["proposalId"]: x["decision"] for x in shared["state"]["partnerSelections"]} == {
        s.props["walk"]: "WILLING", s.props["rota"]: "WILLING", s.props["self"]: "WILLING"}
    assert shared["state"]["partnerSelections"][0]["note"] == NOTE

    closed = await stack.ok("POST", p.path("/stage4/close"), "bob",
                            {"summary": "We walk", "checkInDate": "2030-01-02T03:04:05.000Z"})
    assert closed["closed"] is True
    outcome = closed["outcome"]
    assert (outcome["kind"], outcome["reason"]) == ("SHARED_AGREEMENT", "MUTUAL_SELECTION")
    assert [a["proposalId"] for a in outcome["agreements"]] == [s.props["walk"]]
    assert outcome["agreements"][0]["followUpDate"] == "2030-01-02T03:04:05.000Z"
    assert [c["id"] for c in outcome["individualCommitments"]] == [s.props["self"]]
    assert closed["state"]["phase"] == "CLOSED_SHARED_AGREEMENT"
    session = await stack.ok("GET", p.path(), "alice")
    assert session["session"]["status"] == "RESOLVED"
    await stack.error("POST", p.path("/stage4/close"), "alice", status=409, code="CONFLICT")
    later = await stack.ok("GET", p.path("/stage4"), "alice")
    assert later["outcome"]["agreements"][0]["status"] == "AGREED"
    await assert_no_private_words(p.session_id)


async def test_no_shared_agreement_ends_resolved(stack: Stack) -> None:
    s = await seeded(stack)
    closed = await stack.ok("POST", s.pair.path("/stage4/close"), "alice",
                            {"kind": "NO_SHARED_AGREEMENT"})
    assert (closed["outcome"]["kind"], closed["outcome"]["reason"]) == (
        "NO_SHARED_AGREEMENT", "NO_OVERLAP")
    assert [n["id"] for n in closed["outcome"]["openNeeds"]] == [s.needs["b_time"]]
    session = await stack.ok("GET", s.pair.path(), "bob")
    assert session["session"]["status"] == "RESOLVED"
    progress = await stack.ok("GET", s.pair.path("/progress"), "alice")
    assert progress["myProgress"]["status"] == "COMPLETED"


async def test_no_shared_agreement_with_overlap_needs_a_reason(stack: Stack) -> None:
    s = await seeded(stack)
    await all_willing_and_shared(stack, s)
    error = await stack.error("POST", s.pair.path("/stage4/close"), "alice",
                              {"kind": "NO_SHARED_AGREEMENT"}, status=400,
                              code="VALIDATION_ERROR")
    assert "reason" in error["details"]
    closed = await stack.ok("POST", s.pair.path("/stage4/close"), "alice",
                            {"kind": "NO_SHARED_AGREEMENT", "reason": "USER_STOPPED"})
    assert closed["outcome"]["agreements"] == []


async def test_changing_a_selection_after_sharing_hides_again(stack: Stack) -> None:
    s = await seeded(stack)
    await all_willing_and_shared(stack, s)
    p = s.pair
    data = await stack.ok("POST", p.path(f"/stage4/proposals/{s.props['walk']}/selection"),
                          "alice", {"decision": "NOT_WILLING"})
    assert data["state"]["mySelectionStatus"] == "NOT_STARTED"
    bob = await stack.ok("GET", p.path("/stage4"), "bob")
    assert bob["partnerSelections"] == [] and bob["partnerSelectionStatus"] == "NOT_STARTED"
    unshared = await stack.ok("POST", p.path("/stage4/unshare-selections"), "bob")
    assert unshared["state"]["mySelectionStatus"] == "NOT_STARTED"
    undeclined = await stack.ok("DELETE", p.path(f"/stage4/needs/{s.needs['b_time']}/decline"),
                                "bob")
    assert undeclined["state"]["declinedNeedIds"] == []
    await assert_no_private_words(p.session_id)


async def test_suggest_adds_ai_proposals(stack: Stack) -> None:
    s = await seeded(stack)
    data = await stack.ok("POST", s.pair.path("/stage4/proposals/suggest"), "alice",
                          {"count": 2, "needId": s.needs["a_rest"]})
    assert data["source"] == "AI_GENERATED" and data["count"] == 2
    assert all(x["needsAddressed"] == [s.needs["a_rest"]] for x in data["suggestions"])
    labels = {c["id"]: c["sourceLabel"] for c in data["state"]["inventory"]["sharedProposals"]}
    assert all(labels[x["id"]] == "AI" for x in data["suggestions"])


def _routes(s: Any) -> list[tuple[str, str, dict[str, Any] | None]]:
    walk, need = s.props["walk"], s.needs["a_rest"]
    return [
        ("GET", "/stage4", None),
        ("POST", f"/stage4/proposals/{walk}/selection", {"decision": "WILLING"}),
        ("POST", "/stage4/selections",
         {"selections": [{"proposalId": walk, "decision": "WILLING"}]}),
        ("POST", "/stage4/share-selections", None),
        ("POST", "/stage4/unshare-selections", None),
        ("POST", f"/stage4/needs/{need}/decline", None),
        ("DELETE", f"/stage4/needs/{need}/decline", None),
        ("POST", "/stage4/proposals/suggest", {"count": 1}),
        ("POST", "/stage4/close", {"kind": "NO_SHARED_AGREEMENT"}),
    ]


async def test_access_matrix(stack: Stack) -> None:
    s = await seeded(stack)
    await stack.ok("GET", "/api/auth/me", "carol")
    for method, rest, body in _routes(s):
        path = s.pair.path(rest)
        await stack.error(method, path, None, body, status=401, code="UNAUTHORIZED")
        await stack.error(method, path, "carol", body, status=403, code="FORBIDDEN")
        await stack.error(method, f"/api/sessions/nope{rest}", "alice", body, status=404,
                          code="NOT_FOUND")
    # Owner and partner: every route works (the share gate aside, which has its own test).
    for who in ("alice", "bob"):
        for method, rest, body in _routes(s):
            if rest in ("/stage4/share-selections", "/stage4/close"):
                continue
            await stack.ok(method, s.pair.path(rest), who, body)
    await stack.ok("POST", s.pair.path("/stage4/close"), "bob", {"kind": "NO_SHARED_AGREEMENT"})


@pytest.mark.parametrize(("rest", "body", "field"), [
    ("/selection", {"decision": "MAYBE"}, "decision"),
    ("/selection", {}, "decision"),
    ("/selection", {"decision": "WILLING", "note": "x" * 1001}, "note"),
])
async def test_selection_limits(stack: Stack, rest: str, body: dict[str, Any],
                                field: str) -> None:
    s = await seeded(stack)
    path = s.pair.path(f"/stage4/proposals/{s.props['walk']}{rest}")
    error = await stack.error("POST", path, "alice", body, status=400, code="VALIDATION_ERROR")
    assert field in error["details"]


async def test_batch_close_and_suggest_limits(stack: Stack) -> None:
    s = await seeded(stack)
    walk = s.props["walk"]
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/stage4/selections", {"selections": []}, "selections"),
        ("/stage4/selections", {}, "selections"),
        ("/stage4/selections", {"selections": [{"proposalId": walk, "decision": "WILLING"},
                                               {"proposalId": walk, "decision": "WILLING"}]},
         "selections"),
        ("/stage4/selections", {"selections": [{"proposalId": walk, "decision": "WILLING",
                                                "note": "x" * 1001}]}, "selections.0.note"),
        ("/stage4/close", {"summary": "x" * 2001}, "summary"),
        ("/stage4/close", {"kind": "MAYBE"}, "kind"),
        ("/stage4/close", {"reason": "BORED"}, "reason"),
        ("/stage4/close", {"checkInDate": "next tuesday"}, "checkInDate"),
        ("/stage4/proposals/suggest", {"count": 4}, "count"),
        ("/stage4/proposals/suggest", {"count": 0}, "count"),
        ("/stage4/proposals/suggest", {"focusNeeds": ["x" * 201]}, "focusNeeds"),
    ]
    for rest, body, field in cases:
        error = await stack.error("POST", s.pair.path(rest), "alice", body, status=400,
                                  code="VALIDATION_ERROR")
        assert field in error["details"], (rest, body, error)
    # Exactly at the limits is fine.
    await stack.ok("POST", s.pair.path(f"/stage4/proposals/{walk}/selection"), "alice",
                   {"decision": "WILLING", "note": "x" * 1000})
    await stack.error("POST", s.pair.path("/stage4/proposals/unknown/selection"), "alice",
                      {"decision": "WILLING"}, status=404, code="NOT_FOUND")
    await stack.error("POST", s.pair.path("/stage4/needs/unknown/decline"), "alice",
                      status=404, code="NOT_FOUND")
    await stack.ok("POST", s.pair.path("/stage4/close"), "alice",
                   {"kind": "NO_SHARED_AGREEMENT", "summary": "x" * 2000})
