"""What a pydantic `ValidationError` says, as plain text: where, and what.

By default `ValidationError.errors()` hands back each problem's context, and a validator's
own `ValueError` sits in it with its traceback: every frame that was on the stack when the
model was validated, and everything those frames hold (a form, the dialog around it). Kept
in a local (a loop variable), that is a reference cycle through the frame itself, freed only
when the cyclic collector next runs, wherever that happens to be: once it destroyed a
settings form from inside that form's own paint event, and the app crashed. Only the
location and the message are taken here, so no frame outlives the validation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["Problem", "problems", "summary"]


class Problem(NamedTuple):
    #: The field path, e.g. ("settings", "timeout"); empty for a rule on the whole model.
    loc: tuple[int | str, ...]
    #: The message without pydantic's "Value error, " prefix.
    msg: str

    @property
    def where(self) -> str:
        return ".".join(str(part) for part in self.loc)


def problems(exc: ValidationError) -> list[Problem]:
    return [
        Problem(tuple(err["loc"]), str(err["msg"]).removeprefix("Value error, "))
        for err in exc.errors(include_url=False, include_context=False, include_input=False)
    ]


def summary(exc: ValidationError) -> str:
    """ "where: what; where: what" for one line of text (the CLI, an error label)."""
    return "; ".join(f"{p.where}: {p.msg}" if p.loc else p.msg for p in problems(exc))
