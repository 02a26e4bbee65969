"""The push events of integrations §5.1, each with a payload as our use cases write it: shared by
the tests of who is pushed (test_push_rules.py) and of what the push says (test_push_text.py)."""

from __future__ import annotations

from typing import Any

from mwf_core.domain import events

A, B = "user_a", "user_b"
SID = "ses_1"
SESSION = events.session_channel(SID)

PAYLOADS: dict[str, dict[str, Any]] = {
    events.PARTNER_SIGNED_COMPACT: {"signedBy": A, "signedAt": "t", "triggeredByUserId": A},
    events.PARTNER_STAGE_COMPLETED: {"stage": 1, "completedBy": A, "excludeUserId": A},
    events.PARTNER_ADVANCED: {
        "toStage": 2,
        "advancedAt": "t",
        "triggeredByUserId": A,
        "excludeUserId": A,
    },
    events.PARTNER_EMPATHY_SHARED: {"stage": 2, "sharedBy": A, "empathyStatus": {}},
    events.PARTNER_SKIPPED_REFINEMENT: {"willingToAccept": True, "excludeUserId": A},
    events.EMPATHY_SHARE_SUGGESTION: {"forUserId": B, "triggeredByUserId": A, "guesserName": "A"},
    events.EMPATHY_CONTEXT_SHARED: {
        "forUserId": B,
        "stage": 2,
        "sharedBy": A,
        "triggeredByUserId": A,
        "content": "words",
    },
    events.EMPATHY_REVEALED: {"forUserId": B, "direction": "outgoing", "guesserUserId": B},
    events.EMPATHY_STATUS_UPDATED: {
        "forUserId": B,
        "status": "REFINING",
        "validatedBy": A,
        "feedbackShared": True,
        "triggeredByUserId": A,
    },
    events.PARTNER_NEEDS_CONFIRMED: {"stage": 3, "confirmedBy": A, "excludeUserId": A},
    events.PARTNER_NEEDS_SHARED: {"stage": 3, "sharedBy": A, "excludeUserId": A},
    events.PARTNER_NEEDS_VALIDATED: {"stage": 3, "validatedBy": A, "excludeUserId": A},
    events.STRATEGIES_UPDATED: {"stage": 4, "submittedBy": A, "change": "x"},
    events.PARTNER_RANKING_SUBMITTED: {"stage": 4, "submittedBy": A, "excludeUserId": A},
    events.PARTNER_READY_TO_RANK: {"stage": 4, "readyBy": A, "excludeUserId": A},
    events.AGREEMENT_PROPOSED: {"agreementId": "g", "proposedBy": A, "excludeUserId": A},
    events.AGREEMENT_CONFIRMED: {"agreementId": "g", "confirmedBy": A, "confirmed": True},
    events.SESSION_RESOLVED: {"resolvedBy": A, "closedBy": A, "agreementIds": []},
    events.SESSION_PAUSED: {"pausedBy": A, "pausedAt": "t"},
    events.SESSION_RESUMED: {"resumedBy": A, "resumedAt": "t"},
    events.SESSION_JOINED: {"joinedBy": A, "userId": A, "userName": "A"},
    events.PARTNER_CONSENT_GRANTED: {"contentType": "x", "excludeUserId": A},
    events.PARTNER_CONSENT_REVOKED: {"contentType": "x", "excludeUserId": A},
    events.INVITATION_DECLINED: {"forUserId": B, "reason": None, "declinedBy": A},
}


def channel_of(name: str) -> str:
    """Where the use cases write this event: the recipient's channel, else the session's."""
    payload = PAYLOADS[name]
    return events.user_channel(payload["forUserId"]) if "forUserId" in payload else SESSION
