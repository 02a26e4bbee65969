"""Composition root, delivery part: the outbox dispatcher, its sinks (Ably, email, push) and the
live event log, plus the use cases that need them. Used by bootstrap.build_container and by
`mwf outbox run` (a delivery-only process)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mwf_core.adapters.ably.factory import AblyBundle, build_ably
from mwf_core.adapters.email.factory import build_email_sink
from mwf_core.adapters.email.invitation_status import DatabaseInvitationStatus
from mwf_core.adapters.outbox.dispatcher import DispatcherConfig, OutboxDispatcher
from mwf_core.adapters.outbox.local_sink import LocalSink
from mwf_core.adapters.push.factory import AnyPresence, PushBundle, build_push
from mwf_core.adapters.realtime.factory import RealtimeBundle, build_realtime
from mwf_core.adapters.system import SystemClock
from mwf_core.config import Settings
from mwf_core.domain.records import OutboxEvent
from mwf_core.ports.delivery import EventSink, PresenceChecker
from mwf_core.usecases.event_stream import EventStreamUseCases
from mwf_core.usecases.notification_prefs import NotificationPreferenceUseCases
from mwf_core.usecases.realtime_auth import RealtimeAuthUseCases
from mwf_core.usecases.runtime import Dependencies

if TYPE_CHECKING:  # bootstrap imports this module: the container type is for annotations only
    from mwf_core.bootstrap import Container

log = logging.getLogger("mwf")


@dataclass(slots=True)
class Delivery:
    dispatcher: OutboxDispatcher
    realtime: RealtimeBundle
    ably: AblyBundle | None  # None without ABLY_API_KEY
    push: PushBundle
    email: EventSink
    presence: PresenceChecker

    async def publish(self, events: Sequence[OutboxEvent]) -> None:
        await self.dispatcher.kick(events)

    async def close(self) -> None:
        """The dispatcher first (its workers use the sinks), then each sink and poller."""
        steps: list[tuple[str, Any]] = [
            ("dispatcher", self.dispatcher.stop),
            ("push", self.push.close),
        ]
        if self.ably is not None:
            steps.append(("ably", self.ably.close))
        steps += [("email", self.email.close), ("realtime", self.realtime.stop)]
        for name, step in steps:
            try:
                await step()
            except Exception:
                log.exception("closing %s failed", name)


async def build_delivery(settings: Settings, engine: Any, clock: SystemClock) -> Delivery:
    """Sinks by channel: Ably (or the local sink) for session:/user:, Resend (or a log) for
    email:, Expo (or a log) for push:; the dispatcher that feeds them; the event log."""
    realtime = build_realtime(settings, engine)
    ably = build_ably(settings)
    if ably is not None:
        log.info("realtime: Ably (%s)", settings.ably_rest_host or "rest.ably.io")
    else:
        log.info(
            "realtime: Ably off (ABLY_API_KEY unset) - SSE, WatchSession and in-process "
            "subscribers only"
        )
    if settings.ssl_cert_file:
        log.info(
            "TLS: SSL_CERT_FILE=%s replaces the CA bundle of Ably/Resend/Clerk clients",
            settings.ssl_cert_file,
        )
    presence = AnyPresence(ably.presence if ably is not None else None, realtime.presence)
    email = build_email_sink(settings, DatabaseInvitationStatus(clock), clock)
    push = build_push(settings, engine, presence)
    sinks: list[EventSink] = [ably.sink if ably is not None else LocalSink(), email, push.sink]
    dispatcher = OutboxDispatcher(
        engine,
        sinks,
        clock,
        DispatcherConfig.from_settings(settings),
        planner=push.planner,
        wakeups=realtime.wakeups,
    )
    if not settings.mwf_dispatcher:
        log.warning(
            "outbox: MWF_DISPATCHER=off - events are sequenced (live streams work) but "
            "delivered only by another process (`mwf outbox run`)"
        )
    return Delivery(dispatcher, realtime, ably, push, email, presence)


async def start_delivery(delivery: Delivery) -> None:
    await delivery.realtime.start()
    delivery.push.start()
    delivery.dispatcher.start()


def add_delivery_use_cases(container: Container, deps: Dependencies, delivery: Delivery) -> None:
    """Realtime tokens, notification preferences and the live event stream."""
    tokens = delivery.ably.tokens if delivery.ably is not None else None
    container.realtime_auth = RealtimeAuthUseCases(
        deps, tokens, production=container.settings.production
    )
    container.notification_prefs = NotificationPreferenceUseCases(deps)
    realtime = delivery.realtime
    container.event_stream = EventStreamUseCases(
        deps,
        realtime.log,
        realtime.wakeups,
        realtime.presence,
        poll_seconds=container.settings.mwf_stream_poll_seconds,
    )
