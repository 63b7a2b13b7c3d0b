#!/usr/bin/env python3
"""zxing-cpp peer for label-bench: decodes each image named on stdin (one path a line) with zxing-cpp's default
options and prints one JSON line per image: {"file", "ms" (load + decode, wall), "symbols": [{"text", "format"}]}
or {"file", "error"}. Needs `pip install zxing-cpp pillow`."""
import json
import sys
import time

import zxingcpp
from PIL import Image


def upce_to_upca(e):
    """UPC-E (8 digits) to its UPC-A expansion, the standard zero-suppression rules."""
    ns, d, check = e[0], e[1:7], e[7]
    if d[5] in "012":
        body = d[0:2] + d[5] + "0000" + d[2:5]
    elif d[5] == "3":
        body = d[0:3] + "00000" + d[3:5]
    elif d[5] == "4":
        body = d[0:4] + "00000" + d[4]
    else:
        body = d[0:5] + "0000" + d[5]
    return ns + body + check


def gtin13(text, fmt):
    # The corpus writes UPC-A and UPC-E as GTIN-13 (as zbar reports them); zxing-cpp reports 12 and 8 digits.
    if fmt == "UPCA" and len(text) == 12:
        return "0" + text
    if fmt == "UPCE" and len(text) == 8 and text.isdigit():
        return "0" + upce_to_upca(text)
    return text


def main():
    for line in sys.stdin:
        path = line.rstrip("\n")
        if not path:
            continue
        start = time.perf_counter()
        try:
            with Image.open(path) as image:
                grey = image.convert("L")
            results = zxingcpp.read_barcodes(grey)
            symbols = []
            for r in results:
                # Raw bytes decoded as UTF-8 where valid, like our decoder (labels write UTF-8 without ECI).
                raw = bytes(r.bytes)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = r.text
                symbols.append({"text": gtin13(text, r.format.name), "format": r.format.name})
            out = {"file": path, "ms": (time.perf_counter() - start) * 1000, "symbols": symbols}
        except Exception as error:  # a peer's failure on one file is a miss, not the end of the run
            out = {"file": path, "ms": (time.perf_counter() - start) * 1000, "error": str(error)}
        print(json.dumps(out, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()
