"""Date-times in requests: ISO text in the years the spec states, or a 422 naming the field."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from recsvc.service.request_schemas import AssessmentUpdate


def _assessed_at(text: object) -> AssessmentUpdate:
    return AssessmentUpdate.model_validate({"skill_id": "S42", "level": 3.0, "assessed_at": text})


@pytest.mark.parametrize(
    "text", ["1970-01-01T00:00:00+03:00", "2026-03-02T09:15:00Z", "2999-12-31T23:59:59-12:00"]
)
def test_dates_in_the_stated_years_are_accepted(text: str) -> None:
    # a moment at either edge, whatever its offset, also exists in UTC
    moment = _assessed_at(text).assessed_at
    assert moment is not None and 1970 <= moment.year <= 2999


@pytest.mark.parametrize(
    "text", ["0001-01-01T00:16:00+03:00", "1969-12-31T23:59:59Z", "3000-01-01T00:00:00Z", 0]
)
def test_dates_outside_them_or_not_text_are_refused_naming_the_field(text: object) -> None:
    with pytest.raises(ValidationError) as info:
        _assessed_at(text)
    assert info.value.errors()[0]["loc"] == ("assessed_at",)
