"""What the field-encryption integration tests write and read: one row of every encrypted kind
through the repositories (inserts and every update path), the values as the database holds them
(raw SQL), and the read-back through the repositories. Used by test_db_encryption.py and
test_db_encryption_rotation.py."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from piccolo.engine.base import Engine
from piccolo.querystring import QueryString

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.domain.empathy import (
    EmpathyAttempt,
    EmpathyStatus,
    EmpathyValidation,
    ValidationFeedbackDraft,
)
from mwf_core.domain.reconciler import (
    RecommendedAction,
    ReconcilerResult,
    ShareOffer,
    ShareOfferStatus,
)
from mwf_core.domain.records import ConversationMemory, EmpathyDraft, UserVessel

from ..crypto_helpers import ENCRYPTED_COLUMNS, JSON_COLUMNS
from .encrypted_rows import SECRETS as ROW_SECRETS
from .encrypted_rows import PrivateRows, read_private_rows, write_private_rows
from .test_repositories import Pair, at, make_event, make_message, new_id, seed_pair

SECRETS = {
    "message": "I felt invisible at the party",
    "draft": "You might have felt cornered",
    "attempt": "I imagine you felt alone on Sunday",
    "feedback": "Not quite: it was more like shame",
    "sent_feedback": "It was more like shame, really",
    "summary": "Alex worries about money",
    "fact": "Alex's sister is ill",
    "suggested": "I was scared of losing you",
    "refined": "I was scared, and I hid it",
    "shared": "I was scared and hid it from you",
    "result": "Tell them about the fear",
    "alignment": "They saw the loneliness",
    "gap": "They missed the fear of losing the house",
    "missed": "dread about the mortgage",
    "most": "the fear under the anger",
    "payload": "private words in an event",
    "creation": "I want to talk about the holidays",
    "theme": "feeling unappreciated",
    "rationale": "Blake missed how tired Alex is",
    "share_reason": "It would help Blake see the fear",
    "share_focus": "the fear of being left",
    "area_hint": "worries about being left",
    "prompt_seed": "ask about being left",
    "identified": "tiredness after work",
    "misattributed": "anger at Blake",
    "offer_reason": "so Blake knows about the fear",
    "offer_focus": "fear of being left alone",
    **ROW_SECRETS,
}


async def raw(engine: Engine, sql: str, *args: Any) -> list[dict[str, Any]]:
    return await engine.run_querystring(QueryString(sql, *args))


@dataclasses.dataclass
class Written:
    pair: Pair
    vessel: UserVessel
    message_id: str
    draft: EmpathyDraft
    attempt: EmpathyAttempt
    feedback: ValidationFeedbackDraft
    validation: EmpathyValidation
    memory: ConversationMemory
    result: ReconcilerResult
    offer: ShareOffer
    event_id: str
    private: PrivateRows


async def write_everything(engine: Engine) -> Written:
    """One row of every encrypted kind, through the repositories (inserts and updates)."""
    pair = await seed_pair(engine)
    sid, a, b = pair.session.id, pair.a.id, pair.b.id
    factory = PiccoloUnitOfWorkFactory(engine)
    vessel = UserVessel(
        id=new_id("ves"),
        session_id=sid,
        user_id=a,
        created_at=at(0),
        creation_context=SECRETS["creation"],
    )
    message = make_message(sid, a, None, 1, content=SECRETS["message"])
    draft = EmpathyDraft(new_id("emd"), sid, a, "first words", False, 0, at(1), at(1))
    attempt = EmpathyAttempt(
        new_id("att"), sid, a, "first attempt", at(1), EmpathyStatus.HELD, at(1), at(1)
    )
    feedback = ValidationFeedbackDraft(new_id("vfd"), sid, b, "first feedback", False, at(1), at(1))
    memory = ConversationMemory(vessel.id, "first summary", at(1))
    validation = EmpathyValidation(
        new_id("val"),
        attempt.id,
        sid,
        b,
        False,
        at(1),
        feedback=SECRETS["sent_feedback"],
        feedback_shared=True,
    )
    result = ReconcilerResult(
        new_id("res"),
        sid,
        b,
        a,
        at(1),
        recommended_action=RecommendedAction.OFFER_SHARING,
        suggested_share_content=SECRETS["result"],
        alignment_summary=SECRETS["alignment"],
        gap_summary=SECRETS["gap"],
        missed_feelings=[SECRETS["missed"]],
        most_important_gap=SECRETS["most"],
        correctly_identified=[SECRETS["identified"]],
        misattributions=[SECRETS["misattributed"]],
        rationale=SECRETS["rationale"],
        suggested_share_focus=SECRETS["share_focus"],
        area_hint=SECRETS["area_hint"],
        prompt_seed=SECRETS["prompt_seed"],
        suggested_share_reason=SECRETS["share_reason"],
    )
    offer = ShareOffer(
        new_id("off"),
        sid,
        result.id,
        a,
        b,
        ShareOfferStatus.PENDING,
        at(1),
        at(1),
        suggested_content=SECRETS["suggested"],
        suggested_reason=SECRETS["offer_reason"],
        suggested_share_focus=SECRETS["offer_focus"],
    )
    event = make_event(
        sid,
        channel=f"user:{a}",
        name="message.ai_response",
        payload={"sessionId": sid, "message": {"content": SECRETS["payload"]}},
    )
    async with factory() as uow:
        await uow.vessels.add_user_vessel(vessel)
        await uow.messages.add(message)
        await uow.empathy_drafts.add(draft)
        await uow.empathy_attempts.add(attempt)
        await uow.empathy_validations.save_feedback_draft(feedback)
        await uow.empathy_validations.upsert(validation)
        await uow.memories.save(memory)
        await uow.reconciler.add_result(result)
        await uow.reconciler.add_offer(offer)
        await uow.outbox.add(event)
        await uow.commit()
    # Every update path too: compare-and-set updates, upserts, the memory's replace.
    draft = dataclasses.replace(draft, content=SECRETS["draft"], version=1)
    attempt = dataclasses.replace(attempt, content=SECRETS["attempt"])
    feedback = dataclasses.replace(feedback, content=SECRETS["feedback"])
    memory = ConversationMemory(
        vessel.id,
        SECRETS["summary"],
        at(2),
        key_themes=[SECRETS["theme"]],
        notable_facts=[{"category": "people", "fact": SECRETS["fact"]}],
    )
    offer = dataclasses.replace(
        offer, refined_content=SECRETS["refined"], shared_content=SECRETS["shared"]
    )
    async with factory() as uow:
        assert await uow.empathy_drafts.update(draft, expected_version=0)
        assert await uow.empathy_attempts.update(attempt, expected_version=0)
        await uow.empathy_validations.save_feedback_draft(feedback)
        await uow.memories.save(memory)
        await uow.reconciler.update_offer(offer)
        await uow.commit()
    private = await write_private_rows(engine, pair, vessel.id)
    return Written(
        pair,
        vessel,
        message.id,
        draft,
        attempt,
        feedback,
        validation,
        memory,
        result,
        offer,
        event.id,
        private,
    )


async def stored_values(engine: Engine) -> dict[tuple[str, str], list[str]]:
    """Every encrypted column's values as the database holds them (JSON as text)."""
    found: dict[tuple[str, str], list[str]] = {}
    for table, column in ENCRYPTED_COLUMNS:
        rows = await raw(engine, f'SELECT "{column}" AS "v" FROM "{table}"')
        found[(table, column)] = [
            v if isinstance(v, str) else json.dumps(v)
            for v in (row["v"] for row in rows)
            if v is not None
        ]
    return found


def unwrap(value: str, column: str) -> str:
    """The envelope inside a stored value (a JSON column holds it as a JSON string)."""
    if column in JSON_COLUMNS:
        decoded = json.loads(value)
        assert isinstance(decoded, str), value
        return decoded
    return value


async def read_back(engine: Engine, w: Written) -> None:
    """The repositories return every secret as plaintext."""
    sid, a, b = w.pair.session.id, w.pair.a.id, w.pair.b.id
    async with PiccoloUnitOfWorkFactory(engine)() as uow:
        lane = await uow.messages.lane(sid, a, limit=10)
        assert [m.content for m in lane] == [SECRETS["message"]]
        message = await uow.messages.get(w.message_id)
        assert message is not None and message.content == SECRETS["message"]
        assert await uow.empathy_drafts.get(sid, a) == w.draft
        assert await uow.empathy_attempts.by_author(sid, a) == w.attempt
        assert await uow.empathy_attempts.for_session(sid) == [w.attempt]
        assert await uow.empathy_validations.feedback_draft(sid, b) == w.feedback
        assert await uow.empathy_validations.for_session(sid) == [w.validation]
        assert await uow.memories.get(w.vessel.id) == w.memory
        assert await uow.vessels.user_vessel(sid, a) == w.vessel
        assert await uow.reconciler.latest_result(sid, b) == w.result
        assert await uow.reconciler.latest_offer_for(sid, a) == w.offer
        assert await uow.reconciler.offers_for_session(sid) == [w.offer]
        events = await uow.outbox.for_session(sid)
        assert [e.payload for e in events] == [
            {"sessionId": sid, "message": {"content": SECRETS["payload"]}}
        ]
    await read_private_rows(engine, w.private)
