"""Who is calling: the token verifier port."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Identity:
    """A verified caller. `subject` is the token's `sub`; the profile fields are optional."""

    subject: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None


class TokenVerifier(Protocol):
    async def verify(self, credentials: dict[str, str]) -> Identity:
        """Check the request's credentials (lower-cased header or metadata names).

        Raises `Unauthorized` for anything missing, malformed, expired or untrusted.
        """


class ProfileDirectory(Protocol):
    async def lookup(self, subject: str) -> Identity | None:
        """The profile behind a token subject (email, names), to fill a user seen for the
        first time. None when unknown or unreachable: sign-in never fails for it."""
