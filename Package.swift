// swift-tools-version:6.1
// parcel-station: the station daemon (`parcel-stationd`), its client (`parcelctl`) and benchmark (`parcel-bench`).
// Module map (see README "Architecture"): ParcelDomain is pure; ParcelStore is the only GRDB user;
// StationProtocol is wire types only; StationEngine holds the use-cases; StationServer is the NIO socket edge;
// StationDaemon wires every concrete adapter.
import PackageDescription

// The dependency rules, kept by the compiler: an import is internal unless a file says `public import` (so a
// wrapper cannot leak GRDB or libusb through its API by accident), a member is visible only where its module is
// imported, and existential types are spelled `any`.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("InternalImportsByDefault"),
    .enableUpcomingFeature("MemberImportVisibility"),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "parcel-station",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parcel-stationd", targets: ["StationDaemon"]),
        .executable(name: "parcelctl", targets: ["StationCLI"]),
        .executable(name: "parcel-bench", targets: ["ParcelBench"]),
        .executable(name: "scanner-probe", targets: ["ScannerProbe"]),
        .executable(name: "label-bench", targets: ["LabelBench"]),
        .executable(name: "parcel-station-web", targets: ["StationWebMain"]),
        // Preloaded by `parcel-bench --flush-latency` into itself and the daemon: a slow disk flush, emulated.
        .library(name: "FlushLatency", type: .dynamic, targets: ["CFlushLatency"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.25.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.25.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        // WebDriver's HTTP: chromedriver writes `Content-Length:252` (no space), which Foundation's URLSession refuses.
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
    ],
    targets: [
        // Strict JSON syntax, a nesting limit and the control-character rule, checked before Foundation decodes
        // anything that comes from outside (requests, configuration, manifests, stored JSON). Foundation only.
        .target(name: "StrictJSON", swiftSettings: swiftSettings),
        .target(name: "ParcelDomain", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .target(name: "CFlushLatency", linkerSettings: [.linkedLibrary("dl")]),
        // Report documents (tables, bar charts, notes) and their CSV and HTML renderings; Foundation only, shared by
        // station and county reports.
        .target(name: "ReportRendering", swiftSettings: swiftSettings),
        // The station's printable documents made from wire results: report documents (laid out by ReportRendering)
        // and the scanner role command sheet (Code 128). parcelctl and the console both print from here.
        // Signed documents carried as QR codes on printed pages (DocumentQR): libqrencode draws them, zlib deflates the
        // document first, libpng writes the page images.
        .target(
            name: "StationDocuments",
            dependencies: [
                "ReportRendering", "StationProtocol", "ParcelDomain", "CQREncode", "CPNG", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "ParcelStore",
            dependencies: [
                "ParcelDomain", "StrictJSON",
                .product(name: "GRDB", package: "GRDB.swift"),
                // The C API under GRDB, for the scan's hot statements (`HotStatement`).
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "StationProtocol", exclude: ["Protocol.md"], swiftSettings: swiftSettings),
        .target(
            name: "StationReceipts",
            dependencies: ["StrictJSON", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "StationEngine",
            dependencies: [
                "ParcelDomain", "ParcelStore", "StationReceipts", "StrictJSON",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "StationServer",
            dependencies: [
                "StationProtocol", "StationEngine", "ParcelDomain", "ParcelStore", "StrictJSON", "StationReceipts",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "SystemdSupport",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // The daemon's configuration file: its shape, strict decoding and validation (a library so the fuzz target
        // reads it as the daemon does).
        .target(
            name: "StationConfiguration",
            dependencies: ["CountySync", "ParcelDomain", "Notices", "ScannerInput", "StationEngine", "StrictJSON"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "StationDaemon",
            dependencies: [
                "StationConfiguration", "StationServer", "StationEngine", "ParcelStore", "ParcelDomain", "SystemdSupport", "LabelDecoding",
                "ScannerInput", "Notices", "CountySync", "LedgerSync", "StrictJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // Label photos: zbar plus the image decoders, each a system library only LabelDecoding imports.
        .systemLibrary(name: "CZBar", pkgConfig: "zbar", providers: [.apt(["libzbar-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CWebP", pkgConfig: "libwebp", providers: [.apt(["libwebp-dev"])]),
        // ZXing-C++ (libzxing-dev) behind a C shim of our own: only LabelDecoding imports it.
        .target(name: "CZXingShim", linkerSettings: [.linkedLibrary("ZXing")]),
        // Tesseract's C API (libtesseract-dev, with tesseract-ocr-chi-sim): the recipient's phone tail read from a
        // label photo. Only LabelDecoding imports it.
        .systemLibrary(name: "CTesseract", pkgConfig: "tesseract", providers: [.apt(["libtesseract-dev"])]),
        .target(
            name: "LabelDecoding",
            dependencies: ["ParcelDomain", "StrictJSON", "CZBar", "CTurboJPEG", "CPNG", "CWebP", "CZXingShim", "CTesseract"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "LabelBench",
            dependencies: ["LabelDecoding", "ParcelDomain", .product(name: "ArgumentParser", package: "swift-argument-parser")],
            swiftSettings: swiftSettings),
        .target(
            name: "StationClient",
            // A blocking connection for parcelctl and the tests, and an async multiplexed one (StationLink) on NIO.
            dependencies: [
                "StationProtocol", "StrictJSON", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),
        .target(
            name: "StationWeb",
            // The console: Hummingbird pages over the daemon's socket only (StationClient), never the engine or the store.
            dependencies: [
                "StationClient", "StationProtocol", "StrictJSON", "ReportRendering", "StationDocuments", "ParcelDomain", "CQREncode",
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // A W3C WebDriver client for the console's browser tests and `parcel-bench --web` (a real Chromium).
        .target(
            name: "WebDriver",
            dependencies: [
                "StrictJSON", .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "StationWebMain",
            dependencies: [
                "StationWeb", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "StationCLI",
            dependencies: [
                "StationClient", "StationProtocol", "LabelDecoding", "ParcelDomain", "StationReceipts", "Notices", "CountySync",
                "ReportRendering", "StationDocuments", "StrictJSON",
                // parcelctl ledger/backup restore work on the ledger files offline (integrity and custody chain checks).
                "ParcelStore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                // parcelctl county talks to the county's PostgreSQL directly.
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ParcelBench",
            dependencies: [
                "StationClient", "StationProtocol", "ParcelStore", "StationReceipts", "StationEngine", "CountySync", "LedgerSync",
                "ParcelDomain", "WebDriver", "StrictJSON",
                // --exchange signs the manifest and receipt it verifies.
                .product(name: "Crypto", package: "swift-crypto"),
                // Spawn: child processes reaped with waitpid, as the county tests do.
                "StationTestSupport",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                // The county benchmark's black-hole listener and event loops.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // Scanner input: libusb (only ScannerInput imports CLibUSB), HID keyboard / HID POS / serial decoding, hot-plug.
        .systemLibrary(name: "CLibUSB", pkgConfig: "libusb-1.0", providers: [.apt(["libusb-1.0-0-dev"])]),
        .target(
            name: "ScannerInput",
            dependencies: ["CLibUSB", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ScannerProbe",
            dependencies: [
                "ScannerInput", "StrictJSON",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // County sync: the station's outbox uploaded to the county's PostgreSQL, the county schema and its reports.
        // Only this module imports PostgresNIO; it reads the outbox through a protocol, so it needs no GRDB.
        .target(
            name: "CountySync",
            dependencies: [
                "ParcelDomain", "ReportRendering",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        // The ledger's outbox adapted to the county syncer (joins ParcelStore and CountySync, which know nothing of each other).
        .target(name: "LedgerSync", dependencies: ["CountySync", "ParcelStore"], swiftSettings: swiftSettings),
        // Pickup notices (取件通知): templates, exec/HTTP channels, delivery policy, dispatcher over a queue protocol.
        .target(
            name: "Notices",
            dependencies: ["StrictJSON", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        // Fuzz targets (scripts/fuzz.sh builds them with -sanitize=fuzzer -DFUZZING for libFuzzer); in the ordinary
        // build each replays files, so the committed seeds and every crash found stay regression inputs.
        .target(name: "FuzzSupport", swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzRequestLine", dependencies: ["FuzzSupport", "StationProtocol", "StrictJSON"], path: "Sources/Fuzz/FuzzRequestLine",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzScanText", dependencies: ["FuzzSupport", "ParcelDomain"], path: "Sources/Fuzz/FuzzScanText",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzManifest", dependencies: ["FuzzSupport", "ParcelDomain"], path: "Sources/Fuzz/FuzzManifest",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzConfiguration", dependencies: ["FuzzSupport", "StationConfiguration"], path: "Sources/Fuzz/FuzzConfiguration",
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "FuzzImage", dependencies: ["FuzzSupport", "LabelDecoding"], path: "Sources/Fuzz/FuzzImage", swiftSettings: swiftSettings),
        .target(
            name: "StationTestSupport",
            // The engine tests' shared set-up (EngineFixture, FakeClock, CapturingLogHandler).
            dependencies: [
                "StationClient", "StationProtocol", "StationEngine", "ParcelStore", .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/StationTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "ParcelDomainTests", dependencies: ["ParcelDomain", "StationTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "StrictJSONTests", dependencies: ["StrictJSON"], swiftSettings: swiftSettings),
        .testTarget(
            name: "StationWebTests",
            // parcel-station-web is a dependency so it is built before the browser tests spawn it.
            dependencies: ["StationWeb", "StationWebMain", "WebDriver", "StationTestSupport", "StationClient", "StationProtocol"],
            swiftSettings: swiftSettings),
        .testTarget(name: "ReportRenderingTests", dependencies: ["ReportRendering"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ParcelStoreTests",
            // GRDB directly only to poke at the schema with raw SQL.
            dependencies: ["ParcelStore", "ParcelDomain", "StationTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationEngineTests",
            dependencies: [
                "StationEngine", "ParcelStore", "ParcelDomain", "StationTestSupport", "StationReceipts",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationReceiptsTests",
            dependencies: ["StationReceipts", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SystemdSupportTests",
            dependencies: ["SystemdSupport", "StationTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationProtocolTests",
            dependencies: ["StationProtocol", "StationTestSupport"],
            // Golden files are read from the source tree (#filePath), so they are not bundled.
            exclude: ["Golden"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationServerTests",
            // The dispatcher in process with made-up peers (access without root); golden requests from StationProtocolTests.
            dependencies: [
                "StationServer", "StationEngine", "StationProtocol", "StationClient", "ParcelStore", "ParcelDomain", "StationTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "LabelDecodingTests",
            // StationTestSupport for the CPU-bound trait: photo decodes run off the cooperative pool.
            dependencies: ["LabelDecoding", "ParcelDomain", "StationTestSupport"],
            // Fixture images are read from the source tree (#filePath), so they are not bundled.
            exclude: ["Fixtures"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationDocumentsTests",
            // Printed QR pages read back with the real zbar (LabelDecoding); signed manifests to carry (StationReceipts).
            dependencies: ["StationDocuments", "LabelDecoding", "StationReceipts", .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "ScannerInputTests",
            // scanner-probe is a dependency so it is built before the umockdev tests spawn it.
            dependencies: ["ScannerInput", "ScannerProbe", "StationTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "NoticesTests",
            dependencies: ["Notices", "StationTestSupport", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CountySyncTests",
            // A real PostgreSQL (started by scripts/test.sh, or by the tests when PARCEL_STATION_PG_BIN is found).
            dependencies: [
                "CountySync", "LedgerSync", "ParcelStore", "StationEngine", "ParcelDomain", "StationTestSupport", "StationClient",
                "ReportRendering",
                "StationProtocol", "StationDaemon", "StationCLI", .product(name: "Logging", package: "swift-log"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            // The executables are dependencies so `swift test` builds them before the tests that spawn them.
            // GRDB to damage a ledger on purpose; LabelDecoding for its hostile-image generator.
            dependencies: [
                "StationClient", "StationProtocol", "StationTestSupport", "ParcelStore", "StationDaemon", "StationCLI", "StationWebMain",
                "LabelDecoding",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
    ]
)
