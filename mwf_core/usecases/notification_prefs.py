"""Notification preferences: GET / PATCH /auth/me/notification-preferences.

Five switches (pushEnabled, emailEnabled, newInvitations, partnerActions, followUpReminders;
defaults true, false, true, true, true) kept in `users.notification_preferences`. Unlike the
original, they are honoured: the push sink reads them before every notification
(domain/push_rules.preference_blocks).
"""

from __future__ import annotations

from typing import Any

from mwf_core.domain.errors import ValidationFailed, field_error
from mwf_core.domain.push_rules import DEFAULT_NOTIFICATION_PREFERENCES, notification_preferences
from mwf_core.domain.records import User
from mwf_core.ports.repositories import UnitOfWork

from .runtime import Dependencies, in_transaction

PREFERENCE_KEYS: tuple[str, ...] = tuple(DEFAULT_NOTIFICATION_PREFERENCES)


def validate_patch(patch: Any) -> dict[str, bool]:
    """Only the known keys, each a boolean; several problems are reported together."""
    if not isinstance(patch, dict):
        raise field_error("preferences", "preferences must be an object")
    problems: dict[str, list[str]] = {}
    for key, value in patch.items():
        if key not in PREFERENCE_KEYS:
            problems[str(key)] = [f"unknown preference; use one of {', '.join(PREFERENCE_KEYS)}"]
        elif not isinstance(value, bool):
            problems[key] = [f"{key} must be true or false"]
    if problems:
        raise ValidationFailed("Invalid notification preferences", problems)
    return dict(patch)


class NotificationPreferenceUseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def get(self, actor: User) -> dict[str, bool]:
        """All five switches, stored values over the defaults."""

        async def work(uow: UnitOfWork) -> dict[str, bool]:
            user = await uow.users.get(actor.id) or actor
            return notification_preferences(user.notification_preferences)

        return await in_transaction(self._deps.uow, work)

    async def update(self, actor: User, patch: dict[str, Any]) -> dict[str, bool]:
        """Merges the given switches over the stored ones (or the defaults); answers all five.
        An empty patch changes nothing."""
        changes = validate_patch(patch)

        async def work(uow: UnitOfWork) -> dict[str, bool]:
            now = self._deps.clock.now()
            if changes:
                # Write first, read after: the update takes the user's row lock, so two quick
                # toggles (one PATCH each) merge one after the other instead of the second
                # overwriting the first with what it read before (PostgreSQL, READ COMMITTED;
                # SQLite serialises writers anyway).
                await uow.users.patch(actor.id, now)
            user = await uow.users.get(actor.id) or actor
            merged = {**notification_preferences(user.notification_preferences), **changes}
            if changes:
                await uow.users.patch(actor.id, now, notification_preferences=merged)
            return merged

        return await in_transaction(self._deps.uow, work)
