"""A system tray host that comes up late, for X11 (a real Xvfb server).

Run as a script on the display under test: it becomes the XEmbed tray manager (owns the
`_NET_SYSTEM_TRAY_S0` selection and announces itself with a MANAGER message, as a panel does
when it starts after the apps of a login), prints `tray up`, then prints `dock request <window>`
for each icon that asks to be docked. It embeds nothing: an icon is "in the tray" for Qt
once the selection has an owner, and the dock request proves the app noticed. Runs until
killed. libX11 through ctypes, like the shortcut test: no X library to install.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time

CLIENT_MESSAGE = 33
STRUCTURE_NOTIFY_MASK = 1 << 17
SYSTEM_TRAY_REQUEST_DOCK = 0


class ClientMessageEvent(ctypes.Structure):
    _fields_ = (
        ("type", ctypes.c_int),
        ("serial", ctypes.c_ulong),
        ("send_event", ctypes.c_int),
        ("display", ctypes.c_void_p),
        ("window", ctypes.c_ulong),
        ("message_type", ctypes.c_ulong),
        ("format", ctypes.c_int),
        ("data", ctypes.c_long * 5),
    )


class Event(ctypes.Union):
    _fields_ = (("type", ctypes.c_int), ("client", ClientMessageEvent), ("pad", ctypes.c_long * 24))


def main() -> None:
    x = ctypes.CDLL(ctypes.util.find_library("X11"))
    x.XOpenDisplay.restype = ctypes.c_void_p
    x.XOpenDisplay.argtypes = (ctypes.c_char_p,)
    x.XDefaultRootWindow.restype = ctypes.c_ulong
    x.XDefaultRootWindow.argtypes = (ctypes.c_void_p,)
    x.XCreateSimpleWindow.restype = ctypes.c_ulong
    x.XCreateSimpleWindow.argtypes = (
        (ctypes.c_void_p, ctypes.c_ulong)
        + (ctypes.c_int,) * 2
        + (ctypes.c_uint,) * 3
        + (ctypes.c_ulong,) * 2
    )
    x.XInternAtom.restype = ctypes.c_ulong
    x.XInternAtom.argtypes = (ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int)
    x.XSetSelectionOwner.argtypes = (
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_ulong,
        ctypes.c_ulong,
    )
    x.XSendEvent.argtypes = (
        ctypes.c_void_p,
        ctypes.c_ulong,
        ctypes.c_int,
        ctypes.c_long,
        ctypes.POINTER(Event),
    )
    x.XPending.argtypes = (ctypes.c_void_p,)
    x.XNextEvent.argtypes = (ctypes.c_void_p, ctypes.POINTER(Event))
    x.XFlush.argtypes = (ctypes.c_void_p,)

    display = x.XOpenDisplay(None)
    if not display:
        raise SystemExit("no X display")
    root = x.XDefaultRootWindow(display)
    window = x.XCreateSimpleWindow(display, root, 0, 0, 1, 1, 0, 0, 0)
    selection = x.XInternAtom(display, b"_NET_SYSTEM_TRAY_S0", 0)
    opcode = x.XInternAtom(display, b"_NET_SYSTEM_TRAY_OPCODE", 0)
    x.XSetSelectionOwner(display, selection, window, 0)

    announce = Event()
    announce.client.type = CLIENT_MESSAGE
    announce.client.window = root
    announce.client.message_type = x.XInternAtom(display, b"MANAGER", 0)
    announce.client.format = 32
    announce.client.data[1] = selection
    announce.client.data[2] = window
    x.XSendEvent(display, root, 0, STRUCTURE_NOTIFY_MASK, ctypes.byref(announce))
    x.XFlush(display)
    print("tray up", flush=True)

    event = Event()
    while True:
        while x.XPending(display):
            x.XNextEvent(display, ctypes.byref(event))
            message = event.client
            if (
                event.type == CLIENT_MESSAGE
                and message.message_type == opcode
                and message.data[1] == SYSTEM_TRAY_REQUEST_DOCK
            ):
                print(f"dock request {message.data[2]}", flush=True)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
