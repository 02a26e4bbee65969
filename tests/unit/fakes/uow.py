"""The unit of work and its factory: deep-copy transactions over one committed store."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any, Self

from mwf_core.domain.errors import ConcurrencyConflict
from mwf_core.domain.records import OutboxEvent

from .agreements import InMemoryAgreementRepository, InMemoryRankingRepository
from .empathy import InMemoryEmpathyAttemptRepository, InMemoryEmpathyValidationRepository
from .journey import InMemoryExerciseRepository
from .reconciler import InMemoryReconcilerRepository
from .repositories import (
    InMemoryConsentRepository,
    InMemoryEmotionRepository,
    InMemoryIdempotencyRepository,
    InMemoryInvitationRepository,
    InMemoryMemoryRepository,
    InMemoryMessageRepository,
    InMemoryOutboxRepository,
    InMemoryRelationshipRepository,
    InMemorySessionRepository,
    InMemoryStageProgressRepository,
    InMemoryTurnRepository,
    InMemoryUserRepository,
    InMemoryVesselRepository,
)
from .stage4 import InMemoryStage4Repository
from .stage_repositories import (
    InMemoryEmpathyDraftRepository,
    InMemoryNeedRepository,
    InMemoryProposalRepository,
)
from .store import Store


class InMemoryUnitOfWork:
    """`UnitOfWork` over an `InMemoryUnitOfWorkFactory`'s committed store."""

    def __init__(self, factory: InMemoryUnitOfWorkFactory, *, read_only: bool = False) -> None:
        self._factory = factory
        self.read_only = read_only
        self._entered = False
        self._start_version = -1
        self.working = Store()
        self.dirty = False
        self.committed = False
        self.added_events: list[OutboxEvent] = []
        self.users = InMemoryUserRepository(self)
        self.relationships = InMemoryRelationshipRepository(self)
        self.sessions = InMemorySessionRepository(self)
        self.invitations = InMemoryInvitationRepository(self)
        self.progress = InMemoryStageProgressRepository(self)
        self.vessels = InMemoryVesselRepository(self)
        self.messages = InMemoryMessageRepository(self)
        self.consents = InMemoryConsentRepository(self)
        self.emotions = InMemoryEmotionRepository(self)
        self.outbox = InMemoryOutboxRepository(self)
        self.idempotency = InMemoryIdempotencyRepository(self)
        self.turns = InMemoryTurnRepository(self)
        self.memories = InMemoryMemoryRepository(self)
        self.empathy_drafts = InMemoryEmpathyDraftRepository(self)
        self.needs = InMemoryNeedRepository(self)
        self.proposals = InMemoryProposalRepository(self)
        self.empathy_attempts = InMemoryEmpathyAttemptRepository(self)
        self.empathy_validations = InMemoryEmpathyValidationRepository(self)
        self.reconciler = InMemoryReconcilerRepository(self)
        self.stage4 = InMemoryStage4Repository(self)
        self.agreements = InMemoryAgreementRepository(self)
        self.rankings = InMemoryRankingRepository(self)
        self.exercises = InMemoryExerciseRepository(self)

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work is single-use")
        self._entered = True
        self.working = copy.deepcopy(self._factory.store)
        self._start_version = self._factory.version
        self._factory.opened += 1
        return self

    async def wait_for_lock(self) -> None:
        """`relationships.lock`: a no-op unless the factory has an `on_lock` hook.

        With one, this models waiting for a row lock held by another transaction on
        PostgreSQL (READ COMMITTED + SELECT ... FOR UPDATE): the hook (the other transaction)
        runs and commits, then every later read here sees what it committed - while records
        read before the lock stay as they were.
        """
        hook, self._factory.on_lock = self._factory.on_lock, None
        if hook is None:
            return
        if self.dirty:
            raise RuntimeError("the on_lock model assumes nothing was written before the lock")
        await hook()
        self.working = copy.deepcopy(self._factory.store)
        self._start_version = self._factory.version

    async def commit(self) -> None:
        if not self._entered or self.committed:
            raise RuntimeError("commit() only once, inside `async with`")
        if self.read_only:
            raise RuntimeError("a read-only unit of work is never committed")
        if self._factory.fail_commits > 0:
            self._factory.fail_commits -= 1
            raise ConcurrencyConflict("injected serialization failure")
        if self.dirty:
            if self._factory.version != self._start_version:
                raise ConcurrencyConflict("another unit of work committed first")
            self._factory.store = self.working
            self._factory.version += 1
        self.committed = True

    async def __aexit__(self, *exc_info: Any) -> None:
        # Without commit() the working copy is simply dropped: that is the rollback.
        if self.committed and self.added_events:
            self._factory.published.extend(self.added_events)


class InMemoryUnitOfWorkFactory:
    """`UnitOfWorkFactory`. `published` is the on-commit sink: outbox events, in the order
    they were added, appended only once their unit of work has committed."""

    def __init__(self) -> None:
        self.store = Store()
        self.version = 0
        self.published: list[OutboxEvent] = []
        self.opened = 0
        self.fail_commits = 0  # set > 0 to make the next commits raise ConcurrencyConflict
        # Set to run another transaction while the next `relationships.lock()` waits (once).
        self.on_lock: Callable[[], Awaitable[Any]] | None = None

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self, read_only=read_only)

    def published_names(self) -> list[str]:
        return [event.name for event in self.published]
