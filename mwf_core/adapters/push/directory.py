"""What the push sink needs to know about a recipient, read in one short transaction of its
own, and the two writes push delivery makes (a dead token cleared, a ticket kept for its
receipt)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from piccolo.engine.base import Engine

from mwf_core.adapters.db.mapping import run, to_utc
from mwf_core.adapters.db.push_tables import PushReceiptTable
from mwf_core.adapters.db.tables import (
    InvitationTable,
    RelationshipMemberTable,
    SessionTable,
    StageProgressTable,
    UserTable,
)
from mwf_core.adapters.db.unit_of_work import PiccoloUnitOfWorkFactory
from mwf_core.domain import push_text
from mwf_core.domain.enums import StageStatus


@dataclass(frozen=True, slots=True)
class PushRecipient:
    user_id: str
    push_token: str | None
    preferences: dict[str, Any]
    actor_name: str
    context: push_text.RecipientContext = field(default_factory=push_text.RecipientContext)


@dataclass(frozen=True, slots=True)
class PendingReceipt:
    id: str
    user_id: str
    token: str
    created_at: datetime


class PushDirectory:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._uow = PiccoloUnitOfWorkFactory(engine)

    async def recipient(
        self, user_id: str, session_id: str | None, actor_id: str | None
    ) -> PushRecipient | None:
        """None when the recipient's account is gone."""
        async with self._engine.transaction():
            users = await run(
                UserTable.select(
                    UserTable.id,
                    UserTable.push_token,
                    UserTable.first_name,
                    UserTable.name,
                    UserTable.notification_preferences,
                )
                .where(UserTable.id.is_in([user_id, actor_id or user_id]))
                .output(load_json=True)
            )
            by_id = {row["id"]: row for row in users}
            me = by_id.get(user_id)
            if me is None:
                return None
            nickname = None
            context = push_text.RecipientContext()
            if session_id is not None:
                nickname, context = await self._session_view(user_id, session_id)
            actor = by_id.get(actor_id) if actor_id and actor_id != user_id else None
            name = push_text.actor_display_name(
                nickname if actor_id else None,
                actor["first_name"] if actor else None,
                actor["name"] if actor else None,
            )
            prefs = me["notification_preferences"]
            return PushRecipient(
                user_id, me["push_token"], prefs if isinstance(prefs, dict) else {}, name, context
            )

    async def _session_view(
        self, user_id: str, session_id: str
    ) -> tuple[str | None, push_text.RecipientContext]:
        sessions = await run(
            SessionTable.select(SessionTable.relationship_id).where(SessionTable.id == session_id)
        )
        nickname = None
        if sessions:
            members = await run(
                RelationshipMemberTable.select(RelationshipMemberTable.nickname).where(
                    (RelationshipMemberTable.relationship_id == sessions[0]["relationship_id"])
                    & (RelationshipMemberTable.user_id == user_id)
                )
            )
            nickname = members[0]["nickname"] if members else None
        rows = await run(
            StageProgressTable.select(
                StageProgressTable.stage,
                StageProgressTable.status,
                StageProgressTable.gates_satisfied,
            )
            .where(
                (StageProgressTable.session_id == session_id)
                & (StageProgressTable.user_id == user_id)
            )
            .output(load_json=True)
        )
        stages = {
            int(row["stage"]): push_text.StageView(
                StageStatus(row["status"]),
                row["gates_satisfied"] if isinstance(row["gates_satisfied"], dict) else {},
            )
            for row in rows
        }
        invitations = await run(
            InvitationTable.select(InvitationTable.invited_by_id).where(
                InvitationTable.session_id == session_id
            )
        )
        is_inviter = any(row["invited_by_id"] == user_id for row in invitations)
        return nickname, push_text.RecipientContext(is_inviter=is_inviter, stages=stages)

    async def clear_token(self, user_id: str, token: str) -> bool:
        """Forget a dead token, unless the person registered another one meanwhile."""
        async with self._uow() as uow:
            cleared = await run(
                UserTable.update({UserTable.push_token: None})
                .where((UserTable.id == user_id) & (UserTable.push_token == token))
                .returning(UserTable.id)
            )
            await uow.commit()
        return bool(cleared)

    async def add_receipt(
        self,
        ticket_id: str,
        outbox_id: str,
        user_id: str,
        token: str,
        check_after: datetime,
        now: datetime,
    ) -> None:
        async with self._uow() as uow:
            await run(
                PushReceiptTable.insert(
                    PushReceiptTable(
                        id=ticket_id,
                        outbox_id=outbox_id,
                        user_id=user_id,
                        token=token,
                        check_after=to_utc(check_after),
                        created_at=to_utc(now),
                    )
                ).on_conflict(action="DO NOTHING")
            )
            await uow.commit()

    async def due_receipts(self, now: datetime, limit: int) -> list[PendingReceipt]:
        rows = await run(
            PushReceiptTable.select(
                PushReceiptTable.id,
                PushReceiptTable.user_id,
                PushReceiptTable.token,
                PushReceiptTable.created_at,
            )
            .where(PushReceiptTable.check_after <= to_utc(now))
            .order_by(PushReceiptTable.check_after)
            .limit(limit)
        )
        return [
            PendingReceipt(row["id"], row["user_id"], row["token"], row["created_at"])
            for row in rows
        ]

    async def delete_receipts(self, ticket_ids: list[str]) -> None:
        if not ticket_ids:
            return
        async with self._uow() as uow:
            await run(PushReceiptTable.delete().where(PushReceiptTable.id.is_in(ticket_ids)))
            await uow.commit()
