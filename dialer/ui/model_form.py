"""One form renderer for every provider's settings model, so adding a provider needs no UI code.

Each field of a pydantic model becomes an editor chosen by its type (bool → check box, int →
spin box with the field's limits, Literal/Enum → combo box, list[str] → comma-separated text,
anything else → JSON text), with the description as tooltip and help line. Validation is the
model's own, so the form, the CLI's `--set` and the provider agree on what is valid.

pydantic (and json, and Qt's enum namespace) are only imported inside methods: the main window
may import this module before its first paint, and pydantic alone costs ~50 ms there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QVBoxLayout, QWidget

from dialer.ui.model_fields import UNSET_TEXT, Field, field_label

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = ["UNSET_TEXT", "ModelForm", "field_label"]


class ModelForm(QWidget):
    """A QFormLayout of editors generated from a pydantic model.

    `values()` returns the values to store: every field whose value differs from the model's
    default, plus every field that was present in the `values` passed in (what the account had
    pinned stays pinned), plus required fields. Untouched defaults are left out, so a provider's
    later change of default reaches accounts that never chose otherwise.
    """

    #: Any editor changed (after the row's error line was refreshed).
    changed = Signal()

    def __init__(
        self,
        model: type[BaseModel],
        values: dict[str, Any],
        parent: QWidget | None = None,
        *,
        exclude: set[str] | frozenset[str] = frozenset(),
        secret_fields: set[str] | frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(parent)
        self.setObjectName("model_form")
        self.model = model
        self._fields: dict[str, Field] = {}
        self._errors: dict[str, QLabel] = {}
        self._hidden = {k: v for k, v in values.items() if k not in self._keys(model, exclude)}
        self._initial = set(values)

        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(16)
        layout.setVerticalSpacing(10)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        layout.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        from PySide6.QtCore import Qt  # here: the Qt namespace costs ~11 ms at first import

        layout.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for name, info in model.model_fields.items():
            if name in exclude:
                continue
            key = info.alias or name
            field = Field(name, key, info, name in secret_fields, self)
            self._fields[name] = field
            field.editor.setObjectName(f"field_{name}")
            caption = field_label(name, info)
            help_text = (info.description or "").strip()
            field.editor.setAccessibleName(caption)
            field.editor.setToolTip(f"{help_text}\n\nSetting: {key}" if help_text else key)
            if help_text:
                field.editor.setAccessibleDescription(help_text)
            cell = QWidget(self)
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            column.setSpacing(3)
            column.addWidget(field.editor)
            if help_text:
                help_label = QLabel(help_text, cell)
                help_label.setObjectName(f"help_{name}")
                help_label.setProperty("role", "help")
                help_label.setWordWrap(True)
                column.addWidget(help_label)
            error = QLabel(cell)
            error.setObjectName(f"error_{name}")
            error.setProperty("role", "error")
            error.setWordWrap(True)
            error.hide()
            column.addWidget(error)
            self._errors[name] = error
            # A check box carries its own caption (clicking it toggles); the column stays.
            self_labelled = isinstance(field.editor, QCheckBox)
            label = QLabel("" if self_labelled else caption + (" *" if field.required else ""))
            label.setParent(self)
            if not self_labelled:
                label.setBuddy(field.editor)
            label.setProperty("role", "field")
            layout.addRow(label, cell)
            field.set(values.get(key, values.get(name, field.default)))
            field.connect(self._edited)
        self._general = QLabel(self)
        self._general.setObjectName("model_form_error")
        self._general.setProperty("role", "error")
        self._general.setWordWrap(True)
        self._general.hide()
        layout.addRow(self._general)
        #: What `errors()` found last: every edit and `set_values` validates again.
        self._last_errors: list[str] | None = None

    @staticmethod
    def _keys(model: type[BaseModel], exclude: set[str] | frozenset[str]) -> set[str]:
        shown = {n: i for n, i in model.model_fields.items() if n not in exclude}
        return set(shown) | {i.alias for i in shown.values() if i.alias}

    # --- reading ------------------------------------------------------------------------------

    def field_names(self) -> list[str]:
        return list(self._fields)

    def editor(self, name: str) -> QWidget:
        return self._fields[name].editor

    def values(self) -> dict[str, Any]:
        """The shown fields' values to store (see the class docstring for which ones)."""
        result: dict[str, Any] = {}
        for name, field in self._fields.items():
            value = field.get()
            if (
                field.required
                or field.key in self._initial
                or name in self._initial
                or value != field.default
            ):
                result[field.key] = value
        return result

    def errors(self) -> list[str]:
        """Validate through the model; each problem is shown under its field and returned as
        "Caption: message". Excluded fields take the values that were passed in."""
        from pydantic import ValidationError

        from dialer.domain.validation import problems

        per_field: dict[str, list[str]] = {}
        general: list[str] = []
        values = self.values()
        by_key = {f.key: n for n, f in self._fields.items()}
        for name, field in self._fields.items():
            if field.problem:
                per_field.setdefault(name, []).append(field.problem)
        try:
            self.model.model_validate({**self._hidden, **values})
        except ValidationError as exc:
            for loc, message in problems(exc):
                owner = by_key.get(str(loc[0])) if loc else None
                if owner is None:
                    general.append(message)
                elif message not in per_field.get(owner, []):
                    per_field.setdefault(owner, []).append(message)
        result: list[str] = []
        for name, label in self._errors.items():
            text = "; ".join(per_field.get(name, []))
            label.setText(text)
            label.setVisible(bool(text))
            if text:
                result.append(f"{field_label(name, self._fields[name].info)}: {text}")
        self._general.setText("\n".join(general))
        self._general.setVisible(bool(general))
        self._last_errors = result + general
        return list(self._last_errors)

    def current_errors(self) -> list[str]:
        """`errors()` as of the last edit, without validating again: the form validates at
        every edit, and the main window asks at every keystroke and at the Call click."""
        if self._last_errors is None:
            return self.errors()
        return list(self._last_errors)

    def validated(self) -> BaseModel:
        """The model built from the form; raises pydantic's ValidationError if it is invalid."""
        return self.model.model_validate({**self._hidden, **self.values()})

    # --- writing ------------------------------------------------------------------------------

    def set_values(self, values: dict[str, Any]) -> None:
        """Show new values (others return to their defaults) without emitting `changed` per row."""
        self.blockSignals(True)
        try:
            for name, field in self._fields.items():
                field.set(values.get(field.key, values.get(name, field.default)))
        finally:
            self.blockSignals(False)
        self._initial = set(values)
        self.errors()
        self.changed.emit()

    def _edited(self, *_args: object) -> None:
        self.errors()
        self.changed.emit()
