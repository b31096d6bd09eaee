"""`dialer.domain.validation`: a ValidationError as "where: what", holding no frame."""

from __future__ import annotations

import gc
import weakref

import pytest
from pydantic import BaseModel, Field, ValidationError, model_validator

from dialer.domain import validation


class Holder:
    """Stands for a widget that validated a model in one of its methods."""

    def check(self, data: dict[str, object]) -> list[validation.Problem]:
        try:
            Pair.model_validate(data)
        except ValidationError as exc:
            found = validation.problems(exc)
        else:
            found = []
        return found


class Pair(BaseModel):
    low: int = Field(ge=0)
    high: int = 10

    @model_validator(mode="after")
    def _ordered(self) -> Pair:
        if self.low > self.high:
            raise ValueError("low must not exceed high")
        return self


def test_where_and_what_without_pydantics_prefix() -> None:
    with pytest.raises(ValidationError) as caught:
        Pair.model_validate({"low": -1})
    assert validation.problems(caught.value) == [
        validation.Problem(("low",), "Input should be greater than or equal to 0")
    ]
    with pytest.raises(ValidationError) as caught:
        Pair.model_validate({"low": 5, "high": 1})
    (rule,) = validation.problems(caught.value)
    assert rule == validation.Problem((), "low must not exceed high") and rule.where == ""
    assert validation.summary(caught.value) == "low must not exceed high"


def test_the_summary_joins_every_problem_on_one_line() -> None:
    with pytest.raises(ValidationError) as caught:
        Pair.model_validate({"low": "x", "high": "y"})
    assert validation.summary(caught.value) == (
        "low: Input should be a valid integer, unable to parse string as an integer; "
        "high: Input should be a valid integer, unable to parse string as an integer"
    )


def test_what_it_returns_keeps_no_frame_of_the_validation_alive() -> None:
    """A validator's ValueError (in the error's context) holds the whole stack's frames."""
    gc.disable()
    try:
        holder = Holder()
        found = holder.check({"low": 5, "high": 1})
        assert found[0].msg == "low must not exceed high"
        gone = weakref.ref(holder)
        del holder
        assert gone() is None
    finally:
        gc.enable()
