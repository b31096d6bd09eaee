"""Account and caller-ID selectors, side by side.

Agents with several DIDs pick the caller ID per account and expect it to stick, so the last
choice per account is remembered (the window persists it; this widget only reports it). An
account whose provider has no caller-ID pool shows the selector disabled with the reason. A
provider that can pick the caller ID from the pool itself adds a "Shuffle" entry, which
becomes a per-call option (see `provider_options.shuffle_option`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from dialer.ui import style

if TYPE_CHECKING:
    from dialer.providers.base import Provider
    from dialer.settings import Account, Settings

#: The remembered choice (and item data) meaning "let the provider pick from its pool".
SHUFFLE = "shuffle"


class ChevronComboBox(QComboBox):
    """A combo box that draws its own arrow: the stylesheet hides Qt's, which a styled
    drop-down area would otherwise lose, and an image file would need shipping."""

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        # A stroked path, not setPen/drawPolyline: their overloads take Qt enums, and resolving
        # them loads PySide6's whole `Qt` namespace (~11 ms) during the window's first paint.
        pen = QPen()
        pen.setColor(QColor(style.painted(style.MUTED if self.isEnabled() else "#475569")))
        pen.setWidthF(1.8)
        x, y = self.width() - 18.0, self.height() / 2.0
        chevron = QPainterPath(QPointF(x - 4, y - 2))
        chevron.lineTo(QPointF(x, y + 2))
        chevron.lineTo(QPointF(x + 4, y - 2))
        painter.strokePath(chevron, pen)
        painter.end()


class AccountPicker(QWidget):
    #: The selected account's name; "" when there is none.
    account_changed = Signal(str)
    #: (account, caller ID): emitted only for a choice the user made, not for a restore.
    caller_id_chosen = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._settings: Settings | None = None
        self.account_selector = ChevronComboBox(self)
        self.account_selector.setObjectName("account_selector")
        self.account_selector.setAccessibleName("Account")
        self.caller_id_selector = ChevronComboBox(self)
        self.caller_id_selector.setObjectName("caller_id_selector")
        self.caller_id_selector.setAccessibleName("Caller ID")
        self._shuffle_option: str | None = None
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
        """Fill the account list from settings: the account shown before stays selected if
        it still exists (settings were edited), else the default account."""
        from PySide6.QtCore import Qt

        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        previous = self.current_account()
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
            combo.setToolTip("Add an account in Settings (Ctrl+,)")
            self._fill_caller_ids(None)
            self.account_changed.emit("")
            return
        combo.setEnabled(True)
        combo.setToolTip("The provider account the call goes through")
        keep = previous if previous and settings.has_account(previous) else None
        index = max(0, combo.findData(keep or settings.account().name))
        combo.setCurrentIndex(index)
        self._account_index_changed(index)

    def current_account(self) -> str | None:
        data = self.account_selector.currentData()
        return data if isinstance(data, str) else None

    def current_caller_id(self) -> str | None:
        """The chosen caller ID; None for the provider's default or for shuffle."""
        data = self.caller_id_selector.currentData()
        return data if isinstance(data, str) and data != SHUFFLE else None

    def shuffle_selected(self) -> bool:
        return bool(self.caller_id_selector.currentData() == SHUFFLE)

    def call_options(self) -> dict[str, object]:
        """Options the caller-ID choice implies: shuffle on, or off where the account's
        default is on but the agent picked one number."""
        option = self._shuffle_option
        if option is None or not self.caller_id_selector.isEnabled():
            return {}
        if self.shuffle_selected():
            return {option: True}
        account = self._account()
        if account is not None and account.settings.get(option) is True:
            return {option: False}
        return {}

    def _account(self) -> Account | None:
        name = self.current_account()
        settings = self._settings
        if settings is None or name is None or not settings.has_account(name):
            return None
        return settings.account(name)

    def _account_index_changed(self, _index: int) -> None:
        name = self.current_account()
        self._fill_caller_ids(name)
        if name is not None:
            self.account_changed.emit(name)

    def _fill_caller_ids(self, account_name: str | None) -> None:
        from PySide6.QtCore import Qt

        from dialer.domain.errors import ConfigError
        from dialer.providers import registry

        combo = self.caller_id_selector
        combo.blockSignals(True)
        combo.clear()
        combo.blockSignals(False)
        self._shuffle_option = None
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
        from dialer.ui.provider_options import shuffle_option

        self._shuffle_option = shuffle_option(provider)
        if not provider.capabilities.caller_id_pool and self._shuffle_option is None:
            combo.addItem("Provider's choice")
            combo.setEnabled(False)
            combo.setToolTip(
                provider.missing_reasons.get(
                    "caller_id_pool", f"{provider.title} picks the caller ID itself"
                )
            )
            return
        if not account.caller_ids and self._shuffle_option is None:
            combo.addItem("Provider's default")
            combo.setEnabled(False)
            combo.setToolTip(f"Account {account.name!r} has no caller IDs configured")
            return
        endpoints = False
        if provider.capabilities.caller_id_pool:
            from dialer import numbers

            for caller_id in account.caller_ids:
                parsed = numbers.parse(caller_id)
                if parsed.valid:
                    combo.addItem(parsed.international or caller_id, caller_id)
                    continue
                # Not a number: an endpoint id (Kazoo click-to-call), shown short.
                endpoints = True
                short = caller_id if len(caller_id) <= 12 else f"{caller_id[:8]}…"
                combo.addItem(f"Endpoint {short}", caller_id)
                combo.setItemData(combo.count() - 1, caller_id, Qt.ItemDataRole.ToolTipRole)
        if self._shuffle_option is not None:
            combo.addItem("Shuffle (from the pool)", SHUFFLE)
            combo.setItemData(
                combo.count() - 1,
                f"{provider.title} picks a caller ID from the account's pool for each call",
                Qt.ItemDataRole.ToolTipRole,
            )
        combo.setCurrentIndex(max(0, combo.findData(self._default_choice(provider, account))))
        combo.setEnabled(True)
        combo.setToolTip(
            "The click-to-call endpoint the call goes out from"
            if endpoints
            else "The number the customer sees"
        )

    def set_caller_id_labels(self, account_name: str, labels: dict[str, str]) -> None:
        """Names the provider gave for the caller IDs (e.g. Kazoo endpoint names), applied if
        that account is still the one shown."""
        if self.current_account() != account_name:
            return
        combo = self.caller_id_selector
        for index in range(combo.count()):
            label = labels.get(str(combo.itemData(index)))
            if label:
                combo.setItemText(index, label)

    def _default_choice(self, provider: type[Provider], account: Account) -> str | None:
        """The remembered choice; else shuffle where the account shuffles by default."""
        assert self._settings is not None
        remembered = self._settings.preferences.last_caller_id.get(account.name)
        if remembered:
            return remembered
        option = self._shuffle_option
        if option is not None and account.settings.get(option) is True:
            return SHUFFLE
        return account.caller_ids[0] if account.caller_ids else SHUFFLE

    def _caller_id_activated(self, _index: int) -> None:
        account, choice = self.current_account(), self.caller_id_selector.currentData()
        if account is not None and isinstance(choice, str):
            self.caller_id_chosen.emit(account, choice)
