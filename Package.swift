// swift-tools-version:6.1
// parcel-station: the station daemon (`parcel-stationd`), its client (`parcelctl`) and benchmark (`parcel-bench`).
// Module map (see README "Architecture"): ParcelDomain is pure; ParcelStore is the only GRDB user;
// StationProtocol is wire types only; StationEngine holds the use-cases; StationServer is the NIO socket edge;
// StationDaemon wires every concrete adapter.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6)
]

let package = Package(
    name: "parcel-station",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "parcel-stationd", targets: ["StationDaemon"]),
        .executable(name: "parcelctl", targets: ["StationCLI"]),
        .executable(name: "parcel-bench", targets: ["ParcelBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.0"),
    ],
    targets: [
        .target(name: "ParcelDomain", swiftSettings: swiftSettings),
        .target(
            name: "ParcelStore",
            dependencies: [
                "ParcelDomain",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "StationProtocol", exclude: ["Protocol.md"], swiftSettings: swiftSettings),
        .target(
            name: "StationEngine",
            dependencies: [
                "ParcelDomain", "ParcelStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "StationServer",
            dependencies: [
                "StationProtocol", "StationEngine", "ParcelDomain",
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
        .executableTarget(
            name: "StationDaemon",
            dependencies: [
                "StationServer", "StationEngine", "ParcelStore", "ParcelDomain", "SystemdSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "StationClient",
            dependencies: ["StationProtocol"],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "StationCLI",
            dependencies: [
                "StationClient", "StationProtocol",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "ParcelBench",
            dependencies: [
                "StationClient", "StationProtocol", "ParcelStore",
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        .target(
            name: "StationTestSupport",
            dependencies: ["StationClient", "StationProtocol"],
            path: "Tests/StationTestSupport",
            swiftSettings: swiftSettings),
        .testTarget(name: "ParcelDomainTests", dependencies: ["ParcelDomain"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ParcelStoreTests",
            // GRDB directly only to poke at the schema with raw SQL.
            dependencies: ["ParcelStore", "ParcelDomain", "StationTestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationEngineTests",
            dependencies: [
                "StationEngine", "ParcelStore", "ParcelDomain", "StationTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "StationProtocolTests",
            dependencies: ["StationProtocol"],
            // Golden files are read from the source tree (#filePath), so they are not bundled.
            exclude: ["Golden"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "EndToEndTests",
            // The executables are dependencies so `swift test` builds them before the tests that spawn them.
            dependencies: ["StationClient", "StationProtocol", "StationTestSupport", "ParcelStore", "StationDaemon", "StationCLI"],
            swiftSettings: swiftSettings),
    ]
)
