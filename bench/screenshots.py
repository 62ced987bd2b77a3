"""Take the README's screenshots of the pages: an entry, the topic map and the demo gallery, desktop and phone.

    make screenshots            # or: .venv/bin/python bench/screenshots.py [--out docs]

Serves the app in process on a loopback port with the real engine and the built demo results (run
`gradlab build` first, so every plot exists), drives Debian's Chromium through Playwright, and writes
palette-quantised PNGs small enough to keep in git.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from PIL import Image

REPO = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
DESKTOP = {"width": 1100, "height": 820}
PHONE = {"width": 375, "height": 740}
# file name -> (path, viewport, colour scheme, whole page)
SHOTS = {
    "entry-zh.png": ("/e/lstm?lang=zh", DESKTOP, "light", False),
    "entry-zh-phone.png": ("/e/lstm?lang=zh", PHONE, "light", True),
    "topics-en.png": ("/topics?lang=en", DESKTOP, "light", False),
    "topics-en-phone.png": ("/topics?lang=en", PHONE, "dark", False),
    "demos-en.png": ("/demos?lang=en", DESKTOP, "dark", False),
    "demos-zh-phone.png": ("/demos?lang=zh", PHONE, "light", False),
}


def serve() -> tuple[str, object]:
    """Start the app with the real engine on a free loopback port; return its URL and the server."""
    from gradlab import create_app
    from werkzeug.serving import make_server

    app = create_app({"RATE_LIMIT": "", "LOG_QUERIES": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", server


def shrink(path: Path, colours: int = 128) -> None:
    """Quantise a screenshot to a palette: text and flat colours survive, the file gets several times smaller."""
    with Image.open(path) as image:
        image.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="folder for the PNGs (default: docs/)")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    url, server = serve()
    args.out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        for name, (path, viewport, scheme, whole) in SHOTS.items():
            context = browser.new_context(viewport=viewport, color_scheme=scheme, locale="en-US")
            page = context.new_page()
            page.goto(url + path)
            page.wait_for_function(  # the plots in view have loaded (the gallery's lower ones load lazily)
                "() => [...document.images].filter(img => img.getBoundingClientRect().top < innerHeight)"
                ".every(img => img.complete && img.naturalWidth > 0)"
            )
            page.screenshot(path=str(args.out / name), full_page=whole)
            shrink(args.out / name)
            print(f"{args.out / name}: {(args.out / name).stat().st_size // 1024} KiB")
            context.close()
        browser.close()
    server.shutdown()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
