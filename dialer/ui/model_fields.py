"""The editors of `ModelForm`: which widget a pydantic field gets, and how a value goes in
and out of it. Limits come from the field's own constraints (ge/le, max_length), so the form
cannot offer what the model would refuse.
"""

from __future__ import annotations

import enum
import types
import typing
from typing import TYPE_CHECKING, Any, Literal, Union

from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import (
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from dialer.ui.account_picker import ChevronComboBox

if TYPE_CHECKING:
    from pydantic.fields import FieldInfo

__all__ = ["UNSET_TEXT", "Field", "field_label"]

_INT_MAX = 2_147_483_647
_FLOAT_MAX = 1e9
#: Shown by an optional number box at its "no value" position, and by optional combos.
UNSET_TEXT = "— (not set)"
Kind = Literal["bool", "int", "float", "str", "choice", "list", "json"]


def _paint_chevrons(box: QAbstractSpinBox) -> None:
    """Up and down chevrons in the step buttons: the stylesheet hides Qt's arrows (a styled
    box loses them) and an arrow image would need a file shipped; see ChevronComboBox."""
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QColor, QPainter, QPen

    painter = QPainter(box)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("#94a3b8" if box.isEnabled() else "#475569"), 1.6))
    x, h = box.width() - 14.0, float(box.height())
    for y, d in ((h * 0.32, -1.0), (h * 0.68, 1.0)):
        painter.drawPolyline(
            [
                QPointF(x - 3.5, y - 1.75 * d),
                QPointF(x, y + 1.75 * d),
                QPointF(x + 3.5, y - 1.75 * d),
            ]
        )
    painter.end()


class ChevronSpinBox(QSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lineEdit().setTextMargins(6, 0, 0, 0)  # the box's padding does not reach it

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        _paint_chevrons(self)


class ChevronDoubleSpinBox(QDoubleSpinBox):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lineEdit().setTextMargins(6, 0, 0, 0)  # the box's padding does not reach it

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        _paint_chevrons(self)


def field_label(name: str, info: FieldInfo) -> str:
    """The row caption: the model's title, else the documented parameter name made readable."""
    return info.title or name.replace("_", " ").strip().capitalize()


def _analyse(annotation: Any) -> tuple[Kind, bool, list[Any]]:
    """(editor kind, whether None is allowed, choices) for a field's type."""
    optional = False
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) < len(typing.get_args(annotation))
        if len(args) != 1:
            return "json", optional, []
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is Literal:
        return "choice", optional, list(typing.get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "choice", optional, list(annotation)
    if annotation is bool:
        return "bool", optional, []
    if annotation is int:
        return "int", optional, []
    if annotation is float:
        return "float", optional, []
    if annotation is str:
        return "str", optional, []
    if origin in (list, tuple, set, frozenset) and typing.get_args(annotation)[:1] == (str,):
        return "list", optional, []
    return "json", optional, []


def _limit(info: FieldInfo, name: str) -> Any:
    for item in info.metadata:
        value = getattr(item, name, None)
        if value is not None:
            return value
    return None


def _choice_text(value: Any) -> str:
    return str(value.value) if isinstance(value, enum.Enum) else str(value)


class Field:
    """One row: the editor and how to read and write a Python value through it."""

    def __init__(self, name: str, key: str, info: FieldInfo, secret: bool, parent: QWidget) -> None:
        from pydantic_core import PydanticUndefined

        self.name, self.key, self.info = name, key, info
        self.kind, self.optional, self.choices = _analyse(info.annotation)
        default = info.get_default(call_default_factory=True)
        self.required = default is PydanticUndefined
        self.default: Any = None if self.required else default
        self.problem: str | None = None  # a local parse problem (e.g. bad JSON)
        self.editor = self._make_editor(secret, parent)

    def _make_editor(self, secret: bool, parent: QWidget) -> QWidget:
        kind, info = self.kind, self.info
        if kind == "bool" and not self.optional:
            return QCheckBox(field_label(self.name, info), parent)
        if kind == "choice" or kind == "bool":
            combo = ChevronComboBox(parent)
            if self.optional:
                combo.addItem(UNSET_TEXT)
            for choice in self.choices if kind == "choice" else ["Yes", "No"]:
                combo.addItem(_choice_text(choice))
            return combo
        if kind == "int":
            spin = ChevronSpinBox(parent)
            ge, gt = _limit(info, "ge"), _limit(info, "gt")
            le, lt = _limit(info, "le"), _limit(info, "lt")
            low = int(ge) if ge is not None else int(gt) + 1 if gt is not None else -_INT_MAX + 1
            high = int(le) if le is not None else int(lt) - 1 if lt is not None else _INT_MAX
            spin.setRange(low - 1 if self.optional else low, high)
            if self.optional:
                spin.setSpecialValueText(UNSET_TEXT)
            return spin
        if kind == "float":
            dspin = ChevronDoubleSpinBox(parent)
            ge, gt = _limit(info, "ge"), _limit(info, "gt")
            le, lt = _limit(info, "le"), _limit(info, "lt")
            flo = float(ge if ge is not None else gt if gt is not None else -_FLOAT_MAX)
            fhi = float(le if le is not None else lt if lt is not None else _FLOAT_MAX)
            decimals = max(2, len(repr(flo).partition(".")[2]) if abs(flo) < _FLOAT_MAX else 2)
            step = 10.0**-decimals
            dspin.setDecimals(decimals)
            dspin.setSingleStep(0.5 if fhi - flo >= 5 else step)
            dspin.setRange(flo - step if self.optional else flo, fhi)
            if self.optional:
                dspin.setSpecialValueText(UNSET_TEXT)
            return dspin
        line = QLineEdit(parent)
        if kind == "str":
            max_length = _limit(info, "max_length")
            if max_length is not None:
                line.setMaxLength(int(max_length))
            if secret:
                line.setEchoMode(QLineEdit.EchoMode.Password)
        elif kind == "list":
            line.setPlaceholderText("comma-separated, e.g. a, b")
        else:
            line.setPlaceholderText("JSON, e.g. {}" if self.default == {} else "JSON")
        if self.optional and kind == "str":
            line.setPlaceholderText("not set")
        return line

    def connect(self, slot: Any) -> None:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            editor.toggled.connect(slot)
        elif isinstance(editor, QComboBox):
            editor.currentIndexChanged.connect(slot)
        elif isinstance(editor, QSpinBox | QDoubleSpinBox):
            editor.valueChanged.connect(slot)
        elif isinstance(editor, QLineEdit):
            editor.textChanged.connect(slot)

    def set(self, value: Any) -> None:
        editor = self.editor
        if isinstance(editor, QCheckBox):
            editor.setChecked(bool(value))
        elif isinstance(editor, QComboBox):
            offset = 1 if self.optional else 0
            if value is None:
                editor.setCurrentIndex(0)
            elif self.kind == "bool":
                editor.setCurrentIndex(offset + (0 if value else 1))
            else:
                texts = [_choice_text(c) for c in self.choices]
                text = _choice_text(value)
                editor.setCurrentIndex(offset + texts.index(text) if text in texts else 0)
        elif isinstance(editor, QSpinBox):
            editor.setValue(editor.minimum() if value is None else int(value))
        elif isinstance(editor, QDoubleSpinBox):
            editor.setValue(editor.minimum() if value is None else float(value))
        elif isinstance(editor, QLineEdit):
            editor.setText(self._text_of(value))

    def _text_of(self, value: Any) -> str:
        if value is None:
            return ""
        if self.kind == "list" and isinstance(value, list | tuple | set | frozenset):
            return ", ".join(str(v) for v in value)
        if self.kind == "json" and not isinstance(value, str):
            import json

            return "" if value == self.default and not value else json.dumps(value)
        return str(value)

    def get(self) -> Any:
        """The editor's value as Python; an unparseable text is returned as typed (the model
        then says what is wrong) and noted in `problem`."""
        editor = self.editor
        self.problem = None
        if isinstance(editor, QCheckBox):
            return editor.isChecked()
        if isinstance(editor, QComboBox):
            index = editor.currentIndex() - (1 if self.optional else 0)
            if index < 0:
                return None
            if self.kind == "bool":
                return index == 0
            return self.choices[index]
        if isinstance(editor, QSpinBox | QDoubleSpinBox):
            if self.optional and editor.value() == editor.minimum():
                return None
            return editor.value()
        assert isinstance(editor, QLineEdit)
        text = editor.text()
        if self.kind == "str":
            return None if self.optional and not text else text
        if self.kind == "list":
            items = [part.strip() for part in text.split(",") if part.strip()]
            return None if self.optional and not items else items
        if not text.strip():
            return None if self.optional else self.default
        import json

        try:
            return json.loads(text)
        except ValueError:
            self.problem = "not valid JSON"
            return text
