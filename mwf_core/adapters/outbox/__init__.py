"""Outbox delivery: the sequencer and dispatcher, their SQL, backoff, and the local sinks."""
