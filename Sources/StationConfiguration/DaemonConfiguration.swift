package import CountySync
package import Foundation
package import Notices
package import ParcelDomain
package import ScannerInput
package import StationEngine
import StrictJSON

/// The daemon's configuration file (JSON). Every field is optional; see the README ("Running the daemon") and
/// `examples/parcel-station.json`.
package struct DaemonConfiguration: Decodable {
    package struct Station: Decodable {
        package var id: String?
        package var name: String?
        /// The places this station itself serves (its village names, its sort-code prefixes): a manifest line or
        /// a label naming one of them is for this station, not misrouted.
        package var villages: [String]?
        package var sortCodes: [String]?
    }
    package struct Writers: Decodable {
        package var users: [String]?
        package var groups: [String]?
    }
    package struct Access: Decodable {
        package var writers: Writers?
    }
    package struct Server: Decodable {
        package var maxLineBytes: Int?
        package var maxConnections: Int?
        package var maxConnectionsPerUser: Int?
        package var lineTimeoutSeconds: Int?
        package var idleTimeoutSeconds: Int?
        /// Octal, as a string: "0660".
        package var socketMode: String?
    }

    /// Scanner roles and counters (the engine's side of scanning).
    package struct Scanners: Decodable {
        package struct Assignment: Decodable {
            /// Serial number, USB port path (`1-1.2`), device path (`/dev/ttyACM0`) or full scanner id.
            package var match: String
            package var role: ScannerRole
            package var counter: String?
            package var name: String?
        }
        package var defaultRole: ScannerRole?
        package var assignments: [Assignment]?
        package var duplicateWindowMs: Int?
        package var verificationSeconds: Int?
        /// The hardware side, from the same object: usbEnabled, catalogue, keyboard, serial,
        /// reattachGraceMilliseconds, continuationTimeoutMilliseconds (see ScannerInput).
        package var input: ScannerInputConfiguration

        enum CodingKeys: String, CodingKey {
            case defaultRole, assignments, duplicateWindowMs, verificationSeconds
        }

        package init() { input = ScannerInputConfiguration() }

        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            defaultRole = try container.decodeIfPresent(ScannerRole.self, forKey: .defaultRole)
            assignments = try container.decodeIfPresent([Assignment].self, forKey: .assignments)
            duplicateWindowMs = try container.decodeIfPresent(Int.self, forKey: .duplicateWindowMs)
            verificationSeconds = try container.decodeIfPresent(Int.self, forKey: .verificationSeconds)
            input = try ScannerInputConfiguration(from: decoder)
        }
    }

    /// A courier or driver who hands parcels over.
    package struct PartyConfig: Decodable {
        package var id: String
        package var name: String
        package var company: String?
        package var badge: String?
        package var pin: String?
    }
    /// Guessing limits on pickup verification (see `GuessLimit`).
    package struct PickupGuessing: Decodable {
        /// Wrong credentials one client (peer uid) and one counter may give within `windowSeconds`.
        package var clientFailures: Int?
        package var counterFailures: Int?
        package var windowSeconds: Int?
        package var cooldownSeconds: Int?
        package var maxCooldownSeconds: Int?
    }
    package struct Handoffs: Decodable {
        package var parties: [PartyConfig]?
        package var pinAttempts: Int?
        package var pinLockoutMinutes: Int?
    }

    /// Label photos: decoder limits and the watched spool folders of document cameras.
    package struct Labels: Decodable {
        package struct Spool: Decodable {
            package var path: String
            /// What a photo there does (default intake).
            package var role: ScannerRole?
            package var counter: String?
            /// `photo` or `signature`: a pickup-proof folder (出库拍照). Its images are never decoded as labels: each
            /// is linked to the pickup its name names (`pickup-42.jpg`, `SF1234567890123.jpg`), else to the one
            /// pickup made within `proofWindowSeconds` before it arrived, and kept in the state folder's `proofs/`.
            package var proof: String?
            /// Default 120.
            package var proofWindowSeconds: Int?
        }
        package var maxFileBytes: Int?
        package var maxPixels: Int?
        package var timeBudgetMs: Int?
        /// Memory one decode may hold (default 256 MiB): passes that would not fit are skipped.
        package var maxMemoryBytes: Int?
        package var maxConcurrent: Int?
        package var spool: [Spool]?
        /// Read the recipient's phone tail from each label photo (Tesseract OCR of the 收 block, ~0.5 s a photo):
        /// off unless set, while its read rate is below what staff can rely on (README, label photos).
        package var phoneTail: Bool?
        /// The most time the phone tail's OCR may take of a photo's decode (default 1500 ms). A slow station PC may
        /// give it more: on generated sets more tails are read, at the cost of a longer wait on hard photos.
        package var phoneTailBudgetMs: Int?
    }

    /// Pickup notices (取件通知): a channel turns them on.
    package struct NoticesConfig: Decodable {
        package struct Exec: Decodable {
            package var executable: String
            package var arguments: [String]?
            package var timeoutSeconds: Double?
        }
        package struct HTTP: Decodable {
            package var url: String
            package var headers: [String: String]?
            package var timeoutSeconds: Double?
        }
        package var exec: Exec?
        package var http: HTTP?
        /// A template file (JSON or `kind = text` lines); defaults built in.
        package var templates: String?
        package var openingHours: String?
        /// `{"start": "21:00", "end": "8:00", "timeZone": "Asia/Shanghai"}`; none by default.
        package var quietHours: QuietHours?
        package var timeZone: String?
        package var firstReminderAfterHours: Double?
        package var reminderSpacingHours: Double?
        package var maxReminders: Int?
        package var overdueWarning: Bool?
        /// Backoff between attempts: the first wait, the longest, and how many attempts in all.
        package var retryBaseSeconds: Double?
        package var retryCapSeconds: Double?
        package var maxAttempts: Int?
    }

    package struct Outgoing: Decodable {
        /// Outgoing parcels need the sender's ID checked (实名寄递).
        package var requireIDCheck: Bool?
    }

    /// Reports (日报, 月报): the time zone their days are reckoned in, and the commission per parcel picked up.
    package struct Reports: Decodable {
        /// IANA identifier; default Asia/Shanghai.
        package var timeZone: String?
        /// Fen per parcel picked up, by courier code, `default` for the others: `{"ZTO": 40, "default": 30}`.
        package var commissionFen: [String: Int]?
    }

    /// The county's PostgreSQL, which the station uploads its outbox to (off when absent).
    package struct County: Decodable {
        /// host, port, database, user (the station's own role: the county's row-level security lets it write only
        /// its own rows), passwordFile (PARCEL_STATION_COUNTY_PASSWORD also works), tls, caFile, timeoutSeconds.
        package var link: CountyLinkSettings
        package var batchSize: Int?
        package var pollSeconds: Int?
        package var retryMaxSeconds: Int?

        enum CodingKeys: String, CodingKey { case batchSize, pollSeconds, retryMaxSeconds }

        package init(from decoder: any Decoder) throws {
            link = try CountyLinkSettings(from: decoder)
            let container = try decoder.container(keyedBy: CodingKeys.self)
            batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize)
            pollSeconds = try container.decodeIfPresent(Int.self, forKey: .pollSeconds)
            retryMaxSeconds = try container.decodeIfPresent(Int.self, forKey: .retryMaxSeconds)
        }
    }

    /// Scheduled backups of the ledger to a folder on another disk (off when absent).
    package struct Backup: Decodable {
        /// A folder on a second disk or a USB stick; a missing or unwritable folder is reported, never fatal.
        package var folder: String
        /// Minutes between backups (default 360: four a day); the first is taken this long after start.
        package var intervalMinutes: Int?
        /// Backups kept, the newest (default 14).
        package var keep: Int?
    }

    /// Privacy (隐私): personal fields of ended stays are erased `retentionDays` after the stay ended (default 30;
    /// 0: at the next run), by a job that runs at start-up and every `intervalMinutes` (60), `batchSize` (500)
    /// parcels per write transaction.
    package struct Privacy: Decodable {
        package var retentionDays: Int?
        package var intervalMinutes: Int?
        package var batchSize: Int?
    }

    /// The other parcel-stations of the chain: `{"stations": [{"id", "name", "tier", "publicKey", "villages",
    /// "sortCodes"}]}`. One that lists villages or sort codes is downstream: parcels for them are relayed there.
    package struct Chain: Decodable {
        package struct StationConfig: Decodable {
            package var id: String
            package var name: String
            package var tier: NodeTier
            package var publicKey: String?
            package var villages: [String]?
            package var sortCodes: [String]?
        }
        package var stations: [StationConfig]?
    }

    package var privacy: Privacy?
    package var chain: Chain?
    package var station: Station?
    package var county: County?
    package var backup: Backup?
    package var outgoing: Outgoing?
    package var reports: Reports?
    package var notices: NoticesConfig?
    package var scanners: Scanners?
    package var handoffs: Handoffs?
    package var pickupGuessing: PickupGuessing?
    package var labels: Labels?
    package var shelves: [ShelfLayout.Shelf]?
    package var codeCooldownHours: Int?
    package var holdHours: Int?
    package var undoWindowMinutes: Int?
    /// The most events `Events.Subscribe` replays to a tool that gives `since` (default 50000).
    package var eventReplayLimit: Int?
    package var storeFullPhone: Bool?
    package var access: Access?
    package var server: Server?
    /// trace, debug, info, notice, warning, error, critical.
    package var logLevel: String?
    package static let logLevels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]

    /// The scanner id a spool folder's photos count as (`spool:` + its standardised path), for assignments here and
    /// for the spool service.
    package static func spoolScannerID(folder: String) -> String { "spool:" + URL(fileURLWithPath: folder).standardizedFileURL.path }

    package static func load(path: String?) throws -> DaemonConfiguration {
        guard let path else { return DaemonConfiguration() }
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigurationError("cannot read configuration \(path): \(error.localizedDescription)")
        }
        return try parse(data, name: path)
    }

    /// Decodes and validates a configuration's bytes; every failure is a `ConfigurationError` naming `name`.
    package static func parse(_ data: Data, name: String) throws -> DaemonConfiguration {
        do {
            let config = try StrictJSONDecoder().decode(DaemonConfiguration.self, from: data)
            try config.validate()
            return config
        } catch let error as JSONPreflightError {
            throw ConfigurationError("configuration \(name): \(error)")
        } catch let error as ConfigurationError {
            throw ConfigurationError("configuration \(name): \(error)")
        } catch let error as DecodingError {
            throw ConfigurationError("configuration \(name): \(Self.describe(error))")
        }
    }

    package func validate() throws {
        for shelf in shelves ?? [] {
            guard shelf.id > 0, (1...99).contains(shelf.layers), (1...9999).contains(shelf.layerCapacity) else {
                throw ConfigurationError("shelf \(shelf.id): id > 0, layers 1…99 and layerCapacity 1…9999 are required")
            }
        }
        if let shelves, Set(shelves.map(\.id)).count != shelves.count {
            throw ConfigurationError("shelves: each shelf id must be unique")
        }
        if let server {
            if let count = server.maxConnections, !(1...4096).contains(count) { throw ConfigurationError("server.maxConnections: 1…4096") }
            if let count = server.maxConnectionsPerUser, !(1...4096).contains(count) {
                throw ConfigurationError("server.maxConnectionsPerUser: 1…4096")
            }
            if let seconds = server.lineTimeoutSeconds, !(1...3600).contains(seconds) {
                throw ConfigurationError("server.lineTimeoutSeconds: 1…3600")
            }
            if let seconds = server.idleTimeoutSeconds, !(1...86_400).contains(seconds) {
                throw ConfigurationError("server.idleTimeoutSeconds: 1…86400")
            }
            if let bytes = server.maxLineBytes, !(1024...(256 << 20)).contains(bytes) {
                throw ConfigurationError("server.maxLineBytes: 1024…268435456")
            }
            if let mode = server.socketMode, mode_t(mode, radix: 8).map({ $0 <= 0o777 }) != true {
                throw ConfigurationError("server.socketMode: octal permissions such as \"0660\"")
            }
        }
        if let guessing = pickupGuessing {
            for (name, count) in [("clientFailures", guessing.clientFailures), ("counterFailures", guessing.counterFailures)] {
                if let count, !(1...10_000).contains(count) { throw ConfigurationError("pickupGuessing.\(name): 1…10000") }
            }
            if let seconds = guessing.windowSeconds, !(1...86_400).contains(seconds) {
                throw ConfigurationError("pickupGuessing.windowSeconds: 1…86400")
            }
            if let seconds = guessing.cooldownSeconds, !(1...86_400).contains(seconds) {
                throw ConfigurationError("pickupGuessing.cooldownSeconds: 1…86400")
            }
            if let seconds = guessing.maxCooldownSeconds, !(1...604_800).contains(seconds) {
                throw ConfigurationError("pickupGuessing.maxCooldownSeconds: 1…604800")
            }
        }
        if let logLevel, !Self.logLevels.contains(logLevel) {
            throw ConfigurationError("logLevel: one of \(Self.logLevels.joined(separator: ", "))")
        }
        if let hours = codeCooldownHours, !(0...8760).contains(hours) { throw ConfigurationError("codeCooldownHours: 0…8760") }
        if let hours = holdHours, !(1...8760).contains(hours) { throw ConfigurationError("holdHours: 1…8760") }
        if let minutes = undoWindowMinutes, !(0...1440).contains(minutes) { throw ConfigurationError("undoWindowMinutes: 0…1440") }
        if let limit = eventReplayLimit, !(0...1_000_000).contains(limit) { throw ConfigurationError("eventReplayLimit: 0…1000000") }
        if let backup {
            if backup.folder.isEmpty { throw ConfigurationError("backup.folder: the folder to write backups into") }
            if let minutes = backup.intervalMinutes, !(1...10_080).contains(minutes) {
                throw ConfigurationError("backup.intervalMinutes: 1…10080")
            }
            if let keep = backup.keep, !(1...1000).contains(keep) { throw ConfigurationError("backup.keep: 1…1000") }
        }
        if let county {
            if let size = county.batchSize, !(1...10_000).contains(size) { throw ConfigurationError("county.batchSize: 1…10000") }
            if let seconds = county.pollSeconds, !(1...3600).contains(seconds) { throw ConfigurationError("county.pollSeconds: 1…3600") }
            if let seconds = county.retryMaxSeconds, !(1...86_400).contains(seconds) {
                throw ConfigurationError("county.retryMaxSeconds: 1…86400")
            }
            if let seconds = county.link.timeoutSeconds, !(1...600).contains(seconds) {
                throw ConfigurationError("county.timeoutSeconds: 1…600")
            }
            if county.link.host.isEmpty || county.link.user.isEmpty || county.link.database.isEmpty {
                throw ConfigurationError("county: host, database and user are required")
            }
        }
        if let scanners {
            if let window = scanners.duplicateWindowMs, !(0...60_000).contains(window) {
                throw ConfigurationError("scanners.duplicateWindowMs: 0…60000")
            }
            if let seconds = scanners.verificationSeconds, !(10...3600).contains(seconds) {
                throw ConfigurationError("scanners.verificationSeconds: 10…3600")
            }
            for assignment in scanners.assignments ?? [] where assignment.match.isEmpty || (assignment.counter?.isEmpty ?? false) {
                throw ConfigurationError("scanners.assignments: match and counter must not be empty")
            }
        }
        if let labels {
            if let bytes = labels.maxFileBytes, !(1024...(256 << 20)).contains(bytes) {
                throw ConfigurationError("labels.maxFileBytes: 1024…268435456")
            }
            if let pixels = labels.maxPixels, !(10_000...400_000_000).contains(pixels) {
                throw ConfigurationError("labels.maxPixels: 10000…400000000")
            }
            if let ms = labels.timeBudgetMs, !(100...60_000).contains(ms) { throw ConfigurationError("labels.timeBudgetMs: 100…60000") }
            if let count = labels.maxConcurrent, !(1...64).contains(count) { throw ConfigurationError("labels.maxConcurrent: 1…64") }
            if let ms = labels.phoneTailBudgetMs, !(100...30_000).contains(ms) {
                throw ConfigurationError("labels.phoneTailBudgetMs: 100…30000")
            }
            if let bytes = labels.maxMemoryBytes, !((64 << 20)...(16 << 30)).contains(bytes) {
                throw ConfigurationError("labels.maxMemoryBytes: 67108864…17179869184")
            }
            for spool in labels.spool ?? [] where spool.path.isEmpty {
                throw ConfigurationError("labels.spool: a folder path is required")
            }
            for spool in labels.spool ?? [] {
                if let proof = spool.proof, !["photo", "signature"].contains(proof) {
                    throw ConfigurationError("labels.spool \(spool.path): proof is photo or signature")
                }
                if let seconds = spool.proofWindowSeconds, !(1...3600).contains(seconds) {
                    throw ConfigurationError("labels.spool \(spool.path): proofWindowSeconds 1…3600")
                }
            }
        }
        if let chain { try Self.validate(chain, ownID: station?.id ?? StationSettings().stationID) }
        if let privacy {
            if let days = privacy.retentionDays, !(0...3650).contains(days) { throw ConfigurationError("privacy.retentionDays: 0…3650") }
            if let minutes = privacy.intervalMinutes, !(1...10_080).contains(minutes) {
                throw ConfigurationError("privacy.intervalMinutes: 1…10080")
            }
            if let size = privacy.batchSize, !(1...10_000).contains(size) { throw ConfigurationError("privacy.batchSize: 1…10000") }
        }
        if let notices {
            guard (notices.exec == nil) != (notices.http == nil) else {
                throw ConfigurationError("notices: give exactly one channel, exec {executable, arguments} or http {url, headers}")
            }
            if let exec = notices.exec, !exec.executable.hasPrefix("/") {
                throw ConfigurationError("notices.exec.executable: an absolute path")
            }
            if let http = notices.http, URL(string: http.url)?.scheme?.hasPrefix("http") != true {
                throw ConfigurationError("notices.http.url: an http:// or https:// URL")
            }
            if let zone = notices.timeZone, TimeZone(identifier: zone) == nil {
                throw ConfigurationError("notices.timeZone: unknown \(zone)")
            }
            if let count = notices.maxReminders, !(0...10).contains(count) { throw ConfigurationError("notices.maxReminders: 0…10") }
        }
        if let reports {
            if let zone = reports.timeZone, TimeZone(identifier: zone) == nil {
                throw ConfigurationError("reports.timeZone: unknown \(zone)")
            }
            for (courier, fen) in reports.commissionFen ?? [:] where courier.isEmpty || !(0...100_000).contains(fen) {
                throw ConfigurationError("reports.commissionFen: a courier code (or default) and 0…100000 fen per parcel")
            }
        }
        if let handoffs {
            let parties = handoffs.parties ?? []
            for party in parties {
                guard !party.id.isEmpty, party.id.count <= 64, !party.name.isEmpty else {
                    throw ConfigurationError("handoffs.parties: each needs an id (1…64 characters) and a name")
                }
                if let pin = party.pin, !(4...12).contains(pin.count) || !pin.allSatisfy(\.isNumber) {
                    throw ConfigurationError("handoffs.parties \(party.id): pin must be 4…12 digits")
                }
            }
            if Set(parties.map(\.id)).count != parties.count { throw ConfigurationError("handoffs.parties: ids must be unique") }
            if let attempts = handoffs.pinAttempts, !(1...20).contains(attempts) { throw ConfigurationError("handoffs.pinAttempts: 1…20") }
            if let minutes = handoffs.pinLockoutMinutes, !(1...1440).contains(minutes) {
                throw ConfigurationError("handoffs.pinLockoutMinutes: 1…1440")
            }
        }
        if let server {
            if let bytes = server.maxLineBytes, !(1024...16 * 1024 * 1024).contains(bytes) {
                throw ConfigurationError("server.maxLineBytes: 1024…16777216")
            }
            if let count = server.maxConnections, !(1...10_000).contains(count) {
                throw ConfigurationError("server.maxConnections: 1…10000")
            }
            if let seconds = server.idleTimeoutSeconds, !(1...86_400).contains(seconds) {
                throw ConfigurationError("server.idleTimeoutSeconds: 1…86400")
            }
            if let mode = server.socketMode, mode_t(mode, radix: 8) == nil {
                throw ConfigurationError("server.socketMode: octal such as \"0660\"")
            }
        }
    }

    package var settings: StationSettings {
        var settings = StationSettings()
        if let id = station?.id { settings.stationID = id }
        settings.ownVillages = station?.villages ?? []
        settings.ownSortCodes = station?.sortCodes ?? []
        if let name = station?.name { settings.stationName = name }
        if let shelves, !shelves.isEmpty { settings.shelves = ShelfLayout(shelves: shelves) }
        if let hours = codeCooldownHours { settings.codeCooldownHours = hours }
        if let hours = holdHours { settings.holdHours = hours }
        if let minutes = undoWindowMinutes { settings.undoWindowMinutes = minutes }
        if let limit = eventReplayLimit { settings.eventReplayLimit = limit }
        if let keep = storeFullPhone { settings.storeFullPhone = keep }
        if let scanners {
            if let role = scanners.defaultRole { settings.scanners.defaultRole = role }
            if let window = scanners.duplicateWindowMs { settings.scanners.duplicateWindowMillis = Int64(window) }
            if let seconds = scanners.verificationSeconds { settings.scanners.verificationSeconds = seconds }
            settings.scanners.assignments = (scanners.assignments ?? []).map {
                .init(match: $0.match, role: $0.role, counter: $0.counter ?? ScannerSettings.defaultCounter, name: $0.name)
            }
        }
        if let required = outgoing?.requireIDCheck { settings.requireSenderIDCheck = required }
        if let zone = reports?.timeZone { settings.timeZone = zone }
        if let rates = reports?.commissionFen {
            settings.commissionFen = Dictionary(rates.map { ($0.key == "default" ? $0.key : $0.key.uppercased(), $0.value) }) { $1 }
        }
        if let days = privacy?.retentionDays { settings.retentionDays = days }
        if let size = privacy?.batchSize { settings.purgeBatchSize = size }
        for spool in labels?.spool ?? [] where spool.proof == nil {
            // A spool folder is a scanner of its own: its role comes from here unless an assignment names it.
            let id = DaemonConfiguration.spoolScannerID(folder: spool.path)
            if !settings.scanners.assignments.contains(where: { $0.match == id }) {
                settings.scanners.assignments.append(
                    .init(
                        match: id, role: spool.role ?? .intake, counter: spool.counter ?? ScannerSettings.defaultCounter,
                        name: "label spool"))
            }
        }
        settings.chainStations = (chain?.stations ?? []).map {
            ChainStation(
                id: $0.id, name: $0.name, tier: $0.tier, publicKey: $0.publicKey, villages: $0.villages ?? [], sortCodes: $0.sortCodes ?? []
            )
        }
        if let handoffs {
            settings.parties = (handoffs.parties ?? []).map {
                Party(id: $0.id, name: $0.name, company: $0.company?.uppercased(), badge: $0.badge, pin: $0.pin)
            }
            if let attempts = handoffs.pinAttempts { settings.pinAttempts = attempts }
            if let minutes = handoffs.pinLockoutMinutes { settings.pinLockoutMinutes = minutes }
        }
        if let guessing = pickupGuessing {
            for path in [\StationSettings.pickupGuessesPerClient, \StationSettings.pickupGuessesPerCounter] {
                if let seconds = guessing.windowSeconds { settings[keyPath: path].windowSeconds = seconds }
                if let seconds = guessing.cooldownSeconds { settings[keyPath: path].cooldownSeconds = seconds }
                if let seconds = guessing.maxCooldownSeconds { settings[keyPath: path].maxCooldownSeconds = seconds }
            }
            if let count = guessing.clientFailures { settings.pickupGuessesPerClient.failures = count }
            if let count = guessing.counterFailures { settings.pickupGuessesPerCounter.failures = count }
        }
        return settings
    }

    static func validate(_ chain: Chain, ownID: String) throws {
        let stations = chain.stations ?? []
        var claimed: [String: String] = [:]
        for station in stations {
            guard !station.id.isEmpty, station.id.count <= 64, !station.name.isEmpty, station.name.count <= 64 else {
                throw ConfigurationError("chain.stations: each needs an id (1…64 characters) and a name (1…64)")
            }
            guard station.id != ownID else { throw ConfigurationError("chain.stations \(station.id): that is this station's own id") }
            guard station.tier != .courier else {
                throw ConfigurationError("chain.stations \(station.id): tier is county, township or village")
            }
            if let key = station.publicKey, Data(base64Encoded: key)?.count != 32 {
                throw ConfigurationError("chain.stations \(station.id): publicKey must be a base64 Ed25519 key (32 bytes)")
            }
            for (what, values) in [("villages", station.villages ?? []), ("sortCodes", station.sortCodes ?? [])] {
                for value in values {
                    guard !value.trimmingCharacters(in: .whitespaces).isEmpty, value.count <= 64 else {
                        throw ConfigurationError("chain.stations \(station.id): \(what) entries are 1…64 characters")
                    }
                    // Two stations serving one destination would leave the route to chance.
                    let key = what + ":" + value.filter { !$0.isWhitespace }.uppercased()
                    if let other = claimed[key], other != station.id {
                        throw ConfigurationError("chain.stations: \(value) is served by both \(other) and \(station.id)")
                    }
                    claimed[key] = station.id
                }
            }
        }
        if Set(stations.map(\.id)).count != stations.count { throw ConfigurationError("chain.stations: ids must be unique") }
    }

    package static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context): return "\(path(context)): wrong type"
        case .keyNotFound(let key, let context): return "\(path(context)).\(key.stringValue): required"
        case .dataCorrupted(let context): return "not valid JSON (\(context.debugDescription))"
        @unknown default: return "invalid"
        }
    }
}

package struct ConfigurationError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
