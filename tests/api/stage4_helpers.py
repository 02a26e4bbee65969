"""Stage-4 API test helpers: two partners at stage 4 with needs and proposals seeded through
the production unit of work."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mwf_core.domain.enums import ProposalKind
from mwf_core.usecases.runtime import Dependencies
from tests.unit.stage4_seed import add_need, add_proposal

from .harness import Stack
from .journey import Pair, both_at_stage, deps_of
from .journey import outbox as outbox_events

NOTE = "private-stage4-note-7731"


@dataclass
class Seeded:
    pair: Pair
    deps: Dependencies
    needs: dict[str, str]
    props: dict[str, str]


async def seeded(stack: Stack, inviter: str = "alice", invitee: str = "bob") -> Seeded:
    pair = await both_at_stage(stack, 4, inviter, invitee)
    deps = deps_of(stack)
    sid = pair.session_id
    needs = {"a_rest": await add_need(deps, sid, pair.inviter_id, "Rest after work"),
             "b_fair": await add_need(deps, sid, pair.invitee_id, "Fairness in chores"),
             "b_time": await add_need(deps, sid, pair.invitee_id, "Time to myself")}  # OPEN
    props = {
        "walk": await add_proposal(deps, sid, pair.inviter_id, "Walk together twice a week",
                                   [needs["a_rest"]]),
        "rota": await add_proposal(deps, sid, pair.invitee_id, "Try a chore rota for two weeks",
                                   [needs["b_fair"]]),
        "self": await add_proposal(deps, sid, pair.invitee_id, "I will do the dishes daily",
                                   [needs["b_fair"]], ProposalKind.INDIVIDUAL_COMMITMENT),
    }
    return Seeded(pair, deps, needs, props)


async def outbox(session_id: str) -> list[dict[str, Any]]:
    """The session's events as `{channel, name, payload}` dicts, oldest first."""
    return [{"channel": e.channel, "name": e.name, "payload": e.payload}
            for e in await outbox_events(session_id)]


async def assert_no_private_words(session_id: str) -> None:
    for row in await outbox(session_id):
        text = json.dumps(row["payload"])
        assert NOTE not in text, row
        assert "WILLING" not in text, row


async def all_willing_and_shared(stack: Stack, s: Seeded) -> None:
    for user in (s.pair.inviter, s.pair.invitee):
        await stack.ok("POST", s.pair.path("/stage4/selections"), user, {"selections": [
            {"proposalId": s.props["walk"], "decision": "WILLING", "note": NOTE},
            {"proposalId": s.props["rota"], "decision": "WILLING"}]})
        await stack.ok("POST", s.pair.path(f"/stage4/needs/{s.needs['b_time']}/decline"), user)
        await stack.ok("POST", s.pair.path("/stage4/share-selections"), user)
