"""The legacy Stage 4 REST routes over the real stack (SQLite and PostgreSQL): strategies,
ranking, overlap, agreements, confirm and /resolve."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mwf_core.adapters.db.tables import SessionTable, StageProgressTable

from .harness import Stack
from .journey import Pair, both_at_stage, both_at_stage2
from .journey import outbox as outbox_events

NEEDS = ["need_1"]


async def outbox(session_id: str, name: str | None = None) -> list[dict[str, Any]]:
    """The session's events (only those called `name` if given) as `{channel, name, payload}`
    dicts, oldest first."""
    return [{"channel": e.channel, "name": e.name, "payload": e.payload}
            for e in await outbox_events(session_id) if name is None or e.name == name]


async def propose(stack: Stack, pair: Pair, user: str, description: str,
                  **extra: Any) -> str:
    data = await stack.ok("POST", pair.path("/strategies"), user,
                          {"description": description, "needsAddressed": NEEDS, **extra},
                          status=201)
    return str(data["strategy"]["id"])


async def three_strategies(stack: Stack, pair: Pair) -> list[str]:
    return [await propose(stack, pair, "alice", "Walk together every Sunday"),
            await propose(stack, pair, "alice", "Cook dinner together on Fridays"),
            await propose(stack, pair, "bob", "Phone-free evenings twice a week",
                          duration="two weeks", measureOfSuccess="we talk more")]


async def both_ranked(stack: Stack, pair: Pair, alice: list[str], bob: list[str]) -> None:
    for user in ("alice", "bob"):
        await stack.ok("POST", pair.path("/strategies/ready"), user)
    await stack.ok("POST", pair.path("/strategies/rank"), "alice", {"rankedIds": alice})
    await stack.ok("POST", pair.path("/strategies/rank"), "bob", {"rankedIds": bob})


async def test_a_full_legacy_run_ends_resolved(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk, cook, phones = await three_strategies(stack, pair)
    board = await stack.ok("GET", pair.path("/strategies"), "bob")
    assert board["phase"] == "COLLECTING" and board["rankableStrategyCount"] == 3
    assert board["canMarkReadyToRank"] and not board["canRank"]
    assert {s["id"] for s in board["strategies"]} == {walk, cook, phones}
    card = next(s for s in board["strategies"] if s["id"] == phones)
    assert card == {"id": phones, "description": "Phone-free evenings twice a week",
                    "needsAddressed": NEEDS, "duration": "two weeks",
                    "measureOfSuccess": "we talk more"}
    # Strategies never say who proposed them.
    assert pair.inviter_id not in json.dumps(board) and pair.invitee_id not in json.dumps(board)

    ready = await stack.ok("POST", pair.path("/strategies/ready"), "alice")
    assert ready["ready"] and ready["readyAt"] and not ready["partnerReady"]
    assert not ready["canStartRanking"]
    ready = await stack.ok("POST", pair.path("/strategies/ready"), "bob")
    assert ready["partnerReady"] and ready["canStartRanking"]
    board = await stack.ok("GET", pair.path("/strategies"), "alice")
    assert board["phase"] == "RANKING" and board["canRank"]
    assert board["myReadyToRank"] and board["partnerReadyToRank"]

    ranked = await stack.ok("POST", pair.path("/strategies/rank"), "alice",
                            {"rankedIds": [phones, walk, cook]})
    assert ranked["submitted"] and ranked["ranked"] and ranked["awaitingReveal"]
    assert not ranked["partnerSubmitted"] and not ranked["canReveal"]
    assert ranked["submittedAt"] == ranked["rankedAt"]
    hidden = await stack.ok("GET", pair.path("/strategies/overlap"), "alice")
    assert hidden == {"overlap": None, "waitingForPartner": True, "agreementCandidates": None}
    assert (await stack.ok("GET", pair.path("/strategies/overlap"), "bob"))["overlap"] is None
    ranked = await stack.ok("POST", pair.path("/strategies/rank"), "bob",
                            {"rankedIds": [phones, walk]})
    assert ranked["partnerRanked"] and ranked["canReveal"] and not ranked["awaitingReveal"]
    shown = await stack.ok("GET", pair.path("/strategies/overlap"), "alice")
    assert [s["id"] for s in shown["overlap"]] == [phones, walk]
    assert [s["id"] for s in shown["agreementCandidates"]] == [phones, walk]
    assert not shown["waitingForPartner"]
    assert (await stack.ok("GET", pair.path("/strategies"), "bob"))["phase"] == "REVEALING"

    created = await stack.ok("POST", pair.path("/agreements"), "bob", {
        "strategyId": phones, "description": "Phone-free evenings on Tue and Thu",
        "type": "MICRO_EXPERIMENT", "duration": "two weeks", "measureOfSuccess": "we talk",
        "followUpDate": "2030-01-15T10:00:00.000Z"}, status=201)
    assert created["awaitingPartnerConfirmation"] is True
    agreement = created["agreement"]
    assert agreement == {
        "id": agreement["id"], "strategyId": phones,
        "description": "Phone-free evenings on Tue and Thu", "type": "MICRO_EXPERIMENT",
        "duration": "two weeks", "measureOfSuccess": "we talk", "status": "PROPOSED",
        "agreedByMe": True, "agreedByPartner": False, "agreedAt": None,
        "followUpDate": "2030-01-15T10:00:00.000Z"}
    listed = await stack.ok("GET", pair.path("/agreements"), "alice")
    assert [(a["agreedByMe"], a["agreedByPartner"]) for a in listed["agreements"]] == [
        (False, True)]
    confirmed = await stack.ok("POST", pair.path(f"/agreements/{agreement['id']}/confirm"),
                               "alice", {"confirmed": True})
    assert confirmed["sessionCanResolve"] is True
    assert confirmed["agreement"]["status"] == "AGREED"
    assert confirmed["agreement"]["agreedAt"] is not None

    session = await stack.ok("GET", pair.path(), "alice")
    assert session["session"]["status"] == "RESOLVED"
    assert session["session"]["resolvedAt"] is not None
    rows = await StageProgressTable.select().where(
        StageProgressTable.session_id == pair.session_id).run()
    assert rows and all(r["status"] == "COMPLETED" for r in rows)
    names = [e["name"] for e in await outbox(pair.session_id)]
    for name in ("partner.ready_to_rank", "partner.ranking_submitted", "agreement.proposed",
                 "agreement.confirmed"):
        assert name in names
    assert names.count("session.resolved") == 1
    resolved = await stack.ok("POST", pair.path("/resolve"), "bob")
    assert resolved["resolved"] and resolved["followUpScheduled"]
    assert [a["id"] for a in resolved["agreements"]] == [agreement["id"]]
    assert len(await outbox(pair.session_id, "session.resolved")) == 1


async def test_rankings_stay_private_until_both_ranked(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk, cook, phones = await three_strategies(stack, pair)
    for user in ("alice", "bob"):
        await stack.ok("POST", pair.path("/strategies/ready"), user)
    await stack.ok("POST", pair.path("/strategies/rank"), "alice",
                   {"rankedIds": [cook, walk, phones]})
    for path in ("/strategies", "/strategies/overlap", "/agreements", ""):
        text = json.dumps(await stack.ok("GET", pair.path(path), "bob"))
        assert "rankedIds" not in text
    waiting = await stack.ok("GET", pair.path("/strategies/overlap"), "bob")
    assert waiting == {"overlap": None, "waitingForPartner": False,
                       "agreementCandidates": None}
    for event in await outbox(pair.session_id):
        payload = json.dumps(event["payload"])
        assert "rankedIds" not in payload
        if event["name"] in ("partner.ranking_submitted", "partner.ready_to_rank"):
            assert not any(sid in payload for sid in (walk, cook, phones))
        if event["name"] == "session.strategies_updated":
            # Strategies are anonymous: the event does not name who proposed one.
            assert pair.inviter_id not in payload and pair.invitee_id not in payload


async def test_no_overlap_offers_each_first_choice(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk, cook, phones = await three_strategies(stack, pair)
    await both_ranked(stack, pair, [walk], [cook])
    shown = await stack.ok("GET", pair.path("/strategies/overlap"), "bob")
    assert shown["overlap"] == []
    # The viewer's own first choice comes first.
    assert [s["id"] for s in shown["agreementCandidates"]] == [cook, walk]


async def test_rank_before_both_ready_and_unknown_ids(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk, _, _ = await three_strategies(stack, pair)
    await stack.error("POST", pair.path("/strategies/rank"), "alice", {"rankedIds": [walk]},
                      status=400, code="PARTNER_NOT_READY")
    await stack.ok("POST", pair.path("/strategies/ready"), "alice")
    await stack.error("POST", pair.path("/strategies/rank"), "alice", {"rankedIds": [walk]},
                      status=400, code="PARTNER_NOT_READY")
    await stack.ok("POST", pair.path("/strategies/ready"), "bob")
    error = await stack.error("POST", pair.path("/strategies/rank"), "alice",
                              {"rankedIds": [walk, "unknown_id"]},
                              status=400, code="VALIDATION_ERROR")
    assert "rankedIds" in error["details"]


async def test_ready_needs_a_strategy_and_stage4(stack: Stack) -> None:
    early = await both_at_stage2(stack)
    await stack.error("POST", early.path("/strategies"), "alice",
                      {"description": "Walk together every Sunday", "needsAddressed": NEEDS},
                      status=400, code="VALIDATION_ERROR")
    await stack.error("POST", early.path("/strategies/ready"), "alice", status=400,
                      code="VALIDATION_ERROR")
    await stack.error("POST", early.path("/agreements"), "alice",
                      {"description": "Walk", "type": "COMMITMENT"},
                      status=400, code="VALIDATION_ERROR")


@pytest.mark.parametrize(("body", "field"), [
    ({"needsAddressed": NEEDS}, "description"),
    ({"description": "too short", "needsAddressed": NEEDS}, "description"),
    ({"description": "x" * 1001, "needsAddressed": NEEDS}, "description"),
    ({"description": "Walk together every Sunday"}, "needsAddressed"),
    ({"description": "Walk together every Sunday", "needsAddressed": []}, "needsAddressed"),
    ({"description": "Walk together every Sunday", "needsAddressed": "n1"}, "needsAddressed"),
    ({"description": "Walk together every Sunday", "needsAddressed": NEEDS,
      "duration": "d" * 101}, "duration"),
    ({"description": "Walk together every Sunday", "needsAddressed": NEEDS,
      "measureOfSuccess": "m" * 501}, "measureOfSuccess"),
])
async def test_strategy_limits(stack: Stack, body: dict[str, Any], field: str) -> None:
    pair = await both_at_stage(stack, 4)
    error = await stack.error("POST", pair.path("/strategies"), "alice", body,
                              status=400, code="VALIDATION_ERROR")
    assert field in error["details"], error


async def test_the_same_strategy_twice_is_a_conflict(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk = await propose(stack, pair, "alice", "Walk together every Sunday")
    error = await stack.error("POST", pair.path("/strategies"), "bob",
                              {"description": "  walk together EVERY  sunday",
                               "needsAddressed": NEEDS}, status=409, code="CONFLICT")
    assert error["message"] == "This strategy is already on the list"
    board = await stack.ok("GET", pair.path("/strategies"), "bob")
    assert [s["id"] for s in board["strategies"]] == [walk]


async def test_agreement_limits_and_rank_body(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk, cook, _ = await three_strategies(stack, pair)
    cases: list[tuple[str, dict[str, Any], str]] = [
        ("/agreements", {"type": "COMMITMENT"}, "description"),
        ("/agreements", {"description": "x" * 1001, "type": "COMMITMENT"}, "description"),
        ("/agreements", {"description": "Walk"}, "type"),
        ("/agreements", {"description": "Walk", "type": "PROMISE"}, "type"),
        ("/agreements", {"description": "Walk", "type": "HYBRID", "duration": "d" * 101},
         "duration"),
        ("/agreements", {"description": "Walk", "type": "HYBRID",
                         "measureOfSuccess": "m" * 501}, "measureOfSuccess"),
        ("/agreements", {"description": "Walk", "type": "HYBRID", "followUpDate": "soon"},
         "followUpDate"),
        ("/strategies/rank", {}, "rankedIds"),
        ("/strategies/rank", {"rankedIds": []}, "rankedIds"),
        ("/strategies/rank", {"rankedIds": [walk, walk]}, "rankedIds"),
    ]
    for path, body, field in cases:
        error = await stack.error("POST", pair.path(path), "alice", body, status=400,
                                  code="VALIDATION_ERROR")
        assert field in error["details"], (body, error)
    made = await stack.ok("POST", pair.path("/agreements"), "alice",
                          {"description": "Walk", "type": "COMMITMENT", "strategyId": walk},
                          status=201)
    error = await stack.error("POST", pair.path(f"/agreements/{made['agreement']['id']}"
                                                "/confirm"), "bob", {"confirmed": "yes"},
                              status=400, code="VALIDATION_ERROR")
    assert "confirmed" in error["details"]
    await stack.error("POST", pair.path("/agreements"), "bob",
                      {"description": "Walk again", "type": "COMMITMENT", "strategyId": walk},
                      status=409, code="CONFLICT")
    await stack.error("POST", pair.path("/agreements"), "bob",
                      {"description": "Walk again", "type": "COMMITMENT",
                       "strategyId": "no_such"}, status=404, code="NOT_FOUND")
    await stack.ok("POST", pair.path("/agreements"), "bob",
                   {"description": "Cook", "type": "CHECK_IN", "strategyId": cook}, status=201)
    await stack.error("POST", pair.path("/agreements"), "bob",
                      {"description": "A third one", "type": "HYBRID"},
                      status=400, code="VALIDATION_ERROR")
    await stack.error("POST", pair.path("/agreements/no_such/confirm"), "bob",
                      {"confirmed": True}, status=404, code="NOT_FOUND")


async def test_resolve_needs_an_agreed_agreement_and_an_active_session(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    await stack.error("POST", pair.path("/resolve"), "alice", status=400,
                      code="VALIDATION_ERROR")
    first = await stack.ok("POST", pair.path("/agreements"), "alice",
                           {"description": "Walk", "type": "COMMITMENT"}, status=201)
    await stack.ok("POST", pair.path("/agreements"), "alice",
                   {"description": "Talk", "type": "CHECK_IN"}, status=201)
    await stack.ok("POST", pair.path(f"/agreements/{first['agreement']['id']}/confirm"), "bob",
                   {"confirmed": True})
    await SessionTable.update({SessionTable.status: "PAUSED"}).where(
        SessionTable.id == pair.session_id).run()
    await stack.error("POST", pair.path("/resolve"), "alice", status=400,
                      code="SESSION_NOT_ACTIVE")
    await SessionTable.update({SessionTable.status: "ACTIVE"}).where(
        SessionTable.id == pair.session_id).run()
    resolved = await stack.ok("POST", pair.path("/resolve"), "alice")
    assert resolved["resolved"] and not resolved["followUpScheduled"]
    assert len(resolved["agreements"]) == 2
    events = await outbox(pair.session_id, "session.resolved")
    assert [e["payload"]["resolvedBy"] for e in events] == [pair.inviter_id]


async def test_access_matrix_for_every_route(stack: Stack) -> None:
    pair = await both_at_stage(stack, 4)
    walk = await propose(stack, pair, "alice", "Walk together every Sunday")
    made = await stack.ok("POST", pair.path("/agreements"), "alice",
                          {"description": "Walk", "type": "COMMITMENT"}, status=201)
    confirm = f"/agreements/{made['agreement']['id']}/confirm"
    routes: list[tuple[str, str, dict[str, Any] | None]] = [
        ("GET", "/strategies", None),
        ("POST", "/strategies", {"description": "Cook dinner on Fridays",
                                 "needsAddressed": NEEDS}),
        ("POST", "/strategies/ready", None),
        ("POST", "/strategies/rank", {"rankedIds": [walk]}),
        ("GET", "/strategies/overlap", None),
        ("POST", "/agreements", {"description": "Talk", "type": "CHECK_IN"}),
        ("GET", "/agreements", None),
        ("POST", confirm, {"confirmed": True}),
        ("POST", "/resolve", None),
    ]
    await stack.ok("GET", "/api/auth/me", "carol")
    for method, path, body in routes:
        await stack.error(method, pair.path(path), None, body, status=401, code="UNAUTHORIZED")
        await stack.error(method, pair.path(path), "carol", body, status=403, code="FORBIDDEN")
        await stack.error(method, f"/api/sessions/no_such{path}", "alice", body, status=404,
                          code="NOT_FOUND")
    # Owner and partner: the reads answer both; the writes in order complete the run.
    for user in ("alice", "bob"):
        for path in ("/strategies", "/strategies/overlap", "/agreements"):
            await stack.ok("GET", pair.path(path), user)
        await stack.ok("POST", pair.path("/strategies/ready"), user)
    await stack.ok("POST", pair.path("/strategies"), "bob",
                   {"description": "Cook dinner on Fridays", "needsAddressed": NEEDS},
                   status=201)
    for user in ("bob", "alice"):
        await stack.ok("POST", pair.path("/strategies/rank"), user, {"rankedIds": [walk]})
    await stack.ok("POST", pair.path(confirm), "bob", {"confirmed": True})
    await stack.ok("POST", pair.path("/resolve"), "bob")
