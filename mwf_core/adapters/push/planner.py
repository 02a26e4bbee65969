"""Derived push rows: one `push:{recipient}` outbox row per push-worthy sequenced row."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from mwf_core.domain import events, push_rules
from mwf_core.domain.enums import OutboxStatus
from mwf_core.domain.records import OutboxEvent


def push_row_id(source_id: str, recipient: str) -> str:
    """Deterministic, so sequencing the same row twice inserts nothing new."""
    return hashlib.sha256(f"{source_id}:push:{recipient}".encode()).hexdigest()[:32]


class RulePushPlanner:
    """`PushPlanner`: pure. Presence, preferences and wording are decided at delivery."""

    def derive(self, event: OutboxEvent, members: Sequence[str]) -> list[OutboxEvent]:
        if not events.is_realtime_channel(event.channel):
            return []
        rows = []
        for target in push_rules.targets(event.name, event.channel, event.payload, members):
            channel = events.push_channel(target.recipient)
            rows.append(
                OutboxEvent(
                    id=push_row_id(event.id, target.recipient),
                    session_id=event.session_id,
                    channel=channel,
                    name=event.name,
                    payload=dict(event.payload),
                    created_at=event.created_at,
                    status=OutboxStatus.PENDING,
                    stream_key=events.stream_key(channel, event.session_id),
                    parent_id=event.id,
                )
            )
        return rows
