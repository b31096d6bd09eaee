"""Render the app icon set from resources/dialer.svg with Qt's own SVG renderer.

    python packaging/icons.py OUT_DIR [--hicolor] [--ico] [--iconset]

--hicolor  OUT_DIR/hicolor/<n>x<n>/apps/dialer.png for n in 16..512, plus scalable/apps/dialer.svg
           (the freedesktop icon theme layout the Linux tarball installs under ~/.local/share/icons)
--ico      OUT_DIR/dialer.ico, PNG-compressed entries 16..256 (Windows executables, installer)
--iconset  OUT_DIR/dialer.iconset/icon_<n>x<n>[@2x].png (macOS: `iconutil -c icns` makes .icns)

PySide6 (QtSvg) is already a dependency, so the build needs no image tool of its own. Runs
headless (the offscreen platform is selected when none is set).
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SVG = ROOT / "resources" / "dialer.svg"
HICOLOR_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
#: macOS iconset names and the pixel size of each (Apple's iconutil naming scheme).
ICONSET = {
    f"icon_{base}x{base}{suffix}.png": base * scale
    for base in (16, 32, 128, 256, 512)
    for suffix, scale in (("", 1), ("@2x", 2))
}


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG drawn on a transparent size x size canvas, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError("resources/dialer.svg is not an SVG Qt can draw")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError(f"could not encode the {size} px icon as PNG")
    return bytes(buffer.data().data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """A Windows .ico holding PNG images (valid since Windows Vista; 256 is written as 0)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, images = b"", b""
    for size, data in sorted(pngs.items()):
        side = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(data), offset)
        images += data
        offset += len(data)
    return header + entries + images


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--hicolor", action="store_true")
    parser.add_argument("--ico", action="store_true")
    parser.add_argument("--iconset", action="store_true")
    args = parser.parse_args(argv)

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (kept alive)
    svg = SVG.read_bytes()
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    if args.hicolor:
        for size in HICOLOR_SIZES:
            target = out / "hicolor" / f"{size}x{size}" / "apps" / "dialer.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(render_png(svg, size))
        scalable = out / "hicolor" / "scalable" / "apps"
        scalable.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SVG, scalable / "dialer.svg")
    if args.ico:
        (out / "dialer.ico").write_bytes(ico_bytes({s: render_png(svg, s) for s in ICO_SIZES}))
    if args.iconset:
        iconset = out / "dialer.iconset"
        iconset.mkdir(exist_ok=True)
        for name, size in ICONSET.items():
            (iconset / name).write_bytes(render_png(svg, size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
