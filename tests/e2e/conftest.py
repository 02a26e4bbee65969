"""The e2e tests reuse the API stack (real gRPC server + real gateway, SQLite and PostgreSQL)."""

from tests.api.conftest import sqlite_stack, stack

__all__ = ["sqlite_stack", "stack"]
