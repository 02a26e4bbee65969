"""Piccolo AppConfig listing our tables, for Piccolo tooling (playground, admin, table_finder).

The app itself never goes through Piccolo's app registry: engines are bound with
`bind_tables`, and the schema comes from our own runner (`migrate.apply_migrations`), whose
modules Piccolo's `migrations` CLI commands do not understand - do not run those.
"""

from __future__ import annotations

import os

from piccolo.conf.apps import AppConfig

from .tables import ALL_TABLES

MIGRATIONS_FOLDER = os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))),
    "migrations",
)

APP_CONFIG = AppConfig(
    app_name="mwf",
    migrations_folder_path=MIGRATIONS_FOLDER,
    table_classes=list(ALL_TABLES),
    migration_dependencies=[],
    commands=[],
)
