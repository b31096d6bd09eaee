"""The sandbox: a simulated Click-to-Call telephony backend served over loopback HTTP.

It is the first-run default, the demo and the test bed, so it must behave like a real provider
on the wire (`sandbox-openapi.yaml`) while needing no account. It is written from the contract
alone and imports nothing from `dialer.providers`, so tests exercise the adapter against an
independent reading of the same document.

Nothing is imported here: the GUI reaches for `dialer.sandbox.process` late, and starlette and
uvicorn should not slow its start-up.
"""
