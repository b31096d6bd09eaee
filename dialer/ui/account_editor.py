"""The editor of one account: provider, name, address, agent, caller IDs, the provider's own
options (a generic form from its settings model) and the secret.

It edits a `Draft`, not the saved `Account`, so half-typed values survive switching between
accounts and nothing reaches the settings file or the keyring until the dialog saves. The
checks are the provider's own `normalize_account`, shown next to the field they concern.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from dialer.ui.account_draft import Draft, check_draft
from dialer.ui.account_picker import ChevronComboBox
from dialer.ui.account_secret import SecretAndTest
from dialer.ui.caller_id_list import CallerIdList
from dialer.ui.model_form import ModelForm

if TYPE_CHECKING:
    import httpx

    from dialer.providers.base import Provider
    from dialer.settings import Account
    from dialer.ui.kazoo_endpoints import EndpointsSection

__all__ = ["AccountEditor"]


class AccountEditor(QWidget):
    """Edits one draft at a time; `changed` after every edit, with the draft already updated."""

    changed = Signal()
    #: The provider shown changed (its name): extra sections (Kazoo endpoints) attach here.
    extra_changed = Signal(str)

    def __init__(
        self,
        providers: dict[str, type[Provider]],
        client: httpx.AsyncClient,
        region: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("account_editor")
        self._providers = providers
        self.region = region
        self._draft: Draft | None = None
        self._taken: set[str] = set()
        self._loading = False
        self._errors: dict[str, QLabel] = {}
        self._captions: list[QLabel] = []

        self.account_provider = ChevronComboBox(self)
        self.account_provider.setObjectName("account_provider")
        self.account_provider.setAccessibleName("Provider")
        self.account_provider.setToolTip("The telephony service this account belongs to")
        for name, cls in providers.items():
            self.account_provider.addItem(cls.title, name)
        self.account_name = self._line("account_name", "Name", "e.g. Sales team", 64)
        self.account_default = QCheckBox("Use for new calls by default", self)
        self.account_default.setObjectName("account_default")
        self.account_default.setAccessibleName("Default account")
        self.account_base_url = self._line("account_base_url", "Base URL", "", 2048)
        # Created in layout order: the Tab key follows creation order.
        self.secret = SecretAndTest(client, self)
        self.account_secret = self.secret.account_secret
        self.test_connection_button = self.secret.test_connection_button
        self.test_connection_result = self.secret.test_connection_result
        self.account_agent = self._line("account_agent", "Agent", "", 128)
        self.caller_ids = CallerIdList(self)
        self.account_calling_hours = self._line(
            "account_calling_hours", "Calling hours", "any time", 16
        )
        self.account_calling_hours.setToolTip(
            "When calls may ring, in the called person's local time, e.g. 09:00-21:00 "
            "(a window may wrap midnight: 22:00-06:00). Empty: any time. Outside it the Call "
            "button asks first."
        )
        from dialer.ui.callback_account import AccountCallbackFields

        self.callback = AccountCallbackFields(self)  # issue 9: its own push port and path
        self.form: ModelForm | None = None
        self._form_holder = QVBoxLayout()
        self._form_holder.setContentsMargins(0, 0, 0, 0)
        self._general_error = self._error_label("account_error")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 8, 0)
        layout.setSpacing(6)
        layout.addWidget(self._general_error)
        account = self._section(layout, "Account")
        account.addRow(self._caption("Provider", self.account_provider), self.account_provider)
        account.addRow(self._caption("Name", self.account_name), self._cell(self.account_name))
        account.addRow("", self.account_default)
        connection = self._section(layout, "Connection")
        connection.addRow(
            self._caption("Base URL", self.account_base_url), self._cell(self.account_base_url)
        )
        connection.addRow(self._caption("Secret", self.account_secret), self.secret)
        calling = self._section(layout, "Calling")
        self._agent_caption = self._caption("Agent", self.account_agent)
        calling.addRow(self._agent_caption, self._cell(self.account_agent))
        calling.addRow(
            self._caption("Caller IDs", self.caller_ids.account_caller_ids),
            self._cell(self.caller_ids, "caller_ids"),
        )
        calling.addRow(
            self._caption("Calling hours", self.account_calling_hours),
            self._cell(self.account_calling_hours),
        )
        pushes = self._section(layout, "Status pushes")
        pushes.addRow(
            self._caption("Port", self.callback.port_spin),
            self._cell(self.callback.port_spin, "callback_port"),
        )
        pushes.addRow(
            self._caption("Path", self.callback.path_edit),
            self._cell(self.callback.path_edit, "callback_path"),
        )
        pushes.addRow("", self.callback.note)
        self._options_title = QLabel("Provider options", self)
        self._options_title.setProperty("role", "section")
        layout.addWidget(self._options_title)
        layout.addLayout(self._form_holder)
        #: Provider-specific tools (Kazoo endpoints; see `_show_extras`).
        self.kazoo_endpoints: EndpointsSection | None = None
        self.extra_holder = QVBoxLayout()
        self.extra_holder.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.extra_holder)
        layout.addStretch(1)

        self.account_provider.currentIndexChanged.connect(self._provider_changed)
        for line in (
            self.account_name,
            self.account_base_url,
            self.account_agent,
            self.account_calling_hours,
        ):
            line.textChanged.connect(self._edited)
        self.account_default.toggled.connect(self._edited)
        self.caller_ids.changed.connect(self._edited)
        self.callback.port_spin.valueChanged.connect(self._edited)
        self.callback.path_edit.textChanged.connect(self._edited)
        self.secret.secret_edited.connect(self._edited)
        self.secret.account_needed = self.account_to_test

    # --- building -----------------------------------------------------------------------------

    def _line(self, name: str, accessible: str, placeholder: str, max_length: int) -> QLineEdit:
        line = QLineEdit(self)
        line.setObjectName(name)
        line.setAccessibleName(accessible)
        line.setPlaceholderText(placeholder)
        line.setMaxLength(max_length)
        return line

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text, self)
        label.setProperty("role", "field")
        label.setBuddy(buddy)
        self._captions.append(label)
        return label

    def _error_label(self, name: str) -> QLabel:
        label = QLabel(self)
        label.setObjectName(name)
        label.setProperty("role", "error")
        label.setWordWrap(True)
        label.hide()
        return label

    def _cell(self, editor: QWidget, key: str | None = None) -> QWidget:
        """The editor with its error line underneath."""
        key = key or editor.objectName().removeprefix("account_")
        cell = QWidget(self)
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(3)
        column.addWidget(editor)
        error = self._error_label(f"account_{key}_error")
        column.addWidget(error)
        self._errors[key] = error
        return cell

    def _section(self, layout: QVBoxLayout, title: str) -> QFormLayout:
        label = QLabel(title, self)
        label.setProperty("role", "section")
        layout.addWidget(label)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.setVerticalSpacing(8)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout.addLayout(form)
        return form

    # --- loading and reading ------------------------------------------------------------------

    def load(self, draft: Draft | None, taken: set[str] | None = None) -> None:
        """Show a draft (None: nothing selected); `taken` are the other accounts' names."""
        self._draft, self._taken = draft, taken or set()
        self.setEnabled(draft is not None)
        self.secret.reset()
        if draft is None:
            return
        self._loading = True
        try:
            index = self.account_provider.findData(draft.provider)
            if index < 0:  # a provider that is no longer installed: show it, unselectable
                self.account_provider.addItem(f"{draft.provider} (not installed)", draft.provider)
                index = self.account_provider.count() - 1
            self.account_provider.setCurrentIndex(index)
            self.account_name.setText(draft.name)
            self.account_default.setChecked(draft.default)
            self.account_base_url.setText(draft.base_url)
            self.account_agent.setText(draft.agent)
            self.caller_ids.set_items(draft.caller_ids)
            self.account_calling_hours.setText(self._hours_shown(draft))
            self.callback.load(draft, self._provider())
            self.secret.load(draft, self._provider())
            self._rebuild_form()
        finally:
            self._loading = False
        self.validate()

    @staticmethod
    def _hours_shown(draft: Draft) -> str:
        """A new account shows the window it will get (the model's default for its provider)."""
        if draft.calling_hours is not None:
            return draft.calling_hours
        from dialer.settings import Account
        from dialer.ui.account_draft import hours_text

        default = Account(name="new", provider=draft.provider).calling_hours
        return hours_text(default)

    def current_draft(self) -> Draft | None:
        return self._draft

    def _provider(self) -> type[Provider] | None:
        return self._providers.get(str(self.account_provider.currentData()))

    def _provider_changed(self, _index: int) -> None:
        if self._loading or self._draft is None:
            return
        before = self._hours_shown(Draft(provider=self._draft.provider))
        self._draft.provider = str(self.account_provider.currentData())
        if self._draft.original is None and self.account_calling_hours.text() == before:
            # A new account still showing its provider's default window takes the new one's.
            self._loading = True
            self.account_calling_hours.setText(self._hours_shown(Draft(self._draft.provider)))
            self._loading = False
        self.callback.follow_provider(self._provider())
        self.secret.load(self._draft, self._provider())
        self._rebuild_form()
        self._edited()

    def _rebuild_form(self) -> None:
        """A fresh form for the provider's model, keeping the values it still knows."""
        if self.form is not None:
            self.form.hide()
            self.form.setObjectName("")  # gone for findChild now, not at the deferred delete
            self.form.deleteLater()
            self.form = None
        cls = self._provider()
        draft = self._draft
        assert draft is not None
        self.account_base_url.setPlaceholderText(
            (cls.default_base_url if cls else "") or "Provider's default"
        )
        self.account_agent.setPlaceholderText("The agent's phone (e.g. +91 98000 00001) or id")
        self.caller_ids.set_capability(cls)
        if cls is None:
            self._options_title.hide()
            return
        secrets = cls.secret_fields()
        known = set(cls.settings_model.model_fields)
        draft.settings = {k: v for k, v in draft.settings.items() if k in known}
        self.form = ModelForm(
            cls.settings_model, draft.settings, self, exclude=secrets, secret_fields=secrets
        )
        self.form.setObjectName("account_settings_form")
        self.form.changed.connect(self._edited)
        self._options_title.setVisible(bool(self.form.field_names()))
        self._form_holder.addWidget(self.form)
        self._show_extras(cls.name)
        self._align_captions()
        self._chain_tab_order()
        self.extra_changed.emit(cls.name)

    def _show_extras(self, provider: str) -> None:
        """Provider-specific account tools (Kazoo's endpoints), created on first need."""
        from dialer.ui import kazoo_endpoints

        kazoo = provider == "kazoo"
        if kazoo and self.kazoo_endpoints is None:
            self.kazoo_endpoints = kazoo_endpoints.EndpointsSection(
                self.secret.provider, self.caller_ids, self
            )
            self.extra_holder.addWidget(self.kazoo_endpoints)
        if self.kazoo_endpoints is not None:
            self.kazoo_endpoints.reset()
            self.kazoo_endpoints.setVisible(kazoo)
        # Kazoo refuses an agent (the endpoint's extension rings first): say so, unless one
        # is already there to be cleared.
        no_agent = kazoo and not self.account_agent.text()
        self.account_agent.setEnabled(not no_agent)
        self.account_agent.setToolTip(kazoo_endpoints.AGENT_NOTE if kazoo else "")

    def _chain_tab_order(self) -> None:
        """Widgets made after the dialog's buttons (the form, Kazoo's tools) would come last on
        Tab; put them where they are on screen, after the caller IDs."""
        previous: QWidget = self.caller_ids.account_caller_id_remove
        later: list[QWidget] = [
            self.account_calling_hours,
            self.callback.port_spin,
            self.callback.path_edit,
        ]
        if self.form is not None:
            later += [self.form.editor(name) for name in self.form.field_names()]
        if self.kazoo_endpoints is not None:
            later += self.kazoo_endpoints.tab_stops()
        for widget in later:
            QWidget.setTabOrder(previous, widget)
            previous = widget

    def _align_captions(self) -> None:
        """One caption column for the sections, the provider's form and the extra tools,
        whatever the font and scale (the old form, awaiting deletion, is not counted)."""
        holders: list[QWidget] = [w for w in (self.form, self.kazoo_endpoints) if w is not None]
        captions = list(self._captions)
        for holder in holders:
            if not holder.isHidden() or holder is self.form:
                captions += [
                    label
                    for label in holder.findChildren(QLabel)
                    if label.property("role") == "field"
                ]
        width = max((label.sizeHint().width() for label in captions), default=0)
        for label in captions:
            label.setMinimumWidth(width)

    def _edited(self, *_args: object) -> None:
        if self._loading or self._draft is None:
            return
        draft = self._draft
        draft.name = self.account_name.text()
        draft.default = self.account_default.isChecked()
        draft.base_url = self.account_base_url.text()
        draft.agent = self.account_agent.text()
        draft.caller_ids = self.caller_ids.items()
        draft.calling_hours = self.account_calling_hours.text()
        draft.secret = self.account_secret.text()
        self.callback.store(draft)
        if self.form is not None:
            draft.settings = self.form.values()
        self.validate()
        self.changed.emit()

    # --- checking -----------------------------------------------------------------------------

    def validate(self) -> list[str]:
        """The draft's problems, each also shown under its field; [] when it can be saved."""
        form_errors = self.form.errors() if self.form is not None else []
        problems: dict[str, str] = {}
        general: list[str] = []
        if self._draft is not None:
            # With form errors showing, the provider's own check would only repeat them.
            problems, general = check_draft(
                self._draft, self._provider(), self.region, self._taken, settings=not form_errors
            )
        for key, label in self._errors.items():
            label.setText(problems.get(key, ""))
            label.setVisible(key in problems)
        self._general_error.setText("\n".join(general))
        self._general_error.setVisible(bool(general))
        return [f"{k.replace('_', ' ')}: {v}" for k, v in problems.items()] + form_errors + general

    def account_to_test(self) -> tuple[Account, type[Provider]]:
        """The account as typed, checked like Save checks it (raises with the reason)."""
        from dialer.domain.errors import ConfigError

        draft, cls = self._draft, self._provider()
        if draft is None or cls is None:
            raise ConfigError("pick an installed provider first")
        problems = self.form.errors() if self.form is not None else []
        if problems:
            raise ConfigError(f"fix the provider options first: {problems[0]}")
        account = draft.to_account(cls.secret_fields())
        return cls.normalize_account(account, self.region), cls

    def set_region(self, region: str) -> None:
        self.region = region
        with contextlib.suppress(RuntimeError):
            self.validate()

    def focus_first_error(self) -> None:
        for key, label in self._errors.items():
            if label.isVisible():
                widget = self.findChild(QWidget, f"account_{key}")
                if widget is not None:
                    widget.setFocus(Qt.FocusReason.OtherFocusReason)
                return
