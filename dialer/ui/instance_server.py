"""The running app's end of `dialer.ipc`: a QLocalServer that turns launches into signals.

QtNetwork rather than an asyncio server because QLocalServer is one API over Unix sockets and
Windows named pipes, and it reads on the Qt event loop without a thread. Every connection
gets one request and one reply; a client that sends too much or nothing at all is cut off,
so a stuck or hostile local process cannot pile up connections. Numbers are never logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from enum import Enum
from typing import Any

from PySide6.QtCore import QLockFile, QObject, QTimer, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

from dialer import ipc

log = logging.getLogger("dialer.ipc")

#: A client must finish its request within this long.
READ_TIMEOUT_MS = 3000
#: How many times (0.1 s apart, plus the exchange) to ask a starting owner whether it is there.
OWNER_WAIT_TRIES = 30


def _lock_path(name: str) -> str:
    """Next to the socket on Unix; in the temp dir for a Windows pipe name."""
    import os
    import tempfile

    if os.path.isabs(name):
        return name + ".lock"
    return os.path.join(tempfile.gettempdir(), name + ".lock")


class Listening(Enum):
    LISTENING = "listening"
    #: Another instance of this profile answered: this one should hand over and quit.
    ANOTHER = "another"
    #: No single-instance server (e.g. the socket path belongs to someone else); run anyway.
    FAILED = "failed"


class InstanceServer(QObject):
    """Emits `open_requested(ipc.Request)` for each launch that forwarded to this app.

    It starts before the services (so a link clicked during start-up finds it) and holds the
    requests that arrive until `release()`: whoever handles them is ready by then.
    """

    open_requested = Signal(object)

    def __init__(
        self,
        name: str | None = None,
        state: Callable[[], dict[str, Any]] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.name = name or ipc.server_name()
        self.state = state or (lambda: {"ready": False})
        self._held: list[ipc.Request] | None = []
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._accept)
        self._buffers: dict[QLocalSocket, bytes] = {}
        self._lock: QLockFile | None = None
        self.error = ""

    @property
    def listening(self) -> bool:
        return self._server.isListening()

    async def start(self) -> Listening:
        """Become the profile's instance, or find the one that already is.

        Ownership is a lock file held for the app's lifetime, not the socket: Qt replaces an
        existing socket file when it listens (it binds elsewhere and renames, to set access
        rights atomically), so two apps starting at once would both "listen" and one would
        never hear anything. A lock left by a crashed app is stale (its PID is gone) and is
        taken over. The liveness check is a blocking exchange, so it runs on a worker thread.
        """
        import asyncio

        self._lock = QLockFile(_lock_path(self.name))
        self._lock.setStaleLockTime(0)  # stale only when its process is gone, never by age
        if not self._lock.tryLock(0):
            # The owner may still be starting: give it a moment to answer.
            for _attempt in range(OWNER_WAIT_TRIES):
                try:
                    alive = await asyncio.to_thread(ipc.send, {"type": "state"}, self.name, 1.0)
                except ipc.IpcError as exc:
                    log.warning("another dialer holds this profile: %s", exc)
                    return Listening.ANOTHER  # it answered, though in words we do not know
                if alive is not None:
                    return Listening.ANOTHER
                await asyncio.sleep(0.1)
            self.error = "another dialer holds this profile's lock but does not answer"
            log.warning("single-instance server not started: %s", self.error)
            return Listening.FAILED
        QLocalServer.removeServer(self.name)  # a socket left behind by a crash
        if self._server.listen(self.name):
            return Listening.LISTENING
        self._lock.unlock()
        return self._failed()

    def close(self) -> None:
        self._server.close()
        if self._lock is not None:
            self._lock.unlock()
            self._lock = None
        for sock in list(self._buffers):
            sock.abort()
        self._buffers.clear()

    def _failed(self) -> Listening:
        self.error = self._server.errorString()
        log.warning("single-instance server not started: %s", self.error)
        return Listening.FAILED

    # --- connections -----------------------------------------------------------------------

    def _accept(self) -> None:
        while self._server.hasPendingConnections():
            sock = self._server.nextPendingConnection()
            if sock is None:
                break
            self._buffers[sock] = b""
            sock.readyRead.connect(lambda s=sock: self._read(s))
            sock.disconnected.connect(lambda s=sock: self._forget(s))
            QTimer.singleShot(READ_TIMEOUT_MS, sock, lambda s=sock: self._expire(s))
            self._read(sock)

    def _read(self, sock: QLocalSocket) -> None:
        if sock not in self._buffers:
            return
        data = self._buffers[sock] + bytes(sock.readAll().data())
        if b"\n" not in data:
            if len(data) > ipc.MAX_MESSAGE:
                self._answer(sock, ipc.error_reply("message too long"))
            else:
                self._buffers[sock] = data
            return
        line = data.split(b"\n", 1)[0]
        try:
            request = ipc.parse_request(line)
        except ipc.IpcError as exc:
            log.warning("refused a local request: %s", exc)
            self._answer(sock, ipc.error_reply(str(exc)))
            return
        if request.kind == "state":
            self._answer(sock, ipc.ok_reply(**self.state()))
            return
        log.info("a second launch forwarded its %s", "number" if request.number else "request")
        self._answer(sock, ipc.ok_reply())
        if self._held is not None:
            self._held.append(request)
        else:
            self.open_requested.emit(request)

    def release(self) -> None:
        """Deliver the held requests, in order, and every later one as it comes."""
        held, self._held = self._held or [], None
        for request in held:
            self.open_requested.emit(request)

    def _answer(self, sock: QLocalSocket, reply: bytes) -> None:
        self._buffers.pop(sock, None)
        sock.write(reply)
        sock.flush()
        sock.disconnectFromServer()

    def _expire(self, sock: QLocalSocket) -> None:
        if sock in self._buffers:
            self._buffers.pop(sock, None)
            sock.abort()

    def _forget(self, sock: QLocalSocket) -> None:
        self._buffers.pop(sock, None)
        sock.deleteLater()
