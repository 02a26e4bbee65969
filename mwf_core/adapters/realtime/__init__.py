"""Realtime delivery adapters."""
