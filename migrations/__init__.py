"""Schema migrations, applied in name order by `mwf_core.adapters.db.migrate.apply_migrations`.

Each module is named `mNNNN_description.py` and defines `async def forwards(engine)`, which
runs inside a transaction the runner opens (DDL is transactional on both SQLite and
PostgreSQL, so a failed migration leaves nothing behind). A migration is a frozen snapshot:
never edit one that has shipped - add the next number instead. Keep steps portable: SQLite
cannot ALTER a column, so changes there are add-column / add-table / add-index, or a
rebuild-and-copy written out explicitly.

These are not Piccolo CLI migrations (`piccolo migrations forwards` would not understand them).
"""
