"""Recent numbers and per-call options, side by side in tabs under the calls.

Neither is needed while a call is watched, so they share one corner. The recent list is built
after the first paint (`finish_setup`): its module needs PySide6's `Qt` namespace, which the
first paint does not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QScrollArea, QTabWidget, QVBoxLayout, QWidget

from dialer.ui.provider_options import ProviderOptions

if TYPE_CHECKING:
    from dialer.ui.recent import RecentList

RECENT_TAB, OPTIONS_TAB = 0, 1


class SideTabs(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("side_tabs")
        self.setAccessibleName("Recent numbers and call options")
        self.recent_list: RecentList | None = None
        self.options = ProviderOptions()
        self._recent_page = QWidget()
        self._recent_layout = QVBoxLayout(self._recent_page)
        self._recent_layout.setContentsMargins(4, 6, 4, 6)
        scroll = QScrollArea()
        scroll.setObjectName("provider_options_scroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.options)
        self.addTab(self._recent_page, "Recent")
        self.addTab(scroll, "Call options")
        self.options.changed.connect(self._options_changed)

    def finish_setup(self) -> RecentList:
        from dialer.ui.recent import RecentList

        self.recent_list = RecentList(self._recent_page)
        self._recent_layout.addWidget(self.recent_list)
        return self.recent_list

    def focus_chain(self) -> list[QWidget]:
        """The tab bar, then the recent list, then the option fields, in reading order."""
        chain: list[QWidget] = [self]
        if self.recent_list is not None:
            chain.append(self.recent_list)
        form = self.options.form
        if form is not None:
            chain += [form.editor(name) for name in form.field_names()]
        return chain

    def _options_changed(self) -> None:
        """The tab says when this session's options differ from the account's."""
        changed = len(self.options.options())
        self.setTabText(
            OPTIONS_TAB, f"Call options ({changed} changed)" if changed else "Call options"
        )
