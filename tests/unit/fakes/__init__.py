"""In-memory adapters for the core's ports: a transactional store, a clock and an id source.

    factory = InMemoryUnitOfWorkFactory()
    async with factory() as uow:        # works on a deep copy of the committed store
        await uow.users.insert_if_absent(user)
        await uow.commit()              # swaps the copy in; leaving without it rolls back
    factory.published                   # outbox events handed over after commit, in order

Rows are copied on the way in and out, like a database: a use case that changes a record and
forgets to call `update` loses the change. Unique rules follow the real schema. A commit whose
snapshot is stale (another unit of work committed writes in between) raises
`ConcurrencyConflict`, which the use-case runner retries. No I/O anywhere.

Knobs for tests: `factory.fail_commits = n` makes the next n commits raise
`ConcurrencyConflict`; `factory.on_lock = coroutine_function` runs another transaction while the
next `relationships.lock()` waits (a no-op otherwise), modelling PostgreSQL's READ COMMITTED.
"""

from .store import Store
from .system import FakeClock, SequentialIds
from .uow import InMemoryUnitOfWork, InMemoryUnitOfWorkFactory

__all__ = [
    "FakeClock",
    "InMemoryUnitOfWork",
    "InMemoryUnitOfWorkFactory",
    "SequentialIds",
    "Store",
]
