#!/usr/bin/env python3
"""The peers' cascade for label-bench: what a station script built from the usual tools does with a label photo.
zbar (pyzbar) on the half-size image of a large frame, then the full image, then the working image rotated by
45, 22.5 and 67.5 degrees, a 2x upscale (frames under 1600 px), a contrast-normalised copy, and finally zxing-cpp;
it stops at the first pass that reads a Code 128 symbol. Each image named on stdin (one path a line) gets one JSON
line: {"file", "ms" (load + passes, wall), "pass" (the pass that stopped it, or null), "symbols": [{"text",
"format"}]} or {"file", "error"}. Needs `pip install pyzbar zxing-cpp pillow` and libzbar0."""
import json
import sys
import time

import zxingcpp
from PIL import Image, ImageOps
from pyzbar import pyzbar

LARGE = 1600


def zbar(image):
    return [(r.data.decode("utf-8", "replace"), r.type) for r in pyzbar.decode(image)]


def zxing(image):
    out = []
    for r in zxingcpp.read_barcodes(image):
        raw = bytes(r.bytes)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = r.text
        out.append((text, r.format.name))
    return out


def passes(grey):
    large = max(grey.size) >= LARGE
    half = grey.reduce(2) if large else None
    work = half if large else grey
    if large:
        yield "half", lambda: zbar(half)
    yield "full", lambda: zbar(grey)
    for angle in (45, 22.5, 67.5):
        yield "rotate%g" % angle, lambda a=angle: zbar(work.rotate(a, resample=Image.BILINEAR, expand=True, fillcolor=255))
    if not large:
        yield "upscale2", lambda: zbar(grey.resize((grey.width * 2, grey.height * 2), Image.BICUBIC))
    yield "contrast", lambda: zbar(ImageOps.autocontrast(work, cutoff=1))
    yield "zxing", lambda: zxing(work)


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        start = time.perf_counter()
        try:
            with Image.open(path) as image:
                grey = image.convert("L")
            found, stopped = [], None
            for name, run in passes(grey):
                reads = run()
                found += [r for r in reads if r not in found]
                if any(kind in ("CODE128", "Code128") for _, kind in reads):
                    stopped = name
                    break
            out = {"file": path, "ms": (time.perf_counter() - start) * 1000, "pass": stopped,
                   "symbols": [{"text": text, "format": kind} for text, kind in found]}
        except Exception as error:  # a failure on one file is a miss, not the end of the run
            out = {"file": path, "ms": (time.perf_counter() - start) * 1000, "error": str(error)}
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
