#!/usr/bin/env python3
"""Read the PDFs of a factsheet pack (Python standard library only; no PDF library): for each
PDF its page count, the MediaBox of every page (in points) and its text, decoded through each
font's ToUnicode map, one line per text object.

An independent reading of what Chromium printed: objects are split by `N 0 obj ... endobj`
(streams by their /Length), streams inflated, the page tree followed from the catalog, and the
text operators (Tf, Tj, TJ, ', ") of each page's content stream decoded.

Usage: factsheet_pdf.py PACK_DIR
Prints one JSON object on stdout: {"<path relative to the pack>": {"pages": n, "media_boxes":
[[x0, y0, x1, y1], ...], "text": "..."}}.
"""

import json
import os
import re
import sys
import zlib

OBJ = re.compile(rb"(\d+) 0 obj\s*")
REF = re.compile(rb"(\d+) 0 R")


class Stream:
    """A stream's bytes, inflated when first read."""

    def __init__(self, raw, flate):
        self.raw, self.flate, self.data = raw, flate, None

    def get(self):
        if self.data is None:
            self.data = zlib.decompress(self.raw) if self.flate else self.raw
        return self.data


def objects(pdf):
    """{number: (dictionary bytes, Stream or None)}."""
    out = {}
    pos = 0
    while True:
        m = OBJ.search(pdf, pos)
        if not m:
            break
        num = int(m.group(1))
        start = m.end()
        e = pdf.find(b"endobj", start)
        s = pdf.find(b"stream", start, e)
        if s != -1:
            head = pdf[start:s]
            length = re.search(rb"/Length (\d+)(?! 0 R)", head)
            body = s + len(b"stream")
            body += 2 if pdf[body:body + 2] == b"\r\n" else 1
            n = int(length.group(1))
            out[num] = (head, Stream(pdf[body:body + n], b"/FlateDecode" in head))
            pos = pdf.find(b"endobj", body + n) + 6
        else:
            out[num] = (pdf[start:e], None)
            pos = e + 6
    return out


def ref(d, key):
    m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", d)
    return int(m.group(1)) if m else None


def cmap(data):
    """{code bytes: text} from a ToUnicode CMap."""
    out = {}

    def u(h):
        return bytes.fromhex(h.decode()).decode("utf-16-be", "replace")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]*)>", block):
            out[bytes.fromhex(src.decode())] = u(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]*>|\[[^\]]*\])", block):
            a, b, width = int(lo, 16), int(hi, 16), len(lo) // 2
            if dst.startswith(b"["):
                items = re.findall(rb"<([0-9A-Fa-f]*)>", dst)
                for i, h in enumerate(items):
                    out[(a + i).to_bytes(width, "big")] = u(h)
            else:
                base = int(dst[1:-1], 16)
                for i in range(b - a + 1):
                    out[(a + i).to_bytes(width, "big")] = chr(base + i) if base + i < 0x110000 else "?"
    return out


def fonts(objs, page_dict):
    """{font name: (code width, code map)} of a page's resources."""
    res = page_dict
    r = ref(page_dict, rb"Resources")
    if r is not None:
        res = objs[r][0]
    m = re.search(rb"/Font\s*(<<.*?>>|\d+ 0 R)", res, re.S)
    if not m:
        return {}
    fd = m.group(1)
    if fd.endswith(b"R"):
        fd = objs[int(fd.split()[0])][0]
    out = {}
    for name, num in re.findall(rb"/([^\s/<>]+)\s+(\d+) 0 R", fd):
        f = objs[int(num)][0]
        tu = ref(f, rb"ToUnicode")
        width = 2 if b"/Type0" in f else 1
        out[name] = (width, cmap(objs[tu][1].get()) if tu is not None else {})
    return out


TOKEN = re.compile(rb"\s*(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)|\[|\]|/[^\s/\[\]()<>]+|[-+]?\d*\.?\d+|[A-Za-z'\"*]+|<<|>>)", re.S)


def literal(tok):
    s = tok[1:-1]
    out = bytearray()
    i = 0
    while i < len(s):
        c = s[i]
        if c == 0x5C and i + 1 < len(s):
            n = s[i + 1]
            esc = {ord("n"): 10, ord("r"): 13, ord("t"): 9, ord("b"): 8, ord("f"): 12}
            if n in esc:
                out.append(esc[n])
                i += 2
            elif 0x30 <= n <= 0x37:
                j = i + 1
                while j < len(s) and j < i + 4 and 0x30 <= s[j] <= 0x37:
                    j += 1
                out.append(int(s[i + 1:j], 8) & 255)
                i = j
            else:
                out.append(n)
                i += 2
        else:
            out.append(c)
            i += 1
    return bytes(out)


def text_of(content, fontmap):
    lines, line = [], []
    font = (1, {})
    stack = []

    def show(tok):
        raw = bytes.fromhex(re.sub(rb"\s", b"", tok[1:-1]).decode()) if tok.startswith(b"<") else literal(tok)
        width, cm = font
        for i in range(0, len(raw), width):
            code = raw[i:i + width]
            line.append(cm.get(code, "\ufffd"))

    for m in TOKEN.finditer(content):
        tok = m.group(1)
        if tok in (b"Tj", b"'", b'"'):
            if stack:
                show(stack[-1])
            stack = []
        elif tok == b"TJ":
            for t in stack:
                if t.startswith((b"<", b"(")) and not t.startswith(b"<<"):
                    show(t)
                elif re.fullmatch(rb"[-+]?\d*\.?\d+", t) and float(t) < -200:
                    line.append(" ")
            stack = []
        elif tok == b"Tf":
            if len(stack) >= 2 and stack[-2].startswith(b"/"):
                font = fontmap.get(stack[-2][1:], (1, {}))
            stack = []
        elif tok in (b"BT", b"ET"):
            # Chromium places each glyph with its own Td: a text object is one run of text.
            if line:
                lines.append("".join(line))
                line = []
            stack = []
        elif tok == b"[":
            stack = []
        elif tok == b"]":
            pass
        elif re.fullmatch(rb"[A-Za-z*]+", tok):
            stack = []
        else:
            stack.append(tok)
    if line:
        lines.append("".join(line))
    return "\n".join(lines)


def read_pdf(path):
    pdf = open(path, "rb").read()
    objs = objects(pdf)
    root = ref(pdf[pdf.rfind(b"trailer"):], rb"Root")
    pages_root = ref(objs[root][0], rb"Pages")
    pages = []

    def walk(n, inherited):
        d = objs[n][0]
        box = re.search(rb"/MediaBox\s*\[([^\]]*)\]", d)
        box = [float(x) for x in box.group(1).split()] if box else inherited
        if re.search(rb"/Type\s*/Pages", d):
            kids = re.search(rb"/Kids\s*\[([^\]]*)\]", d).group(1)
            for k in REF.findall(kids):
                walk(int(k), box)
        else:
            pages.append((n, box))

    walk(pages_root, None)
    texts, boxes = [], []
    for n, box in pages:
        d = objs[n][0]
        boxes.append(box)
        m = re.search(rb"/Contents\s*(\[[^\]]*\]|\d+ 0 R)", d)
        content = b"".join(objs[int(k)][1].get() for k in REF.findall(m.group(1))) if m else b""
        texts.append(text_of(content, fonts(objs, d)))
    return {"pages": len(pages), "media_boxes": boxes, "text": "\n".join(texts)}


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    pack = sys.argv[1]
    out = {}
    for root, _, files in sorted(os.walk(pack)):
        for f in sorted(files):
            if f.endswith(".pdf"):
                p = os.path.join(root, f)
                out[os.path.relpath(p, pack)] = read_pdf(p)
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
