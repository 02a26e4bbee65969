"""Notification preferences over the real database (both engines): stored as JSON on the user,
merged field by field, concurrent toggles never lose one another; and push rows outliving
their recipient."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime

from piccolo.engine.base import Engine

from mwf_core.adapters.db import PiccoloUnitOfWorkFactory
from mwf_core.adapters.db.push_tables import PushReceiptTable
from mwf_core.adapters.db.tables import UserTable
from mwf_core.adapters.push.directory import PushDirectory
from mwf_core.domain.push_rules import DEFAULT_NOTIFICATION_PREFERENCES
from mwf_core.usecases.notification_prefs import NotificationPreferenceUseCases
from mwf_core.usecases.runtime import Dependencies

from ..test_repositories import T0, make_user


class _Clock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class _Ids:
    def __init__(self) -> None:
        self._n = itertools.count(1)

    def new_id(self) -> str:
        return f"id-{next(self._n):06d}"


def use_cases(engine: Engine) -> NotificationPreferenceUseCases:
    deps = Dependencies(
        uow=PiccoloUnitOfWorkFactory(engine), clock=_Clock(), ids=_Ids(), app_url="http://localhost"
    )
    return NotificationPreferenceUseCases(deps)


async def test_preferences_round_trip_and_merge(db_engine: Engine) -> None:
    user = make_user()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.users.insert_if_absent(user)
        await uow.commit()
    prefs = use_cases(db_engine)
    assert await prefs.get(user) == DEFAULT_NOTIFICATION_PREFERENCES
    await prefs.update(user, {"pushEnabled": False})
    merged = await prefs.update(user, {"followUpReminders": False})
    assert merged == {
        **DEFAULT_NOTIFICATION_PREFERENCES,
        "pushEnabled": False,
        "followUpReminders": False,
    }
    rows = (
        await UserTable.select(UserTable.notification_preferences)
        .where(UserTable.id == user.id)
        .output(load_json=True)
    )
    assert rows[0]["notification_preferences"] == merged
    recipient = await PushDirectory(db_engine).recipient(user.id, None, None)
    assert recipient is not None and recipient.preferences == merged


async def test_concurrent_toggles_all_land(db_engine: Engine) -> None:
    user = make_user()
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.users.insert_if_absent(user)
        await uow.commit()
    prefs = use_cases(db_engine)
    flipped = {key: not value for key, value in DEFAULT_NOTIFICATION_PREFERENCES.items()}
    for _ in range(3):
        await asyncio.gather(*(prefs.update(user, {key: value}) for key, value in flipped.items()))
        assert await prefs.get(user) == flipped
        await prefs.update(user, dict(DEFAULT_NOTIFICATION_PREFERENCES))


async def test_receipts_go_with_their_user_and_a_gone_user_gets_nothing(
    db_engine: Engine,
) -> None:
    user = make_user(push_token="ExponentPushToken[x]")
    async with PiccoloUnitOfWorkFactory(db_engine)() as uow:
        await uow.users.insert_if_absent(user)
        await uow.commit()
    directory = PushDirectory(db_engine)
    await directory.add_receipt("ticket-a", "evt", user.id, "ExponentPushToken[x]", T0, T0)
    await directory.add_receipt("ticket-a", "evt", user.id, "ExponentPushToken[x]", T0, T0)
    assert await PushReceiptTable.count() == 1
    await UserTable.delete().where(UserTable.id == user.id)
    assert await PushReceiptTable.count() == 0
    assert await directory.recipient(user.id, None, None) is None
