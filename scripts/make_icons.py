"""Render the app's icon (policy/static/policy/img/icon.svg, our own drawing) to the PNG sizes
browsers and phones ask for, and to favicon.ico (PNG images inside an ICO container).

Run after changing the SVG: `.venv/bin/python scripts/make_icons.py` (needs Debian's chromium,
as the browser tests do). The outputs are committed; nothing here runs at request time.
"""

from __future__ import annotations

import struct
from pathlib import Path

from playwright.sync_api import sync_playwright

IMG = Path(__file__).resolve().parents[1] / "policy" / "static" / "policy" / "img"
PNG_SIZES = (16, 32, 48, 180, 192, 512)
ICO_SIZES = (16, 32, 48)


def render() -> dict[int, bytes]:
    svg = (IMG / "icon.svg").read_text(encoding="utf-8")
    out: dict[int, bytes] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        for size in PNG_SIZES:
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(
                "<html><body style='margin:0;background:transparent'>"
                f"<img src='data:image/svg+xml;utf8,{svg.replace(chr(35), '%23')}' "
                f"width='{size}' height='{size}'></body></html>"
            )
            out[size] = page.screenshot(omit_background=True)
            page.close()
        browser.close()
    return out


def ico(pngs: dict[int, bytes]) -> bytes:
    """An ICO file whose images are PNGs (supported by every current browser)."""
    header = struct.pack("<HHH", 0, 1, len(ICO_SIZES))
    entries, blobs = b"", b""
    offset = 6 + 16 * len(ICO_SIZES)
    for size in ICO_SIZES:
        data = pngs[size]
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def main() -> None:
    pngs = render()
    for size in (32, 180, 192, 512):
        (IMG / f"icon-{size}.png").write_bytes(pngs[size])
    (IMG / "favicon.ico").write_bytes(ico(pngs))
    print("icons written to", IMG)


if __name__ == "__main__":
    main()
