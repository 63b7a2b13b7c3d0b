import ArgumentParser
import Foundation
import LabelDecoding
import Logging
import NIOCore
import Notices
import ParcelStore
import ScannerInput
import ServiceLifecycle
import StationConfiguration
import StationEngine
import StationServer
import SystemdSupport
import UnixSignals

/// `parcel-stationd`: configuration and service wiring, nothing else.
@main
struct ParcelStationd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parcel-stationd",
        abstract: "The parcel station daemon: ledger on SQLite, served on a local Unix socket.",
        version: StationServerVersion.string)

    @Option(name: .customLong("state-dir"), help: "Folder for parcels.sqlite (default: $STATE_DIRECTORY, else ./run/state).")
    var stateDirectory: String?

    @Option(
        name: .customLong("socket"),
        help:
            "Socket path to bind when not socket-activated (default: $RUNTIME_DIRECTORY/parcel-station.sock, else ./run/parcel-station.sock)."
    )
    var socketPath: String?

    @Option(name: .customLong("config"), help: "JSON configuration file (station, shelves, rules, access).")
    var configPath: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?

    @Flag(
        name: .customLong("check-config"),
        help: "Read and check the configuration, then exit: 0 when it is good, 78 with the reason when not.")
    var checkConfig = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let config: DaemonConfiguration
        do {
            config = try DaemonConfiguration.load(path: configPath)
        } catch {
            FileHandle.standardError.write(Data("parcel-stationd: \(error)\n".utf8))
            throw ExitCode(78)  // EX_CONFIG
        }
        if checkConfig {
            print("configuration \(configPath ?? "(none: defaults)") is good")
            return
        }
        let levelName = logLevel ?? config.logLevel ?? environment["PARCEL_STATION_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            FileHandle.standardError.write(
                Data("parcel-stationd: log level \"\(levelName)\": one of \(DaemonConfiguration.logLevels.joined(separator: ", "))\n".utf8))
            throw ExitCode(78)
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "parcel-stationd")

        let stateDir =
            stateDirectory ?? environment["STATE_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) } ?? "run/state"
        let runtimeDir = environment["RUNTIME_DIRECTORY"].flatMap { $0.split(separator: ":").first.map(String.init) }
        let socket = socketPath ?? runtimeDir.map { "\($0)/parcel-station.sock" } ?? "run/parcel-station.sock"

        let policy: AccessPolicy
        do {
            policy = try AccessPolicy.resolve(users: config.access?.writers?.users ?? [], groups: config.access?.writers?.groups ?? [])
        } catch {
            logger.critical("\(error)")
            throw ExitCode(78)
        }

        let store: ParcelStore
        do {
            try FileManager.default.createDirectory(atPath: stateDir, withIntermediateDirectories: true)
            // Before anything reads or writes it: a damaged ledger is refused, never served or written onto.
            if let damage = try LedgerIntegrity.startupCheck(path: "\(stateDir)/parcels.sqlite") {
                logger.critical("\(damage)")
                throw ExitCode(73)
            }
            store = try ParcelStore(path: "\(stateDir)/parcels.sqlite")
        } catch let exit as ExitCode {
            throw exit
        } catch {
            logger.critical("cannot open the ledger in \(stateDir): \(error)")
            throw ExitCode(73)  // EX_CANTCREAT
        }
        var limits = DecodeLimits.standard
        if let bytes = config.labels?.maxFileBytes { limits.maxFileBytes = bytes }
        if let pixels = config.labels?.maxPixels { limits.maxPixels = pixels }
        if let bytes = config.labels?.maxMemoryBytes { limits.maxMemoryBytes = bytes }
        if let ms = config.labels?.timeBudgetMs { limits.timeBudget = .milliseconds(ms) }
        let labelReader = ZBarLabelReader(
            limits: limits, maxConcurrent: config.labels?.maxConcurrent ?? ProcessInfo.processInfo.activeProcessorCount,
            readsPhoneTail: config.labels?.phoneTail ?? false,
            phoneTailBudget: config.labels?.phoneTailBudgetMs.map { .milliseconds($0) } ?? LabelDecoder.standardPhoneTailBudget)
        let clock = try Self.clock(logger: logger)
        let engine = try await StationEngine(
            store: store, settings: config.settings, clock: clock, logger: logger, labelReader: labelReader)

        let adopted = SocketActivation.adoptListeningDescriptors().first(where: SocketActivation.isUnixStreamListener)
        var serverConfig = ServerConfiguration(socketPath: adopted == nil ? socket : "(systemd socket)", adoptedDescriptor: adopted)
        if let bytes = config.server?.maxLineBytes { serverConfig.maximumLineLength = bytes }
        if let count = config.server?.maxConnections { serverConfig.maximumConnections = count }
        // One user may take seven eighths of the connections; the last eighth stays for the others.
        serverConfig.maximumConnectionsPerUser =
            config.server?.maxConnectionsPerUser ?? max(1, serverConfig.maximumConnections - serverConfig.maximumConnections / 8)
        if let seconds = config.server?.lineTimeoutSeconds { serverConfig.lineTimeout = .seconds(Int64(seconds)) }
        if let seconds = config.server?.idleTimeoutSeconds { serverConfig.idleTimeout = .seconds(Int64(seconds)) }
        if let mode = config.server?.socketMode.flatMap({ mode_t($0, radix: 8) }) { serverConfig.socketMode = mode }

        let notifier = SystemdNotifier()
        let readiness = Readiness()
        let server = StationServer(
            configuration: serverConfig, engine: engine, policy: policy, logger: logger,
            onReady: { path in
                logger.info("ready", metadata: ["socket": "\(path)", "database": "\(store.path)"])
                notifier.ready(status: "serving \(path)")
                readiness.markReady()
            },
            onShutdown: { notifier.stopping() })
        var services: [any Service] = [server]
        let scannerInput = config.scanners?.input ?? ScannerInputConfiguration()
        if scannerInput.usbEnabled || !scannerInput.serial.isEmpty {
            services.append(ScannerService(configuration: scannerInput, engine: engine, logger: logger))
        }
        if let notices = config.notices {
            do {
                services.append(
                    try Self.noticeService(
                        notices, store: store, settings: config.settings, holdHours: config.settings.holdHours, clock: clock, logger: logger
                    ))
            } catch {
                logger.critical("notices: \(error)")
                throw ExitCode(78)
            }
        }
        if let county = config.county {
            // Never a reason not to start: a station scans offline, and the sync says what is wrong on Sync.Status.
            services.append(CountySyncService(county, store: store, engine: engine, logger: logger))
        }
        if let backup = config.backup {
            services.append(
                BackupService(
                    store: store,
                    schedule: .init(
                        folder: backup.folder, interval: .seconds(60 * (backup.intervalMinutes ?? 360)), keep: backup.keep ?? 14),
                    engine: engine, logger: logger))
        }
        for spool in config.labels?.spool ?? [] {
            services.append(
                LabelSpool(
                    folder: spool.path, engine: engine, logger: logger, proof: spool.proof.flatMap(ProofKind.init(rawValue:)),
                    proofWindow: .seconds(spool.proofWindowSeconds ?? 120)))
        }
        services.append(
            PrivacyPurgeService(engine: engine, interval: .seconds(60 * (config.privacy?.intervalMinutes ?? 60)), logger: logger))
        if let interval = SystemdNotifier.watchdogInterval() {
            services.append(
                WatchdogService(notifier: notifier, interval: interval, readiness: readiness, logger: logger) {
                    // Healthy when the ledger answers a read.
                    await engine.isHealthy()
                })
        }
        // Services stop in reverse order: the deadline (last) starts its clock first, the server (first) drains last.
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { .init(service: $0) }
                + [.init(service: ShutdownDeadline(logger: logger), successTerminationBehavior: .ignore)],
            gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        // No maximumCancellationDuration: ServiceGroup traps (SIGILL) when it passes; ShutdownDeadline exits cleanly.
        groupConfiguration.maximumGracefulShutdownDuration = ShutdownDeadline.graceful
        let group = ServiceGroup(configuration: groupConfiguration)
        var failure: (any Error)? = nil
        do {
            try await group.run()
        } catch {
            logger.critical("stopped on error: \(error)")
            failure = error
        }
        // The database closes last, after the server has finished every request.
        do {
            try store.close()
        } catch {
            logger.error("closing the ledger: \(error)")
        }
        logger.info("stopped")
        if failure != nil { throw ExitCode(1) }
    }

    static func noticeService(
        _ notices: DaemonConfiguration.NoticesConfig, store: ParcelStore, settings: StationSettings, holdHours: Int,
        clock: any StationClock = SystemClock(), logger: Logger
    ) throws -> NoticeService {
        let zone = notices.timeZone.flatMap(TimeZone.init(identifier:)) ?? TimeZone(identifier: "Asia/Shanghai")!
        let hours = notices.openingHours ?? "8:00-20:00"
        let templates =
            try notices.templates.map {
                try NoticeTemplateSet.load(
                    path: $0, sample: NoticeFacts.longest(stationName: settings.stationName, openingHours: hours), timeZone: zone)
            } ?? .defaults
        let channel: any NoticeChannel
        if let exec = notices.exec {
            channel = ExecChannel(
                .init(executable: exec.executable, arguments: exec.arguments ?? [], timeoutSeconds: exec.timeoutSeconds ?? 30))
        } else if let http = notices.http, let url = URL(string: http.url) {
            channel = HTTPChannel(.init(url: url, headers: http.headers ?? [:], timeoutSeconds: http.timeoutSeconds ?? 15))
        } else {
            throw ConfigurationError("notices: no channel")
        }
        let plan = NoticePlan(
            reminders: ReminderSchedule(
                firstAfterHours: notices.firstReminderAfterHours ?? 48, spacingHours: notices.reminderSpacingHours ?? 24,
                maxReminders: notices.maxReminders ?? 2),
            hold: HoldPeriod(hours: Double(holdHours)), overdueWarning: notices.overdueWarning ?? true)
        return NoticeService(
            store: store, settings: settings, composer: NoticeComposer(templates: templates, timeZone: zone), plan: plan,
            openingHours: hours,
            channel: channel, quietHours: notices.quietHours ?? .none(timeZone: zone),
            retry: RetryPolicy(
                baseSeconds: notices.retryBaseSeconds ?? 60, capSeconds: notices.retryCapSeconds ?? 3600,
                maxAttempts: notices.maxAttempts ?? 8,
                jitter: 0.2), clock: clock, logger: logger)
    }

    /// The station's clock: the system's, moved by `PARCEL_STATION_CLOCK_OFFSET_SECONDS` when that is set (drills,
    /// end-to-end tests of a day or a week; never on a working station, hence the warning).
    static func clock(logger: Logger) throws -> any StationClock {
        guard let text = ProcessInfo.processInfo.environment["PARCEL_STATION_CLOCK_OFFSET_SECONDS"], !text.isEmpty else {
            return SystemClock()
        }
        guard let seconds = Int64(text), abs(seconds) <= 100 * 365 * 86_400 else {
            logger.critical("PARCEL_STATION_CLOCK_OFFSET_SECONDS: whole seconds, such as -3600 or 604800")
            throw ExitCode(78)
        }
        logger.warning(
            "the station clock is moved by \(seconds) s (PARCEL_STATION_CLOCK_OFFSET_SECONDS): every time it records is off by that much")
        return OffsetClock(offsetSeconds: seconds)
    }
}
