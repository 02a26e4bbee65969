"""The in-memory tables and the plumbing every repository shares."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from mwf_core.domain.errors import DuplicateKey, NotFound
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

if TYPE_CHECKING:
    from .uow import InMemoryUnitOfWork

R = TypeVar("R")


@dataclass
class Store:
    """Every table, keyed like the database's primary keys."""

    users: dict[str, User] = field(default_factory=dict)
    relationships: dict[str, Relationship] = field(default_factory=dict)
    members: dict[tuple[str, str], RelationshipMember] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)
    progress: dict[str, StageProgress] = field(default_factory=dict)
    user_vessels: dict[str, UserVessel] = field(default_factory=dict)
    shared_vessels: dict[str, SharedVessel] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    consents: dict[str, ConsentRecord] = field(default_factory=dict)
    emotions: dict[str, EmotionalReading] = field(default_factory=dict)
    outbox: dict[str, OutboxEvent] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    turns: dict[str, Turn] = field(default_factory=dict)
    memories: dict[str, ConversationMemory] = field(default_factory=dict)
    empathy_drafts: dict[str, EmpathyDraft] = field(default_factory=dict)
    needs: dict[str, IdentifiedNeed] = field(default_factory=dict)
    proposals: dict[str, StrategyProposal] = field(default_factory=dict)
    # Tables of the later stages, by name (each fake repository keeps its own).
    tables: dict[str, dict[Any, Any]] = field(default_factory=dict)


def _copy(record: R) -> R:
    return copy.deepcopy(record)


class _Table:
    """Shared plumbing: every repository reads and writes the unit of work's working copy."""

    def __init__(self, uow: InMemoryUnitOfWork) -> None:
        self._uow = uow

    @property
    def _s(self) -> Store:
        return self._uow.working

    def _rows(self, name: str) -> dict[Any, Any]:
        """One of the later stages' tables in the working copy (created empty on first use)."""
        return self._s.tables.setdefault(name, {})

    def _insert(self, table: dict[Any, Any], key: Any, record: Any) -> None:
        if key in table:
            raise DuplicateKey(f"{type(record).__name__} {key!r} already exists")
        table[key] = _copy(record)
        self._uow.dirty = True

    def _replace(self, table: dict[Any, Any], key: Any, record: Any) -> None:
        if key not in table:
            raise NotFound(f"{type(record).__name__} {key!r} not found")
        table[key] = _copy(record)
        self._uow.dirty = True

    def _drop(self, table: dict[Any, Any], keep: Callable[[Any], bool]) -> int:
        doomed = [key for key, row in table.items() if not keep(row)]
        for key in doomed:
            del table[key]
        if doomed:
            self._uow.dirty = True
        return len(doomed)

    @staticmethod
    def _unique(rows: Iterable[Any], record: Any, *fields: str) -> None:
        """DuplicateKey when another row has the same non-null values in `fields`."""
        values = tuple(getattr(record, name) for name in fields)
        if any(value is None for value in values):
            return
        for row in rows:
            if row.id != record.id and tuple(getattr(row, n) for n in fields) == values:
                raise DuplicateKey(f"{type(record).__name__}: duplicate {fields}={values}")
