import Foundation

/// A signed-in member of staff at one browser.
public struct ConsoleSession: Sendable {
    public let id: String
    public let staff: String
    public let role: ConsoleConfiguration.Role
    /// Sent with every write (form field or header) and compared with this; a page of another origin cannot read it.
    public let csrfToken: String
    public var lastActive: ContinuousClock.Instant
    public var locked: Bool
}

/// Why a sign-in or unlock was refused.
public enum SignInRefusal: Error, Equatable, Sendable {
    case unknownOrWrong
    case coolingDown(seconds: Int)
}

/// Sessions in memory (a restart signs everyone out, which is what a shared counter PC wants), the idle lock,
/// and the guessing limit on PINs: `failureLimit` wrong PINs for one name or from one address within `window`
/// pause sign-in for that name or address for `cooldown`.
public actor SessionStore {
    private let staff: [String: ConsoleConfiguration.Staff]
    private let idleLock: Duration
    private let maximumAge: Duration = .seconds(12 * 3600)
    private var sessions: [String: (session: ConsoleSession, created: ContinuousClock.Instant)] = [:]
    private var failures: [String: [ContinuousClock.Instant]] = [:]
    private let clock = ContinuousClock()
    static let failureLimit = 5
    static let window: Duration = .seconds(300)
    static let cooldown: Duration = .seconds(300)

    public init(configuration: ConsoleConfiguration) {
        staff = Dictionary(configuration.staff.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        idleLock = configuration.idleLock
    }

    public var staffNames: [String] { staff.keys.sorted() }

    /// Checks the PIN and opens a session; `address` is the browser's address (loopback for the PC itself).
    public func signIn(name: String, pin: String, address: String) throws(SignInRefusal) -> ConsoleSession {
        try checkCooldown(keys: ["name:" + name, "addr:" + address])
        guard let member = staff[name], PINHash.verify(pin: pin, stored: member.pin) else {
            recordFailure(keys: ["name:" + name, "addr:" + address])
            throw .unknownOrWrong
        }
        failures["name:" + name] = nil
        let now = clock.now
        let session = ConsoleSession(
            id: Secrets.randomToken(), staff: name, role: member.role ?? .staff, csrfToken: Secrets.randomToken(), lastActive: now,
            locked: false)
        sessions[session.id] = (session, now)
        return session
    }

    /// The session behind a cookie, locked when it has been idle too long; nil when unknown or expired.
    /// `touch` marks activity (a page or a write, not the live event stream).
    public func session(id: String, touch: Bool) -> ConsoleSession? {
        guard var entry = sessions[id] else { return nil }
        let now = clock.now
        guard now - entry.created < maximumAge else {
            sessions[id] = nil
            return nil
        }
        if !entry.session.locked, now - entry.session.lastActive >= idleLock { entry.session.locked = true }
        if touch, !entry.session.locked { entry.session.lastActive = now }
        sessions[id] = entry
        return entry.session
    }

    /// Unlocks a locked session with its own staff member's PIN.
    public func unlock(id: String, pin: String, address: String) throws(SignInRefusal) -> ConsoleSession {
        guard var entry = sessions[id] else { throw .unknownOrWrong }
        let keys = ["name:" + entry.session.staff, "addr:" + address]
        try checkCooldown(keys: keys)
        guard let member = staff[entry.session.staff], PINHash.verify(pin: pin, stored: member.pin) else {
            recordFailure(keys: keys)
            throw .unknownOrWrong
        }
        entry.session.locked = false
        entry.session.lastActive = clock.now
        sessions[id] = entry
        return entry.session
    }

    public func signOut(id: String) { sessions[id] = nil }

    private func checkCooldown(keys: [String]) throws(SignInRefusal) {
        let now = clock.now
        for key in keys {
            let recent = (failures[key] ?? []).filter { now - $0 < Self.window + Self.cooldown }
            failures[key] = recent.isEmpty ? nil : recent
            guard recent.count >= Self.failureLimit, let last = recent.last else { continue }
            let waited = now - last
            if waited < Self.cooldown {
                throw .coolingDown(seconds: Int((Self.cooldown - waited).components.seconds) + 1)
            }
        }
    }

    private func recordFailure(keys: [String]) {
        let now = clock.now
        for key in keys {
            failures[key, default: []].append(now)
            failures[key] = failures[key]!.filter { now - $0 < Self.window }
        }
    }
}
