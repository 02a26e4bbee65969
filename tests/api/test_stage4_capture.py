"""Chat capture of stage-4 proposals on a real database (both engines): revision audit rows,
need links limited to the session's live needs, coverage recompute, and the state after it."""

from __future__ import annotations

from mwf_core.mediator.state_tool import ProposalOp
from mwf_core.usecases.conversation_store import TurnStore

from .harness import Stack
from .stage4_helpers import outbox, seeded


async def test_capture_audits_revisions_and_recomputes_coverage(stack: Stack) -> None:
    s = await seeded(stack)
    sid = s.pair.session_id
    ops = (ProposalOp("revise", s.props["walk"], "Walk together three evenings a week",
                      (s.needs["a_rest"], "someone-elses-need")),
           ProposalOp("remove", s.props["rota"]),
           ProposalOp("remove", s.props["rota"]))  # already gone: skipped
    async with s.deps.uow() as uow:
        session = await uow.sessions.get(sid)
        assert session is not None
        await TurnStore(s.deps)._apply_proposals(uow, session, s.pair.inviter_id, ops, "msg-1")
        await uow.commit()
    async with s.deps.uow() as uow:
        revisions = await uow.stage4.revisions(sid)
        coverage = {c.need_id: c.coverage_status.value for c in await uow.stage4.coverage(sid)}
        active = await uow.proposals.for_session(sid)
    assert [(r.action.value, r.proposal_id) for r in revisions] == [
        ("REVISE", s.props["walk"]), ("REMOVE", s.props["rota"])]
    assert coverage == {s.needs["a_rest"]: "COVERED", s.needs["b_fair"]: "PARTIAL",
                        s.needs["b_time"]: "OPEN"}
    revised = next(p for p in active if p.parent_proposal_id == s.props["walk"])
    assert revised.needs_addressed == [s.needs["a_rest"]]
    event = [r for r in await outbox(sid) if r["name"] == "session.strategies_updated"][-1]
    assert event["payload"]["appliedOperationCount"] == 2
    assert event["payload"]["skippedOperationCount"] == 1
    assert event["payload"]["selectionCaptured"] is False
    state = await stack.ok("GET", s.pair.path("/stage4"), "bob")
    assert state["inventory"]["removedProposalCount"] == 1
    assert [n["id"] for n in state["coverageAudit"]["partial"]] == [s.needs["b_fair"]]
    assert [c["description"] for c in state["inventory"]["sharedProposals"]] == [
        "Walk together three evenings a week"]
