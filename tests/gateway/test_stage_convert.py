"""The proto Stage ↔ the original's stage numbers, including the stage-2 sub-phase 21."""

from __future__ import annotations

import pytest

from mwf.v1 import types_pb2 as t
from rest_gateway import convert


@pytest.mark.parametrize(("proto", "original"), [
    (t.STAGE_UNSPECIFIED, None),
    (t.STAGE_ONBOARDING, 0),
    (t.STAGE_WITNESS, 1),
    (t.STAGE_PERSPECTIVE_STRETCH, 2),
    (t.STAGE_NEED_MAPPING, 3),
    (t.STAGE_STRATEGIC_REPAIR, 4),
    (t.STAGE_INFORMED_EMPATHY, 21),
])
def test_stage_numbers(proto: int, original: int | None) -> None:
    assert convert.stage(proto) == original


def test_informed_empathy_keeps_its_number() -> None:
    assert t.STAGE_INFORMED_EMPATHY == 21
    assert t.Stage.Name(21) == "STAGE_INFORMED_EMPATHY"
