public import Logging
public import ParcelStore
public import StationEngine

/// A real ledger file in a fresh temporary folder, a `StationEngine` on it and a `FakeClock`: what an engine test
/// starts from. The folder goes when the last copy of the fixture does.
public struct EngineFixture: Sendable {
    public let directory: TemporaryDirectory
    public let store: ParcelStore
    public let clock: FakeClock
    public let settings: StationSettings
    public let engine: StationEngine

    public init(
        prefix: String, settings: StationSettings = StationSettings(), clock: FakeClock = FakeClock(),
        logger: Logger = Logger(label: "test")
    ) async throws {
        directory = try TemporaryDirectory(prefix: prefix)
        store = try ParcelStore(path: directory.file("parcels.sqlite"))
        self.clock = clock
        self.settings = settings
        engine = try await StationEngine(store: store, settings: settings, clock: clock, logger: logger)
    }

    /// Another engine on the same ledger and clock, as after a restart (with the same or changed settings).
    public func restartedEngine(settings: StationSettings? = nil, logger: Logger = Logger(label: "test")) async throws -> StationEngine {
        try await StationEngine(store: store, settings: settings ?? self.settings, clock: clock, logger: logger)
    }
}

/// A suite built on one `EngineFixture` (a fresh one per test, as Swift Testing makes a suite value per test): its
/// tests name the fixture's parts directly.
public protocol EngineSuite {
    var fixture: EngineFixture { get }
}

extension EngineSuite {
    public var directory: TemporaryDirectory { fixture.directory }
    public var store: ParcelStore { fixture.store }
    public var clock: FakeClock { fixture.clock }
    public var settings: StationSettings { fixture.settings }
    public var engine: StationEngine { fixture.engine }
}
