"""The generic settings form: every field type gets the right editor, limits and help, and the
model's own validation decides what is valid."""

from __future__ import annotations

import enum
from typing import Literal, TypeVar

import pytest
from pydantic import BaseModel, ConfigDict, Field, model_validator
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)
from pytestqt.qtbot import QtBot

from dialer.providers.base import validate_settings
from dialer.providers.sandbox import SandboxProvider, SandboxSettings
from dialer.ui.model_form import UNSET_TEXT, ModelForm

W = TypeVar("W", bound=QWidget)


class Colour(enum.Enum):
    RED = "red"
    GREEN = "green"


class Everything(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=20, description="Required text.")
    enabled: bool = Field(default=True, description="A switch.")
    ring: int = Field(default=30, ge=5, le=120, description="Seconds to ring.")
    ratio: float = Field(default=0.5, ge=0.05, le=2, description="A fraction.")
    mode: Literal["fast", "slow"] = Field(default="fast", description="How.")
    colour: Colour = Colour.RED
    timeout: int | None = Field(default=None, ge=1, le=600, description="Empty: no limit.")
    label: str | None = None
    pick: Literal["a", "b"] | None = None
    maybe: bool | None = None
    tags: list[str] = Field(default_factory=list, description="Free tags.")
    extra: dict[str, str] = Field(default_factory=dict, description="A JSON object.")
    token: str | None = Field(default=None, json_schema_extra={"secret": True})

    @model_validator(mode="after")
    def _not_both(self) -> Everything:
        if self.label and self.pick:
            raise ValueError("give a label or a pick, not both")
        return self


def make(
    qtbot: QtBot,
    model: type[BaseModel],
    values: dict[str, object],
    *,
    exclude: frozenset[str] | set[str] = frozenset(),
    secret_fields: frozenset[str] | set[str] = frozenset(),
) -> ModelForm:
    form = ModelForm(model, values, exclude=exclude, secret_fields=secret_fields)
    qtbot.addWidget(form)
    return form


def find(form: QWidget, kind: type[W], name: str) -> W:
    widget = form.findChild(kind, f"field_{name}")
    assert isinstance(widget, kind), name
    return widget


def test_every_type_gets_its_editor_limits_and_help(qtbot: QtBot) -> None:
    form = make(qtbot, Everything, {"name": "Ann"}, secret_fields={"token"})

    assert isinstance(find(form, QCheckBox, "enabled"), QCheckBox)
    ring = find(form, QSpinBox, "ring")
    assert isinstance(ring, QSpinBox)
    assert (ring.minimum(), ring.maximum(), ring.value()) == (5, 120, 30)
    ratio = find(form, QDoubleSpinBox, "ratio")
    assert isinstance(ratio, QDoubleSpinBox)
    assert ratio.minimum() == pytest.approx(0.05) and ratio.maximum() == pytest.approx(2)
    mode = find(form, QComboBox, "mode")
    assert isinstance(mode, QComboBox)
    assert [mode.itemText(i) for i in range(mode.count())] == ["fast", "slow"]
    colour = find(form, QComboBox, "colour")
    assert isinstance(colour, QComboBox)
    assert [colour.itemText(i) for i in range(colour.count())] == ["red", "green"]
    pick = find(form, QComboBox, "pick")
    assert isinstance(pick, QComboBox)
    assert pick.itemText(0) == UNSET_TEXT and pick.currentIndex() == 0
    maybe = find(form, QComboBox, "maybe")
    assert isinstance(maybe, QComboBox)
    assert [maybe.itemText(i) for i in range(maybe.count())] == [UNSET_TEXT, "Yes", "No"]
    timeout = find(form, QSpinBox, "timeout")
    assert isinstance(timeout, QSpinBox)
    assert timeout.text() == UNSET_TEXT and timeout.maximum() == 600
    name = find(form, QLineEdit, "name")
    assert isinstance(name, QLineEdit)
    assert name.maxLength() == 20 and name.text() == "Ann"
    token = find(form, QLineEdit, "token")
    assert isinstance(token, QLineEdit)
    assert token.echoMode() is QLineEdit.EchoMode.Password
    assert isinstance(find(form, QLineEdit, "tags"), QLineEdit)
    assert isinstance(find(form, QLineEdit, "extra"), QLineEdit)

    # Help from the description: tooltip, accessible description, and a visible line.
    assert "Seconds to ring." in ring.toolTip() and "ring" in ring.toolTip()
    assert ring.accessibleName() == "Ring"
    assert ring.accessibleDescription() == "Seconds to ring."
    help_label = form.findChild(QLabel, "help_ring")
    assert help_label is not None and help_label.text() == "Seconds to ring."
    for field in form.field_names():
        assert form.editor(field).accessibleName()


def test_values_are_only_what_differs_or_was_set(qtbot: QtBot) -> None:
    form = make(qtbot, Everything, {"name": "Ann", "ring": 30})
    # Required fields and fields passed in stay; untouched defaults are left out.
    assert form.values() == {"name": "Ann", "ring": 30}

    with qtbot.waitSignal(form.changed):
        find(form, QCheckBox, "enabled").click()
    find(form, QDoubleSpinBox, "ratio").setValue(1.25)
    find(form, QComboBox, "mode").setCurrentIndex(1)
    find(form, QComboBox, "colour").setCurrentIndex(1)
    find(form, QSpinBox, "timeout").setValue(90)
    find(form, QComboBox, "maybe").setCurrentIndex(2)
    find(form, QLineEdit, "tags").setText(" a, b ,, c ")
    find(form, QLineEdit, "extra").setText('{"team": "north"}')
    assert form.values() == {
        "name": "Ann",
        "ring": 30,
        "enabled": False,
        "ratio": 1.25,
        "mode": "slow",
        "colour": Colour.GREEN,
        "timeout": 90,
        "maybe": False,
        "tags": ["a", "b", "c"],
        "extra": {"team": "north"},
    }
    assert form.errors() == []
    model = form.validated()
    assert isinstance(model, Everything) and model.tags == ["a", "b", "c"]

    # Back to "not set": an optional spin box at its special value means None.
    timeout = find(form, QSpinBox, "timeout")
    timeout.setValue(timeout.minimum())
    assert "timeout" not in form.values()


def test_initial_values_are_shown(qtbot: QtBot) -> None:
    form = make(
        qtbot,
        Everything,
        {"name": "Bo", "colour": "green", "timeout": 45, "tags": ["x", "y"], "extra": {"k": "v"}},
    )
    assert find(form, QComboBox, "colour").currentText() == "green"
    assert find(form, QSpinBox, "timeout").value() == 45
    assert find(form, QLineEdit, "tags").text() == "x, y"
    assert find(form, QLineEdit, "extra").text() == '{"k": "v"}'
    assert form.errors() == []


def test_errors_come_from_the_model_and_show_next_to_the_field(qtbot: QtBot) -> None:
    form = make(qtbot, Everything, {"name": "Ann"})
    form.show()
    name = find(form, QLineEdit, "name")
    name.setText("A")
    error = form.findChild(QLabel, "error_name")
    assert error is not None and error.isVisible()
    assert "at least 2 characters" in error.text()

    find(form, QLineEdit, "extra").setText("{oops")
    problems = form.errors()
    assert any(p.startswith("Name: ") for p in problems)
    assert any(p.startswith("Extra: not valid JSON") for p in problems)

    name.setText("Ann")
    find(form, QLineEdit, "extra").setText("")
    assert not error.isVisible()
    # A model-level rule has no field: it shows under the form.
    find(form, QLineEdit, "label").setText("x")
    find(form, QComboBox, "pick").setCurrentIndex(1)
    assert form.errors() == ["give a label or a pick, not both"]
    general = form.findChild(QLabel, "model_form_error")
    assert general is not None and general.isVisible()


def test_current_errors_follow_every_kind_of_edit_without_validating_again(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The main window asks at every keystroke and at the Call click: the answer is the last
    edit's validation, and every editor kind (text, spin box, combo, check box) and
    `set_values` keep it current."""
    form = make(qtbot, Everything, {"name": "Ann"})
    assert form.current_errors() == []
    validations = 0
    validate = Everything.model_validate

    def counting(data: object) -> BaseModel:
        nonlocal validations
        validations += 1
        return validate(data)

    monkeypatch.setattr(Everything, "model_validate", counting)
    find(form, QLineEdit, "name").setText("A")
    assert validations == 1
    assert [p.split(":")[0] for p in form.current_errors()] == ["Name"]
    assert [p.split(":")[0] for p in form.current_errors()] == ["Name"]
    assert validations == 1  # asked twice, validated once: at the edit
    find(form, QLineEdit, "name").setText("Ann")
    assert form.current_errors() == []
    find(form, QSpinBox, "timeout").setValue(1)
    find(form, QComboBox, "pick").setCurrentIndex(1)
    find(form, QLineEdit, "label").setText("x")
    assert form.current_errors() == ["give a label or a pick, not both"]
    find(form, QComboBox, "pick").setCurrentIndex(0)
    assert form.current_errors() == []
    find(form, QCheckBox, "enabled").setChecked(False)
    find(form, QLineEdit, "extra").setText("{oops")
    assert form.current_errors()[0].startswith("Extra: not valid JSON")
    form.set_values({"name": "Bo"})
    assert form.current_errors() == []


def test_a_failed_validation_keeps_no_frame_and_so_no_form_alive(qtbot: QtBot) -> None:
    """A validator's ValueError carries its traceback, and with it every frame of the stack
    (the form's own methods, and what called them). Nothing may keep it: the form then dies by
    reference count when dropped, never in a cyclic collection run inside a later paint event
    (it did, and PySide6 crashed painting the half-destroyed form)."""
    import gc
    import weakref

    def fill() -> weakref.ref[ModelForm]:
        form = ModelForm(Everything, {"name": "Ann"})
        find(form, QLineEdit, "label").setText("x")
        find(form, QComboBox, "pick").setCurrentIndex(1)
        assert "give a label or a pick, not both" in form.errors()
        return weakref.ref(form)

    gc.disable()
    try:
        gone = fill()
        assert gone() is None
    finally:
        gc.enable()


def test_excluded_fields_are_not_shown_but_kept_for_validation(qtbot: QtBot) -> None:
    form = make(qtbot, Everything, {"name": "Ann", "token": "t"}, exclude={"token", "name"})
    assert form.findChild(QLineEdit, "field_token") is None
    assert "name" not in form.field_names()
    assert form.errors() == []
    assert "token" not in form.values()


def test_the_sandbox_settings_render_and_validate_like_the_cli(qtbot: QtBot) -> None:
    secrets = SandboxProvider.secret_fields()
    form = make(qtbot, SandboxSettings, {"max_ring_time": 45}, exclude=secrets)
    assert form.field_names() == ["recording", "max_ring_time", "crm_username"]
    ring = find(form, QSpinBox, "max_ring_time")
    assert (ring.minimum(), ring.maximum(), ring.value()) == (5, 120, 45)
    recording = find(form, QCheckBox, "recording")
    assert recording.isChecked()
    qtbot.keyClick(recording, Qt.Key.Key_Space)
    crm = find(form, QLineEdit, "crm_username")
    qtbot.keyClicks(crm, "agent-7")
    values = form.values()
    assert values == {"max_ring_time": 45, "recording": False, "crm_username": "agent-7"}
    validate_settings(SandboxSettings, values)  # what the CLI and the provider accept


def test_tab_order_follows_the_rows(qtbot: QtBot) -> None:
    form = make(qtbot, SandboxSettings, {})
    order: list[str] = []
    widget: QWidget | None = form.editor("recording")
    while widget is not None and len(order) < 3:
        if widget.objectName().startswith("field_"):
            order.append(widget.objectName())
        widget = widget.nextInFocusChain()
    assert order == ["field_recording", "field_max_ring_time", "field_crm_username"]
