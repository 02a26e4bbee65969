"""Contracts for everything outside the core (typing.Protocol; adapters implement them)."""
