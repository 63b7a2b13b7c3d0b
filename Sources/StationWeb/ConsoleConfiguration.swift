import Foundation
import StrictJSON

/// The console's part of the station configuration: `/etc/parcel-station/console.json` (its own file, so the
/// console's service reads only the staff PIN hashes and the daemon's service only its own secrets).
///
/// ```json
/// {"staff": [{"name": "王芳", "pin": "pbkdf2-sha256$210000$…", "role": "head"}],
///  "idleLockSeconds": 600, "counter": "1", "listen": "127.0.0.1:8080"}
/// ```
public struct ConsoleConfiguration: Decodable, Sendable {
    public struct Staff: Decodable, Sendable {
        public var name: String
        /// A `PINHash` string (`parcel-station-web hash-pin` makes one), never the PIN itself.
        public var pin: String
        /// `head` (站长: scanner roles, discrepancy resolutions, backups) or `staff` (the default).
        public var role: Role?

        public init(name: String, pin: String, role: Role? = nil) {
            self.name = name
            self.pin = pin
            self.role = role
        }
    }

    public enum Role: String, Codable, Sendable {
        case head, staff
    }

    public var staff: [Staff]
    /// A signed-in session locks after this many idle seconds (default 600); unlocking asks for the PIN again.
    public var idleLockSeconds: Int?
    /// The pickup counter this console stands at: its pickup scanners are armed for the recipient being served.
    public var counter: String?
    /// `host:port`; default `127.0.0.1:8080`. Anything but loopback needs `allowLAN` and device pairing. Port 0
    /// takes any free port (the console prints the address it got).
    public var listen: String?
    /// Serve the station's LAN (a counter tablet, a second screen): each new device must be paired with the
    /// token the console prints once at start.
    public var allowLAN: Bool?
    /// Largest manifest upload, in bytes (default 4 MiB).
    public var maxUploadBytes: Int?

    public init(staff: [Staff], idleLockSeconds: Int? = nil, counter: String? = nil, listen: String? = nil, allowLAN: Bool? = nil) {
        self.staff = staff
        self.idleLockSeconds = idleLockSeconds
        self.counter = counter
        self.listen = listen
        self.allowLAN = allowLAN
    }

    public static func load(from path: String) throws -> ConsoleConfiguration {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConsoleConfigurationError("cannot read \(path): \(error.localizedDescription)")
        }
        let configuration: ConsoleConfiguration
        do {
            configuration = try StrictJSONDecoder().decode(ConsoleConfiguration.self, from: data)
        } catch {
            throw ConsoleConfigurationError("\(path) is not a valid console configuration: \(error)")
        }
        try configuration.validate()
        return configuration
    }

    public func validate() throws {
        var names = Set<String>()
        for member in staff {
            let name = member.name.trimmingCharacters(in: .whitespaces)
            guard !name.isEmpty, name.count <= 32, name == member.name else {
                throw ConsoleConfigurationError("staff name \"\(member.name)\": 1…32 characters without spaces around")
            }
            guard names.insert(name).inserted else { throw ConsoleConfigurationError("staff name \(name) appears twice") }
            guard PINHash.isWellFormed(member.pin) else {
                throw ConsoleConfigurationError("staff \(name): pin must be a hash from `parcel-station-web hash-pin`, not the PIN")
            }
        }
        if let seconds = idleLockSeconds, !(2...28_800).contains(seconds) { throw ConsoleConfigurationError("idleLockSeconds: 2…28800") }
        if let bytes = maxUploadBytes, !(1024...(64 << 20)).contains(bytes) {
            throw ConsoleConfigurationError("maxUploadBytes: 1 KiB…64 MiB")
        }
        if let counter, counter.isEmpty || counter.utf8.count > 32 { throw ConsoleConfigurationError("counter: 1…32 characters") }
        let address = try listenAddress
        if !address.isLoopback && allowLAN != true {
            throw ConsoleConfigurationError(
                "listen \(address.host): serving beyond this PC needs \"allowLAN\": true (and pairing each device)")
        }
    }

    public var idleLock: Duration { .seconds(idleLockSeconds ?? 600) }
    public var uploadLimit: Int { maxUploadBytes ?? (4 << 20) }

    public var listenAddress: ListenAddress {
        get throws {
            guard let listen else { return ListenAddress(host: "127.0.0.1", port: 8080) }
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port)
            else { throw ConsoleConfigurationError("listen \(listen): expected host:port") }
            var host = String(listen[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            return ListenAddress(host: host, port: port)
        }
    }

    public struct ListenAddress: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var isLoopback: Bool { host == "127.0.0.1" || host == "::1" || host == "localhost" }
    }
}

public struct ConsoleConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
