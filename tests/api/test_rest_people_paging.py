"""GET /people pages past its first page with limit and cursor (AIP-158 underneath)."""

from __future__ import annotations

from .harness import Stack


async def test_people_are_paged_with_limit_and_cursor(stack: Stack) -> None:
    for name in ("Ann", "Ben", "Cy"):
        await stack.ok("POST", "/api/sessions", "alice", {"inviteName": name}, status=201)
    first = await stack.ok("GET", "/api/people?limit=2", "alice")
    assert len(first["people"]) == 2 and first["hasMore"] is True
    rest = await stack.ok("GET", f"/api/people?limit=2&cursor={first['cursor']}", "alice")
    assert len(rest["people"]) == 1 and rest["hasMore"] is False and "cursor" not in rest
    names = {p["name"] for p in first["people"] + rest["people"]}
    assert names == {"Ann", "Ben", "Cy"}
    everyone = await stack.ok("GET", "/api/people", "alice")
    assert len(everyone["people"]) == 3 and everyone["hasMore"] is False
    error = await stack.error("GET", "/api/people?limit=0", "alice", status=400,
                              code="VALIDATION_ERROR")
    assert "limit" in error["details"]
