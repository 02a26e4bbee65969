"""The update_session_state tool: schema shape and the forgiving, stage-aware parser."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from mwf_core.mediator import stage_keys as sk
from mwf_core.mediator.state_schema import PROPERTIES, STAGE_FIELDS
from mwf_core.mediator.state_tool import (
    NEED_CATEGORIES,
    TOOL_NAME,
    UPDATE_SESSION_STATE,
    CapturedState,
    NeedAction,
    ProposalOp,
    ProposedNeed,
    parse_state,
    tool_for_stage,
)

JSON_TYPES = {"object", "array", "string", "boolean", "integer", "number", "null"}


def check_schema(schema: dict[str, Any], path: str = "$") -> None:
    """A small structural check of the JSON-schema subset the tool uses."""
    assert isinstance(schema, dict), path
    assert schema.get("type") in JSON_TYPES, path
    if "enum" in schema:
        assert isinstance(schema["enum"], list) and schema["enum"], path
        assert all(isinstance(v, str) for v in schema["enum"]), path
    if schema["type"] == "object":
        props = schema.get("properties")
        assert isinstance(props, dict), path
        assert set(schema.get("required", [])) <= set(props), path
        for name, sub in props.items():
            check_schema(sub, f"{path}.{name}")
    if schema["type"] == "array":
        check_schema(schema["items"], f"{path}[]")
    for key in ("description",):
        if key in schema:
            assert isinstance(schema[key], str) and schema[key], path


def test_tool_schema_is_json_schema_shaped_and_serialisable() -> None:
    assert UPDATE_SESSION_STATE.name == TOOL_NAME == "update_session_state"
    schema = UPDATE_SESSION_STATE.input_schema
    check_schema(schema)
    assert json.loads(json.dumps(schema)) == schema
    assert set(schema["properties"]) == {
        "topicFrame", "offerFeelHeardCheck", "offerReadyToShare", "proposedEmpathyStatement",
        "proposedNeed", "needAction", "stage4Proposals",
    }
    assert schema["properties"]["proposedNeed"]["properties"]["category"]["enum"] == list(
        NEED_CATEGORIES
    )
    assert NEED_CATEGORIES == (
        "SAFETY", "CONNECTION", "AUTONOMY", "RECOGNITION", "MEANING", "FAIRNESS",
    )


@pytest.mark.parametrize("key", sk.STAGE_KEYS)
def test_stage_tool_has_only_the_stage_fields(key: str) -> None:
    spec = tool_for_stage(key)
    check_schema(spec.input_schema)
    assert set(spec.input_schema["properties"]) == STAGE_FIELDS[key]
    assert spec.name == TOOL_NAME


def test_every_field_belongs_to_some_stage() -> None:
    assert set().union(*STAGE_FIELDS.values()) == set(PROPERTIES)


def test_unknown_stage_key_raises() -> None:
    with pytest.raises(ValueError):
        tool_for_stage("5")
    with pytest.raises(ValueError):
        parse_state({}, "stage1")


def test_good_input_for_each_stage() -> None:
    assert parse_state({"topicFrame": "How we share the chores"}, sk.INVITATION) == CapturedState(
        topic_frame="How we share the chores"
    )
    assert parse_state({"topicFrame": "Time with family"}, sk.ONBOARDING).topic_frame
    assert parse_state({"offerFeelHeardCheck": True}, sk.WITNESS).to_metadata() == {
        "offerFeelHeardCheck": True
    }
    for key in (sk.PERSPECTIVE, sk.REFINEMENT):
        state = parse_state(
            {"offerReadyToShare": True, "proposedEmpathyStatement": "I felt alone."}, key
        )
        assert state.to_metadata() == {
            "offerReadyToShare": True, "proposedEmpathyStatement": "I felt alone.",
        }
        assert state.problems == ()
    needs = parse_state({
        "proposedNeed": {"need": "to feel my effort is noticed", "category": "recognition",
                         "evidence": "nobody ever says thanks"},
    }, sk.NEEDS)
    assert needs.proposed_need == ProposedNeed(
        "to feel my effort is noticed", "RECOGNITION", "nobody ever says thanks"
    )
    assert needs.to_metadata() == {"proposedNeed": {
        "need": "to feel my effort is noticed", "category": "RECOGNITION",
        "evidence": "nobody ever says thanks",
    }}
    repair = parse_state({"stage4Proposals": [
        {"op": "add", "description": "Walk together on Sundays for a month",
         "needsAddressed": ["need_1", "need_1", "need_2"]},
        {"op": "remove", "proposalId": "p_9"},
    ]}, sk.REPAIR)
    assert repair.stage4_proposals == (
        ProposalOp("add", "", "Walk together on Sundays for a month", ("need_1", "need_2")),
        ProposalOp("remove", "p_9", "", ()),
    )
    assert repair.to_metadata() == {"stage4Proposals": [
        {"op": "add", "description": "Walk together on Sundays for a month",
         "needsAddressed": ["need_1", "need_2"]},
        {"op": "remove", "proposalId": "p_9", "needsAddressed": []},
    ]}


def test_need_actions() -> None:
    def act(value: dict[str, Any]) -> NeedAction | None:
        return parse_state({"needAction": value}, sk.NEEDS).need_action

    assert act({"action": "delete", "needId": "n1", "need": "x"}) == NeedAction("delete", "n1")
    assert act({"action": "REFINE", "needId": "n1", "need": "to rest"}) == NeedAction(
        "refine", "n1", "to rest", ""
    )
    assert act({"action": "add", "need": "to rest", "category": "autonomy"}) == NeedAction(
        "add", "", "to rest", "AUTONOMY"
    )
    assert act({"action": "add", "need": "to rest"}) is None  # no category
    assert act({"action": "refine", "need": "to rest"}) is None  # no id
    assert act({"action": "delete"}) is None
    assert act({"action": "lock", "needId": "n1"}) == NeedAction("lock", "n1")
    assert act({"action": "lock"}) is None
    state = parse_state({"needAction": {"action": "delete"}}, sk.NEEDS)
    assert any("needId" in p for p in state.problems)
    assert parse_state({"needAction": {"action": "delete", "needId": "n1"}},
                       sk.NEEDS).to_metadata() == {"needAction": {"action": "delete",
                                                                  "needId": "n1"}}


def test_partial_input_keeps_what_is_usable() -> None:
    state = parse_state({
        "proposedNeed": {"need": "to be heard", "category": "Belonging"},
        "needAction": {"action": "delete", "needId": "n2"},
    }, sk.NEEDS)
    assert state.proposed_need is None
    assert state.need_action == NeedAction("delete", "n2")
    assert any("category" in p for p in state.problems)
    evidence = parse_state({"proposedNeed": {"need": "rest", "category": "AUTONOMY",
                                             "evidence": ["I'm tired", 3, " never stop "]}},
                           sk.NEEDS)
    assert evidence.proposed_need == ProposedNeed("rest", "AUTONOMY", "I'm tired; never stop")


def test_ready_to_share_without_a_statement_is_dropped() -> None:
    state = parse_state({"offerReadyToShare": True}, sk.PERSPECTIVE)
    assert state.offer_ready_to_share is None and state.to_metadata() == {}
    assert state.problems
    draft_only = parse_state({"proposedEmpathyStatement": "I was scared."}, sk.PERSPECTIVE)
    assert draft_only.to_metadata() == {"proposedEmpathyStatement": "I was scared."}


@pytest.mark.parametrize(
    ("field", "value", "stage"),
    [
        ("topicFrame", "Money", sk.WITNESS),
        ("topicFrame", "Money", sk.NEEDS),
        ("offerFeelHeardCheck", True, sk.PERSPECTIVE),
        ("proposedEmpathyStatement", "I felt hurt.", sk.WITNESS),
        ("proposedNeed", {"need": "rest", "category": "AUTONOMY"}, sk.REPAIR),
        ("needAction", {"action": "delete", "needId": "n"}, sk.PERSPECTIVE),
        ("stage4Proposals", [{"op": "add", "description": "x"}], sk.NEEDS),
    ],
)
def test_fields_of_another_stage_are_dropped(field: str, value: Any, stage: str) -> None:
    state = parse_state({field: value}, stage)
    assert state.to_metadata() == {}
    assert state.problems == (f"{field} does not belong to stage {stage} and was ignored",)


def test_topic_frame_of_20_words_is_kept_and_21_words_is_rejected_not_cut() -> None:
    twenty = " ".join(f"w{i}" for i in range(20))
    assert parse_state({"topicFrame": twenty}, sk.INVITATION).topic_frame == twenty
    state = parse_state({"topicFrame": twenty + " extra"}, sk.INVITATION)
    assert state.topic_frame is None  # rejected: a cut frame would read as a broken sentence
    assert state.problems == ("topicFrame has 21 words (max 20); rejected",)


def test_topic_frame_is_cleaned_and_names_are_rejected() -> None:
    state = parse_state({"topicFrame": '  "How   we share\nthe chores."  '}, sk.INVITATION)
    assert state.topic_frame == "How we share the chores"
    named = parse_state({"topicFrame": "How Bob and I share chores"}, sk.INVITATION,
                        names=("Alice", "Bob"))
    assert named.topic_frame is None and "name" in named.problems[0]
    assert parse_state({"topicFrame": "Bobbing along"}, sk.INVITATION,
                       names=("Bob",)).topic_frame == "Bobbing along"
    assert parse_state({"topicFrame": "   "}, sk.INVITATION).to_metadata() == {}


def test_long_strings_are_cut_and_reported() -> None:
    state = parse_state({"proposedEmpathyStatement": "word " * 400}, sk.PERSPECTIVE)
    assert state.proposed_empathy_statement is not None
    assert len(state.proposed_empathy_statement) <= 1201
    assert state.proposed_empathy_statement.endswith("…")
    assert any("cut" in p for p in state.problems)


def test_proposal_rules_and_cap() -> None:
    state = parse_state({"stage4Proposals": [
        {"op": "revise", "proposalId": "p1", "description": "Cook together twice a week",
         "needsAddressed": "need_3"},
        {"op": "add"},
        {"op": "revise", "description": "x"},
        {"op": "revise", "proposalId": "p1"},
        {"op": "merge", "proposalId": "p1"},
        "nonsense",
        {"op": "add", "description": "beyond the cap of five"},
    ]}, sk.REPAIR)
    assert state.stage4_proposals == (
        ProposalOp("revise", "p1", "Cook together twice a week", ("need_3",)),
    )
    assert len(state.problems) == 5  # four bad items inside the cap, plus the cap itself
    many = parse_state({"stage4Proposals": [{"op": "add", "description": f"idea {i}"}
                                            for i in range(9)]}, sk.REPAIR)
    assert len(many.stage4_proposals) == 5


@pytest.mark.parametrize(
    "garbage",
    [None, [], "topicFrame", 42, 3.5, True, {"topicFrame": 5}, {"offerFeelHeardCheck": "maybe"},
     {"offerFeelHeardCheck": "TRUE"}, {"proposedNeed": "rest"}, {"needAction": []},
     {"stage4Proposals": "add"}, {"stage4Proposals": {"op": "add", "description": "x"}},
     {1: 2}, {"unknown": {"deep": [1, 2]}}, {"proposedEmpathyStatement": ["a"]}],
)
def test_garbage_never_raises(garbage: Any) -> None:
    for key in sk.STAGE_KEYS:
        state = parse_state(garbage, key)
        assert isinstance(state, CapturedState)
        json.dumps(state.to_metadata())


def test_string_booleans_are_accepted_and_other_values_reported() -> None:
    assert parse_state({"offerFeelHeardCheck": "true"}, sk.WITNESS).offer_feel_heard_check
    state = parse_state({"offerFeelHeardCheck": "maybe", "extra": 1}, sk.WITNESS)
    assert state.offer_feel_heard_check is None
    assert len(state.problems) == 2


def test_random_garbage_fuzz_never_raises() -> None:
    rng = random.Random(3)
    atoms: list[Any] = [None, True, False, 0, -1, 2.5, "", " ", "add", "SAFETY", "x" * 3000,
                        "refine", "n1"]

    def value(depth: int) -> Any:
        roll = rng.random()
        if depth > 2 or roll < 0.5:
            return rng.choice(atoms)
        if roll < 0.75:
            return [value(depth + 1) for _ in range(rng.randint(0, 7))]
        keys = [*PROPERTIES, "need", "category", "op", "action", "needId", "proposalId",
                "description", "needsAddressed", "evidence"]
        return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 5))}

    for _ in range(500):
        data = value(0)
        for key in sk.STAGE_KEYS:
            state = parse_state(data, key)
            json.dumps(state.to_metadata())
            assert set(state.to_metadata()) <= STAGE_FIELDS[key]


def test_metadata_has_only_set_keys_and_summary_reads_well() -> None:
    empty = parse_state({}, sk.WITNESS)
    assert empty.to_metadata() == {} and empty.is_empty and empty.summary() == ""
    offered = parse_state({"offerFeelHeardCheck": True}, sk.WITNESS)
    assert offered.summary() == "Captured this turn: offered the 'I feel heard' check."
    declined = parse_state({"offerFeelHeardCheck": False}, sk.WITNESS)
    assert declined.to_metadata() == {"offerFeelHeardCheck": False}
    assert declined.summary() == ""
