"""Telemetry of model calls ("brain activity"): one record per call, and what a call cost.

Token counts follow Bedrock: `input_tokens` is the UNCACHED input only; tokens read from or
written to the prompt cache are counted separately (`cache_read_tokens`, `cache_write_tokens`).
The whole prompt is therefore input + cache read + cache write, and the cache hit rate is
read / (input + read + write) - never read / input, which can exceed 100%.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Protocol


class ActivityType(StrEnum):
    LLM_CALL = "LLM_CALL"
    EMBEDDING = "EMBEDDING"


class ActivityStatus(StrEnum):
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"  # the client went away or the task was cancelled mid-call


# Costs are kept to 1e-8 USD: exact in Decimal, and as an integer count of these units in the
# database (see mwf_core/adapters/db/telemetry_repository.py).
COST_QUANTUM = Decimal("0.00000001")
ERROR_MAX_CHARS = 500


@dataclass(frozen=True, slots=True, kw_only=True)
class BrainActivity:
    """One model or embedding call, as recorded by the telemetry wrapper.

    `cost_usd` is None when the model's price is unknown (`price_known` False) - never 0, so an
    unpriced model cannot silently look free. `prompt` and `response` are None unless prompt
    logging is switched on. `session_id`, `turn_id` and `user_id` are labels, not references:
    a call may happen before its session exists, and its row outlives a deleted session.
    """

    id: str
    created_at: datetime
    activity_type: ActivityType
    call_type: str
    model_id: str
    status: ActivityStatus
    duration_ms: int
    session_id: str | None = None
    turn_id: str | None = None
    user_id: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: Decimal | None = None
    price_known: bool = False
    time_to_first_token_ms: int | None = None  # None for calls that did not stream
    error: str | None = None
    prompt: str | None = None
    response: str | None = None

    @property
    def prompt_tokens(self) -> int:
        """The whole prompt: uncached input plus cache reads and writes."""
        return self.input_tokens + self.cache_read_tokens + self.cache_write_tokens

    @property
    def cache_hit_rate(self) -> float | None:
        total = self.prompt_tokens
        return self.cache_read_tokens / total if total else None


class TokenUsage(Protocol):
    """What `cost` reads; `mwf_core.ports.llm.Usage` has this shape."""

    @property
    def input_tokens(self) -> int: ...

    @property
    def output_tokens(self) -> int: ...

    @property
    def cache_read_tokens(self) -> int: ...

    @property
    def cache_write_tokens(self) -> int: ...


@dataclass(frozen=True, slots=True)
class ModelPrice:
    """USD per 1,000,000 tokens."""

    input: Decimal
    output: Decimal
    cache_read: Decimal = Decimal(0)
    cache_write: Decimal = Decimal(0)


def _price(input: str, output: str, cache_read: str = "0", cache_write: str = "0") -> ModelPrice:
    return ModelPrice(Decimal(input), Decimal(output), Decimal(cache_read), Decimal(cache_write))


_SONNET = _price("3.00", "15.00", "0.30", "3.75")
_HAIKU_45 = _price("1.00", "5.00", "0.10", "1.25")

# Bedrock on-demand prices, USD per 1,000,000 tokens, keyed by base model id (no inference-
# profile prefix). Sources: the legacy backend's hard-coded table (backend/src/lib/bedrock.ts,
# USD per 1,000 tokens; see innerwork-telemetry-integrations.md section 2.2) for the models it
# had, and Anthropic's published list prices for the others (cache write = 1.25 x input for the
# 5-minute TTL, cache read = 0.1 x input). Deliberate differences from the legacy table: Claude
# 3.5 Haiku uses the lowered list price 0.80/4.00 (legacy: 1.00/5.00), and the Claude 3.x
# models carry cache prices (legacy: 0) - they only matter if Bedrock reports cache tokens.
# THESE FIGURES MUST BE CHECKED AGAINST https://aws.amazon.com/bedrock/pricing/ before anyone
# relies on them for billing: regional (non-global) endpoints of newer models may carry a
# premium, long-context (> 200k input tokens) Sonnet requests are priced higher, and batch or
# provisioned throughput differ - none of that is modelled. A model missing from this table is
# reported with cost None, never 0.
PRICES: dict[str, ModelPrice] = {
    # Claude Sonnet 4.x
    "anthropic.claude-sonnet-4-5-20250929-v1:0": _SONNET,
    "anthropic.claude-sonnet-4-6": _SONNET,
    "anthropic.claude-sonnet-4-20250514-v1:0": _SONNET,
    # Claude Sonnet 3.7 / 3.5
    "anthropic.claude-3-7-sonnet-20250219-v1:0": _SONNET,
    "anthropic.claude-3-5-sonnet-20241022-v2:0": _SONNET,
    "anthropic.claude-3-5-sonnet-20240620-v1:0": _SONNET,
    # Claude Haiku 4.5 / 3.5 / 3
    "anthropic.claude-haiku-4-5-20251001-v1:0": _HAIKU_45,
    "anthropic.claude-3-5-haiku-20241022-v1:0": _price("0.80", "4.00", "0.08", "1.00"),
    "anthropic.claude-3-haiku-20240307-v1:0": _price("0.25", "1.25", "0.03", "0.30"),
    # Titan Text Embeddings v2 (input tokens only)
    "amazon.titan-embed-text-v2:0": _price("0.02", "0"),
}

# Cross-region inference profiles prefix the base model id with a geography.
INFERENCE_PROFILE_PREFIXES = frozenset({"global", "us", "eu", "apac", "jp", "au", "ca", "us-gov"})


def normalize_model_id(model_id: str) -> str:
    """The base model id: `us.anthropic.claude-...` -> `anthropic.claude-...`.

    Also accepts an inference-profile or foundation-model ARN (the part after the last "/").
    """
    base = model_id.strip().lower().rsplit("/", 1)[-1]
    prefix, dot, rest = base.partition(".")
    if dot and prefix in INFERENCE_PROFILE_PREFIXES:
        return rest
    return base


def price_for(model_id: str) -> ModelPrice | None:
    return PRICES.get(normalize_model_id(model_id))


def cost(model_id: str, usage: TokenUsage) -> tuple[Decimal | None, bool]:
    """(USD cost quantized to 1e-8, price known); (None, False) for a model without a price.

    Bedrock does NOT include cached tokens in input_tokens, so each count is priced once:
    input x in + output x out + cache_read x read + cache_write x write.
    """
    price = price_for(model_id)
    if price is None:
        return None, False
    micro = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_read_tokens * price.cache_read
        + usage.cache_write_tokens * price.cache_write
    )
    return (micro / 1_000_000).quantize(COST_QUANTUM, rounding=ROUND_HALF_UP), True


def short_error(text: str, limit: int = ERROR_MAX_CHARS) -> str:
    """An error text fit for a telemetry row: one line, at most `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
