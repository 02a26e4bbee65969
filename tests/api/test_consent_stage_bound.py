"""Consents the stages rely on (shared needs, empathy statements) cannot be revoked over the
real stack (SQLite and PostgreSQL): the needs comparison and the empathy reveal never look at
consent records, so a revocation would promise an un-sharing that never happens."""

from __future__ import annotations

from datetime import UTC, datetime

import grpc

from mwf.v1 import journey_pb2 as jpb
from mwf_core.domain.enums import ConsentContentType
from mwf_core.domain.records import ConsentRecord

from .grpc_helpers import fails
from .harness import Stack
from .journey import both_at_stage2, outbox
from .test_journey_api import seed


def record(session_id: str, rid: str, user_id: str, kind: ConsentContentType) -> ConsentRecord:
    return ConsentRecord(rid, user_id, session_id, kind, None, datetime.now(UTC),
                         metadata={"content": f"words of {rid}"})


async def test_stage_bound_consents_stay_shared(stack: Stack) -> None:
    pair = await both_at_stage2(stack)
    kinds = {"c-need": ConsentContentType.IDENTIFIED_NEED,
             "c-draft": ConsentContentType.EMPATHY_DRAFT,
             "c-attempt": ConsentContentType.EMPATHY_ATTEMPT,
             "c-generic": ConsentContentType.EVENT_SUMMARY}
    await seed(stack, *(record(pair.session_id, rid, pair.inviter_id, kind)
                        for rid, kind in kinds.items()))
    for rid in kinds:
        await stack.ok("POST", pair.path("/consent/decide"), "alice",
                       {"consentRequestId": rid, "decision": "GRANTED"})
    revoke = pair.path("/consent/revoke")
    for rid in ("c-need", "c-draft"):
        error = await stack.error("POST", revoke, "alice", {"consentRecordId": rid},
                                  status=400, code="VALIDATION_ERROR")
        assert "stay shared" in error["message"]
    await fails(stack.stub.RevokeConsent(jpb.RevokeConsentRequest(
        session_id=pair.session_id, consent_record_id="c-attempt"),
        metadata=stack.metadata("alice")), grpc.StatusCode.INVALID_ARGUMENT, "VALIDATION_ERROR")
    history = (await stack.ok("GET", pair.path("/consent/history"), "alice"))["records"]
    assert {r["id"]: r["decision"] for r in history} == {
        "c-need": "GRANTED", "c-draft": "GRANTED", "c-attempt": "GRANTED",
        "c-generic": "GRANTED"}
    assert "partner.consent_revoked" not in [e.name for e in await outbox(pair.session_id)]
    # A generic consent still can be revoked.
    revoked = await stack.ok("POST", revoke, "alice", {"consentRecordId": "c-generic"})
    assert revoked["revoked"] is True
