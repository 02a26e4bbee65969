"""Stage-4 closure over the in-memory fakes: agreements from mutual selections, individual
commitments, follow-up dates and closing without a shared agreement (helpers in
test_stage4_usecases)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mwf_core.domain import events
from mwf_core.domain.agreements import AgreementStatus, AgreementType
from mwf_core.domain.enums import ProposalKind, ProposalStatus, SessionStatus, StageStatus
from mwf_core.domain.errors import Conflict, GateNotSatisfied, ValidationFailed
from mwf_core.usecases.stage4 import SelectionInput

from .stage4_seed import add_proposal
from .test_stage4_usecases import World, _both_willing_and_shared
from .test_stage4_usecases import w as w  # noqa: F401  (the fixture)


async def test_close_with_shared_agreement(w: World) -> None:
    extra = await add_proposal(w.app.deps, w.sid, w.alice.id, "Phone-free dinners for a week",
                               [w.needs["a_rest"]])
    commitment = await add_proposal(w.app.deps, w.sid, w.bob.id, "I will do the dishes daily",
                                    [w.needs["b_fair"]], ProposalKind.INDIVIDUAL_COMMITMENT)
    for user in (w.alice, w.bob):
        await w.s4.select_many(user, w.sid, [
            SelectionInput(w.props["walk"], "WILLING"), SelectionInput(w.props["rota"], "WILLING"),
            SelectionInput(extra, "WILLING")])
    await w.s4.select(w.bob, w.sid, commitment, "WILLING")
    for user in (w.alice, w.bob):
        await w.s4.decline_need(user, w.sid, w.needs["b_time"], True)
        await w.s4.share(user, w.sid)
    check_in = w.app.clock.now() + timedelta(days=3)
    result = await w.s4.close(w.bob, w.sid, summary="We try two things", check_in=check_in)
    outcome = result.state.outcome
    assert outcome is not None and outcome.kind == "SHARED_AGREEMENT"
    assert outcome.reason == "MUTUAL_SELECTION"
    assert len(outcome.agreements) == 2
    assert [c.id for c in outcome.individual_commitments] == [commitment]
    assert result.state.phase == "CLOSED_SHARED_AGREEMENT"
    async with w.app.db() as uow:
        agreements = await uow.agreements.for_session(w.sid)
        assert len(agreements) == 2
        assert all(a.type is AgreementType.MICRO_EXPERIMENT and a.status is AgreementStatus.AGREED
                   and a.agreed_by_a and a.agreed_by_b and a.follow_up_date == check_in
                   for a in agreements)
        converted = {a.proposal_id for a in agreements}
        for pid in converted:
            proposal = await uow.proposals.get(pid)
            assert proposal is not None
            assert proposal.status is ProposalStatus.CONVERTED_TO_AGREEMENT
        session = await uow.sessions.get(w.sid)
        assert session is not None and session.status is SessionStatus.RESOLVED
        assert session.resolved_at is not None
        rows = await uow.progress.for_session(w.sid)
        assert all(r.status is StageStatus.COMPLETED for r in rows)
    resolved = w.app.events(events.SESSION_RESOLVED)
    assert len(resolved) == 1
    assert resolved[0].payload["closedBy"] == resolved[0].payload["resolvedBy"] == w.bob.id
    assert resolved[0].payload["kind"] == resolved[0].payload["closureKind"]
    assert resolved[0].payload["resolvedAt"] and "agreementId" not in resolved[0].payload
    assert sorted(resolved[0].payload["agreementIds"]) == sorted(a.id for a in agreements)
    with pytest.raises(Conflict):
        await w.s4.close(w.alice, w.sid)


async def test_close_records_only_commitments_of_people_who_shared(w: World) -> None:
    # The outcome is seen by both: Bob's unshared WILLING stays private.
    mine = await add_proposal(w.app.deps, w.sid, w.alice.id, "I will go to bed earlier",
                              [w.needs["a_rest"]], ProposalKind.INDIVIDUAL_COMMITMENT)
    his = await add_proposal(w.app.deps, w.sid, w.bob.id, "I will do the dishes daily",
                             [w.needs["b_fair"]], ProposalKind.INDIVIDUAL_COMMITMENT)
    await w.s4.select_many(w.alice, w.sid, [
        SelectionInput(w.props["walk"], "WILLING"), SelectionInput(w.props["rota"], "WILLING"),
        SelectionInput(mine, "WILLING"), SelectionInput(his, "NOT_WILLING")])
    await w.s4.decline_need(w.alice, w.sid, w.needs["b_time"], True)
    await w.s4.share(w.alice, w.sid)
    await w.s4.select(w.bob, w.sid, his, "WILLING")  # never shared
    result = await w.s4.close(w.alice, w.sid)
    assert result.state.outcome is not None
    assert [c.id for c in result.state.outcome.individual_commitments] == [mine]
    async with w.app.db() as uow:
        closure = await uow.stage4.closure(w.sid)
    assert closure is not None and closure.individual_proposal_ids == [mine]
    bobs = await w.s4.state(w.bob, w.sid)
    assert bobs.outcome is not None
    assert [c.id for c in bobs.outcome.individual_commitments] == [mine]


async def test_default_follow_up_is_ten_days(w: World) -> None:
    await _both_willing_and_shared(w)
    await w.s4.close(w.alice, w.sid)
    async with w.app.db() as uow:
        agreements = await uow.agreements.for_session(w.sid)
    assert {a.follow_up_date for a in agreements} == {w.app.clock.now() + timedelta(days=10)}


async def test_close_without_agreement_rules(w: World) -> None:
    with pytest.raises(GateNotSatisfied):
        await w.s4.close(w.alice, w.sid, kind="SHARED_AGREEMENT")
    with pytest.raises(ValidationFailed) as bad_kind:
        await w.s4.close(w.alice, w.sid, kind="SOMETHING")
    assert "kind" in bad_kind.value.details
    with pytest.raises(ValidationFailed) as long_summary:
        await w.s4.close(w.alice, w.sid, summary="x" * 2001)
    assert "summary" in long_summary.value.details
    await _both_willing_and_shared(w)
    with pytest.raises(ValidationFailed) as needs_reason:
        await w.s4.close(w.alice, w.sid, kind="NO_SHARED_AGREEMENT")
    assert "reason" in needs_reason.value.details
    result = await w.s4.close(w.alice, w.sid, kind="NO_SHARED_AGREEMENT",
                              reason="BOUNDARY_HONORED")
    assert result.state.phase == "CLOSED_NO_SHARED_AGREEMENT"
    assert result.state.outcome is not None and result.state.outcome.agreements == []
    async with w.app.db() as uow:
        assert await uow.agreements.for_session(w.sid) == []
        closure = await uow.stage4.closure(w.sid)
    assert closure is not None and closure.reason.value == "BOUNDARY_HONORED"
    with pytest.raises(Conflict):
        await w.s4.select(w.alice, w.sid, w.props["walk"], "WILLING")


async def test_no_shared_agreement_without_overlap(w: World) -> None:
    result = await w.s4.close(w.alice, w.sid)
    assert result.state.outcome is not None
    assert (result.state.outcome.kind, result.state.outcome.reason) == (
        "NO_SHARED_AGREEMENT", "NO_OVERLAP")
