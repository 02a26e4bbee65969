"""Fixtures for the BedrockLanguageModel integration tests: the loopback Bedrock fake and a
factory of models on a real boto3 client pointed at it."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from mwf_core.adapters.llm.bedrock import (
    BedrockLanguageModel,
    RetryPolicy,
    Timeouts,
    make_bedrock_client,
)
from tests.fakes.bedrock import FakeBedrock, serve_fake_bedrock
from tests.integration.llm.bedrock_helpers import HAIKU, SONNET, MakeModel


@pytest.fixture
async def fake() -> AsyncIterator[FakeBedrock]:
    async with serve_fake_bedrock(chunk_pause=0.005) as server:
        yield server


@pytest.fixture
def make_model(fake: FakeBedrock) -> Iterator[MakeModel]:
    """A model on a real boto3 client (dummy credentials) pointed at the fake.

    Tiny retry delays; `read_timeout` and any constructor argument can be overridden."""
    models: list[BedrockLanguageModel] = []

    def make(read_timeout: float = 10.0, **overrides: Any) -> BedrockLanguageModel:
        timeouts = overrides.pop("timeouts", Timeouts(deadline_seconds=20.0))
        client = make_bedrock_client(
            region="us-east-1",
            endpoint_url=fake.base_url,
            timeouts=Timeouts(connect_seconds=2.0, read_seconds=read_timeout),
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
        arguments: dict[str, Any] = {
            "mediator_model_id": SONNET,
            "mechanic_model_id": HAIKU,
            "client": client,
            "timeouts": timeouts,
            "retry": RetryPolicy(max_attempts=3, base_delay_seconds=0.002, max_delay_seconds=0.01),
            "rng": random.Random(7),
            **overrides,
        }
        model = BedrockLanguageModel(**arguments)
        models.append(model)
        return model

    yield make
    for model in models:
        model.close()
