"""The people the caller has relationships with, and what the caller calls them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mwf_core.domain.enums import LIVE_SESSION_STATUSES
from mwf_core.domain.errors import Forbidden, NotFound, field_error
from mwf_core.domain.privacy import display_name, initials
from mwf_core.domain.records import Session, User
from mwf_core.ports.repositories import UnitOfWork

from .pagination import check_page_size, decode_offset, page
from .runtime import Dependencies, in_transaction

NICKNAME_MAX = 100
PAGE_MAX = 100


@dataclass(frozen=True, slots=True)
class PersonView:
    id: str | None
    relationship_id: str
    name: str | None
    nickname: str | None
    initials: str
    connected_since: datetime
    last_session: Session | None
    active_session_count: int


class PeopleUseCases:
    def __init__(self, deps: Dependencies) -> None:
        self._deps = deps

    async def list(
        self, actor: User, page_size: int = 0, page_token: str = ""
    ) -> tuple[list[PersonView], str]:
        """One entry per relationship, most recently active first (100 a page at most). A
        person invited by name who has not joined yet has no id; their name is the caller's
        nickname for them, else the name on the invitation."""
        size = check_page_size(page_size, PAGE_MAX)
        offset = decode_offset(page_token)

        async def work(uow: UnitOfWork) -> tuple[list[PersonView], str]:
            people: list[PersonView] = []
            for mine in await uow.relationships.memberships_of(actor.id):
                members = await uow.relationships.members(mine.relationship_id)
                other = next((m for m in members if m.user_id != actor.id), None)
                user = await uow.users.get(other.user_id) if other else None
                sessions = await uow.sessions.for_relationships([mine.relationship_id])
                name = display_name(user, mine)
                if name is None and sessions:
                    # Not joined yet and no nickname: the name the inviter gave the invitation.
                    invitation = await uow.invitations.for_session(sessions[-1].id)
                    name = invitation.name if invitation else None
                people.append(
                    PersonView(
                        id=user.id if user else None,
                        relationship_id=mine.relationship_id,
                        name=name,
                        nickname=mine.nickname,
                        initials=initials(name),
                        connected_since=mine.joined_at,
                        last_session=sessions[0] if sessions else None,
                        active_session_count=sum(
                            s.status in LIVE_SESSION_STATUSES for s in sessions
                        ),
                    )
                )
            people.sort(
                key=lambda p: p.last_session.updated_at if p.last_session else p.connected_since,
                reverse=True,
            )
            return page(people, offset, size)

        return await in_transaction(self._deps.uow, work)

    async def set_nickname(
        self, actor: User, relationship_id: str, nickname: str | None
    ) -> str | None:
        """What the caller calls the partner: 1-100 characters, or None to clear.
        Members only (404 for an unknown relationship, 403 for someone else's)."""
        if nickname is not None:
            nickname = nickname.strip()
            if not nickname or len(nickname) > NICKNAME_MAX:
                raise field_error("nickname", f"nickname must be 1-{NICKNAME_MAX} characters")

        async def work(uow: UnitOfWork) -> str | None:
            members = await uow.relationships.members(relationship_id)
            if not members:
                raise NotFound("Relationship not found")
            mine = next((m for m in members if m.user_id == actor.id), None)
            if mine is None:
                raise Forbidden("You are not part of this relationship")
            mine.nickname = nickname
            await uow.relationships.update_member(mine)
            return nickname

        return await in_transaction(self._deps.uow, work)
