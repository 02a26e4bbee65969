"""The unit of work: one database transaction exposing every repository.

    async with factory() as uow:
        ...
        await uow.commit()      # leaving without this rolls back

Transactions:
* SQLite: `BEGIN IMMEDIATE`, so the write lock is taken up front. A deferred transaction that
  reads and then writes fails with "database is locked" when another writer got in between
  (measured: 19 of 20 concurrent read-then-write transactions failed); with immediate ones the
  busy timeout just queues them. `relationships.lock()` is therefore a no-op there.
* PostgreSQL: READ COMMITTED, with `relationships.lock()` taking `SELECT ... FOR UPDATE` on the
  relationship row, so two partners deciding at the same instant run one after the other and
  the second sees the first's committed rows.
* Read-only (`factory(read_only=True)`, never committed): on SQLite a deferred transaction
  without the writer lock, so a long-lived watcher's periodic checks never queue writers.

Outbox events added through `uow.outbox.add` are handed to `on_commit` once the transaction has
committed and its connection is released - never before, never after a rollback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from typing import Any, Self

from piccolo.engine.base import Engine
from piccolo.engine.sqlite import TransactionType

from mwf_core.domain.records import OutboxEvent

from .agreement_repositories import PiccoloAgreementRepository, PiccoloRankingRepository
from .conversation_repositories import (
    PiccoloConsentRepository,
    PiccoloEmotionRepository,
    PiccoloMessageRepository,
    PiccoloTurnRepository,
)
from .empathy_repositories import (
    PiccoloEmpathyAttemptRepository,
    PiccoloEmpathyValidationRepository,
)
from .engine import is_postgres
from .errors import mapped_errors
from .journey_repositories import PiccoloExerciseRepository
from .memory_repository import PiccoloMemoryRepository
from .outbox_repositories import PiccoloIdempotencyRepository, PiccoloOutboxRepository
from .reconciler_repositories import PiccoloReconcilerRepository
from .repositories import (
    PiccoloInvitationRepository,
    PiccoloRelationshipRepository,
    PiccoloSessionRepository,
    PiccoloStageProgressRepository,
    PiccoloUserRepository,
    PiccoloVesselRepository,
)
from .stage4_repositories import PiccoloStage4Repository
from .stage_repositories import (
    PiccoloEmpathyDraftRepository,
    PiccoloNeedRepository,
    PiccoloProposalRepository,
)
from .tables import ALL_TABLES

log = logging.getLogger(__name__)

OnCommit = Callable[[Sequence[OutboxEvent]], Awaitable[None]]


class _RecordingOutboxRepository(PiccoloOutboxRepository):
    def __init__(self, recorded: list[OutboxEvent]) -> None:
        self._recorded = recorded

    async def add(self, event: OutboxEvent) -> None:
        await super().add(event)
        self._recorded.append(event)


def _check_bound(engine: Engine) -> None:
    # Queries go through the engine the tables are bound to; if that is not this engine they
    # would silently run outside this transaction.
    for table in ALL_TABLES:
        if getattr(table._meta, "_db", None) is not engine:
            raise RuntimeError(
                f"table {table._meta.tablename} is not bound to this engine: "
                "call bind_tables(engine) at startup"
            )


# SQLite has one writer at a time, and every unit of work begins IMMEDIATE. Queueing this
# process's transactions on an asyncio lock hands the database over the moment it is free,
# instead of leaving it to SQLite's busy handler, which polls with growing sleeps and put
# second-long tails on concurrent turns. Other processes still meet the busy timeout.
_SQLITE_WRITERS: dict[int, asyncio.Lock] = {}


def _writer_lock(engine: Engine) -> asyncio.Lock:
    # One lock per engine (engines do not take attributes, hence the id). A lock belongs to
    # the event loop it first waited on, so one left from another loop is replaced.
    lock = _SQLITE_WRITERS.get(id(engine))
    bound = getattr(lock, "_loop", None)
    if lock is None or (bound is not None and bound is not asyncio.get_running_loop()):
        lock = _SQLITE_WRITERS[id(engine)] = asyncio.Lock()
    return lock


class PiccoloUnitOfWork:
    def __init__(
        self, engine: Engine, on_commit: OnCommit | None = None, *, read_only: bool = False
    ) -> None:
        self._engine = engine
        self._read_only = read_only
        self._writer: asyncio.Lock | None = None
        self._on_commit = on_commit
        self._events: list[OutboxEvent] = []
        self._transaction: Any = None
        self._entered = False
        self._committed = False
        self.users = PiccoloUserRepository()
        self.relationships = PiccoloRelationshipRepository()
        self.sessions = PiccoloSessionRepository()
        self.invitations = PiccoloInvitationRepository()
        self.progress = PiccoloStageProgressRepository()
        self.vessels = PiccoloVesselRepository()
        self.messages = PiccoloMessageRepository()
        self.consents = PiccoloConsentRepository()
        self.emotions = PiccoloEmotionRepository()
        self.outbox = _RecordingOutboxRepository(self._events)
        self.idempotency = PiccoloIdempotencyRepository()
        self.turns = PiccoloTurnRepository()
        self.memories = PiccoloMemoryRepository()
        self.empathy_drafts = PiccoloEmpathyDraftRepository()
        self.needs = PiccoloNeedRepository()
        self.proposals = PiccoloProposalRepository()
        self.empathy_attempts = PiccoloEmpathyAttemptRepository()
        self.empathy_validations = PiccoloEmpathyValidationRepository()
        self.reconciler = PiccoloReconcilerRepository()
        self.stage4 = PiccoloStage4Repository()
        self.agreements = PiccoloAgreementRepository()
        self.rankings = PiccoloRankingRepository()
        self.exercises = PiccoloExerciseRepository()

    @property
    def committed(self) -> bool:
        return self._committed

    async def __aenter__(self) -> Self:
        if self._entered:
            raise RuntimeError("a unit of work is single-use: ask the factory for a new one")
        self._entered = True
        _check_bound(self._engine)
        if is_postgres(self._engine):
            transaction = self._engine.transaction(allow_nested=False)
        elif self._read_only:
            # Reads only: a deferred transaction takes no write lock, and under WAL readers
            # and the writer never wait for each other.
            transaction = self._engine.transaction(
                transaction_type=TransactionType.deferred, allow_nested=False
            )
        else:
            self._writer = _writer_lock(self._engine)
            await self._writer.acquire()
            transaction = self._engine.transaction(
                transaction_type=TransactionType.immediate, allow_nested=False
            )
        try:
            with mapped_errors():
                await transaction.__aenter__()
        except BaseException:
            # BEGIN failed (e.g. SQLite busy timeout): Piccolo already holds a connection.
            await self._release(transaction)
            self._release_writer()
            raise
        self._transaction = transaction
        return self

    async def commit(self) -> None:
        if self._transaction is None:
            raise RuntimeError("commit() must be called inside `async with`")
        if self._committed:
            raise RuntimeError("this unit of work is already committed")
        if self._read_only:
            raise RuntimeError("a read-only unit of work is never committed")
        with mapped_errors():
            await self._transaction.commit()
        self._committed = True

    async def __aexit__(self, *exc_info: Any) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is None:
            return
        try:
            if not self._committed:
                # The driver may already have rolled back (lost connection, SQLite error that
                # ends the transaction); nothing is left to undo then.
                with suppress(Exception):
                    await transaction.rollback()
        finally:
            await self._release(transaction)
            self._engine.current_transaction.reset(transaction.context)
            self._release_writer()
        if self._committed and self._events and self._on_commit is not None:
            await self._publish()

    def _release_writer(self) -> None:
        writer, self._writer = self._writer, None
        if writer is not None and writer.locked():
            writer.release()

    async def _release(self, transaction: Any) -> None:
        """Give the connection back, whatever state the transaction ended in.

        Done here rather than in Piccolo's __aexit__ because that one commits unless told about
        an exception, and skips the release if its rollback raises.
        """
        connection = getattr(transaction, "connection", None)
        if connection is None:
            return
        pool = getattr(self._engine, "pool", None)
        with suppress(Exception):
            if pool is not None:
                await pool.release(connection)
            else:
                await connection.close()

    async def _publish(self) -> None:
        assert self._on_commit is not None
        try:
            await self._on_commit(list(self._events))
        except Exception:
            # The change is committed and its events are durable in the outbox (still PENDING),
            # so failing the caller here would only invite a duplicate retry.
            log.exception("publishing %d outbox event(s) after commit failed", len(self._events))


class PiccoloUnitOfWorkFactory:
    """`UnitOfWorkFactory`: each call gives a fresh, single-use PiccoloUnitOfWork."""

    def __init__(self, engine: Engine, on_commit: OnCommit | None = None) -> None:
        self._engine = engine
        self._on_commit = on_commit

    def __call__(self, *, read_only: bool = False) -> PiccoloUnitOfWork:
        return PiccoloUnitOfWork(self._engine, self._on_commit, read_only=read_only)
