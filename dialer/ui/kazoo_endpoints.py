"""A Kazoo account's click-to-call endpoints: list, create, change, delete, use as caller ID.

Kazoo dials from endpoints, not numbers (the endpoint's extension rings first, then the
customer), so an account is only usable once it has one; managing them next to the account
saves a trip to the PBX's admin UI or `dialer kazoo endpoints`. Unlike the rest of the dialog,
endpoint changes happen on the Kazoo server at once: the section says so. All calls go through
the provider's own endpoints client (`dialer.providers.kazoo_endpoints`), which checks every
document against Kazoo's schema before sending it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dialer.ui import pref_widgets
from dialer.ui.style import set_tone

if TYPE_CHECKING:
    from dialer.providers.base import Provider
    from dialer.providers.kazoo_endpoints import Endpoints
    from dialer.ui.caller_id_list import CallerIdList

log = logging.getLogger("dialer.ui")

#: Why the agent field is off for Kazoo accounts (the account editor shows it as a tooltip).
AGENT_NOTE = "Kazoo has no agent number: the endpoint's extension rings first"

Index = QModelIndex | QPersistentModelIndex


class EndpointModel(QAbstractTableModel):
    """The endpoint summaries Kazoo lists (`id`, `name`, `extension`) and which are in use."""

    COLUMNS = ("Name", "Extension", "Caller ID", "Endpoint id")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[dict[str, Any]] = []
        self.used: set[str] = set()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        c2c_id = str(row.get("id", ""))
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (
                str(row.get("name", "")),
                str(row.get("extension", "")),
                "✓ in use" if c2c_id in self.used else "",
                c2c_id,
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Endpoint id {c2c_id}"
        return None

    def set_rows(self, rows: list[dict[str, Any]], used: set[str]) -> None:
        self.beginResetModel()
        self.rows, self.used = rows, used
        self.endResetModel()

    def set_used(self, used: set[str]) -> None:
        self.used = used
        if self.rows:
            self.dataChanged.emit(self.index(0, 2), self.index(len(self.rows) - 1, 2))

    def endpoint_id(self, row: int) -> str | None:
        return str(self.rows[row].get("id")) if 0 <= row < len(self.rows) else None


class EndpointsSection(QWidget):
    """objectName `kazoo_endpoints`. `provider` builds the account's provider as typed."""

    def __init__(
        self,
        provider: Callable[[], Awaitable[Provider]],
        caller_ids: CallerIdList,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("kazoo_endpoints")
        self._provider = provider
        self._caller_ids = caller_ids
        self._tasks: set[asyncio.Task[Any]] = set()
        self._busy = False
        self._armed_delete: str | None = None

        title = QLabel("Click-to-call endpoints", self)
        title.setProperty("role", "section")
        note = QLabel(
            "Kazoo calls from an endpoint: its extension rings first, then the customer. "
            "Changes here are made on the Kazoo server at once. An endpoint in use is one of "
            "this account's caller IDs.",
            self,
        )
        note.setProperty("role", "help")
        note.setWordWrap(True)
        self.model = EndpointModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("kazoo_endpoint_table")
        self.table.setAccessibleName("Click-to-call endpoints")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(120)
        self.table.setMaximumHeight(200)
        self.refresh_button = pref_widgets.push_button(
            self, "kazoo_endpoints_refresh", "Load", "Load the endpoints"
        )
        self.use_button = pref_widgets.push_button(
            self, "kazoo_endpoint_use", "Use as caller ID", "Use or stop using"
        )
        self.delete_button = pref_widgets.push_button(
            self, "kazoo_endpoint_delete", "Delete…", "Delete on the server"
        )
        self.delete_button.setProperty("role", "danger")
        self.name = pref_widgets.line_edit(
            self, "kazoo_endpoint_name", "Endpoint name", "e.g. Sales desk"
        )
        self.extension = pref_widgets.line_edit(
            self, "kazoo_endpoint_extension", "Extension", "e.g. 1001"
        )
        self.whitelist = pref_widgets.line_edit(
            self, "kazoo_endpoint_whitelist", "Whitelist", "regexes, space-separated, e.g. ^\\+91"
        )
        self.auth_required = QCheckBox("Dialing needs an auth token", self)
        self.auth_required.setObjectName("kazoo_endpoint_auth_required")
        self.auth_required.setAccessibleName("Dialing needs an auth token")
        self.auth_required.setChecked(True)
        self.create_button = pref_widgets.push_button(
            self, "kazoo_endpoint_create", "Create new", "Create an endpoint"
        )
        self.update_button = pref_widgets.push_button(
            self, "kazoo_endpoint_update", "Save changes", "Change the selected endpoint"
        )
        self.status = QLabel(self)
        self.status.setObjectName("kazoo_endpoints_status")
        self.status.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(self.table)
        actions = QHBoxLayout()
        for button in (self.refresh_button, self.use_button, self.delete_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        form = QFormLayout()
        form.setHorizontalSpacing(16)
        form.addRow(pref_widgets.caption(self, "Name", self.name), self.name)
        form.addRow(pref_widgets.caption(self, "Extension", self.extension), self.extension)
        form.addRow(pref_widgets.caption(self, "Whitelist", self.whitelist), self.whitelist)
        form.addRow("", self.auth_required)
        layout.addLayout(form)
        edits = QHBoxLayout()
        edits.addWidget(self.create_button)
        edits.addWidget(self.update_button)
        edits.addStretch(1)
        layout.addLayout(edits)
        layout.addWidget(self.status)

        self.refresh_button.clicked.connect(lambda: self._run(self._load()))
        self.use_button.clicked.connect(self._toggle_use)
        self.delete_button.clicked.connect(self._delete_clicked)
        self.create_button.clicked.connect(lambda: self._run(self._create()))
        self.update_button.clicked.connect(lambda: self._run(self._update()))
        self.table.selectionModel().selectionChanged.connect(self._selected)
        caller_ids.changed.connect(lambda: self.model.set_used(set(caller_ids.items())))
        self._enable()

    # --- building -----------------------------------------------------------------------------

    def tab_stops(self) -> list[QWidget]:
        """The section's controls in screen order, for the editor's tab chain."""
        return [
            self.table,
            self.refresh_button,
            self.use_button,
            self.delete_button,
            self.name,
            self.extension,
            self.whitelist,
            self.auth_required,
            self.create_button,
            self.update_button,
        ]

    # --- state --------------------------------------------------------------------------------

    def reset(self) -> None:
        """Another account is shown: forget the last one's endpoints."""
        for task in list(self._tasks):
            task.cancel()
        self.model.set_rows([], set(self._caller_ids.items()))
        self._say("")
        self._busy = False
        self._enable()

    def _selected_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.endpoint_id(rows[0].row()) if rows else None

    def _enable(self) -> None:
        chosen = self._selected_id() is not None
        self.refresh_button.setEnabled(not self._busy)
        self.create_button.setEnabled(not self._busy)
        for button in (self.use_button, self.delete_button, self.update_button):
            button.setEnabled(chosen and not self._busy)
        chosen_id = self._selected_id()
        used = chosen_id is not None and chosen_id in self._caller_ids.items()
        self.use_button.setText("Stop using" if used else "Use as caller ID")
        if self._armed_delete != chosen_id:
            self._armed_delete = None
            self.delete_button.setText("Delete…")

    def _say(self, text: str, tone: str = "") -> None:
        self.status.setText(text)
        set_tone(self.status, tone)

    def _selected(self, *_args: object) -> None:
        self._enable()
        c2c_id = self._selected_id()
        if c2c_id is not None:
            self._run(self._show(c2c_id))

    def _toggle_use(self) -> None:
        c2c_id = self._selected_id()
        if c2c_id is None:
            return
        if c2c_id in self._caller_ids.items():
            self._caller_ids.remove_value(c2c_id)
        else:
            self._caller_ids.add_value(c2c_id)
        self._enable()

    def _delete_clicked(self) -> None:
        """Two clicks: the first arms the button, the second deletes (on the server, at once)."""
        c2c_id = self._selected_id()
        if c2c_id is None:
            return
        if self._armed_delete != c2c_id:
            self._armed_delete = c2c_id
            self.delete_button.setText("Click again to delete")
            return
        self._run(self._delete(c2c_id))

    def _document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "name": self.name.text().strip(),
            "extension": self.extension.text().strip(),
            "auth_required": self.auth_required.isChecked(),
        }
        patterns = self.whitelist.text().split()
        if patterns:
            doc["whitelist"] = patterns
        return doc

    # --- talking to Kazoo ---------------------------------------------------------------------

    async def _endpoints(self) -> Endpoints:
        provider = await self._provider()
        endpoints: Endpoints | None = getattr(provider, "endpoints", None)
        if endpoints is None:
            raise TypeError(f"{provider.title} has no click-to-call endpoints")
        return endpoints

    async def _load(self, select: str | None = None) -> None:
        rows = await (await self._endpoints()).list()
        self.model.set_rows(rows, set(self._caller_ids.items()))
        self._say(f"{len(rows)} endpoint(s) on the server." if rows else "No endpoints yet.")
        for row, each in enumerate(rows):
            if select is not None and each.get("id") == select:
                self.table.selectRow(row)

    async def _show(self, c2c_id: str) -> None:
        doc = await (await self._endpoints()).get(c2c_id)
        self.name.setText(str(doc.get("name", "")))
        self.extension.setText(str(doc.get("extension", "")))
        self.whitelist.setText(" ".join(str(p) for p in doc.get("whitelist", []) or []))
        self.auth_required.setChecked(doc.get("auth_required", True) is not False)
        self._say("")

    async def _create(self) -> None:
        created = await (await self._endpoints()).create(self._document())
        await self._load(select=str(created.get("id")))
        self._say(f"Created {created.get('name')!r} ({created.get('id')}).", "ok")

    async def _update(self) -> None:
        c2c_id = self._selected_id()
        if c2c_id is None:
            return
        await (await self._endpoints()).patch(c2c_id, self._document())
        await self._load(select=c2c_id)
        self._say("Saved on the server.", "ok")

    async def _delete(self, c2c_id: str) -> None:
        await (await self._endpoints()).delete(c2c_id)
        self._caller_ids.remove_value(c2c_id)
        await self._load()
        self._say(f"Deleted endpoint {c2c_id}.", "ok")

    def _run(self, coro: Coroutine[Any, Any, None]) -> None:
        """One operation at a time; its failure is shown in words, never raised."""
        if self._busy:
            coro.close()
            return
        self._busy = True
        self._enable()
        self._say("Talking to Kazoo…", "busy")
        task = asyncio.ensure_future(self._guard(coro))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _guard(self, coro: Coroutine[Any, Any, None]) -> None:
        from pydantic import ValidationError

        from dialer.domain.errors import DialerError
        from dialer.domain.validation import problems

        try:
            await coro
        except DialerError as exc:
            self._say(f"✗ {exc}", "bad")
        except ValidationError as exc:
            self._say(f"✗ Fix the account first: {problems(exc)[0].msg}", "bad")
        except Exception as exc:  # a bug reads as a message, not a traceback
            log.exception("Kazoo endpoint operation failed")
            self._say(f"✗ Unexpected error ({type(exc).__name__}): {exc}", "bad")
        finally:
            self._busy = False
            self._enable()
