"""The owners of state: live calls, call history and recordings.

Widgets and the CLI hold no state of their own; they ask these services and render what they
get back, so the window, the tray and `dialer call` always agree about what happened.
"""
