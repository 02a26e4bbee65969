"""Ably channel names: ours (`session:{id}`, `user:{id}`) under the app's namespace."""

from __future__ import annotations

NAMESPACE = "meetwithoutfear"


def ably_channel(channel: str) -> str:
    """`session:{id}` → `meetwithoutfear:session:{id}`; `user:{id}` likewise."""
    return f"{NAMESPACE}:{channel}"


def presence_channel(session_id: str) -> str:
    """Clients enter presence here; the server only reads it."""
    return f"{NAMESPACE}:presence:{session_id}"
