"""Libraries' optional extras the dialer never uses stay unloaded."""

from __future__ import annotations

from tests.support.fresh_python import fresh_python


def test_httpx_loads_without_its_command_line() -> None:
    out = fresh_python(
        "import sys; import dialer, httpx; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'click', 'pygments'})); "
        "print(httpx.AsyncClient.__name__)"
    )
    assert out.split() == ["[]", "AsyncClient"]


def test_without_the_dialer_httpx_would_load_click() -> None:
    """What the entry in dialer/__init__ prevents (uvicorn, a dependency, brings click)."""
    out = fresh_python("import sys, httpx; print('click' in sys.modules)")
    assert out.strip() == "True"
