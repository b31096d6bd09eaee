"""Account and caller-ID selectors, side by side.

Agents with several DIDs pick the caller ID per account and expect it to stick, so the last
choice per account is remembered (the window persists it; this widget only reports it). An
account whose provider has no caller-ID pool shows the selector disabled with the reason.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

if TYPE_CHECKING:
    from dialer.settings import Settings


class ChevronComboBox(QComboBox):
    """A combo box that draws its own arrow: the stylesheet hides Qt's, which a styled
    drop-down area would otherwise lose, and an image file would need shipping."""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        colour = QColor("#94a3b8" if self.isEnabled() else "#475569")
        painter.setPen(QPen(colour, 1.8))
        x, y = self.width() - 18.0, self.height() / 2.0
        painter.drawPolyline([QPointF(x - 4, y - 2), QPointF(x, y + 2), QPointF(x + 4, y - 2)])
        painter.end()


class AccountPicker(QWidget):
    account_changed = Signal(str)
    #: (account, caller ID): emitted only for a choice the user made, not for a restore.
    caller_id_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings: Settings | None = None
        self.account_selector = ChevronComboBox(self)
        self.account_selector.setObjectName("account_selector")
        self.caller_id_selector = ChevronComboBox(self)
        self.caller_id_selector.setObjectName("caller_id_selector")
        for combo in (self.account_selector, self.caller_id_selector):
            combo.setEnabled(False)
            combo.addItem("Loading…")
            combo.setMinimumContentsLength(12)
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
        self.account_selector.currentIndexChanged.connect(self._account_index_changed)
        self.caller_id_selector.activated.connect(self._caller_id_activated)

        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(12)
        grid.setVerticalSpacing(4)
        for column, (caption, combo) in enumerate(
            (("Account", self.account_selector), ("Caller ID", self.caller_id_selector))
        ):
            label = QLabel(caption, self)
            label.setProperty("role", "caption")
            label.setBuddy(combo)
            grid.addWidget(label, 0, column)
            grid.addWidget(combo, 1, column)
            grid.setColumnStretch(column, 1)

    def set_settings(self, settings: Settings) -> None:
        """Fill the account list from settings, the default account selected."""
        from PySide6.QtCore import Qt

        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        self._settings = settings
        combo = self.account_selector
        combo.blockSignals(True)
        combo.clear()
        for account in settings.accounts:
            try:
                title = registry.get(account.provider).title
            except ConfigError:
                title = f"unknown provider {account.provider!r}"
            combo.addItem(account.name, account.name)
            combo.setItemData(combo.count() - 1, title, Qt.ItemDataRole.ToolTipRole)
        combo.blockSignals(False)
        if not settings.accounts:
            combo.addItem("No accounts")
            combo.setEnabled(False)
            combo.setToolTip("Add one with: dialer accounts add NAME --provider PROVIDER")
            self._fill_caller_ids(None)
            return
        combo.setEnabled(True)
        combo.setToolTip("The provider account the call goes through")
        default = settings.account().name
        index = max(0, combo.findData(default))
        combo.setCurrentIndex(index)
        self._account_index_changed(index)

    def current_account(self) -> str | None:
        data = self.account_selector.currentData()
        return data if isinstance(data, str) else None

    def current_caller_id(self) -> str | None:
        data = self.caller_id_selector.currentData()
        return data if isinstance(data, str) else None

    def _account_index_changed(self, _index: int) -> None:
        name = self.current_account()
        self._fill_caller_ids(name)
        if name is not None:
            self.account_changed.emit(name)

    def _fill_caller_ids(self, account_name: str | None) -> None:
        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        combo = self.caller_id_selector
        combo.blockSignals(True)
        combo.clear()
        combo.blockSignals(False)
        settings = self._settings
        if settings is None or account_name is None or not settings.has_account(account_name):
            combo.addItem("—")
            combo.setEnabled(False)
            combo.setToolTip("Pick an account first")
            return
        account = settings.account(account_name)
        try:
            provider = registry.get(account.provider)
        except ConfigError as exc:
            combo.addItem("—")
            combo.setEnabled(False)
            combo.setToolTip(str(exc))
            return
        if not provider.capabilities.caller_id_pool:
            combo.addItem("Provider's choice")
            combo.setEnabled(False)
            combo.setToolTip(
                provider.missing_reasons.get(
                    "caller_id_pool", f"{provider.title} picks the caller ID itself"
                )
            )
            return
        if not account.caller_ids:
            combo.addItem("Provider's default")
            combo.setEnabled(False)
            combo.setToolTip(f"Account {account.name!r} has no caller IDs configured")
            return
        for caller_id in account.caller_ids:
            combo.addItem(caller_id, caller_id)
        remembered = settings.preferences.last_caller_id.get(account.name)
        index = combo.findData(remembered) if remembered else -1
        combo.setCurrentIndex(max(0, index))
        combo.setEnabled(True)
        combo.setToolTip("The number the customer sees")

    def _caller_id_activated(self, _index: int) -> None:
        account, caller_id = self.current_account(), self.current_caller_id()
        if account is not None and caller_id is not None:
            self.caller_id_chosen.emit(account, caller_id)
