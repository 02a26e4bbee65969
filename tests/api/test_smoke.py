"""The slice answers through the whole stack on both databases."""

from .harness import Stack, both_at_stage1


async def test_two_people_reach_stage_one(stack: Stack) -> None:
    ids = await both_at_stage1(stack)
    for user in ("alice", "bob"):
        data = await stack.ok("GET", f"/api/sessions/{ids['session_id']}", user)
        assert data["session"]["status"] == "ACTIVE"
        assert data["session"]["myProgress"]["stage"] == 1
