"""The launch's argparse-free path reads the everyday arguments exactly as the parser would."""

from __future__ import annotations

import pytest

from dialer import cli


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["+919876543210"],
        ["tel:+919876543210"],
        ["--minimized"],
        ["--minimized", "09876 543210"],
        ["callto:+14155550123", "--minimized"],
    ],
)
def test_quick_path_agrees_with_the_parser(args: list[str]) -> None:
    ns = cli._gui_parser().parse_args(args)
    assert cli._quick_gui_args(args) == (ns.number, ns.minimized)


@pytest.mark.parametrize(
    "args",
    [
        ["--register-handlers"],
        ["--version"],
        ["-h"],
        ["--min"],
        ["1", "2"],
        [""],
        ["--minimized", "--minimized"],
        ["--", "+919876543210"],
    ],
)
def test_anything_else_goes_to_the_parser(args: list[str]) -> None:
    assert cli._quick_gui_args(args) is None
