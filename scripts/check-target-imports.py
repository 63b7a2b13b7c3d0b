#!/usr/bin/env python3
"""Fails when a target's sources import a module its Package.swift entry does not name as a dependency (SwiftPM's
--explicit-target-dependency-import-check covers the package's own targets only, not other packages' products)."""
import glob, re, sys

package = open("Package.swift").read()
starts = [(m.start(), m.group(1)) for m in re.finditer(r'\.(?:target|executableTarget|testTarget|systemLibrary)\(\s*name: "(\w+)"', package)]
platform = {"Foundation", "FoundationEssentials", "FoundationNetworking", "Glibc", "Dispatch", "Synchronization", "Testing", "XCTest",
            "_Concurrency", "Darwin", "os", "CryptoKit"}
failed = False
for index, (start, name) in enumerate(starts):
    body = package[start:starts[index + 1][0] if index + 1 < len(starts) else len(package)]
    path = re.search(r'path: "([^"]+)"', body)
    folders = [path.group(1)] if path else [f"Sources/{name}", f"Tests/{name}"]
    imported = set()
    for folder in folders:
        for file in glob.glob(f"{folder}/**/*.swift", recursive=True):
            for line in open(file, encoding="utf-8"):
                found = re.match(r"^(?:@testable |public |internal |package )*import (?:(?:enum|struct|class|protocol|func|typealias|var|let) )?(\w+)", line)
                if found:
                    imported.add(found.group(1))
    missing = sorted(m for m in imported - platform - {name} if f'"{m}"' not in body)
    if missing:
        failed = True
        print(f"{name} imports {', '.join(missing)} without declaring it in Package.swift", file=sys.stderr)
sys.exit(1 if failed else 0)
