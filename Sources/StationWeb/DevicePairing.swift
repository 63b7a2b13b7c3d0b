import Foundation

/// Pairing a counter tablet or a second screen when the console serves the station's LAN: staff at the PC
/// itself ask for a one-time code (six digits, five minutes, five tries), the new device types it once and keeps
/// a device cookie. Only its SHA-256 is kept, in `paired-devices` under the state folder, so a restart does not
/// unpair the tablets and a copy of the file pairs nothing.
public actor DevicePairing {
    static let codeLifetime: Duration = .seconds(300)
    static let codeTries = 5
    private let file: String?
    private var paired: Set<String>
    private var code: (value: String, expires: ContinuousClock.Instant, triesLeft: Int)?

    public init(stateDirectory: String?) {
        file = stateDirectory.map { $0 + "/paired-devices" }
        let text = file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) } ?? ""
        paired = Set(text.split(separator: "\n").map(String.init).filter { $0.count == 64 })
    }

    /// A new code for the PC's screen; an earlier one stops working.
    public func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        let value = String(format: "%06d", Int.random(in: 0...999_999, using: &generator))
        code = (value, ContinuousClock.now + Self.codeLifetime, Self.codeTries)
        return value
    }

    /// The device token for a right code (then the code is spent), nil otherwise.
    public func pair(code given: String) -> String? {
        guard var current = code, ContinuousClock.now < current.expires else {
            code = nil
            return nil
        }
        guard Secrets.equal(given, current.value) else {
            current.triesLeft -= 1
            code = current.triesLeft > 0 ? current : nil
            return nil
        }
        code = nil
        let token = Secrets.randomToken()
        paired.insert(Secrets.sha256(Array(token.utf8)))
        if let file {
            try? (paired.sorted().joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        }
        return token
    }

    public func isPaired(_ token: String?) -> Bool {
        guard let token else { return false }
        return paired.contains(Secrets.sha256(Array(token.utf8)))
    }

    public var count: Int { paired.count }
}
