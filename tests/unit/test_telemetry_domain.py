"""Brain-activity cost: hand-computed figures, cache accounting, unknown models, model ids."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from mwf_core.domain.telemetry import (
    PRICES,
    ActivityStatus,
    ActivityType,
    BrainActivity,
    ModelPrice,
    cost,
    normalize_model_id,
    price_for,
    short_error,
)
from mwf_core.ports.llm import Usage

SONNET_45 = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
HAIKU_45 = "global.anthropic.claude-haiku-4-5-20251001-v1:0"
TITAN = "amazon.titan-embed-text-v2:0"


def test_sonnet_cost_counts_every_token_kind_once() -> None:
    usage = Usage(input_tokens=1000, output_tokens=500, cache_read_tokens=2000,
                  cache_write_tokens=4000)
    # 1000 x $3/M + 500 x $15/M + 2000 x $0.30/M + 4000 x $3.75/M
    # = 0.003 + 0.0075 + 0.0006 + 0.015 = 0.0261
    value, known = cost(SONNET_45, usage)
    assert known is True
    assert value == Decimal("0.0261")
    assert str(value) == "0.02610000"  # quantized to 1e-8 USD


def test_haiku_cost_with_odd_counts() -> None:
    usage = Usage(input_tokens=1234, output_tokens=567, cache_read_tokens=8901,
                  cache_write_tokens=2345)
    # 1234 x 1 + 567 x 5 + 8901 x 0.10 + 2345 x 1.25 = 1234 + 2835 + 890.1 + 2931.25
    # = 7890.35 micro-dollars
    assert cost(HAIKU_45, usage) == (Decimal("0.00789035"), True)


def test_cached_tokens_are_not_subtracted_from_input() -> None:
    # Bedrock's input_tokens excludes cached tokens: a cache read adds its (cheap) price on top.
    only_input = cost(SONNET_45, Usage(input_tokens=100))[0]
    with_reads = cost(SONNET_45, Usage(input_tokens=100, cache_read_tokens=10_000))[0]
    assert only_input == Decimal("0.0003")
    assert with_reads == Decimal("0.0033")  # + 10000 x $0.30/M


def test_titan_embeddings_cost_input_only() -> None:
    assert cost(TITAN, Usage(input_tokens=50_000, output_tokens=10)) == (Decimal("0.001"), True)


@pytest.mark.parametrize(
    "model_id, usage, expected",
    [
        ("us.anthropic.claude-3-5-haiku-20241022-v1:0", Usage(1_000_000, 1_000_000), "4.80"),
        ("anthropic.claude-3-haiku-20240307-v1:0", Usage(4, 0, 100, 10), "0.00000700"),
        ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", Usage(0, 2), "0.00003000"),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", Usage(10, 10), "0.00018000"),
        ("global.anthropic.claude-sonnet-4-6", Usage(1, 1, 1, 1), "0.00002205"),
    ],
)
def test_other_models(model_id: str, usage: Usage, expected: str) -> None:
    assert cost(model_id, usage) == (Decimal(expected), True)


def test_legacy_figures_are_kept_for_the_default_models() -> None:
    # backend/src/lib/bedrock.ts, USD per 1,000 tokens (reference section 2.2), times 1000.
    per_thousand = {
        SONNET_45: ("0.003", "0.015", "0.0003", "0.00375"),
        HAIKU_45: ("0.001", "0.005", "0.0001", "0.00125"),
        TITAN: ("0.00002", "0", "0", "0"),
    }
    for model_id, figures in per_thousand.items():
        price = price_for(model_id)
        assert price is not None
        expected = [Decimal(f) * 1000 for f in figures]
        assert [price.input, price.output, price.cache_read, price.cache_write] == expected


def test_unknown_model_has_no_cost_never_zero() -> None:
    assert cost("anthropic.claude-opus-9", Usage(input_tokens=1000)) == (None, False)
    assert cost("anthropic.claude-opus-9", Usage()) == (None, False)
    # A known model with no tokens does cost exactly zero, and says so.
    assert cost(SONNET_45, Usage()) == (Decimal(0), True)


def test_cost_is_rounded_half_up_to_the_quantum(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(PRICES, "test.model", ModelPrice(Decimal("0.005"), Decimal("0.004")))
    assert cost("test.model", Usage(input_tokens=1)) == (Decimal("0.00000001"), True)  # 0.5e-8
    assert cost("test.model", Usage(output_tokens=1)) == (Decimal("0"), True)  # 0.4e-8
    assert cost("test.model", Usage(input_tokens=3)) == (Decimal("0.00000002"), True)  # 1.5e-8


@pytest.mark.parametrize(
    "given",
    [
        "anthropic.claude-sonnet-4-5-20250929-v1:0",
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "eu.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "apac.anthropic.claude-sonnet-4-5-20250929-v1:0",
        "  US.Anthropic.Claude-Sonnet-4-5-20250929-v1:0 ",
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
        "us.anthropic.claude-sonnet-4-5-20250929-v1:0",
    ],
)
def test_inference_profile_prefixes_are_stripped(given: str) -> None:
    assert normalize_model_id(given) == "anthropic.claude-sonnet-4-5-20250929-v1:0"
    assert cost(given, Usage(input_tokens=1_000_000)) == (Decimal("3"), True)


def test_only_known_prefixes_are_stripped() -> None:
    assert normalize_model_id(TITAN) == TITAN  # "amazon." is the provider, not a region
    assert normalize_model_id("xx.anthropic.claude-sonnet-4-5-20250929-v1:0").startswith("xx.")
    assert cost("xx.anthropic.claude-sonnet-4-5-20250929-v1:0", Usage(1)) == (None, False)


def test_every_priced_model_id_is_a_base_id() -> None:
    for model_id in PRICES:
        assert normalize_model_id(model_id) == model_id


def test_activity_cache_figures() -> None:
    activity = BrainActivity(
        id="a1",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
        activity_type=ActivityType.LLM_CALL,
        call_type="ORCHESTRATED_RESPONSE",
        model_id=SONNET_45,
        status=ActivityStatus.COMPLETED,
        duration_ms=10,
        input_tokens=100,
        cache_read_tokens=300,
        cache_write_tokens=100,
    )
    assert activity.prompt_tokens == 500
    assert activity.cache_hit_rate == pytest.approx(0.6)  # read / (uncached + read + write)
    empty = BrainActivity(
        id="a2",
        created_at=datetime(2025, 3, 1, tzinfo=UTC),
        activity_type=ActivityType.EMBEDDING,
        call_type="EMBEDDING",
        model_id=TITAN,
        status=ActivityStatus.FAILED,
        duration_ms=0,
    )
    assert empty.cache_hit_rate is None
    assert (empty.cost_usd, empty.price_known, empty.prompt, empty.response) == (
        None, False, None, None,
    )


def test_short_error_is_one_bounded_line() -> None:
    assert short_error("a\n  b\tc") == "a b c"
    long = short_error("x" * 2000)
    assert len(long) == 500 and long.endswith("…")
