"""Database adapter: Piccolo tables, repositories and the unit of work (SQLite or PostgreSQL).

Startup, in the composition root:

    engine = engine_from_url(os.environ.get("DATABASE_URL"))
    bind_tables(engine)
    await start_engine(engine)
    await apply_migrations(engine)
    uow_factory = PiccoloUnitOfWorkFactory(engine, on_commit=publisher.publish)
    ...
    await stop_engine(engine)
"""

from .engine import bind_tables, engine_from_url, start_engine, stop_engine
from .migrate import applied_migrations, apply_migrations
from .unit_of_work import PiccoloUnitOfWork, PiccoloUnitOfWorkFactory

__all__ = [
    "PiccoloUnitOfWork",
    "PiccoloUnitOfWorkFactory",
    "applied_migrations",
    "apply_migrations",
    "bind_tables",
    "engine_from_url",
    "start_engine",
    "stop_engine",
]
