"""The JSON schema of the `update_session_state` tool, whole and narrowed to one stage.

Which fields a stage may set lives here too (`STAGE_FIELDS`); `state_tool.parse_state` enforces
it on what the model sends back.
"""

from __future__ import annotations

from typing import Any

from mwf_core.ports.llm import ToolSpec

from . import stage_keys as sk

TOOL_NAME = "update_session_state"
NEED_CATEGORIES: tuple[str, ...] = (
    "SAFETY", "CONNECTION", "AUTONOMY", "RECOGNITION", "MEANING", "FAIRNESS",
)
NEED_ACTIONS = ("add", "refine", "delete", "lock")
PROPOSAL_OPS = ("add", "revise", "remove")

TOPIC_FRAME_MAX_WORDS = 20
TOPIC_FRAME_MAX_CHARS = 160
STATEMENT_MAX_CHARS = 1200
NEED_MAX_CHARS = 200
EVIDENCE_MAX_CHARS = 500
DESCRIPTION_MAX_CHARS = 500
ID_MAX_CHARS = 100
MAX_PROPOSALS_PER_TURN = 5
MAX_NEEDS_ADDRESSED = 6

_STRING = {"type": "string"}
_CATEGORY = {"type": "string", "enum": list(NEED_CATEGORIES)}

PROPERTIES: dict[str, dict[str, Any]] = {
    "topicFrame": {
        "type": "string",
        "maxLength": TOPIC_FRAME_MAX_CHARS,
        "description": "Invitation phase only: a neutral frame of the shared topic, at most 20 "
        "words, no names, no blame.",
    },
    "offerFeelHeardCheck": {
        "type": "boolean",
        "description": "Stage 1 only: true when the person seems fully heard and the app should "
        "offer the 'I feel heard' check.",
    },
    "offerReadyToShare": {
        "type": "boolean",
        "description": "Empathy stage only: true when proposedEmpathyStatement is ready to be "
        "offered for sharing.",
    },
    "proposedEmpathyStatement": {
        "type": "string",
        "maxLength": STATEMENT_MAX_CHARS,
        "description": "Empathy stage only: two to four sentences in the partner's voice, first "
        "person, built from this person's own guesses.",
    },
    "proposedNeed": {
        "type": "object",
        "description": "Needs stage only: one need the person has just expressed.",
        "properties": {
            "need": {**_STRING, "maxLength": NEED_MAX_CHARS},
            "category": _CATEGORY,
            "evidence": {
                **_STRING,
                "maxLength": EVIDENCE_MAX_CHARS,
                "description": "The person's own words that show this need.",
            },
        },
        "required": ["need", "category"],
        "additionalProperties": False,
    },
    "needAction": {
        "type": "object",
        "description": "Needs stage only: change the list of needs as the person asked. add: "
        "need + category; refine: needId + need (category optional); delete: needId; "
        "lock: needId (the person says this need is right as it is).",
        "properties": {
            "action": {"type": "string", "enum": list(NEED_ACTIONS)},
            "needId": {**_STRING, "maxLength": ID_MAX_CHARS},
            "need": {**_STRING, "maxLength": NEED_MAX_CHARS},
            "category": _CATEGORY,
        },
        "required": ["action"],
        "additionalProperties": False,
    },
    "stage4Proposals": {
        "type": "array",
        "maxItems": MAX_PROPOSALS_PER_TURN,
        "description": "Repair stage only: changes to the proposal inventory. add: description + "
        "needsAddressed; revise: proposalId + new description; remove: proposalId.",
        "items": {
            "type": "object",
            "properties": {
                "op": {"type": "string", "enum": list(PROPOSAL_OPS)},
                "proposalId": {**_STRING, "maxLength": ID_MAX_CHARS},
                "description": {**_STRING, "maxLength": DESCRIPTION_MAX_CHARS},
                "needsAddressed": {
                    "type": "array",
                    "maxItems": MAX_NEEDS_ADDRESSED,
                    "items": {**_STRING, "maxLength": ID_MAX_CHARS},
                },
            },
            "required": ["op"],
            "additionalProperties": False,
        },
    },
}

STAGE_FIELDS: dict[str, frozenset[str]] = {
    sk.INVITATION: frozenset({"topicFrame"}),
    sk.ONBOARDING: frozenset({"topicFrame"}),
    sk.WITNESS: frozenset({"offerFeelHeardCheck"}),
    sk.PERSPECTIVE: frozenset({"offerReadyToShare", "proposedEmpathyStatement"}),
    sk.REFINEMENT: frozenset({"offerReadyToShare", "proposedEmpathyStatement"}),
    sk.NEEDS: frozenset({"proposedNeed", "needAction"}),
    sk.REPAIR: frozenset({"stage4Proposals"}),
}

_DESCRIPTION = (
    "Record structured updates for the app: only the fields of the current stage, only when "
    "something new should be recorded. Leave out fields you have nothing for."
)


def _schema(fields: list[str]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: PROPERTIES[name] for name in fields},
        "required": [],
        "additionalProperties": False,
    }


UPDATE_SESSION_STATE = ToolSpec(TOOL_NAME, _DESCRIPTION, _schema(list(PROPERTIES)))


def tool_for_stage(stage_key: str) -> ToolSpec:
    """The tool with only the fields the stage may set (ValueError for an unknown key)."""
    allowed = STAGE_FIELDS[sk.require_stage_key(stage_key)]
    return ToolSpec(TOOL_NAME, _DESCRIPTION, _schema([f for f in PROPERTIES if f in allowed]))
