"""An account's own status-push port and path (issue 9), edited in the account editor.

Accounts without them share the listener's port and the `/callbacks` prefix. Providers that do
not push (Kazoo, the sandbox) get the two fields disabled, with the reason said plainly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel, QLineEdit, QSpinBox, QWidget

if TYPE_CHECKING:
    from dialer.providers.base import Provider
    from dialer.ui.account_draft import Draft


class AccountCallbackFields:
    """The widgets (owned by the editor, laid out by it) and their link to a draft."""

    def __init__(self, parent: QWidget) -> None:
        self.port_spin = QSpinBox(parent)
        self.port_spin.setObjectName("accountCallbackPortSpin")
        self.port_spin.setAccessibleName("Status push port")
        self.port_spin.setRange(0, 65535)
        self.port_spin.setSpecialValueText("Shared port")  # 0: the preference's port
        self.port_spin.setToolTip(
            "A port of this account's own for its status pushes (e.g. one the PBX may reach); "
            "“Shared port” uses the one in Preferences"
        )
        self.path_edit = QLineEdit(parent)
        self.path_edit.setObjectName("accountCallbackPathEdit")
        self.path_edit.setAccessibleName("Status push path")
        self.path_edit.setPlaceholderText("callbacks")
        self.path_edit.setMaxLength(200)
        self.path_edit.setToolTip(
            "The path before the account's name in its callback URL, e.g. pbx/north: letters, "
            "digits and . _ ~ - in segments joined by /"
        )
        self.note = QLabel(parent)
        self.note.setObjectName("accountCallbackNote")
        self.note.setProperty("role", "help")
        self.note.setWordWrap(True)

    def load(self, draft: Draft, cls: type[Provider] | None) -> None:
        self.port_spin.setValue(draft.callback_port or 0)
        self.path_edit.setText(draft.callback_path)
        self.follow_provider(cls)

    def follow_provider(self, cls: type[Provider] | None) -> None:
        from dialer.services import callback_setup

        pushes = cls is not None and cls.name in callback_setup.PUSH_PROVIDERS
        self.port_spin.setEnabled(pushes)
        self.path_edit.setEnabled(pushes)
        if cls is None:
            self.note.setText("")
        elif pushes:
            self.note.setText(
                f"{cls.title} can report each call's outcome to the app: "
                f"{callback_setup.where_to_give(cls.name)}. Preferences show the URL."
            )
        else:
            self.note.setText(
                f"{cls.title} does not push call outcomes, so it needs no callback port or path."
            )

    def store(self, draft: Draft) -> None:
        draft.callback_port = self.port_spin.value() or None
        draft.callback_path = self.path_edit.text()
