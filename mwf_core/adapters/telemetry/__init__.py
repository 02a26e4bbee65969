"""Telemetry sinks: brain-activity rows to the database (queued, batched) or to a list."""

from .recorder import DatabaseTelemetrySink, InMemoryTelemetrySink

__all__ = ["DatabaseTelemetrySink", "InMemoryTelemetrySink"]
