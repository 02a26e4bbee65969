"""End-to-end test identities taken straight from headers (the original's E2E_AUTH_BYPASS)."""

from __future__ import annotations

import re

from mwf_core.domain.errors import Unauthorized
from mwf_core.ports.auth import Identity

_USER_ID = re.compile(r"[A-Za-z0-9_.@-]{1,128}")
# Loose on purpose (test fixtures invent addresses), but no whitespace or control characters,
# since the value ends up in the users table and in e-mails.
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+")
_MAX_EMAIL_CHARS = 254
# Keeps test users apart from Clerk's `user_...` subjects, as the original's clerkId did.
SUBJECT_PREFIX = "e2e_"


class E2EBypassVerifier:
    """Trusts `x-e2e-user-id` / `x-e2e-user-email`; implements the `TokenVerifier` port."""

    def __init__(self, environment: str) -> None:
        # Anyone could be anyone with this verifier; the original refused to start too.
        if environment.strip().lower() == "production":
            raise RuntimeError("The E2E auth bypass must never be enabled in production")

    async def verify(self, credentials: dict[str, str]) -> Identity:
        user_id = credentials.get("x-e2e-user-id", "").strip()
        if not user_id:
            raise Unauthorized("E2E bypass: the x-e2e-user-id header is required")
        if not _USER_ID.fullmatch(user_id):
            raise Unauthorized(
                "E2E bypass: x-e2e-user-id must be 1-128 characters of A-Z a-z 0-9 _ . @ -"
            )
        email = credentials.get("x-e2e-user-email", "").strip() or None
        if email is not None and (len(email) > _MAX_EMAIL_CHARS or not _EMAIL.fullmatch(email)):
            raise Unauthorized("E2E bypass: x-e2e-user-email is not an e-mail address")
        return Identity(subject=f"{SUBJECT_PREFIX}{user_id}", email=email)
