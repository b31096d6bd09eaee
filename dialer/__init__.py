"""dialer: desktop click-to-call for agents who dial all day."""

__version__ = "0.1.0"
