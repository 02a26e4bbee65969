"""The e2e tests reuse the API stack (real gRPC server + real gateway, SQLite and PostgreSQL)."""

from tests.api.conftest import sqlite_stack, stack

from .reconciler_flow import no_gaps_stack, offer_stack

__all__ = ["no_gaps_stack", "offer_stack", "sqlite_stack", "stack"]
