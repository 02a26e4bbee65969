"""Who the caller is: the User row behind a verified identity, /auth/me and push tokens."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from mwf_core.domain.enums import ACTIVE_SESSION_STATUSES
from mwf_core.domain.errors import DuplicateKey, field_error
from mwf_core.domain.records import User
from mwf_core.ports.auth import Identity, ProfileDirectory
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction

PUSH_TOKEN_MAX_LENGTH = 512
PUSH_PLATFORMS = frozenset({"ios", "android"})


@dataclass(frozen=True, slots=True)
class Me:
    user: User
    active_sessions: int
    push_notifications_enabled: bool


class IdentityUseCases:
    def __init__(self, deps: Dependencies, profiles: ProfileDirectory | None = None) -> None:
        self._deps = deps
        self._profiles = profiles

    async def ensure_user(self, identity: Identity) -> User:
        """The User row for a verified identity, created on first sight.

        - Race-safe: two first requests at once create one row (insert-if-absent, then read).
        - An email already taken by another account is left off rather than failing sign-in.
        - A profile the token does not carry (Clerk's default tokens have only the id) is
          looked up once, before the row exists; a failed lookup leaves it empty.
        """
        async def known(uow: UnitOfWork) -> User | None:
            return await uow.users.get_by_auth_subject(identity.subject)

        existing = await in_transaction(self._deps.uow, known)
        if existing is not None:
            return existing  # the common case: one read, no profile lookup
        if self._profiles is not None and not (identity.email and identity.name):
            identity = await self._with_profile(identity, self._profiles)
        try:
            return await in_transaction(self._deps.uow, self._ensure(identity, identity.email))
        except DuplicateKey:
            # The email belongs to another account. A failed insert aborts a PostgreSQL
            # transaction, so the retry without it runs in a fresh one.
            return await in_transaction(self._deps.uow, self._ensure(identity, None))

    @staticmethod
    async def _with_profile(identity: Identity, profiles: ProfileDirectory) -> Identity:
        found = await profiles.lookup(identity.subject)
        if found is None:
            return identity
        return Identity(
            subject=identity.subject,
            email=identity.email or found.email,
            first_name=identity.first_name or found.first_name,
            last_name=identity.last_name or found.last_name,
            name=identity.name or found.name,
        )

    def _ensure(
        self, identity: Identity, email: str | None
    ) -> Callable[[UnitOfWork], Awaitable[User]]:
        async def work(uow: UnitOfWork) -> User:
            existing = await uow.users.get_by_auth_subject(identity.subject)
            if existing is not None:
                return existing
            now = self._deps.clock.now()
            name = identity.name or " ".join(
                p for p in (identity.first_name, identity.last_name) if p
            ) or None
            candidate = User(
                id=self._deps.ids.new_id(),
                auth_subject=identity.subject,
                email=email,
                name=name,
                first_name=identity.first_name,
                last_name=identity.last_name,
                created_at=now,
                updated_at=now,
            )
            await uow.users.insert_if_absent(candidate)
            created = await uow.users.get_by_auth_subject(identity.subject)
            if created is None:
                # Skipped for another unique column (the email): let the caller retry.
                raise DuplicateKey("email already belongs to another account")
            return created

        return work

    async def me(self, actor: User) -> Me:
        """The caller's profile; `active_sessions` counts ACTIVE, WAITING and PAUSED sessions."""

        async def work(uow: UnitOfWork) -> Me:
            user = await uow.users.get(actor.id) or actor
            memberships = await uow.relationships.memberships_of(actor.id)
            sessions = await uow.sessions.for_relationships(
                [m.relationship_id for m in memberships], ACTIVE_SESSION_STATUSES
            )
            return Me(user, len(sessions), bool(user.push_token))

        return await in_transaction(self._deps.uow, work)

    async def register_push_token(self, actor: User, token: str, platform: str) -> None:
        """Stores the Expo push token. Rules: non-empty, at most 512 characters; the platform,
        when given, is ios or android."""
        token = token.strip()
        if not token:
            raise field_error("push_token", "pushToken is required")
        if len(token) > PUSH_TOKEN_MAX_LENGTH:
            raise field_error("push_token", "pushToken is too long")
        if platform and platform not in PUSH_PLATFORMS:
            raise field_error("platform", "platform must be ios or android")
        await self._set_push_token(actor, token)

    async def clear_push_token(self, actor: User) -> None:
        await self._set_push_token(actor, None)

    async def _set_push_token(self, actor: User, token: str | None) -> None:
        async def work(uow: UnitOfWork) -> None:
            await uow.users.patch(actor.id, self._deps.clock.now(), push_token=token)

        await in_transaction(self._deps.uow, work)
