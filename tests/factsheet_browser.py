#!/usr/bin/env python3
"""Open every page of a factsheet pack in headless Chromium (through chromedriver's WebDriver
HTTP API, Python standard library only) and check what a reader would see:

- no console message of level SEVERE (errors: a failed load, a broken reference);
- a screenshot that is not blank (more than 0.2% of its pixels not white);
- in print mode at the A4 content width (210 mm minus 15 mm margins: 180 mm = 680 CSS px) no
  element reaches past the right edge and the page does not scroll sideways.

Usage: factsheet_browser.py PACK_DIR [--screenshot PAGE OUT.png]
Prints one JSON object on stdout. Exit 0 all pages pass, 1 a page fails, 77 no Chromium or
chromedriver on this machine (the caller skips and says so).
"""

import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

A4_CONTENT_PX = 680  # 180 mm at 96 px per inch
OVERFLOW = """
const w = window.innerWidth;
const out = [];
if (document.documentElement.scrollWidth > w + 1) out.push('document scrollWidth ' + document.documentElement.scrollWidth);
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.width === 0 && r.height === 0) continue;
  if (r.right > w + 1 || r.left < -1) out.push(e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
}
return {width: w, overflowing: out.slice(0, 20), count: out.length};
"""


def find(names):
    for n in names:
        p = shutil.which(n)
        if p:
            return p
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Driver:
    def __init__(self, chromium, chromedriver):
        self.port = free_port()
        self.proc = subprocess.Popen([chromedriver, f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                if self.call("GET", "/status").get("ready"):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                 "--window-size=1000,1400", "--hide-scrollbars", "--no-first-run"],
                    },
                    "goog:loggingPrefs": {"browser": "ALL"},
                }
            }
        }
        self.session = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read().decode())["value"]

    def s(self, method, path, body=None):
        return self.call(method, f"/session/{self.session}{path}", body)

    def cdp(self, cmd, params):
        return self.s("POST", "/goog/cdp/execute", {"cmd": cmd, "params": params})

    def close(self):
        try:
            self.call("DELETE", f"/session/{self.session}")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def png_pixels(png):
    """(width, height, rows of RGB(A) bytes) of an 8-bit non-interlaced PNG."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        chunk = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    assert depth == 8 and interlace == 0 and color in (2, 6), "unexpected PNG format"
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def ink_share(png):
    """The share of pixels that are not (nearly) white."""
    width, height, bpp, rows = png_pixels(png)
    ink = 0
    for line in rows[::4]:
        for x in range(0, width, 4):
            r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
            if r < 240 or g < 240 or b < 240:
                ink += 1
    return ink / max(1, len(rows[::4]) * len(range(0, width, 4)))


def check_page(d, path):
    url = "file://" + os.path.abspath(path)
    d.cdp("Emulation.setEmulatedMedia", {"media": ""})
    # The top of the page on a small screen: enough to tell a blank page, and quick to decode.
    d.cdp("Emulation.setDeviceMetricsOverride", {"width": 800, "height": 600, "deviceScaleFactor": 1, "mobile": False})
    d.s("POST", "/url", {"url": url})
    logs = d.s("POST", "/se/log", {"type": "browser"})
    errors = [e.get("message", "") for e in logs if e.get("level") == "SEVERE"]
    png = base64.b64decode(d.s("GET", "/screenshot"))
    ink = ink_share(png)
    d.cdp("Emulation.setEmulatedMedia", {"media": "print"})
    d.cdp("Emulation.setDeviceMetricsOverride",
          {"width": A4_CONTENT_PX, "height": 1000, "deviceScaleFactor": 1, "mobile": False})
    over = d.s("POST", "/execute/sync", {"script": OVERFLOW, "args": []})
    problems = []
    if errors:
        problems.append(f"console errors: {errors[:5]}")
    if ink < 0.002:
        problems.append(f"blank screenshot ({ink:.4f} of pixels inked)")
    if over["count"]:
        problems.append(f"{over['count']} elements overflow A4 width {over['width']}: {over['overflowing']}")
    return {"page": os.path.relpath(path), "console_errors": len(errors), "ink": round(ink, 4),
            "print_width": over["width"], "overflowing": over["count"], "problems": problems}


def screenshot(d, path, out):
    d.cdp("Emulation.setEmulatedMedia", {"media": ""})
    d.cdp("Emulation.setDeviceMetricsOverride", {"width": 900, "height": 1300, "deviceScaleFactor": 1, "mobile": False})
    d.s("POST", "/url", {"url": "file://" + os.path.abspath(path)})
    with open(out, "wb") as f:
        f.write(base64.b64decode(d.s("GET", "/screenshot")))


def main():
    args = sys.argv[1:]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    pack = args[0]
    chromium = find(["chromium", "chromium-browser", "google-chrome"])
    chromedriver = find(["chromedriver"])
    if not chromium or not chromedriver:
        print(json.dumps({"skipped": "no chromium or chromedriver on PATH (apt-get install chromium chromium-driver)"}))
        return 77
    pages = sorted(os.path.join(root, f) for root, _, files in os.walk(pack) for f in files if f.endswith(".html"))
    d = Driver(chromium, chromedriver)
    try:
        results = [check_page(d, p) for p in pages]
        if "--screenshot" in args:
            i = args.index("--screenshot")
            screenshot(d, os.path.join(pack, args[i + 1]), args[i + 2])
    finally:
        d.close()
    failed = [r for r in results if r["problems"]]
    print(json.dumps({"pages": len(results), "failed": failed, "results": results}, indent=1))
    return 1 if failed or not results else 0


if __name__ == "__main__":
    sys.exit(main())
