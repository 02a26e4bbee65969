"""Repositories and the unit of work: the only way the core reads and writes state."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, Self

from mwf_core.domain.enums import ConsentDecision, ProposalStatus, SessionStatus
from mwf_core.domain.records import (
    ConsentRecord,
    ConversationMemory,
    EmotionalReading,
    EmpathyDraft,
    IdempotencyRecord,
    IdentifiedNeed,
    Invitation,
    Message,
    OutboxEvent,
    Relationship,
    RelationshipMember,
    Session,
    SharedVessel,
    StageProgress,
    StrategyProposal,
    Turn,
    User,
    UserVessel,
)
from mwf_core.ports.agreement_repositories import AgreementRepository, RankingRepository
from mwf_core.ports.empathy_repositories import (
    EmpathyAttemptRepository,
    EmpathyValidationRepository,
)
from mwf_core.ports.journey_repositories import ConsentedContentRepository, ExerciseRepository
from mwf_core.ports.reconciler_repositories import ReconcilerRepository
from mwf_core.ports.stage4_repositories import Stage4Repository


class UserRepository(Protocol):
    async def get(self, user_id: str) -> User | None: ...

    async def get_many(self, user_ids: list[str]) -> dict[str, User]: ...

    async def get_by_auth_subject(self, subject: str) -> User | None: ...

    async def insert_if_absent(self, user: User) -> None:
        """Insert unless a row with the same auth subject exists (race-safe, no error)."""

    async def update(self, user: User) -> None: ...

    async def patch(self, user_id: str, at: datetime, **changes: Any) -> None:
        """Write only these fields (and `updated_at`): two requests changing different fields
        of one user at once (push token, latest mood) never undo each other."""

    async def lock(self, user_id: str) -> None:
        """Serialise this user's capped actions (invitation emails) until the transaction
        ends. Lock order: a relationship first, then a user."""


class RelationshipRepository(Protocol):
    async def add(self, relationship: Relationship) -> None: ...

    async def add_member(self, member: RelationshipMember) -> None: ...

    async def members(self, relationship_id: str) -> list[RelationshipMember]: ...

    async def memberships_of(self, user_id: str) -> list[RelationshipMember]: ...

    async def update_member(self, member: RelationshipMember) -> None: ...

    async def lock(self, relationship_id: str) -> None:
        """Serialise writers of one relationship until the transaction ends."""


class SessionRepository(Protocol):
    async def add(self, session: Session) -> None: ...

    async def get(self, session_id: str) -> Session | None: ...

    async def update(self, session: Session) -> None: ...

    async def for_relationships(
        self, relationship_ids: list[str], statuses: frozenset[SessionStatus] | None = None
    ) -> list[Session]:
        """Sessions of these relationships, newest first (by created_at, then id)."""

    async def delete(self, session_id: str) -> None: ...


class InvitationRepository(Protocol):
    async def add(self, invitation: Invitation) -> None: ...

    async def get(self, invitation_id: str) -> Invitation | None: ...

    async def for_session(self, session_id: str) -> Invitation | None: ...

    async def update(self, invitation: Invitation) -> None: ...

    async def emails_queued_by(self, inviter_id: str, since: datetime) -> int:
        """`invitation.email` outbox rows queued since `since` for invitations by this user
        (one query, however many invitations they sent)."""
        ...


class StageProgressRepository(Protocol):
    async def add(self, progress: StageProgress) -> None: ...

    async def for_session(self, session_id: str) -> list[StageProgress]: ...

    async def update(self, progress: StageProgress) -> None: ...

    async def delete_for_user(self, session_id: str, user_id: str) -> int: ...


class VesselRepository(Protocol):
    async def add_user_vessel(self, vessel: UserVessel) -> None: ...

    async def user_vessel(self, session_id: str, user_id: str) -> UserVessel | None: ...

    async def user_vessels_of(self, user_id: str) -> list[UserVessel]: ...

    async def update_user_vessel(self, vessel: UserVessel) -> None: ...

    async def delete_user_vessel(self, vessel_id: str) -> int:
        """Delete one user's private store and what hangs off it; returns rows deleted."""

    async def add_shared_vessel(self, vessel: SharedVessel) -> None: ...


class MessageRepository(Protocol):
    async def add(self, message: Message) -> None: ...

    async def get(self, message_id: str) -> Message | None: ...

    async def lane(
        self,
        session_id: str,
        user_id: str,
        limit: int,
        before: datetime | None = None,
        after: datetime | None = None,
        oldest_first: bool = False,
    ) -> list[Message]:
        """One user's lane, returned oldest first: (sender = me AND for_user IS NULL) OR
        for_user = me. The page is the newest `limit` rows in the window, or the oldest
        ones with `oldest_first`."""

    async def delete_lane(self, session_id: str, user_id: str) -> int: ...


class ConsentRepository(ConsentedContentRepository, Protocol):
    async def add(self, record: ConsentRecord) -> None: ...

    async def get(self, record_id: str) -> ConsentRecord | None: ...

    async def for_user(self, user_id: str) -> list[ConsentRecord]: ...

    async def for_session(self, session_id: str, user_id: str) -> list[ConsentRecord]:
        """One giver's records in one session, oldest first."""

    async def decide(self, record_id: str, decision: ConsentDecision, at: datetime) -> bool:
        """Record a decision on a pending record (one conditional write: of two decisions at
        once only one lands); False (no write) when it was already decided."""

    async def revoke(self, record_id: str, at: datetime) -> bool:
        """GRANTED → REVOKED with `revoked_at` (conditional like `decide`); False otherwise."""


class EmotionRepository(Protocol):
    async def add(self, reading: EmotionalReading) -> None: ...

    async def get(self, reading_id: str) -> EmotionalReading | None: ...

    async def for_vessel(self, vessel_id: str, limit: int) -> list[EmotionalReading]:
        """Newest first."""


class OutboxRepository(Protocol):
    async def add(self, event: OutboxEvent) -> None: ...

    async def pending(self, limit: int) -> list[OutboxEvent]: ...

    async def for_session(self, session_id: str) -> list[OutboxEvent]: ...


class IdempotencyRepository(Protocol):
    async def get(self, user_id: str, request_id: str) -> IdempotencyRecord | None: ...

    async def add(self, record: IdempotencyRecord) -> None:
        """Raises DuplicateKey when (user_id, request_id) exists (a concurrent retry)."""


class TurnRepository(Protocol):
    async def add(self, turn: Turn) -> None:
        """Raises DuplicateKey when (user_id, request_id) exists (a concurrent retry)."""

    async def get(self, turn_id: str) -> Turn | None: ...

    async def by_request(self, user_id: str, request_id: str) -> Turn | None: ...

    async def claim(self, turn_id: str, now: datetime, lease_until: datetime) -> bool:
        """Take the turn for one model call: only when it is FAILED, or RUNNING with a lease
        that ran out. Atomic: of two concurrent claims at most one wins."""

    async def update(self, turn: Turn) -> None: ...


class MemoryRepository(Protocol):
    async def get(self, vessel_id: str) -> ConversationMemory | None: ...

    async def save(self, memory: ConversationMemory) -> None:
        """Insert or replace the memory of one vessel."""


class EmpathyDraftRepository(Protocol):
    async def get(self, session_id: str, user_id: str) -> EmpathyDraft | None: ...

    async def add(self, draft: EmpathyDraft) -> None:
        """Raises DuplicateKey when this (session_id, user_id) already has a draft."""

    async def update(self, draft: EmpathyDraft, expected_version: int) -> bool:
        """Compare-and-set: save only while the stored row still has `expected_version`;
        False when another writer got there first (nothing is written then)."""


class NeedRepository(Protocol):
    async def add(self, need: IdentifiedNeed) -> None: ...

    async def get(self, need_id: str) -> IdentifiedNeed | None: ...

    async def for_vessel(self, vessel_id: str, live_only: bool = True) -> list[IdentifiedNeed]:
        """Oldest first; `live_only` leaves out superseded and deleted needs."""

    async def supersede(self, need_id: str, new_need_id: str) -> bool:
        """Point a live, unlocked need at its replacement; False (no write) otherwise."""

    async def soft_delete(self, need_id: str, at: datetime) -> bool:
        """Set `deleted_at` on a live, unlocked need; False (no write) otherwise."""

    async def lock(self, need_id: str, at: datetime) -> bool:
        """Confirm and lock a live, unlocked need (`confirmed`, `locked_at`); False (no
        write) otherwise."""


class ProposalRepository(Protocol):
    async def add(self, proposal: StrategyProposal) -> None: ...

    async def get(self, proposal_id: str) -> StrategyProposal | None: ...

    async def for_session(
        self, session_id: str, statuses: frozenset[ProposalStatus] | None = None
    ) -> list[StrategyProposal]:
        """Oldest first (created_at, then id)."""

    async def retire(
        self,
        proposal_id: str,
        status: ProposalStatus,
        *,
        removed_at: datetime | None = None,
        removed_by_user_id: str | None = None,
    ) -> bool:
        """Move an ACTIVE proposal to `status` (one conditional write, so of two partners
        retiring it at once only one wins); False (no write) when it is not ACTIVE."""


class UnitOfWork(Protocol):
    """One transaction. Leaving the block without `commit()` rolls back.

    Writers of shared rows call `relationships.lock(...)`, so two partners acting at the same
    instant are serialised; adapters map serialization failures to `ConcurrencyConflict`, which
    the use-case runner retries.
    """

    users: UserRepository
    relationships: RelationshipRepository
    sessions: SessionRepository
    invitations: InvitationRepository
    progress: StageProgressRepository
    vessels: VesselRepository
    messages: MessageRepository
    consents: ConsentRepository
    emotions: EmotionRepository
    outbox: OutboxRepository
    idempotency: IdempotencyRepository
    turns: TurnRepository
    memories: MemoryRepository
    empathy_drafts: EmpathyDraftRepository
    needs: NeedRepository
    proposals: ProposalRepository
    empathy_attempts: EmpathyAttemptRepository
    empathy_validations: EmpathyValidationRepository
    reconciler: ReconcilerRepository
    stage4: Stage4Repository
    agreements: AgreementRepository
    rankings: RankingRepository
    exercises: ExerciseRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(self, *exc_info: Any) -> None: ...

    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """A fresh unit of work. `read_only` for work that only reads (a watcher's access
        check): it takes no write lock, and is never committed (leaving it ends it)."""
        ...
