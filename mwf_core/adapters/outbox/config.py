"""The dispatcher's knobs, from the MWF_OUTBOX_* settings (see the README's outbox section)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    max_age_hours: float = 24.0  # transient failures retry until the row is this old, then DEAD
    backoff_base_ms: int = 1000
    backoff_max_ms: int = 300_000
    lease_seconds: float = 15.0
    sweep_seconds: float = 2.0
    retention_days: float = 7.0
    deliver_timeout: float = 10.0
    max_streams: int = 8
    batch: int = 50
    deliver: bool = True  # False: sequence only (another process delivers)

    @classmethod
    def from_settings(cls, settings: object, **overrides: object) -> DispatcherConfig:
        values: dict[str, object] = {
            "max_age_hours": settings.mwf_outbox_max_age_hours,  # type: ignore[attr-defined]
            "backoff_base_ms": settings.mwf_outbox_backoff_base_ms,  # type: ignore[attr-defined]
            "backoff_max_ms": settings.mwf_outbox_backoff_max_ms,  # type: ignore[attr-defined]
            "lease_seconds": settings.mwf_outbox_lease_seconds,  # type: ignore[attr-defined]
            "sweep_seconds": settings.mwf_outbox_sweep_seconds,  # type: ignore[attr-defined]
            "retention_days": settings.mwf_outbox_retention_days,  # type: ignore[attr-defined]
            "deliver": settings.mwf_dispatcher,  # type: ignore[attr-defined]
        }
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]
