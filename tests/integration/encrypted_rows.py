"""One row of each record around the stages that holds a person's words (topic frame,
invitation, vessel context, readings, turn metadata, needs, proposals, consented content,
agreements, stage 4, logged prompts), written and read back through the repositories, for
test_db_encryption.py. Every encrypted column gets exactly one non-null value."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.telemetry_repository import PiccoloTelemetryRepository
from mwf_core.domain.agreements import Agreement, AgreementStatus, AgreementType
from mwf_core.domain.consent import ConsentedContent
from mwf_core.domain.enums import (
    InvitationStatus,
    NeedCategory,
    ProposalKind,
    ProposalSource,
    ProposalStatus,
    TurnStatus,
)
from mwf_core.domain.records import (
    EmotionalReading,
    IdentifiedNeed,
    Invitation,
    Session,
    StrategyProposal,
    Turn,
)
from mwf_core.domain.stage4 import (
    ClosureKind,
    ClosureReason,
    Coverage,
    Decision,
    RevisionAction,
    Stage4Closure,
    Stage4NeedCoverage,
    Stage4ProposalDetails,
    Stage4ProposalRevision,
    Stage4Selection,
)
from mwf_core.domain.telemetry import ActivityStatus, ActivityType, BrainActivity

from .test_repositories import Pair, at, new_id

SECRETS = {
    "topic": "Who does the chores at home",
    # As long as an address may be (254): its envelope is longer than the old VARCHAR(320).
    "invite_email": "b" * 64 + "@" + ("d" * 58 + ".") * 3 + "example.test",
    "decline": "I am not ready to talk about the money",
    "context": "After the fight about my mother",
    "reading": "my chest is tight since the call",
    "reply_meta": "captured: wants to be thanked",
    "need": "to feel my effort is seen",
    "evidence": "nobody notices what I do",
    "proposal": "We split the Sunday cleaning",
    "consented": "I feel unseen when the chores go unnoticed",
    "agreement": "Thank each other every evening",
    "agreement_duration": "two weeks of evenings",
    "agreement_measure": "both of us feel thanked",
    "note": "only if weekends stay free",
    "need_label": "rest after night shifts",
    "revision_before": "I cook every night",
    "revision_after": "I cook three nights",
    "details_duration": "a month of Sundays",
    "details_measure": "no Sunday arguments",
    "closure": "We agreed to thank each other",
    "prompt": "system: the user said they feel invisible",
    "response": "It sounds lonely to feel invisible",
}


@dataclasses.dataclass
class PrivateRows:
    session: Session
    invitation: Invitation
    reading: EmotionalReading
    turn: Turn
    need: IdentifiedNeed
    proposal: StrategyProposal
    content: ConsentedContent
    agreement: Agreement
    selection: Stage4Selection
    coverage: Stage4NeedCoverage
    revision: Stage4ProposalRevision
    details: Stage4ProposalDetails
    closure: Stage4Closure
    activity: BrainActivity


def _records(pair: Pair, vessel_id: str) -> PrivateRows:
    sid, a, b = pair.session.id, pair.a.id, pair.b.id
    proposal_id = new_id("prp")
    return PrivateRows(
        session=dataclasses.replace(pair.session, topic_frame=SECRETS["topic"]),
        invitation=Invitation(
            new_id("inv"),
            sid,
            a,
            "Blake",
            InvitationStatus.PENDING,
            at(0),
            at(0) + timedelta(days=7),
            invite_email=SECRETS["invite_email"],
        ),
        reading=EmotionalReading(new_id("emo"), vessel_id, 7, 1, at(1), context=SECRETS["reading"]),
        turn=Turn(
            new_id("trn"),
            sid,
            a,
            new_id("req"),
            "f" * 64,
            new_id("msg"),
            TurnStatus.RUNNING,
            at(1),
            at(1),
        ),
        need=IdentifiedNeed(
            new_id("ned"),
            vessel_id,
            SECRETS["need"],
            NeedCategory.RECOGNITION,
            [SECRETS["evidence"]],
            False,
            at(1),
            ai_confidence=0.5,
        ),
        proposal=StrategyProposal(
            proposal_id,
            sid,
            a,
            SECRETS["proposal"],
            [],
            ProposalSource.USER_SUBMITTED,
            ProposalKind.SHARED_PROPOSAL,
            ProposalStatus.ACTIVE,
            at(1),
        ),
        content=ConsentedContent(
            new_id("cc"), sid, None, new_id("con"), a, None, SECRETS["consented"], at(1)
        ),
        agreement=Agreement(
            new_id("agr"),
            sid,
            SECRETS["agreement"],
            AgreementType.MICRO_EXPERIMENT,
            AgreementStatus.PROPOSED,
            at(1),
        ),
        selection=Stage4Selection(
            new_id("sel"), sid, proposal_id, b, Decision.WILLING, at(1), at(1)
        ),
        coverage=Stage4NeedCoverage(
            new_id("cov"), sid, new_id("ned"), SECRETS["need_label"], a, Coverage.OPEN, [], at(1)
        ),
        revision=Stage4ProposalRevision(
            new_id("rev"),
            sid,
            proposal_id,
            RevisionAction.REVISE,
            SECRETS["revision_before"],
            at(1),
            new_description=SECRETS["revision_after"],
            user_id=a,
        ),
        details=Stage4ProposalDetails(
            proposal_id,
            sid,
            duration=SECRETS["details_duration"],
            measure_of_success=SECRETS["details_measure"],
        ),
        closure=Stage4Closure(
            new_id("clo"),
            sid,
            ClosureKind.SHARED_AGREEMENT,
            ClosureReason.MUTUAL_SELECTION,
            at(2),
            summary=SECRETS["closure"],
        ),
        activity=BrainActivity(
            id=new_id("act"),
            created_at=at(1),
            activity_type=ActivityType.LLM_CALL,
            call_type="reply",
            model_id="test-model",
            status=ActivityStatus.COMPLETED,
            duration_ms=12,
            session_id=sid,
            prompt=SECRETS["prompt"],
            response=SECRETS["response"],
        ),
    )


async def write_private_rows(engine: Engine, pair: Pair, vessel_id: str) -> PrivateRows:
    """Inserts, then the update paths (whole-record updates and the selection's upsert)."""
    rows = _records(pair, vessel_id)
    factory = PiccoloUnitOfWorkFactory(engine)
    async with factory() as uow:
        await uow.invitations.add(rows.invitation)
        await uow.emotions.add(rows.reading)
        await uow.turns.add(rows.turn)
        await uow.needs.add(rows.need)
        await uow.proposals.add(rows.proposal)
        await uow.consents.add_content(rows.content)
        await uow.agreements.add(rows.agreement)
        await uow.stage4.put_selection(rows.selection)
        await uow.stage4.replace_coverage(pair.session.id, [rows.coverage])
        await uow.stage4.add_revision(rows.revision)
        await uow.stage4.put_details(rows.details)
        await uow.stage4.add_closure(rows.closure)
        await uow.commit()
    rows.invitation = dataclasses.replace(
        rows.invitation,
        status=InvitationStatus.DECLINED,
        declined_at=at(3),
        decline_reason=SECRETS["decline"],
    )
    rows.turn = dataclasses.replace(
        rows.turn, status=TurnStatus.COMPLETED, reply_metadata={"captured": SECRETS["reply_meta"]}
    )
    rows.agreement = dataclasses.replace(
        rows.agreement,
        duration=SECRETS["agreement_duration"],
        measure_of_success=SECRETS["agreement_measure"],
    )
    rows.selection = dataclasses.replace(rows.selection, note=SECRETS["note"], updated_at=at(3))
    async with factory() as uow:
        await uow.sessions.update(rows.session)
        await uow.invitations.update(rows.invitation)
        await uow.turns.update(rows.turn)
        await uow.agreements.update(rows.agreement)
        await uow.stage4.put_selection(rows.selection)  # the UPDATE path of the upsert
        await uow.commit()
    await PiccoloTelemetryRepository().insert_many([rows.activity])
    return rows


async def read_private_rows(engine: Engine, rows: PrivateRows) -> None:
    """The repositories return every one of them as it was written."""
    sid = rows.session.id
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        assert await uow.sessions.get(sid) == rows.session
        assert await uow.invitations.for_session(sid) == rows.invitation
        assert await uow.emotions.get(rows.reading.id) == rows.reading
        assert await uow.turns.get(rows.turn.id) == rows.turn
        assert await uow.needs.get(rows.need.id) == rows.need
        assert await uow.proposals.get(rows.proposal.id) == rows.proposal
        assert await uow.consents.content_for_record(rows.content.consent_record_id) == (
            rows.content
        )
        assert await uow.agreements.get(rows.agreement.id) == rows.agreement
        assert await uow.stage4.selections(sid) == [rows.selection]
        assert await uow.stage4.coverage(sid) == [rows.coverage]
        assert await uow.stage4.revisions(sid) == [rows.revision]
        assert await uow.stage4.details(sid) == [rows.details]
        assert await uow.stage4.closure(sid) == rows.closure
    assert await PiccoloTelemetryRepository().for_session(sid) == [rows.activity]
