"""The dispatcher's knobs. Those an operator sets (MWF_DISPATCHER, MWF_OUTBOX_*; see the
README's outbox section) take their defaults from `Settings`, the one place they are written."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from mwf_core.config import Settings

# DispatcherConfig field -> the Settings field it comes from.
FROM_SETTINGS = {
    "max_age_hours": "mwf_outbox_max_age_hours",
    "backoff_base_ms": "mwf_outbox_backoff_base_ms",
    "backoff_max_ms": "mwf_outbox_backoff_max_ms",
    "lease_seconds": "mwf_outbox_lease_seconds",
    "sweep_seconds": "mwf_outbox_sweep_seconds",
    "retention_days": "mwf_outbox_retention_days",
    "deliver": "mwf_dispatcher",
}
_SETTINGS_DEFAULTS = {f.name: f.default for f in fields(Settings)}


def _default(name: str) -> Any:
    return _SETTINGS_DEFAULTS[FROM_SETTINGS[name]]


@dataclass(frozen=True, slots=True)
class DispatcherConfig:
    # Transient failures retry until the row is this old, then it is DEAD.
    max_age_hours: float = _default("max_age_hours")
    backoff_base_ms: int = _default("backoff_base_ms")
    backoff_max_ms: int = _default("backoff_max_ms")
    lease_seconds: float = _default("lease_seconds")
    sweep_seconds: float = _default("sweep_seconds")
    retention_days: float = _default("retention_days")
    deliver: bool = _default("deliver")  # False: sequence only (another process delivers)
    deliver_timeout: float = 10.0
    max_streams: int = 8  # streams delivered at once (and the Expo sink's threads)
    batch: int = 50

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> DispatcherConfig:
        values: dict[str, Any] = {
            name: getattr(settings, setting) for name, setting in FROM_SETTINGS.items()
        }
        values.update(overrides)
        return cls(**values)
